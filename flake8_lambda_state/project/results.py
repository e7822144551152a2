"""Per-file results on disk, so that re-running on unchanged files (pre-commit,
editors, CI with a restored cache folder) does not analyse them again.

A result is keyed on everything the analysis of a file reads: its text, the
settings and selected codes, the tool's own code, what the templates and
`--lambda-handlers` say of the file, what the project index says of it (its
`FileContext`), and the summaries of the project modules it can see through
its imports. One small file per key in `results/` of the index's cache folder,
written atomically, so concurrent flake8 workers never see half a result.
Fix runs need the libcst nodes and never read this cache."""
import dataclasses
import hashlib
import json
import os
import tempfile
from typing import List, Optional

from .cache import cache_folder

FORMAT = 1


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


_TOOL_VERSION: Optional[str] = None


def tool_version() -> str:
    """A hash of the package's own source: a result computed by other code is
    never read back."""
    global _TOOL_VERSION
    if _TOOL_VERSION is None:
        package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        digest = hashlib.sha256()
        for folder, dirs, files in os.walk(package):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(f for f in files if f.endswith(".py")):
                path = os.path.join(folder, name)
                digest.update(os.path.relpath(path, package).encode())
                with open(path, "rb") as fh:
                    digest.update(fh.read())
        _TOOL_VERSION = digest.hexdigest()
    return _TOOL_VERSION


def result_key(source: str, filename: str, settings, codes, context) -> str:
    parts = [FORMAT, tool_version(), canonical(settings), canonical(codes),
             sorted(settings.explicit_functions(filename)), canonical(context),
             context.index.dependencies(context.path)]
    digest = hashlib.sha256(json.dumps(parts, separators=(",", ":")).encode())
    digest.update(source.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


class ResultCache:
    """Results of the files of one project, in `<cache folder>/results/`."""

    def __init__(self, context, settings):
        folder = cache_folder(context.index.root, settings.cache_dir) if context.index else None
        self.folder = os.path.join(folder, "results") if folder else None

    def _file(self, key: str) -> str:
        return os.path.join(self.folder, key[:2], key[2:] + ".json")

    def get(self, key: str) -> Optional[List[StoredFinding]]:
        if not self.folder:
            return None
        try:
            with open(self._file(key), encoding="utf-8") as fh:
                return [StoredFinding(**row) for row in json.load(fh)]
        except (OSError, ValueError, TypeError):
            return None

    def put(self, key: str, findings) -> None:
        """Write atomically; a folder that cannot be written is no error."""
        if not self.folder:
            return
        rows = [{"code": f.code, "message": f.message, "line": f.line, "col": f.col,
                 "end_line": f.end_line, "end_col": f.end_col, "handler": f.handler,
                 "call_path": f.call_path} for f in findings]
        target = self._file(key)
        try:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=os.path.dirname(target), suffix=".tmp")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    json.dump(rows, fh, separators=(",", ":"))
                os.replace(tmp, target)
            except BaseException:
                if os.path.exists(tmp):
                    os.unlink(tmp)
                raise
        except OSError:
            pass


__all__ = ["ResultCache", "StoredFinding", "result_key"]
