"""The Facts of every unit (analysis/facts.py), frozen: what the libcst
CSTVisitor that collected them before the cheap walk (analysis/walk.py) gave
on the fixtures, generated handler modules and odd shapes, node by node
(type and source range), with every guard and flag. The walk must give
exactly the same, in the same order. tests/data/facts_expected.txt was
written by that visitor (commit 3a08671) through facts_text() below; a new
source added to sources() needs its section written the same way, by the old
visitor, never by the code under test.

Then facts on first use: the walk from the handlers collects the facts of
the units it reaches only, and the `global` declarations come without facts."""
import importlib.util
import pathlib

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from flake8_lambda_state import deep_stack
from flake8_lambda_state.analysis import build_model
from flake8_lambda_state.analysis.facts import collect_facts
from flake8_lambda_state.analysis.reachability import Reachability
from flake8_lambda_state.analysis.units import global_stores
from flake8_lambda_state.settings import Settings

ROOT = pathlib.Path(__file__).resolve().parent.parent
DATA = pathlib.Path(__file__).resolve().parent / "data"
EXPECTED = DATA / "facts_expected.txt"


def _handler_code():
    spec = importlib.util.spec_from_file_location("benchmarks_handler_code",
                                                  ROOT / "benchmarks" / "handler_code.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sources():
    """(label, source) of every module whose facts are frozen."""
    out = [(str(path.relative_to(ROOT)), path.read_text(encoding="utf-8"))
           for path in sorted((ROOT / "fixtures").rglob("*.py"))]
    out += [(f"tests/data/{name}", (DATA / name).read_text(encoding="utf-8"))
            for name in ("facts_shapes.txt", "facts_shapes_312.txt")]
    code = _handler_code()
    out += [("handler_code.module(120)", code.module(120)),
            ("handler_code.module(120, reachable=False)", code.module(120, reachable=False))]
    return out


def serialise(facts, where) -> list:
    """One line per fact, each node as its type and source range."""
    def node(n):
        if n is None:
            return "-"
        pos = where[n]
        return f"{type(n).__name__}@{pos.start.line}:{pos.start.column}-{pos.end.line}:{pos.end.column}"

    def guards(gs):
        return "{" + ",".join(f"{kind}:{subject}" for kind, subject in sorted(gs)) + "}"

    lines = []
    for site in facts.calls:
        flags = [name for name in ("discarded", "awaited", "in_finally", "nested", "in_except")
                 if getattr(site, name)]
        lines.append(f"call {node(site.node)} {guards(site.guards)} [{' '.join(flags)}]"
                     f" with={node(site.with_item)}"
                     f" inside=({' '.join(node(w) for w in site.inside_withs)})"
                     f" stmt={node(site.statement)}")
    for store in facts.stores:
        lines.append(f"store {store.op} {node(store.target)} = {node(store.value)}"
                     f" {guards(store.guards)} stmt={node(store.statement)}")
    lines.append("globals " + " ".join(sorted(facts.global_names)))
    lines += [f"return {node(value)}" for value in facts.returns]
    lines += [f"with {node(w)}" for w in facts.withs]
    lines += [f"awaited {node(e)}" for e in facts.awaited]
    lines += [f"annotation {node(t)}: {node(a)}" for t, a in facts.annotations]
    return lines


def facts_text(label, source) -> str:
    model = build_model(source, label, Settings(cache_dir="off"))
    where = MetadataWrapper(model.module, unsafe_skip_copy=True).resolve(PositionProvider)
    symbols = model.symbols
    units = [symbols.init] + symbols.all_units()
    lines = [f"# {label}"]
    for unit in units:
        lines.append(f"## {unit.key}")
        lines += serialise(unit.facts, where)
    return "\n".join(lines) + "\n"


def frozen() -> dict:
    """The expected text of each source, by label."""
    out, label = {}, None
    for line in EXPECTED.read_text(encoding="utf-8").splitlines(keepends=True):
        if line.startswith("# "):
            label = line[2:].rstrip("\n")
            out[label] = ""
        if label is not None:
            out[label] += line
    return out


EXPECTED_TEXT = frozen()


@pytest.mark.parametrize("label, source", sources(), ids=[label for label, _ in sources()])
def test_facts_are_the_frozen_ones(label, source):
    assert facts_text(label, source) == EXPECTED_TEXT[label]


def test_every_frozen_source_is_checked():
    assert sorted(EXPECTED_TEXT) == sorted(label for label, _ in sources())


DEEP = {
    "unary": "-" * 1000 + "event",
    "calls": "f(" * 199 + ")" * 199,
    "attributes": "event" + ".a" * 1000,
    "binary chain": " + ".join(["g(event)"] * 1000),
}


@pytest.mark.parametrize("kind", sorted(DEEP))
def test_deep_expressions_cost_no_recursion(kind):
    """The walk keeps its own stack: a thousand-deep expression (parsed on
    the deep stack, as libcst's parser needs) is walked at the default
    recursion limit."""
    source = f"def handler(event, context):\n    value = {DEEP[kind]}\n    return h(value)\n"
    module = deep_stack.call_with_deep_stack(cst.parse_module, source)
    function = module.body[0]
    facts = collect_facts(function)
    assert [type(s.target).__name__ for s in facts.stores] == ["Name"]
    assert len(facts.calls) == {"calls": 199, "binary chain": 1000}.get(kind, 0) + 1
    assert facts.calls[-1].node is function.body.body[1].body[0].value


# --- facts on first use (analysis/units.py, analysis/reachability.py) -------

def _all_units(model):
    return [model.symbols.init] + model.symbols.all_units()


@pytest.mark.parametrize("label, source", sources(), ids=[label for label, _ in sources()])
def test_declared_globals_are_the_facts_global_names(label, source):
    """Unit.global_names reads statements only, and gives what the walk gives."""
    model = build_model(source, label, Settings(cache_dir="off"))
    units = _all_units(model)
    assert [sorted(u.global_names) for u in units] == [
        sorted(collect_facts(u.node).global_names) for u in units]


def test_global_stores_are_the_stores_under_global_of_every_unit():
    source = (DATA / "facts_shapes.txt").read_text(encoding="utf-8") + (
        "\n\ndef late(event):\n    global CACHE, counter\n    counter += 1\n"
        "    CACHE = {}\n    other = CACHE\n    def inner():\n        global TEMP\n        TEMP = 2\n"
        "\n\ndef only_inner():\n    class Holder:\n        def set(self):\n            global ONLY\n"
        "            ONLY = 1\n")
    model = build_model(source, "app.py", Settings(cache_dir="off"))
    units = model.symbols.all_units()
    expected = [(u.key, s) for u in units for s in u.facts.stores
                if isinstance(s.target, cst.Name) and s.target.value in u.facts.global_names]
    assert [(u.key, s) for u, s in global_stores(units)] == expected
    assert [(key, s.target.value, s.op) for key, s in expected] == [
        ("module_def", "_client", "assign"), ("module_def", "_table", "assign"),
        ("late", "counter", "aug"), ("late", "CACHE", "assign"), ("late", "TEMP", "assign"),
        ("only_inner", "ONLY", "assign")]


def test_reachability_collects_the_facts_of_reached_units_only():
    source = _handler_code().module(400, reachable=False)
    model = build_model(source, "app.py", Settings(cache_dir="off"))
    units = model.symbols.all_units()
    for unit in units:               # forget what building the model collected
        unit.__dict__.pop("facts", None)
    reach = Reachability(model.symbols, model.handlers)
    collected = sorted(u.key for u in units if "facts" in u.__dict__)
    assert collected == ["helper_0", "lambda_handler"]
    assert [u.key for u in reach.reachable_units()] == ["helper_0", "lambda_handler"]
    # every unit's callers, on first use: the same as when every unit was walked
    callers = {model.symbols.functions[k].key: [(c.key, s.node) for c, s, _t in v]
               for k, v in ((u.key, reach.callers.get(id(u), [])) for u in units) if v}
    assert callers == {"helper_0": [("lambda_handler", model.symbols.functions[
        "lambda_handler"].facts.calls[0].node)]}
    assert all("facts" in u.__dict__ for u in units)
