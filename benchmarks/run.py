"""The performance targets of issue 10, measured side by side in one run.

    python benchmarks/run.py [--repo PATH ...] [--quick] [--large] [--repeat N]
                             [--callgrind] [--json FILE] [--pythaw PATH]

Prints one table and writes it as JSON (default benchmarks/results.json):

1. flake8 with the plugin against flake8 without it (CPU of the flake8
   process, median of --repeat alternating runs; with --callgrind, valgrind
   instruction counts) on a standard library subset, on generated
   handler-dense modules and on each --repo, cold (cache off) and warm (cache
   filled by a first run).
2. Per line of a handler file, in process: the analysis (libcst parse, the
   model, the rules; given the `ast` tree, with the collector paused, as the
   engine runs it) against pyflakes on the same `ast` tree (best of --repeat).
3. Linearity: flake8 with the plugin on one generated handler module of 1k
   and 10k lines (and 100k with --large), every helper reachable and most
   unreachable: CPU and peak RSS (VmHWM) of the flake8 process, with the log-log
   exponent of what the plugin adds.
4. `flake8-lambda-state check --jobs 1` against pythaw (the closest peer),
   one process each, cache off: CPU seconds and both finding counts on each
   --repo (the rows say so when pythaw is not installed).
5. `flake8-lambda-state check --jobs 2` and `fix --diff --jobs 2` against
   `--jobs 1` (wall time; CPU seconds in the note) on the generated modules.

The repositories are not bundled: pass them with --repo. The plugin's cache
goes to a temporary folder, never into the measured projects."""
import argparse
import ast
import datetime
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import handler_code  # noqa: E402
from flake8_overhead import FLAKE8_ARGS, HIDE_PLUGIN, python_files, run_flake8  # noqa: E402

# (full, --quick) sizes of the generated inputs
STDLIB_FILES = (100, 8)
DENSE = ((60, 35_000), (4, 800))          # files, lines in all
SIZES = ((1_000, 10_000), (300, 1_000))    # lines of the single-module linearity case
LARGE = 100_000
PER_LINE_LINES = (2_000, 300)
PER_LINE_REPO_FILES = (40, 3)              # handler files of each --repo timed in process


def row(section, case, measure, unit, target, baseline=None, value=None, ratio=None, note=""):
    """One line of the table. `target` is (operator, bound) on `ratio`, or None
    for a row that only informs; `met` is None when nothing was measured."""
    if ratio is None and baseline and value is not None:
        ratio = value / baseline
    met = None
    if target and ratio is not None:
        op, bound = target
        met = ratio <= bound if op == "<=" else ratio >= bound
    return {"section": section, "case": case, "measure": measure, "unit": unit,
            "baseline": baseline, "value": value, "ratio": ratio,
            "target": f"{target[0]} {target[1]}" if target else "", "met": met, "note": note}


def table(rows) -> str:
    head = ("section", "case", "measure", "baseline", "value", "ratio", "target", "met")
    lines = [head]
    for r in rows:
        met = {True: "yes", False: "NO", None: "-"}[r["met"]]
        lines.append((r["section"], r["case"], f"{r['measure']} ({r['unit']})", _num(r["baseline"]),
                      _num(r["value"]), _num(r["ratio"], 2), r["target"],
                      met + (f" ({r['note']})" if r["note"] else "")))
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(cells) + " |" for cells in lines[1:]]
    return "\n".join(out)


def _num(x, digits=None):
    if x is None:
        return ""
    if digits is not None:
        return f"{x:.{digits}f}"
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}"


def child_env(cache):
    env = dict(os.environ, FLAKE8_LAMBDA_STATE_CACHE_DIR=cache)
    env.pop("PYTHONDONTWRITEBYTECODE", None)   # compiled modules, as after `pip install`
    return env


def count_lines(paths):
    total = 0
    for path in paths:
        if os.path.isdir(path):
            total += count_lines(python_files(path, 0))
        else:
            with open(path, "rb") as fh:
                total += sum(1 for _ in fh)
    return total


