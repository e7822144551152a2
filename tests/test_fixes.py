"""Autofixes, before and after, with the traps of issue 9: each test gives the
exact fixed source, or that the file is left as it was."""
import textwrap

import pytest

from flake8_lambda_state.fixes.pipeline import fix_source
from flake8_lambda_state.settings import Settings

FIXABLE = ["LAM103", "LAM205", "LAM301", "LAM303", "LAM304"]


def fixed(source, codes=FIXABLE, unsafe=False):
    result = fix_source(textwrap.dedent(source), "app.py", Settings(), codes, unsafe)
    assert result.skipped is None
    again = fix_source(result.new, "app.py", Settings(), codes, unsafe)
    assert again.new == result.new and not again.applied      # idempotent
    compile(result.new, "app.py", "exec")
    return result.new


def unchanged(source, **kwargs):
    source = textwrap.dedent(source)
    return fixed(source, **kwargs) == source


def same(text):
    return textwrap.dedent(text)


# --- LAM301: a client with constant arguments moves to module scope ----------
def test_client_moves_after_the_imports_with_its_comments():
    assert fixed('''
        import json
        import boto3

        TABLE = "orders"


        def handler(event, context):
            # the storage client
            s3 = boto3.client("s3")  # one per container
            s3.put_object(Bucket="b", Key=event["k"], Body=b"x")
            return json.dumps({})
        ''') == same('''
        import json
        import boto3

        # the storage client
        s3 = boto3.client("s3")  # one per container

        TABLE = "orders"


        def handler(event, context):
            s3.put_object(Bucket="b", Key=event["k"], Body=b"x")
            return json.dumps({})
        ''')


def test_a_name_taken_at_module_scope_keeps_the_local_and_uses_a_free_name():
    assert fixed('''
        import boto3

        s3 = "reports"
        s3_client = "archive"


        def handler(event, context):
            s3 = boto3.client("s3")
            return s3.get_object(Bucket="b", Key=event["k"])
        ''') == same('''
        import boto3

        _s3_client = boto3.client("s3")

        s3 = "reports"
        s3_client = "archive"


        def handler(event, context):
            s3 = _s3_client
            return s3.get_object(Bucket="b", Key=event["k"])
        ''')


def test_an_identical_module_client_is_reused():
    assert fixed('''
        import boto3

        s3 = boto3.client("s3")


        def handler(event, context):
            s3 = boto3.client("s3")
            return s3.list_buckets()


        def other_handler(event, context):
            storage = boto3.client("s3")
            return storage.list_buckets()
        ''') == same('''
        import boto3

        s3 = boto3.client("s3")


        def handler(event, context):
            return s3.list_buckets()


        def other_handler(event, context):
            storage = s3
            return storage.list_buckets()
        ''')


def test_the_same_client_in_two_functions_becomes_one_module_client():
    assert fixed('''
        import boto3


        def create(name):
            # the logs client
            logs = boto3.client("logs")
            return logs.create_log_group(logGroupName=name)


        def handler(event, context):
            logs = boto3.client("logs")
            sqs = boto3.client("sqs")
            create("x")
            return logs.describe_log_groups(), sqs
        ''') == same('''
        import boto3

        # the logs client
        logs = boto3.client("logs")
        sqs = boto3.client("sqs")


        def create(name):
            return logs.create_log_group(logGroupName=name)


        def handler(event, context):
            create("x")
            return logs.describe_log_groups(), sqs
        ''')


def test_a_constant_defined_after_the_handler_places_the_client_after_it():
    assert fixed('''
        import boto3


        @decorate  # kept
        def handler(event, context):
            sqs = boto3.client("sqs", region_name=REGION)
            return sqs.send_message(QueueUrl="q", MessageBody=event["b"])


        REGION = "eu-west-1"
        ''') == same('''
        import boto3


        @decorate  # kept
        def handler(event, context):
            return sqs.send_message(QueueUrl="q", MessageBody=event["b"])


        REGION = "eu-west-1"
        sqs = boto3.client("sqs", region_name=REGION)
        ''')


