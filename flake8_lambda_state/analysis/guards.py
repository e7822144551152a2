"""The memoization idioms: tests that say "not built yet".

`if _client is None:`, `if not _conn:`, `if key not in _CACHE:` and
`if _CACHE.get(key) is None:` guard code that runs once per warm container
(or once per key). Each guard is recorded as a fact on the code it covers:
("unset", name) or ("absent", container)."""
from typing import FrozenSet, Tuple

import libcst as cst

from .names import dotted

Guard = Tuple[str, str]  # ("unset", "_client") or ("absent", "_CACHE")
NO_GUARDS: FrozenSet[Guard] = frozenset()


def _is_none(expr) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "None"


def _get_container(expr):
    """`C.get(k)` -> 'C'."""
    if (isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute)
            and expr.func.attr.value == "get"):
        return dotted(expr.func.value)
    return None


def facts_of_test(test: cst.BaseExpression) -> Tuple[FrozenSet[Guard], FrozenSet[Guard]]:
    """Facts true in the body and in the else branch of `if test:`."""
    if isinstance(test, cst.Name) or isinstance(test, cst.Attribute):
        name = dotted(test)
        return NO_GUARDS, frozenset({("unset", name)}) if name else NO_GUARDS
    container = _get_container(test)
    if container:
        return NO_GUARDS, frozenset({("absent", container)})
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        body, orelse = facts_of_test(test.expression)
        return orelse, body
    if isinstance(test, cst.BooleanOperation):
        lb, le = facts_of_test(test.left)
        rb, re_ = facts_of_test(test.right)
        return lb | rb, le | re_
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        comp = test.comparisons[0]
        op, right, left = comp.operator, comp.comparator, test.left
        if isinstance(op, (cst.Is, cst.IsNot, cst.Equal, cst.NotEqual)) and _is_none(right):
            subject = dotted(left)
            fact = {("unset", subject)} if subject else set()
            container = _get_container(left)
            if container:
                fact = {("absent", container)}
            if isinstance(op, (cst.Is, cst.Equal)):
                return frozenset(fact), NO_GUARDS
            return NO_GUARDS, frozenset(fact)
        if isinstance(op, (cst.In, cst.NotIn)):
            container = dotted(right)
            if not container:
                return NO_GUARDS, NO_GUARDS
            fact = frozenset({("absent", container)})
            return (fact, NO_GUARDS) if isinstance(op, cst.NotIn) else (NO_GUARDS, fact)
    return NO_GUARDS, NO_GUARDS


def exits_block(body: cst.BaseSuite) -> bool:
    """True when a block always leaves the function (ends in return/raise)."""
    if isinstance(body, cst.SimpleStatementSuite):
        stmts = body.body
        return bool(stmts) and isinstance(stmts[-1], (cst.Return, cst.Raise))
    if isinstance(body, cst.IndentedBlock) and body.body:
        last = body.body[-1]
        if isinstance(last, cst.SimpleStatementLine) and last.body:
            return isinstance(last.body[-1], (cst.Return, cst.Raise))
    return False
