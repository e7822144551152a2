"""A cheap walk over a libcst tree.

libcst's visitors rebuild every node they leave (`_visit_and_replace_children`)
and dispatch through several layers per node; on a handler module that walk
costs more than the parse. The analysis only reads the tree, so it walks the
dataclass fields directly: the child nodes of each node in source order,
without whitespace, comments and punctuation."""
import dataclasses
from typing import Dict, Iterator, List, Tuple

import libcst as cst

# Fields that only ever hold whitespace, comments or punctuation.
_TOKEN_FIELDS = frozenset({
    "lpar", "rpar", "lbracket", "rbracket", "lbrace", "rbrace", "leading_lines",
    "lines_after_decorators", "header", "footer", "comma", "semicolon",
    "trailing_whitespace", "equal", "colon", "newline", "dot", "relative",
    "asynchronous", "operator", "default_indent", "default_newline", "indent",
    "star", "prefix", "quote", "value_raw", "encoding", "has_trailing_newline",
    "first_line", "empty_lines", "last_line", "comment", "first_colon", "second_colon",
    "leading_whitespace", "separator",
})
# Fields whose order in the dataclass is not their order in the source.
_SOURCE_ORDER = {
    cst.FunctionDef: ("decorators", "name", "type_parameters", "params", "returns", "body"),
    cst.ClassDef: ("decorators", "name", "type_parameters", "bases", "keywords", "body"),
    cst.Arg: ("keyword", "value"),
    cst.ExceptHandler: ("type", "name", "body"),
    cst.ExceptStarHandler: ("type", "name", "body"),
    cst.IfExp: ("body", "test", "orelse"),
    cst.MatchCase: ("pattern", "guard", "body"),
    cst.Parameters: ("posonly_params", "posonly_ind", "params", "star_arg", "kwonly_params",
                     "star_kwarg"),
    cst.TypeAlias: ("name", "type_parameters", "value"),
}
_FIELDS: Dict[type, Tuple[str, ...]] = {}


def child_fields(cls: type) -> Tuple[str, ...]:
    """The names of the fields of a node class that can hold child nodes,
    in source order."""
    names = _FIELDS.get(cls)
    if names is None:
        present = {f.name for f in dataclasses.fields(cls)}
        ordered = [n for n in _SOURCE_ORDER.get(cls, ()) if n in present]
        ordered += [f.name for f in dataclasses.fields(cls)
                    if f.name not in ordered and f.name not in _TOKEN_FIELDS
                    and not f.name.startswith("whitespace")]
        names = _FIELDS[cls] = tuple(ordered)
    return names


class _NodeTypes(dict):
    """type -> whether its values are libcst nodes, answered once per type:
    `isinstance(value, cst.CSTNode)` goes through ABCMeta on every call, and
    the walks ask it for every field of every node."""

    def __missing__(self, kind: type) -> bool:
        known = self[kind] = issubclass(kind, cst.CSTNode)
        return known


_IS_NODE = _NodeTypes()


def children(node: cst.CSTNode) -> List[cst.CSTNode]:
    """The child nodes of `node` that carry code, in source order."""
    out: List[cst.CSTNode] = []
    for name in _FIELDS.get(type(node)) or child_fields(type(node)):
        value = getattr(node, name)
        kind = type(value)
        if kind is tuple or kind is list:
            out.extend([item for item in value if _IS_NODE[type(item)]])
        elif _IS_NODE[kind]:
            out.append(value)
    return out


def walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """`node` and every node under it, parents before children, in source
    order."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))