def test_init_code_that_calls_the_handler_before_the_client_exists_is_not_fixed():
    assert unchanged('''
        import boto3


        def warm():
            return handler({}, None)


        warm()
        REGION = "eu-west-1"


        def handler(event, context):
            s3 = boto3.client("s3", region_name=REGION)
            return s3.list_buckets()
        ''')


def test_async_handler_conditional_client_and_with_block():
    assert fixed('''
        import boto3


        async def handler(event, context):
            with boto3.client("s3") as closed_at_the_end:
                pass
            if event["x"]:
                ddb = boto3.resource("dynamodb")
                ddb.Table("t").put_item(Item=event)
            return await go()
        ''') == same('''
        import boto3

        dynamodb_resource = boto3.resource("dynamodb")


        async def handler(event, context):
            with boto3.client("s3") as closed_at_the_end:
                pass
            if event["x"]:
                ddb = dynamodb_resource
                ddb.Table("t").put_item(Item=event)
            return await go()
        ''')


def test_a_client_in_a_helper_two_calls_deep():
    assert fixed('''
        import boto3


        def handler(event, context):
            return save(event)


        def save(event):
            return _put(event)


        def _put(event):
            table = boto3.resource("dynamodb").Table("orders")
            table.put_item(Item=event)
        ''') == same('''
        import boto3

        dynamodb_resource = boto3.resource("dynamodb")


        def handler(event, context):
            return save(event)


        def save(event):
            return _put(event)


        def _put(event):
            table = dynamodb_resource.Table("orders")
            table.put_item(Item=event)
        ''')


def test_a_local_that_is_deleted_keeps_its_binding():
    assert fixed('''
        import boto3


        def handler(event, context):
            s3 = boto3.client("s3")
            out = s3.list_buckets()
            del s3
            return out
        ''') == same('''
        import boto3

        s3_client = boto3.client("s3")


        def handler(event, context):
            s3 = s3_client
            out = s3.list_buckets()
            del s3
            return out
        ''')


def test_request_data_arguments_and_locals_are_not_hoisted():
    assert unchanged('''
        import boto3


        def handler(event, context):
            region = event["region"]
            s3 = boto3.client("s3", region_name=region)
            return s3.list_buckets()
        ''')


def test_no_hoist_when_reachable_code_writes_credentials_to_the_environment():
    assert unchanged('''
        import os
        import boto3

        sts = boto3.client("sts")


        def handler(event, context):
            creds = sts.assume_role(RoleArn=event["role"], RoleSessionName="x")["Credentials"]
            os.environ["AWS_ACCESS_KEY_ID"] = creds["AccessKeyId"]
            s3 = boto3.client("s3")
            return s3.list_buckets()
        ''', codes=["LAM301"])


def test_a_hoist_that_would_add_a_finding_is_refused():
    source = textwrap.dedent('''
        import requests


        def handler(event, context):
            http = requests.Session()
            http.headers.update({"X-Tenant": "acme"})
            return http.get("https://example.com").json()
        ''')
    result = fix_source(source, "app.py", Settings(), ["LAM301"])
    assert result.new == source
    assert result.refused == [("LAM301", "create requests.Session() once at module scope as http",
                               "the fix would add a LAM102 finding")]


def test_a_connecting_factory_becomes_a_cached_getter():
    assert fixed('''
        import os

        import psycopg2

        HOST = os.environ["DB_HOST"]


        def handler(event, context):
            conn = psycopg2.connect(host=HOST, dbname="app")
            return conn.cursor().fetchone()
        ''') == same('''
        import os

        import psycopg2
        import functools

        HOST = os.environ["DB_HOST"]


        @functools.cache
        def get_conn():
            return psycopg2.connect(host=HOST, dbname="app")


        def handler(event, context):
            conn = get_conn()
            return conn.cursor().fetchone()
        ''')


def test_a_connection_the_handler_closes_is_not_cached():
    assert unchanged('''
        import psycopg2


        def handler(event, context):
            conn = psycopg2.connect(host="db")
            try:
                return conn.cursor().fetchone()
            finally:
                conn.close()
        ''')


def test_a_factory_wrapper_called_with_hashable_constants_is_memoized():
    assert fixed('''
        import boto3


        def client(name):
            return boto3.client(name)


        def handler(event, context):
            return client("s3"), client("sqs")
        ''') == same('''
        import boto3
        import functools


        @functools.cache
        def client(name):
            return boto3.client(name)


        def handler(event, context):
            return client("s3"), client("sqs")
        ''')


