"""Property tests through every entry point: lint_source (with the
prefilter and the project index), the flake8 plugin through flake8's API,
`check`, template loading and configuration loading, on programs from
hypothesmith's grammar and CST generators, handler-shaped programs, and
generated templates and configuration files.

Each test runs a bounded number of examples; set LAMBDA_STATE_FUZZ=N to run
N examples per test instead:

    LAMBDA_STATE_FUZZ=2000 pytest tests/test_fuzz.py
"""
import contextlib
import io
import json
import os
import tempfile
import textwrap

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from flake8_lambda_state.analysis import SkippedFile, build_model
from flake8_lambda_state.cli import main
from flake8_lambda_state.config import load_config
from flake8_lambda_state.engine import lint_source
from flake8_lambda_state.project import forget_indexes
from flake8_lambda_state.rules import DEFAULT_OFF, RULES, run_rules
from flake8_lambda_state.settings import SettingsError, build_settings
from flake8_lambda_state.templates import TemplateError, clear_caches, handlers_in, template_handlers

LARGE = int(os.environ.get("LAMBDA_STATE_FUZZ", "0"))
NO_CACHE = build_settings(cache_dir="off")
DEFAULT_ON = [code for code in RULES if code not in DEFAULT_OFF]   # what check and flake8 report


def examples(default):
    return settings(max_examples=LARGE or default, deadline=None, derandomize=not LARGE,
                    suppress_health_check=list(HealthCheck))


# --- programs ---------------------------------------------------------------
HANDLER = "\n\ndef handler(event, context):\n    return event\n"
SNIPPETS = [
    "x = event['a']", "CACHE[x] = x", "CACHE.pop(x, None)", "G = x", "G += 1",
    "os.environ['AWS_REGION'] = x", "os.environ.update(x)", "with open(f'/tmp/{x}', 'w') as fh:\n"
    "    fh.write(x)", "c = boto3.client('s3')", "c.close()", "t = threading.Thread(target=f)",
    "t.start()", "t.join()", "for y in x:\n    L.append(y)", "helper(x)", "helper(acc=[])",
    "if G is None:\n    G = boto3.client('s3')", "del CACHE[x]", "obj.attr = x",
    "LOG.append_keys(k=x)", "LOG.info('x')", "asyncio.create_task(f(x))", "re.compile('a')",
    "json.load(open('c.json'))", "x = [y for y in event['r'] if y]", "x = {**event, 'k': x}",
    "Cls().run(x)", "lambda: CACHE.clear()", "x = f'{x}-{event}'", "return x",
    "s = boto3.Session().client('sqs')", "p = parameters.get_parameter('/a', force_fetch=True)",
    "p = parameters.get_parameter('/a', force_fetch=False)", "requests.get('https://x')",
    "CARD = event['cardNumber']", "try:\n    helper(x)\nfinally:\n    LOG.remove_keys(['k'])",
]
DECORATORS = ["", "@LOG.inject_lambda_context\n", "@LOG.inject_lambda_context(clear_state=True)\n",
              "@LOG.inject_lambda_context(clear_state=False, log_event=True)\n",
              "@middleware\n", "@app.route('/')\n"]
SIGNATURES = ["handler(event, context)", "lambda_handler(event, context)", "main(evt, ctx)",
              "process(event, ctx)", "index()"]
PRELUDE = textwrap.dedent('''\
    import asyncio, json, os, re, threading
    import boto3, requests
    from aws_lambda_powertools import Logger
    from aws_lambda_powertools.utilities import parameters
    from aws_lambda_powertools.middleware_factory import lambda_handler_decorator
    from chalice import Chalice
    app = Chalice(app_name="x")
    LOG = Logger()
    CACHE = {}
    L = []
    G = None
    CARD = None
    obj = object()


    @lambda_handler_decorator
    def middleware(handler, event, context):
        return handler(event, context)


    def helper(v, acc=[]):
        acc.append(v)
        CACHE[v] = acc
        return acc


    class Cls:
        def run(self, v):
            self.v = v
            helper(v)
''')


@st.composite
def handler_modules(draw):
    """A module of Lambda shape: clients, caches, loggers, a handler found by
    its name, its parameters or a decorator, and a body from SNIPPETS."""
    decorator = draw(st.sampled_from(DECORATORS))
    signature = draw(st.sampled_from(SIGNATURES))
    lines = draw(st.lists(st.sampled_from(SNIPPETS), min_size=1, max_size=12))
    body = textwrap.indent("\n".join(lines), "    ")
    event = "{}" if signature.endswith("()") else signature.split("(")[1].split(",")[0]
    return (PRELUDE + f"\n\n{decorator}def {signature}:\n    global G, CARD\n"
            f"    event = {event}\n    x = event\n" + body + "\n")


