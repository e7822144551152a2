"""LAM103, LAM202, LAM203, LAM204, LAM205."""
import textwrap

import pytest

from helpers import codes, findings, messages


# --- LAM103 -----------------------------------------------------------------
def test_mutated_and_returned_default_is_reported_once_at_default():
    src = '''
    def collect(prefix, acc=[]):
        acc.append(prefix)
        return acc

    def handler(event, context):
        return collect(event["prefix"])
    '''
    assert codes(src) == [(2, "LAM103")]
    assert "request data is stored" in messages(src)[0]


def test_default_only_read_is_not_reported():
    src = '''
    def fmt(value, options={}):
        return options.get("prefix", "") + value

    def handler(event, context):
        return fmt("x")
    '''
    assert codes(src) == []


def test_dict_call_default_mutated():
    src = '''
    def merge(base, extra=dict()):
        extra.update(base)
        return extra

    def handler(event, context):
        return merge({"a": 1})
    '''
    assert codes(src) == [(2, "LAM103")]
    assert "request data" not in messages(src)[0]


def test_mutable_default_of_unreachable_function_is_not_reported():
    src = '''
    def merge(base, extra=dict()):
        extra.update(base)
        return extra

    def handler(event, context):
        return 1
    '''
    assert codes(src) == []


def test_none_sentinel_is_fine():
    src = '''
    def collect(x, acc=None):
        if acc is None:
            acc = []
        acc.append(x)
        return acc

    def handler(event, context):
        return collect(event["x"])
    '''
    assert codes(src) == []


# --- LAM202 / LAM204 --------------------------------------------------------
def test_request_data_into_environ_forms():
    src = '''
    import os
    from os import environ

    def handler(event, context):
        os.environ["TZ"] = event["tz"]
        environ.update({"LOCALE": event["locale"]})
        os.environ.setdefault("X", event["x"])
        os.putenv("LC_TIME", event.get("lc"))
        os.environ["STAGE"] = "prod"
    '''
    assert codes(src) == [(6, "LAM202"), (7, "LAM202"), (8, "LAM202"), (9, "LAM202")]


def test_reserved_variable_override_anywhere_in_handler_module():
    src = '''
    import os
    os.environ["AWS_REGION"] = "eu-central-1"
    os.environ.setdefault("AWS_REGION", "eu-west-1")
    os.environ["TZ"] = "UTC"

    def unrelated():
        del os.environ["AWS_SESSION_TOKEN"]
        os.environ.pop("_X_AMZN_TRACE_ID", None)

    def handler(event, context):
        os.environ.update(AWS_ACCESS_KEY_ID="x")
    '''
    assert codes(src) == [(3, "LAM204"), (8, "LAM204"), (9, "LAM204"), (12, "LAM204")]


def test_reserved_with_request_data_is_lam202_only():
    src = '''
    import os

    def handler(event, context):
        os.environ["AWS_SESSION_TOKEN"] = event["token"]
    '''
    assert codes(src) == [(5, "LAM202")]


def test_lam204_needs_a_handler_in_the_module_and_not_a_test_file():
    src = '''
    import os
    os.environ["AWS_REGION"] = "eu-central-1"

    def helper(x):
        return x
    '''
    assert codes(src) == []
    with_handler = textwrap.dedent(src) + "\ndef handler(event, context):\n    return 1\n"
    assert codes(with_handler, filename="test_app.py") == []
    assert codes(with_handler, filename="app/tests/fixtures.py") == []
    assert codes(with_handler) == [(3, "LAM204")]


# --- LAM203 -----------------------------------------------------------------
def test_tmp_file_with_request_path_or_content():
    src = '''
    import os, shutil
    from pathlib import Path

    def handler(event, context):
        name = os.path.basename(event["filename"])
        path = f"/tmp/{name}"
        with open(path, "wb") as fh:
            fh.write(b"x")
        Path("/tmp/report.html").write_text(event["html"])
        dest = os.path.join("/tmp", "in.bin")
        s3.download_file(event["bucket"], event["key"], dest)
        shutil.copy(event["src"], "/tmp/copy")
    '''
    assert codes(src) == [(8, "LAM203"), (10, "LAM203"), (12, "LAM203"), (13, "LAM203")]


def test_tmp_file_removed_or_constant_is_fine():
    src = '''
    import os, shutil, tempfile
    from pathlib import Path

    def handler(event, context):
        path = f"/tmp/{event['name']}"
        with open(path, "w") as fh:
            fh.write(event["body"])
        try:
            process(path)
        finally:
            os.remove(path)
        workdir = "/tmp/job"
        out = os.path.join(workdir, event["name"])
        Path(out).write_bytes(event["data"])
        shutil.rmtree(workdir)
        with open("/tmp/static.txt", "w") as fh:
            fh.write("constant")
        with tempfile.TemporaryDirectory() as tmp:
            with open(os.path.join(tmp, "x"), "w") as fh:
                fh.write(event["body"])
        with open("/tmp/" + event["name"]) as fh:
            return fh.read()
    '''
    assert codes(src) == []