def test_a_factory_wrapper_called_with_a_dict_is_not_memoized():
    assert unchanged('''
        import boto3

        CFG = {"region_name": "eu-west-1"}


        def client(name, cfg):
            return boto3.client(name, **cfg)


        def handler(event, context):
            return client("s3", CFG)
        ''')


# --- LAM103, LAM205, LAM303, LAM304 -------------------------------------------
def test_none_sentinel_after_the_docstring_with_optional():
    assert fixed('''
        from typing import List


        def collect(key, acc: List[str] = []):
            """Collect keys."""
            acc.append(key)
            return acc


        def handler(event, context):
            return collect(event["k"])
        ''') == same('''
        from typing import Optional, List


        def collect(key, acc: Optional[List[str]] = None):
            """Collect keys."""
            if acc is None:
                acc = []
            acc.append(key)
            return acc


        def handler(event, context):
            return collect(event["k"])
        ''')


def test_none_sentinel_uses_the_union_syntax_the_file_uses():
    assert fixed('''
        def collect(key, acc: dict = {}) -> dict | None:
            acc[key] = 1
            return acc


        def handler(event, context):
            return collect(event["k"])
        ''') == same('''
        def collect(key, acc: dict | None = None) -> dict | None:
            if acc is None:
                acc = {}
            acc[key] = 1
            return acc


        def handler(event, context):
            return collect(event["k"])
        ''')


LOGGER = '''
    from aws_lambda_powertools import Logger

    logger = Logger()
    '''


def test_clear_state_on_a_bare_decorator():
    assert fixed(LOGGER + '''

    @logger.inject_lambda_context
    def handler(event, context):
        logger.info("start")
        logger.append_keys(user=event["user"])
    ''') == same(LOGGER + '''

    @logger.inject_lambda_context(clear_state=True)
    def handler(event, context):
        logger.info("start")
        logger.append_keys(user=event["user"])
    ''')


def test_clear_state_is_unsafe_when_init_appends_keys():
    source = LOGGER + '''
    logger.append_keys(stage="prod")


    @logger.inject_lambda_context(
        log_event=True,
    )
    def handler(event, context):
        logger.append_keys(user=event["user"])
    '''
    assert unchanged(source)
    assert fixed(source, unsafe=True) == same(LOGGER + '''
    logger.append_keys(stage="prod")


    @logger.inject_lambda_context(
        clear_state=True,
        log_event=True,
    )
    def handler(event, context):
        logger.append_keys(user=event["user"])
    ''')


def test_bundled_text_is_read_once_and_loaded_objects_only_with_unsafe_fixes():
    source = '''
        import json
        from pathlib import Path

        RULES = Path(__file__).parent / "rules.txt"


        def handler(event, context):
            text = RULES.read_text()
            limits = json.load(open("config/limits.json"))
            return text, limits
        '''
    assert fixed(source) == same('''
        import json
        from pathlib import Path
        import functools

        RULES = Path(__file__).parent / "rules.txt"


        @functools.cache
        def load_text():
            return RULES.read_text()


        def handler(event, context):
            text = load_text()
            limits = json.load(open("config/limits.json"))
            return text, limits
        ''')
    assert "def load_limits():\n    return json.load(open(\"config/limits.json\"))" in fixed(
        source, unsafe=True)


def test_one_shot_request_through_a_module_session_is_unsafe():
    source = '''
        import requests

        URL = "https://example.com"


        def handler(event, context):
            return requests.get(URL, timeout=3).json()
        '''
    assert unchanged(source)
    assert fixed(source, unsafe=True) == same('''
        import requests

        http_session = requests.Session()

        URL = "https://example.com"


        def handler(event, context):
            return http_session.get(URL, timeout=3).json()
        ''')


# --- the applier ---------------------------------------------------------------
def _model_with_findings(source):
    from helpers import analyse
    from flake8_lambda_state.rules import run_rules
    model = analyse(source)
    return model, run_rules(model, fixes=True)


