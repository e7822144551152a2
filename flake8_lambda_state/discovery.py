"""Which files `check` and `fix` look at: the paths given, and the Python
files under given folders, minus excluded globs, virtualenvs, node_modules,
VCS and build folders."""
import fnmatch
import os
from typing import Iterable, Iterator, List

SKIPPED_DIRS = {".git", ".hg", ".svn", ".tox", ".nox", ".venv", "venv", "env", "node_modules",
                "__pycache__", "build", "dist", ".eggs", ".mypy_cache", ".pytest_cache",
                ".aws-sam", "cdk.out", ".serverless", "site-packages", ".ruff_cache"}


def _excluded(path: str, patterns: List[str]) -> bool:
    norm = os.path.normpath(path)
    base = os.path.basename(norm)
    return any(fnmatch.fnmatch(base, p) or fnmatch.fnmatch(norm, p)
               or fnmatch.fnmatch(norm, os.path.normpath(p)) for p in patterns)


def python_files(paths: Iterable[str], exclude: List[str]) -> Iterator[str]:
    for start in paths:
        if os.path.isfile(start):
            if not _excluded(start, exclude):
                yield start
            continue
        for folder, dirs, files in os.walk(start):
            dirs[:] = sorted(
                d for d in dirs
                if d not in SKIPPED_DIRS and not d.endswith(".egg-info")
                and not os.path.isfile(os.path.join(folder, d, "pyvenv.cfg"))
                and not _excluded(os.path.join(folder, d), exclude))
            for name in sorted(files):
                path = os.path.join(folder, name)
                if name.endswith(".py") and not _excluded(path, exclude):
                    yield path
