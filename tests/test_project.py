"""The whole-project analysis (SPEC Core 2 and 7): small multi-module
projects written to a temporary folder, checked file by file through the
same path flake8 and `check` use (engine.lint_source with the project index)."""
import ast
import glob
import json
import os
import subprocess
import sys
import textwrap

import pytest

from flake8_lambda_state import project as project_pkg
from flake8_lambda_state.cli import main as cli_main
from flake8_lambda_state.engine import lint_source
from flake8_lambda_state.project import build_index, forget_indexes
from flake8_lambda_state.rules import DEFAULT_OFF, RULES
from flake8_lambda_state.settings import Settings


@pytest.fixture(autouse=True)
def _fresh_index(monkeypatch):
    monkeypatch.setenv("FLAKE8_LAMBDA_STATE_CACHE_DIR", "off")
    forget_indexes()
    yield
    forget_indexes()


def write(root, files):
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def make(tmp_path, files, marker="pyproject.toml"):
    files = dict(files)
    files.setdefault(marker, "[project]\nname = 'x'\n")
    return write(tmp_path, files)


def results(root, settings=None):
    """{(relative path, line, code): message} over every .py file of the project."""
    settings = settings or Settings()
    enabled = [code for code in RULES if code not in DEFAULT_OFF]
    out = {}
    for folder, _dirs, names in os.walk(root):
        for name in sorted(names):
            if not name.endswith(".py"):
                continue
            path = os.path.join(folder, name)
            with open(path, encoding="utf-8") as fh:
                source = fh.read()
            for f in lint_source(source, path, settings, codes=enabled).findings:
                out[(os.path.relpath(path, root).replace(os.sep, "/"), f.line, f.code)] = f.message
    return out


def found(root, settings=None):
    return sorted(results(root, settings))


# --- import forms ----------------------------------------------------------
def test_import_module_then_attribute_call_reaches_a_client_built_per_call(tmp_path):
    root = make(tmp_path, {
        "app.py": """
            import orders

            def lambda_handler(event, context):
                return orders.save(event["order"])
        """,
        "orders.py": """
            import boto3

            def save(order):
                table = boto3.resource("dynamodb").Table("orders")
                table.put_item(Item=order)
        """,
    })
    res = results(root)
    assert sorted(res) == [("orders.py", 4, "LAM301")]
    message = res[("orders.py", 4, "LAM301")]
    assert "in handler 'app.lambda_handler' via app.lambda_handler -> orders.save;" in message


def test_from_import_with_alias_carries_sensitive_request_data_into_another_modules_global(tmp_path):
    root = make(tmp_path, {
        "app.py": """
            from payments import remember as keep

            def handler(event, context):
                keep(event["body"]["cardNumber"])
        """,
        "payments.py": """
            LAST_CARD = None

            def remember(card):
                global LAST_CARD
                LAST_CARD = card
        """,
    })
    res = results(root)
    assert sorted(res) == [("payments.py", 5, "LAM201")]
    assert res[("payments.py", 5, "LAM201")].startswith("sensitive request data (card)")


def test_relative_import_and_package_reexport(tmp_path):
    root = make(tmp_path, {
        "svc/__init__.py": "from .store import record\n",
        "svc/store.py": """
            SEEN = set()

            def record(user):
                SEEN.add(user)
        """,
        "svc/api.py": """
            from . import store

            def lambda_handler(event, context):
                store.record(event["user"])
        """,
        "main.py": """
            from svc import record

            def handler(event, context):
                record(event["user"])
        """,
    })
    res = results(root)
    assert sorted(res) == [("svc/store.py", 4, "LAM104")]
    assert "(and 1 other handler)" in res[("svc/store.py", 4, "LAM104")]


def test_src_layout_and_ancestor_folder_imports(tmp_path):
    root = make(tmp_path, {
        "src/app.py": """
            from enrich.crm import lookup

            def lambda_handler(event, context):
                return lookup(event["domain"])
        """,
        "src/enrich/__init__.py": "",
        "src/enrich/crm.py": """
            import httpx

            def lookup(domain):
                with httpx.Client() as client:
                    return client.get("/c", params={"d": domain}).json()
        """,
        "functions/report/main.py": """
            from helpers import render

            def lambda_handler(event, context):
                return render(event)
        """,
        "functions/report/helpers.py": """
            import requests

            from mylib.db import connect

            def render(event):
                connect()
                return requests.Session().get("https://x").text
        """,
        "src/mylib/__init__.py": "",
        "src/mylib/db.py": """
            import pymysql

            def connect():
                return pymysql.connect(host="db")
        """,
    }, marker="template.yaml")
    assert found(root) == [("functions/report/helpers.py", 7, "LAM301"),
                           ("src/enrich/crm.py", 4, "LAM301"), ("src/mylib/db.py", 4, "LAM301")]


def test_layer_python_folder_is_an_import_root(tmp_path):
    root = make(tmp_path, {
        "layers/common/python/shared/clients.py": """
            import boto3

            def sqs():
                return boto3.client("sqs")
        """,
        "layers/common/python/shared/__init__.py": "",
        "fn/app.py": """
            from shared.clients import sqs

            def lambda_handler(event, context):
                sqs().send_message(QueueUrl="q", MessageBody="x")
        """,
    }, marker="template.yaml")
    res = results(root)
    assert sorted(res) == [("layers/common/python/shared/clients.py", 4, "LAM301")]
    assert "sqs() returns a new boto3.client on each call and is called on every invocation from " \
           "1 call site;" in res[("layers/common/python/shared/clients.py", 4, "LAM301")]


