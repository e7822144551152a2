"""The `flake8-lambda-state` command: `check` (the plugin's findings without
flake8, as text, JSON, SARIF, GitHub annotations or GitLab Code Quality),
`rules` and `explain`.

Exit status: 0 no findings, 1 findings, 2 usage or configuration error, an
output that cannot be written, or every file skipped."""
import argparse
import os
import sys
import tokenize
from typing import Dict, List, Optional

from flake8.defaults import NOQA_FILE
from flake8.violation import Violation

from . import __version__
from .baseline import key_of, read_baseline, write_baseline
from .config import load_config
from .discovery import discover
from .engine import lint_source, read_source, undecodable_reason
from .pool import chunk_size, frozen_heap, process_pool
from .project import forget_indexes, prepare_projects, set_fallback_roots
from .project.root import clear_root_cache
from .report import FORMATS, MACHINE_FORMATS, Record, Style, Summary
from .report.formats import (fix_record, fixable_lines, help_uri, shown, statistics_lines,
                             summary_line)
from .rules.catalog import DEFAULT_OFF, RULES, terminal_rule
from .settings import (DEFAULT_HANDLER_NAMES, DEFAULT_SENSITIVE_NAMES, SettingsError,
                       build_settings, parse_per_file_ignores, per_file_ignored,
                       split_list)
from .templates import clear_caches

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
PARALLEL_FROM = 8          # fewer files than this are checked in this process
PROGRESS_DELAY = 1.0       # seconds before a progress bar appears (short runs stay quiet)
CHECK_EPILOG = """\
These options can also be set in [tool.flake8-lambda-state] of pyproject.toml
or in [flake8] of setup.cfg/tox.ini/.flake8, without the leading dashes:
format, select, extend-select, ignore, extend-ignore, per-file-ignores,
exclude, extend-exclude, jobs, baseline and the analysis options (e.g.
`baseline = ".lambda-state-baseline.json"`, `per-file-ignores = {"tests/*" =
["LAM1"]}`). The command line wins over pyproject.toml, which wins over the
flake8 files.

Exit status: 0 no findings (or --exit-zero), 1 findings, 2 usage or
configuration error, an output that cannot be written, or every file skipped."""


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {number}")
    return number


