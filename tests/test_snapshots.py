"""LAM5xx: SnapStart init values (LAM501) and connections (LAM502), fixed
/tmp paths on Managed Instances (LAM503), and every way a function is
declared to run so."""
import json
import subprocess
import sys
import textwrap

import pytest

from flake8_lambda_state.cli import main
from flake8_lambda_state.settings import SettingsError
from flake8_lambda_state.templates import MANAGED_INSTANCES, SNAPSTART, functions_in

from helpers import build_settings, codes, messages

SNAP = "from snapshot_restore_py import register_after_restore, register_before_snapshot\n"
ALL_SNAP = build_settings(snapstart="all")
ALL_MANAGED = build_settings(managed_instances="all")


def lam5(source, settings=None, filename="app.py"):
    return codes(source, filename=filename, settings=settings, only="LAM5")


# --- LAM501 -------------------------------------------------------------------------
@pytest.mark.parametrize("line", [
    "RUN_ID = str(uuid.uuid4())",
    "RUN_ID = uuid.uuid1().hex",
    "VALUE = random.randint(0, 9)",
    "RNG = random.Random()",
    "GEN = np.random.default_rng()",
    "TOKEN = secrets.token_hex(16)",
    "SALT = os.urandom(16)",
    "STARTED = time.time()",
    "STARTED = datetime.now()",
    "STARTED = datetime.utcnow().isoformat()",
    "CONFIG = {'run': uuid4()}",
    "random.seed(42)",
    "np.random.seed(42)",
])
def test_lam501_values_kept_at_init(line):
    source = SNAP + textwrap.dedent('''\
        import os, random, secrets, time, uuid
        from datetime import datetime
        from uuid import uuid4
        import numpy as np
        ''') + line + "\n\n\ndef handler(event, context):\n    return 1\n"
    assert lam5(source) == [(6, "LAM501")]


def test_lam501_message_names_value_name_handler_and_fix():
    source = SNAP + "import uuid\nRUN_ID = str(uuid.uuid4())\n\ndef handler(event, context):\n" \
        "    return RUN_ID\n"
    assert messages(source, codes=["LAM501"]) == [
        "LAM501 uuid.uuid4() runs at init and its result is kept in 'RUN_ID' of SnapStart "
        "function 'handler'; every execution environment restored from the snapshot gets the "
        "same value; compute it in the handler or again in a @register_after_restore hook "
        "(snapshot_restore_py)"]


def test_lam501_seed_message_and_random_sequence():
    source = SNAP + "import random\nrandom.seed(7)\n\ndef handler(event, context):\n    return 1\n"
    text, = messages(source, codes=["LAM501"])
    assert "random.seed(7) seeds 'random' at init" in text and "the same random sequence" in text


@pytest.mark.parametrize("line", [
    "print(uuid.uuid4())",                       # not kept
    "CHOOSE = lambda: uuid.uuid4()",             # computed per call
    "SYS = random.SystemRandom()",               # draws from os.urandom every time
    "NAME = os.environ.get('NAME', 'x')",
])
def test_lam501_not_kept_or_not_unique(line):
    source = SNAP + "import os, random, uuid\n" + line + "\n\ndef handler(event, context):\n" \
        "    return 1\n"
    assert lam5(source) == []


def test_lam501_value_computed_in_the_handler_is_fine():
    source = SNAP + "import uuid\n\ndef handler(event, context):\n    run = uuid.uuid4()\n" \
        "    return str(run)\n"
    assert lam5(source) == []


def test_lam501_code_init_runs():
    source = SNAP + textwrap.dedent('''\
        import uuid
        RUN_ID = None


        def _init():
            global RUN_ID
            RUN_ID = uuid.uuid4()


        _init()


        def handler(event, context):
            return RUN_ID
        ''')
    assert lam5(source) == [(8, "LAM501")]


def test_lam501_after_restore_hook_that_refreshes_the_value_clears_it():
    source = SNAP + textwrap.dedent('''\
        import random, uuid
        RUN_ID = uuid.uuid4()
        CONFIG = {"run": uuid.uuid4()}
        random.seed(3)


        @register_after_restore
        def refresh():
            global RUN_ID
            RUN_ID = uuid.uuid4()
            CONFIG["run"] = uuid.uuid4()
            random.seed()


        def handler(event, context):
            return RUN_ID
        ''')
    assert lam5(source) == []


