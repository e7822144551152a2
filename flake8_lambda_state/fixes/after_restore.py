"""LAM501 (SPEC autofix): keep the value init computes and compute it again in
a `@register_after_restore` hook of snapshot_restore_py, so that every
environment restored from the snapshot gets its own. One hook per module
rebinds every flagged name (a module that already has an after-restore hook
gets the rebinding added to it). Only a top-level `NAME = <expr>` whose
expression reads nothing but module names and builtins is re-evaluated; the
fix is unsafe when other init code has already read the value (it keeps the
snapshot's copy)."""
from dataclasses import dataclass
from typing import List, Optional, Sequence

import libcst as cst

from ..analysis.scopes import CLASS, COMPREHENSION, FUNCTION, IMPORTED, MODULE
from ..vocabulary import AFTER_RESTORE_HOOKS, SNAPSHOT_MODULE
from .edits import AddImport, Fix, InsertAfter, Replace
from .placement import fresh_name, inside, names_in

HOOK_FUNCTION = "register_after_restore"
HOOK_NAMES = ("refresh_after_restore",)


@dataclass(eq=False)
class _Rebinding:
    name: str
    statement: cst.SimpleStatementLine     # the top-level `NAME = <expr>`
    expr: cst.BaseExpression
    safe: bool


def _binding(model, value) -> Optional[_Rebinding]:
    """The value as a top-level `NAME = <expr>` (or `NAME: T = <expr>`) that
    can be evaluated again, verbatim, in a function; else None."""
    if value.unit is not model.symbols.init or value.site.discarded or "." in value.kept_in:
        return None
    stmt = value.site.statement
    if not any(s is stmt for s in model.module.body) or len(stmt.body) != 1:
        return None
    small = stmt.body[0]
    if isinstance(small, cst.Assign) and len(small.targets) == 1:
        target, expr = small.targets[0].target, small.value
    elif isinstance(small, cst.AnnAssign) and small.value is not None:
        target, expr = small.target, small.value
    else:
        return None
    if not isinstance(target, cst.Name) or target.value != value.kept_in:
        return None
    name = target.value
    if len(model.symbols.module_values.get(name, ())) != 1 or \
            name in model.symbols.rebound_in_functions:
        return None                 # bound elsewhere too: which value to recompute is unclear
    if not _reevaluable(model, expr, name):
        return None
    return _Rebinding(name, stmt, expr, not _read_at_init(model, name, stmt))


def _reevaluable(model, expr, name: str) -> bool:
    """In a function, the expression means what it means at module scope: it
    binds nothing (no walrus, no await or yield) and reads only module names
    and builtins, not the name it computes."""
    if _Finder(cst.NamedExpr, cst.Await, cst.Yield).found_in(expr):
        return False
    scopes = model.symbols.scopes
    for ref in names_in(expr):
        scope = scopes.scope_of(ref)
        if ref.value == name or scope is None:
            return False
        if scope.kind == COMPREHENSION:
            continue                # a comprehension's own variable, or a name it reads from outside
        if scope.kind != MODULE:
            return False
    return True


class _Finder(cst.CSTVisitor):
    def __init__(self, *kinds):
        super().__init__()
        self.kinds, self.found = kinds, False

    def on_visit(self, node):
        if isinstance(node, self.kinds):
            self.found = True
        return not self.found

    def found_in(self, node) -> bool:
        node.visit(self)
        return self.found


def _read_at_init(model, name: str, stmt) -> bool:
    """Init code reads the name after its binding: a later module-level
    statement (class bodies and comprehensions included), or a function that
    init calls. Such a reader keeps the snapshot's value."""
    end = model.positions[stmt].end
    init_functions = [u.node for u in model.snapshots.init_units if u.is_function]
    scopes = model.symbols.scopes
    for ref in scopes.references(scopes.module_scope, name):
        scope = scopes.scope_of(ref)
        while scope.kind in (CLASS, COMPREHENSION):
            scope = scope.parent
        start = model.positions[ref].start
        if scope.kind == MODULE:
            if (start.line, start.column) > (end.line, end.column):
                return True
        elif scope.kind == FUNCTION and any(inside(model, ref, fn) for fn in init_functions):
            return True
    return False


def _decorator(model, before) -> Optional[tuple]:
    """(decorator expression, edits) naming register_after_restore the way
    the module imports it (`import snapshot_restore_py` or a `from` import,
    aliases too), adding `from snapshot_restore_py import
    register_after_restore` when it imports neither; None when that name is
    taken by something else."""
    scope = model.symbols.scopes.module_scope
    wanted = next(iter(AFTER_RESTORE_HOOKS))
    limit = model.positions[before].start
    for name, bindings in scope.bindings.items():
        for binding in bindings:
            if binding.kind != IMPORTED:
                continue
            pos = model.positions[binding.node].start
            if (pos.line, pos.column) > (limit.line, limit.column):
                continue            # imported after the hook would be defined
            if binding.qualified == wanted:
                return cst.Name(name), ()
            if binding.qualified == SNAPSHOT_MODULE:
                return cst.parse_expression(f"{name}.{HOOK_FUNCTION}"), ()
    if scope.bindings.get(HOOK_FUNCTION) or any(
            HOOK_FUNCTION in u.global_names for u in model.symbols.all_units()):
        return None
    return cst.Name(HOOK_FUNCTION), (AddImport(SNAPSHOT_MODULE, HOOK_FUNCTION),)


