"""Baselines: record today's findings so that only new ones are reported.

A finding is keyed by its code, file, handler and a hash of the offending
line's text with white space collapsed, so moving code around or editing
other lines keeps it suppressed; keys are counted, so a second identical
finding in the same handler is new."""
import hashlib
import json
from collections import Counter
from typing import Iterable, List, Tuple

VERSION = 1


def statement_text(source_lines: List[str], line: int) -> str:
    text = source_lines[line - 1] if 0 < line <= len(source_lines) else ""
    return " ".join(text.split())


def key_of(path: str, finding, source_lines: List[str]) -> Tuple[str, str, str, str]:
    digest = hashlib.sha256(statement_text(source_lines, finding.line).encode()).hexdigest()[:16]
    return finding.code, path.replace("\\", "/"), finding.handler, digest


def write_baseline(file: str, keys: Iterable[Tuple[str, str, str, str]]):
    entries = [{"code": c, "path": p, "handler": h, "hash": d, "count": n}
               for (c, p, h, d), n in sorted(Counter(keys).items())]
    with open(file, "w", encoding="utf-8") as fh:
        json.dump({"version": VERSION, "findings": entries}, fh, indent=2)
        fh.write("\n")


def read_baseline(file: str) -> Counter:
    with open(file, encoding="utf-8") as fh:
        data = json.load(fh)
    if not isinstance(data, dict) or data.get("version") != VERSION:
        raise ValueError(f"{file}: not a flake8-lambda-state baseline (version {VERSION})")
    counts = Counter()
    for entry in data.get("findings", []):
        counts[(entry["code"], entry["path"], entry["handler"], entry["hash"])] += int(
            entry.get("count", 1))
    return counts
