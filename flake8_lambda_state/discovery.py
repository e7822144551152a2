"""Which files `check` looks at: the Python files named or found under the
folders named, minus the user's exclude globs and, unless turned off, the
default excludes.

Default excludes are decided by what a folder holds, not by its name alone
(a package may be called `build` or `venv`):
- tool folders that never hold a project's own code: `.git`, `.hg`, `.svn`,
  `__pycache__`, `.tox`, `.nox`, `.eggs`, `*.egg-info` and the linters' caches;
- vendored and generated trees: virtual environments (a folder with a
  `pyvenv.cfg`), `site-packages`, `dist-packages`, `node_modules`, `.aws-sam`,
  `cdk.out`, `.serverless`, setuptools' `build` output (a `build` folder with
  `lib`/`bdist.*` next to packaging metadata), the packages that `pip install
  --target` put into a folder (named in the `RECORD`/`top_level.txt` of the
  `*.dist-info` folders beside them, as in a layer's `python/` folder), and a
  layer's `python/` folder holding boto3 or botocore without metadata.

Only regular files are read: a FIFO or device named `*.py` is never opened."""
import fnmatch
import os
import stat
from dataclasses import dataclass, field
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Set, Tuple

from .project.root import find_project_root

TOOL_DIRS = {".git", ".hg", ".svn", "__pycache__", ".tox", ".nox", ".eggs", ".mypy_cache",
             ".pytest_cache", ".ruff_cache", ".hypothesis"}
VENDORED_DIRS = {"site-packages": "installed packages (site-packages)",
                 "dist-packages": "installed packages (dist-packages)",
                 "node_modules": "node_modules", ".aws-sam": "SAM build output (.aws-sam)",
                 "cdk.out": "CDK output (cdk.out)", ".serverless": "Serverless output (.serverless)"}
PACKAGING_FILES = ("setup.py", "setup.cfg", "pyproject.toml")
AWS_SDK_PACKAGES = ("boto3", "botocore")


@dataclass
class Discovery:
    files: List[str] = field(default_factory=list)
    excluded: List[Tuple[str, str]] = field(default_factory=list)   # (path, why), for --verbose
    not_regular: List[str] = field(default_factory=list)            # named paths that are not files


def _glob_excluded(path: str, patterns: Sequence[str]) -> bool:
    norm = os.path.normpath(path)
    base = os.path.basename(norm)
    return any(fnmatch.fnmatch(base, p) or fnmatch.fnmatch(norm, p)
               or fnmatch.fnmatch(norm, os.path.normpath(p)) for p in patterns)


def _named_path_excluded(path: str, patterns: Sequence[str]) -> bool:
    """A named file or folder is excluded when it, or a folder on its way
    from the current folder (or from its project root, for a path outside
    the current folder), matches a glob: `src/vendor/x.py` with `vendor`."""
    if not patterns:
        return False
    absolute = os.path.abspath(path)
    rel = os.path.relpath(absolute)
    if rel.startswith(".."):
        rel = os.path.relpath(absolute, find_project_root(absolute) or os.path.dirname(absolute))
    parts = [] if rel == "." else rel.split(os.sep)
    prefixes = [os.path.join(*parts[:i]) for i in range(1, len(parts) + 1)]
    return _glob_excluded(path, patterns) or any(_glob_excluded(p, patterns) for p in prefixes)


def is_regular_file(path: str) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def _installed_names(folder: str, entries: Sequence[str]) -> Dict[str, str]:
    """Top-level names that `pip install --target folder` put there, from the
    distributions' metadata beside them: {name: distribution folder}."""
    names: Dict[str, str] = {}
    for entry in entries:
        if not entry.endswith(".dist-info"):
            continue
        meta = os.path.join(folder, entry)
        found: Set[str] = set()
        for listing in ("top_level.txt", "RECORD"):
            try:
                with open(os.path.join(meta, listing), encoding="utf-8", errors="replace") as fh:
                    for line in fh:
                        first = line.split(",", 1)[0].strip().split("/", 1)[0]
                        if first and first != ".." and not first.endswith(".dist-info"):
                            found.add(first)
            except OSError:
                continue
        if not found:
            found.add(entry.split("-", 1)[0].lower().replace("-", "_"))
        for name in found:
            names.setdefault(name, entry)
            if not name.endswith(".py"):
                names.setdefault(name + ".py", entry)
    return names


