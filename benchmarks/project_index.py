"""Cost of the whole-project analysis: the project index alone (no cache,
first run with the cache, second run with it) and flake8 with the plugin on
the project, side by side with flake8 without it, in one run.

    python benchmarks/project_index.py [PROJECT] [--repeat N] [--modules N]

Without PROJECT a synthetic project is generated in a temporary folder
(N modules, default 1,000, each importing three others; every tenth holds a
handler), so the command works from a fresh clone. flake8 runs serially
(`--jobs=1`) with `--select=F,LAM`; CPU is user + system of the flake8
process, memory its peak RSS."""
import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from flake8_overhead import HIDE_PLUGIN  # noqa: E402


def synthetic(folder: str, modules: int) -> str:
    rng = random.Random(1)
    root = os.path.join(folder, "synthetic")
    os.makedirs(os.path.join(root, "pkg"))
    with open(os.path.join(root, "pyproject.toml"), "w", encoding="utf-8") as fh:
        fh.write("[project]\nname = 'synthetic'\n")
    open(os.path.join(root, "pkg", "__init__.py"), "w").close()
    for i in range(modules):
        deps = rng.sample(range(modules), 3)
        lines = ["import json", "", "import boto3", ""] + [f"from pkg import m{d}" for d in deps]
        lines += ["", "CACHE = {}", ""]
        for f in range(5):
            lines += [f"def f{f}(event, x=None):", "    y = json.dumps(event)"]
            lines += [f"    m{d}.f{rng.randrange(5)}(y)" for d in deps[:2]]
            lines += ["    CACHE[y] = boto3.client('s3')" if f == 0 else "    return y", ""]
        if i % 10 == 0:
            lines += ["def lambda_handler(event, context):", "    return f0(event)", ""]
        with open(os.path.join(root, "pkg", f"m{i}.py"), "w", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + "\n")
    return root


def index_times(project: str, cache: str):
    code = ("import os, sys, time\n"
            "from flake8_lambda_state.project import build_index\n"
            "from flake8_lambda_state.settings import Settings\n"
            "t = time.process_time()\n"
            "index = build_index(os.path.abspath(sys.argv[1]), Settings(cache_dir=sys.argv[2]))\n"
            "print(len(index.summaries), len(index.nodes), time.process_time() - t)\n")
    out = []
    for label, cache_dir in (("index, no cache", "off"), ("index, first run with cache", cache),
                             ("index, second run with cache", cache)):
        files, nodes, seconds = subprocess.run(
            [sys.executable, "-c", code, project, cache_dir], capture_output=True, text=True,
            check=True).stdout.split()
        out.append((label, float(seconds), files, nodes))
    return out


def flake8_run(project: str, with_plugin: bool, cache: str):
    env = dict(os.environ, FLAKE8_LAMBDA_STATE_CACHE_DIR=cache)
    args = ["--isolated", "--jobs=1", "--exit-zero", "--select=F,LAM", "--output-file", os.devnull,
            project]
    cmd = [sys.executable, "-m", "flake8", *args] if with_plugin else \
        [sys.executable, "-c", HIDE_PLUGIN, *args]
    proc = subprocess.Popen(cmd, env=env)
    _pid, status, usage = os.wait4(proc.pid, 0)   # this child's own CPU and peak memory
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"flake8 failed ({proc.returncode}): {' '.join(cmd)}")
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", nargs="?")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--modules", type=int, default=1000)
    args = parser.parse_args(argv)
    scratch = tempfile.mkdtemp(prefix="lam-bench-")
    try:
        project = args.project or synthetic(scratch, args.modules)
        cache = os.path.join(scratch, "cache")
        print(f"project: {project}")
        for label, seconds, files, nodes in index_times(project, cache):
            print(f"{label:32s} {seconds:7.2f} s CPU  ({files} modules, {nodes} functions reached)")
        shutil.rmtree(cache, ignore_errors=True)
        rows = {"flake8 without the plugin": [], "with the plugin, no cache": [],
                "with the plugin, cache (warm)": []}
        flake8_run(project, True, cache)           # fills the cache for the warm rows
        for _ in range(args.repeat):              # alternate, so drift hits all rows alike
            rows["flake8 without the plugin"].append(flake8_run(project, False, "off"))
            rows["with the plugin, no cache"].append(flake8_run(project, True, "off"))
            rows["with the plugin, cache (warm)"].append(flake8_run(project, True, cache))
        base = statistics.median(cpu for cpu, _ in rows["flake8 without the plugin"])
        for label, runs in rows.items():
            cpu = statistics.median(c for c, _ in runs)
            print(f"{label:32s} {cpu:7.2f} s CPU  ratio {cpu / base:5.2f}  "
                  f"peak RSS {statistics.median(m for _, m in runs):6.0f} MiB")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
