"""Fix one file's text: lint with fixes, compose and apply them, check the
result (compiles, untouched lines identical, no finding of any code added),
and repeat until nothing is left to fix, so that a second run changes
nothing. A fix that is offered again round after round (a finding that
outlives its fix) leaves the file as it was after the last round. A rewrite that fails a check is dropped
with its reason; the file is then fixed without it or left as it was."""
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Tuple

from ..engine import lint_source
from .applier import Refused, check_names, check_rewrite, compose, render, touched_lines

MAX_ROUNDS = 4


@dataclass
class FileFix:
    path: str
    old: str
    new: str
    applied: List[Tuple[str, str]] = field(default_factory=list)         # (code, title)
    refused: List[Tuple[str, str, str]] = field(default_factory=list)    # (code, title, reason)
    unfixed: Counter = field(default_factory=Counter)                    # code -> findings left
    skipped: Optional[str] = None
    unsafe_left: int = 0                 # findings with an unsafe fix that was not asked for

    @property
    def changed(self) -> bool:
        return self.new != self.old


def _all_codes():
    from ..rules.catalog import RULES
    return list(RULES)


def _lint(text, path, settings):
    return lint_source(text, path, settings, codes=_all_codes(), fixes=True, keep_model=True)


def _attempt(text, path, settings, result, fixes):
    """The text with `fixes` applied and its lint result; raises Refused."""
    model = result.model
    new = render(model.module, fixes)
    if new == text:
        raise Refused("the fix changes nothing")
    check_rewrite(text, new, path, touched_lines(model, fixes))
    check_names(text, new, path)
    after = _lint(new, path, settings)
    if after.skipped:
        raise Refused(f"the fixed file cannot be analysed ({after.skipped})")
    before_counts = Counter(f.code for f in result.findings)
    after_counts = Counter(f.code for f in after.findings)
    added = sorted(code for code in after_counts if after_counts[code] > before_counts[code])
    if added:
        raise Refused(f"the fix would add a {added[0]} finding")
    return new, after


def fix_source(source: str, path: str, settings, codes, unsafe: bool = False,
               wanted: Callable = lambda finding: True) -> FileFix:
    """Fix `source` for the selected codes. `wanted(finding)` leaves out
    findings the user suppressed (`# noqa`, per-file-ignores)."""
    out = FileFix(path, source, source)
    selected = set(codes)
    result = _lint(source, path, settings)
    if result.skipped:
        out.skipped = result.skipped
        return out
    from ..project import index_failed
    if index_failed(path):
        out.skipped = "not fixed: the project index failed, so the analysis is incomplete"
        return out
    text, refused_titles = source, set()
    for _round in range(MAX_ROUNDS):
        if result.model is None:
            break
        pending = [f for f in result.findings if f.code in selected and f.fix is not None
                   and (f.fix.safe or unsafe) and f.fix.title not in refused_titles and wanted(f)]
        if not pending:
            break
        composition = compose(result.model, [f.fix for f in pending])
        code_of_fix = {id(f.fix): f.code for f in pending}
        accepted = composition.accepted
        try:
            text, result = _attempt(text, path, settings, result, accepted)
            out.applied += [(code_of_fix[id(fix)], fix.title) for fix in accepted]
            continue
        except Refused as exc:
            if len(accepted) == 1:
                refused_titles.add(accepted[0].title)
                out.refused.append((code_of_fix[id(accepted[0])], accepted[0].title, str(exc)))
                continue
        # Together they fail: find the ones that fail on their own, keep the rest for the next round.
        progressed = False
        for fix in accepted:
            try:
                _attempt(text, path, settings, result, [fix])
            except Refused as exc:
                refused_titles.add(fix.title)
                out.refused.append((code_of_fix[id(fix)], fix.title, str(exc)))
                progressed = True
        if not progressed:       # each works alone but not together: one at a time
            fix = accepted[0]
            try:
                text, result = _attempt(text, path, settings, result, [fix])
            except Refused as exc:
                refused_titles.add(fix.title)
                out.refused.append((code_of_fix[id(fix)], fix.title, str(exc)))
                continue
            out.applied.append((code_of_fix[id(fix)], fix.title))
    else:
        if any(f.code in selected and f.fix is not None and (f.fix.safe or unsafe)
               and f.fix.title not in refused_titles and wanted(f) for f in result.findings):
            out.refused.append(("", "", f"fixes still pending after {MAX_ROUNDS} rounds; "
                                        f"the file is left as it was"))
            out.applied = []
            return out
    out.new = text
    out.unsafe_left = 0 if unsafe else sum(
        1 for f in result.findings if f.code in selected and f.fix is not None
        and not f.fix.safe and wanted(f))
    out.unfixed = Counter(f.code for f in result.findings if f.code in selected and wanted(f))
    return out
