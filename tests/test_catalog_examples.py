"""Every rule's documented bad example triggers it and the good one does not:
the examples in rules/catalog.py are the README and `explain` text, so they
must be true."""
import pytest

from flake8_lambda_state.analysis import build_model
from flake8_lambda_state.rules import RULES, run_rules
from flake8_lambda_state.settings import Settings, build_settings

PRELUDE = (
    "import functools, json, os, re, tempfile, threading, time, zoneinfo\n"
    "import boto3, requests\n"
    "from aws_lambda_powertools import Logger\n"
    "logger = Logger()\n"
    "URL = 'https://example.com'\n"
    "RULES_PATH = 'rules.json'\n\n\n"
)


# The examples of rules that apply only to functions deployed a certain way
# run with the option that says so (LAM501/LAM502 examples say it in code).
OPTIONS = {"LAM503": {"managed_instances": "all"}}


def model_of(example, code):
    settings = build_settings(**OPTIONS[code]) if code in OPTIONS else Settings()
    return build_model(PRELUDE + example, "app.py", settings)


def codes_in(example, code):
    return {finding.code for finding in run_rules(model_of(example, code))}


@pytest.mark.parametrize("code", sorted(RULES))
def test_bad_example_triggers_the_rule(code):
    assert code in codes_in(RULES[code].bad, code)


@pytest.mark.parametrize("code", sorted(RULES))
def test_good_example_does_not(code):
    # without a handler no rule reports anything: such an example proves nothing
    assert model_of(RULES[code].good, code).handlers, f"{code}'s good example has no handler"
    assert code not in codes_in(RULES[code].good, code)


FIXABLE = sorted(code for code, rule in RULES.items() if rule.fixable)


def without_prelude(text):
    """The fixed file's lines that are not the prelude's (a hoist may land
    among the prelude's imports and constants), blank lines left out."""
    import difflib
    prelude, lines = PRELUDE.splitlines(), text.splitlines()
    kept = set(range(len(lines)))
    for block in difflib.SequenceMatcher(None, prelude, lines, autojunk=False).get_matching_blocks():
        kept -= set(range(block.b, block.b + block.size))
    return [lines[i] for i in sorted(kept) if lines[i].strip()]


@pytest.mark.parametrize("code", FIXABLE)
def test_fixing_the_bad_example_gives_the_documented_fixed_source(code):
    from flake8_lambda_state.fixes.pipeline import fix_source
    rule = RULES[code]
    result = fix_source(PRELUDE + rule.bad, "app.py", Settings(), [code], unsafe=True)
    assert result.applied and without_prelude(result.new) == [
        line for line in rule.fixed.splitlines() if line.strip()]
    assert count(code, rule.fixed) < count(code, rule.bad)


def count(code, example):
    model = build_model(PRELUDE + example, "app.py", Settings())
    return sum(1 for finding in run_rules(model) if finding.code == code)


def test_every_rule_with_a_fixer_documents_its_fix():
    from flake8_lambda_state.rules.runner import FIXERS
    assert set(FIXERS) == set(FIXABLE)
    assert all(RULES[code].fixed and RULES[code].fix_safety for code in FIXABLE)
