"""The line changes a finding's fix makes on its own (SARIF's `fixes`; see
report.formats.fix_record)."""
import difflib
from typing import List

from .applier import render


def line_changes(model, fix) -> List[dict]:
    """[{"start", "end", "text"}]: lines start..end-1 (1-based) of the file
    become `text`; start == end is an insertion before line start."""
    old = model.module.code.splitlines(keepends=True)
    try:
        new = render(model.module, [fix]).splitlines(keepends=True)
    except Exception:   # a fix that cannot render is reported without its changes
        return []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    return [{"start": i1 + 1, "end": i2 + 1, "text": "".join(new[j1:j2])}
            for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]