def test_lam501_call_form_hook_and_helper_it_calls():
    source = SNAP + textwrap.dedent('''\
        import uuid
        RUN_ID = uuid.uuid4()


        def _new_id():
            global RUN_ID
            RUN_ID = uuid.uuid4()


        def refresh():
            _new_id()


        register_after_restore(refresh)


        def handler(event, context):
            return RUN_ID
        ''')
    assert lam5(source) == []


def test_lam501_before_snapshot_hook_does_not_refresh_a_value():
    source = SNAP + textwrap.dedent('''\
        import uuid
        RUN_ID = uuid.uuid4()


        @register_before_snapshot
        def prepare():
            global RUN_ID
            RUN_ID = uuid.uuid4()


        def handler(event, context):
            return RUN_ID
        ''')
    assert lam5(source) == [(3, "LAM501")]


def test_lam501_hook_refreshing_another_name_does_not_clear():
    source = SNAP + textwrap.dedent('''\
        import uuid
        RUN_ID = uuid.uuid4()
        OTHER = uuid.uuid4()


        @register_after_restore
        def refresh():
            global OTHER
            OTHER = uuid.uuid4()


        def handler(event, context):
            return RUN_ID
        ''')
    assert lam5(source) == [(3, "LAM501")]


def test_lam501_rebound_on_every_invocation_is_not_a_snapshot_problem():
    source = SNAP + textwrap.dedent('''\
        import uuid
        RUN_ID = uuid.uuid4()


        def handler(event, context):
            global RUN_ID
            RUN_ID = uuid.uuid4()
            return RUN_ID
        ''')
    assert lam5(source) == []


# --- LAM502 -------------------------------------------------------------------------
@pytest.mark.parametrize("line, factory", [
    ("conn = pymysql.connect(host=HOST)", "pymysql.connect"),
    ("conn = psycopg2.connect(DSN)", "psycopg2.connect"),
    ("cache = redis.Redis(host=HOST)", "redis.Redis"),
    ("mongo = pymongo.MongoClient(HOST)", "pymongo.MongoClient"),
])
def test_lam502_connections_opened_at_init(line, factory):
    source = SNAP + textwrap.dedent('''\
        import os
        import psycopg2, pymongo, pymysql, redis
        HOST = os.environ["HOST"]
        DSN = os.environ["DSN"]
        ''') + line + "\n\n\ndef handler(event, context):\n    return 1\n"
    assert lam5(source) == [(6, "LAM502")]
    assert f"opens a connection ({factory}) at init" in messages(source, codes=["LAM502"])[0]


@pytest.mark.parametrize("line", [
    "s3 = boto3.client('s3')",
    "table = boto3.resource('dynamodb').Table('t')",
    "http = requests.Session()",
    "api = httpx.Client()",
])
def test_lam502_sdk_clients_and_http_sessions_resume_by_themselves(line):
    source = SNAP + "import boto3, httpx, requests\n" + line + \
        "\n\ndef handler(event, context):\n    return 1\n"
    assert lam5(source) == []


RECONNECTS = {
    "after-restore hook rebinds": '''
        @register_after_restore
        def reopen():
            global conn
            conn = pymysql.connect(host=HOST)
        ''',
    "after-restore hook pings with reconnect": '''
        def reopen():
            conn.ping(reconnect=True)


        register_after_restore(reopen)
        ''',
    "before-snapshot hook closes and unsets": '''
        @register_before_snapshot
        def drop():
            global conn
            conn.close()
            conn = None
        ''',
    "reconnect in an except on use": '''
        def query(sql):
            global conn
            try:
                return conn.cursor().execute(sql)
            except pymysql.err.OperationalError:
                conn = pymysql.connect(host=HOST)
                return conn.cursor().execute(sql)
        ''',
    "liveness call that reconnects": '''
        def query(sql):
            conn.ping(reconnect=True)
            return conn.cursor().execute(sql)
        ''',
}


@pytest.mark.parametrize("how", sorted(RECONNECTS))
def test_lam502_reopened_after_restore_or_on_use(how):
    source = SNAP + "import os\nimport pymysql\nHOST = os.environ['HOST']\n" \
        "conn = pymysql.connect(host=HOST)\n" + textwrap.dedent(RECONNECTS[how]) + \
        "\n\ndef handler(event, context):\n    return query('SELECT 1')\n"
    if "def query" not in source:
        source = source.replace("return query('SELECT 1')", "return conn.cursor()")
    assert lam5(source) == []


def test_lam502_without_snapstart_nothing_fires():
    source = "import pymysql, uuid\nconn = pymysql.connect(host='db')\nRUN = uuid.uuid4()\n\n" \
        "def handler(event, context):\n    return conn\n"
    assert lam5(source) == []


