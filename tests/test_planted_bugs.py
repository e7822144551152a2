"""One test for each bug that issue 11 planted into the package and the
suite let through; `python benchmarks/planted_bugs.py` plants them again,
one at a time, and checks that the suite fails each time. The first two go
through lint_source, so through the prefilter, as flake8 and check do."""
import json
import textwrap

from flake8_lambda_state.cli import main
from flake8_lambda_state.engine import lint_source
from flake8_lambda_state.settings import Settings
from helpers import findings

NOT_ON_DISK = "<nowhere>/app.py"    # no project: the prefilter alone decides


def linted(source):
    result = lint_source(textwrap.dedent(source), NOT_ON_DISK, Settings())
    assert result.skipped is None
    return [(f.line, f.col, f.code) for f in result.findings]


def positions(source, only=None):
    return [(f.line, f.col, f.end_line, f.end_col, f.code) for f in findings(source)
            if only is None or f.code == only]


def test_prefilter_keeps_a_handler_found_by_its_decorator_alone():
    # neither the name nor the parameters make `index` or `main` a handler
    assert linted('''
        from chalice import Chalice
        import boto3
        app = Chalice(app_name="x")


        @app.route("/")
        def index():
            return boto3.client("s3")
    ''') == [(9, 11, "LAM301")]
    assert linted('''
        import boto3
        from aws_lambda_powertools import Logger
        logger = Logger()


        @logger.inject_lambda_context
        def main(evt, ctx):
            return boto3.client("s3")
    ''') == [(9, 11, "LAM301")]


def test_prefilter_keeps_a_handler_wrapped_in_lambda_handler_decorator_middleware():
    assert linted('''
        from aws_lambda_powertools.middleware_factory import lambda_handler_decorator
        import boto3


        @lambda_handler_decorator
        def middleware(handler, event, context):
            return handler(event, context)


        @middleware
        def main(evt, ctx):
            return boto3.client("s3")
    ''') == [(13, 11, "LAM301")]


def test_one_finding_per_code_and_line():
    assert positions('''
import boto3, json

def handler(event, context):
    a = boto3.client("s3"); b = boto3.client("sqs")
    return json.load(open("rules.json"))
''') == [(5, 8, 5, 26, "LAM301"), (6, 21, 6, 39, "LAM303")]


def test_lam103_is_reported_at_the_default():
    assert positions('''
def helper(item, seen=[]):
    seen.append(item)
    return seen

def handler(event, context):
    return helper(event["id"])
''') == [(2, 22, 2, 24, "LAM103")]


def test_sarif_regions_are_the_reported_expression(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "app.py").write_text(
        "import boto3\n\n\ndef handler(event, context):\n    return boto3.client('s3')\n")
    assert main(["check", "--format", "sarif", "app.py"]) == 1
    result, = json.loads(capsys.readouterr().out)["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 5, "startColumn": 12, "endLine": 5, "endColumn": 30}


def test_a_client_of_a_session_is_one_finding_naming_the_session():
    message = findings('''
import boto3

def handler(event, context):
    return boto3.Session().client("s3")
''')
    assert [(f.line, f.col, f.code) for f in message] == [(5, 11, "LAM301")]
    assert message[0].message.startswith(
        'boto3.Session().client("s3") creates a client or connection '
        '(boto3.Session().client) on every invocation')


def test_lam102_names_the_variable():
    assert [f.text for f in findings('''
SEEN = []

def handler(event, context):
    SEEN.append(1)
    return len(SEEN)
''')] == ["LAM102 module-level 'SEEN' is mutated in place (.append()) in handler 'handler'; the "
          "change accumulates across warm invocations; build the object per invocation or keep "
          "it read-only"]


def test_force_fetch_false_keeps_the_cache():
    assert positions('''
from aws_lambda_powertools.utilities import parameters

def handler(event, context):
    a = parameters.get_parameter("/app/a", force_fetch=False)
    b = parameters.get_parameter("/app/b", force_fetch=True)
    return a, b
''') == [(6, 8, 6, 60, "LAM303")]


def test_clear_state_false_does_not_clear_the_logger():
    source = '''
from aws_lambda_powertools import Logger
logger = Logger(service="x")

@logger.inject_lambda_context(clear_state=False)
def handler(event, context):
    logger.info("start")
    logger.append_keys(user=event["user"])
    return 1
'''
    assert positions(source) == [(8, 4, 8, 42, "LAM205")]
    assert positions(source.replace("clear_state=False", "clear_state=True")) == []
