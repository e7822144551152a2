"""Where a binding hoisted to module scope goes and what it is called: after
the imports and after every module binding its expression uses, under a name
nothing in the module uses yet."""
import builtins
import keyword
import re
from typing import Iterable, List, Optional

import libcst as cst

from ..analysis.scopes import MODULE

_IMPORTS = (cst.Import, cst.ImportFrom)


class NotHoistable(Exception):
    """The expression cannot move to module scope; the message says why."""


class _Names(cst.CSTVisitor):
    def __init__(self):
        self.names: List[cst.Name] = []

    def visit_Name(self, node):
        self.names.append(node)

    def visit_Attribute(self, node):
        node.value.visit(self)          # `boto3.client`: only `boto3` is a name
        return False

    def visit_Arg(self, node):
        node.value.visit(self)          # keywords are not names
        return False


def names_in(expr: cst.CSTNode) -> List[cst.Name]:
    """The names an expression reads (not attribute or keyword names)."""
    collector = _Names()
    expr.visit(collector)
    return collector.names


def _is_import(stmt) -> bool:
    return isinstance(stmt, cst.SimpleStatementLine) and any(isinstance(s, _IMPORTS) for s in stmt.body)


def _top_statement(model, node) -> Optional[cst.BaseStatement]:
    """The top-level statement of the module that holds `node`."""
    pos = model.positions[node]
    for stmt in model.module.body:
        span = model.positions[stmt]
        if (span.start.line, span.start.column) <= (pos.start.line, pos.start.column) and \
                (pos.end.line, pos.end.column) <= (span.end.line, span.end.column):
            return stmt
    return None


def anchor_for(model, expr: cst.CSTNode) -> cst.BaseStatement:
    """The top-level statement after which `expr` can be bound at module
    scope: the last leading import, or a later statement that binds one of
    the names it uses. Raises NotHoistable when it reads a local name, or
    when init code before that point already calls into the module (the
    binding would not exist yet when that code runs)."""
    body = list(model.module.body)
    leading = [s for s in body[: next((i for i, s in enumerate(body)
                                       if isinstance(s, (cst.FunctionDef, cst.ClassDef))), len(body))]
               if _is_import(s)]
    anchor_index = body.index(leading[-1]) if leading else -1
    scopes = model.symbols.scopes
    for name in names_in(expr):
        if scopes.scope_of(name) is None:
            raise NotHoistable("it is not in analysed code")
        owner, bindings = scopes.resolve(name)
        if owner is not None and owner.kind != MODULE:
            raise NotHoistable(f"it uses the local name {name.value!r}")
        for binding in bindings:
            holder = _top_statement(model, binding.node)
            if holder is None:
                raise NotHoistable(f"cannot place it after the binding of {name.value!r}")
            anchor_index = max(anchor_index, body.index(holder))
    if anchor_index < 0:
        raise NotHoistable("the module has no import or binding to place it after")
    anchor = body[anchor_index]
    _no_calls_before(model, anchor)
    return anchor


def _no_calls_before(model, anchor):
    """Init code up to the anchor must not call a function or class of the
    module: it could reach the code that will read the new binding."""
    end = model.positions[anchor].end
    symbols = model.symbols
    for site in symbols.init.facts.calls:
        start = model.positions[site.node].start
        if (start.line, start.column) > (end.line, end.column):
            continue
        if symbols.resolve_call(site.node, symbols.init) is not None:
            raise NotHoistable("init code before that point calls into the module")


def fresh_name(model, candidates: Iterable[str], also_taken: Iterable[str] = ()) -> str:
    """The first candidate that no identifier of the module spells (a textual
    test: conservative, and blind to nothing that scopes could hide)."""
    taken = set(also_taken)
    text = model.module.code
    tried = []
    for base in candidates:
        for name in (base, f"_{base}", *(f"{base}_{n}" for n in range(2, 10))):
            tried.append(name)
            if name.isidentifier() and not keyword.iskeyword(name) and name not in taken \
                    and not re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", text) \
                    and not hasattr(builtins, name):
                return name
    raise NotHoistable(f"no free module name among {', '.join(tried[:3])}")


def leading_blank(anchor) -> List[cst.EmptyLine]:
    """One blank line between an import block and the new statement."""
    return [cst.EmptyLine()] if _is_import(anchor) else []


def module_binding(name: str, value: cst.BaseExpression, leading=()) -> cst.SimpleStatementLine:
    return cst.SimpleStatementLine(
        body=[cst.Assign(targets=[cst.AssignTarget(cst.Name(name))], value=value)],
        leading_lines=list(leading))


def identical_module_binding(model, expr: cst.BaseExpression) -> Optional[str]:
    """The name of a top-level `NAME = <same code>` bound once (an existing
    module client of the same call), or None."""
    from ..analysis.names import node_text as code_of
    wanted = code_of(expr)
    for stmt in model.module.body:
        if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and \
                isinstance(stmt.body[0], cst.Assign):
            assign = stmt.body[0]
            if len(assign.targets) == 1 and isinstance(assign.targets[0].target, cst.Name) and \
                    code_of(assign.value) == wanted:
                name = assign.targets[0].target.value
                if model.symbols.binding_is_constant(name):
                    return name
    return None


def inside(model, node, outer) -> bool:
    """`node` lies within `outer` (by position)."""
    pos, span = model.positions[node], model.positions[outer]
    return (span.start.line, span.start.column) <= (pos.start.line, pos.start.column) and \
        (pos.end.line, pos.end.column) <= (span.end.line, span.end.column)


def top_statement_of(model, node):
    return _top_statement(model, node)
