"""The `flake8-lambda-state` command: `check` (the plugin's findings without
flake8, as text, JSON or SARIF), `rules` and `explain`.

Exit status: 0 no findings, 1 findings, 2 usage or configuration error."""
import argparse
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from typing import Dict, List, Optional

from flake8.defaults import NOQA_FILE
from flake8.violation import Violation

from . import __version__
from .baseline import key_of, read_baseline, write_baseline
from .config import load_config
from .discovery import python_files
from .engine import lint_source, read_source
from .project import forget_indexes
from .report import FORMATS, Record
from .rules.catalog import DEFAULT_OFF, RULES, markdown_rule
from .settings import SettingsError, build_settings, split_list
from .templates import clear_caches

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
OPTION_HELP = """Options (command line, [tool.flake8-lambda-state] in pyproject.toml, or
[flake8] in setup.cfg/tox.ini/.flake8):
  --lambda-handler-names  glob patterns of handler names (two positional parameters)
  --lambda-handlers       explicit handlers as module:function
  --lambda-sensitive-names  regex of sensitive key/name words (LAM201 "sensitive")
  --lambda-client-factories extra client factories for LAM301 (qualified names)
  --lambda-templates      SAM/CloudFormation/Serverless templates declaring handlers
  --lambda-cache-dir      folder of the project index cache ('off' to turn it off)"""


def _add_analysis_options(parser):
    group = parser.add_argument_group("analysis")
    group.add_argument("--lambda-handler-names", metavar="PATTERNS")
    group.add_argument("--lambda-handlers", metavar="MODULE:FUNCTION,...")
    group.add_argument("--lambda-sensitive-names", metavar="REGEX")
    group.add_argument("--lambda-client-factories", metavar="NAMES")
    group.add_argument("--lambda-templates", metavar="PATHS")
    group.add_argument("--lambda-cache-dir", metavar="DIR")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="flake8-lambda-state",
        description="Find state that leaks between AWS Lambda invocations and work redone on "
                    "every warm invocation.",
        epilog="Exit status: 0 no findings, 1 findings, 2 usage or configuration error.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser("check", help="report findings (exit 1 when there are any)",
                                epilog=OPTION_HELP, formatter_class=argparse.RawTextHelpFormatter)
    check.add_argument("paths", nargs="*", default=["."], metavar="PATH")
    check.add_argument("--format", choices=sorted(FORMATS), help="output format (default: text)")
    check.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE")
    check.add_argument("--select", metavar="CODES", help="only these codes or prefixes")
    check.add_argument("--extend-select", metavar="CODES", help="add codes (e.g. LAM304)")
    check.add_argument("--ignore", metavar="CODES", help="leave out these codes or prefixes")
    check.add_argument("--exclude", metavar="GLOBS", help="file or folder globs to skip")
    check.add_argument("--extend-exclude", metavar="GLOBS")
    check.add_argument("--jobs", "-j", type=int, metavar="N", help="parallel processes")
    check.add_argument("--baseline", metavar="FILE", help="report only findings not in FILE")
    check.add_argument("--write-baseline", metavar="FILE", help="record the findings in FILE")
    check.add_argument("--disable-noqa", action="store_true",
                       help="report findings on lines with `# noqa` too (as flake8's option)")
    _add_analysis_options(check)
    check.set_defaults(func=run_check)

    handlers = commands.add_parser(
        "handlers", help="list the handlers found, how each was found and the files it reaches",
        epilog=OPTION_HELP, formatter_class=argparse.RawTextHelpFormatter)
    handlers.add_argument("paths", nargs="*", default=["."], metavar="PATH")
    _add_analysis_options(handlers)
    handlers.set_defaults(func=run_handlers)

    rules = commands.add_parser("rules", help="list every code")
    rules.set_defaults(func=run_rules)
    explain = commands.add_parser("explain", help="print a rule's documentation")
    explain.add_argument("code")
    explain.set_defaults(func=run_explain)
    return parser


def _pick(args, config, name, default=None):
    value = getattr(args, name.replace("-", "_"), None)
    if value is not None:
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
    ignored |= set(expand(_codes(config.get("extend-ignore")), "extend-ignore"))
    return [code for code in RULES if code in enabled and code not in ignored]


def _suppressed(finding, path: str, lines: List[str]) -> bool:
    """flake8's own `# noqa` / `# noqa: LAM301` logic, on the finding's line."""
    physical = lines[finding.line - 1] + "\n" if 0 < finding.line <= len(lines) else ""
    violation = Violation(finding.code, path, finding.line, finding.col + 1, finding.message,
                          physical)
    return violation.is_inline_ignored(disable_noqa=False)