# --- classes ----------------------------------------------------------------
def test_imported_class_instantiated_reaches_init_and_inherited_methods(tmp_path):
    root = make(tmp_path, {
        "common/__init__.py": "",
        "common/base.py": """
            import os

            import boto3


            class ApiFunction:
                def bind(self, event, context):
                    os.environ["REQUEST_ID"] = context.aws_request_id

                def save(self, item):
                    boto3.resource("dynamodb").Table("t").put_item(Item=item)
        """,
        "runner.py": """
            import boto3


            class Runner:
                def __init__(self):
                    self.client = boto3.client("textract")
        """,
        "submit.py": """
            from common.base import ApiFunction
            from runner import Runner


            class Submission(ApiFunction):
                pass


            def lambda_handler(event, context):
                sub = Submission()
                sub.bind(event, context)
                sub.save({"id": event["id"]})
                Runner()
        """,
    })
    assert found(root) == [("common/base.py", 8, "LAM202"), ("common/base.py", 11, "LAM301"),
                           ("runner.py", 6, "LAM301")]


def test_base_class_template_method_reaches_the_served_subclass_override(tmp_path):
    root = make(tmp_path, {
        "base.py": """
            class Job:
                def main(self, event):
                    return self.run(event)

                def run(self, event):
                    return None
        """,
        "jobs.py": """
            import boto3

            from base import Job


            class Export(Job):
                def run(self, event):
                    return boto3.client("s3").list_buckets()


            def lambda_handler(event, context):
                return Export().main(event)
        """,
    })
    res = results(root)
    assert sorted(res) == [("jobs.py", 8, "LAM301")]
    assert "via jobs.lambda_handler -> base.Job.main -> jobs.Export.run" in res[("jobs.py", 8, "LAM301")]


def test_template_method_within_the_module_a_handler_elsewhere_serves(tmp_path):
    root = make(tmp_path, {
        "jobs.py": """
            import boto3


            class Job:
                def main(self, event):
                    return self.run(event)

                def run(self, event):
                    return None


            class Export(Job):
                def run(self, event):
                    return boto3.client("s3").list_buckets()
        """,
        "app.py": """
            import jobs

            def lambda_handler(event, context):
                return jobs.Export().main(event)
        """,
    })
    assert found(root) == [("jobs.py", 14, "LAM301")]


def test_module_level_instance_of_another_module_is_module_state(tmp_path):
    root = make(tmp_path, {
        "services.py": """
            class Orders:
                def save(self, order):
                    self.last_order = order


            orders = Orders()
        """,
        "app.py": """
            from services import orders

            def handler(event, context):
                orders.save(event["order"])
        """,
    })
    assert found(root) == [("services.py", 3, "LAM201")]


# --- another module's state ---------------------------------------------------
def test_attribute_of_an_imported_project_module_is_that_modules_global(tmp_path):
    root = make(tmp_path, {
        "config.py": "TENANT = None\nMODE = 'a'\n",
        "app.py": """
            import config

            def handler(event, context):
                config.TENANT = event["tenant"]
                config.MODE = "b"
        """,
    })
    res = results(root)
    assert sorted(res) == [("app.py", 4, "LAM201"), ("app.py", 5, "LAM101")]
    assert "'config.TENANT'" in res[("app.py", 4, "LAM201")]


def test_third_party_module_attributes_are_not_module_state(tmp_path):
    root = make(tmp_path, {
        "app.py": """
            import logging

            def handler(event, context):
                logging.root.level = 10
        """,
    })
    assert found(root) == []


def test_container_imported_from_another_module_follows_the_write_rules(tmp_path):
    root = make(tmp_path, {
        "state.py": "CACHE = {}\nAUDIT = []\n",
        "audit.py": """
            from state import AUDIT

            def flush():
                AUDIT.clear()
        """,
        "app.py": """
            from state import AUDIT, CACHE
            import audit

            def handler(event, context):
                CACHE[event["id"]] = 1
                AUDIT.append(event["id"])
                audit.flush()
        """,
    })
    # CACHE grows with request keys; AUDIT is emptied every invocation by
    # another module (bounded), so its append is LAM201 and the clear is fine.
    assert found(root) == [("app.py", 5, "LAM104"), ("app.py", 6, "LAM201")]


# --- factory wrappers and memoization -------------------------------------------
def test_factory_wrapper_reached_from_two_handlers_is_one_finding(tmp_path):
    root = make(tmp_path, {
        "aws.py": """
            import boto3

            def client(name):
                return boto3.client(name)
        """,
        "a.py": """
            from aws import client

            def handler(event, context):
                client("s3").list_buckets()
        """,
        "b.py": """
            import aws

            def handler(event, context):
                aws.client("sqs").list_queues()
                aws.client("sns").list_topics()
        """,
    })
    res = results(root)
    assert sorted(res) == [("aws.py", 4, "LAM301")]
    message = res[("aws.py", 4, "LAM301")]
    assert "in handler 'a.handler' (and 1 other handler) via a.handler -> aws.client;" in message
    assert "from 3 call sites;" in message