def overhead_rows(label, targets, cold_target, args, scratch):
    """flake8 with the plugin cold and warm against flake8 without it."""
    cache = tempfile.mkdtemp(dir=scratch)
    cold, warm = child_env("off"), child_env(cache)
    run_flake8(targets, with_plugin=False, env=cold)      # warm-up; fills the cache for `warm`
    run_flake8(targets, with_plugin=True, env=warm)
    if args.callgrind:
        base = run_flake8(targets, False, callgrind=True, env=cold)
        plug = run_flake8(targets, True, callgrind=True, env=cold)
        hot = run_flake8(targets, True, callgrind=True, env=warm)
        unit = "instructions"
    else:
        runs = {"without": [], "cold": [], "warm": []}
        for _ in range(args.repeat):                   # alternate, so drift hits all alike
            runs["without"].append(run_flake8(targets, False, env=cold))
            runs["cold"].append(run_flake8(targets, True, env=cold))
            runs["warm"].append(run_flake8(targets, True, env=warm))
        base, plug, hot = (statistics.median(runs[k]) for k in ("without", "cold", "warm"))
        unit = "s CPU"
    case = f"{label}, {count_lines(targets):,} lines"
    return [row("flake8 with/without plugin", case, "cold, cache off", unit, ("<=", cold_target),
                base, plug),
            row("flake8 with/without plugin", case, "warm, cache filled", unit, ("<=", 1.05),
                base, hot)]


def stdlib_copy(folder, limit):
    """The first `limit` modules of the standard library, copied into a
    project of their own: in place they belong to whatever checkout holds the
    interpreter (with pyenv, the whole ~/.pyenv git tree would be the project
    the plugin indexes)."""
    source = sysconfig.get_paths()["stdlib"]
    for path in python_files(source, limit):
        target = os.path.join(folder, os.path.relpath(path, source))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(path, target)
    with open(os.path.join(folder, "pyproject.toml"), "w", encoding="utf-8") as fh:
        fh.write("[project]\nname = 'stdlib-subset'\n")
    return folder


def handler_files(root, limit, settings):
    from flake8_lambda_state.prefilter import may_hold_handler
    found = []
    for path in python_files(root, 0) if os.path.isdir(root) else [root]:
        try:
            with open(path, encoding="utf-8") as fh:
                if may_hold_handler(ast.parse(fh.read()), path, settings):
                    found.append(path)
        except (SyntaxError, UnicodeDecodeError, ValueError, RecursionError):
            continue
        if len(found) == limit:
            break
    return found


def per_line_row(label, paths, repeat):
    """In process: the analysis of each file (build_model and the rules) and
    pyflakes' checker on the file's `ast` tree, best of `repeat`, per line."""
    from pyflakes.checker import Checker

    from flake8_lambda_state.analysis import SkippedFile, build_model
    from flake8_lambda_state.engine import collector_paused
    from flake8_lambda_state.rules import run_rules
    from flake8_lambda_state.settings import Settings
    settings = Settings(cache_dir="off")
    lines = ours = theirs = 0.0
    skipped = 0
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            source = fh.read()
        tree = ast.parse(source, path)
        best_ours = best_theirs = math.inf
        for _ in range(repeat):
            start = time.process_time()
            try:
                with collector_paused():      # as the engine runs it, on flake8's tree
                    run_rules(build_model(source, path, settings, tree=tree))
            except (SkippedFile, RecursionError):
                best_ours = None
                break
            best_ours = min(best_ours, time.process_time() - start)
            start = time.process_time()
            Checker(tree, filename=path)
            best_theirs = min(best_theirs, time.process_time() - start)
        if best_ours is None:
            skipped += 1
            continue
        lines += source.count("\n") + 1
        ours += best_ours
        theirs += best_theirs
    note = f"{skipped} skipped" if skipped else ""
    if not lines:
        return row("per line, in process", label, "analysis vs pyflakes", "us/line", ("<=", 5.0),
                   note=note or "no handler file")
    return row("per line, in process", f"{label}, {len(paths) - skipped} files, {lines:,.0f} lines",
               "analysis vs pyflakes", "us/line", ("<=", 5.0), theirs / lines * 1e6,
               ours / lines * 1e6, note=note)


