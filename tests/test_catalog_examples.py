"""Every rule's documented bad example triggers it and the good one does not:
the examples in rules/catalog.py are the README and `explain` text, so they
must be true."""
import pytest

from flake8_lambda_state.analysis import build_model
from flake8_lambda_state.rules import RULES, run_rules
from flake8_lambda_state.settings import Settings

PRELUDE = (
    "import functools, json, os, re, tempfile, threading, zoneinfo\n"
    "import boto3, requests\n"
    "from aws_lambda_powertools import Logger\n"
    "logger = Logger()\n"
    "URL = 'https://example.com'\n"
    "RULES_PATH = 'rules.json'\n\n\n"
)


def model_of(example):
    return build_model(PRELUDE + example, "app.py", Settings())


def codes_in(example):
    return {finding.code for finding in run_rules(model_of(example))}


@pytest.mark.parametrize("code", sorted(RULES))
def test_bad_example_triggers_the_rule(code):
    assert code in codes_in(RULES[code].bad)


@pytest.mark.parametrize("code", sorted(RULES))
def test_good_example_does_not(code):
    # without a handler no rule reports anything: such an example proves nothing
    assert model_of(RULES[code].good).handlers, f"{code}'s good example has no handler"
    assert code not in codes_in(RULES[code].good)
