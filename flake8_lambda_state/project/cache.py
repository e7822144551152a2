"""The on-disk cache of module summaries: one JSON file per project and
settings, in a folder inside the project (`.lambda-state-cache/`, which
ignores itself for git). A file whose size and modification time are
unchanged is not read again; a changed file is re-read and re-summarised
only when its content hash changed. A folder that cannot be written is no
error: the run simply does not save its summaries."""
import hashlib
import json
import os
import tempfile
from functools import lru_cache
from typing import Dict, Optional, Tuple

from .summary import VERSION

DEFAULT_FOLDER = ".lambda-state-cache"
ENV_FOLDER = "FLAKE8_LAMBDA_STATE_CACHE_DIR"
OFF = ("off", "none", "false", "0", "no")


def cache_folder(root: Optional[str], option: Optional[str]) -> Optional[str]:
    """Where the cache lives: the option, else the environment variable,
    else `.lambda-state-cache` in the project root; None when turned off."""
    chosen = option or os.environ.get(ENV_FOLDER) or ""
    if chosen.strip().lower() in OFF:
        return None
    if chosen:
        return os.path.abspath(chosen)
    return os.path.join(root, DEFAULT_FOLDER) if root else None


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@lru_cache(maxsize=4)
def source_hash(files: Optional[Tuple[str, ...]] = None) -> str:
    """A hash of this package's own source (`files`, relative to the package,
    or every module): a cache written by other code is never read back."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if files is None:
        files = tuple(sorted(
            os.path.relpath(os.path.join(folder, name), package)
            for folder, dirs, names in os.walk(package) if "__pycache__" not in folder
            for name in names if name.endswith(".py")))
    digest = hashlib.sha256()
    for rel in files:
        digest.update(rel.encode())
        try:
            with open(os.path.join(package, rel), "rb") as fh:
                digest.update(fh.read())
        except OSError:
            pass
    return digest.hexdigest()


class SummaryCache:
    def __init__(self, folder: Optional[str], root: str, fingerprint: str):
        self.folder = folder
        self.root = root
        # One file per project: a folder given by option or environment
        # serves every project of a run (a monorepo holds hundreds).
        project = hashlib.sha256(root.encode("utf-8", "surrogateescape")).hexdigest()[:12]
        self.file = os.path.join(folder, f"summaries-v{VERSION}-{fingerprint}-{project}.json") \
            if folder else None
        self.entries: Dict[str, dict] = {}
        self.dirty = False
        if self.file and os.path.isfile(self.file):
            try:
                with open(self.file, encoding="utf-8") as fh:
                    data = json.load(fh)
                if isinstance(data, dict) and data.get("root") == root:
                    self.entries = data.get("files", {})
            except (OSError, ValueError):
                self.entries = {}

    def get(self, path: str, stat: os.stat_result, templates: list) -> Optional[dict]:
        """The cached entry of an unchanged file ({"summary": None} for a file
        that does not parse: it is not parsed again either), else None.
        `templates` is the signature of the templates that can name handlers
        in the file: a summary lists those handlers, so a template edit
        makes it stale too."""
        entry = self.entries.get(path)
        if entry and entry.get("mtime") == stat.st_mtime_ns and entry.get("size") == stat.st_size \
                and entry.get("templates") == templates:
            return entry
        return None

    def get_by_hash(self, path: str, digest: str, stat: os.stat_result,
                    templates: list) -> Optional[dict]:
        """The cached entry of a file touched but not changed."""
        entry = self.entries.get(path)
        if entry and entry.get("sha") == digest and entry.get("templates") == templates:
            entry["mtime"], entry["size"] = stat.st_mtime_ns, stat.st_size
            self.dirty = True
            return entry
        return None

    def put(self, path: str, digest: str, stat: os.stat_result, templates: list,
            summary: Optional[dict], deferred: bool = False, anchor: bool = False):
        """`deferred`: the module cannot hold a handler and was not summarised
        (no module that can hold one imports it); `anchor`: it is to be
        summarised all the same once its project holds a handler."""
        self.entries[path] = {"mtime": stat.st_mtime_ns, "size": stat.st_size, "sha": digest,
                              "templates": templates, "summary": summary}
        if deferred:
            self.entries[path]["deferred"] = True
            if anchor:
                self.entries[path]["anchor"] = True
        self.dirty = True

    def forget_missing(self, present) -> set:
        """Drop the entries of files no longer there; returns their paths."""
        gone = set(self.entries) - set(present)
        for path in gone:
            del self.entries[path]
        self.dirty = self.dirty or bool(gone)
        return gone

    def save(self):
        """Write atomically; a read-only or missing folder is skipped silently."""
        if not (self.file and self.dirty):
            return
        data = json.dumps({"root": self.root, "files": self.entries}, separators=(",", ":"))
        if write_atomically(self.folder, self.file, data):
            self.dirty = False


def write_atomically(folder: str, target: str, text: str) -> bool:
    """Write `text` to `target` inside cache folder `folder` through a
    temporary file and a rename, so no reader ever sees half of it; the folder
    gets a `.gitignore` of its own. False (no error) when it cannot be written."""
    try:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        ignore = os.path.join(folder, ".gitignore")
        if not os.path.exists(ignore):
            with open(ignore, "w", encoding="utf-8") as fh:
                fh.write("# created by flake8-lambda-state\n*\n")
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(target), prefix=".", suffix=".tmp")
        try:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.replace(tmp, target)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        return True
    except OSError:
        return False
