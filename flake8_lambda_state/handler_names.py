"""Name-level handler tests shared by the cheap prefilter and the full
analysis (no libcst here, so the prefilter stays cheap to import)."""
import fnmatch
import os
from typing import Sequence

CONTEXT_NAMES = {"context", "ctx", "_context", "lambda_context"}
# Why a function is a handler, for the two forms that a call from another
# handler overrides (SPEC Core 2: such a function is that handler's helper).
PLAIN_NAME = "name matches the handler-name patterns"
PLAIN_SIGNATURE = "takes (event, context)"


def is_test_file(filename: str) -> bool:
    path = filename.replace("\\", "/")
    base = os.path.basename(path)
    if base.startswith("test_") or base.endswith("_test.py") or base == "conftest.py":
        return True
    return "/tests/" in f"/{path}" or "/test/" in f"/{path}"


def module_matches(filename: str, module: str) -> bool:
    """`pkg.app` names `.../pkg/app.py` and `.../pkg/app/__init__.py`."""
    path = os.path.splitext(filename.replace("\\", "/"))[0]
    if path.endswith("/__init__"):
        path = path[: -len("/__init__")]
    parts = [p for p in path.split("/") if p not in ("", ".")]
    wanted = module.replace("/", ".").split(".")
    return parts[-len(wanted):] == wanted


def name_matches(name: str, patterns: Sequence[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)
