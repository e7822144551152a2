"""analysis/positions.py gives every node the range libcst's PositionProvider
gives it, generating only the statement that holds the node: compared node
by node on the fixtures, the benchmark's generated modules, odd layouts and
generated ones; and the whole-module PositionProvider is not resolved unless
the file needs the fallback.

Set LAMBDA_STATE_FUZZ=N to run N generated layouts instead of a few dozen."""
import ast
import os
import pathlib
import sys
import warnings

import libcst as cst
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from libcst.metadata import CodePosition, CodeRange, MetadataWrapper, PositionProvider

from flake8_lambda_state.analysis.positions import StatementPositions
from flake8_lambda_state.analysis.walk import walk
from helpers import analyse

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import handler_code  # noqa: E402

LARGE = int(os.environ.get("LAMBDA_STATE_FUZZ", "0"))


def compared(source, tree="parse"):
    """Compare StatementPositions with PositionProvider on every node under
    the module's statements: (nodes compared, whether it fell back)."""
    module = cst.parse_module(source)
    whole = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    if tree == "parse":
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tree = ast.parse(source)
        except SyntaxError:
            tree = None
    fell_back = []
    positions = StatementPositions(module, source, tree,
                                   lambda: fell_back.append(True) or whole)
    nodes = [node for statement in module.body for node in walk(statement)]
    for node in nodes:
        assert positions[node] == whole[node], (type(node).__name__, source)
    return len(nodes), bool(fell_back)


FIXTURE_FILES = sorted((ROOT / "fixtures").rglob("*.py"))


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_fixtures_match_position_provider_without_falling_back(path):
    nodes, fell_back = compared(path.read_text())
    assert nodes and not fell_back


@pytest.mark.parametrize("reachable", [True, False])
def test_generated_handler_modules_match(reachable):
    nodes, fell_back = compared(handler_code.module(300, reachable=reachable))
    assert nodes > 1000 and not fell_back


# Layouts where `ast` and libcst could disagree; each must come out as
# PositionProvider says, falling back only where expected.
ODD = {
    "decorators, comments and blank lines": (
        "# leading\n\n@a\n# between\n@b(\n    1)\n\ndef f(): pass\n"
        "async def g():\n    await x\n@d\nclass C:\n    '''doc'''\n\n    @property\n"
        "    def p(self):\n        return 1\n", False),
    "a; b and compound statements": (
        "a = 1; b = 2\nif a:\n    pass\nelif b:\n    x = 1; y = 2\nelse:\n    pass\n"
        "try:\n    pass\nexcept E as e:\n    z = e\nelse:\n    w = 1\nfinally:\n    v = 1\n"
        "for i in a:\n    continue\nelse:\n    u = 1\nwhile b:\n    break\nelse:\n    t = 1\n"
        "with a as b, c:\n    s = 1\nasync def h():\n    async with a:\n        pass\n"
        "    async for i in a:\n        pass\n", False),
    "elif chain": ("if a:\n    x = 1\n" + "".join(f"elif a == {i}:\n    x = {i}\n"
                                                  for i in range(30)) + "else:\n    y = 2\n",
                   False),
    "match": ("match x:\n    case 1:\n        y = 1\n    case [a, *b] if a:\n        y = b\n"
              "    case _:\n        pass\n", False),
    "one-line suites": ("if a: b = 1; c = 2\nclass C: pass\ndef f(): return 1\n", False),
    "CRLF": ("x = 1\r\n\r\ndef f():\r\n    return (1,\r\n            2)\r\n", False),
    "CR": ("x = 1\r\rdef f():\r    y = 2\r    return y\r", False),
    "mixed newlines": ("x = 1\r\ny = 2\nz = 3\rdef f():\r\n    return 1\n", False),
    "tabs": ("def f():\n\tif a:\n\t\treturn 1\n\treturn 2\n", False),
    "no final newline": ("x = 1\ndef f():\n    return (2,\n     3)", False),
    "no final newline after a comment": ("x = 1\n# end", False),
    "trailing blank lines without newline": ("def f():\n    return 1\n\n ", False),
    "line continuations in statements": ("x = 1 + \\\n    2\nif a and \\\n        b:\n"
                                         "    y = 3 \\\n        + 4\n", False),
    "strings over several lines": ('x = """a\nb\r\nc"""\ndef f():\n    return """\n\n"""\n'
                                   "y = 1\n", False),
    "comments inside blocks and at column 0": ("def f():\n    x = 1\n# flush\n    # in\n\n"
                                               "    return x\n    # trailing\n# end\n", False),
    "non-ASCII": ("s = 'ñandú'; t = s\ndef f():\n    return 'é' + s\n", False),
    "form feed on its own line": ("x = 1\n\x0c\ny = 2\n", False),
    # libcst drops these characters from its tree: the fallback answers
    "form feed before a statement": ("x = 1\n\x0cz = 3\ndef f():\n    return z\n", True),
    "continuation where the indentation is": ("x = 1\n\\\ny = 2\n", True),
    "continuation inside a block": ("def f():\n    x = 1\n\\\n    y = 2\n", True),
}