def with_handler(source):
    return source + HANDLER


PROGRAMS = {
    "grammar": hypothesmith.from_grammar().map(with_handler),
    "node": hypothesmith.from_node().map(with_handler),
    "handler": handler_modules(),
}


def full_analysis(source, filename):
    """Every rule over the module, the prefilter bypassed."""
    try:
        model = build_model(source, filename, NO_CACHE)
    except SkippedFile:
        return None
    return [(f.line, f.col, f.code, f.message) for f in run_rules(model)]


def check_findings(findings, source):
    lines = source.splitlines() or [""]
    keys = [(f.line, f.code) for f in findings]
    assert len(keys) == len(set(keys)), "one finding per code and line"
    assert findings == sorted(findings, key=lambda f: (f.line, f.col, f.code))
    for f in findings:
        assert f.code in RULES and f.text == f"{f.code} {f.message}"
        assert 1 <= f.line <= f.end_line <= len(lines) + 1 and f.col >= 0
        assert f.handler and f.handler.split(".")[-1] in f.message, "the message names the handler"


@pytest.mark.parametrize("kind", sorted(PROGRAMS))
def test_lint_source_never_raises_and_the_prefilter_drops_nothing(kind):
    @examples(24 if kind == "handler" else 10)
    @given(PROGRAMS[kind])
    def run(source):
        result = lint_source(source, "<nowhere>/app.py", NO_CACHE)
        if result.skipped is not None:
            assert isinstance(result.skipped, str) and result.skipped
            return
        check_findings(result.findings, source)
        assert [(f.line, f.col, f.code, f.message) for f in result.findings] == \
            full_analysis(source, "<nowhere>/app.py")
    run()


@pytest.fixture(scope="module")
def folder():
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "pyproject.toml"), "w") as fh:
            fh.write("")
        yield tmp


def _write(folder, source, name="app.py"):
    """Write a file of the run; the indexes of earlier examples are stale."""
    forget_indexes()
    path = os.path.join(folder, name)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(source)
    return path


def _check(*argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(["check", "--lambda-cache-dir", "off", *argv])
    return status, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("kind", sorted(PROGRAMS))
def test_check_reports_what_lint_source_finds(folder, kind, monkeypatch):
    monkeypatch.chdir(folder)

    @examples(12 if kind == "handler" else 5)
    @given(PROGRAMS[kind])
    def run(source):
        path = _write(folder, source)
        expected = lint_source(source, path, NO_CACHE, codes=DEFAULT_ON)
        status, out, err = _check("--format", "json", "--disable-noqa", "app.py")
        assert "internal error" not in err and "Traceback" not in err
        doc = json.loads(out)
        found = [(f["line"], f["column"] - 1, f["code"], f["message"]) for f in doc["findings"]]
        assert found == [(f.line, f.col, f.code, f.message) for f in expected.findings]
        if expected.skipped:
            assert status == 2 and doc["skipped"][0]["reason"] == expected.skipped
        else:
            assert status == (1 if found else 0)
    run()


@pytest.fixture(scope="module")
def style_guide():
    from flake8.api import legacy
    return legacy.get_style_guide(select=["LAM"], lambda_cache_dir="off")


@pytest.mark.parametrize("kind", sorted(PROGRAMS))
def test_the_flake8_plugin_reports_what_lint_source_finds(folder, style_guide, kind, capsys):
    @examples(8 if kind == "handler" else 4)
    @given(PROGRAMS[kind])
    def run(source):
        path = _write(folder, source)
        expected = lint_source(source, path, NO_CACHE)     # --select=LAM: every code
        capsys.readouterr()
        style_guide.check_files([path])
        out, err = capsys.readouterr()
        assert "internal error" not in err and "Traceback" not in err
        reported = [line[len(path) + 1:].split(" ", 2) for line in out.splitlines()
                    if line.startswith(path + ":") and " LAM" in line]
        if expected.skipped:        # flake8's own parse may fail first: then nothing at all
            assert reported == [] and (expected.skipped in err or not err)
            return
        assert sorted(reported) == sorted(
            [f"{f.line}:{f.col + 1}:", f.code, f.message] for f in expected.findings)
    run()


# --- templates ------------------------------------------------------------------
KEYS = ["Globals", "Function", "Resources", "Type", "Properties", "Handler", "CodeUri",
        "Runtime", "Code", "functions", "provider", "handler", "runtime", "Fn", "Api"]
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                    st.sampled_from(["AWS::Serverless::Function", "AWS::Lambda::Function",
                                     "python3.12", "nodejs20.x", "app.handler", "src/",
                                     "s3://bucket/key", "a.b.c", "../x", "", ".", "app."]),
                    st.text(max_size=12))
