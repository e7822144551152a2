"""Renderers for `check` results. Every renderer takes the same Summary:
one Record per finding, with 1-based line and column (as flake8 prints
them), the skipped files and the counts."""
import hashlib
import json
import os
import pathlib
import urllib.parse
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Dict, List, Optional

from .. import __version__
from ..baseline import project_path
from ..rules.catalog import RULES, anchor

HOMEPAGE = "https://github.com/flake8-lambda-state/flake8-lambda-state"
README_URL = f"{HOMEPAGE}/blob/main/README.md"


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
    fingerprint: str = ""     # hash of the statement's text, as the baseline keys it
    source: str = ""          # the finding's line, for --show-source
    fix: Optional[dict] = None  # {"title", "safe", "changes"} when the finding has a fix


@dataclass
class Summary:
    records: List[Record]
    skipped: Dict[str, str]
    checked: int
    suppressed: int = 0       # findings the baseline suppressed


@dataclass
class Style:
    """How the text report looks (the other formats ignore it)."""
    show_source: bool = False
    color: bool = False


# Leaks rank above waste: GitHub code scanning sorts by security-severity
# (LAM2xx) and then by level; GitLab by severity.
FAMILIES = {
    "LAM1": {"level": "warning", "tags": ["correctness", "aws-lambda", "module-state"],
             "gitlab": "major", "category": "Bug Risk"},
    "LAM2": {"level": "error", "tags": ["security", "aws-lambda", "data-leak",
                                        "external/cwe/cwe-488"],
             "gitlab": "critical", "category": "Security"},
    "LAM3": {"level": "note", "tags": ["performance", "aws-lambda"],
             "gitlab": "minor", "category": "Performance"},
    "LAM4": {"level": "warning", "tags": ["correctness", "aws-lambda", "concurrency"],
             "gitlab": "major", "category": "Bug Risk"},
    "LAM5": {"level": "warning", "tags": ["correctness", "aws-lambda", "snapstart",
                                          "concurrency"],
             "gitlab": "major", "category": "Bug Risk"},
}
SECURITY_SEVERITY = {"LAM201": "8.0", "LAM202": "6.5", "LAM203": "7.5", "LAM204": "4.0",
                     "LAM205": "6.5"}


def fix_record(model, fix, with_changes: bool) -> dict:
    """What a report says of a finding's fix: its title, whether it is safe
    and, for SARIF (`with_changes`), the line changes it makes on its own.
    The fixes and libcst load only to render those: a run the result cache
    answers never loads them."""
    changes = []
    if with_changes:
        from ..fixes.summary import line_changes
        changes = line_changes(model, fix)
    return {"title": fix.title, "safe": fix.safe, "changes": changes}


def family(code: str) -> dict:
    return FAMILIES[code[:4]]


