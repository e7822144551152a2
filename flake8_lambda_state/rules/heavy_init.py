"""LAM303: one-time work redone on every invocation with init-time-constant
arguments: reading bundled files, fetching parameters and secrets with
constant names. Compiling a constant regex is not a finding: the `re`
module caches compiled patterns."""
from typing import Iterator, Optional

import libcst as cst

from ..analysis.files import OPENERS, WRITE_MODES, TmpPaths, open_mode
from ..analysis.names import node_text, string_value
from .base import Finding, code_of, per_invocation_calls, where

LOADERS = {"json.load", "yaml.safe_load", "yaml.load", "yaml.full_load", "pickle.load",
           "joblib.load", "torch.load", "numpy.load", "dill.load"}
SECRET_CALLS = {"ssm": {"get_parameter", "get_parameters", "get_parameters_by_path"},
                "secretsmanager": {"get_secret_value"}}
SECRET_METHODS = set().union(*SECRET_CALLS.values())
POWERTOOLS_PARAMETERS = "aws_lambda_powertools.utilities.parameters."


BUNDLE_ROOTS = ("/var/task", "/opt")   # the deployment package and layers


def _bundled(paths: TmpPaths, path) -> bool:
    """A file shipped with the function: a relative path, one built from
    __file__ or a variable, or an absolute one under /var/task or /opt. Other
    absolute paths (EFS under /mnt, /proc, /dev) hold live data."""
    if paths.is_tmp(path):
        return False
    prefix = paths.static_prefix(path)
    return not prefix.startswith("/") or prefix.startswith(BUNDLE_ROOTS)


def _what(model, unit, call: cst.Call, paths: TmpPaths) -> Optional[str]:
    """What kind of one-time work the call does, or None."""
    names = model.qn.of(call.func)
    args = [a.value for a in call.args]
    flow = model.flow

    def constant() -> bool:     # asked last: most calls are none of these
        return all(flow.is_constant(a, unit) for a in args)
    func = call.func
    method = func.attr.value if isinstance(func, cst.Attribute) else None
    if names & OPENERS:
        if args and constant() and _bundled(paths, args[0]) \
                and not set(open_mode(call)) & WRITE_MODES:
            return "reads a bundled file"
        return None
    if names & LOADERS:
        if args and constant() and isinstance(args[0], (cst.SimpleString, cst.Name, cst.Attribute,
                                                        cst.BinaryOperation, cst.FormattedString)) \
                and not _is_file_object(model, unit, args[0]) and _bundled(paths, args[0]):
            return "loads a bundled file"
        return None
    if method in ("read_text", "read_bytes"):
        receiver = func.value
        if flow.is_constant(receiver, unit) and _bundled(paths, receiver):
            return "reads a bundled file"
        return None
    if method in SECRET_METHODS:
        service = model.clients.service_of(func.value, unit)
        if service in SECRET_CALLS and method in SECRET_CALLS[service] and constant():
            return f"fetches a constant {'secret' if service == 'secretsmanager' else 'parameter'}"
    if any(n.startswith(POWERTOOLS_PARAMETERS) for n in names) and constant():
        for arg in call.args:
            keyword = arg.keyword.value if arg.keyword is not None else None
            text = node_text(arg.value)
            if (keyword == "force_fetch" and text == "True") or (keyword == "max_age" and text == "0"):
                return "fetches a parameter with caching turned off"
    return None


def _is_file_object(model, unit, expr) -> bool:
    """A name bound to an `open(...)` call or by `with open(...) as fh`."""
    if not isinstance(expr, cst.Name):
        return False
    return any(isinstance(v, cst.Call) and model.qn.of(v.func) & OPENERS
               for v in model.symbols.values_of(expr, unit))


FILE_ADVICE = ("the result is the same each time, so this only adds latency; do it once at "
               "module scope or in a memoized getter")
# Secrets and parameters rotate: a module constant would serve a stale value forever.
FETCH_ADVICE = ("each call is an API round trip and counts against the service's rate limit; "
                "cache it with a time limit, not as a module constant (secrets rotate): "
                "Powertools parameters.get_secret(name, max_age=300) / get_parameter(name, "
                "max_age=300), or a getter that fetches again after a few minutes")