@pytest.mark.parametrize("name", list(ODD))
def test_odd_layouts_match(name):
    source, falls_back = ODD[name]
    nodes, fell_back = compared(source)
    assert nodes and fell_back == falls_back


def test_without_an_ast_tree_it_falls_back():
    """A byte-order mark (or syntax newer than this Python) makes `ast`
    refuse the text: PositionProvider answers."""
    assert compared("\ufeffx = 1\ny = 2\n") == (10, True)
    assert compared("x = 1\ny = 2\n", tree=None) == (10, False)      # parsed on demand
    assert compared("x = 1\ny = 2\n", tree=ast.parse("x = 1\n")) == (10, True)


def test_exact_ranges():
    source = ("# c\r\n\r\n@deco\r\nasync def handler(event, context):\r\n"
              "    if event:\r\n        CACHE[event['k']] = 1; x = 2\r\n")
    module = cst.parse_module(source)
    positions = StatementPositions(module, source, ast.parse(source), lambda: pytest.fail())
    function = module.body[0]
    assign = function.body.body[0].body.body[0].body[0]
    target = assign.targets[0].target
    assert positions[function] == CodeRange(CodePosition(4, 0), CodePosition(6, 36))
    assert positions[assign] == CodeRange(CodePosition(6, 8), CodePosition(6, 29))
    assert positions[target] == CodeRange(CodePosition(6, 8), CodePosition(6, 25))
    assert positions[target.slice[0].slice.value.slice[0].slice.value] == CodeRange(
        CodePosition(6, 20), CodePosition(6, 23))


def test_the_whole_module_is_not_generated_for_a_finding(monkeypatch):
    model = analyse('''
        import boto3

        def lambda_handler(event, context):
            client = boto3.client("s3")
            return client.list_buckets()
        ''')
    monkeypatch.setattr(MetadataWrapper, "resolve",
                        lambda self, provider: pytest.fail("whole-module positions"))
    from flake8_lambda_state.rules import run_rules
    finding, = run_rules(model)
    assert (finding.code, finding.line, finding.col, finding.end_line, finding.end_col) == (
        "LAM301", 5, 13, 5, 31)


# --- generated layouts -------------------------------------------------------
SIMPLE = ["x = 1", "a = b; c = d(e)", "f(\n{i}1,\n{i}2)", "y = '''\n\n'''", "pass",
          "import os", "z = [i for i in x] \\\n{i}+ [1]", "return x", "del x  # note"]
# The headers of each compound statement, each followed by a block.
COMPOUND = [("if x:",), ("if x:", "elif y:", "else:"), ("for x in y:", "else:"),
            ("while x:",), ("with x as w, y:",), ("try:", "except E as e:", "finally:"),
            ("def f(a, *, b=1):",), ("@d\n@e(\n  1)\nasync def g():",), ("class C(B):",),
            ("match x:",)]