# --- LAM503 -------------------------------------------------------------------------
def test_lam503_fixed_tmp_path_written_per_invocation():
    source = textwrap.dedent('''\
        import json


        def save(rows):
            with open("/tmp/report.csv", "w") as fh:
                fh.write(json.dumps(rows))


        def handler(event, context):
            save(event["rows"])
            Path("/tmp/last.json").write_text("{}")
        ''').replace("import json", "import json\nfrom pathlib import Path")
    assert lam5(source, ALL_MANAGED) == [(6, "LAM503"), (12, "LAM503")]
    text = messages(source, settings=ALL_MANAGED, codes=["LAM503"])[0]
    assert text.startswith("LAM503 open(\"/tmp/report.csv\", \"w\") writes a fixed /tmp path in "
                           "handler 'handler' via handler -> save, a Managed Instances function;")


@pytest.mark.parametrize("path", [
    'f"/tmp/report-{context.aws_request_id}.csv"',
    'f"/tmp/{uuid.uuid4()}.csv"',
    'os.path.join("/tmp", f"{os.getpid()}.csv")',
    'os.path.join(tempfile.mkdtemp(), "report.csv")',
    'os.path.join(workdir, "report.csv")',
])
def test_lam503_unique_per_request_or_process_path_is_fine(path):
    source = textwrap.dedent('''\
        import os, tempfile, uuid


        def handler(event, context):
            with tempfile.TemporaryDirectory() as workdir:
                with open(PATH, "w") as fh:
                    fh.write("x")
        ''').replace("PATH", path)
    assert lam5(source, ALL_MANAGED) == []


def test_lam503_unique_name_passed_by_every_caller():
    source = textwrap.dedent('''\
        import os, uuid


        def extract(data, package_id):
            path = "/tmp/" + package_id + ".zip"
            with open(path, "wb") as fh:
                fh.write(data)


        def handler(event, context):
            extract(event["body"], str(uuid.uuid4()))
            if event.get("again"):
                extract(event["body"], "fixed")
        ''')
    assert lam5(source, ALL_MANAGED) == [(6, "LAM503")]
    assert lam5(source.replace('"fixed"', "context.aws_request_id"), ALL_MANAGED) == []


def test_lam503_only_on_managed_instances_and_not_at_init():
    source = 'open("/tmp/warm", "w").write("1")\n\n\ndef handler(event, context):\n' \
        '    open("/tmp/report.csv", "w").write("x")\n'
    assert lam5(source) == []
    assert lam5(source, ALL_MANAGED) == [(5, "LAM503")]
    assert lam5(source, build_settings(managed_instances="app:handler")) == [(5, "LAM503")]
    assert lam5(source, build_settings(managed_instances="other:handler")) == []


def test_lam503_is_independent_of_lam203():
    source = 'def handler(event, context):\n    with open("/tmp/in.json", "w") as fh:\n' \
        '        fh.write(event["body"])\n'
    assert codes(source, settings=ALL_MANAGED) == [(2, "LAM203"), (2, "LAM503")]


# --- where the family applies: options ------------------------------------------------
def test_snapstart_option_names_functions_or_all():
    source = "import uuid\nRUN = uuid.uuid4()\n\ndef handler(event, context):\n    return RUN\n"
    assert lam5(source) == []
    assert lam5(source, ALL_SNAP) == [(2, "LAM501")]
    assert lam5(source, build_settings(snapstart="app:handler")) == [(2, "LAM501")]
    assert lam5(source, build_settings(snapstart="app.handler")) == [(2, "LAM501")]
    assert lam5(source, build_settings(snapstart="other:handler")) == []


def test_bad_option_value_names_the_option():
    with pytest.raises(SettingsError, match="--lambda-snapstart: 'nonsense' is not of the form"):
        build_settings(snapstart="nonsense")
    with pytest.raises(SettingsError, match="--lambda-managed-instances"):
        build_settings(managed_instances="x")


# --- where the family applies: templates, CDK, in the CLI and under flake8 ----------
APP = textwrap.dedent('''\
    import uuid

    RUN_ID = str(uuid.uuid4())


    def snap(event, context):
        return RUN_ID


    def plain(event, context):
        with open("/tmp/report.csv", "w") as fh:
            fh.write("x")
''')

