"""`@functools.cache` on a project function that returns a new client (a
factory wrapper, SPEC Core 7), when every call to it passes hashable
constants: one client per argument set instead of one per call."""
from typing import Optional

import libcst as cst

from .edits import AddImport, Fix, Replace

_CONSTANT_CALLS = {"os.getenv", "os.environ.get"}


def _hashable_constant(model, expr, unit, depth: int = 0) -> bool:
    """A literal string, number, True/False/None, a tuple of them, an
    environment lookup, or a module name bound once to one of these."""
    if depth > 5 or expr is None:
        return expr is None
    deeper = depth + 1
    if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString, cst.Integer, cst.Float)):
        return True
    if isinstance(expr, cst.Tuple):
        return all(_hashable_constant(model, el.value, unit, deeper) for el in expr.elements)
    if isinstance(expr, cst.Subscript) and model.qn.of(expr.value) & {"os.environ"}:
        return model.flow.is_constant(expr, unit)
    if isinstance(expr, cst.Call) and model.qn.of(expr.func) & _CONSTANT_CALLS:
        return all(_hashable_constant(model, a.value, unit, deeper) for a in expr.args)
    if isinstance(expr, cst.Name):
        if expr.value in ("True", "False", "None"):
            return True
        values = model.symbols.module_values.get(expr.value, [])
        return model.symbols.binding_is_constant(expr.value) and len(values) == 1 and \
            _hashable_constant(model, values[0], unit, deeper)
    return False


def cache_wrapper(model, unit, call) -> Optional[Fix]:
    fn = unit.node
    if unit.class_name is not None or unit.memoized or fn.asynchronous is not None:
        return None
    callers = model.reach.callers.get(id(unit), [])
    context = model.context
    if unit.all_params():
        if context is not None and context.hot_sites.get(unit.key, 0) > len(callers):
            return None     # call sites in other modules: their arguments are not known here
        for caller, site, target in callers:
            if any(arg.star for arg in site.node.args):
                return None
            if not all(_hashable_constant(model, value, caller)
                       for value in target.arguments(site.node).values()):
                return None
    decorated = fn.with_changes(
        decorators=[cst.Decorator(cst.parse_expression("functools.cache")), *fn.decorators])
    return Fix(f"memoize {unit.key}() with @functools.cache: one client per argument set",
               True, (Replace(fn, decorated), AddImport("functools")))
