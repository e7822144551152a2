"""LAM202 (request data written to os.environ, in reachable code) and LAM204
(a reserved Lambda runtime variable overridden or removed anywhere in a
module that holds a handler). One finding per site: LAM202 wins."""
from dataclasses import dataclass
from typing import Iterator, List, Optional

import libcst as cst

from ..analysis.names import string_value
from .base import Finding, code_of, where

RESERVED = frozenset({
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_REGION", "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
})
ENV = "os.environ"


@dataclass(eq=False)
class EnvWrite:
    node: cst.CSTNode
    unit: object
    keys: List[cst.BaseExpression]
    key_names: List[str]          # constant key names known
    value: Optional[cst.BaseExpression]
    setdefault: bool = False


def env_writes(model, unit) -> Iterator[EnvWrite]:
    qn = model.qn
    for store in unit.facts.stores:
        target = store.target
        if isinstance(target, cst.Subscript) and ENV in qn.of(target.value):
            keys = [el.slice.value for el in target.slice if isinstance(el.slice, cst.Index)]
            yield EnvWrite(target, unit, keys, _names(keys), store.value)
    for site in unit.facts.calls:
        call = site.node
        names = qn.of(call.func)
        positional = [a.value for a in call.args if a.keyword is None and not a.star]
        if names & {"os.putenv", "os.environ.__setitem__", "os.environ.setdefault"}:
            keys = positional[:1]
            value = positional[1] if len(positional) > 1 else None
            yield EnvWrite(call, unit, keys, _names(keys), value,
                           setdefault="os.environ.setdefault" in names)
        elif names & {"os.unsetenv", "os.environ.pop", "os.environ.__delitem__"}:
            keys = positional[:1]
            yield EnvWrite(call, unit, keys, _names(keys), None)
        elif "os.environ.update" in names:
            keys, value, known = [], None, []
            for arg in call.args:
                if arg.keyword is not None:
                    known.append(arg.keyword.value)
                    value = arg.value if value is None else value
                elif isinstance(arg.value, cst.Dict):
                    keys += [el.key for el in arg.value.elements if isinstance(el, cst.DictElement)]
                    value = arg.value
                else:
                    value = arg.value
            yield EnvWrite(call, unit, keys, known + _names(keys),
                           cst.Tuple([cst.Element(a.value) for a in call.args]) if call.args else value)
        elif "os.environ.clear" in names:
            yield EnvWrite(call, unit, [], sorted(RESERVED), None)


def _names(keys) -> List[str]:
    return [name for name in (string_value(k) for k in keys) if name]


def check(model) -> Iterator[Finding]:
    if not model.symbols.scopes.imports_any([ENV]):
        return                      # nothing in the file can denote os.environ or os.putenv
    whole_module = bool(model.local_handlers)   # LAM204 covers all of a handler's module
    units = [model.symbols.init] + model.symbols.all_units()
    flow = model.flow
    for unit in units:
        reach = model.reach.reach(unit)
        for write in env_writes(model, unit):
            if reach is not None and (flow.is_request(write.value, unit)
                                      or any(flow.is_request(k, unit) for k in write.keys)):
                yield Finding(
                    "LAM202", write.node,
                    f"request data is written to the process environment ({code_of(write.node)}) "
                    f"{where(reach)}; os.environ outlives the invocation and every later caller "
                    f"in this warm container reads it; pass the value as an argument instead",
                    reach)
                continue
            reserved = sorted(set(write.key_names) & RESERVED)
            if reserved and not write.setdefault and (whole_module or reach is not None):
                location = where(reach) if reach else (
                    "at module level" if unit is model.symbols.init else f"in {unit.key}()")
                yield Finding(
                    "LAM204", write.node,
                    f"{code_of(write.node)} overrides the Lambda runtime's reserved "
                    f"{', '.join(reserved) if len(reserved) <= 3 else 'variables'} {location}; "
                    f"the runtime and the AWS SDKs rely on these values; use a variable of "
                    f"your own or pass the value to the client",
                    reach)