def _add_analysis_options(parser):
    group = parser.add_argument_group("analysis (the flake8 plugin's options)")
    group.add_argument("--lambda-handler-names", metavar="PATTERNS",
                       help="glob patterns of handler names, for module-level functions with "
                            f"two positional parameters (default: {','.join(DEFAULT_HANDLER_NAMES)})")
    group.add_argument("--lambda-handlers", metavar="MODULE:FUNCTION,...",
                       help="explicit handlers, e.g. app.api:main (default: none)")
    group.add_argument("--lambda-sensitive-names", metavar="REGEX",
                       help="regex matched against whole words of keys and names to call "
                            f"request data sensitive (default: {DEFAULT_SENSITIVE_NAMES})")
    group.add_argument("--lambda-client-factories", metavar="NAMES",
                       help="extra qualified names of client factories for LAM301, e.g. "
                            "mylib.db.connect (default: none)")
    group.add_argument("--lambda-templates", metavar="PATHS",
                       help="SAM/CloudFormation/Serverless templates declaring handlers "
                            "(default: found by walking up from each file)")
    group.add_argument("--lambda-cache-dir", metavar="DIR",
                       help="folder of the cache (project summaries, per-file results); 'off' turns it off "
                            "(default: .lambda-state-cache in the project root, or "
                            "$FLAKE8_LAMBDA_STATE_CACHE_DIR)")
    group.add_argument("--lambda-snapstart", metavar="MODULE:FUNCTION,...|all",
                       help="functions that run with SnapStart, for LAM501/LAM502 (default: "
                            "those templates, CDK snap_start= or a snapshot_restore_py import "
                            "declare)")
    group.add_argument("--lambda-managed-instances", metavar="MODULE:FUNCTION,...|all",
                       help="functions that run on Lambda Managed Instances, for LAM503 "
                            "(default: those a template gives a capacity provider)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="flake8-lambda-state",
        description="Find state that leaks between AWS Lambda invocations and work redone on "
                    "every warm invocation.",
        epilog="Exit status: 0 no findings, 1 findings, 2 usage or configuration error.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser(
        "check", help="report findings (exit 1 when there are any)",
        description="Report the findings of the flake8 plugin without flake8.",
        epilog=CHECK_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    check.add_argument("paths", nargs="*", metavar="PATH",
                       help="files and folders to check; - reads one file from standard input "
                            "(default: .)")
    out = check.add_argument_group("output")
    out.add_argument("--format", "--output-format", dest="format", choices=sorted(FORMATS),
                     help="report format: text (flake8's layout), json, sarif (SARIF 2.1.0), "
                          "github (workflow annotations), gitlab (Code Quality) "
                          "(default: text)")
    out.add_argument("--output", "-o", metavar="FILE",
                     help="write the report to FILE (default: standard output)")
    out.add_argument("--show-source", action="store_true",
                     help="show each finding's line with a caret under it (default: off)")
    out.add_argument("--statistics", action="store_true",
                     help="count the findings per code after the report (default: off)")
    out.add_argument("--count", action="store_true",
                     help="print the number of findings last (default: off)")
    out.add_argument("--color", choices=("auto", "always", "never"),
                     help="colour the text report; auto colours it on a terminal unless "
                          "NO_COLOR is set (default: auto)")
    out.add_argument("--quiet", "-q", action="store_true",
                     help="print the findings and warnings only: no summary line, no "
                          "progress bar (default: off)")
    out.add_argument("--verbose", "-v", action="store_true",
                     help="also say which folders and files were excluded and why "
                          "(default: off)")
    out.add_argument("--exit-zero", action="store_true",
                     help="exit 0 even when there are findings; errors still exit 2 "
                          "(default: off)")
    sel = check.add_argument_group("selection")
    sel.add_argument("--select", metavar="CODES",
                     help="only these codes or prefixes (default: every code that is on by "
                          f"default, all but {','.join(DEFAULT_OFF)})")
    sel.add_argument("--extend-select", metavar="CODES",
                     help="add codes to the selection, e.g. LAM304 (default: none)")
    sel.add_argument("--ignore", metavar="CODES",
                     help="leave out these codes or prefixes (default: none)")
    sel.add_argument("--extend-ignore", metavar="CODES",
                     help="leave out these codes too (default: none)")
    sel.add_argument("--per-file-ignores", metavar="GLOB:CODES",
                     help="codes to leave out in matching files, as flake8 writes it: "
                          "'tests/*:LAM101,LAM102 scripts/*.py:LAM3' (default: none)")
    sel.add_argument("--disable-noqa", action="store_true",
                     help="report findings on lines with `# noqa` too, as flake8's option "
                          "(default: off)")
    files = check.add_argument_group("files")
    files.add_argument("--exclude", metavar="GLOBS",
                       help="file or folder globs to skip (default: none)")
    files.add_argument("--extend-exclude", metavar="GLOBS",
                       help="more globs to skip (default: none)")
    files.add_argument("--no-default-excludes", action="store_true",
                       help="also check vendored and generated trees: virtual environments, "
                            "site-packages, pip --target packages and layer python/ folders, "
                            ".aws-sam, cdk.out, .serverless, node_modules, setuptools build "
                            "output (default: they are skipped)")
    files.add_argument("--stdin-filename", metavar="NAME",
                       help="the file name that standard input (PATH -) stands for, used in "
                            "the report, for templates, per-file-ignores and baselines "
                            "(default: stdin)")
    files.add_argument("--jobs", "-j", type=_positive_int, metavar="N",
                       help=f"parallel processes; runs of fewer than {PARALLEL_FROM} files use "
                            f"one (default: the number of cores, {os.cpu_count() or 1} here)")
    base = check.add_argument_group("baseline")
    base.add_argument("--baseline", metavar="FILE",
                      help="report only findings that are not in FILE, and say how many it "
                           "suppressed (default: none)")
    base.add_argument("--no-baseline", action="store_true",
                      help="ignore the baseline set in the configuration (default: off)")
    base.add_argument("--write-baseline", metavar="FILE",
                      help="record today's findings in FILE instead of reporting them, and "
                           "exit 0 (default: none)")
    _add_analysis_options(check)
    check.set_defaults(func=run_check)

    fix = commands.add_parser(
        "fix", help="apply the safe autofixes (--diff shows them and writes nothing)",
        description="Apply the fixes of the findings that can be fixed safely. A file is "
                    "rewritten only when the result compiles, every line no fix touched is "
                    "unchanged, no finding is added, and fixing it again changes nothing; "
                    "it is replaced atomically.",
        epilog="Exit status: 0 done (or, with --diff, nothing to change), 1 with --diff when "
               "a file would change, 2 usage or configuration error or every file skipped.")
    fix.add_argument("paths", nargs="*", metavar="PATH", help="files and folders (default: .)")
    fix.add_argument("--diff", action="store_true",
                     help="print a unified diff of the fixes and write nothing (default: off)")
    fix.add_argument("--unsafe-fixes", action="store_true",
                     help="also apply fixes that can change behaviour, such as LAM304's "
                          "shared session (default: off)")
    fix.add_argument("--select", metavar="CODES",
                     help="fix only these codes or prefixes (default: every code on by default)")
    fix.add_argument("--extend-select", metavar="CODES",
                     help="add codes to the selection, e.g. LAM304 (default: none)")
    fix.add_argument("--ignore", metavar="CODES", help="do not fix these codes (default: none)")
    fix.add_argument("--extend-ignore", metavar="CODES", help="leave out these too (default: none)")
    fix.add_argument("--exclude", metavar="GLOBS", help="file or folder globs to skip (default: none)")
    fix.add_argument("--extend-exclude", metavar="GLOBS", help="more globs to skip (default: none)")
    fix.add_argument("--jobs", "-j", type=_positive_int, metavar="N",
                     help=f"parallel processes (default: the number of cores, {os.cpu_count() or 1} "
                          f"here)")
    fix.add_argument("--quiet", "-q", action="store_true",
                     help="print only what was refused and errors (default: off)")
    _add_analysis_options(fix)
    fix.set_defaults(func=run_fix)

    handlers = commands.add_parser(
        "handlers", help="list the handlers found, how each was found and the files it reaches")
    handlers.add_argument("paths", nargs="*", default=["."], metavar="PATH")
    _add_analysis_options(handlers)
    handlers.set_defaults(func=run_handlers)

    rules = commands.add_parser("rules", help="list every code")
    rules.set_defaults(func=run_rules)
    explain = commands.add_parser("explain", help="print a rule's documentation")
    explain.add_argument("code", help="a code such as LAM201")
    explain.set_defaults(func=run_explain)
    return parser


def _pick(args, config, name, default=None):
    value = getattr(args, name.replace("-", "_"), None)
    if value is not None and value is not False:
        return value
    return config.get(name, default)


def _codes(value) -> List[str]:
    return [code.upper() for code in split_list(value)]


def selected_codes(args, config) -> List[str]:
    def expand(prefixes, option):
        out = []
        for prefix in prefixes:
            matched = [code for code in RULES if code.startswith(prefix)]
            if not matched:
                raise SettingsError(f"--{option}: unknown code {prefix!r}")
            out += matched
        return out
    select = _codes(_pick(args, config, "select"))
    enabled = expand(select, "select") if select else [c for c in RULES if c not in DEFAULT_OFF]
    enabled += expand(_codes(_pick(args, config, "extend-select")), "extend-select")
    ignored = set(expand(_codes(_pick(args, config, "ignore")), "ignore"))
    ignored |= set(expand(_codes(_pick(args, config, "extend-ignore")), "extend-ignore"))
    return [code for code in RULES if code in enabled and code not in ignored]


def _suppressed(finding, path: str, lines: List[str]) -> bool:
    """flake8's own `# noqa` / `# noqa: LAM301` logic, on the finding's line."""
    physical = lines[finding.line - 1] + "\n" if 0 < finding.line <= len(lines) else ""
    violation = Violation(finding.code, path, finding.line, finding.col + 1, finding.message,
                          physical)
    return violation.is_inline_ignored(disable_noqa=False)


def decode_stdin(data: bytes) -> str:
    """Standard input's bytes as text, honouring a PEP 263 cookie as files do."""
    import io
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return data.decode(encoding)


def _check_one(job):
    path, source, settings, codes, honour_noqa, changes = job
    if source is None:
        try:
            source = read_source(path)
        except (UnicodeDecodeError, SyntaxError) as exc:
            return path, [], undecodable_reason(exc)
        except OSError as exc:
            return path, [], f"cannot read: {exc.strerror or exc}"
    lines = source.splitlines()
    if honour_noqa and any(NOQA_FILE.match(line) for line in lines):
        return path, [], None   # `# flake8: noqa` skips the file, as in flake8
    try:
        result = lint_source(source, path, settings, codes=codes, fixes=True, keep_model=changes)
    except Exception as exc:  # contain our own bugs: one file, not the whole run
        return path, [], f"internal error ({type(exc).__name__}: {exc}); please report it"
    records = []
    for f in result.findings:
        if honour_noqa and _suppressed(f, path, lines):
            continue
        key = key_of(path, f, lines)
        source_line = lines[f.line - 1] if 0 < f.line <= len(lines) else ""
        fix = f.fix
        records.append((Record(path, f.line, f.col + 1, f.end_line, f.end_col + 1, f.code,
                               f.message, f.handler, f.call_path, fix is not None and fix.safe,
                               fingerprint=key[3], source=source_line,
                               fix=None if fix is None else fix_record(result.model, fix, changes)),
                        key))
    return path, records, result.skipped


def ensure_writable(option: str, path: str):
    """Fail before the analysis, not after it, when `path` cannot be written."""
    if os.path.isdir(path):
        raise SettingsError(f"{option}: {path} is a folder; give a file name")
    existed = os.path.exists(path)
    try:
        with open(path, "a", encoding="utf-8"):
            pass
    except OSError as exc:
        raise SettingsError(f"{option}: cannot write {path}: {exc.strerror or exc}") from None
    if not existed:
        try:
            os.remove(path)
        except OSError:
            pass


def progress_bar(total: int, quiet: bool, stream=None, delay: Optional[float] = None):
    """A tqdm bar on standard error when it is a terminal; None when it is
    not, with --quiet, or for a single file."""
    stream = stream if stream is not None else sys.stderr
    isatty = getattr(stream, "isatty", None)
    if quiet or total < 2 or not (isatty and isatty()):
        return None
    from tqdm import tqdm
    return tqdm(total=total, file=stream, unit="file", desc="checking",
                delay=PROGRESS_DELAY if delay is None else delay,
                leave=False, dynamic_ncols=True)


def _analyse(work, jobs, bar):
    if jobs > 1 and len(work) >= PARALLEL_FROM:
        with process_pool(min(jobs, len(work))) as pool:
            for outcome in pool.map(_check_one, work, chunksize=chunk_size(len(work), jobs)):
                if bar is not None:
                    bar.update(1)
                yield outcome
    else:
        with frozen_heap():
            for job in work:
                outcome = _check_one(job)
                if bar is not None:
                    bar.update(1)
                yield outcome


def _use_color(choice: str, to_stdout: bool) -> bool:
    if choice == "always":
        return True
    if choice == "never" or not to_stdout or os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty()


def _say(*lines):
    for line in lines:
        print(line, file=sys.stderr)


def _settings(args, config):
    return build_settings(
        _pick(args, config, "lambda-handler-names"), _pick(args, config, "lambda-handlers"),
        _pick(args, config, "lambda-sensitive-names"), _pick(args, config, "lambda-client-factories"),
        _pick(args, config, "lambda-templates"), _pick(args, config, "lambda-cache-dir"),
        _pick(args, config, "lambda-snapstart"), _pick(args, config, "lambda-managed-instances"))


def _indexes(paths, settings):
    """The solved index of every project the paths belong to."""
    from .project import contained, project_for
    seen = {}
    for path in paths:
        index = contained(path, lambda: project_for(path, settings))
        if index is not None:
            seen[index.root or path] = index
    return list(seen.values())


def _begin(args):
    """What check and fix start from: fresh caches, the configuration, the
    settings, the selected codes and the number of processes."""
    clear_caches()
    clear_root_cache()
    forget_indexes()
    config = load_config(".")
    settings = _settings(args, config)
    codes = selected_codes(args, config)
    jobs = _pick(args, config, "jobs")
    jobs = os.cpu_count() or 1 if jobs is None else jobs
    if jobs < 1:
        raise SettingsError(f"jobs: must be 1 or more, got {jobs}")
    return config, settings, codes, jobs


def _excludes(args, config) -> List[str]:
    return list(split_list(_pick(args, config, "exclude"))) + list(
        split_list(_pick(args, config, "extend-exclude")))


def run_check(args) -> int:
    config, settings, codes, jobs = _begin(args)
    fmt = _pick(args, config, "format", "text")
    if fmt not in FORMATS:
        raise SettingsError(f"format: expected one of {', '.join(sorted(FORMATS))}, got {fmt!r}")
    per_file_ignores = (parse_per_file_ignores(args.per_file_ignores, "--per-file-ignores")
                        if args.per_file_ignores else config.get("per-file-ignores", ()))
    exclude = _excludes(args, config)
    paths = args.paths or ["."]
    if paths.count("-") > 1:
        raise SettingsError("standard input (-) can be read once only")
    for path in paths:
        if path != "-" and not os.path.lexists(path):
            raise SettingsError(f"no such file or folder: {path}")
    for template in settings.templates:
        if not os.path.isfile(template):
            raise SettingsError(f"--lambda-templates: no such file: {template}")
    baseline_file = None if args.no_baseline else _pick(args, config, "baseline")
    baseline = None
    if baseline_file and not args.write_baseline:
        try:
            baseline = read_baseline(baseline_file)
        except OSError as exc:
            raise SettingsError(f"--baseline: cannot read {baseline_file}: "
                                f"{exc.strerror or exc}") from None
        except ValueError as exc:
            raise SettingsError(f"--baseline: {exc}") from None
    for option, target in (("--output", args.output), ("--write-baseline", args.write_baseline)):
        if target:
            ensure_writable(option, target)

    found = discover([p for p in paths if p != "-"], exclude,
                     default_excludes=not args.no_default_excludes)
    if args.verbose:
        _say(*(f"excluded: {shown(path)} ({why})" for path, why in found.excluded))
    honour_noqa = not args.disable_noqa
    work = []
    if "-" in paths:
        stdin_name = args.stdin_filename or "stdin"
        try:
            source = decode_stdin(sys.stdin.buffer.read())
        except (UnicodeDecodeError, LookupError, SyntaxError) as exc:
            raise SettingsError(f"standard input is not UTF-8 text: {exc}") from None
        work.append((stdin_name, source, settings, codes, honour_noqa, fmt == "sarif"))
    work += [(path, None, settings, codes, honour_noqa, fmt == "sarif") for path in found.files]
    set_fallback_roots(p for p in paths if p != "-")
    prepare_projects(found.files, settings, jobs)
    if args.verbose:
        _say(f"checking {len(work)} file(s) with {jobs if len(work) >= PARALLEL_FROM else 1} "
             f"process(es)")

    skipped: Dict[str, str] = {path: "not a regular file" for path in found.not_regular}
    records: List[Record] = []
    keys = []
    suppressed = 0
    bar = progress_bar(len(work), args.quiet)
    try:
        for path, file_records, reason in _analyse(work, jobs, bar):
            if reason:
                skipped[path] = reason
            for record, key in file_records:
                if per_file_ignores and per_file_ignored(per_file_ignores, path, record.code):
                    continue
                keys.append(key)
                if baseline is not None and _consume(baseline, key):
                    suppressed += 1
                    continue
                records.append(record)
    finally:
        if bar is not None:
            bar.close()
    checked = len(work) + len(found.not_regular)
    _say(*(f"{shown(path)}: skipped: {why}" for path, why in sorted(skipped.items())))
    all_skipped = checked > 0 and len(skipped) == checked
    if all_skipped:
        _say(f"flake8-lambda-state: error: every file was skipped ({checked}); nothing was "
             f"analysed")
    elif checked == 0 and not args.quiet:
        _say("flake8-lambda-state: no Python files to check"
             + (f" ({len(found.excluded)} excluded; --verbose lists them)" if found.excluded
                else ""))

    if args.write_baseline:
        try:
            written = write_baseline(args.write_baseline, keys)
        except OSError as exc:
            raise SettingsError(f"--write-baseline: cannot write {args.write_baseline}: "
                                f"{exc.strerror or exc}") from None
        if not args.quiet:
            _say(f"wrote {args.write_baseline}: {written} finding(s) in "
                 f"{len({k[1] for k in keys})} file(s) recorded; check with "
                 f"--baseline {args.write_baseline} to see only new findings")
        return EXIT_ERROR if all_skipped else EXIT_CLEAN

    summary = Summary(records, skipped, checked, suppressed)
    style = Style(show_source=args.show_source,
                  color=fmt == "text" and _use_color(args.color or "auto", not args.output))
    report = FORMATS[fmt](summary, style)
    tail = statistics_lines(records) if args.statistics else []
    if not args.quiet:
        tail.append(summary_line(summary))
        tail += fixable_lines(records)
    if args.count:
        tail.append(str(len(records)))
    if fmt in MACHINE_FORMATS:     # their output is one document: the rest goes to stderr
        _say(*tail)
    else:
        report += "".join(line + "\n" for line in tail)
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as fh:
                fh.write(report)
        except OSError as exc:
            raise SettingsError(f"--output: cannot write {args.output}: "
                                f"{exc.strerror or exc}") from None
    else:
        sys.stdout.write(report)
    if all_skipped:
        return EXIT_ERROR
    return EXIT_FINDINGS if records and not args.exit_zero else EXIT_CLEAN


class Wanted:
    """Which findings the user wants fixed: not under `# noqa`, not left out
    by per-file-ignores. A class, so that worker processes can receive it."""

    def __init__(self, per_file_ignores):
        self.per_file_ignores = per_file_ignores

    def __call__(self, finding, path: str, text: str) -> bool:
        if self.per_file_ignores and per_file_ignored(self.per_file_ignores, path, finding.code):
            return False
        return not _suppressed(finding, path, text.splitlines())


def run_fix(args) -> int:
    from .fixes.command import fix_file, summary_lines
    config, settings, codes, jobs = _begin(args)
    paths = args.paths or ["."]
    for path in paths:
        if not os.path.lexists(path):
            raise SettingsError(f"no such file or folder: {path}")
    found = discover(paths, _excludes(args, config))
    set_fallback_roots(paths)
    prepare_projects(found.files, settings, jobs)
    wanted = Wanted(config.get("per-file-ignores", ()))
    work = [(path, settings, codes, args.unsafe_fixes, args.diff, wanted) for path in found.files]
    if jobs > 1 and len(work) >= PARALLEL_FROM:
        with process_pool(min(jobs, len(work))) as pool:
            outcomes = list(pool.map(fix_file, work, chunksize=chunk_size(len(work), jobs)))
    else:
        with frozen_heap():
            outcomes = [fix_file(job) for job in work]
    for outcome in outcomes:
        if outcome.diff:
            sys.stdout.write(outcome.diff)
    lines = summary_lines(outcomes, len(work), args.diff, args.unsafe_fixes)
    if args.quiet:
        lines = [line for line in lines if " not applied: " in line or ": skipped: " in line]
    _say(*lines)
    if work and all(o.skipped for o in outcomes):
        return EXIT_ERROR
    return EXIT_FINDINGS if args.diff and any(o.changed for o in outcomes) else EXIT_CLEAN


def _consume(baseline, key) -> bool:
    if baseline.get(key, 0) > 0:
        baseline[key] -= 1
        return True
    return False


def run_handlers(args) -> int:
    """What the tool takes for the entry points: users need to see it."""
    clear_caches()
    forget_indexes()
    settings = _settings(args, load_config("."))
    for path in args.paths:
        if not os.path.exists(path):
            raise SettingsError(f"no such file or folder: {path}")
    files = discover(args.paths).files
    set_fallback_roots(args.paths)
    wanted = {os.path.abspath(f) for f in files}
    count = 0
    for index in _indexes(files, settings):
        def line_of(handler):
            return index.summaries[handler[0]]["functions"][handler[1]]["line"]
        for path, name, kind, reason in sorted(index.handlers, key=lambda h: (h[0], line_of(h))):
            if path not in wanted:
                continue
            line = line_of((path, name))
            shown = os.path.relpath(path)
            if (path, name) in index.demoted:
                print(f"{shown}:{line}: {name} is not a handler: another handler calls it "
                      f"({reason}), so it is analysed as that handler's helper")
                continue
            count += 1
            print(f"{shown}:{line}: {index.handler_name((path, name))} ({kind}; {reason})")
            for reached in index.reached_files((path, name)):
                if reached != path:
                    print(f"    reaches {os.path.relpath(reached)}")
    print(f"{count} handler(s)")
    return EXIT_CLEAN


def run_rules(args) -> int:
    print(f"{'code':7s} {'default':7s} {'autofix':7s} summary")
    for code, rule in RULES.items():
        print(f"{code:7s} {'on' if rule.default_on else 'off':7s} "
              f"{'yes' if rule.fixable else 'no':7s} {rule.summary}")
    return EXIT_CLEAN


def run_explain(args) -> int:
    rule = RULES.get(args.code.upper())
    if rule is None:
        print(f"flake8-lambda-state: error: unknown code {args.code!r} "
              f"(see 'flake8-lambda-state rules')", file=sys.stderr)
        return EXIT_ERROR
    print(terminal_rule(rule), end="")
    print(f"Documentation: {help_uri(rule.code)}")
    return EXIT_CLEAN


def main(argv: Optional[List[str]] = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:   # a file name that is not UTF-8 must not crash printing
            reconfigure(errors="backslashreplace")
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except SettingsError as exc:
        print(f"flake8-lambda-state: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("flake8-lambda-state: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `... | head`: the reader went away, not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_CLEAN
    except Exception as exc:  # a bug of ours: one line, not a traceback
        print(f"flake8-lambda-state: internal error ({type(exc).__name__}: {exc}); please "
              f"report it", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
