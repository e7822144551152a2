"""Renderers for `check` results. Every renderer takes the same records:
one per finding, with 1-based line and column (as flake8 prints them)."""
import json
import os
import pathlib
import urllib.parse
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Dict, List

from .. import __version__
from ..rules.catalog import RULES, anchor

HOMEPAGE = "https://github.com/flake8-lambda-state/flake8-lambda-state"


@dataclass
class Record:
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    code: str
    message: str
    handler: str
    call_path: str
    fixable: bool
    fingerprint: str = ""


def text(records: List[Record], skipped: Dict[str, str], checked: int) -> str:
    out = [f"{r.path}:{r.line}:{r.column}: {r.code} {r.message}" for r in records]
    for path, reason in sorted(skipped.items()):
        out.append(f"{path}: skipped: {reason}")
    counts = Counter(r.code for r in records)
    if counts:
        out.append("")
        out.extend(f"{count:5d} {code} {RULES[code].summary}" for code, count in sorted(counts.items()))
    out.append(f"{len(records)} finding(s) in {len({r.path for r in records})} of {checked} "
               f"file(s) checked" + (f", {len(skipped)} skipped" if skipped else ""))
    return "\n".join(out) + "\n"


def as_json(records: List[Record], skipped: Dict[str, str], checked: int) -> str:
    doc = {
        "version": 1,
        "tool": {"name": "flake8-lambda-state", "version": __version__},
        "findings": [{k: v for k, v in asdict(r).items() if k != "fingerprint"} for r in records],
        "skipped": [{"path": p, "reason": why} for p, why in sorted(skipped.items())],
        "summary": dict(sorted(Counter(r.code for r in records).items())),
        "files_checked": checked,
    }
    return json.dumps(doc, indent=2) + "\n"


def _artifact(path: str) -> dict:
    """Relative paths are given against %SRCROOT% (the checkout), as GitHub
    code scanning expects; absolute ones as file URIs."""
    if os.path.isabs(path):
        return {"uri": pathlib.Path(path).as_uri()}
    rel = os.path.normpath(path).replace(os.sep, "/")
    return {"uri": urllib.parse.quote(rel), "uriBaseId": "%SRCROOT%"}


def sarif(records: List[Record], skipped: Dict[str, str], checked: int) -> str:
    codes = list(RULES)
    rules = [{
        "id": code,
        "name": code,
        "shortDescription": {"text": RULES[code].summary},
        "fullDescription": {"text": f"{RULES[code].summary}: {RULES[code].why}."},
        "help": {"text": f"{RULES[code].why}. Fix: {RULES[code].fix}.",
                 "markdown": f"**{RULES[code].summary}.** {RULES[code].why}. "
                             f"Fix: {RULES[code].fix}."},
        "helpUri": f"{HOMEPAGE}#{anchor(code)}",
        "defaultConfiguration": {"level": "warning", "enabled": RULES[code].default_on},
    } for code in codes]
    results = [{
        "ruleId": r.code,
        "ruleIndex": codes.index(r.code),
        "level": "warning",
        "message": {"text": r.message},
        "locations": [{"physicalLocation": {
            "artifactLocation": _artifact(r.path),
            "region": {"startLine": r.line, "startColumn": r.column,
                       "endLine": r.end_line, "endColumn": r.end_column},
        }}],
        "partialFingerprints": {"lambdaStateStatement/v1": r.fingerprint},
    } for r in records]
    notifications = [{"level": "note", "message": {"text": f"{path}: skipped: {why}"}}
                     for path, why in sorted(skipped.items())]
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "flake8-lambda-state", "version": __version__,
                                "informationUri": HOMEPAGE, "rules": rules}},
            "columnKind": "unicodeCodePoints",
            "results": results,
            "invocations": [{"executionSuccessful": True,
                             "toolExecutionNotifications": notifications}],
        }],
    }
    return json.dumps(doc, indent=2) + "\n"


FORMATS = {"text": text, "json": as_json, "sarif": sarif}