def _folder_reason(folder: str, name: str, entries: Sequence[str]) -> Optional[str]:
    """Why the default excludes leave out `folder` (whose own entries are
    `entries`), or None."""
    if name in VENDORED_DIRS:
        return VENDORED_DIRS[name]
    if "pyvenv.cfg" in entries:
        return "virtual environment (pyvenv.cfg)"
    if name == "python" and any(p in entries for p in AWS_SDK_PACKAGES) and not any(
            e.endswith(".dist-info") for e in entries):
        return "Lambda layer packages (python/ holding boto3/botocore)"
    if name == "build" and (("lib" in entries) or any(e.startswith("bdist.") for e in entries)):
        parent = os.path.dirname(os.path.abspath(folder))
        if any(os.path.isfile(os.path.join(parent, f)) for f in PACKAGING_FILES):
            return "setuptools build output"
    return None


def _listing(folder: str) -> List[str]:
    try:
        return os.listdir(folder)
    except OSError:
        return []


def _ancestor_reason(path: str) -> Optional[Tuple[str, str]]:
    """For a named file or folder: the first folder between its project root
    and itself that the default excludes leave out, with the reason."""
    absolute = os.path.abspath(path)
    root = find_project_root(absolute) or os.path.dirname(absolute)
    rel = os.path.relpath(absolute, root)
    if rel == "." or rel.startswith(".."):
        return None
    parts = rel.split(os.sep)
    current = root
    for index, part in enumerate(parts):
        parent_entries = _listing(current)
        installed = _installed_names(current, parent_entries)
        if part in installed:
            return os.path.join(current, part), f"installed by {installed[part]}"
        current = os.path.join(current, part)
        if index == len(parts) - 1 and not os.path.isdir(current):
            break
        if part in TOOL_DIRS or part.endswith(".egg-info"):
            return current, "tool folder"
        reason = _folder_reason(current, part, _listing(current))
        if reason:
            return current, reason
    return None


def discover(paths: Iterable[str], exclude: Sequence[str] = (),
             default_excludes: bool = True) -> Discovery:
    """The Python files to check under `paths`, in a stable order."""
    result = Discovery()
    for start in paths:
        if _named_path_excluded(start, exclude):
            result.excluded.append((start, "--exclude"))
            continue
        if default_excludes:
            hit = _ancestor_reason(start)
            if hit:
                result.excluded.append((start, f"inside {hit[0]}: {hit[1]}"))
                continue
        if not os.path.isdir(start):
            if is_regular_file(start):
                result.files.append(start)
            else:
                result.not_regular.append(start)
            continue
        _walk(start, exclude, default_excludes, result)
    seen: Set[str] = set()           # `check . src` reads each file once
    unique = []
    for path in result.files:
        real = os.path.realpath(path)
        if real not in seen:
            seen.add(real)
            unique.append(path)
    result.files = unique
    return result


def _walk(start: str, exclude: Sequence[str], default_excludes: bool, result: Discovery):
    for folder, dirs, files in os.walk(start):
        entries = dirs + files
        installed = _installed_names(folder, entries) if default_excludes else {}
        kept = []
        for name in sorted(dirs):
            path = os.path.join(folder, name)
            if name in TOOL_DIRS or name.endswith(".egg-info"):
                continue                        # never a project's code: not worth a line
            if _glob_excluded(path, exclude):
                result.excluded.append((path, "--exclude"))
                continue
            if default_excludes:
                reason = (f"installed by {installed[name]}" if name in installed
                          else _folder_reason(path, name, _listing(path)))
                if reason:
                    result.excluded.append((path, reason))
                    continue
            kept.append(name)
        dirs[:] = kept
        for name in sorted(files):
            if not name.endswith(".py"):
                continue
            path = os.path.join(folder, name)
            if _glob_excluded(path, exclude):
                result.excluded.append((path, "--exclude"))
            elif name in installed:
                result.excluded.append((path, f"installed by {installed[name]}"))
            elif not is_regular_file(path):
                result.excluded.append((path, "not a regular file"))
            else:
                result.files.append(path)


def python_files(paths: Iterable[str], exclude: Sequence[str] = (),
                 default_excludes: bool = True) -> Iterator[str]:
    """The Python files under `paths` (files named directly are kept when
    they are regular files and not excluded)."""
    yield from discover(paths, exclude, default_excludes).files


def project_python_files(root: str, exclude: Sequence[str] = ()) -> List[str]:
    """Every Python file of the project under `root`, default excludes
    applied: what a whole-project index reads."""
    return discover([root], exclude).files
