"""The example project in fixtures/: every `# expect: LAMnnn` comment is
reported on its line, nothing else is, and every rule fires somewhere."""
import pathlib
import re

import pytest

from flake8_lambda_state.analysis import build_model
from flake8_lambda_state.engine import lint_source
from flake8_lambda_state.rules import RULES, run_rules
from flake8_lambda_state.settings import Settings

FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "fixtures"
EXPECT = re.compile(r"#\s*expect:\s*((?:LAM\d{3}[,\s]*)+)")
FILES = sorted(FIXTURES.rglob("*.py"))


def expected(path):
    out = set()
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        match = EXPECT.search(line)
        if match:
            out |= {(number, code) for code in re.findall(r"LAM\d{3}", match.group(1))}
    return out


def reported(path):
    model = build_model(path.read_text(), str(path), Settings())
    return {(f.line, f.code) for f in run_rules(model)}


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(FIXTURES)) for p in FILES])
def test_fixture_findings_match_expectations(path):
    assert reported(path) == expected(path)


def test_good_fixtures_are_clean_and_bad_ones_are_not():
    for path in FILES:
        assert bool(reported(path)) == path.name.startswith("bad_"), path


def test_every_rule_fires_in_the_fixtures():
    """What the analysis reports, not what the comments promise."""
    fired = set()
    for path in FILES:
        fired |= {code for _, code in reported(path)}
    assert fired == set(RULES)


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(FIXTURES)) for p in FILES])
def test_fixtures_through_lint_source_match_expectations(path):
    """The same through lint_source, the prefilter and the project index of
    fixtures/, as flake8 and check run them."""
    settings = Settings()
    result = lint_source(path.read_text(), str(path), settings)
    assert result.skipped is None
    assert {(f.line, f.code) for f in result.findings} == expected(path)
