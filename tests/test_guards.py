"""The memoization idioms (analysis/guards.py): what `if test:` says in its
body and in its else branch. Each case is the fact set exactly, both ways."""
import libcst as cst
import pytest

from flake8_lambda_state.analysis.guards import exits_block, facts_of_test

UNSET_C = frozenset({("unset", "_client")})
ABSENT = frozenset({("absent", "CACHE")})
NONE = frozenset()


@pytest.mark.parametrize("test, body, orelse", [
    ("_client", NONE, UNSET_C),
    ("not _client", UNSET_C, NONE),
    ("self.conn", NONE, frozenset({("unset", "self.conn")})),
    ("CACHE.get(key)", NONE, ABSENT),
    ("not CACHE.get(key)", ABSENT, NONE),
    ("_client is None", UNSET_C, NONE),
    ("_client == None", UNSET_C, NONE),
    ("_client is not None", NONE, UNSET_C),
    ("_client != None", NONE, UNSET_C),
    ("CACHE.get(key) is None", ABSENT, NONE),
    ("CACHE.get(key) is not None", NONE, ABSENT),
    ("key not in CACHE", ABSENT, NONE),
    ("key in CACHE", NONE, ABSENT),
    ("key in load()", NONE, NONE),
    ("_client is None or key not in CACHE", UNSET_C | ABSENT, NONE),
    ("_client and CACHE.get(key)", NONE, UNSET_C | ABSENT),
    ("_client is 0", NONE, NONE),
    ("_client < None", NONE, NONE),
    ("None is _client", NONE, NONE),
    ("a is None is b", NONE, NONE),
    ("load() is None", NONE, NONE),
    ("CACHE.pop(key)", NONE, NONE),
    ("CACHE.get(key)[0] is None", NONE, NONE),
    ("f(x)", NONE, NONE),
    ("-_client", NONE, NONE),
    ("load().conn", NONE, NONE),
    ("_client is other", NONE, NONE),
    ("_client is 'None'", NONE, NONE),
    ("CACHE.items(key) is None", NONE, NONE),
])
def test_facts_of_a_test(test, body, orelse):
    assert facts_of_test(cst.parse_expression(test)) == (body, orelse)


@pytest.mark.parametrize("block, exits", [
    ("if x: return 1\n", True),
    ("if x: raise E\n", True),
    ("if x: y = 1\n", False),
    ("if x: y = 1; return y\n", True),
    ("if x:\n    y = 1\n    return y\n", True),
    ("if x:\n    y = 1\n    raise E(y)\n", True),
    ("if x:\n    return 1\n    y = 2\n", False),
    ("if x:\n    if y:\n        return 1\n", False),
    ("if x:\n    pass\n", False),
])
def test_a_block_that_always_leaves(block, exits):
    statement = cst.parse_module(block).body[0]
    assert exits_block(statement.body) is exits
