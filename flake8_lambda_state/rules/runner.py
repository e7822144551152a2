"""Runs every rule module's `check(model)` over the shared ModuleModel and
keeps one finding per code and line."""
from typing import Iterable, List, Optional

from . import (background, clients, closing, concurrency, environment, heavy_init, logger_keys,
               mutable_defaults, oneshot_http, snapshots, state_leaks, tmp_files)
from .base import Finding

CHECKS = (
    state_leaks.check,       # LAM101 LAM102 LAM104 LAM201
    mutable_defaults.check,  # LAM103
    environment.check,       # LAM202 LAM204
    tmp_files.check,         # LAM203
    logger_keys.check,       # LAM205
    clients.check,           # LAM301
    closing.check,           # LAM302
    heavy_init.check,        # LAM303
    oneshot_http.check,      # LAM304
    background.check,        # LAM401
    snapshots.check,         # LAM501 LAM502
    concurrency.check,       # LAM503
)
# The rules that can fix what they report: code -> fix(finding, model),
# returning a fixes.Fix or None when this finding cannot be fixed safely.
FIXERS = {
    "LAM101": state_leaks.fix,
    "LAM103": mutable_defaults.fix,
    "LAM201": state_leaks.fix,
    "LAM205": logger_keys.fix,
    "LAM301": clients.fix,
    "LAM303": heavy_init.fix,
    "LAM304": oneshot_http.fix,
    "LAM501": snapshots.fix,
}


def run_rules(model, codes: Optional[Iterable[str]] = None, fixes: bool = False) -> List[Finding]:
    """All findings of the module, positioned, sorted, one per code and line;
    with `fixes`, each carries the fix its rule offers (or None)."""
    wanted = set(codes) if codes is not None else None
    if not model.handlers:
        return []
    found = [finding for check in CHECKS for finding in check(model)
             if wanted is None or finding.code in wanted]
    findings = {}
    # positions only for what is reported, all at once
    for finding, span in zip(found, model.positions.place_all([f.node for f in found])):
        finding.line, finding.col = span.start.line, span.start.column
        finding.end_line, finding.end_col = span.end.line, span.end.column
        findings.setdefault((finding.code, finding.line), finding)
    ordered = sorted(findings.values(), key=lambda f: (f.line, f.col, f.code))
    if fixes:
        for finding in ordered:
            finding.fix = _fix_of(finding, model)
    return ordered


def _fix_of(finding: Finding, model):
    """The fix a rule offers for its finding. A fixer that fails (a bug of
    ours) costs the fix, never the finding."""
    fixer = FIXERS.get(finding.code)
    if fixer is None:
        return None
    try:
        return fixer(finding, model)
    except Exception:  # noqa: BLE001 - contain our own bugs
        return None