def _assignment(rebinding: _Rebinding) -> cst.SimpleStatementLine:
    return cst.SimpleStatementLine([cst.Assign(
        targets=[cst.AssignTarget(cst.Name(rebinding.name))], value=rebinding.expr.deep_clone())])


def _global(names: Sequence[str]) -> cst.SimpleStatementLine:
    return cst.SimpleStatementLine([cst.Global(
        [cst.NameItem(cst.Name(n), comma=cst.MaybeSentinel.DEFAULT) for n in names])])


def _new_hook(model, rebindings: List[_Rebinding]):
    """A hook after the last of the bindings: its edits, or None."""
    anchor = max((r.statement for r in rebindings), key=lambda s: model.positions[s].start.line)
    found = _decorator(model, anchor)
    if found is None:
        return None
    decorator, imports = found
    name = fresh_name(model, HOOK_NAMES)
    body = [_global([r.name for r in rebindings]), *(_assignment(r) for r in rebindings)]
    body_index = next(i for i, s in enumerate(model.module.body) if s is anchor)
    following = model.module.body[body_index + 1:body_index + 2]
    blank = sum(1 for line in following[0].leading_lines if line.comment is None) \
        if following else 2
    footer = [cst.EmptyLine(indent=False)] * max(0, 2 - blank)     # two blank lines after a function
    hook = cst.FunctionDef(
        name=cst.Name(name), params=cst.Parameters(),
        body=cst.IndentedBlock(body, footer=footer),
        decorators=[cst.Decorator(decorator)],
        leading_lines=[cst.EmptyLine(), cst.EmptyLine()])
    return (InsertAfter(anchor, (hook,), binds=(name,)), *imports)


def _extended_hook(model, unit, rebindings: List[_Rebinding]):
    """The existing module-level hook with the rebindings added at its end
    (`global` at its top); None when that could change what it does: a
    method or async hook, a hook that returns or yields, or one with a local
    of a name to rebind or of a name the expressions read."""
    fn = unit.node
    if unit.class_name is not None or fn.asynchronous is not None or \
            not isinstance(fn.body, cst.IndentedBlock) or \
            not any(s is fn for s in model.module.body) or \
            _Finder(cst.Return, cst.Yield).found_in(fn.body):
        return None
    local = {s.target.value for s in unit.facts.stores if isinstance(s.target, cst.Name)} \
        - unit.facts.global_names
    read = {n.value for r in rebindings for n in names_in(r.expr)}
    if local & ({r.name for r in rebindings} | read):
        return None
    body = list(fn.body.body)
    first = 1 if body and _is_docstring(body[0]) else 0
    missing = [r.name for r in rebindings if r.name not in unit.facts.global_names]
    head = body[first] if len(body) > first else None
    if missing and isinstance(head, cst.SimpleStatementLine) and len(head.body) == 1 and \
            isinstance(head.body[0], cst.Global):     # `global conn` becomes `global conn, TOKEN`
        declared = [n.name.value for n in head.body[0].names]
        body[first] = head.with_changes(body=[_global(declared + missing).body[0]])
        missing = []
    new_body = body[:first] + ([_global(missing)] if missing else []) + body[first:] + \
        [_assignment(r) for r in rebindings]
    return (Replace(fn, fn.with_changes(body=fn.body.with_changes(body=new_body))),)


def _is_docstring(stmt) -> bool:
    return isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and \
        isinstance(stmt.body[0], cst.Expr) and \
        isinstance(stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString))


def recompute_after_restore(model, value, flagged) -> Optional[Fix]:
    """The fix for one flagged value. The hook of a safe fix rebinds every
    safely fixable value of the module, an unsafe fix's hook every fixable
    one, so that the fixes of one run share one hook (when both kinds run,
    the first wins and the other finds its value refreshed, or joins that
    hook in the next round)."""
    mine = _binding(model, value)
    if mine is None:
        return None
    rebindings, seen = [], set()
    for other in flagged:
        rebinding = mine if other is value else _binding(model, other)
        if rebinding is not None and (rebinding.safe or not mine.safe) and rebinding.name not in seen:
            seen.add(rebinding.name)
            rebindings.append(rebinding)
    rebindings.sort(key=lambda r: model.positions[r.statement].start.line)
    hooks = model.snapshots.hooks["after"]
    if len(hooks) > 1:
        return None             # which one to extend is the author's choice
    edits = _extended_hook(model, hooks[0], rebindings) if hooks else _new_hook(model, rebindings)
    if edits is None:
        return None
    names = ", ".join(r.name for r in rebindings)
    verb = "add to the after-restore hook" if hooks else "add an after-restore hook"
    return Fix(f"{verb}: recompute {names} after each SnapStart restore", mine.safe, edits)
