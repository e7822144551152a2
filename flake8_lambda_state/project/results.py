"""Per-file results on disk, so that re-running on unchanged files (pre-commit,
editors, CI with a restored cache folder) does not analyse them again.

Two keys, checked in order:
- the quick key: the file's text, the settings and selected codes, the tool's
  own code, and the project's generation (every module's content and the
  templates that name its handlers). When nothing in the project changed it
  answers without solving the project's reachability at all.
- the precise key: the file's text, settings, codes and tool, what the
  templates and `--lambda-handlers` say of the file, what the project index
  says of it (its `FileContext`), and the summaries of the project modules it
  can see through its imports. After an edit elsewhere in the project, a file
  whose callers and imports did not change is still not analysed again.

One small file per source file in `results/` of the index's cache folder,
overwritten in place (atomically), so the cache never grows beyond the
project. Fix runs need the libcst nodes and never read this cache."""
import dataclasses
import hashlib
import json
import os
from functools import lru_cache
from typing import List, Optional

from .cache import cache_folder, source_hash, write_atomically

FORMAT = 2


@dataclasses.dataclass(frozen=True)
class StoredFix:
    """What `check` reports of a cached finding's fix (no edits: `fix` itself
    always analyses the file afresh)."""
    title: str
    safe: bool


@dataclasses.dataclass
class StoredFinding:
    """A finding read back from the cache: what reporters use of a `Finding`."""
    code: str
    message: str
    line: int
    col: int
    end_line: int
    end_col: int
    handler: str = ""
    call_path: str = ""
    fix: Optional[StoredFix] = None

    @property
    def text(self) -> str:
        return f"{self.code} {self.message}"


def canonical(value):
    """A JSON-ready form of `value` that is the same in every process (sets are
    sorted: their order follows the per-process string hash seed)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: canonical(getattr(value, f.name)) for f in dataclasses.fields(value)
                if f.repr and f.name != "index"}
    if isinstance(value, dict):
        return sorted([canonical(k), canonical(v)] for k, v in value.items())
    if isinstance(value, (set, frozenset)):
        return sorted((canonical(v) for v in value), key=repr)
    if isinstance(value, (list, tuple)):
        return [canonical(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return repr(value)


@lru_cache(maxsize=8)
def _settings_key(settings):
    """The settings as the keys hold them (computed once per run, not per file)."""
    return canonical(settings)


def quick_key(source: str, filename: str, settings, codes, generation: str) -> str:
    parts = [FORMAT, source_hash(), _settings_key(settings), canonical(codes), generation,
             os.path.abspath(filename)]
    return _digest(parts, source)


def precise_key(source: str, filename: str, settings, codes, context) -> str:
    parts = [FORMAT, source_hash(), _settings_key(settings), canonical(codes),
             sorted(settings.explicit_functions(filename)), canonical(context),
             context.index.dependencies(context.path)]
    return _digest(parts, source)


def _digest(parts, source: str) -> str:
    digest = hashlib.sha256(json.dumps(parts, separators=(",", ":")).encode())
    digest.update(source.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def result_file(folder: str, path: str) -> str:
    """Where the result of source file `path` is kept in cache folder `folder`."""
    name = hashlib.sha256(os.path.abspath(path).encode("utf-8", "surrogatepass")).hexdigest()
    return os.path.join(folder, "results", name[:32] + ".json")


class ResultCache:
    """The stored result of one source file: looked up by the quick key first,
    then by the precise key once the project's view of the file is known."""

    def __init__(self, project, settings, filename: str, source: str, codes):
        self.folder = cache_folder(project.root, settings.cache_dir)
        self.file = result_file(self.folder, filename) if self.folder else None
        self.args = (source, filename, settings, codes)
        self.quick = self.precise = None
        self.stored: dict = {}
        if not self.file:
            return
        if project.generation:
            self.quick = quick_key(source, filename, settings, codes, project.generation)
        try:
            with open(self.file, encoding="utf-8") as fh:
                self.stored = json.load(fh)
        except (OSError, ValueError):
            self.stored = {}

    def by_quick_key(self, with_fixes: bool) -> Optional[List[StoredFinding]]:
        """With `with_fixes`, only a result stored with its fixes' titles."""
        return self._get("quick", self.quick, with_fixes)

    def by_precise_key(self, context, with_fixes: bool) -> Optional[List[StoredFinding]]:
        if self.file and context is not None:
            self.precise = precise_key(*self.args, context)
            found = self._get("precise", self.precise, with_fixes)
            if found is not None and self.quick:
                self.save(found, self.stored.get("fixes"))  # the next run answers by the quick key
            return found
        return None

    def _get(self, kind: str, key: Optional[str], with_fixes: bool) -> Optional[List[StoredFinding]]:
        stored = self.stored
        if not key or not isinstance(stored, dict) or stored.get(kind) != key \
                or (with_fixes and not stored.get("fixes")):
            return None
        try:
            return [StoredFinding(**dict(row, fix=StoredFix(**row["fix"]) if row.get("fix") else None))
                    for row in stored.get("findings", [])]
        except (TypeError, KeyError):
            return None

    def save(self, findings, with_fixes: bool) -> None:
        """Keep `findings` (and, `with_fixes`, their fixes' titles) under the
        keys known so far; a folder that cannot be written is no error."""
        if not self.file or not (self.quick or self.precise):
            return
        rows = []
        for f in findings:
            fix = getattr(f, "fix", None) if with_fixes else None
            rows.append({"code": f.code, "message": f.message, "line": f.line, "col": f.col,
                         "end_line": f.end_line, "end_col": f.end_col, "handler": f.handler,
                         "call_path": f.call_path,
                         "fix": {"title": fix.title, "safe": fix.safe} if fix else None})
        self.stored = {"quick": self.quick, "precise": self.precise, "fixes": bool(with_fixes),
                       "findings": rows}
        write_atomically(self.folder, self.file, json.dumps(self.stored, separators=(",", ":")))


__all__ = ["ResultCache", "StoredFinding", "precise_key", "quick_key", "result_file"]
