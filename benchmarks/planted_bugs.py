"""Plant known bugs into a copy of the package, one at a time, and check
that the test suite notices each (issue 11: a test that cannot fail is a
defect).

    python benchmarks/planted_bugs.py [--tree PATH] [--only NAME] [-- PYTEST ARGS]

Each bug is a one-line edit of the source. The copy is made in a temporary
folder and the suite runs there (subprocess tests too, through PYTHONPATH),
so the working tree is never touched. --tree plants into another checkout
(an older commit's, to see what its suite let through). Prints one line per bug, `caught` or
`MISSED`, and exits 1 when any is missed."""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# name: (file, text as it is, text with the bug)
BUGS = {
    "prefilter ignores every decorator": (
        "flake8_lambda_state/prefilter.py",
        "        for dec in fn.decorator_list:\n",
        "        for dec in ():\n"),
    "prefilter ignores lambda_handler_decorator middleware": (
        "flake8_lambda_state/prefilter.py",
        "                middleware.add(node.name)\n",
        "                pass\n"),
    "more than one finding per code and line": (
        "flake8_lambda_state/rules/runner.py",
        "findings.setdefault((finding.code, finding.line), finding)",
        "findings.setdefault(id(finding), finding)"),
    "LAM103 reported at the parameter, not its default": (
        "flake8_lambda_state/rules/mutable_defaults.py",
        '"LAM103", param.default,',
        '"LAM103", param,'),
    "SARIF end columns shifted": (
        "flake8_lambda_state/report/formats.py",
        '"endColumn": r.end_column}',
        '"endColumn": r.end_column + 1}'),
    "Session().client() not recognised": (
        "flake8_lambda_state/analysis/clients.py",
        "        if isinstance(func, cst.Attribute) and func.attr.value in SESSION_METHODS:\n",
        "        if False:\n"),
    "variable name dropped from the LAM102 message": (
        "flake8_lambda_state/rules/state_leaks.py",
        "module-level '{w.container}' is mutated in place",
        "module-level state is mutated in place"),
    "force_fetch=False reported as LAM303": (
        "flake8_lambda_state/rules/heavy_init.py",
        '(keyword == "force_fetch" and text == "True")',
        '(keyword == "force_fetch")'),
    "clear_state=False taken as clearing the logger": (
        "flake8_lambda_state/rules/logger_keys.py",
        'and isinstance(arg.value, cst.Name) and arg.value.value == "True":',
        "and arg.value is not None:"),
}


def plant(copy: str, name: str):
    path, old, new = BUGS[name]
    full = os.path.join(copy, path)
    with open(full, encoding="utf-8") as fh:
        text = fh.read()
    if text.count(old) != 1:
        raise SystemExit(f"{name}: the text to change is not found once in {path}")
    with open(full, "w", encoding="utf-8") as fh:
        fh.write(text.replace(old, new))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", default=HERE, help="the checkout to copy (default: this one)")
    parser.add_argument("--only", help="plant only the bug whose name holds this text")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    args = parser.parse_args(argv)
    missed = 0
    for name in BUGS:
        if args.only and args.only not in name:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            copy = os.path.join(tmp, "src")
            shutil.copytree(args.tree, copy, ignore=shutil.ignore_patterns(
                ".git", "*.egg-info", "__pycache__", ".lambda-state-cache", "mutants", "build"))
            plant(copy, name)
            env = dict(os.environ, PYTHONPATH=copy, FLAKE8_LAMBDA_STATE_CACHE_DIR="off")
            proc = subprocess.run(
                [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                 *args.pytest_args], cwd=copy, env=env, capture_output=True, text=True)
            failed = [line for line in proc.stdout.splitlines() if line.startswith("FAILED")]
            # -x under pytest-xdist ends as "interrupted" (exit 2) after the first failure
            caught = proc.returncode != 0 and bool(failed)
            missed += not caught
            first = failed[0] if failed else proc.stdout.strip().splitlines()[-1:]
            print(f"{'caught' if caught else 'MISSED'}: {name}: {first}", flush=True)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