def usage(cmd, env, ok=(0,)):
    """CPU seconds and wall seconds of one child process, which must exit
    with a status in `ok`."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL)
    _pid, status, used = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in ok:
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return used.ru_utime + used.ru_stime, wall


# The peak RSS of the flake8 process as the kernel counts it for its own
# memory (VmHWM): ru_maxrss of a child starts at its parent's peak (Linux
# keeps it across fork and exec), and this process has libcst loaded.
PEAK = """import atexit, os
def _peak():
    with open("/proc/self/status") as status, open(os.environ["LAM_BENCH_PEAK"], "w") as out:
        out.write(next(line.split()[1] for line in status if line.startswith("VmHWM:")))
atexit.register(_peak)
"""
WITH_PLUGIN = "import sys\nfrom flake8.main.cli import main\nsys.exit(main(sys.argv[1:]))\n"


def flake8_usage(path, with_plugin, env):
    """CPU seconds, wall seconds and peak RSS (MiB) of flake8 on `path`."""
    python = sys.executable
    with tempfile.NamedTemporaryFile("r") as peak:
        code = PEAK + (WITH_PLUGIN if with_plugin else HIDE_PLUGIN)
        cpu, wall = usage([python, "-c", code] + FLAKE8_ARGS + [path],
                          dict(env, LAM_BENCH_PEAK=peak.name))
        return cpu, wall, int(peak.read()) / 1024


def exponent(sizes, values):
    """Least-squares slope of log(value) on log(size); None without two
    positive points."""
    points = [(math.log(s), math.log(v)) for s, v in zip(sizes, values) if v > 0]
    if len(points) < 2:
        return None
    return statistics.linear_regression(*zip(*points)).slope


def linearity_rows(sizes, args, scratch):
    try:
        from flake8_lambda_state.analysis.model import MAX_LINES
    except ImportError:       # the limit is gone
        MAX_LINES = math.inf
    env = child_env("off")     # no warm-up: the rows before compiled every import
    out = []
    for reachable in (True, False):
        kind = "all reachable" if reachable else "mostly unreachable"
        added_cpu, added_rss, last = [], [], ""
        for size in sizes:
            folder = handler_code.project(tempfile.mkdtemp(dir=scratch), 0, 0)
            path = os.path.join(folder, "handlers", f"module_{size}.py")
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(handler_code.module(size, reachable))
            base, plug = [], []
            for _ in range(args.repeat):
                base.append(flake8_usage(path, False, env))
                plug.append(flake8_usage(path, True, env))
            b_cpu, b_rss = (statistics.median(r[i] for r in base) for i in (0, 2))
            p_cpu, p_rss = (statistics.median(r[i] for r in plug) for i in (0, 2))
            note = f"over the {MAX_LINES:,}-line limit: skipped" if size > MAX_LINES else ""
            last = note and f"{size:,} lines {note}"
            case = f"one module, {size:,} lines, {kind}"
            out.append(row("linearity", case, "flake8 CPU with/without", "s CPU", None,
                           b_cpu, p_cpu, note=note))
            out.append(row("linearity", case, "peak RSS with/without", "MiB",
                           ("<=", 2.0) if size == sizes[-1] else None, b_rss, p_rss, note=note))
            added_cpu.append(p_cpu - b_cpu)
            added_rss.append(p_rss - b_rss)
        analysed = [n for n, size in enumerate(sizes) if size <= MAX_LINES]
        span = f"{sizes[0]:,} to {sizes[analysed[-1]]:,} lines, {kind}" if analysed else kind
        for measure, added in (("plugin CPU", added_cpu), ("plugin peak RSS", added_rss)):
            slope = exponent([sizes[n] for n in analysed], [added[n] for n in analysed])
            out.append(row("linearity", span, f"log-log exponent of {measure}", "with - without",
                           ("<=", 1.1), ratio=slope,
                           note=last or ("" if slope is not None else "no growth to fit")))
    for r in out:
        if "over the" in r["note"] and r["target"]:
            r["met"] = False      # a skipped size is not linear behaviour
    return out


def jobs_rows(folder, args):
    """`check` and `fix --diff` with --jobs 2 against --jobs 1: wall time (the
    target), and the CPU seconds of each in the note (the parallel part does
    no extra work)."""
    env = child_env("off")
    tool = [sys.executable, "-m", "flake8_lambda_state"]
    commands = (("check --jobs", tool + ["check", "--exit-zero", "--quiet", "--output", os.devnull]),
                ("fix --jobs", tool + ["fix", "--diff", "--quiet"]))
    ok = (0, 1)      # fix --diff exits 1 when it shows a change
    out = []
    for section, cmd in commands:
        one, two = [], []
        for _ in range(args.repeat):
            one.append(usage(cmd + ["--jobs", "1", folder], env, ok))
            two.append(usage(cmd + ["--jobs", "2", folder], env, ok))
        cpu1, a = (statistics.median(r[i] for r in one) for i in (0, 1))
        cpu2, b = (statistics.median(r[i] for r in two) for i in (0, 1))
        out.append(row(section, f"generated, {count_lines([folder]):,} lines", "--jobs 1 / --jobs 2",
                       "s wall", (">=", 1.8), a, b, ratio=a / b,
                       note=f"{os.cpu_count()} cores; CPU {cpu1:.1f} s / {cpu2:.1f} s"))
    return out


def findings_of(cmd, env, count) -> tuple:
    """CPU seconds of `cmd` and the number of findings `count` reads in the
    JSON report it prints: 0 for pythaw's "All checks passed!" (it prints no
    JSON when it finds nothing), None for any other output."""
    with tempfile.TemporaryFile("w+", encoding="utf-8") as report:
        proc = subprocess.Popen(cmd, env=env, stdout=report, stderr=subprocess.DEVNULL)
        _pid, _status, used = os.wait4(proc.pid, 0)
        report.seek(0)
        text = report.read()
    try:
        found = count(json.loads(text))
    except (ValueError, KeyError, TypeError):
        found = 0 if text.strip() == "All checks passed!" else None
    return used.ru_utime + used.ru_stime, found


def pythaw_rows(repos, pythaw, args, scratch):
    """`flake8-lambda-state check --jobs 1` against pythaw, the closest peer
    (heavy initialisation inside handlers), on each --repo: CPU seconds of each
    process (one each, cache off), median of --repeat alternating runs, and
    how many findings each reports. Both run from an empty folder, so that
    neither reads a configuration of this checkout."""
    measure = "check --jobs 1 / pythaw"
    names = [os.path.basename(os.path.normpath(repo)) for repo in repos]
    if not pythaw:
        return [row("check vs pythaw", name, measure, "s CPU", ("<=", 1.0),
                    note="pythaw not installed (pip install pythaw, or --pythaw PATH)")
                for name in names]
    env = child_env("off")
    empty = tempfile.mkdtemp(dir=scratch)
    out = []
    previous = os.getcwd()
    os.chdir(empty)
    try:
        for name, repo in zip(names, repos):
            repo = os.path.abspath(repo)
            ours_cmd = [sys.executable, "-m", "flake8_lambda_state", "check", "--jobs", "1",
                        "--exit-zero", "--format", "json", repo]
            theirs_cmd = [pythaw, "check", "--exit-zero", "--format", "json", repo]
            ours, theirs = [], []
            for _ in range(args.repeat):         # alternate, so drift hits both alike
                ours.append(findings_of(ours_cmd, env, lambda report: len(report["findings"])))
                theirs.append(findings_of(theirs_cmd, env, len))
            out.append(row("check vs pythaw", name, measure, "s CPU", ("<=", 1.0),
                           statistics.median(t for t, _ in theirs),
                           statistics.median(t for t, _ in ours),
                           note=f"findings {ours[0][1]} / pythaw {theirs[0][1]}"))
    finally:
        os.chdir(previous)
    return out


SECTIONS = ("overhead", "per-line", "linearity", "pythaw", "jobs")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", action="append", default=[], metavar="PATH",
                        help="a real repository to measure (repeatable)")
    parser.add_argument("--quick", action="store_true", help="small inputs, one repeat")
    parser.add_argument("--large", action="store_true",
                        help=f"add the {LARGE:,}-line module to the linearity case (minutes)")
    parser.add_argument("--repeat", type=int, help="runs per measure (default 3, --quick 1)")
    parser.add_argument("--callgrind", action="store_true",
                        help="flake8 with/without rows in valgrind instructions (slow)")
    parser.add_argument("--json", default=os.path.join(HERE, "results.json"), metavar="FILE")
    parser.add_argument("--pythaw", default=shutil.which("pythaw"), metavar="PATH",
                        help="the pythaw command to compare with on each --repo "
                             "(default: pythaw on PATH; without it the rows say so)")
    parser.add_argument("--only", action="append", choices=SECTIONS, metavar="SECTION",
                        help=f"run only these sections (repeatable: {', '.join(SECTIONS)})")
    args = parser.parse_args(argv)
    wanted = set(args.only or SECTIONS)
    q = 1 if args.quick else 0
    args.repeat = args.repeat or (1 if args.quick else 3)
    sizes = list(SIZES[q]) + ([LARGE] if args.large else [])
    scratch = tempfile.mkdtemp(prefix="lam-bench-")
    started = time.time()
    try:
        from flake8_lambda_state.settings import Settings
        settings = Settings(cache_dir="off")
        stdlib = stdlib_copy(os.path.join(scratch, "stdlib"), STDLIB_FILES[q])
        files, total = DENSE[q]
        dense = handler_code.project(os.path.join(scratch, "dense"), files, total)
        single = os.path.join(scratch, "single")
        handler_code.project(single, 0, 0)
        one = os.path.join(single, "handlers", "module.py")
        with open(one, "w", encoding="utf-8") as fh:
            fh.write(handler_code.module(PER_LINE_LINES[q]))
        rows = []

        def add(new):       # each row on standard error as soon as it is measured
            if not new:
                return
            rows.extend(new)
            print("\n".join(table(new).splitlines()[2:]), file=sys.stderr, flush=True)

        if "overhead" in wanted:
            add(overhead_rows(f"stdlib, {STDLIB_FILES[q]} files", [stdlib], 1.05, args, scratch))
            add(overhead_rows(f"generated, {files} files", [dense], 2.0, args, scratch))
            for repo in args.repo:
                add(overhead_rows(os.path.basename(os.path.normpath(repo)), [repo], 1.15, args,
                                  scratch))
        if "per-line" in wanted:
            add([per_line_row("generated module", [one], args.repeat)])
            for repo in args.repo:
                add([per_line_row(os.path.basename(os.path.normpath(repo)),
                                  handler_files(repo, PER_LINE_REPO_FILES[q], settings),
                                  args.repeat)])
        if "linearity" in wanted:
            add(linearity_rows(sizes, args, scratch))
        if "pythaw" in wanted:
            add(pythaw_rows(args.repo, args.pythaw, args, scratch))
        if "jobs" in wanted:
            add(jobs_rows(dense, args))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(table(rows))
    result = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="minutes"),
              "command": " ".join(["python", "benchmarks/run.py"] + (argv or sys.argv[1:])),
              "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
              "python": platform.python_version(), "seconds": round(time.time() - started),
              "rows": rows}
    with open(args.json, "w", encoding="utf-8") as fh:
        json.dump(result, fh, indent=1)
        fh.write("\n")
    met = sum(r["met"] is True for r in rows)
    print(f"\n{met} of {sum(r['met'] is not None for r in rows)} targets met; "
          f"{result['seconds']} s; written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