# --- LAM205 -----------------------------------------------------------------
POWERTOOLS = '''
from aws_lambda_powertools import Logger
logger = Logger(service="x")
'''


def test_append_keys_without_clear_state():
    src = POWERTOOLS + '''
@logger.inject_lambda_context(log_event=True)
def handler(event, context):
    logger.append_keys(user=event["user"])
    logger.append_keys(stage="prod")

def other_handler(event, context):
    logger.info("received")
    logger.append_keys(order=event["order"])
'''
    assert codes(src) == [(7, "LAM205"), (12, "LAM205")]


def test_append_keys_cleared_by_decorator_or_finally():
    src = POWERTOOLS + '''
@logger.inject_lambda_context(clear_state=True)
def handler(event, context):
    logger.append_keys(user=event["user"])

def other_handler(event, context):
    try:
        logger.append_keys(order=event["order"])
        return 1
    finally:
        logger.remove_keys(["order"])
'''
    assert codes(src) == []


def test_stdlib_logger_is_not_lam205():
    src = '''
    import logging
    logger = logging.getLogger()

    def handler(event, context):
        logger.append_keys(user=event["user"])
    '''
    assert codes(src) == []


def test_tmp_writes_through_a_wrapped_handle_and_gettempdir():
    src = '''
    import csv, os, tempfile

    def handler(event, context):
        with open("/tmp/output.csv", "w") as f:
            writer = csv.writer(f)
            writer.writerow(event["row"])
        p = os.path.join(tempfile.gettempdir(), event["name"])
        with open(p, "wb") as fh:
            fh.write(b"1")
    '''
    assert codes(src) == [(5, "LAM203"), (9, "LAM203")]


def test_tmp_file_removed_with_its_constant_parent_folder():
    src = '''
    import shutil

    def handler(event, context):
        path = f"/tmp/work/{event['name']}"
        with open(path, "w") as fh:
            fh.write("x")
        shutil.rmtree("/tmp/work")
    '''
    assert codes(src) == []


def test_keys_removed_by_a_helper_called_from_finally():
    src = POWERTOOLS + '''
def _reset():
    logger.remove_keys(["order"])

def handler(event, context):
    try:
        logger.append_keys(order=event["order"])
    finally:
        _reset()

def other_handler(event, context):
    logger.debug("start")
    logger.append_keys(order=event["order"])
    _reset()
'''
    assert codes(src) == [(16, "LAM205")]


def test_names_bound_to_each_other_do_not_loop():
    src = '''
    def handler(event, context):
        a = "/tmp/x"
        b = a
        a = b
        with open(a, "w") as fh:
            fh.write(event["body"])
    '''
    assert codes(src) == [(6, "LAM203")]


def test_append_keys_at_the_top_of_the_handler_before_any_log_overwrites():
    src = POWERTOOLS + '''
def _log_start():
    logger.info("start")

@logger.inject_lambda_context
def handler(event, context):
    logger.append_keys(tenant=event["tenant"])
    logger.info("processing")
    return 1

def conditional_handler(event, context):
    if "tenant" in event:
        logger.append_keys(tenant=event["tenant"])
    logger.info("processing")

def late_handler(event, context):
    logger.info("received")
    logger.append_keys(tenant=event["tenant"])

def helper_logs_first_handler(event, context):
    _log_start()
    logger.append_keys(tenant=event["tenant"])

@logger.inject_lambda_context(log_event=True)
def logged_event_handler(event, context):
    logger.append_keys(tenant=event["tenant"])
'''
    assert codes(src) == [(16, "LAM205"), (21, "LAM205"), (25, "LAM205"), (29, "LAM205")]


def test_tmp_wiped_earlier_on_the_invocation_path_counts_as_removal():
    src = '''
    import os, shutil, subprocess
    import boto3
    s3 = boto3.client("s3")

    def fetch(key):
        path = f"/tmp/{key}"
        s3.download_file("bucket", key, path)
        return path

    def handler(event, context):
        os.system("rm -rf /tmp/*")
        return fetch(event["key"])

    def work_handler(event, context):
        subprocess.run(["rm", "-rf", "/tmp/work"], check=True)
        with open(f"/tmp/work/{event['name']}", "w") as fh:
            fh.write("x")
        shutil.rmtree("/tmp/cache", ignore_errors=True)
        with open(f"/tmp/cache/{event['name']}", "w") as fh:
            fh.write("x")

    def late_handler(event, context):
        path = fetch(event["key"])
        os.system("rm -rf /tmp/*")
        return path

    def other_folder_handler(event, context):
        subprocess.run("rm -rf /tmp/other", shell=True)
        os.system("rm /tmp/work")
        with open(f"/tmp/work/{event['name']}", "w") as fh:
            fh.write("x")
    '''
    assert codes(src) == [(8, "LAM203"), (31, "LAM203")]


