"""One rewrite per file: compose the fixes of a module (refusing edits that
overlap), render the new text, and check it (it compiles, and every line no
edit touched is byte-identical, so comments, formatting and newline style
outside the edits are kept)."""
from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, List, Set, Tuple

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor

from ..analysis.names import node_text as code_of
from .edits import AddImport, Fix, InsertAfter, InsertBefore, Remove, Replace


class Refused(Exception):
    """The rewritten file failed a check; the message says which, for the user."""


@dataclass
class Composition:
    """The fixes of one file that can be applied together, and the others
    with the reason each was left out."""
    accepted: List[Fix] = field(default_factory=list)
    refused: List[Tuple[Fix, str]] = field(default_factory=list)


def _span(model, node):
    """(start, end) of a node as (line, column) pairs; a statement's span
    starts at its leading comment lines, which move or go with it."""
    pos = model.positions[node]
    start_line = pos.start.line - len(getattr(node, "leading_lines", ()))
    return (start_line, 0 if start_line < pos.start.line else pos.start.column), \
        (pos.end.line, pos.end.column)


def _overlaps(a, b) -> bool:
    return not (a[1] <= b[0] or b[1] <= a[0])


class _Taken:
    """What the accepted fixes already edit."""

    def __init__(self):
        self.spans: List[tuple] = []            # spans of replaced or removed nodes
        self.edited: Dict[int, str] = {}        # id(node) -> code of its replacement ("" = removed)
        self.inserted: Set[tuple] = set()       # (where, id(anchor), code)
        self.bound: Dict[str, str] = {}         # name -> code of the statement binding it


def _conflict(model, fix: Fix, taken: _Taken):
    """Why the fix cannot join the accepted ones, or None. Edits identical to
    an accepted one (two findings asking for the same module client) are
    shared, not conflicts."""
    for edit in fix.edits:
        if isinstance(edit, (Replace, Remove)):
            new = code_of(edit.new) if isinstance(edit, Replace) else ""
            if id(edit.node) in taken.edited:
                if taken.edited[id(edit.node)] != new:
                    return "another fix edits the same code"
                continue
            span = _span(model, edit.node)
            if any(_overlaps(span, other) for other in taken.spans):
                return "another fix edits overlapping code"
        elif isinstance(edit, (InsertBefore, InsertAfter)):
            if id(edit.anchor) in taken.edited:
                return "another fix edits the statement this one inserts next to"
            anchor = _span(model, edit.anchor)
            if any(_overlaps(anchor, other) for other in taken.spans):
                return "another fix edits the statement this one inserts next to"
            code = "".join(code_of(s) for s in edit.statements)
            for name in edit.binds:
                if taken.bound.get(name, code) != code:
                    return f"another fix binds the name {name!r}"
    return None


def _register(model, fix: Fix, taken: _Taken):
    for edit in fix.edits:
        if isinstance(edit, (Replace, Remove)):
            if id(edit.node) not in taken.edited:
                taken.edited[id(edit.node)] = code_of(edit.new) if isinstance(edit, Replace) else ""
                taken.spans.append(_span(model, edit.node))
        elif isinstance(edit, (InsertBefore, InsertAfter)):
            code = "".join(code_of(s) for s in edit.statements)
            for name in edit.binds:
                taken.bound[name] = code


def compose(model, fixes: List[Fix]) -> Composition:
    out, taken = Composition(), _Taken()
    for fix in fixes:
        reason = _conflict(model, fix, taken)
        if reason:
            out.refused.append((fix, reason))
        else:
            _register(model, fix, taken)
            out.accepted.append(fix)
    return out


def _without_blank_lead(stmt):
    """A statement inserted after another inserted one joins its block: no
    blank line of its own before it (its comments stay)."""
    lines = list(stmt.leading_lines)
    while lines and lines[0].comment is None:
        lines.pop(0)
    return stmt.with_changes(leading_lines=lines)


