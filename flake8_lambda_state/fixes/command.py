"""The work of `flake8-lambda-state fix` for one file (run in a worker
process under --jobs) and the run's summary."""
import difflib
from collections import Counter
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

from ..engine import undecodable_reason
from .pipeline import fix_source
from .writer import FileChanged, read_for_fix, write_atomically


@dataclass
class FileOutcome:
    path: str
    changed: bool = False
    diff: str = ""
    applied: List[Tuple[str, str]] = field(default_factory=list)
    refused: List[Tuple[str, str, str]] = field(default_factory=list)
    unfixed: Counter = field(default_factory=Counter)
    skipped: Optional[str] = None
    unsafe_left: int = 0


def fix_file(job) -> FileOutcome:
    """Fix one file (or, with `diff_only`, say how). Never raises for a bad
    file: the outcome says why it was skipped."""
    path, settings, codes, unsafe, diff_only, wanted = job
    outcome = FileOutcome(path)
    try:
        data, text, encoding = read_for_fix(path)
    except (UnicodeDecodeError, SyntaxError, LookupError) as exc:
        outcome.skipped = undecodable_reason(exc)
        return outcome
    except OSError as exc:
        outcome.skipped = f"cannot read: {exc.strerror or exc}"
        return outcome
    try:
        result = fix_source(text, path, settings, codes, unsafe,
                            (lambda f: wanted(f, path, text)) if wanted else (lambda f: True))
    except Exception as exc:  # contain our own bugs: the file is left as it was
        outcome.skipped = f"internal error ({type(exc).__name__}: {exc}); please report it"
        return outcome
    outcome.skipped = result.skipped
    outcome.applied, outcome.refused, outcome.unfixed = result.applied, result.refused, result.unfixed
    outcome.unsafe_left = result.unsafe_left
    if not result.changed:
        return outcome
    outcome.changed = True
    if diff_only:
        outcome.diff = "".join(difflib.unified_diff(
            text.splitlines(keepends=True), result.new.splitlines(keepends=True),
            f"a/{path}", f"b/{path}"))
        return outcome
    try:
        write_atomically(path, result.new, encoding, data)
    except (FileChanged, OSError) as exc:
        outcome.changed, outcome.applied = False, []
        outcome.skipped = f"not written: {exc}"
    return outcome


def _per_code(counter: Counter) -> str:
    return ", ".join(f"{code}: {n}" for code, n in sorted(counter.items()))


def summary_lines(outcomes: List[FileOutcome], checked: int, diff_only: bool,
                  unsafe: bool) -> List[str]:
    from ..report.formats import shown
    lines = []
    for o in outcomes:
        for code, title, reason in o.refused:
            what = f"{code} fix '{title}'" if code else "fix"
            lines.append(f"{shown(o.path)}: {what} not applied: {reason}")
        if o.skipped:
            lines.append(f"{shown(o.path)}: skipped: {o.skipped}")
    applied = Counter(code for o in outcomes for code, _ in o.applied)
    files = sum(1 for o in outcomes if o.changed)
    verb = "would apply" if diff_only else "applied"
    head = (f"{sum(applied.values())} fix(es) {verb} in {files} of {checked} file(s)"
            + (f" ({_per_code(applied)})" if applied else ""))
    lines.append(head)
    left = Counter()
    for o in outcomes:
        left.update(o.unfixed)
    if left:
        lines.append(f"{sum(left.values())} finding(s) left unfixed ({_per_code(left)}): "
                     f"`flake8-lambda-state check` shows them")
    unsafe_left = sum(o.unsafe_left for o in outcomes)
    if unsafe_left and not unsafe:
        lines.append(f"{unsafe_left} more fix(es) available with --unsafe-fixes")
    return lines
