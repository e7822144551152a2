"""The prefilter never drops a file the full analysis reports on: over
fixtures/, the shared evaluation sets (when this checkout sits beside them)
and generated handlers (tests/test_fuzz.py), lint_source, which asks the
prefilter first, reports exactly what the analysis reports without it.
The shared sets are corpus runs: `pytest -m slow`."""
import ast
import pathlib
import warnings

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flake8_lambda_state.analysis import SkippedFile, build_model
from flake8_lambda_state.engine import lint_source
from flake8_lambda_state.project import context_for, forget_indexes, set_fallback_roots
from flake8_lambda_state.rules import run_rules
from flake8_lambda_state.settings import build_settings
from test_fuzz import handler_modules

ROOT = pathlib.Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SLOW = pytest.mark.slow
CORPORA = {"fixtures": ROOT / "fixtures", "eval-dev": SHARED / "eval-dev",
           "eval-dev-multi": SHARED / "eval-dev-multi"}
PARAMS = [pytest.param("fixtures"), pytest.param("eval-dev", marks=SLOW),
          pytest.param("eval-dev-multi", marks=SLOW)]
SETTINGS = build_settings(cache_dir="off")


def full_analysis(path: pathlib.Path):
    """Every rule over the file, with what its project says of it, the
    prefilter bypassed."""
    source = path.read_text(encoding="utf-8")
    context = context_for(str(path), SETTINGS, ast.parse(source), True)
    try:
        model = build_model(source, str(path), SETTINGS, context)
    except SkippedFile:
        return None
    return [(f.line, f.col, f.code, f.message) for f in run_rules(model)]


@pytest.mark.parametrize("corpus", PARAMS)
def test_the_prefilter_drops_no_file_with_findings(corpus):
    folder = CORPORA[corpus]
    if not folder.is_dir():
        pytest.skip(f"{folder} is not beside this checkout")
    forget_indexes()
    set_fallback_roots([str(folder)])
    files = sorted(p for p in folder.rglob("*.py") if "score" not in p.name)
    reported = 0
    for path in files:
        full = full_analysis(path)
        result = lint_source(path.read_text(encoding="utf-8"), str(path), SETTINGS)
        assert [(f.line, f.col, f.code, f.message) for f in result.findings] == (full or []), path
        reported += bool(full)
    assert reported >= len(files) // 3      # the corpus has findings to lose


# --- the text prefilter (project index) ---------------------------------------
TRICKY = [
    "@app.get('/')\ndef index(request, response):\n    pass\n",
    "@ app . post ( '/' )\ndef create(a, b):\n    pass\n",
    "@(\n    app.route\n)\ndef r(a, b):\n    pass\n",
    "@build(\n    1,\n).on_message\ndef m(a, b):\n    pass\n",
    "@x \\\n    .on_event\ndef e(a, b):\n    pass\n",
    "async def my_handler(a, b):\n    pass\n",
    "def\\\n  lambda_handler(a, b):\n    pass\n",
    "def f(event: dict, ctx):\n    pass\n",
    "def f(event,\n      lambda_context):\n    pass\n",
    "@lambda_handler_decorator\ndef mw(h, e, c):\n    return h(e, c)\n@mw\ndef f():\n    pass\n",
    "if True:\n    def main(a, b):\n        pass\n",          # named by --lambda-handlers
    "class A:\n    @staticmethod\n    def handler(a, b):\n        pass\n",
    "x = 'def handler(event, context)'\n",
    "import threading\nEVENT = threading.Event()\ndef wait(event, timeout):\n    pass\n",
    "def double(x):\n    return 2 * x\n",
]
TEXT_SETTINGS = build_settings(cache_dir="off", handlers="app:main")


def _agree(source, filename="src/app.py"):
    """The text test keeps every file the tree test keeps."""
    from flake8_lambda_state.prefilter import may_hold_handler, text_may_hold_handler
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")      # generated code says odd things
            tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    kept = may_hold_handler(tree, filename, TEXT_SETTINGS)
    loose = text_may_hold_handler(source, filename, TEXT_SETTINGS)
    assert loose or not kept, source
    return loose


def test_the_text_prefilter_keeps_the_tricky_handlers_and_drops_plain_code():
    assert [_agree(source) for source in TRICKY] == [True] * 12 + [True, False, False]


@pytest.mark.parametrize("corpus", PARAMS)
def test_the_text_prefilter_keeps_every_file_the_tree_prefilter_keeps(corpus):
    folder = CORPORA[corpus]
    if not folder.is_dir():
        pytest.skip(f"{folder} is not beside this checkout")
    kept = [_agree(path.read_text(encoding="utf-8"), str(path)) for path in folder.rglob("*.py")]
    assert kept.count(True) >= len(kept) // 3


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(st.one_of(hypothesmith.from_grammar(), hypothesmith.from_node(), handler_modules()))
def test_the_text_prefilter_keeps_what_the_tree_prefilter_keeps_on_generated_code(source):
    _agree(source)
