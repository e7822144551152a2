"""Input at the edges never crashes, hangs or loses findings silently:
deep nesting, long files, bytes that are not UTF-8, FIFOs, odd file names,
and skipped files under flake8 (one warning line each)."""
import ast
import json
import os
import subprocess
import sys

import pytest

from flake8_lambda_state import deep_stack
from flake8_lambda_state.cli import main
from flake8_lambda_state.engine import lint_source
from flake8_lambda_state.settings import Settings

PRELUDE = "import boto3\nCACHE = {}\n\n\ndef handler(event, context):\n"
BODY = "    CACHE['k'] = event['card']\n    value = {deep}\n    return boto3.client('s3')\n"


def deep_module(expression):
    return PRELUDE + BODY.format(deep=expression)


# Each is as deep as CPython compiles: 199 brackets (its limit is 200), a
# thousand-term chain, a thousand-deep attribute or unary chain.
DEEP = {
    "brackets": "[" * 199 + "]" * 199,
    "calls": "f(" * 199 + ")" * 199,
    "binary chain": " + ".join(["event['a']"] * 1000),
    "attributes": "event" + ".a" * 1000,
    "unary": "-" * 1000 + "event",
}
EXPECTED = [(6, "LAM201"), (8, "LAM301")]


def flake8(*args, cwd):
    return subprocess.run([sys.executable, "-m", "flake8", "--select=LAM", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=90)


@pytest.mark.parametrize("kind", sorted(DEEP))
def test_nesting_cpython_compiles_is_analysed(kind):
    source = deep_module(DEEP[kind])
    compile(source, "app.py", "exec")
    result = lint_source(source, "<nowhere>/app.py", Settings())
    assert result.skipped is None
    assert [(f.line, f.code) for f in result.findings] == EXPECTED


def test_the_deep_stack_leaves_the_recursion_limit_as_it_was():
    before = sys.getrecursionlimit()
    seen = deep_stack.call_with_deep_stack(sys.getrecursionlimit)
    assert seen == deep_stack.RECURSION_LIMIT and sys.getrecursionlimit() == before


def test_recursion_past_the_deep_stack_is_a_skip_not_a_crash(monkeypatch):
    monkeypatch.setattr(deep_stack, "RECURSION_LIMIT", 60)     # the usual limit stays
    result = lint_source(deep_module(DEEP["unary"]), "<nowhere>/app.py", Settings())
    assert (result.findings, result.skipped) == ([], "expressions nested too deeply to analyse")


def test_deep_files_through_check_and_flake8(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "app.py").write_text(deep_module(DEEP["unary"]))
    assert main(["check", "--select", "LAM2,LAM3", "app.py"]) == 1
    out, err = capsys.readouterr()
    assert [line.split(" ")[0] for line in out.splitlines() if " LAM" in line] == [
        "app.py:6:5:", "app.py:8:12:"] and err == ""
    # pyflakes itself gives up on a thousand-deep unary chain; 199 brackets it reads
    (tmp_path / "app.py").write_text(deep_module(DEEP["brackets"]))
    proc = flake8("app.py", cwd=tmp_path)
    assert [line.split(" ")[:2] for line in proc.stdout.splitlines()] == [
        ["app.py:6:5:", "LAM201"], ["app.py:8:12:", "LAM301"]]
    assert proc.stderr == ""


def test_files_of_any_length_are_analysed():
    source = "import boto3\n" + "# note\n" * 20_500 + PRELUDE[len("import boto3\n"):] + (
        "    return boto3.client('s3')\n")
    result = lint_source(source, "<nowhere>/app.py", Settings())
    assert result.skipped is None
    assert [(f.line, f.code) for f in result.findings] == [(20_506, "LAM301")]


STRAY_BYTE = b"import boto3\n# caf\xe9\n\n\ndef handler(event, context):\n    return boto3.client('s3')\n"
STRAY_REASON = ("not UTF-8 text: 'utf-8' codec can't decode byte 0xe9 in position 18: "
                "invalid continuation byte")


def test_plugin_and_check_decode_alike(tmp_path, monkeypatch, capsys):
    """flake8 reads a stray byte as latin-1; the plugin follows check's rule
    and both say the file was skipped, and why."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "app.py").write_bytes(STRAY_BYTE)
    (tmp_path / "ok.py").write_bytes(STRAY_BYTE.replace(b"\xe9", "\u00e9".encode()))
    assert main(["check", "app.py", "ok.py"]) == 1
    out, err = capsys.readouterr()
    assert out.startswith("ok.py:6:12: LAM301 ") and out.count(" LAM") == 1
    assert "1 finding(s) in 1 of 2 file(s) checked, 1 skipped" in out
    assert err == f"app.py: skipped: {STRAY_REASON}\n"
    proc = flake8("app.py", "ok.py", cwd=tmp_path)
    assert [line.split(" ")[:2] for line in proc.stdout.splitlines()] == [["ok.py:6:12:", "LAM301"]]
    assert proc.stderr == f"flake8-lambda-state: app.py: skipped: {STRAY_REASON}\n"


def test_a_cookie_is_honoured_by_both(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "app.py").write_bytes(b"# -*- coding: latin-1 -*-\n" + STRAY_BYTE)
    assert main(["check", "app.py"]) == 1
    assert capsys.readouterr().out.startswith("app.py:7:12: LAM301 ")
    proc = flake8("app.py", cwd=tmp_path)
    assert proc.stdout.startswith("app.py:7:12: LAM301 ") and proc.stderr == ""


def test_under_flake8_each_skipped_file_is_one_warning_line(tmp_path):
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "broken.py").write_bytes(STRAY_BYTE)
    (tmp_path / "newer.py").write_text("def handler(event, context):\n    type X = int\n")
    proc = flake8(".", cwd=tmp_path)
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0] == f"flake8-lambda-state: ./broken.py: skipped: {STRAY_REASON}"
    proc = flake8("-v", "broken.py", cwd=tmp_path)
    assert proc.stderr.count("broken.py: skipped") == 1


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_flake8_never_opens_a_fifo(tmp_path):
    (tmp_path / "pyproject.toml").write_text("")
    os.mkfifo(tmp_path / "pipe.py")
    (tmp_path / "app.py").write_bytes(STRAY_BYTE.replace(b"\xe9", b"e"))
    for args in ([], ["."], ["pipe.py", "app.py"], ["-j", "2", "."]):
        proc = flake8(*args, cwd=tmp_path)
        assert proc.returncode == 1 and "LAM301" in proc.stdout
        assert proc.stderr.endswith("pipe.py: skipped: not a regular file\n")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_flake8_never_opens_a_fifo_in_a_subfolder(tmp_path):
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "src" / "deep").mkdir(parents=True)
    os.mkfifo(tmp_path / "src" / "deep" / "pipe.py")
    os.mkfifo(tmp_path / "src" / "notes.txt")                  # not a name flake8 checks
    (tmp_path / "src" / "app.py").write_bytes(STRAY_BYTE.replace(b"\xe9", b"e"))
    proc = flake8(".", cwd=tmp_path)
    assert proc.returncode == 1 and "LAM301" in proc.stdout
    assert proc.stderr.splitlines() == [
        "flake8-lambda-state: ./src/deep/pipe.py: skipped: not a regular file"]


def test_sarif_of_an_absolute_file_name_that_is_not_utf8(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("")
    name = tmp_path / os.fsdecode(b"caf\xe9.py")
    name.write_bytes(STRAY_BYTE.replace(b"\xe9", b"e"))
    assert main(["check", "--format", "sarif", str(name)]) == 1
    doc = json.loads(capsys.readouterr().out)
    uri = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert uri == {"uri": "file://" + str(tmp_path) + "/caf%E9.py"}


@pytest.mark.parametrize("refused", [False, True])
def test_the_garbage_collector_runs_again_after_each_file(monkeypatch, refused):
    """The collector is paused during a file's analysis (engine.collector_paused)."""
    import gc

    from flake8_lambda_state import analysis
    if refused:
        def refuse(*args, **kwargs):
            assert not gc.isenabled()
            raise analysis.SkippedFile("refused")
        monkeypatch.setattr(analysis, "build_model", refuse)
    source = "import boto3\n\ndef handler(event, context):\n    return boto3.client('s3')\n"
    result = lint_source(source, "app.py", Settings(cache_dir="off"))
    assert gc.isenabled()
    assert result.skipped == ("refused" if refused else None)
    assert [f.code for f in result.findings] == ([] if refused else ["LAM301"])


def test_check_skips_a_broken_file_only_when_it_could_matter(tmp_path, monkeypatch, capsys):
    """A script that cannot hold a handler and that no handler imports is not
    parsed at all, so its Python 2 syntax is no skip; a broken handler file,
    and a broken module a handler imports, are skipped and say why."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FLAKE8_LAMBDA_STATE_CACHE_DIR", "off")
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "setup_old.py").write_text("print 'not python 3'\n")
    (tmp_path / "app.py").write_text("import helpers\n\n\ndef handler(event, context):\n"
                                     "    return helpers.run(event)\n")
    (tmp_path / "helpers.py").write_text("def run(event:\n    return event\n")
    (tmp_path / "other.py").write_text("def handler(event, context)\n    return 1\n")
    assert main(["check", "."]) == 0
    out, err = capsys.readouterr()
    assert "0 finding(s) in 0 of 4 file(s) checked, 2 skipped" in out
    assert err.splitlines() == [
        "./helpers.py: skipped: does not parse: SyntaxError: '(' was never closed "
        "(helpers.py, line 1)",
        "./other.py: skipped: does not parse: SyntaxError: expected ':' (other.py, line 1)"]
    parsed = []
    real = ast.parse
    monkeypatch.setattr(ast, "parse", lambda source, filename="<unknown>", *a, **k: (
        parsed.append(os.path.basename(filename)), real(source, filename, *a, **k))[1])
    assert lint_source("print 'x'\n", str(tmp_path / "setup_old.py"), Settings()).skipped is None
    assert parsed == []