def check(model) -> Iterator[Finding]:
    paths_by_unit = {}
    for unit, reach, site in per_invocation_calls(model):
        paths = paths_by_unit.setdefault(id(unit), TmpPaths(model, unit))
        what = _what(model, unit, site.node, paths)
        if what is None:
            continue
        advice = FETCH_ADVICE if what.startswith("fetches") else FILE_ADVICE
        yield Finding(
            "LAM303", site.node,
            f"{code_of(site.node)} {what} on every invocation {where(reach)}; {advice}", reach,
            extra={"unit": unit, "what": what})


TEXT_READS = {"read_text", "read_bytes", "read"}


def _whole_read(model, unit, call: cst.Call):
    """The single expression that reads the file: `json.load(open(P))`,
    `open(P).read()`, `Path(P).read_text()`, `joblib.load(P)`; None for an
    `open` whose file object is used otherwise."""
    names = model.qn.of(call.func)
    func = call.func
    if names & OPENERS:
        for site in unit.facts.calls:
            outer = site.node
            if model.qn.of(outer.func) & LOADERS and len(outer.args) == 1 and outer.args[0].value is call:
                return outer
            if isinstance(outer.func, cst.Attribute) and outer.func.value is call and \
                    outer.func.attr.value == "read" and not outer.args:
                return outer
        return None
    if names & LOADERS or (isinstance(func, cst.Attribute) and func.attr.value in TEXT_READS):
        return call
    return None


def _path_stem(read: cst.Call) -> str:
    """`rules_file` for a read of RULES_FILE, `pricing` for "data/pricing.json"."""
    import os
    import re
    expr = read
    while isinstance(expr, cst.Call):
        func = expr.func
        if isinstance(func, cst.Attribute) and func.attr.value in TEXT_READS:
            expr = func.value
            continue
        positional = [a.value for a in expr.args if a.keyword is None]
        if not positional:
            return "bundled_file"
        expr = positional[0]
    if isinstance(expr, cst.BinaryOperation):       # Path(...) / "rules.yaml"
        expr = expr.right
    if isinstance(expr, cst.Attribute):
        expr = expr.attr
    text = expr.value.lower() if isinstance(expr, cst.Name) else \
        os.path.splitext(os.path.basename(string_value(expr) or ""))[0]
    stem = re.sub(r"\W+", "_", text).strip("_")
    return stem if stem.isidentifier() else "bundled_file"


def fix(finding, model):
    """LAM303 (SPEC autofix): an SSM / Secrets Manager fetch becomes a cached
    Powertools parameters call (fixes/powertools.py); a single-expression
    read of a bundled file moves into a functools.cache getter. Safe for text and bytes (immutable);
    unsafe for loaded objects (json, yaml, pickle, models), which every
    invocation then shares: code that changes them would leak."""
    from ..fixes import Fix
    from ..fixes.hoist import cached_getter, local_name_of
    from ..fixes.placement import NotHoistable
    unit = finding.extra.get("unit")
    if finding.extra.get("what", "").startswith("fetches a constant") and unit is not None:
        from ..fixes.hoist import call_site
        from ..fixes.powertools import powertools_fetch
        site = call_site(unit, finding.node)
        return powertools_fetch(model, unit, site) if site is not None else None
    if finding.extra.get("what") not in ("reads a bundled file", "loads a bundled file"):
        return None
    read = _whole_read(model, unit, finding.node) if unit is not None else None
    if read is None:
        return None
    immutable = isinstance(read.func, cst.Attribute) and read.func.attr.value in TEXT_READS
    local = local_name_of(unit, read)
    try:
        edits, name = cached_getter(model, read, [f"load_{local or _path_stem(read)}",
                                                  "load_bundled_file"])
    except NotHoistable:
        return None
    return Fix(f"read the bundled file once, in the functools.cache getter {name}()", immutable, edits)
