"""What `check` says of a finding's fix: its title, whether it is safe, and
(for SARIF) the line changes it makes on its own."""
import difflib
from typing import List, Optional

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


def fix_summary(model, fix, with_changes: bool) -> Optional[dict]:
    return {"title": fix.title, "safe": fix.safe,
            "changes": line_changes(model, fix) if with_changes else []}