def shown(path: str) -> str:
    """A path as text: bytes that are not UTF-8 (kept by Python as lone
    surrogates) are shown as \\xNN escapes instead of failing to encode."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def help_uri(code: str) -> str:
    return f"{README_URL}#{anchor(code)}"


def _paint(text: str, ansi: str, on: bool) -> str:
    return f"\x1b[{ansi}m{text}\x1b[0m" if on else text


def statistics_lines(records: List[Record]) -> List[str]:
    counts = Counter(r.code for r in records)
    return [f"{count:<5d} {code} {RULES[code].summary}" for code, count in sorted(counts.items())]


def summary_line(summary: Summary) -> str:
    files = len({r.path for r in summary.records})
    line = (f"{len(summary.records)} finding(s) in {files} of {summary.checked} "
            f"file(s) checked")
    if summary.skipped:
        line += f", {len(summary.skipped)} skipped"
    if summary.suppressed:
        line += f", {summary.suppressed} suppressed by the baseline"
    return line


def fixable_lines(records: List[Record]) -> List[str]:
    """The closing line that says how many findings `fix` would fix."""
    safe = sum(1 for r in records if r.fixable)
    unsafe = sum(1 for r in records if r.fix is not None and not r.fix["safe"])
    if not safe and not unsafe:
        return []
    more = f" ({unsafe} more with --unsafe-fixes)" if unsafe else ""
    return [f"{safe} fixable with `flake8-lambda-state fix`{more}"]


def text(summary: Summary, style: Optional[Style] = None) -> str:
    """flake8's layout, `path:line:col: CODE message`, with the source line
    and a caret under the reported expression for --show-source."""
    style = style or Style()
    out = []
    for r in summary.records:
        mark = " [*]" if r.fixable else ""      # ruff's mark of a fixable finding
        out.append(f"{_paint(shown(r.path), '1', style.color)}:{r.line}:{r.column}: "
                   f"{_paint(r.code, '1;31', style.color)}{mark} {r.message}")
        if style.show_source and r.source:
            out.append(r.source.rstrip("\r\n"))
            indent = "".join(c if c == "\t" else " " for c in r.source[: r.column - 1])
            width = max(1, r.end_column - r.column) if r.end_line == r.line else 1
            out.append(indent + _paint("^" * width, "31", style.color))
    return "".join(line + "\n" for line in out)


def as_json(summary: Summary, style=None) -> str:
    doc = {
        "version": 1,
        "tool": {"name": "flake8-lambda-state", "version": __version__},
        "findings": [{**{k: v for k, v in asdict(r).items()
                         if k not in ("fingerprint", "source", "fix")},
                      "fix": None if r.fix is None else {"title": r.fix["title"],
                                                         "safe": r.fix["safe"]},
                      "path": shown(r.path)} for r in summary.records],
        "skipped": [{"path": shown(p), "reason": why} for p, why in sorted(summary.skipped.items())],
        "summary": dict(sorted(Counter(r.code for r in summary.records).items())),
        "files_checked": summary.checked,
        "suppressed_by_baseline": summary.suppressed,
    }
    return json.dumps(doc, indent=2) + "\n"


def _artifact(path: str) -> dict:
    """Relative paths are given against %SRCROOT% (the checkout), as GitHub
    code scanning expects; absolute ones as file URIs. Bytes that are not
    UTF-8 are percent-encoded as they are."""
    if os.path.isabs(path):
        return {"uri": pathlib.Path(path).as_uri()}
    rel = os.path.normpath(path).replace(os.sep, "/")
    return {"uri": urllib.parse.quote_from_bytes(os.fsencode(rel)), "uriBaseId": "%SRCROOT%"}


def sarif_rule(code: str) -> dict:
    rule = RULES[code]
    properties = {"tags": family(code)["tags"], "precision": "medium"}
    if code in SECURITY_SEVERITY:
        properties["security-severity"] = SECURITY_SEVERITY[code]
    return {
        "id": code,
        "name": code,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": f"{rule.summary}: {rule.why}."},
        "help": {"text": f"{rule.why}. Fix: {rule.fix}.",
                 "markdown": f"**{rule.summary}.** {rule.why}. Fix: {rule.fix}."},
        "helpUri": help_uri(code),
        "defaultConfiguration": {"level": family(code)["level"], "enabled": rule.default_on},
        "properties": properties,
    }


def sarif_fix(r: Record) -> dict:
    """SARIF 2.1.0 `fix`: the line regions the fix deletes and the text it
    inserts there (a zero-width region for a pure insertion)."""
    replacements = [{
        "deletedRegion": {"startLine": c["start"], "startColumn": 1,
                          "endLine": c["end"], "endColumn": 1},
        "insertedContent": {"text": c["text"]},
    } for c in r.fix["changes"]]
    return {"description": {"text": r.fix["title"] + ("" if r.fix["safe"] else " (unsafe)")},
            "artifactChanges": [{"artifactLocation": _artifact(r.path),
                                 "replacements": replacements}]}


def sarif(summary: Summary, style=None) -> str:
    codes = list(RULES)
    results = [{
        "ruleId": r.code,
        "ruleIndex": codes.index(r.code),
        "level": family(r.code)["level"],
        "message": {"text": r.message},
        "locations": [{"physicalLocation": {
            "artifactLocation": _artifact(r.path),
            "region": {"startLine": r.line, "startColumn": r.column,
                       "endLine": r.end_line, "endColumn": r.end_column},
        }}],
        "partialFingerprints": {"lambdaStateStatement/v1": r.fingerprint},
        **({"fixes": [sarif_fix(r)]} if r.fix is not None and r.fix.get("changes") else {}),
    } for r in summary.records]
    notifications = [{"level": "note", "message": {"text": f"{shown(path)}: skipped: {why}"}}
                     for path, why in sorted(summary.skipped.items())]
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "flake8-lambda-state", "version": __version__,
                                "informationUri": HOMEPAGE,
                                "rules": [sarif_rule(code) for code in codes]}},
            "columnKind": "unicodeCodePoints",
            "results": results,
            "invocations": [{"executionSuccessful": not summary.checked
                             or len(summary.skipped) < summary.checked,
                             "toolExecutionNotifications": notifications}],
        }],
    }
    return json.dumps(doc, indent=2) + "\n"


def _checkout_path(path: str, variable: str) -> str:
    """The path relative to the CI checkout (`$GITHUB_WORKSPACE`,
    `$CI_PROJECT_DIR`), or to the current folder outside CI."""
    base = os.environ.get(variable) or os.getcwd()
    rel = os.path.relpath(os.path.abspath(path), os.path.abspath(base))
    if rel.startswith(".."):
        rel = os.path.abspath(path)
    return shown(rel).replace(os.sep, "/")


def github_data(value: str) -> str:
    """Escaping of a workflow command's message (actions/toolkit escapeData)."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def github_property(value: str) -> str:
    """Escaping of a workflow command's property (actions/toolkit escapeProperty)."""
    return github_data(value).replace(":", "%3A").replace(",", "%2C")


