"""LAM101/LAM201 (SPEC autofix): a global that one function rebinds becomes
that function's local, when nothing else reads or writes it, its module
value is only a placeholder (None or a literal), and the function assigns it
before any read (so the value left by the last invocation is never seen:
dropping it changes nothing but the leak)."""
from typing import Optional

import libcst as cst

from .edits import Fix, Remove, Replace
from .placement import inside as _inside, top_statement_of

PLACEHOLDERS = (cst.SimpleString, cst.Integer, cst.Float, cst.ConcatenatedString)


def _placeholder(value) -> bool:
    if isinstance(value, PLACEHOLDERS):
        return True
    if isinstance(value, cst.Name):
        return value.value in ("None", "True", "False")
    if isinstance(value, (cst.List, cst.Tuple, cst.Set, cst.Dict)):
        return not value.elements
    return False


def _module_placeholder(model, node) -> Optional[cst.SimpleStatementLine]:
    """The statement `NAME = <placeholder>` (or annotated) that binds `node`."""
    stmt = top_statement_of(model, node)
    if not (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1):
        return None
    small = stmt.body[0]
    if isinstance(small, cst.Assign) and len(small.targets) == 1 and small.targets[0].target is node:
        return stmt if _placeholder(small.value) else None
    if isinstance(small, cst.AnnAssign) and small.target is node and small.value is not None:
        return stmt if _placeholder(small.value) else None
    return None


def _global_statement(fn, name):
    for stmt in fn.body.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Global) and any(n.name.value == name for n in small.names):
                    return stmt, small
    return None, None


def make_local(model, unit, name: str) -> Optional[Fix]:
    fn = unit.node
    if not unit.is_function or not isinstance(fn.body, cst.IndentedBlock):
        return None
    scopes = model.symbols.scopes
    bound = [b.node for b in scopes.module_scope.bindings.get(name, ())]
    outside = [node for node in bound if not _inside(model, node, fn)]
    inside = [node for node in bound if _inside(model, node, fn)]
    if len(outside) != 1 or not inside:
        return None
    placeholder = _module_placeholder(model, outside[0])
    if placeholder is None:
        return None
    reads = scopes.references(scopes.module_scope, name)
    if any(not _inside(model, node, fn) for node in reads):
        return None                 # another function or init code reads it
    first = min(inside, key=lambda node: (model.positions[node].start.line,
                                          model.positions[node].start.column))
    stmt = top_statement_of_function(fn, model, first)
    if stmt is None or not (isinstance(stmt.body[0], cst.Assign) and len(stmt.body) == 1):
        return None                 # the first write must be a plain `name = ...` of the body
    end = model.positions[stmt].end
    if any((model.positions[node].start.line, model.positions[node].start.column)
           <= (end.line, end.column) for node in reads):
        return None                 # read before (or while) it is assigned
    line, declaration = _global_statement(fn, name)
    if declaration is None:
        return None
    edits = [Remove(placeholder)]
    if len(declaration.names) == 1:
        if len(line.body) != 1:
            return None
        edits.append(Remove(line))
    else:
        names = [n for n in declaration.names if n.name.value != name]
        names[-1] = names[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        edits.append(Replace(declaration, declaration.with_changes(names=names)))
    return Fix(f"make {name} local to {unit.key}() (drop the global and its placeholder)",
               name.startswith("_"), tuple(edits))


def top_statement_of_function(fn, model, node) -> Optional[cst.SimpleStatementLine]:
    """The statement of the function's own body that holds `node`."""
    for stmt in fn.body.body:
        if _inside(model, node, stmt):
            return stmt if isinstance(stmt, cst.SimpleStatementLine) else None
    return None
