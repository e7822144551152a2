"""`check` options a flake8 or ruff user reaches for, exit statuses, skipped
files, unwritable outputs, standard input, per-file-ignores, --jobs and the
progress bar."""
import argparse
import io
import os
import subprocess
import sys

import pytest

from flake8_lambda_state.cli import build_parser, main, progress_bar
from helpers import LEAKY, run_cli as run

LAM201 = ("./app.py:7:5: LAM201 [*] sensitive request data (event[\"card\"]) is stored in module state "
          "'_last' in handler 'lambda_handler'; the next caller served by this warm container "
          "can read it; keep it in a local or pass it as an argument")


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "app.py").write_text(LEAKY)
    return tmp_path


def test_statistics_count_quiet_and_exit_zero(project, capsys):
    status, out, err = run(capsys, "check", "--select", "LAM2", "--statistics", "--count", ".")
    assert (status, err) == (1, "")
    assert out.splitlines() == [LAM201, "1     LAM201 request data is stored in module state",
                                "1 finding(s) in 1 of 1 file(s) checked",
                                "1 fixable with `flake8-lambda-state fix`", "1"]
    assert run(capsys, "check", "--select", "LAM2", "--quiet", ".") == (1, LAM201 + "\n", "")
    assert run(capsys, "check", "--select", "LAM2", "--exit-zero", "-q", ".") == (0, LAM201 + "\n", "")
    status, out, err = run(capsys, "check", "--select", "LAM2", "--format", "json", "--count", ".")
    assert status == 1 and err == ("1 finding(s) in 1 of 1 file(s) checked\n"
                                   "1 fixable with `flake8-lambda-state fix`\n1\n")


def test_show_source_puts_a_caret_under_the_expression(project, capsys):
    status, out, _ = run(capsys, "check", "--select", "LAM2", "--show-source", "-q", ".")
    assert out.splitlines() == [LAM201, '    _last = event["card"]', "    ^^^^^"]


def test_color(project, capsys, monkeypatch):
    status, out, _ = run(capsys, "check", "--select", "LAM2", "-q", "--color", "always", ".")
    assert out == "\x1b[1m./app.py\x1b[0m:7:5: \x1b[1;31mLAM201\x1b[0m" + LAM201[20:] + "\n"
    assert "\x1b[" not in run(capsys, "check", "--color", "never", ".")[1]
    assert "\x1b[" not in run(capsys, "check", ".")[1]           # auto: stdout is not a terminal
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert "\x1b[" in run(capsys, "check", ".")[1]
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in run(capsys, "check", ".")[1]


def test_every_check_option_has_help_with_its_default():
    parser = build_parser()
    check = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices["check"]
    options = [a for a in check._actions if not isinstance(a, argparse._HelpAction)]
    assert len(options) >= 28
    for action in options:
        assert action.help and "(default: " in action.help, action.dest


@pytest.mark.parametrize("value", ["0", "-3", "many"])
def test_jobs_must_be_positive(project, capsys, value):
    with pytest.raises(SystemExit) as info:
        main(["check", "--jobs", value, "."])
    assert info.value.code == 2
    assert "argument --jobs/-j: " in capsys.readouterr().err


def test_jobs_default_to_the_number_of_cores(project, capsys):
    (project / "pyproject.toml").write_text("[tool.flake8-lambda-state]\njobs = 0\n")
    assert run(capsys, "check", ".") == (
        2, "", "flake8-lambda-state: error: jobs: must be 1 or more, got 0\n")
    (project / "pyproject.toml").write_text("")
    (project / "setup.cfg").write_text("[flake8]\njobs = auto\n")      # flake8's spelling
    for i in range(8):
        (project / f"h{i}.py").write_text(LEAKY)
    status, out, err = run(capsys, "check", "--verbose", ".")
    assert status == 1 and out.splitlines()[-2] == "18 finding(s) in 9 of 9 file(s) checked"
    assert err == f"checking 9 file(s) with {os.cpu_count()} process(es)\n"


def test_unwritable_outputs_fail_before_the_analysis(project, capsys):
    (project / "folder").mkdir()
    cases = [
        (["--output", "folder"], "--output: folder is a folder; give a file name"),
        (["--write-baseline", "folder"], "--write-baseline: folder is a folder; give a file name"),
        (["--output", "missing/out.txt"], "--output: cannot write missing/out.txt: "
                                          "No such file or directory"),
        (["--write-baseline", "app.py/b.json"], "--write-baseline: cannot write app.py/b.json: "
                                                "Not a directory"),
    ]
    for extra, message in cases:
        status, out, err = run(capsys, "check", *extra, "app.py")
        assert (status, out, err) == (2, "", f"flake8-lambda-state: error: {message}\n")
    assert sorted(os.listdir(project)) == ["app.py", "folder", "pyproject.toml"]


