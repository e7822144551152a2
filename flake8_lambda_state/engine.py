"""Lint one file's source: the single path from text to findings that the
flake8 plugin and the command line both use."""
import ast
import gc
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Optional

from .deep_stack import call_with_deep_stack
from .prefilter import may_hold_handler, text_may_hold_handler


@dataclass
class FileResult:
    path: str
    findings: list = field(default_factory=list)
    skipped: Optional[str] = None     # why the file was not analysed
    model: object = None              # the analysis, kept when asked for


def lint_source(source: str, filename: str, settings, tree: Optional[ast.AST] = None,
                codes=None, fixes: bool = False, keep_model: bool = False) -> FileResult:
    """Findings for one module. Files that cannot hold a handler cost one
    `ast` walk; files the analysis cannot handle come back `skipped` with the
    reason, never as an exception (except for bugs, which callers contain).

    With `fixes`, each finding carries the fix its rule offers (from the
    result cache: its title and safety only). With `keep_model`, the file is
    analysed afresh and `result.model` holds the analysis the fixes edit.
    The analysis and the index's solving run on a deep stack (summaries go
    there when they need it): whatever CPython parses is analysed. Loading a
    project stays on the caller's thread (loading a 100,000-line module
    peaks at 669 MiB there, at 801 on the deep thread), and a file the
    result cache answers never leaves it.

    Without `tree` (the command line), a file whose text cannot hold a
    handler is parsed only if the project says handlers reach it: most files
    of a repository cost a look at their text."""
    result = FileResult(filename)
    if tree is None:
        if not source.strip():
            return result
        if keep_model or text_may_hold_handler(source, filename, settings):
            tree = _parsed(source, filename, result)
            if tree is None:
                return result
    try:
        return _analyse(source, tree, result, settings, codes, fixes, keep_model)
    except RecursionError:
        result.findings, result.model = [], None
        result.skipped = "expressions nested too deeply to analyse"
    return result


def _analyse(source: str, tree: ast.AST, result: FileResult, settings, codes, fixes: bool,
             keep_model: bool) -> FileResult:
    """The result cache (for a file of a project with handlers: a re-run asks
    nothing else, not even the prefilter, which may read templates), the
    prefilter, the project's word on the file, then the analysis."""
    from .project import contained, context_for, needs_project, project_of
    from .project.results import ResultCache
    filename = result.path
    project = contained(filename, lambda: project_of(filename, settings, tree)) \
        if needs_project(filename, False) else None
    cache = found = None

    def cached():
        store = ResultCache(project, settings, filename, source, codes)
        return store, (store.by_quick_key(fixes) if not keep_model else None)
    if project is not None and project.has_handlers:
        cache, found = cached()
        if found is not None:
            result.findings = found
            return result
    candidate = tree is not None and may_hold_handler(tree, filename, settings)
    if project is None and candidate:       # outside any project: a project of its own
        project = contained(filename, lambda: project_of(filename, settings, tree))
    if not candidate and project is not None and not project.has_handlers:
        return result
    if tree is None and project is not None and os.path.abspath(filename) in project.unparsed:
        tree = _parsed(source, filename, result)    # the index needed it: the skip says why
        if tree is None:
            return result
    if cache is None and project is not None:
        cache, found = cached()
    if found is None:
        context = context_for(filename, settings, tree, candidate)
        if not candidate and not (context and context.entries):
            found = []
            if cache:
                cache.save(found, True)
        elif cache and not keep_model:
            found = contained(filename, lambda: cache.by_precise_key(context, fixes))
    if found is not None:
        result.findings = found
        return result
    if tree is None:            # a module other files' handlers reach
        tree = _parsed(source, filename, result)
        if tree is None:
            return result
    from .analysis import SkippedFile
    try:
        model, result.findings = call_with_deep_stack(_model_and_findings, source, filename,
                                                      settings, context, tree, codes,
                                                      fixes or keep_model)
        if keep_model:
            result.model = model
    except SkippedFile as exc:
        result.skipped = str(exc)
    if cache and result.skipped is None:
        cache.save(result.findings, fixes or keep_model)
    return result


def _model_and_findings(source: str, filename: str, settings, context, tree, codes,
                        fixes: bool):
    from .analysis import build_model  # libcst loads only when needed
    from .rules import run_rules
    with collector_paused():
        model = build_model(source, filename, settings, context, tree)
        return model, run_rules(model, codes, fixes)


def _parsed(source: str, filename: str, result: FileResult) -> Optional[ast.AST]:
    """The `ast` tree of the file, or None with the reason in `result`."""
    try:
        return ast.parse(source, filename)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        result.skipped = parse_failure(source, exc)
        return None


@contextmanager
def collector_paused():
    """The analysis of a file builds millions of objects that all live until
    it ends; the cyclic collector's full passes over them made the time grow
    faster than the file (a third more per line at 16,000 lines than at
    2,000). It is paused for one file's analysis and collects after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def parse_failure(source: str, exc: BaseException) -> str:
    """Why a file that `ast` rejects is skipped. libcst's parser knows newer
    grammars than the running Python: when it accepts the file, the code
    targets a newer Python, and the reason says so."""
    import sys
    reason = f"does not parse: {type(exc).__name__}: {exc}"
    if isinstance(exc, SyntaxError):
        try:
            import libcst
            libcst.parse_module(source)
        except Exception:
            return reason
        running = f"{sys.version_info.major}.{sys.version_info.minor}"
        return (f"uses syntax newer than Python {running}, the Python running "
                f"flake8-lambda-state ({exc.msg}, line {exc.lineno}); the code targets a newer "
                f"Python: run the check under that version")
    return reason


def read_source(path: str) -> str:
    """The file's text: the one decoding rule of `check` and the plugin.
    Raises UnicodeDecodeError for bytes that are not UTF-8 (or not in the
    PEP 263 cookie's encoding, honoured through tokenize) and SyntaxError for
    an unknown cookie; no fallback to latin-1, so no guessed text."""
    import tokenize
    with tokenize.open(path) as fh:
        return fh.read()


def undecodable_reason(exc: Exception) -> str:
    """Why a file that read_source refuses is skipped."""
    return f"not UTF-8 text: {exc}"


__all__ = ["FileResult", "lint_source", "read_source", "undecodable_reason"]
