"""The project: every module under the project root, what each imports,
and which of its functions the project's handlers reach (SPEC Core 7).

`project_for(filename, settings)` gives the index of the project a file
belongs to, built once per process and run (summaries cached on disk)."""
import ast
import hashlib
import os
import stat as stat_module
import sys
from typing import Dict, Optional, Tuple

from .cache import SummaryCache, cache_folder, content_hash
from .index import FileContext, ProjectIndex
from .root import find_project_root
from .summary import summarise

_INDEXES: Dict[Tuple[str, object], ProjectIndex] = {}
_FALLBACK_ROOTS: list = []
_FAILED: set = set()
MAX_FILES = 20_000


def _code_version() -> str:
    """A hash of the code that writes summaries: a cache written by another
    version of the tool is never read."""
    global _CODE_VERSION
    if _CODE_VERSION is None:
        here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        digest = hashlib.sha256()
        for rel in ("project/summary.py", "vocabulary.py", "handler_names.py", "templates.py"):
            try:
                with open(os.path.join(here, rel), "rb") as fh:
                    digest.update(fh.read())
            except OSError:
                digest.update(rel.encode())
        _CODE_VERSION = digest.hexdigest()
    return _CODE_VERSION


_CODE_VERSION = None


def _fingerprint(settings) -> str:
    """What changes a summary: the code that writes it and the settings that
    decide which functions are handlers."""
    key = repr((_code_version(), settings.handler_names, settings.explicit_handlers,
                settings.templates))
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def project_files(root: str):
    """The project's Python files: those whose nearest project root is `root`
    (a nested folder with a root marker of its own is another project)."""
    from ..discovery import project_python_files
    return [path for path in project_python_files(root)
            if (find_project_root(path) or root) == root]


def set_fallback_roots(folders):
    """Folders named on the command line: the project of a file under one of
    them that has no root marker above it (SPEC Core 7)."""
    _FALLBACK_ROOTS[:] = sorted({os.path.abspath(f) for f in folders if os.path.isdir(f)},
                                key=len, reverse=True)


def _root_of(path: str) -> Optional[str]:
    root = find_project_root(path)
    if root is None:
        root = next((f for f in _FALLBACK_ROOTS if path.startswith(f + os.sep)), None)
    return root


def build_index(root: Optional[str], settings, files=None, trees=None) -> ProjectIndex:
    """Summarise every module of the project (from the cache when unchanged)
    and solve reachability. `trees` holds `ast` trees already parsed."""
    paths = [os.path.abspath(p) for p in (files if files is not None else project_files(root))]
    cache = SummaryCache(cache_folder(root, settings.cache_dir), root or "", _fingerprint(settings))
    summaries = {}
    for path in paths[:MAX_FILES]:
        try:
            info = os.stat(path)
        except OSError:
            continue
        if not stat_module.S_ISREG(info.st_mode):
            continue
        rel = os.path.relpath(path, root) if root else path
        if trees and path in trees:
            summaries[path] = summarise(trees[path], path, settings)
            continue
        entry = cache.get(rel, info)
        if entry is None:
            try:
                with open(path, "rb") as fh:
                    data = fh.read()
            except OSError:
                continue
            digest = content_hash(data)
            entry = cache.get_by_hash(rel, digest, info)
            if entry is None:
                try:
                    summary = summarise(ast.parse(data, path), path, settings)
                except (SyntaxError, ValueError, RecursionError, MemoryError):
                    summary = None      # not part of the index; its own check says why
                cache.put(rel, digest, info, summary)
                entry = {"summary": summary}
        summary = entry["summary"]
        if summary is not None:
            summaries[path] = summary
    if root:
        cache.forget_missing({os.path.relpath(p, root) for p in paths})
    cache.save()
    return ProjectIndex(root, summaries, settings)


def project_for(filename: str, settings, tree=None) -> Optional[ProjectIndex]:
    """The index of the project holding `filename` (None for a file that is
    not on disk, such as flake8's stdin). Outside any project the file is a
    project of its own."""
    if not filename or not os.path.isfile(filename):
        return None
    path = os.path.abspath(filename)
    root = _root_of(path)
    key = (root or path, settings)
    index = _INDEXES.get(key)
    if index is None:
        trees = {path: tree} if tree is not None and not root else None
        index = build_index(root, settings, None if root else [path], trees)
        _INDEXES[key] = index
    return index


def context_for(filename: str, settings, tree=None, may_hold_handler=True) -> Optional[FileContext]:
    """What the project says of `filename`. A file outside any project that
    cannot hold a handler needs no index at all. Should the index itself fail
    (a bug of ours), the file is analysed on its own, with one warning per
    project rather than a lost run."""
    if not may_hold_handler and filename and _root_of(os.path.abspath(filename)) is None:
        return None
    try:
        index = project_for(filename, settings, tree)
        return index.context(filename) if index is not None else None
    except Exception as exc:  # noqa: BLE001 - contain our own bugs
        root = _root_of(os.path.abspath(filename)) or filename
        if root not in _FAILED:
            _FAILED.add(root)
            print(f"flake8-lambda-state: warning: project index of {root} failed "
                  f"({type(exc).__name__}: {exc}); files are analysed on their own, please "
                  f"report it", file=sys.stderr)
        return None


def index_failed(filename: str) -> bool:
    """The project index of this file failed in this process: its analysis
    was done without the rest of the project (fix leaves such files alone)."""
    root = _root_of(os.path.abspath(filename)) if filename else None
    return (root or filename) in _FAILED


def forget_indexes():
    """A new run may see edited files."""
    _INDEXES.clear()


__all__ = ["FileContext", "ProjectIndex", "build_index", "context_for", "find_project_root",
           "forget_indexes", "index_failed", "project_for", "set_fallback_roots"]
