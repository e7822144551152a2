"""Baselines are keyed on the path relative to the project root: every way
of naming a file matches, the run says how many findings the baseline
suppressed, --write-baseline says what it wrote and exits 0, and the
baseline can be set in pyproject.toml."""
import json
import os

import pytest

from helpers import run_cli as run

LEAKY = ('import boto3\n_last = None\n\n\ndef lambda_handler(event, context):\n'
         '    global _last\n    _last = event["card"]\n    return boto3.client("s3")\n')


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(LEAKY)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_write_baseline_says_what_it_wrote_and_exits_0(project, capsys):
    status, out, err = run(capsys, "check", "--write-baseline", "base.json", "./src/app.py")
    assert (status, out) == (0, "")
    assert err == ("wrote base.json: 2 finding(s) in 1 file(s) recorded; check with "
                   "--baseline base.json to see only new findings\n")
    doc = json.loads((project / "base.json").read_text())
    assert doc["version"] == 2
    assert [(e["code"], e["path"], e["handler"], e["count"]) for e in doc["findings"]] == [
        ("LAM201", "src/app.py", "lambda_handler", 1), ("LAM301", "src/app.py", "lambda_handler", 1)]


@pytest.mark.parametrize("spelling", ["./src/app.py", "src/app.py", "absolute", "src", ".",
                                      "from-src"])
def test_five_spellings_of_one_path_match(project, capsys, monkeypatch, spelling):
    assert run(capsys, "check", "--write-baseline", "base.json", ".")[0] == 0
    baseline = str(project / "base.json")
    if spelling == "absolute":
        args = [str(project / "src" / "app.py")]
    elif spelling == "from-src":          # another working folder, a single file argument
        monkeypatch.chdir(project / "src")
        args = ["app.py"]
    else:
        args = [spelling]
    status, out, err = run(capsys, "check", "--baseline", baseline, *args)
    assert (status, err) == (0, "")
    assert out == "0 finding(s) in 0 of 1 file(s) checked, 2 suppressed by the baseline\n"


def test_new_findings_are_reported_and_counted(project, capsys):
    run(capsys, "check", "--write-baseline", "base.json", "src")
    (project / "src" / "app.py").write_text(LEAKY + "\n\ndef other_handler(event, context):\n"
                                            "    return boto3.client('sqs')\n")
    status, out, _ = run(capsys, "check", "--baseline", "base.json", str(project))
    lines = out.splitlines()
    assert status == 1 and len(lines) == 3
    assert lines[0].startswith(f"{project}/src/app.py:12:12: LAM301 [*] boto3.client('sqs')")
    assert lines[1] == "1 finding(s) in 1 of 1 file(s) checked, 2 suppressed by the baseline"
    assert lines[2] == "1 fixable with `flake8-lambda-state fix`"
    status, out, err = run(capsys, "check", "--format", "json", "--baseline", "base.json", "src")
    assert json.loads(out)["suppressed_by_baseline"] == 2
    assert err == ("1 finding(s) in 1 of 1 file(s) checked, 2 suppressed by the baseline\n"
                   "1 fixable with `flake8-lambda-state fix`\n")


def test_baseline_set_in_pyproject(project, capsys):
    run(capsys, "check", "--write-baseline", ".lambda-state-baseline.json", ".")
    (project / "pyproject.toml").write_text(
        '[tool.flake8-lambda-state]\nbaseline = ".lambda-state-baseline.json"\n')
    assert run(capsys, "check", "src/app.py") == (
        0, "0 finding(s) in 0 of 1 file(s) checked, 2 suppressed by the baseline\n", "")
    assert run(capsys, "check", "-q", "--no-baseline", "src/app.py")[0] == 1
    # writing a new baseline does not read the configured one
    assert run(capsys, "check", "--write-baseline", "again.json", "src")[0] == 0
    assert json.loads((project / "again.json").read_text())["findings"][0]["count"] == 1
    (project / "pyproject.toml").write_text('[tool.flake8-lambda-state]\nbaseline = "gone.json"\n')
    status, _, err = run(capsys, "check", "src")
    assert (status, err) == (2, "flake8-lambda-state: error: --baseline: cannot read gone.json: "
                                "No such file or directory\n")


def test_version_1_baselines_keyed_on_typed_paths_still_match(project, capsys):
    run(capsys, "check", "--write-baseline", "base.json", ".")
    doc = json.loads((project / "base.json").read_text())
    doc["version"] = 1
    for entry in doc["findings"]:
        entry["path"] = "./" + entry["path"]
    (project / "base.json").write_text(json.dumps(doc))
    assert run(capsys, "check", "--baseline", "base.json", os.path.join("src", "app.py"))[0] == 0


def test_broken_baselines_are_one_line_errors(project, capsys):
    for text, message in (("[]", "not a flake8-lambda-state baseline (version 2)"),
                          ("{", "not JSON (Expecting property name enclosed in double quotes: "
                                "line 1 column 2 (char 1))"),
                          ('{"version": 2, "findings": [{"code": "LAM201"}]}',
                           "malformed entry {'code': 'LAM201'}")):
        (project / "bad.json").write_text(text)
        status, out, err = run(capsys, "check", "--baseline", "bad.json", "src")
        assert (status, out) == (2, "")
        assert err == f"flake8-lambda-state: error: --baseline: bad.json: {message}\n"