SAM = textwrap.dedent('''\
    Transform: AWS::Serverless-2016-10-31
    Globals:
      Function:
        Runtime: python3.12
        CodeUri: src/
    Resources:
      Snap:
        Type: AWS::Serverless::Function
        Properties:
          Handler: app.snap
          SnapStart:
            ApplyOn: PublishedVersions
      Plain:
        Type: AWS::Serverless::Function
        Properties:
          Handler: app.plain
          CapacityProviderConfig:
            LambdaManagedInstancesCapacityProviderConfig:
              CapacityProviderArn: !GetAtt Provider.Arn
''')


@pytest.fixture
def repo(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(APP)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _check(capsys, *args):
    status = main(["check", "--select=LAM5", *args, "src"])
    out = capsys.readouterr().out
    return status, sorted(line.split(" ")[0] + line.split(" ")[1] for line in out.splitlines()
                          if ": LAM" in line)


def _flake8(*args):
    proc = subprocess.run([sys.executable, "-m", "flake8", "--select=LAM5", *args, "src"],
                          capture_output=True, text=True, timeout=120)
    return sorted(line.split(" ")[0] + line.split(" ")[1] for line in proc.stdout.splitlines())


def test_sam_function_snapstart_and_capacity_provider(repo, capsys):
    (repo / "template.yaml").write_text(SAM)
    assert sorted(functions_in(str(repo / "template.yaml"))) == [
        (str(repo / "src" / "app.py"), "plain", frozenset({MANAGED_INSTANCES})),
        (str(repo / "src" / "app.py"), "snap", frozenset({SNAPSTART}))]
    expected = ["src/app.py:11:10:LAM503", "src/app.py:3:14:LAM501"]
    assert _check(capsys) == (1, expected)
    assert _flake8() == expected
    main(["check", "--select=LAM5", "src"])
    out = capsys.readouterr().out
    assert "kept in 'RUN_ID' of SnapStart function 'snap';" in out
    assert "in handler 'plain', a Managed Instances function;" in out


def test_function_without_snapstart_in_the_same_template(repo, capsys):
    (repo / "template.yaml").write_text(SAM.replace("SnapStart:", "Other:").replace(
        "CapacityProviderConfig:", "Other2:"))
    assert _check(capsys) == (0, [])


def test_sam_globals_snapstart_and_apply_on_none(repo, capsys):
    globals_on = SAM.replace("    CodeUri: src/\n", "    CodeUri: src/\n    SnapStart:\n"
                             "      ApplyOn: PublishedVersions\n").replace(
        "      SnapStart:\n        ApplyOn: PublishedVersions\n", "")
    assert globals_on.count("SnapStart:") == 1 and globals_on.index("SnapStart:") < globals_on.index(
        "Resources:")
    (repo / "template.yaml").write_text(globals_on)
    assert _check(capsys)[1] == ["src/app.py:11:10:LAM503", "src/app.py:3:14:LAM501"]
    (repo / "template.yaml").write_text(SAM.replace("ApplyOn: PublishedVersions", "ApplyOn: None"))
    assert _check(capsys)[1] == ["src/app.py:11:10:LAM503"]


def test_cloudformation_json_function(repo, capsys):
    template = {"Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {
        "Runtime": "python3.13", "Handler": "app.snap", "Code": "src/",
        "SnapStart": {"ApplyOn": "PublishedVersions"}}}}}
    (repo / "template.json").write_text(json.dumps(template))
    assert _check(capsys)[1] == ["src/app.py:3:14:LAM501"]


def test_serverless_framework(repo, capsys):
    (repo / "serverless.yml").write_text(textwrap.dedent('''\
        service: app
        provider:
          name: aws
          runtime: python3.13
        functions:
          snap:
            handler: src/app.snap
            snapStart: true
          plain:
            handler: src/app.plain
            capacityProvider: default
    '''))
    expected = ["src/app.py:11:10:LAM503", "src/app.py:3:14:LAM501"]
    assert _check(capsys)[1] == expected
    assert _flake8() == expected


def test_cdk_python_construct_in_the_project(repo, capsys):
    (repo / "cdk.json").write_text('{"app": "python3 infra/app.py"}')
    (repo / "infra").mkdir()
    (repo / "infra" / "stack.py").write_text(textwrap.dedent('''\
        from aws_cdk import aws_lambda as _lambda


        class Stack:
            def __init__(self, scope):
                _lambda.Function(
                    scope, "Snap", runtime=_lambda.Runtime.PYTHON_3_12,
                    handler="app.snap", code=_lambda.Code.from_asset("src"),
                    snap_start=_lambda.SnapStartConf.ON_PUBLISHED_VERSIONS)
                _lambda.Function(
                    scope, "Plain", runtime=_lambda.Runtime.PYTHON_3_12,
                    handler="app.plain", code=_lambda.Code.from_asset("src"))
    '''))
    expected = ["src/app.py:3:14:LAM501"]
    assert _check(capsys) == (1, expected)
    assert _flake8() == expected