DOCUMENTS = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), inner,
                                            max_size=5)),
    max_leaves=25)


@examples(80)
@given(DOCUMENTS, st.sampled_from(["template.yaml", "template.json", "serverless.yml"]),
       st.booleans())
def test_template_loading_never_raises_anything_but_a_template_error(document, name, as_text):
    import yaml
    with tempfile.TemporaryDirectory() as tmp:
        text = (json.dumps(document) if name.endswith(".json") else
                yaml.safe_dump(document) if not as_text else str(document))
        path = _write(tmp, text, name)
        try:
            pairs = handlers_in(path)
        except TemplateError as exc:
            assert str(exc).startswith(path)
        else:
            assert all(isinstance(f, str) and isinstance(n, str) for f, n in pairs)
        clear_caches()
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            assert isinstance(template_handlers(os.path.join(tmp, "app.py"), [path]), frozenset)
        assert "cannot understand" not in err.getvalue(), err.getvalue()


# --- configuration ---------------------------------------------------------------
OPTION_NAMES = ["lambda-handler-names", "lambda-handlers", "lambda-sensitive-names",
                "lambda-client-factories", "lambda-templates", "select", "extend-select",
                "ignore", "extend-ignore", "exclude", "extend-exclude", "format", "jobs",
                "per-file-ignores", "baseline", "lambda-cache-dir", "handler-nmes"]
TOML_VALUES = st.one_of(
    st.integers(-3, 10**6).map(str), st.booleans().map(lambda b: str(b).lower()),
    st.sampled_from(['"LAM2"', '"auto"', '"json"', '"("', '"app:main"', '"tests/*:LAM1"',
                     '["LAM101", "LAM3"]', '["*"]', '{"tests/*" = ["LAM1"]}', '{"a" = 1}',
                     '"off"', '[1, 2]', '""', '"nope"', '"sarif"']),
    st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=10).map(json.dumps))
TOML = st.one_of(
    st.lists(st.tuples(st.sampled_from(OPTION_NAMES), TOML_VALUES), max_size=5).map(
        lambda pairs: "[tool.flake8-lambda-state]\n" + "".join(f"{k} = {v}\n" for k, v in pairs)),
    st.sampled_from(["tool = 1\n", "[tool]\nflake8-lambda-state = 3\n", "x = [\n", "\xe9 = 1\n"]),
    st.text(max_size=40))
CFG = st.one_of(
    st.lists(st.tuples(st.sampled_from(OPTION_NAMES), st.text(max_size=12)), max_size=5).map(
        lambda pairs: "[flake8]\n" + "".join(f"{k} = {v}\n" for k, v in pairs)),
    st.text(max_size=40))


@examples(60)
@given(TOML, CFG, st.binary(max_size=4))
def test_config_loading_is_a_settings_error_or_a_usable_config(pyproject, setup_cfg, stray):
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "pyproject.toml"), "wb") as fh:
            fh.write(pyproject.encode("utf-8", "surrogatepass") + stray)
        with open(os.path.join(tmp, "setup.cfg"), "w", encoding="utf-8", errors="replace") as fh:
            fh.write(setup_cfg)
        _write(tmp, "import boto3\n\n\ndef handler(event, context):\n    return boto3.client('s3')\n")
        try:
            load_config(tmp)
        except SettingsError as exc:
            assert str(exc).startswith(tmp) and "\n" not in str(exc)
        cwd = os.getcwd()
        os.chdir(tmp)
        try:
            status, out, err = _check("app.py")
        finally:
            os.chdir(cwd)
        assert status in (0, 1, 2)
        assert "internal error" not in err and "Traceback" not in err, err
        if status == 2 and not out:
            assert len(err.splitlines()) == 1 and err.startswith("flake8-lambda-state: error: ")