def test_skipped_files_are_counted_and_an_all_skipped_run_exits_2(project, capsys):
    (project / "app.py").write_text("def handler(event, context):\n    return (\n")
    status, out, err = run(capsys, "check", ".")
    assert status == 2
    assert out == "0 finding(s) in 0 of 1 file(s) checked, 1 skipped\n"
    assert err.splitlines() == [
        "./app.py: skipped: does not parse: SyntaxError: '(' was never closed (app.py, line 2)",
        "flake8-lambda-state: error: every file was skipped (1); nothing was analysed"]
    (project / "ok.py").write_text("def handler(event, context):\n    return 1\n")
    status, out, err = run(capsys, "check", ".")
    assert status == 0 and out == "0 finding(s) in 0 of 2 file(s) checked, 1 skipped\n"
    assert run(capsys, "check", "--exit-zero", "app.py")[0] == 2


def test_syntax_newer_than_the_running_python_says_so(project, capsys):
    (project / "app.py").write_text("type Number = int\n\n\ndef handler(event, context):\n"
                                    "    return 1\n")
    if sys.version_info >= (3, 12):
        pytest.skip("this Python parses PEP 695 type aliases")
    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    status, _, err = run(capsys, "check", "app.py")
    assert status == 2
    assert err.splitlines()[0] == (
        f"app.py: skipped: uses syntax newer than Python {running}, the Python running "
        f"flake8-lambda-state (invalid syntax, line 1); the code targets a newer Python: run "
        f"the check under that version")


def test_no_files_is_not_an_error(project, capsys):
    (project / "node_modules").mkdir()
    (project / "node_modules" / "x.py").write_text(LEAKY)
    assert run(capsys, "check", "node_modules") == (
        0, "0 finding(s) in 0 of 0 file(s) checked\n",
        "flake8-lambda-state: no Python files to check (1 excluded; --verbose lists them)\n")
    status, out, err = run(capsys, "check", "--verbose", "node_modules")
    assert err.splitlines()[0] == f"excluded: node_modules (inside {project}/node_modules: node_modules)"
    assert run(capsys, "check", "--no-default-excludes", "node_modules")[0] == 1


def feed_stdin(monkeypatch, data: bytes):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))


def test_stdin_with_a_file_name(project, capsys, monkeypatch):
    feed_stdin(monkeypatch, LEAKY.encode())
    status, out, _ = run(capsys, "check", "--select", "LAM2", "--stdin-filename", "src/app.py", "-")
    assert status == 1
    assert out.splitlines() == [LAM201.replace("./app.py", "src/app.py"),
                                "1 finding(s) in 1 of 1 file(s) checked",
                                "1 fixable with `flake8-lambda-state fix`"]
    feed_stdin(monkeypatch, LEAKY.encode())
    assert run(capsys, "check", "-q", "-")[1].splitlines()[0].startswith("stdin:7:5: LAM201 ")
    # the file name decides what a file is: test files hold no handlers
    feed_stdin(monkeypatch, LEAKY.encode())
    assert run(capsys, "check", "--stdin-filename", "tests/test_app.py", "-")[0] == 0
    feed_stdin(monkeypatch, b"# -*- coding: latin-1 -*-\n" + LEAKY.encode() + b"# \xe9\n")
    assert run(capsys, "check", "-q", "-")[0] == 1
    feed_stdin(monkeypatch, b"x = '\xff'\n")
    status, _, err = run(capsys, "check", "-")
    assert status == 2 and err.startswith("flake8-lambda-state: error: standard input is not UTF-8")


def test_per_file_ignores_from_every_source(project, capsys):
    (project / "tests_like").mkdir()
    (project / "tests_like" / "app.py").write_text(LEAKY)

    def codes():
        out = run(capsys, "check", "-q", ".")[1]
        return sorted(line.split(":")[0] + " " + line.split()[1] for line in out.splitlines())
    everything = ["./app.py LAM201", "./app.py LAM301", "./tests_like/app.py LAM201",
                  "./tests_like/app.py LAM301"]
    assert codes() == everything
    (project / "pyproject.toml").write_text(
        '[tool.flake8-lambda-state]\nper-file-ignores = {"tests_like/*" = ["LAM2"], '
        '"./app.py" = "LAM301"}\n')
    assert codes() == ["./app.py LAM201", "./tests_like/app.py LAM301"]
    (project / "pyproject.toml").write_text(          # a bare file name matches in every folder
        '[tool.flake8-lambda-state]\nper-file-ignores = {"app.py" = "LAM301"}\n')
    assert codes() == ["./app.py LAM201", "./tests_like/app.py LAM201"]
    (project / "pyproject.toml").write_text(
        '[tool.flake8-lambda-state]\nper-file-ignores = "tests_like/*:LAM201,LAM301"\n')
    assert codes() == ["./app.py LAM201", "./app.py LAM301"]
    (project / "pyproject.toml").write_text("")
    (project / "setup.cfg").write_text("[flake8]\nper-file-ignores =\n    ./app.py: LAM3\n")
    assert codes() == ["./app.py LAM201", "./tests_like/app.py LAM201", "./tests_like/app.py LAM301"]
    assert run(capsys, "check", "-q", "--per-file-ignores", "*.py:LAM", ".")[0] == 0
    (project / "setup.cfg").write_text("[flake8]\nper-file-ignores = app.py\n")
    status, _, err = run(capsys, "check", ".")
    assert status == 2 and "'per-file-ignores': expected 'GLOB:CODES' entries" in err