def github(summary: Summary, style=None) -> str:
    """GitHub Actions workflow commands: one annotation per finding."""
    out = []
    for r in summary.records:
        props = [("file", _checkout_path(r.path, "GITHUB_WORKSPACE")), ("line", r.line),
                 ("col", r.column), ("endLine", r.end_line), ("endColumn", r.end_column),
                 ("title", f"{r.code} {RULES[r.code].summary}")]
        joined = ",".join(f"{name}={github_property(str(value))}" for name, value in props)
        level = "error" if family(r.code)["level"] == "error" else "warning"
        out.append(f"::{level} {joined}::{github_data(f'{r.code} {r.message}')}")
    for path, why in sorted(summary.skipped.items()):
        props = (f"file={github_property(_checkout_path(path, 'GITHUB_WORKSPACE'))},"
                 f"title={github_property('flake8-lambda-state skipped this file')}")
        out.append(f"::warning {props}::{github_data(why)}")
    return "".join(line + "\n" for line in out)


def gitlab(summary: Summary, style=None) -> str:
    """GitLab Code Quality report (a JSON array of Code Climate issues)."""
    issues, seen = [], Counter()
    for r in summary.records:
        identity = (r.code, project_path(r.path), r.handler, r.fingerprint)
        seen[identity] += 1
        digest = hashlib.md5("\0".join(identity + (str(seen[identity]),)).encode(
            "utf-8", "surrogateescape")).hexdigest()
        issues.append({
            "type": "issue",
            "engine_name": "flake8-lambda-state",
            "check_name": r.code,
            "description": f"{r.code} {r.message}",
            "categories": [family(r.code)["category"]],
            "severity": family(r.code)["gitlab"],
            "fingerprint": digest,
            "location": {"path": _checkout_path(r.path, "CI_PROJECT_DIR"),
                         "lines": {"begin": r.line, "end": r.end_line}},
        })
    return json.dumps(issues, indent=2) + "\n"


FORMATS = {"text": text, "json": as_json, "sarif": sarif, "github": github, "gitlab": gitlab}
MACHINE_FORMATS = {"json", "sarif", "gitlab"}     # their stdout is one document