def test_memoized_wrapper_in_another_module_is_not_a_finding(tmp_path):
    root = make(tmp_path, {
        "aws.py": """
            import functools

            import boto3

            @functools.cache
            def client(name):
                return boto3.client(name)

            _TABLE = None

            def table():
                global _TABLE
                if _TABLE is None:
                    _TABLE = boto3.resource("dynamodb").Table("t")
                return _TABLE
        """,
        "app.py": """
            from aws import client, table

            def handler(event, context):
                client("s3").list_buckets()
                table().get_item(Key={"id": event["id"]})
        """,
    })
    assert found(root) == []


# --- reachability boundaries -------------------------------------------------------
def test_unreachable_module_and_unreached_function_have_no_finding(tmp_path):
    root = make(tmp_path, {
        "tools.py": """
            import boto3

            CACHE = {}

            def used(x):
                return x

            def unused(key):
                CACHE[key] = boto3.client("s3")
        """,
        "scripts/migrate.py": """
            import boto3

            def run(key):
                return boto3.client("s3")
        """,
        "app.py": """
            from tools import used

            def handler(event, context):
                return used(event["key"])
        """,
    })
    assert found(root) == []


def test_import_cycle_is_followed_once(tmp_path):
    root = make(tmp_path, {
        "a.py": """
            import b

            def handler(event, context):
                return b.step(event, 3)

            def back(event, n):
                return b.step(event, n - 1)
        """,
        "b.py": """
            import boto3
            import a

            def step(event, n):
                if n:
                    return a.back(event, n)
                return boto3.client("s3")
        """,
    })
    assert found(root) == [("b.py", 7, "LAM301")]


def test_event_context_helper_called_by_a_handler_is_that_handlers_helper(tmp_path):
    root = make(tmp_path, {
        "cfnresponse.py": """
            import requests

            def send(event, context, status):
                requests.put(event["ResponseURL"], json={"Status": status})
        """,
        "app.py": """
            import cfnresponse

            LAST = {}

            def on_create(event, context):
                LAST["props"] = event["ResourceProperties"]
                cfnresponse.send(event, context, "SUCCESS")

            def lambda_handler(event, context):
                return on_create(event, context)
        """,
    })
    res = results(root, Settings())
    assert sorted(res) == [("app.py", 6, "LAM201")]
    assert "in handler 'lambda_handler' via lambda_handler -> on_create;" in res[("app.py", 6, "LAM201")]
    index = build_index(str(root), Settings(cache_dir="off"))
    demoted = {(os.path.basename(p), n) for p, n in index.demoted}
    assert demoted == {("app.py", "on_create"), ("cfnresponse.py", "send")}


def test_an_event_context_function_nothing_calls_stays_a_handler(tmp_path):
    root = make(tmp_path, {
        "app.py": """
            SEEN = []

            def on_create(event, context):
                SEEN.append(event["id"])
        """,
    })
    assert found(root) == [("app.py", 4, "LAM104")]


def test_handlers_subcommand_says_how_each_handler_was_found(tmp_path, capsys, monkeypatch):
    root = make(tmp_path, {
        "app.py": """
            import helpers

            def lambda_handler(event, context):
                return helpers.go(event)
        """,
        "helpers.py": """
            def go(event):
                return event
        """,
        "cfn.py": """
            def send(event, context):
                return None

            def handler(event, context):
                send(event, context)
        """,
    })
    monkeypatch.chdir(root)
    assert cli_main(["handlers", "."]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "app.py:3: app.lambda_handler (handler; name matches the handler-name patterns)",
        "    reaches helpers.py",
        "cfn.py:1: send is not a handler: another handler calls it (takes (event, context)), "
        "so it is analysed as that handler's helper",
        "cfn.py:4: cfn.handler (handler; name matches the handler-name patterns)",
        "2 handler(s)",
    ]


def test_a_file_outside_any_project_is_analysed_on_its_own(tmp_path, monkeypatch):
    folder = tmp_path / "loose"
    write(folder, {"app.py": """
        import boto3

        def handler(event, context):
            return boto3.client("s3")
    """})
    monkeypatch.setattr(project_pkg, "find_project_root", lambda path: None)
    assert found(folder) == [("app.py", 4, "LAM301")]


# --- front ends ----------------------------------------------------------------------
PROJECT = {
    "app.py": """
        from helpers import save

        def handler(event, context):
            save(event["id"])
    """,
    "helpers.py": """
        import boto3

        def save(key):
            boto3.client("s3").put_object(Bucket="b", Key=key, Body=b"")
    """,
    "unrelated.py": "x = 1\n",
}


@pytest.mark.parametrize("args", [["--jobs", "2", "."], ["helpers.py"]])
def test_flake8_reports_the_helper_modules_finding_with_jobs_and_a_single_file(tmp_path, args):
    root = make(tmp_path, PROJECT)
    env = dict(os.environ, FLAKE8_LAMBDA_STATE_CACHE_DIR="off")
    proc = subprocess.run([sys.executable, "-m", "flake8", "--select=LAM", *args], cwd=root,
                          capture_output=True, text=True, env=env, check=False)
    assert proc.stderr == ""
    lines = [line.split(" ", 1)[0] for line in proc.stdout.splitlines()]
    assert [line.lstrip("./") for line in lines] == ["helpers.py:4:5:"]


