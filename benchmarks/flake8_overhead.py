"""Measure what the plugin adds to a flake8 run, side by side in one run.

    python benchmarks/flake8_overhead.py [PATH] [--repeat N] [--limit N]

PATH defaults to this interpreter's standard library. Runs flake8 (serial)
over the same files with and without the LAM plugin, alternating, and prints
the median CPU times (user + system of the flake8 process) and their ratio.
A second line times the plugin's own stages in-process on the files that
pass its prefilter. With --callgrind, each run is counted in instructions by
valgrind instead: slow, but the same count every time on a noisy machine.

By default the plugin's cache is off, so every run analyses every file. With
--warm, a cache folder is filled by one untimed run first: what a re-run on
unchanged files costs (pre-commit, editors, CI with the folder restored).

Without the plugin means: flake8 started with its plugin finder patched to
skip this distribution (the only way to hide an installed plugin)."""
import argparse
import ast
import os
import re
import resource
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time

FLAKE8_ARGS = ["--isolated", "--jobs=1", "--exit-zero", "--select=E,F,W,C90,LAM",
               "--output-file", os.devnull]
HIDE_PLUGIN = r"""
import sys
import flake8.plugins.finder as finder
def find(*args, **kwargs):
    for plugin in original_find(*args, **kwargs):
        if plugin.package != "flake8-lambda-state":
            yield plugin
original_find = finder._find_importlib_plugins
finder._find_importlib_plugins = find
from flake8.main.cli import main
sys.exit(main(sys.argv[1:]))
"""


def python_files(root, limit):
    files = []
    for folder, dirs, names in os.walk(root):
        skipped = ("test", "tests", "site-packages", "__pycache__", "idlelib")
        dirs[:] = sorted(d for d in dirs if d not in skipped)
        files.extend(os.path.join(folder, n) for n in sorted(names) if n.endswith(".py"))
    return files[:limit] if limit else files


def run_flake8(files, with_plugin, callgrind=False, env=None):
    python = sys.executable   # never a pyenv shim; in a venv, the venv's own python
    cmd = [python, "-m", "flake8"] if with_plugin else [python, "-c", HIDE_PLUGIN]
    if callgrind:
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "callgrind.out")
            proc = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"]
                                  + cmd + FLAKE8_ARGS + files, capture_output=True, text=True,
                                  check=True, env=env)
        match = re.search(r"Collected : (\d+)", proc.stderr)
        return int(match.group(1))
    cmd += FLAKE8_ARGS + files
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, check=True, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # CPU seconds of the flake8 process: far steadier than wall time on a shared machine
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def stage_times(files):
    from flake8_lambda_state.analysis import SkippedFile, build_model
    from flake8_lambda_state.prefilter import may_hold_handler
    from flake8_lambda_state.rules import run_rules
    from flake8_lambda_state.settings import Settings
    settings = Settings()
    t_ast = t_filter = t_model = 0.0
    passed = skipped = findings = 0
    for path in files:
        try:
            with open(path, encoding="utf-8") as fh:
                source = fh.read()
            start = time.perf_counter()
            tree = ast.parse(source)
        except (SyntaxError, UnicodeDecodeError, RecursionError, ValueError):
            continue
        t_ast += time.perf_counter() - start
        start = time.perf_counter()
        ok = may_hold_handler(tree, path, settings)
        t_filter += time.perf_counter() - start
        if not ok:
            continue
        passed += 1
        start = time.perf_counter()
        try:
            findings += len(run_rules(build_model(source, path, settings)))
        except (SkippedFile, RecursionError):
            skipped += 1
        t_model += time.perf_counter() - start
    return t_ast, t_filter, t_model, passed, skipped, findings


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", nargs="?", default=sysconfig.get_paths()["stdlib"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--limit", type=int, default=0, help="first N files only")
    parser.add_argument("--exclude", action="append", default=[], help="skip files ending so")
    parser.add_argument("--callgrind", action="store_true",
                        help="count instructions with valgrind instead of timing (use --limit)")
    parser.add_argument("--warm", action="store_true",
                        help="measure re-runs with the plugin's cache filled by a first run")
    args = parser.parse_args()
    files = [f for f in python_files(args.path, args.limit)
             if not any(f.endswith(e) for e in args.exclude)]
    lines = 0
    for path in files:
        with open(path, "rb") as fh:
            lines += sum(1 for _ in fh)
    print(f"corpus: {args.path}: {len(files)} files, {lines} lines")
    cache = tempfile.TemporaryDirectory()
    env = dict(os.environ, FLAKE8_LAMBDA_STATE_CACHE_DIR=cache.name if args.warm else "off")
    # Both flake8s import compiled modules, as after `pip install` (an editable
    # install under PYTHONDONTWRITEBYTECODE would compile this package each run).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    run_flake8(files, with_plugin=False, env=env)
    run_flake8(files, with_plugin=True, env=env)
    if args.warm:
        print("cache filled by a first run: re-runs on unchanged files")
    if args.callgrind:
        without = run_flake8(files, with_plugin=False, callgrind=True, env=env)
        with_ = run_flake8(files, with_plugin=True, callgrind=True, env=env)
        print(f"instructions without LAM: {without:,}\ninstructions with LAM:    {with_:,}\n"
              f"ratio with/without: {with_ / without:.4f}")
        return
    with_times, without_times = [], []
    for _ in range(args.repeat):
        without_times.append(run_flake8(files, with_plugin=False, env=env))
        with_times.append(run_flake8(files, with_plugin=True, env=env))
    base, plug = statistics.median(without_times), statistics.median(with_times)
    print(f"flake8 without LAM: median CPU {base:.2f}s  {sorted(round(t, 2) for t in without_times)}")
    print(f"flake8 with LAM:    median CPU {plug:.2f}s  {sorted(round(t, 2) for t in with_times)}")
    print(f"ratio with/without: {plug / base:.3f}")
    t_ast, t_filter, t_model, passed, skipped, found = stage_times(files)
    print(f"in-process: ast.parse {t_ast:.2f}s, prefilter {t_filter:.3f}s, "
          f"libcst analysis+rules {t_model:.2f}s on {passed} files that pass the prefilter "
          f"({skipped} skipped as bad input, {found} findings)")


if __name__ == "__main__":
    main()
