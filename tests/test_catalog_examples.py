"""Every rule's documented bad example triggers it and the good one does not:
the examples in rules/catalog.py are the README and `explain` text, so they
must be true."""
import pytest

from flake8_lambda_state.analysis import build_model
from flake8_lambda_state.rules import RULES, run_rules
from flake8_lambda_state.settings import Settings, build_settings

PRELUDE = (
    "import functools, json, os, re, tempfile, threading, zoneinfo\n"
    "import boto3, requests\n"
    "from aws_lambda_powertools import Logger\n"
    "logger = Logger()\n"
    "URL = 'https://example.com'\n"
    "RULES_PATH = 'rules.json'\n\n\n"
)


# The examples of rules that apply only to functions deployed a certain way
# run with the option that says so (LAM501/LAM502 examples say it in code).
OPTIONS = {"LAM503": {"managed_instances": "all"}}


def codes_in(example, code):
    settings = build_settings(**OPTIONS[code]) if code in OPTIONS else Settings()
    model = build_model(PRELUDE + example, "app.py", settings)
    return {finding.code for finding in run_rules(model)}


@pytest.mark.parametrize("code", sorted(RULES))
def test_bad_example_triggers_the_rule(code):
    assert code in codes_in(RULES[code].bad, code)


@pytest.mark.parametrize("code", sorted(RULES))
def test_good_example_does_not(code):
    assert code not in codes_in(RULES[code].good, code)
