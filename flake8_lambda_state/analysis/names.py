"""Dotted names, and what they denote through imports (qualified names),
resolved with the module's scopes (scopes.py).

Qualified names are computed on demand for the few expressions a rule asks
about (call targets, receivers), which is far cheaper than resolving
QualifiedNameProvider for every node of the file."""
from typing import Dict, FrozenSet, Optional

import libcst as cst
_EMPTY_MODULE = cst.Module([])


def dotted(expr: cst.BaseExpression) -> Optional[str]:
    """`a.b.c` for a chain of names and attributes; None for anything else."""
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.Attribute):
        base = dotted(expr.value)
        return f"{base}.{expr.attr.value}" if base else None
    return None


def root_name(expr: cst.BaseExpression) -> Optional[cst.Name]:
    """The Name at the bottom of `a.b[c].d(...)`-style chains (calls excluded)."""
    while True:
        if isinstance(expr, cst.Name):
            return expr
        if isinstance(expr, (cst.Attribute, cst.Subscript)):
            expr = expr.value
        else:
            return None


def string_value(expr: Optional[cst.BaseExpression]) -> Optional[str]:
    """The value of a plain (non f-) string literal, else None."""
    if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString)):
        try:
            value = expr.evaluated_value
        except Exception:  # libcst cannot evaluate some escapes; treat as unknown
            return None
        return value if isinstance(value, str) else None
    return None


def node_text(node: cst.CSTNode) -> str:
    """The source text of a node."""
    return _EMPTY_MODULE.code_for_node(node)


class QualifiedNames:
    """Resolves expressions to the imported or builtin names they denote.

    `from boto3 import client as mk; mk(...)` gives {'boto3.client'};
    `import os as o; o.environ` gives {'os.environ'}; a local or module
    variable gives nothing (it is not an import)."""

    def __init__(self, scopes):
        self._scopes = scopes          # scopes.ScopeIndex
        self._cache: Dict[int, FrozenSet[str]] = {}

    def of(self, expr: cst.CSTNode) -> FrozenSet[str]:
        key = id(expr)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        result: FrozenSet[str] = frozenset()
        if isinstance(expr, (cst.Name, cst.Attribute)):
            full = dotted(expr)
            if full:
                result = frozenset(self._scopes.qualified_names(root_name(expr), full))
        self._cache[key] = result
        return result
