"""benchmarks/run.py: the generated code is the same every time, and the
table and its JSON say which targets are met (measurements faked: the real
run takes minutes)."""
import ast
import importlib.util
import json
import os
import pathlib
import sys

import pytest

BENCHMARKS = pathlib.Path(__file__).resolve().parent.parent / "benchmarks"


def load(name):
    spec = importlib.util.spec_from_file_location(f"benchmarks_{name}", BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def run():
    return load("run")


@pytest.fixture(scope="module")
def code():
    return load("handler_code")


@pytest.mark.parametrize("reachable", [True, False])
def test_generated_module_is_deterministic_valid_and_of_the_asked_size(code, reachable):
    text = code.module(1000, reachable)
    assert text == code.module(1000, reachable)
    assert 1000 <= text.count("\n") < 1040
    functions = [n.name for n in ast.parse(text).body if isinstance(n, ast.FunctionDef)]
    handlers = [f for f in functions if f.endswith("handler")]
    assert len(functions) == len(set(functions))
    if reachable:   # every helper called from a route handler
        assert len(handlers) == len(range(0, len(functions) - len(handlers), code.GROUP))
        called = {c.func.id for c in ast.walk(ast.parse(text))
                  if isinstance(c, ast.Call) and isinstance(c.func, ast.Name)}
        assert {f for f in functions if f.startswith("helper_")} <= called
    else:
        assert handlers == ["lambda_handler"]


def test_generated_project_is_the_same_files_every_time(code, tmp_path):
    first = code.project(str(tmp_path / "a"), 3, 900)
    second = code.project(str(tmp_path / "b"), 3, 900)
    names = sorted(p.name for p in pathlib.Path(first, "handlers").iterdir())
    assert names == ["h000.py", "h001.py", "h002.py"]
    for name in names:
        assert (pathlib.Path(first, "handlers", name).read_text()
                == pathlib.Path(second, "handlers", name).read_text())
    assert (tmp_path / "a" / "pyproject.toml").is_file()


def test_row_says_whether_the_target_is_met(run):
    assert run.row("s", "c", "m", "s", ("<=", 1.15), 10.0, 11.0)["met"] is True
    assert run.row("s", "c", "m", "s", ("<=", 1.15), 10.0, 12.0)["met"] is False
    assert run.row("s", "c", "m", "s", (">=", 1.8), ratio=1.7)["met"] is False
    assert run.row("s", "c", "m", "s", (">=", 1.8), ratio=1.9)["met"] is True
    assert run.row("s", "c", "m", "s", None, 1.0, 3.0)["met"] is None
    assert run.row("s", "c", "m", "s", ("<=", 2.0), note="skipped")["met"] is None


def test_exponent_is_the_log_log_slope(run):
    assert run.exponent([1000, 10000, 100000], [2.0, 20.0, 200.0]) == pytest.approx(1.0)
    assert run.exponent([1000, 10000], [1.0, 100.0]) == pytest.approx(2.0)
    assert run.exponent([1000, 10000], [0.0, 1.0]) is None


def test_main_prints_the_table_and_writes_the_json(run, tmp_path, monkeypatch, capsys):
    fake = [run.row("flake8 with/without plugin", "generated", "cold, cache off", "s CPU",
                    ("<=", 2.0), 1.0, 6.4),
            run.row("check --jobs", "generated", "--jobs 1 / --jobs 2", "s wall", (">=", 1.8),
                    2.0, 1.0, ratio=2.0)]
    monkeypatch.setattr(run, "overhead_rows", lambda *a: [])
    monkeypatch.setattr(run, "per_line_row", lambda *a: fake[0])
    monkeypatch.setattr(run, "linearity_rows", lambda *a: [])
    monkeypatch.setattr(run, "jobs_rows", lambda *a: [fake[1]])
    out = tmp_path / "results.json"
    assert run.main(["--quick", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "| flake8 with/without plugin | generated | cold, cache off (s CPU) | 1 | 6.4 | 6.40 " \
           "| <= 2.0 | NO |" in printed
    assert "| check --jobs | generated | --jobs 1 / --jobs 2 (s wall) | 2 | 1 | 2.00 | >= 1.8 | yes |" \
        in printed
    assert "1 of 2 targets met" in printed
    result = json.loads(out.read_text())
    assert set(result) == {"date", "command", "machine", "python", "seconds", "rows"}
    assert result["rows"] == fake
    assert result["command"] == f"python benchmarks/run.py --quick --json {out}"


def test_pythaw_rows_say_when_pythaw_is_missing(run, tmp_path):
    rows = run.pythaw_rows([str(tmp_path / "repo")], None, None, str(tmp_path))
    assert [(r["section"], r["case"], r["met"], r["note"]) for r in rows] == [
        ("check vs pythaw", "repo", None, "pythaw not installed (pip install pythaw, or --pythaw PATH)")]


def test_pythaw_rows_time_both_and_count_their_findings(run, tmp_path, monkeypatch):
    """A stand-in pythaw that prints two findings as JSON, against the real
    `check` on a project with one."""
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (repo / "app.py").write_text("import boto3\n\n\ndef handler(event, context):\n"
                                 "    return boto3.client('s3')\n")
    fake = tmp_path / "pythaw"
    fake.write_text(f"#!{sys.executable}\nimport json, sys\n"
                    f"assert sys.argv[1:4] == ['check', '--exit-zero', '--format']\n"
                    f"print(json.dumps([{{'code': 'PW001'}}, {{'code': 'PW003'}}]))\n")
    fake.chmod(0o755)
    args = type("Args", (), {"repeat": 1})
    before = os.getcwd()
    [r] = run.pythaw_rows([str(repo)], str(fake), args, str(tmp_path))
    assert os.getcwd() == before
    assert (r["section"], r["case"], r["measure"], r["unit"], r["target"]) == (
        "check vs pythaw", "repo", "check --jobs 1 / pythaw", "s CPU", "<= 1.0")
    assert r["note"] == "findings 1 / pythaw 2"
    assert r["baseline"] > 0 and r["value"] > 0 and r["ratio"] == r["value"] / r["baseline"]


def test_jobs_rows_compare_one_process_with_two(run, monkeypatch):
    """Each side's median comes from its own runs; fix --diff may exit 1."""
    seen = []

    def fake_usage(cmd, env, ok=(0,)):
        seen.append(ok)
        return (30.0, 20.0) if cmd[cmd.index("--jobs") + 1] == "1" else (31.0, 10.0)
    monkeypatch.setattr(run, "usage", fake_usage)
    monkeypatch.setattr(run, "count_lines", lambda paths: 1000)
    args = type("Args", (), {"repeat": 2})
    rows = run.jobs_rows("folder", args)
    assert [(r["section"], r["baseline"], r["value"], r["ratio"], r["met"]) for r in rows] == [
        ("check --jobs", 20.0, 10.0, 2.0, True), ("fix --jobs", 20.0, 10.0, 2.0, True)]
    assert "CPU 30.0 s / 31.0 s" in rows[0]["note"]
    assert set(seen) == {(0, 1)}
