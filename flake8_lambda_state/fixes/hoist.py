"""Moving per-invocation work to module scope, shared by the LAM301, LAM303
and LAM304 fixes: a value bound once at module scope (a client), or a
`functools.cache` getter (a connection, a bundled file) called where the
work was."""
from typing import List, Optional, Sequence

import libcst as cst

from ..analysis.scopes import MODULE
from .edits import AddImport, InsertAfter, Remove, Replace
from .placement import (NotHoistable, anchor_for, fresh_name, identical_module_binding,
                        leading_blank, module_binding)


def call_site(unit, call):
    return next((s for s in unit.facts.calls if s.node is call), None)


def _comments(stmt) -> List[cst.EmptyLine]:
    return [line for line in stmt.leading_lines if line.comment is not None]


def _movable_local(model, unit, call) -> Optional[cst.SimpleStatementLine]:
    """The statement `name = call` when it is a statement of the function's
    own body (not under an if, a with or a loop), the function's only binding
    of `name`, and not its only statement: removing it makes `name` the
    module's."""
    if not unit.is_function or not isinstance(unit.node.body, cst.IndentedBlock):
        return None
    store = next((s for s in unit.facts.stores if s.value is call and s.op == "assign"), None)
    if store is None or not isinstance(store.target, cst.Name):
        return None
    stmt = store.statement
    body = unit.node.body.body
    if not (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1
            and isinstance(stmt.body[0], cst.Assign) and len(stmt.body[0].targets) == 1
            and any(s is stmt for s in body) and len(body) > 1):
        return None
    name = store.target.value
    scope = model.symbols.scopes.scope_of(store.target)
    if scope is None or scope.kind == MODULE or name in unit.facts.global_names:
        return None
    if len(scope.bindings.get(name, ())) != 1 or any(
            other is not store and isinstance(other.target, cst.Name) and other.target.value == name
            for other in unit.facts.stores):
        return None     # bound or deleted elsewhere too (`del name` makes it local again)
    return stmt


def _free_at_module(model, name: str) -> bool:
    """Nothing at module scope is called `name`, no function declares it
    global, and it is not a builtin the module would then shadow."""
    import builtins
    if model.symbols.scopes.module_scope.bindings.get(name):
        return False
    return not hasattr(builtins, name) and not any(
        name in u.global_names for u in model.symbols.all_units())


def hoist_value(model, unit, call, base_names: Sequence[str]):
    """(edits, module name) that bind `call` once at module scope and use
    that binding where the call was. Raises NotHoistable."""
    site = call_site(unit, call)
    if site is None:
        raise NotHoistable("the call is not in the analysed function")
    if site.with_item is not None:
        raise NotHoistable("a `with` block closes it at the end of the block")
    existing = identical_module_binding(model, call)
    stmt = _movable_local(model, unit, call)
    if stmt is not None:
        local = stmt.body[0].targets[0].target.value
        if existing == local:
            return (Remove(stmt),), local
        if existing is None and _free_at_module(model, local):
            anchor = anchor_for(model, call)
            moved = stmt.with_changes(leading_lines=leading_blank(anchor) + _comments(stmt))
            return (Remove(stmt), InsertAfter(anchor, (moved,), binds=(local,))), local
    if existing is not None:
        return (Replace(call, cst.Name(existing)),), existing
    anchor = anchor_for(model, call)
    name = fresh_name(model, base_names)
    binding = module_binding(name, call, leading_blank(anchor))
    return (Replace(call, cst.Name(name)), InsertAfter(anchor, (binding,), binds=(name,))), name


def cached_getter(model, call, base_names: Sequence[str]):
    """(edits, getter name): a module-level `@functools.cache` function that
    returns `call`, and a call to it where the call was."""
    anchor = anchor_for(model, call)
    name = fresh_name(model, base_names)
    getter = cst.FunctionDef(
        name=cst.Name(name), params=cst.Parameters(),
        body=cst.IndentedBlock([cst.SimpleStatementLine([cst.Return(call)])]),
        decorators=[cst.Decorator(cst.parse_expression("functools.cache"))],
        leading_lines=[cst.EmptyLine(), cst.EmptyLine()])
    new_call = cst.Call(func=cst.Name(name))
    return (Replace(call, new_call), InsertAfter(anchor, (getter,), binds=(name,)),
            AddImport("functools")), name


def local_name_of(unit, call) -> Optional[str]:
    store = next((s for s in unit.facts.stores if s.value is call and s.op == "assign"), None)
    return store.target.value if store is not None and isinstance(store.target, cst.Name) else None
