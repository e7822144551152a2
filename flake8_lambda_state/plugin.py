"""The flake8 adapter: registers the options, decides cheaply whether a file
can hold a handler, and reports the shared analysis's findings."""
import glob
import logging
import os
import sys
from functools import lru_cache
from typing import Iterator, Tuple

from . import __version__
from .discovery import is_regular_file
from .engine import lint_source, read_source, undecodable_reason
from .rules import DEFAULT_OFF
from .settings import (DEFAULT_HANDLER_NAMES, DEFAULT_SENSITIVE_NAMES, SettingsError,
                       build_settings, per_file_ignored)


class _Stderr(logging.StreamHandler):
    """Standard error as it is when a record is written (tests and flake8's
    own redirections replace sys.stderr)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass


# A child of flake8's logger, so flake8's logging settings apply to it; it
# writes WARNING lines itself because flake8's handler shows records only with -v.
LOG = logging.getLogger("flake8.lambda_state")
LOG.propagate = False
_handler = _Stderr()
_handler.setFormatter(logging.Formatter("%(message)s"))
LOG.addHandler(_handler)


@lru_cache(maxsize=8)
def _settings(handler_names, handlers, sensitive_names, client_factories, templates, cache_dir,
              snapstart, managed_instances):
    return build_settings(handler_names, handlers, sensitive_names, client_factories, templates,
                          cache_dir, snapstart, managed_instances)


def settings_from_options(options):
    def joined(name):
        value = getattr(options, name, None)
        if isinstance(value, (list, tuple)):
            return ",".join(value)
        return value
    return _settings(joined("lambda_handler_names"), joined("lambda_handlers"),
                     getattr(options, "lambda_sensitive_names", None),
                     joined("lambda_client_factories"), joined("lambda_templates"),
                     getattr(options, "lambda_cache_dir", None), joined("lambda_snapstart"),
                     joined("lambda_managed_instances"))


PYPROJECT_OPTIONS = ("lambda-handler-names", "lambda-handlers", "lambda-sensitive-names",
                     "lambda-client-factories", "lambda-templates", "lambda-cache-dir",
                     "lambda-snapstart", "lambda-managed-instances")


def _fill_from_pyproject(options):
    """Options that flake8 was not given come from [tool.flake8-lambda-state]
    in pyproject.toml, as for `flake8-lambda-state check`."""
    missing = [name for name in PYPROJECT_OPTIONS
               if getattr(options, name.replace("-", "_"), None) is None]
    own_per_file_ignores = bool(getattr(options, "per_file_ignores", None))
    from .config import pyproject_options
    table = pyproject_options(".") if missing or not own_per_file_ignores else {}
    for name in missing:
        if name in table:
            setattr(options, name.replace("-", "_"), table[name])
    # flake8 applies its own per-file-ignores; the table's apply when flake8 has none
    options.lambda_per_file_ignores = () if own_per_file_ignores else table.get(
        "per-file-ignores", ())


class Plugin:
    name = "flake8-lambda-state"
    version = __version__

    def __init__(self, tree, filename="stdin", lines=None, options=None):
        self.tree = tree
        self.filename = filename
        self.lines = lines
        self.options = options

    @classmethod
    def add_options(cls, manager):
        # Defaults are None so that parse_options can tell a value flake8 was
        # given (command line or its config, which win) from one to take from
        # [tool.flake8-lambda-state] in pyproject.toml.
        manager.add_option(
            "--lambda-handler-names", parse_from_config=True, comma_separated_list=True,
            default=None,
            help="Glob patterns of handler function names (default: "
                 f"{','.join(DEFAULT_HANDLER_NAMES)}). A module-level function matching one and "
                 "taking two positional parameters is a handler.")
        manager.add_option(
            "--lambda-handlers", parse_from_config=True, comma_separated_list=True, default=None,
            help="Explicit handlers as module:function (e.g. app.api:main), comma separated.")
        manager.add_option(
            "--lambda-sensitive-names", parse_from_config=True, default=None,
            help="Regex matched against whole words of keys and names to call request data "
                 f"sensitive (default: {DEFAULT_SENSITIVE_NAMES}).".replace("%", "%%"))
        manager.add_option(
            "--lambda-client-factories", parse_from_config=True, comma_separated_list=True,
            default=None,
            help="Extra qualified names of client/connection factories for LAM301 "
                 "(e.g. mylib.db.connect).")
        manager.add_option(
            "--lambda-templates", parse_from_config=True, comma_separated_list=True, default=None,
            help="SAM/CloudFormation/Serverless templates declaring handlers (they are also "
                 "found by walking up from each file to the repository root).")
        manager.add_option(
            "--lambda-cache-dir", parse_from_config=True, default=None,
            help="Folder for the cache of project summaries and per-file results (default: "
                 ".lambda-state-cache in the project root, or $FLAKE8_LAMBDA_STATE_CACHE_DIR); "
                 "'off' turns the cache off.")
        manager.add_option(
            "--lambda-snapstart", parse_from_config=True, comma_separated_list=True, default=None,
            help="Functions that run with SnapStart (LAM501, LAM502), as module:function, or all "
                 "(templates, CDK snap_start= and snapshot_restore_py imports also say so).")
        manager.add_option(
            "--lambda-managed-instances", parse_from_config=True, comma_separated_list=True,
            default=None,
            help="Functions that run on Lambda Managed Instances (LAM503), as module:function, "
                 "or all (templates with a capacity provider also say so).")
        manager.extend_default_ignore(list(DEFAULT_OFF))

    @classmethod
    def parse_options(cls, options):
        from .project import set_fallback_roots   # folders named to flake8 (SPEC Core 7)
        set_fallback_roots(getattr(options, "filenames", None) or ["."])
        _exclude_non_regular_files(options)
        try:
            _fill_from_pyproject(options)
            settings_from_options(options)  # fail early, like argparse, on a bad value
        except SettingsError as exc:
            print(f"flake8: error: {exc}", file=sys.stderr)
            raise SystemExit(2) from None

    def run(self) -> Iterator[Tuple[int, int, str, type]]:
        settings = settings_from_options(self.options)
        source = "".join(self.lines or ())
        undecodable = _not_decodable(source, self.filename)
        if undecodable:
            LOG.warning("flake8-lambda-state: %s: skipped: %s", self.filename, undecodable)
            return
        try:
            result = lint_source(source, self.filename, settings, tree=self.tree)
        except Exception as exc:  # a bug of ours must not abort the user's whole flake8 run
            LOG.warning("flake8-lambda-state: %s: skipped: internal error (%s: %s); please "
                        "report it", self.filename, type(exc).__name__, exc)
            return
        if result.skipped:
            LOG.warning("flake8-lambda-state: %s: skipped: %s", self.filename, result.skipped)
        ignores = getattr(self.options, "lambda_per_file_ignores", ())
        for finding in result.findings:
            if ignores and per_file_ignored(ignores, self.filename, finding.code):
                continue
            yield finding.line, finding.col, finding.text, type(self)


def _not_decodable(source: str, filename: str):
    """Why `check` would skip this file as undecodable, or None. flake8
    falls back to latin-1 where the file's own encoding fails; the plugin
    follows `check`'s rule (engine.read_source) instead. ASCII text decodes
    the same either way, so only other files are read again."""
    if source.isascii() or not os.path.isfile(filename):
        return None
    try:
        read_source(filename)
    except (UnicodeDecodeError, SyntaxError) as exc:
        return undecodable_reason(exc)
    except OSError:
        return None
    return None


def _exclude_non_regular_files(options):
    """flake8 would open a FIFO or device named `*.py` and block on it: such
    paths join its exclude list before it reads any file. The folders are
    walked as flake8 is about to (its own exclude test prunes them), but a
    file costs only its directory entry: a regular file, the usual case,
    needs no test at all."""
    from flake8.utils import matches_filename
    exclude = [*(getattr(options, "exclude", None) or []),
               *(getattr(options, "extend_exclude", None) or [])]
    patterns = list(getattr(options, "filename", None) or ["*.py"])

    def excluded(path: str) -> bool:
        return matches_filename(path, patterns=exclude,
                                log_message='"%(path)s" has %(whether)sbeen excluded', logger=LOG)

    blocking = []
    for arg in list(getattr(options, "filenames", None) or []) or ["."]:
        if arg == "-" or excluded(arg):
            continue
        if os.path.isdir(arg):
            blocking += _non_regular_under(arg, patterns, excluded)
        elif os.path.lexists(arg) and not is_regular_file(arg):
            blocking.append(arg)
    if blocking:
        options.extend_exclude = [*(getattr(options, "extend_exclude", None) or []),
                                  *(glob.escape(os.path.abspath(p)) for p in blocking)]
        for path in blocking:
            LOG.warning("flake8-lambda-state: %s: skipped: not a regular file", path)


def _non_regular_under(folder: str, patterns, excluded) -> list:
    """Files under `folder` that flake8 would check (their name matches
    `patterns`) and that are not regular files, in folders flake8 walks."""
    from flake8.utils import fnmatch
    found = []
    todo = [folder]
    while todo:
        current = todo.pop()
        try:
            with os.scandir(current) as entries:
                for entry in entries:
                    try:
                        if entry.is_dir():
                            if not excluded(entry.path):
                                todo.append(entry.path)
                        elif not entry.is_file() and fnmatch(entry.path, patterns):
                            found.append(entry.path)
                    except OSError:
                        continue
        except OSError:
            continue
    return sorted(found)