def test_check_json_reports_the_cross_module_finding(tmp_path, monkeypatch, capsys):
    root = make(tmp_path, PROJECT)
    monkeypatch.chdir(root)
    assert cli_main(["check", "--format", "json", "."]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [(f["path"].lstrip("./"), f["line"], f["code"], f["handler"]) for f in report["findings"]] \
        == [("helpers.py", 4, "LAM301", "app.handler")]


# --- the cache -------------------------------------------------------------------------
def _count_summaries(monkeypatch):
    calls = []
    real = project_pkg.summarise

    def counting(tree, filename, settings):
        calls.append(os.path.basename(filename))
        return real(tree, filename, settings)
    monkeypatch.setattr(project_pkg, "summarise", counting)
    return calls


def test_cache_hit_then_invalidation_of_one_edited_module(tmp_path, monkeypatch):
    root = make(tmp_path, PROJECT)
    cache = tmp_path / "cache"
    settings = Settings(cache_dir=str(cache))
    calls = _count_summaries(monkeypatch)
    build_index(str(root), settings)
    assert sorted(calls) == ["app.py", "helpers.py"]      # nothing imports unrelated.py
    assert (cache / ".gitignore").read_text().splitlines()[-1] == "*"
    calls.clear()
    opened = []
    real_open = open

    def spy(path, *a, **k):
        opened.append(os.path.basename(str(path)))
        return real_open(path, *a, **k)
    monkeypatch.setattr("builtins.open", spy)
    index = build_index(str(root), settings)
    monkeypatch.setattr("builtins.open", real_open)
    assert calls == []
    assert [name for name in opened if name.endswith(".py")] == []   # nothing re-read
    assert index.context(str(root / "helpers.py")).entries[0].key == "save"
    (root / "helpers.py").write_text("def save(key):\n    return key\n", encoding="utf-8")
    os.utime(root / "helpers.py", ns=(1, 1))
    index = build_index(str(root), settings)
    assert calls == ["helpers.py"]
    assert index.summaries[str(root / "helpers.py")]["functions"]["save"]["line"] == 1


def test_an_unwritable_cache_folder_is_not_an_error(tmp_path, monkeypatch):
    root = make(tmp_path, PROJECT)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv("FLAKE8_LAMBDA_STATE_CACHE_DIR", str(blocker / "cache"))
    assert found(root) == [("helpers.py", 4, "LAM301")]


def test_default_cache_folder_is_inside_the_project_and_ignores_itself(tmp_path, monkeypatch):
    root = make(tmp_path, PROJECT)
    monkeypatch.delenv("FLAKE8_LAMBDA_STATE_CACHE_DIR")
    assert found(root) == [("helpers.py", 4, "LAM301")]
    assert sorted(p.name for p in (root / ".lambda-state-cache").iterdir())[0] == ".gitignore"


def test_constant_passed_from_another_module_makes_a_bundled_read_per_invocation(tmp_path):
    root = make(tmp_path, {
        "common/__init__.py": "",
        "common/config.py": """
            import json
            import os

            HERE = os.path.dirname(__file__)

            def load(name, folder=HERE):
                with open(os.path.join(folder, name)) as fh:
                    return json.load(fh)

            def relay(name):
                return load(name)
        """,
        "app.py": """
            from common import config

            def lambda_handler(event, context):
                return config.relay("rules.json")
        """,
        "other.py": """
            from common.config import load

            def handler(event, context):
                return load(event["file"])
        """,
    })
    # relay() passes its constant on; other.handler passes request data to
    # load(), so the read is not of a constant path once both reach it.
    assert found(root) == []
    (root / "other.py").unlink()
    forget_indexes()
    assert found(root) == [("common/config.py", 7, "LAM303")]


def test_a_failing_index_degrades_to_single_module_analysis(tmp_path, monkeypatch, capsys):
    root = make(tmp_path, {
        "app.py": """
            import boto3

            def handler(event, context):
                return boto3.client("s3")
        """,
        "other.py": "import app\n",
    })

    def broken(self, path):
        raise KeyError("planted")
    monkeypatch.setattr(project_pkg.ProjectIndex, "context", broken)
    monkeypatch.setattr(project_pkg, "_FAILED", set())
    assert found(root) == [("app.py", 4, "LAM301")]
    err = capsys.readouterr().err.splitlines()
    assert err == [f"flake8-lambda-state: warning: project index of {root} failed (KeyError: "
                   f"'planted'); files are analysed on their own, please report it"]


def test_service_collaborators_getters_and_namespace_relative_imports(tmp_path):
    root = make(tmp_path, {
        "svc/repository.py": """
            import boto3

            class Repository:
                def save(self, item):
                    boto3.resource("dynamodb").Table("t").put_item(Item=item)
        """,
        "svc/service.py": """
            from . import repository

            class Service:
                def __init__(self):
                    self.repo = repository.Repository()

                def create(self, item):
                    self.repo.save(item)

            def get_service():
                return Service()
        """,
        "app.py": """
            from svc.service import get_service

            def lambda_handler(event, context):
                get_service().create(event)
                svc = get_service()
                svc.create(event)
        """,
    })
    res = results(root)
    assert sorted(res) == [("svc/repository.py", 5, "LAM301")]
    assert "via app.lambda_handler -> svc.service.Service.create -> svc.repository.Repository.save" \
        in res[("svc/repository.py", 5, "LAM301")]


def test_resolver_imported_from_another_module_makes_current_event_request_data(tmp_path):
    root = make(tmp_path, {
        "api/app.py": """
            from aws_lambda_powertools.event_handler import APIGatewayRestResolver

            from api import routes

            app = APIGatewayRestResolver()

            def lambda_handler(event, context):
                return app.resolve(event, context)
        """,
        "api/__init__.py": "",
        "api/routes.py": """
            from api.app import app
            from api import audit

            @app.get("/me")
            def me():
                audit.remember(app.current_event.headers["authorization"])
                return {}
        """,
        "api/audit.py": """
            LAST = {}

            def remember(token):
                LAST["token"] = token
        """,
    })
    assert found(root) == [("api/audit.py", 4, "LAM201")]


def test_super_call_reaches_the_base_class_method_in_another_module(tmp_path):
    root = make(tmp_path, {
        "base.py": """
            import boto3

            class Store:
                def save(self, item):
                    boto3.client("s3").put_object(Bucket="b", Key=item, Body=b"")
        """,
        "app.py": """
            from base import Store

            class AuditedStore(Store):
                def save(self, item):
                    return super().save(item)

            def handler(event, context):
                AuditedStore().save(event["key"])
        """,
    })
    assert found(root) == [("base.py", 5, "LAM301")]


def test_clients_imported_from_another_module(tmp_path):
    root = make(tmp_path, {
        "clients.py": """
            import boto3
            import pymysql

            ssm = boto3.client("ssm")
            session = boto3.Session()
            secrets = session.client("secretsmanager")
            conn = pymysql.connect(host="db")
            s3 = boto3.client("s3")
        """,
        "app.py": """
            import clients
            from clients import conn, secrets, ssm

            def handler(event, context):
                ssm.get_parameter(Name="/app/flag")
                secrets.get_secret_value(SecretId="db")
                clients.s3.get_object(Bucket="b", Key=event["key"])
                try:
                    return conn.cursor().execute("select 1")
                finally:
                    conn.close()

            def cleanup(event, context):
                clients.conn.close()
        """,
    })
    assert found(root) == [("app.py", 5, "LAM303"), ("app.py", 6, "LAM303"), ("app.py", 11, "LAM302"),
                           ("app.py", 14, "LAM302")]


def test_session_returned_by_a_function_of_another_module(tmp_path):
    root = make(tmp_path, {
        "aws.py": """
            import os

            import boto3

            def session():
                return boto3.Session(region_name=os.environ["AWS_REGION"])

            def not_a_session():
                return {"region": "eu-west-1"}
        """,
        "app.py": """
            import aws
            from aws import not_a_session

            def handler(event, context):
                s3 = aws.session().client("s3")
                table = aws.session().resource("dynamodb").Table("t")
                other = not_a_session().client("s3")
                return s3, table, other
        """,
    })
    # the Session built on every call of the wrapper, and each client built on it
    assert found(root) == [("app.py", 5, "LAM301"), ("app.py", 6, "LAM301"), ("aws.py", 6, "LAM301")]


def test_nested_project_roots_are_projects_of_their_own(tmp_path, monkeypatch, capsys):
    root = make(tmp_path, {
        "shared.py": """
            import boto3

            def make():
                return boto3.client("s3")
        """,
        "svc/template.yaml": "Resources: {}\n",
        "svc/app.py": """
            import helpers

            def handler(event, context):
                return helpers.go(event)
        """,
        "svc/helpers.py": """
            def go(event):
                return event
        """,
    }, marker=".git")
    (root / ".git").unlink()
    (root / ".git").mkdir()
    assert [os.path.basename(p) for p in project_pkg.project_files(str(root))] == ["shared.py"]
    # the outer project holds no handler: nothing in it is summarised
    assert build_index(str(root), Settings(cache_dir="off")).summaries == {}
    monkeypatch.chdir(root)
    assert cli_main(["handlers", "."]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "svc/app.py:3: app.handler (handler; name matches the handler-name patterns)",
        "    reaches svc/helpers.py", "1 handler(s)"]


def test_without_a_root_marker_the_folder_named_on_the_command_line_is_the_project(
        tmp_path, monkeypatch, capsys):
    folder = write(tmp_path / "loose", {
        "fn/app.py": """
            from lib import send

            def handler(event, context):
                send(event)
        """,
        "fn/lib.py": """
            import boto3

            def send(event):
                boto3.client("sqs").send_message(QueueUrl="q", MessageBody=event["body"])
        """,
    })
    monkeypatch.setattr(project_pkg, "find_project_root", lambda path: None)
    monkeypatch.chdir(folder)
    assert cli_main(["check", "--format", "json", "fn"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [(f["path"], f["line"], f["code"]) for f in report["findings"]] == [("fn/lib.py", 4, "LAM301")]


def test_a_module_that_does_not_parse_is_cached_as_such(tmp_path, monkeypatch):
    root = make(tmp_path, {"app.py": "def handler(event, context):\n    return 1\n",
                           "broken.py": "def (:\n"})
    settings = Settings(cache_dir=str(tmp_path / "cache"))
    build_index(str(root), settings)
    cache_file = next((tmp_path / "cache").glob("summaries-*.json"))
    written = cache_file.stat().st_mtime_ns
    parsed = []
    monkeypatch.setattr(project_pkg.ast, "parse", lambda *a, **k: parsed.append(a) or None)
    index = build_index(str(root), settings)
    assert parsed == [] and cache_file.stat().st_mtime_ns == written
    assert sorted(os.path.basename(p) for p in index.summaries) == ["app.py"]


LIBRARY = {
    "lib.py": """
        import boto3

        def save(key):
            boto3.client("s3").put_object(Bucket="b", Key=key, Body=b"")
    """,
    "util.py": "def double(x):\n    return 2 * x\n",
    "notes.py": "USAGE = 'def handler(event, context)'\n",   # its text passes, its tree not
}
HANDLER = {"z_app.py": """
    from lib import save

    def handler(event, context):
        save(event["id"])
"""}


def test_a_project_without_handlers_summarises_nothing_until_one_appears(tmp_path, monkeypatch):
    root = make(tmp_path, LIBRARY)
    settings = Settings(cache_dir=str(tmp_path / "cache"))
    calls = _count_summaries(monkeypatch)
    index = build_index(str(root), settings)
    assert calls == [] and index.summaries == {}
    assert found(root, settings) == []
    cache_file = next((tmp_path / "cache").glob("summaries-*.json"))
    entries = json.loads(cache_file.read_text())["files"]
    deferred = {rel: e.get("deferred") for rel, e in entries.items()}
    assert deferred == {"lib.py": True, "notes.py": True, "util.py": True}
    write(root, HANDLER)
    forget_indexes()
    index = build_index(str(root), settings)
    assert sorted(calls) == ["lib.py", "z_app.py"]       # the handler imports lib, not the rest
    assert found(root, settings) == [("lib.py", 4, "LAM301")]
    entries = json.loads(cache_file.read_text())["files"]
    assert {rel: e.get("deferred") for rel, e in entries.items()} == {
        "lib.py": None, "notes.py": True, "util.py": True, "z_app.py": None}


@pytest.mark.parametrize("jobs", [1, 2])
def test_only_the_deferred_modules_a_handler_imports_are_summarised(tmp_path, monkeypatch, jobs):
    """In one process (the plugin, check --jobs 1) and by worker processes."""
    monkeypatch.setattr(project_pkg, "SUMMARISE_PARALLEL_FROM", 1)
    root = make(tmp_path, {**LIBRARY, **HANDLER})
    calls = _count_summaries(monkeypatch)
    settings = Settings(cache_dir=str(tmp_path / "cache"))
    project_pkg.prepare_projects([str(root / "lib.py")], settings, jobs)
    index = project_pkg.project_for(str(root / "lib.py"), settings)
    assert sorted(os.path.basename(p) for p in index.summaries) == ["lib.py", "z_app.py"]
    if jobs == 1:
        assert sorted(calls) == ["lib.py", "z_app.py"]
    assert found(root, settings) == [("lib.py", 4, "LAM301")]


CHAIN = {   # each module cannot hold a handler, and only the chain of imports reaches the client
    "app.py": "from pkg import api\n\ndef handler(event, context):\n    api.run(event)\n",
    "pkg/__init__.py": "",
    "pkg/api.py": "from . import store\n\ndef run(event):\n    store.put(event['id'])\n",
    "pkg/store.py": "import boto3\n\ndef put(key):\n    boto3.client('s3').put_object(Key=key)\n",
    "pkg/unused.py": "def f():\n    return 1\n",
    "tests/test_api.py": "from pkg import api\n\ndef test_run():\n    api.run({'id': 1})\n",
    "infra/stack.py": "def build(scope):\n    return scope\n",
}


@pytest.mark.parametrize("jobs", [1, 2])
def test_deferred_modules_are_followed_through_imports_level_by_level(tmp_path, monkeypatch,
                                                                      jobs):
    monkeypatch.setattr(project_pkg, "SUMMARISE_PARALLEL_FROM", 1)
    root = make(tmp_path, CHAIN)
    settings = Settings(cache_dir="off")
    project_pkg.prepare_projects([str(root / "app.py")], settings, jobs)
    index = project_pkg.project_for(str(root / "app.py"), settings)
    assert sorted(os.path.relpath(p, root) for p in index.summaries) == [
        "app.py", "pkg/__init__.py", "pkg/api.py", "pkg/store.py"]
    assert found(root, settings) == [("pkg/store.py", 4, "LAM301")]


def test_the_summarised_part_gives_the_same_index_as_every_module(tmp_path):
    """What the index says of each module it holds does not depend on the
    modules nothing imports."""
    root = make(tmp_path, CHAIN)
    settings = Settings(cache_dir="off")
    partial = build_index(str(root), settings)
    files = [str(p) for p in root.rglob("*.py")]
    every = project_pkg.ProjectIndex(str(root), {
        path: project_pkg.summarise(ast.parse(open(path).read()), path, settings)
        for path in files}, settings)
    assert len(every.summaries) == 7
    for path in partial.summaries:
        assert partial.context(path).entries == every.context(path).entries
        assert partial.context(path).imports == every.context(path).imports
        assert partial.dependencies(path) == every.dependencies(path)


def test_every_file_an_import_could_name_is_summarised(tmp_path):
    """A module that could be `helpers` from two folders (the importer's and
    a layer's): both are summarised, so the index picks as Python would even
    when the first does not parse."""
    root = make(tmp_path, {
        "app.py": "import helpers\n\ndef handler(event, context):\n    helpers.save(event)\n",
        "helpers.py": "def save(:\n",
        "layer/python/helpers.py": ("import boto3\n\ndef save(key):\n"
                                    "    boto3.client('s3').put_object(Key=key)\n"),
    })
    index = build_index(str(root), Settings(cache_dir="off"))
    assert sorted(os.path.relpath(p, root) for p in index.summaries) == [
        "app.py", "layer/python/helpers.py"]
    assert found(root, Settings(cache_dir="off")) == [("layer/python/helpers.py", 4, "LAM301")]


def test_a_cdk_app_that_nothing_imports_is_summarised_for_its_snap_start(tmp_path, monkeypatch):
    root = make(tmp_path, {
        "cdk.json": "{}",
        "src/app.py": HANDLER["z_app.py"].replace("from lib import save", "from .lib import save"),
        "src/lib.py": LIBRARY["lib.py"],
        "infra.py": "from aws_cdk import aws_lambda as _lambda\n\n"
                    "def build(scope):\n    _lambda.Function(scope, 'F', handler='app.handler',\n"
                    "        code=_lambda.Code.from_asset('src'),\n"
                    "        snap_start=_lambda.SnapStartConf.ON_PUBLISHED_VERSIONS)\n",
        "notes.py": "def build(scope):\n    return scope\n",
    })
    settings = Settings(cache_dir=str(tmp_path / "cache"))
    for _ in range(2):            # from the modules, then from the cache
        forget_indexes()
        index = build_index(str(root), settings)
        assert sorted(os.path.relpath(p, root) for p in index.summaries) == [
            "infra.py", "src/app.py", "src/lib.py"]
        assert index.deployment.cdk == {(str(root / "src" / "app.py"), "handler")}


def test_request_data_returned_by_another_modules_function(tmp_path):
    root = make(tmp_path, {
        "auth.py": """
            def bearer(headers):
                return headers.get("authorization", "").split(" ")[-1]

            def service_name():
                return "orders"
        """,
        "app.py": """
            import auth

            LAST = {}

            def handler(event, context):
                LAST["caller"] = auth.bearer(event["headers"])
                LAST["service"] = auth.service_name()
        """,
    })
    res = results(root)
    assert sorted(res) == [("app.py", 6, "LAM201"), ("app.py", 7, "LAM102")]
    assert res[("app.py", 6, "LAM201")].startswith("request data (auth.bearer(event[")


MEMO_IN_ANOTHER_MODULE = {
    "constants.py": "DEFAULT_PROVIDERS = {}\n",
    "ssm.py": """
        import boto3

        from constants import DEFAULT_PROVIDERS


        class SSMProvider:
            def __init__(self):
                self.client = boto3.client("ssm")


        def get_parameter(name):
            if "ssm" not in DEFAULT_PROVIDERS:
                DEFAULT_PROVIDERS["ssm"] = SSMProvider()
            return DEFAULT_PROVIDERS["ssm"].client.get_parameter(Name=name)
    """,
    "app.py": """
        from ssm import get_parameter


        def lambda_handler(event, context):
            return get_parameter("/x")
    """,
}


def test_a_memo_cache_imported_from_another_module_is_the_memo_idiom(tmp_path):
    # Powertools' parameters: `if "ssm" not in DEFAULT_PROVIDERS: DEFAULT_PROVIDERS["ssm"] = SSMProvider()`
    assert found(make(tmp_path, MEMO_IN_ANOTHER_MODULE)) == []


def test_a_guard_on_an_imported_container_that_nothing_fills_is_an_ordinary_branch(tmp_path):
    files = dict(MEMO_IN_ANOTHER_MODULE)
    files["ssm.py"] = files["ssm.py"].replace(
        'DEFAULT_PROVIDERS["ssm"] = SSMProvider()', 'return SSMProvider().client.get_parameter(Name=name)')
    assert found(make(tmp_path, files)) == [("ssm.py", 8, "LAM301")]


def test_a_template_edit_refreshes_the_cached_summaries(tmp_path):
    from flake8_lambda_state.templates import clear_caches
    root = make(tmp_path, {
        "template.yaml": """
            Resources:
              Fn:
                Type: AWS::Serverless::Function
                Properties:
                  Runtime: python3.12
                  Handler: entry.main
        """,
        "entry.py": """
            from helpers import save


            def main(evt, ctx):
                save(evt["id"])


            def other(evt, ctx):
                return None
        """,
        "helpers.py": """
            import boto3


            def save(key):
                boto3.client("s3").put_object(Bucket="b", Key=key, Body=b"")
        """,
    })
    settings = Settings(cache_dir=str(tmp_path / "cache"))
    assert found(root, settings) == [("helpers.py", 5, "LAM301")]
    (root / "template.yaml").write_text(
        (root / "template.yaml").read_text().replace("entry.main", "entry.other"))
    forget_indexes()
    clear_caches()
    assert found(root, settings) == []


def test_projects_sharing_one_cache_folder_keep_their_own_summaries(tmp_path, monkeypatch):
    """--lambda-cache-dir (or the environment) names one folder for every
    project of a run: each project's summaries survive the others'."""
    first = make(tmp_path / "one", PROJECT)
    second = make(tmp_path / "two", PROJECT)
    settings = Settings(cache_dir=str(tmp_path / "shared-cache"))
    calls = _count_summaries(monkeypatch)
    for root in (first, second):
        build_index(str(root), settings)
    assert len(calls) == 4
    calls.clear()
    forget_indexes()
    for root in (first, second):
        build_index(str(root), settings)
    assert calls == []


def test_an_edited_module_that_still_cannot_hold_a_handler_is_cached_afresh(tmp_path):
    root = make(tmp_path, LIBRARY)
    settings = Settings(cache_dir=str(tmp_path / "cache"))
    build_index(str(root), settings)
    (root / "util.py").write_text("def triple(x):\n    return 3 * x\n", encoding="utf-8")
    os.utime(root / "util.py", ns=(1, 1))
    forget_indexes()
    build_index(str(root), settings)
    cache_file = next((tmp_path / "cache").glob("summaries-*.json"))
    entry = json.loads(cache_file.read_text())["files"]["util.py"]
    assert entry["deferred"] and entry["mtime"] == 1
    written = cache_file.stat().st_mtime_ns
    forget_indexes()
    build_index(str(root), settings)
    assert cache_file.stat().st_mtime_ns == written       # nothing new to write


def test_modules_are_parsed_only_when_their_text_or_an_import_asks(tmp_path, monkeypatch):
    """util.py's text cannot hold a handler and nothing imports it: it is
    never parsed. lib.py is parsed once, when the handler's import reaches it;
    notes.py once, to learn that its tree cannot hold a handler."""
    root = make(tmp_path, {"a_app.py": HANDLER["z_app.py"], **LIBRARY})
    parsed = []
    real = project_pkg.ast.parse

    def counting(source, filename="<unknown>", *args, **kwargs):
        parsed.append(os.path.basename(filename))
        return real(source, filename, *args, **kwargs)
    monkeypatch.setattr(project_pkg.ast, "parse", counting)
    build_index(str(root), Settings(cache_dir="off"))
    assert sorted(parsed) == ["a_app.py", "lib.py", "notes.py"]


def test_the_summaries_walk_visits_what_ast_walk_visits_in_its_order():
    from flake8_lambda_state.project.summary import walk_ast
    for path in sorted(glob.glob(os.path.join(os.path.dirname(__file__), "..", "fixtures", "**",
                                              "*.py"), recursive=True)):
        with open(path, encoding="utf-8") as fh:
            tree = ast.parse(fh.read())
        expected = list(ast.walk(tree))
        found = walk_ast(tree)
        assert len(found) == len(expected) and all(a is b for a, b in zip(found, expected)), path


def test_a_re_run_on_cached_modules_walks_no_imports_until_an_edit(tmp_path, monkeypatch):
    """Once every module is cached, the run that cached them has summarised
    every module the handlers import; an edit that imports one more is seen."""
    from flake8_lambda_state.project.modules import ModuleResolver
    root = make(tmp_path, {**LIBRARY, **HANDLER})
    settings = Settings(cache_dir=str(tmp_path / "cache"))
    walks = []
    real = ModuleResolver.reachable
    monkeypatch.setattr(ModuleResolver, "reachable",
                        lambda self, *a, **k: walks.append(1) or real(self, *a, **k))
    build_index(str(root), settings)
    assert walks
    walks.clear()
    forget_indexes()
    index = build_index(str(root), settings)
    assert walks == [] and sorted(map(os.path.basename, index.summaries)) == ["lib.py", "z_app.py"]
    write(root, {"z_app.py": HANDLER["z_app.py"] + "\n    import util\n"})
    forget_indexes()
    index = build_index(str(root), settings)
    assert sorted(map(os.path.basename, index.summaries)) == ["lib.py", "util.py", "z_app.py"]


@pytest.mark.parametrize("threshold, pooled", [(10, True), (10 ** 9, False)])
def test_a_few_large_modules_are_summarised_by_workers(tmp_path, monkeypatch, threshold, pooled):
    """Fewer modules than SUMMARISE_PARALLEL_FROM still go to `--jobs`
    workers when they hold SUMMARISE_PARALLEL_BYTES of code."""
    from contextlib import contextmanager
    monkeypatch.setattr(project_pkg, "SUMMARISE_PARALLEL_BYTES", threshold)
    used = []
    real = project_pkg.process_pool

    @contextmanager
    def recording(workers):
        used.append(workers)
        with real(workers) as pool:
            yield pool
    monkeypatch.setattr(project_pkg, "process_pool", recording)
    root = make(tmp_path, {**LIBRARY, **HANDLER})
    settings = Settings(cache_dir="off")
    project_pkg.prepare_projects([str(root / "z_app.py")], settings, 2)
    assert bool(used) is pooled
    assert found(root, settings) == [("lib.py", 4, "LAM301")]