def test_options_from_the_command_line_and_configuration(repo, capsys):
    assert _check(capsys) == (0, [])
    expected = ["src/app.py:11:10:LAM503", "src/app.py:3:14:LAM501"]
    assert _check(capsys, "--lambda-snapstart=app:snap",
                  "--lambda-managed-instances=all")[1] == expected
    (repo / "pyproject.toml").write_text('[tool.flake8-lambda-state]\nlambda-snapstart = ["all"]\n'
                                         'lambda-managed-instances = "app:plain"\n')
    assert _check(capsys)[1] == expected
    assert _flake8() == expected
    (repo / "pyproject.toml").unlink()
    (repo / "setup.cfg").write_text("[flake8]\nlambda-snapstart = app:snap\n"
                                    "lambda-managed-instances = all\n")
    assert _flake8() == expected
    assert _check(capsys)[1] == expected


def test_helper_module_reached_from_a_snapstart_handler(repo, capsys):
    (repo / "src" / "db.py").write_text(textwrap.dedent('''\
        import os

        import psycopg2

        conn = psycopg2.connect(os.environ["DSN"])


        def fetch(key):
            with conn.cursor() as cur:
                cur.execute("SELECT v FROM t WHERE k = %s", (key,))
                return cur.fetchone()
    '''))
    (repo / "src" / "app.py").write_text(textwrap.dedent('''\
        from snapshot_restore_py import register_after_restore

        import db


        def handler(event, context):
            return db.fetch(event["key"])
    '''))
    assert _check(capsys) == (1, ["src/db.py:5:8:LAM502"])
    (repo / "src" / "app.py").write_text("import db\n\n\ndef handler(event, context):\n"
                                         "    return db.fetch(event['key'])\n")
    assert _check(capsys) == (0, [])


# --- reports and docs -----------------------------------------------------------------
def test_sarif_rule_metadata_and_results(repo, capsys):
    (repo / "template.yaml").write_text(SAM)
    status = main(["check", "--format", "sarif", "src"])
    doc = json.loads(capsys.readouterr().out)
    rules = {r["id"]: r for r in doc["runs"][0]["tool"]["driver"]["rules"]}
    for code in ("LAM501", "LAM502", "LAM503"):
        assert rules[code]["defaultConfiguration"] == {"level": "warning", "enabled": True}
        assert "snapstart" in rules[code]["properties"]["tags"]
    assert status == 1
    assert sorted(r["ruleId"] for r in doc["runs"][0]["results"]) == ["LAM501", "LAM503"]


def test_explain(capsys):
    assert main(["explain", "lam502"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("LAM502: init code of a SnapStart function opens a database or broker "
                          "connection that nothing re-opens after restore (on by default)")
    assert "    conn = pymysql.connect(" in out


def test_helper_module_reached_from_a_managed_instances_handler(repo, capsys):
    (repo / "src" / "reports.py").write_text(
        'def save(rows):\n    with open("/tmp/report.csv", "w") as fh:\n        fh.write(str(rows))\n')
    (repo / "src" / "app.py").write_text(
        "import reports\n\n\ndef handler(event, context):\n    reports.save(event['rows'])\n")
    assert _check(capsys) == (0, [])
    assert _check(capsys, "--lambda-managed-instances=app:handler") == (
        1, ["src/reports.py:2:10:LAM503"])
    assert _check(capsys, "--lambda-managed-instances=reports:save") == (0, [])


def test_result_cache_follows_the_template(repo, capsys, tmp_path_factory):
    cache = str(tmp_path_factory.mktemp("cache"))
    (repo / "template.yaml").write_text(SAM)
    expected = ["src/app.py:11:10:LAM503", "src/app.py:3:14:LAM501"]
    assert _check(capsys, f"--lambda-cache-dir={cache}")[1] == expected
    (repo / "template.yaml").write_text(SAM.replace("ApplyOn: PublishedVersions", "ApplyOn: None"))
    assert _check(capsys, f"--lambda-cache-dir={cache}")[1] == expected[:1]
    (repo / "template.yaml").write_text(SAM)
    assert _check(capsys, f"--lambda-cache-dir={cache}")[1] == expected