def test_tmp_wiped_by_the_handler_before_calling_the_writer():
    src = '''
    import os
    import boto3
    s3 = boto3.client("s3")

    def fetch(key):
        path = f"/tmp/{key}"
        s3.download_file("bucket", key, path)
        return path

    def handler(event, context):
        os.system("rm -rf /tmp/*")
        return fetch(event["key"])
    '''
    assert codes(src) == []


# --- LAM103: every way a default is mutated, returned or left alone --------------
CALLS_F = "\n\ndef handler(event, context):\n    f(event['a'])\n"


@pytest.mark.parametrize("function, column, stored", [
    ("def f(x, acc=[]):\n    acc.append(x)\n", 13, True),
    ("def f(x, acc=[]):\n    acc.append(1)\n", 13, False),
    ("def f(x, acc=[]):\n    acc.insert(0, x)\n", 13, True),
    ("def f(x, acc={}):\n    acc[x] = 1\n", 13, True),           # a request-derived key
    ("def f(x, acc={}):\n    acc['k'] = x\n", 13, True),
    ("def f(x, acc=[]):\n    acc[1:x] = []\n", 13, False),        # a slice is no key
    ("def f(x, acc={}):\n    acc['a']['b'] = x\n", 13, True),
    ("def f(x, acc={}, other={}):\n    other['k'] = acc\n", 23, False),
    ("def f(x, acc=[]):\n    return acc\n", 13, False),
    ("def f(x, *, acc=[]):\n    acc.append(x)\n", 16, True),
    ("def f(x, acc=[]):\n    acc.append(x)\n    acc.append(1)\n    return acc\n", 13, True),
    ("def f(x, acc={}):\n    acc['a'] = 1\n    acc['b'] = x\n", 13, True),
    ("def f(x, acc={}):\n    acc['b'] = x\n    return acc\n", 13, True),
    ("def f(x, a=[], b={}):\n    a.append(1)\n    b[x] = 2\n", 11, False),  # one per line
    ("def f(x, acc=[]):\n    acc.clear()\n", 13, False),            # a mutator without arguments
    ("def f(x, acc=[]):\n    acc.v = 1\n", 13, False),
    ("def f(x, acc=[]):\n    acc.v = x\n", 13, True),
])
def test_lam103_forms(function, column, stored):
    found = findings(function + CALLS_F)
    assert [(f.line, f.col, f.code) for f in found] == [(1, column, "LAM103")]
    assert ("and request data is stored in it" in found[0].message) is stored


@pytest.mark.parametrize("function", [
    "def f(x, acc=[]):\n    return acc.copy\n",
    "def f(x, acc=[]):\n    acc = acc or []\n    acc.append(x)\n",
    "def f(x, acc=()):\n    acc.append(x)\n",
    "def f(x, acc=[]):\n    acc.index(x)\n",
    "def f(x, acc=[]):\n    x.append(acc)\n",
    "def f(x, acc=[]):\n    g(acc).append(x)\n",
])
def test_lam103_not_for_a_default_left_alone(function):
    assert findings(function + CALLS_F) == []


def test_lam103_message():
    assert messages("def f(x, acc=[]):\n    acc.append(x)\n" + CALLS_F) == [
        "LAM103 mutable default 'acc=[]' of f() is mutated or returned and request data is "
        "stored in it in handler 'handler' via handler -> f; the default is created once at "
        "import and shared by every later call in this warm container; default to None and "
        "create it inside the function"]
    found, = findings("def f(x, acc=[]):\n    return acc\n" + CALLS_F)
    assert (found.handler, found.call_path, found.text) == (
        "handler", "handler -> f",
        "LAM103 mutable default 'acc=[]' of f() is mutated or returned in handler 'handler' via "
        "handler -> f; the default is created once at import and shared by every later call in "
        "this warm container; default to None and create it inside the function")


@pytest.mark.parametrize("first", ["a = a or []", "len(a)", "a = tuple(a)"])
def test_lam103_looks_at_every_parameter_after_one_left_alone(first):
    source = f"def f(x,\n      a=[],\n      b=[]):\n    {first}\n    b.append(x)\n" + CALLS_F
    assert [(f.line, f.col, f.code) for f in findings(source)] == [(3, 8, "LAM103")]