def _check_one(job):
    path, settings, codes, want_keys, honour_noqa = job
    try:
        source = read_source(path)
    except (UnicodeDecodeError, SyntaxError) as exc:
        return path, [], f"not UTF-8 text: {exc}", []
    except OSError as exc:
        return path, [], f"cannot read: {exc}", []
    lines = source.splitlines()
    if honour_noqa and any(NOQA_FILE.match(line) for line in lines):
        return path, [], None, []   # `# flake8: noqa` skips the file, as in flake8
    try:
        result = lint_source(source, path, settings, codes=codes)
    except Exception as exc:  # contain our own bugs: one file, not the whole run
        return path, [], f"internal error ({type(exc).__name__}: {exc}); please report it", []
    records, keys = [], []
    for f in result.findings:
        if honour_noqa and _suppressed(f, path, lines):
            continue
        key = key_of(path, f, lines)
        records.append(Record(path, f.line, f.col + 1, f.end_line, f.end_col + 1, f.code,
                              f.message, f.handler, f.call_path, RULES[f.code].fixable,
                              fingerprint=key[3]))
        keys.append(key)
    return path, records, result.skipped, keys if want_keys else []


def _settings(args, config):
    return build_settings(
        _pick(args, config, "lambda-handler-names"), _pick(args, config, "lambda-handlers"),
        _pick(args, config, "lambda-sensitive-names"), _pick(args, config, "lambda-client-factories"),
        _pick(args, config, "lambda-templates"), _pick(args, config, "lambda-cache-dir"))


def _indexes(paths, settings):
    """The index of every project the paths belong to, built once here so
    that worker processes inherit it instead of each building its own."""
    from .project import project_for
    seen = {}
    for path in paths:
        index = project_for(path, settings)
        if index is not None:
            seen[index.root or path] = index
    return list(seen.values())


def run_check(args) -> int:
    clear_caches()
    forget_indexes()
    config = load_config(".")
    settings = _settings(args, config)
    codes = selected_codes(args, config)
    fmt = _pick(args, config, "format", "text")
    if fmt not in FORMATS:
        raise SettingsError(f"format: expected one of {', '.join(sorted(FORMATS))}, got {fmt!r}")
    exclude = list(split_list(_pick(args, config, "exclude"))) + list(
        split_list(_pick(args, config, "extend-exclude")))
    for path in args.paths:
        if not os.path.exists(path):
            raise SettingsError(f"no such file or folder: {path}")
    for template in settings.templates:
        if not os.path.isfile(template):
            raise SettingsError(f"--lambda-templates: no such file: {template}")
    baseline = None
    if args.baseline:
        try:
            baseline = read_baseline(args.baseline)
        except (OSError, ValueError, KeyError) as exc:
            raise SettingsError(f"--baseline: {exc}") from None
    files = list(python_files(args.paths, exclude))
    _indexes(files, settings)
    jobs = _pick(args, config, "jobs") or 1
    work = [(path, settings, codes, bool(args.baseline or args.write_baseline), not args.disable_noqa)
            for path in files]
    if jobs > 1 and len(files) > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            outcomes = list(pool.map(_check_one, work, chunksize=max(1, len(work) // (jobs * 4))))
    else:
        outcomes = [_check_one(job) for job in work]
    records: List[Record] = []
    skipped: Dict[str, str] = {}
    all_keys = []
    for path, file_records, reason, keys in outcomes:
        if reason:
            skipped[path] = reason
        if baseline is not None:
            file_records = [r for r, k in zip(file_records, keys) if not _consume(baseline, k)]
        records.extend(file_records)
        all_keys.extend(keys)
    if args.write_baseline:
        write_baseline(args.write_baseline, all_keys)
    report = FORMATS[fmt](records, skipped, len(files))
    if args.output:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(report)
    else:
        sys.stdout.write(report)
    return EXIT_FINDINGS if records else EXIT_CLEAN


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
    files = list(python_files(args.paths, []))
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
    print(markdown_rule(rule))
    print(OPTION_HELP)
    return EXIT_CLEAN


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except SettingsError as exc:
        print(f"flake8-lambda-state: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:  # `... | head`: the reader went away, not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_CLEAN


if __name__ == "__main__":
    sys.exit(main())