def test_non_utf8_file_names_do_not_crash_any_format(project, capsys):
    name = os.fsdecode(b"caf\xe9.py")
    (project / name).write_text(LEAKY)
    shown = {"text": "caf\\xe9.py:7:5: LAM201", "json": '"path": "caf\\\\xe9.py"',
             "sarif": '"uri": "caf%E9.py"', "github": "::error file=caf\\xe9.py,line=7,",
             "gitlab": '"path": "caf\\\\xe9.py"'}
    for fmt, expected in shown.items():
        status, out, _ = run(capsys, "check", "--format", fmt, name)
        assert status == 1 and expected in out, (fmt, out)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_named_py_never_blocks(project):
    os.mkfifo(project / "pipe.py")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    for args in (["."], ["pipe.py", "app.py"]):
        proc = subprocess.run([sys.executable, "-m", "flake8_lambda_state", "check", *args],
                              cwd=project, capture_output=True, text=True, timeout=120, env=env)
        assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr == "pipe.py: skipped: not a regular file\n"


def test_progress_bar_only_on_a_terminal(project, capsys):
    class Terminal(io.StringIO):
        def isatty(self):
            return True
    assert progress_bar(100, quiet=False, stream=io.StringIO()) is None
    assert progress_bar(100, quiet=True, stream=Terminal()) is None
    terminal = Terminal()
    bar = progress_bar(100, quiet=False, stream=terminal, delay=0)
    bar.update(40)
    bar.refresh()
    bar.close()
    assert "checking:  40%" in terminal.getvalue() and "40/100" in terminal.getvalue()
    for i in range(10):
        (project / f"h{i}.py").write_text(LEAKY)
    status, _, err = run(capsys, "check", "--jobs", "1", ".")
    assert status == 1 and err == ""     # captured stderr is not a terminal: no bar


def test_progress_bar_on_a_real_terminal(project):
    pty = pytest.importorskip("pty")
    for i in range(10):
        (project / f"h{i}.py").write_text(LEAKY)
    code = ("import sys, flake8_lambda_state.cli as c; c.PROGRESS_DELAY = 0; "
            "sys.exit(c.main(['check', '--jobs', '1', '-o', 'report.txt', '.']))")
    import fcntl
    import struct
    import termios
    main_fd, child_fd = pty.openpty()
    fcntl.ioctl(child_fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    proc = subprocess.run([sys.executable, "-c", code], cwd=project, stderr=child_fd,
                          stdout=subprocess.DEVNULL, timeout=120, env=env)
    os.close(child_fd)
    seen = b""
    while True:
        try:
            chunk = os.read(main_fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.close(main_fd)
    assert proc.returncode == 1
    assert b"checking: " in seen and b"/11 [" in seen


def test_interrupts_and_our_own_bugs_are_one_line(project, capsys, monkeypatch):
    from flake8_lambda_state import cli

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    def broken(*args, **kwargs):
        raise RuntimeError("boom")
    monkeypatch.setattr(cli, "discover", interrupted)
    assert run(capsys, "check", ".") == (130, "", "flake8-lambda-state: interrupted\n")
    monkeypatch.setattr(cli, "discover", broken)
    assert run(capsys, "check", ".") == (
        2, "", "flake8-lambda-state: internal error (RuntimeError: boom); please report it\n")


def test_other_plugins_codes_in_the_flake8_section_are_left_to_them(project, capsys):
    """A shared [flake8] section names codes of pycodestyle and friends; check
    keeps only those that can name ours (a real project's .flake8 did this)."""
    (project / ".flake8").write_text("[flake8]\nselect = E,F,W\n"
                                     "ignore = E203, W503, BLK100, LAM304\n"
                                     "extend-ignore = A003\n")
    status, out, _err = run(capsys, "check", "app.py")
    assert status == 1 and [line.split()[1] for line in out.splitlines()[:2]] == ["LAM201",
                                                                                  "LAM301"]
    (project / ".flake8").write_text("[flake8]\nselect = E,LAM3\n")
    status, out, _err = run(capsys, "check", "app.py")
    assert status == 1 and out.splitlines()[0].split()[1] == "LAM301"
    assert out.splitlines()[1].startswith("1 finding(s)")
    status, out, err = run(capsys, "check", "--ignore", "E203", "app.py")
    assert (status, err) == (2, "flake8-lambda-state: error: --ignore: unknown code 'E203'\n")
