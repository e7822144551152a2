"""Request-data flow and sensitive names (SPEC "Request data")."""
import pytest

from helpers import analyse, codes, messages
from flake8_lambda_state.settings import Settings, build_settings, SettingsError

STORE = '''
import json
_box = {{}}

def handler(event, context):
{body}
    _box["v"] = value
'''


def store_code(body):
    src = STORE.format(body="\n".join("    " + line for line in body.splitlines()))
    found = codes(src)
    assert len(found) == 1
    return found[0][1]


@pytest.mark.parametrize("body", [
    'value = event["id"]',
    'value = event.get("id")',
    'value = json.loads(event["body"])["x"]',
    'value = f"user-{event[\'id\']}"',
    'value = {"id": event["id"]}',
    'value = [r["id"] for r in event["Records"]]',
    'payload = event.get("body") or {}\nvalue = payload',
    'x = event\ny = x\nvalue = y.upper()',
    'value = context.aws_request_id',
    'value = str(event)',
    'items = []\nitems.append(event["x"])\nvalue = items',
    'value = {**event}',
    'value = context.identity',
    'value = context.client_context',
])
def test_request_data_flows_to_store(body):
    assert store_code(body) == "LAM201"


@pytest.mark.parametrize("body", [
    'value = 1',
    'value = len(event["Records"])',
    'value = _box.get("v")',
    'value = "constant"',
    'value = context.function_name',
    'value = f"{context.invoked_function_arn}:{context.function_version}"',
    'value = (context.memory_limit_in_mb, context.log_group_name, context.log_stream_name)',
])
def test_not_request_data(body):
    assert store_code(body) == "LAM102"


def test_taint_through_helper_parameters_by_position_and_keyword():
    src = '''
    _box = {}

    def keep(a, b=None):
        _box["a"] = a
        _box["b"] = b

    def handler(event, context):
        keep("const", b=event["x"])
    '''
    assert codes(src) == [(5, "LAM102"), (6, "LAM201")]


def test_value_read_back_from_module_state_is_not_request_data():
    src = '''
    CONFIG = {"a": 1}
    _box = {}

    def handler(event, context):
        _box["a"] = CONFIG["a"]
    '''
    assert codes(src) == [(6, "LAM102")]


@pytest.mark.parametrize("name,sensitive", [
    ("cardNumber", True), ("card_number", True), ("password", True), ("api-key", True),
    ("apiKey", True), ("Authorization", True), ("credentials", True), ("author", False),
    ("user_id", False), ("discard", False), ("session_id", True),
])
def test_sensitive_names_match_whole_words(name, sensitive):
    assert Settings().is_sensitive_name(name) == sensitive


def test_sensitive_from_key_and_from_variable_name():
    src = '''
    _a = None
    _b = None

    def handler(event, context):
        global _a, _b
        _a = event["headers"]["Authorization"]
        token = event["x"]
        _b = token
    '''
    msgs = messages(src)
    assert len(msgs) == 2 and all("sensitive request data" in m for m in msgs)


def test_sensitive_names_option():
    settings = build_settings(sensitive_names="tenant")
    assert settings.is_sensitive_name("tenantId")
    assert not settings.is_sensitive_name("password")
    with pytest.raises(SettingsError):
        build_settings(sensitive_names="(")


def test_import_alias_and_rebound_module_name_resolve():
    src = '''
    import boto3 as b3
    from boto3 import client as mk
    client = None

    def handler(event, context):
        a = b3.client("s3")
        b = mk("s3")
    '''
    assert codes(src) == [(7, "LAM301"), (8, "LAM301")]
    model = analyse(src)
    assert model.handlers[0].request_params() == ["event", "context"]


def test_sensitive_from_the_key_written_into():
    src = '''
    _cache = {}

    def handler(event, context):
        _cache["token"] = event["x"]
        _cache["user"] = event["x"]
    '''
    msgs = messages(src)
    assert "sensitive request data" in msgs[0]
    assert "sensitive" not in msgs[1]


def test_fixed_context_attributes_through_a_helper_are_not_request_data():
    src = '''
    _box = {}

    def remember(ctx, label):
        _box["arn"] = ctx.invoked_function_arn
        _box["request"] = ctx.aws_request_id

    def handler(event, context):
        remember(context, "x")
    '''
    assert codes(src) == [(5, "LAM102"), (6, "LAM201")]


def test_what_built_an_object_is_found_once_per_expression(monkeypatch):
    """A name rebound from itself many times over: each expression is
    resolved once per depth, not once per path (exponential before)."""
    from flake8_lambda_state.analysis import build_model
    from flake8_lambda_state.analysis.symbols import Symbols
    from flake8_lambda_state.rules import run_rules
    from flake8_lambda_state.settings import Settings
    calls = []
    real = Symbols._compute_built_by

    def counting(self, expr, unit, depth):
        calls.append(depth)
        return real(self, expr, unit, depth)
    monkeypatch.setattr(Symbols, "_compute_built_by", counting)
    body = "\n".join(["    s3 = s3 or s3 if event else s3"] * 6)
    source = ("import boto3\n\n\ndef handler(event, context):\n    s3 = boto3.client('s3')\n"
              f"{body}\n    s3.put_object(Bucket='b', Key='k', Body=b'')\n")
    findings = run_rules(build_model(source, "app.py", Settings(cache_dir="off")))
    assert [(f.code, f.line) for f in findings] == [("LAM301", 5)]
    assert 0 < len(calls) < 5_000