class _Rewriter(cst.CSTTransformer):
    def __init__(self, fixes: List[Fix]):
        super().__init__()
        self.replace: Dict[int, cst.CSTNode] = {}
        self.remove: Set[int] = set()
        self.before: Dict[int, list] = {}
        self.after: Dict[int, list] = {}
        seen_inserts = set()
        for fix in fixes:
            for edit in fix.edits:
                if isinstance(edit, Replace):
                    self.replace.setdefault(id(edit.node), edit.new)
                elif isinstance(edit, Remove):
                    self.remove.add(id(edit.node))
                elif isinstance(edit, (InsertBefore, InsertAfter)):
                    where = self.before if isinstance(edit, InsertBefore) else self.after
                    key = (type(edit), id(edit.anchor), "".join(code_of(s) for s in edit.statements))
                    if key not in seen_inserts:     # one module client for every finding that wants it
                        seen_inserts.add(key)
                        group = where.setdefault(id(edit.anchor), [])
                        group.extend(_without_blank_lead(s) if group else s for s in edit.statements)

    def on_leave(self, original_node, updated_node):
        key = id(original_node)
        if key in self.remove:
            return cst.RemovalSentinel.REMOVE
        updated_node = self.replace.get(key, updated_node)
        before, after = self.before.get(key), self.after.get(key)
        if before or after:
            return cst.FlattenSentinel([*(before or ()), updated_node, *(after or ())])
        return updated_node


def render(module: cst.Module, fixes: List[Fix]) -> str:
    """The module's text with every edit of `fixes` applied."""
    new = module.visit(_Rewriter(fixes))
    imports = sorted({e for fix in fixes for e in fix.edits if isinstance(e, AddImport)},
                     key=lambda e: (e.module, e.name or ""))
    if imports:
        context = CodemodContext()
        for item in imports:
            AddImportsVisitor.add_needed_import(context, item.module, item.name)
        new = AddImportsVisitor(context).transform_module(new)
    return new.code


def touched_lines(model, fixes: List[Fix]) -> Set[int]:
    """Lines of the original text that the fixes may change: replaced and
    removed nodes, and the top-level imports when an import is added."""
    lines: Set[int] = set()
    for fix in fixes:
        for edit in fix.edits:
            if isinstance(edit, (Replace, Remove)):
                (start, _), (end, _) = _span(model, edit.node)
                lines.update(range(start, end + 1))
            elif isinstance(edit, AddImport):
                for stmt in model.module.body:
                    if isinstance(stmt, cst.SimpleStatementLine) and any(
                            isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body):
                        (start, _), (end, _) = _span(model, stmt)
                        lines.update(range(start, end + 1))
    return lines


def check_rewrite(old: str, new: str, filename: str, allowed: Set[int]):
    """Raise Refused unless `new` compiles and the untouched lines of `old`
    are, byte for byte and in order, a subsequence of its lines (insertions
    anywhere are fine). A subsequence test, not a line diff: a diff aligns
    identical blank lines arbitrarily and would blame an untouched one."""
    try:
        compile(new, filename, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        raise Refused(f"the fixed file would not compile ({exc})") from None
    remaining = iter(new.splitlines(keepends=True))
    for number, line in enumerate(old.splitlines(keepends=True), start=1):
        if number not in allowed and not any(line == candidate for candidate in remaining):
            raise Refused(f"the fix would change line {number}, which no edit touches")


_UNBOUND = ("UndefinedName", "UndefinedLocal")


def _unbound_names(text: str, filename: str) -> Counter:
    import ast

    from pyflakes.checker import Checker
    try:
        messages = Checker(ast.parse(text, filename), filename).messages
    except (SyntaxError, ValueError, RecursionError):
        return Counter()
    return Counter((type(m).__name__, m.message_args[0]) for m in messages
                   if type(m).__name__ in _UNBOUND)


def check_names(old: str, new: str, filename: str):
    """Raise Refused when the rewrite leaves a name unbound where it was not
    (pyflakes' undefined-name and used-before-assignment checks): a safety
    net under the fixes' own scope reasoning."""
    added = _unbound_names(new, filename) - _unbound_names(old, filename)
    if added:
        kind, name = sorted(added)[0]
        raise Refused(f"the fix would leave {name!r} unbound where it is used (pyflakes {kind})")
