"""The prefilter never drops a file the full analysis reports on: over
fixtures/, the shared evaluation sets (when this checkout sits beside them)
and generated handlers (tests/test_fuzz.py), lint_source, which asks the
prefilter first, reports exactly what the analysis reports without it.
The shared sets are corpus runs: `pytest -m slow`."""
import ast
import pathlib

import pytest

from flake8_lambda_state.analysis import SkippedFile, build_model
from flake8_lambda_state.engine import lint_source
from flake8_lambda_state.project import context_for, forget_indexes, set_fallback_roots
from flake8_lambda_state.rules import run_rules
from flake8_lambda_state.settings import build_settings

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
