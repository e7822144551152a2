"""Lint one file's source: the single path from text to findings that the
flake8 plugin and the command line both use."""
import ast
from dataclasses import dataclass, field
from typing import Optional

from .prefilter import may_hold_handler


@dataclass
class FileResult:
    path: str
    findings: list = field(default_factory=list)
    skipped: Optional[str] = None     # why the file was not analysed
    model: object = None              # the analysis, kept when fixes were asked for


def lint_source(source: str, filename: str, settings, tree: Optional[ast.AST] = None,
                codes=None, fixes: bool = False) -> FileResult:
    """Findings for one module. Files that cannot hold a handler cost one
    `ast` walk; files the analysis cannot handle come back `skipped` with the
    reason, never as an exception (except for bugs, which callers contain)."""
    result = FileResult(filename)
    if tree is None:
        if not source.strip():
            return result
        try:
            tree = ast.parse(source, filename)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            result.skipped = parse_failure(source, exc)
            return result
    from .project import context_for
    candidate = may_hold_handler(tree, filename, settings)
    context = context_for(filename, settings, tree, candidate)
    if not candidate and not (context and context.entries):
        return result
    from .analysis import SkippedFile, build_model  # libcst loads only when needed
    from .rules import run_rules
    try:
        model = build_model(source, filename, settings, context)
        result.findings = run_rules(model, codes, fixes)
        if fixes:
            result.model = model
    except SkippedFile as exc:
        result.skipped = str(exc)
    except RecursionError:
        result.skipped = "expressions nested too deeply to analyse"
    return result


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
    """The file's text; raises UnicodeDecodeError for non-UTF-8 (PEP 263
    cookies are honoured through tokenize)."""
    import tokenize
    with tokenize.open(path) as fh:
        return fh.read()


__all__ = ["FileResult", "lint_source", "read_source"]