def test_overlapping_edits_are_refused_and_identical_ones_shared():
    import libcst as cst

    from flake8_lambda_state.fixes import Fix, Replace
    from flake8_lambda_state.fixes.applier import compose
    model, found = _model_with_findings('''
        import boto3


        def handler(event, context):
            return boto3.client("s3")
        ''')
    call = found[0].node
    first = Fix("a", True, (Replace(call, cst.Name("a")),))
    twin = Fix("a again", True, (Replace(call, cst.Name("a")),))
    other = Fix("b", True, (Replace(call, cst.Name("b")),))
    inner = Fix("c", True, (Replace(call.func, cst.Name("c")),))
    composed = compose(model, [first, twin, other, inner])
    assert composed.accepted == [first, twin]
    assert [(fix.title, why) for fix, why in composed.refused] == [
        ("b", "another fix edits the same code"), ("c", "another fix edits overlapping code")]


def test_a_rewrite_that_changes_an_untouched_line_or_does_not_compile_is_refused():
    from flake8_lambda_state.fixes.applier import Refused, check_rewrite
    old = "a = 1\nb = 2\nc = 3\n"
    check_rewrite(old, "a = 1\nb = 20\nnew = 4\nc = 3\n", "x.py", {2})
    # a statement removed with its leading blank line: the blank after it is not blamed
    check_rewrite("a = 1\n\nb = 2\n\nc = 3\n", "a = 1\n\nc = 3\n", "x.py", {2, 3})
    with pytest.raises(Refused, match="would change line 3, which no edit touches"):
        check_rewrite(old, "a = 1\nb = 20\nc = 30\n", "x.py", {2})
    with pytest.raises(Refused, match="would not compile"):
        check_rewrite(old, "a = 1\nb = (\nc = 3\n", "x.py", {2})


# --- LAM101/LAM201: a global one function owns becomes its local ---------------
def test_a_private_global_assigned_before_any_read_becomes_local():
    assert fixed('''
        import json

        _last_card = None  # the credit-card bug
        COUNT = 0


        def handler(event, context):
            """Charge."""
            global _last_card, COUNT
            _last_card = event["card"]
            COUNT += 1
            return json.dumps({"card": _last_card[-4:]})
        ''', codes=["LAM101", "LAM201"]) == same('''
        import json
        COUNT = 0


        def handler(event, context):
            """Charge."""
            global COUNT
            _last_card = event["card"]
            COUNT += 1
            return json.dumps({"card": _last_card[-4:]})
        ''')


@pytest.mark.parametrize("source", [
    # assigned only on one path: the old value is read on the other
    "_user = None\n\n\ndef handler(event, context):\n    global _user\n    if event.get('x'):\n"
    "        _user = event['user']\n    return _user\n",
    # another function reads it
    "_user = None\n\n\ndef handler(event, context):\n    global _user\n    _user = event['user']\n"
    "    return other()\n\n\ndef other():\n    return _user\n",
    # the module value is not a placeholder
    "_user = object()\n\n\ndef handler(event, context):\n    global _user\n"
    "    _user = event['user']\n    return _user\n",
])
def test_a_global_whose_old_value_can_be_seen_stays(source):
    assert unchanged(source, codes=["LAM101", "LAM201"])


def test_a_public_global_is_made_local_only_with_unsafe_fixes():
    source = "LAST = None\n\n\ndef handler(event, context):\n    global LAST\n" \
             "    LAST = event['user']\n    return LAST\n"
    assert unchanged(source, codes=["LAM201"])
    assert fixed(source, codes=["LAM201"], unsafe=True) == \
        "\n\ndef handler(event, context):\n    LAST = event['user']\n    return LAST\n"


def test_a_failing_fixer_costs_the_fix_not_the_finding(monkeypatch):
    from flake8_lambda_state.rules import runner

    def broken(finding, model):
        raise RuntimeError("planted")
    monkeypatch.setitem(runner.FIXERS, "LAM301", broken)
    model, found = _model_with_findings('''
        import boto3


        def handler(event, context):
            return boto3.client("s3")
        ''')
    assert [(f.code, f.fix) for f in found] == [("LAM301", None)]