@st.composite
def layouts(draw):
    """A module of simple and compound statements nested a few levels, with
    blank and comment lines between them, in one indentation and one newline
    style (or a mix), with or without the final newline."""
    indent = draw(st.sampled_from(["    ", "  ", "\t"]))

    def block(depth):
        pad, out = indent * depth, ""
        for _ in range(draw(st.integers(1, 3))):
            out += draw(st.sampled_from(["", "", "\n", pad + "# c\n", "# c\n", "  \n",
                                         "\x0c\n"]))
            if depth > 2 or draw(st.booleans()):
                out += pad + draw(st.sampled_from(SIMPLE)).format(i=pad + indent) + "\n"
                continue
            for header in draw(st.sampled_from(COMPOUND)):
                out += "".join(pad + line + "\n" for line in header.split("\n"))
                if header == "match x:":
                    out += pad + indent + "case [1, *r] if r:\n" + block(depth + 2)
                else:
                    out += block(depth + 1)
        return out

    source = block(0)
    newline = draw(st.sampled_from(["\n", "\r\n", "\r", "mixed"]))
    if newline == "mixed":
        parts = source.split("\n")
        source = "".join(part + draw(st.sampled_from(["\n", "\r\n", "\r"]))
                         for part in parts[:-1]) + parts[-1]
    else:
        source = source.replace("\n", newline)
    if draw(st.booleans()):
        source = source.rstrip("\r\n")
    return source


@settings(max_examples=LARGE or 60, deadline=None, derandomize=not LARGE,
          suppress_health_check=list(HealthCheck))
@given(layouts())
def test_generated_layouts_match(source):
    nodes, fell_back = compared(source)
    assert nodes and not fell_back


def test_statements_dropped_from_the_kept_ranges_are_generated_again(monkeypatch):
    """Only the last PLACED_KEPT statements keep their recorded ranges; a
    statement asked again after that is generated again, to the same ranges."""
    from flake8_lambda_state.analysis import positions as positions_module
    monkeypatch.setattr(positions_module, "PLACED_KEPT", 1)
    source = handler_code.module(300)
    module = cst.parse_module(source)
    whole = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    generated = []
    real = StatementPositions._generate

    def counting(self, *args):
        generated.append(1)
        return real(self, *args)
    monkeypatch.setattr(StatementPositions, "_generate", counting)
    positions = StatementPositions(module, source, ast.parse(source), lambda: None)
    nodes = [node for statement in module.body for node in walk(statement)]
    for node in nodes + nodes[::-1]:
        assert positions[node] == whole[node]
    assert len(positions._placed) == 1
    once = len({id(s) for s, _ in positions._statements})
    assert once < len(generated) <= 3 * once


def test_place_all_keeps_only_the_owners_of_its_nodes_and_a_later_node_still_resolves():
    """The rules position their findings' nodes in one call: the answers are
    PositionProvider's, no node's owner outlives the call, and a node asked
    afterwards (a fix's) is found by claiming the module afresh."""
    source = handler_code.module(300)
    module = cst.parse_module(source)
    whole = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    positions = StatementPositions(module, source, ast.parse(source), lambda: None)
    nodes = [node for statement in module.body for node in walk(statement)]
    asked = [nodes[i] for i in (len(nodes) - 1, 5, len(nodes) // 2, 5)]   # any order, repeats
    seen = []
    real = StatementPositions._claim

    def watching(self, *args):
        real(self, *args)
        seen.append(len(self._owner))
    StatementPositions._claim = watching
    try:
        assert positions.place_all(asked) == [whole[node] for node in asked]
    finally:
        StatementPositions._claim = real
    assert seen and max(seen) <= 3 and positions._owner == {} and positions._claimed == 0
    for node in nodes[::7]:
        assert positions[node] == whole[node]
