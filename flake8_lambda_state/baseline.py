"""Baselines: record today's findings so that only new ones are reported.

A finding is keyed by its code, its file's path relative to the project root
(the folder `project.root` finds, as the project index uses), its handler and
a hash of the offending line's text with white space collapsed. So `./src/app.py`,
`src/app.py`, an absolute path and a path typed from another folder name the
same file; moving code around or editing other lines keeps a finding
suppressed; keys are counted, so a second identical finding in the same
handler is new."""
import hashlib
import json
import os
from collections import Counter
from typing import Iterable, List, Tuple

from .project.root import find_project_root

VERSION = 2          # 1 keyed files by the path as typed; it is still read


def project_path(path: str) -> str:
    """`path` relative to its project root, with forward slashes (relative to
    the current folder for a file outside any project)."""
    absolute = os.path.abspath(path)
    root = find_project_root(absolute) or os.getcwd()
    return os.path.relpath(absolute, root).replace(os.sep, "/")


def statement_text(source_lines: List[str], line: int) -> str:
    text = source_lines[line - 1] if 0 < line <= len(source_lines) else ""
    return " ".join(text.split())


def key_of(path: str, finding, source_lines: List[str]) -> Tuple[str, str, str, str]:
    digest = hashlib.sha256(statement_text(source_lines, finding.line).encode()).hexdigest()[:16]
    return finding.code, project_path(path), finding.handler, digest


def write_baseline(file: str, keys: Iterable[Tuple[str, str, str, str]]) -> int:
    """Write the baseline; returns the number of findings recorded."""
    counts = Counter(keys)
    entries = [{"code": c, "path": p, "handler": h, "hash": d, "count": n}
               for (c, p, h, d), n in sorted(counts.items())]
    with open(file, "w", encoding="utf-8") as fh:
        json.dump({"version": VERSION, "findings": entries}, fh, indent=2)
        fh.write("\n")
    return sum(counts.values())


def read_baseline(file: str) -> Counter:
    """The baseline's counted keys; ValueError naming the file when it is
    not a baseline."""
    with open(file, encoding="utf-8") as fh:
        try:
            data = json.load(fh)
        except ValueError as exc:
            raise ValueError(f"{file}: not JSON ({exc})") from None
    version = data.get("version") if isinstance(data, dict) else None
    if version not in (1, VERSION) or not isinstance(data.get("findings", []), list):
        raise ValueError(f"{file}: not a flake8-lambda-state baseline (version {VERSION})")
    counts = Counter()
    for entry in data.get("findings", []):
        try:
            path = entry["path"] if version == VERSION else project_path(entry["path"])
            counts[(entry["code"], path, entry["handler"], entry["hash"])] += int(
                entry.get("count", 1))
        except (KeyError, TypeError, ValueError, AttributeError):
            raise ValueError(f"{file}: malformed entry {entry!r}") from None
    return counts