def test_a_rewrite_that_leaves_a_name_unbound_is_refused():
    from flake8_lambda_state.fixes.applier import Refused, check_names
    old = "import boto3\n\n\ndef handler(event, context):\n    s3 = boto3.client('s3')\n" \
          "    out = s3.list_buckets()\n    del s3\n    return out\n"
    new = "import boto3\n\ns3 = boto3.client('s3')\n\n\ndef handler(event, context):\n" \
          "    out = s3.list_buckets()\n    del s3\n    return out\n"
    with pytest.raises(Refused, match="leave 's3' unbound where it is used"):
        check_names(old, new, "app.py")
    check_names(old, old, "app.py")


# --- LAM103: the annotation admits None, and the fix stays away when unsure -------
CALLS_F = "\n\ndef handler(event, context):\n    return f(event['a'])\n"
APPENDS = "    acc.append(x)\n    return acc\n"


@pytest.mark.parametrize("before, after", [
    ("def f(x, acc: list = []):\n",
     "from typing import Optional\n\ndef f(x, acc: Optional[list] = None):\n"),
    ("from typing import Optional\n\n\ndef f(x, acc: Optional[list] = []):\n",
     "from typing import Optional\n\n\ndef f(x, acc: Optional[list] = None):\n"),
    ("from typing import Any\n\n\ndef f(x, acc: Any = []):\n",
     "from typing import Any\n\n\ndef f(x, acc: Any = None):\n"),
    ("def g(y: int | None = None):\n    return y\n\n\ndef f(x, acc: list = []):\n",
     "def g(y: int | None = None):\n    return y\n\n\ndef f(x, acc: list | None = None):\n"),
    ("Optional = list\n\n\ndef f(x, acc=[]):\n", "Optional = list\n\n\ndef f(x, acc=None):\n"),
    ("def f(x, acc: list | None = []):\n", "def f(x, acc: list | None = None):\n"),
])
def test_lam103_fix_keeps_the_annotation_true(before, after):
    guard = "    if acc is None:\n        acc = []\n"
    assert fixed(before + APPENDS + CALLS_F, codes=["LAM103"]) == after + guard + APPENDS + CALLS_F


def test_lam103_fix_title_and_docstring():
    source = 'def f(x, acc=[]):\n    """Doc."""\n' + APPENDS + CALLS_F
    result = fix_source(source, "app.py", Settings(), ["LAM103"], False)
    assert result.applied == [("LAM103", "default acc to None and create [] in the function")]
    assert result.new == ('def f(x, acc=None):\n    """Doc."""\n    if acc is None:\n'
                          '        acc = []\n' + APPENDS + CALLS_F)


def test_lam103_fix_follows_the_files_indentation():
    source = "def f(x, acc=[]):\n\tacc.append(x)\n\treturn acc\n" + CALLS_F
    assert fixed(source, codes=["LAM103"]) == (
        "def f(x, acc=None):\n\tif acc is None:\n\t\tacc = []\n\tacc.append(x)\n\treturn acc\n"
        + CALLS_F)


@pytest.mark.parametrize("source", [
    "def f(x, acc=[]): acc.append(x)\n",                                   # one-line body
    "Optional = list\n\n\ndef f(x, acc: list = []):\n" + APPENDS,          # not typing's Optional
    "EMPTY = []\n\n\ndef f(x, acc=list(EMPTY)):\n    EMPTY = 1\n" + APPENDS,   # shadowed inside
    "def f(x, acc=list(), list=None):\n" + APPENDS,                     # a parameter's name
])
def test_lam103_fix_leaves_alone_what_it_cannot_rewrite_safely(source):
    assert unchanged(source + CALLS_F, codes=["LAM103"])


@pytest.mark.parametrize("before, after", [
    ("def f(x, acc=[]):\n    return acc\n",                     # a one-statement body
     "def f(x, acc=None):\n    if acc is None:\n        acc = []\n    return acc\n"),
    ("def f(x, acc=list()):\n    acc.append(x)\n",             # a default that names a builtin
     "def f(x, acc=None):\n    if acc is None:\n        acc = list()\n    acc.append(x)\n"),
])
def test_lam103_fix_of_short_bodies_and_named_defaults(before, after):
    assert fixed(before + CALLS_F, codes=["LAM103"]) == after + CALLS_F
