"""`@functools.cache` on a project function that returns a new client (a
factory wrapper, SPEC Core 7), when every call to it passes hashable
constants: one client per argument set instead of one per call."""
from typing import Optional

import libcst as cst

from .edits import AddImport, Fix, InsertAfter, Replace

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


# --- a client keyed on request data (LAM301, unsafe) -------------------------
REQUEST_CACHE_SIZE = 32     # request-keyed caches must be bounded (LAM104)
_STRINGS = (cst.FormattedString, cst.SimpleString, cst.ConcatenatedString)
_HASHABLE_LITERALS = _STRINGS + (cst.Integer, cst.Float)


def _hashable_request_value(model, expr, unit, depth: int = 0) -> bool:
    """Request data that is certainly hashable: an f-string, a literal, a
    `+` with a string on one side (it is a str, or the original raised), or
    a local bound once to one. A bare `event["x"]` is not: a JSON object
    there would make the cache raise TypeError."""
    if depth > 5:
        return False
    if isinstance(expr, _HASHABLE_LITERALS):
        return True
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
        if isinstance(expr.left, _STRINGS) or isinstance(expr.right, _STRINGS):
            return True
        return all(_hashable_request_value(model, side, unit, depth + 1)
                   for side in (expr.left, expr.right))
    if isinstance(expr, cst.Name):
        values = model.symbols.values_of(expr, unit)
        return len(values) == 1 and _hashable_request_value(model, values[0], unit, depth + 1)
    return False


def _parameter_name(arg) -> Optional[str]:
    if arg.keyword is not None:
        return arg.keyword.value
    return arg.value.value if isinstance(arg.value, cst.Name) else None


def request_keyed_getter(model, unit, call, base_names):
    """(edits, getter name): a module-level `functools.lru_cache` getter
    taking the call's request-data arguments as parameters and building the
    client from them, called with those arguments where the call was.
    Raises NotHoistable."""
    from .placement import NotHoistable, anchor_for, fresh_name, names_in
    flow = model.flow
    keyed, kept = [], []
    for arg in call.args:
        if arg.star:
            raise NotHoistable("it passes *args or **kwargs")
        if flow.is_constant(arg.value, unit):
            kept.append(arg.value)
        elif _hashable_request_value(model, arg.value, unit):
            keyed.append(arg)
        else:
            raise NotHoistable(f"{arg.value.__class__.__name__} argument may not be hashable")
    params = [_parameter_name(arg) for arg in keyed]
    if not keyed or None in params or len(set(params)) != len(params):
        raise NotHoistable("its request arguments cannot be named as parameters")
    probe = cst.Tuple([cst.Element(call.func), *(cst.Element(value) for value in kept)])
    used = {name.value for name in names_in(probe)}
    if used & set(params):
        raise NotHoistable("a parameter would hide a name the call uses")
    anchor = anchor_for(model, probe)
    name = fresh_name(model, base_names)
    new_args = [arg.with_changes(value=cst.Name(_parameter_name(arg))) if arg in keyed else arg
                for arg in call.args]
    getter = cst.FunctionDef(
        name=cst.Name(name),
        params=cst.Parameters([cst.Param(cst.Name(p)) for p in params]),
        body=cst.IndentedBlock([cst.SimpleStatementLine([cst.Return(call.with_changes(args=new_args))])]),
        decorators=[cst.Decorator(cst.parse_expression(
            f"functools.lru_cache(maxsize={REQUEST_CACHE_SIZE})"))],
        leading_lines=[cst.EmptyLine(), cst.EmptyLine()])
    last = len(keyed) - 1
    new_call = cst.Call(func=cst.Name(name), args=[
        cst.Arg(arg.value, comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")) if i < last
                else cst.MaybeSentinel.DEFAULT) for i, arg in enumerate(keyed)])
    return (Replace(call, new_call), InsertAfter(anchor, (getter,), binds=(name,)),
            AddImport("functools")), name
