"""The flake8 contract: entry point, options from the command line and from
config, noqa, --jobs, default-off LAM304, and bad input that must never
abort flake8's run."""
import subprocess
import sys
import textwrap

import pytest

LEAKY = textwrap.dedent('''\
    import boto3
    import requests
    _last = None


    def lambda_handler(event, context):
        global _last
        _last = event["card"]
        s3 = boto3.client("s3")  # noqa: LAM301
        requests.get("https://example.com")
        return s3
''')


def flake8(tmp_path, *args, files=None):
    files = files or {"app.py": LEAKY}
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text)
    proc = subprocess.run(
        [sys.executable, "-m", "flake8", *args, "."], cwd=tmp_path,
        capture_output=True, text=True, timeout=120,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def lam_lines(proc):
    return sorted(line for line in proc.stdout.splitlines() if ": LAM" in line)


def test_reports_with_noqa_and_lam304_off_by_default(tmp_path):
    # flake8's default mode: LAM304 is in the default ignore list, LAM301 is noqa'd
    lines = lam_lines(flake8(tmp_path))
    assert len(lines) == 1 and lines[0].startswith("./app.py:8:5: LAM201 sensitive request data")
    proc = flake8(tmp_path, "--extend-select=LAM304")
    assert sorted(line.split()[1] for line in lam_lines(proc)) == ["LAM201", "LAM304"]
    # an explicit --select=LAM selects every LAM code, LAM304 included
    proc = flake8(tmp_path, "--select=LAM", "--extend-ignore=LAM304")
    assert [line.split()[1] for line in lam_lines(proc)] == ["LAM201"]


def test_options_on_command_line_and_in_config(tmp_path):
    src = LEAKY.replace("def lambda_handler(event, context)", "def entry(payload, ctx_)")
    files = {"app.py": src}
    assert lam_lines(flake8(tmp_path, files=files)) == []
    proc = flake8(tmp_path, "--lambda-handler-names=entry", files=files)
    assert len(lam_lines(proc)) == 1
    files["setup.cfg"] = "[flake8]\nlambda-handlers = app:entry\n"
    assert len(lam_lines(flake8(tmp_path, files=files))) == 1


def test_sensitive_names_option_changes_message(tmp_path):
    proc = flake8(tmp_path, "--lambda-sensitive-names=tenant")
    (line,) = lam_lines(proc)
    assert "sensitive" not in line


def test_jobs_two_matches_jobs_one(tmp_path):
    files = {f"pkg{i}/handler_{i}.py": LEAKY for i in range(6)}
    one = lam_lines(flake8(tmp_path, "--jobs=1", files=files))
    two = lam_lines(flake8(tmp_path, "--jobs=2", files=files))
    assert one == two and len(one) == 6


BAD_INPUTS = {
    "syntax_error.py": "def handler(event, context):\n    return (\n",
    "not_utf8.py": b"def handler(event, context):\n    x = '\xff\xfe'\n",
    "null_bytes.py": b"def handler(event, context):\n    return 1\x00\n",
    "empty.py": "",
    # valid Python that pyflakes handles but libcst's metadata cannot (RecursionError)
    "deep.py": "def handler(event, context):\n    return " + "[" * 150 + "]" * 150 + "\n",
    # longer than the 20,000 lines once skipped: analysed now (test_bad_input.py)
    "long.py": "def handler(event, context):\n    return 1\n" + "# note\n" * 25_000,
    "new_syntax.py": "type Point = tuple[float, float]\n\ndef handler(event, context):\n"
                     "    match event:\n        case {'a': a}:\n            return a\n",
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_never_aborts_flake8(tmp_path, name):
    files = {name: BAD_INPUTS[name], "other.py": "import os\n"}
    proc = flake8(tmp_path, "--select=LAM,F,E999", files=files)
    # flake8's other checks still ran on the other file
    assert "./other.py:1:1: F401" in proc.stdout
    assert "LAM" not in proc.stdout
    assert proc.returncode in (0, 1)


def test_plugin_is_registered():
    from importlib.metadata import entry_points
    eps = entry_points()
    group = eps.select(group="flake8.extension") if hasattr(eps, "select") else eps["flake8.extension"]
    assert any(ep.name == "LAM" and ep.value.startswith("flake8_lambda_state") for ep in group)


def test_test_files_are_skipped_entirely(tmp_path):
    proc = flake8(tmp_path, "--select=LAM", files={"tests/test_app.py": LEAKY, "conftest.py": LEAKY})
    assert lam_lines(proc) == []


def test_bad_regex_option_is_a_clear_error(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "flake8", "--lambda-sensitive-names=(", "."],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "flake8: error: --lambda-sensitive-names: not a valid regex" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("name", ["syntax_error.py", "null_bytes.py", "empty.py"])
def test_bad_input_is_skipped_with_a_reason(name):
    from flake8_lambda_state.analysis import SkippedFile, build_model
    from flake8_lambda_state.settings import Settings
    text = BAD_INPUTS[name]
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    with pytest.raises(SkippedFile) as info:
        build_model(text, name, Settings())
    assert str(info.value)


def test_deep_nesting_is_analysed_even_on_the_default_stack():
    """The analysis walks the tree without recursion (walk.py, scopes.py,
    facts.py): only libcst's parser and codegen recurse."""
    from flake8_lambda_state.analysis import build_model
    from flake8_lambda_state.settings import Settings
    model = build_model(BAD_INPUTS["deep.py"], "deep.py", Settings())
    assert [h.name for h in model.handlers] == ["handler"]


def test_internal_error_is_contained(monkeypatch, capsys):
    import ast
    from argparse import Namespace

    from flake8_lambda_state import plugin
    from flake8_lambda_state.rules import runner

    def broken(model):
        raise ValueError("boom")
        yield  # pragma: no cover

    monkeypatch.setattr(runner, "CHECKS", (broken,))
    options = Namespace(lambda_handler_names=["handler"], lambda_handlers=[],
                        lambda_sensitive_names=None, lambda_client_factories=[])
    results = list(plugin.Plugin(ast.parse(LEAKY), "app.py", LEAKY.splitlines(True), options).run())
    assert results == []
    assert capsys.readouterr().err == ("flake8-lambda-state: app.py: skipped: internal error "
                                       "(ValueError: boom); please report it\n")


def test_pyproject_table_is_read_and_flake8_config_wins(tmp_path):
    src = LEAKY.replace("def lambda_handler(event, context)", "def entry(event, ctx_)")
    files = {"app.py": src, "pyproject.toml": '[tool.flake8-lambda-state]\n'
                                              'lambda-handler-names = ["entry"]\n'
                                              'lambda-sensitive-names = "tenant"\n'}
    (line,) = lam_lines(flake8(tmp_path, files=files))
    assert line.startswith("./app.py:8:5: LAM201 request data (event[\"card\"]) is stored")
    files["setup.cfg"] = "[flake8]\nlambda-handler-names = other\n"
    assert lam_lines(flake8(tmp_path, files=files)) == []              # flake8's config wins
    files["setup.cfg"] = "[flake8]\nlambda-sensitive-names = card\n"
    (line,) = lam_lines(flake8(tmp_path, files=files))
    assert "LAM201 sensitive request data" in line
    assert lam_lines(flake8(tmp_path, "--lambda-handler-names=x", files=files)) == []
    files["pyproject.toml"] = '[tool.flake8-lambda-state]\nlambda-handler-names = 3\n'
    files["setup.cfg"] = ""
    proc = flake8(tmp_path, files=files)
    assert proc.returncode == 2 and proc.stderr.startswith("flake8: error: ")


def test_pyproject_per_file_ignores_apply_unless_flake8_has_its_own(tmp_path):
    files = {"app.py": LEAKY, "lib/app.py": LEAKY,
             "pyproject.toml": '[tool.flake8-lambda-state]\nper-file-ignores = {"lib/*" = "LAM2"}\n'}
    assert [line.split(":")[0] for line in lam_lines(flake8(tmp_path, files=files))] == ["./app.py"]
    files["setup.cfg"] = "[flake8]\nper-file-ignores = app.py:E501\n"
    assert [line.split(":")[0] for line in lam_lines(flake8(tmp_path, files=files))] == [
        "./app.py", "./lib/app.py"]
