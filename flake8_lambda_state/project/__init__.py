"""The project: every module under the project root, what each imports,
and which of its functions the project's handlers reach (SPEC Core 7).

`project_for(filename, settings)` gives the index of the project a file
belongs to, built once per process and run (summaries cached on disk)."""
import ast
import hashlib
import json
import os
import stat as stat_module
import sys
from dataclasses import dataclass, field
from functools import cached_property
from typing import Dict, List, Optional, Tuple

from ..deep_stack import call_with_deep_stack
from ..prefilter import may_hold_handler, text_may_hold_handler
from ..pool import chunk_size, process_pool
from ..templates import functions_of_template, template_signature
from .cache import SummaryCache, cache_folder, content_hash, source_hash
from .results import result_file
from .index import FileContext, ProjectIndex
from .modules import ModuleResolver
from .root import find_project_root
from .summary import summarise

_PROJECTS: Dict[Tuple[str, object], "Project"] = {}
_FALLBACK_ROOTS: list = []
_FAILED: set = set()
MAX_FILES = 20_000
SUMMARISE_PARALLEL_FROM = 64   # fewer modules to summarise than this are summarised here,
SUMMARISE_PARALLEL_BYTES = 512 * 1024   # unless they hold this much code


SUMMARY_CODE = ("project/summary.py", "vocabulary.py", "handler_names.py", "templates.py",
                "settings.py", "prefilter.py", "project/__init__.py",
                "project/modules.py")   # the code that writes summaries and picks the modules


def _fingerprint(settings) -> str:
    """What changes a summary: the code that writes it and the settings that
    decide which functions are handlers."""
    key = repr((source_hash(SUMMARY_CODE), settings.handler_names, settings.explicit_handlers,
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


def _summary(tree, path: str, settings):
    """The module's summary; deeply nested code (which `ast` parses) is
    summarised again on a deep stack rather than left out of the index."""
    try:
        return summarise(tree, path, settings)
    except RecursionError:
        try:
            return call_with_deep_stack(summarise, tree, path, settings)
        except RecursionError:
            return None


class Project:
    """The module summaries of one project, and their generation: a hash of
    every module's content and of the templates that name its handlers (None
    when nothing is cached). Reachability is solved on first need, so a
    re-run that finds every file's result in the cache never solves it."""

    def __init__(self, root: Optional[str], summaries: Dict[str, dict], settings,
                 generation: Optional[str], changed: bool = True, unparsed=frozenset()):
        self.root = root
        self.summaries = summaries
        self.unparsed = unparsed      # modules the index needed and could not parse
        self.settings = settings
        self.generation = generation
        self.changed = changed        # a module or template changed since the cache was written

    @cached_property
    def index(self) -> ProjectIndex:
        return ProjectIndex(self.root, self.summaries, self.settings)

    @cached_property
    def has_handlers(self) -> bool:
        """Some module holds a handler: without one nothing is reached, and a
        file that cannot hold one is clean without asking the index or the
        result cache."""
        return any(summary.get("handlers") for summary in self.summaries.values())


@dataclass
class _Pending:
    """A module whose summary the cache does not hold: summarised from `data`
    (read again from `path` when empty)."""
    path: str
    rel: str
    info: os.stat_result
    templates: list
    digest: str
    data: bytes
    anchor: bool = False     # summarised whatever imports it: a CDK app with `snap_start=`


@dataclass
class _Loading:
    """A project half loaded: what the cache answered, in the order of its
    files, and the modules still to summarise (`pending`)."""
    root: Optional[str]
    settings: object
    folder: Optional[str]
    cache: SummaryCache
    paths: List[str]
    order: List[Tuple[str, Optional[str]]] = field(default_factory=list)   # (path, rel | None)
    parsed: Dict[str, Optional[dict]] = field(default_factory=dict)       # path -> summary of a tree
    pending: List[_Pending] = field(default_factory=list)
    deferred: List[_Pending] = field(default_factory=list)   # cannot hold a handler (text or tree)
    summarised: Dict[str, object] = field(default_factory=dict)        # path -> summarise_source
    signature: Optional[list] = None
    resolver: Optional[ModuleResolver] = None    # over the modules not known to fail to parse
    fresh: bool = False      # some module is not in the cache (new, edited, or no cache at all)

    def settle(self, summarised: Dict[str, object]):
        """Pending modules whose tree cannot hold a handler join `deferred`."""
        keep = []
        for job in self.pending:
            if summarised.get(job.path) == NO_HANDLER:
                del summarised[job.path]
                job.data = b""
                self.deferred.append(job)
            else:
                keep.append(job)
        self.pending = keep

    def summary(self, path: str, rel: Optional[str], summarised: Dict[str, object]):
        """The module's summary as far as it is known (None when it is not
        summarised or does not parse)."""
        if rel is None:
            return self.parsed.get(path)
        if path in summarised:
            return summarised[path]
        return self.cache.entries.get(rel, {}).get("summary")

    def has_handlers(self, summarised: Dict[str, object]) -> bool:
        """Some module of the project holds a handler: only then does the
        index need any module that cannot hold one (`deferred`)."""
        return any(_holds_handler(self.summary(path, rel, summarised)) for path, rel in self.order)

    def wanted(self, summarised: Dict[str, object]) -> List[_Pending]:
        """The deferred modules, not summarised yet, that the modules which
        can hold a handler import, directly or through modules summarised
        so far (every file an import could denote), and the `anchor`s. A
        module nothing imports (tests, CDK and scripts beside the functions)
        never runs in a handler's process, and the index needs no summary
        of it. Called again once these are summarised, until it is empty."""
        if not self.deferred or not self.fresh or not self.has_handlers(summarised):
            return []       # every module cached: the run that cached them summarised all wanted
        deferred = {job.path: job for job in self.deferred}
        known = {path: self.summary(path, rel, summarised) for path, rel in self.order}
        files = [path for path, summary in known.items()
                 if summary is not None or (path in deferred and path not in summarised)]
        if self.resolver is None or len(self.resolver.files) != len(files):
            self.resolver = ModuleResolver(self.root, files)   # again only if a module failed
        starts = [path for path, summary in known.items()
                  if isinstance(summary, dict) and path not in deferred]
        starts += [job.path for job in self.deferred if job.anchor or job.path in summarised]
        needed: List[_Pending] = []

        def summary_of(path):
            if path in deferred and path not in summarised:
                needed.append(deferred[path])
            return known.get(path) if isinstance(known.get(path), dict) else None

        self.resolver.reachable(starts, summary_of, every=True)
        return needed


def _holds_handler(summary) -> bool:
    return isinstance(summary, dict) and bool(summary.get("handlers"))


def _plan(root: Optional[str], settings, files=None, trees=None, inline=True) -> _Loading:
    """Everything of load_project but, unless `inline`, summarising the
    modules the cache misses (their bytes are kept in `pending` for that),
    and the modules that cannot hold a handler.

    Such a module goes to `deferred`: one whose text cannot hold a handler
    (prefilter.text_may_hold_handler) is not even parsed here, and one whose
    tree cannot joins it once parsed (`settle`). A deferred module is
    summarised only when the modules that can hold a handler import it
    (`wanted`): a project without handlers (a library, a CDK app, tests) has
    no entry for anything to reach, and in a project with handlers the tests
    and the infrastructure code beside them are never read as modules."""
    paths = [os.path.abspath(p) for p in (files if files is not None else project_files(root))]
    fingerprint = _fingerprint(settings)
    folder = cache_folder(root, settings.cache_dir)
    cache = SummaryCache(folder, root or "", fingerprint)
    loading = _Loading(root, settings, folder, cache, paths, signature=[fingerprint])
    for path in paths[:MAX_FILES]:
        try:
            info = os.stat(path)
        except OSError:
            continue
        if not stat_module.S_ISREG(info.st_mode):
            continue
        rel = os.path.relpath(path, root) if root else path
        templates = [list(t) for t in template_signature(path, settings.templates)]
        if trees and path in trees:     # a file of its own, parsed by flake8 already
            loading.parsed[path] = _summary(trees[path], path, settings)
            loading.order.append((path, None))
            try:
                with open(path, "rb") as fh:
                    digest = content_hash(fh.read())
            except OSError:
                digest = None
            _sign(loading, digest and (rel, digest, templates))
            continue
        entry = cache.get(rel, info, templates)
        if entry is None:
            try:
                with open(path, "rb") as fh:
                    data = fh.read()
            except OSError:
                continue
            digest = content_hash(data)
            entry = cache.get_by_hash(rel, digest, info, templates)
            loading.fresh = loading.fresh or entry is None
            anchor = SNAPSTART_KEYWORD in data
            if entry is None and not _text_may_hold_handler(data, path, settings):
                loading.deferred.append(_Pending(path, rel, info, templates, digest, b"", anchor))
                loading.order.append((path, rel))
                _sign(loading, (rel, digest, templates))
                continue
            if entry is None:
                loading.pending.append(_Pending(path, rel, info, templates, digest,
                                                b"" if inline else data, anchor))
                if inline:
                    loading.summarised[path] = summarise_source((path, data, settings, True))
                loading.order.append((path, rel))
                _sign(loading, (rel, digest, templates))
                continue
        if entry.get("deferred"):
            loading.deferred.append(_Pending(path, rel, info, templates, entry["sha"], b"",
                                             bool(entry.get("anchor"))))
        loading.order.append((path, rel))
        _sign(loading, (rel, entry["sha"], templates))
    loading.settle(loading.summarised)
    return loading


def _text_may_hold_handler(data: bytes, path: str, settings) -> bool:
    """The prefilter on the text, before any parse; text that is not UTF-8
    (another PEP 263 encoding) is parsed and tested on its tree instead."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return text_may_hold_handler(text, path, settings)


def _sign(loading: _Loading, item):
    """Add a module to the project's generation; None (a file that could not
    be hashed) leaves the project without one."""
    if loading.signature is not None and item:
        loading.signature.append(item)
    else:
        loading.signature = None


NO_HANDLER = "cannot hold a handler"
SNAPSTART_KEYWORD = b"snap_start"    # a CDK construct's keyword: summary.snapstart_constructs


def summarise_source(job) -> object:
    """The summary of a module's bytes (None when it does not parse), or the
    exception a bug of ours raised: a worker process hands it back, and the
    parent raises it again inside the project's containment. With `gated`,
    a module whose tree cannot hold a handler (the prefilter) is NO_HANDLER,
    summarised later only if its project holds a handler."""
    path, data, settings, gated = job
    try:
        try:
            if not data:
                with open(path, "rb") as fh:
                    data = fh.read()
            tree = ast.parse(data, path)
            if gated and not may_hold_handler(tree, path, settings):
                return NO_HANDLER
            return _summary(tree, path, settings)
        except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
            return None      # not part of the index; its own check says why
    except Exception as exc:  # noqa: BLE001 - re-raised by _finish
        return exc


def _finish(loading: _Loading, summarised: Dict[str, object]) -> Project:
    """The project, once `summarised` holds every pending module's summary."""
    root, cache, folder = loading.root, loading.cache, loading.folder
    for job in loading.pending + loading.deferred:
        summary = summarised.get(job.path, _DEFERRED)
        if isinstance(summary, Exception):
            raise summary
        if summary is _DEFERRED:
            if cache.get(job.rel, job.info, job.templates) is None \
                    or not cache.entries[job.rel].get("deferred"):   # not already cached as such
                cache.put(job.rel, job.digest, job.info, job.templates, None, deferred=True,
                          anchor=job.anchor)
        else:
            cache.put(job.rel, job.digest, job.info, job.templates, summary)
    summaries = {}
    unparsed = set()
    for path, rel in loading.order:
        summary = loading.parsed[path] if rel is None else cache.entries[rel]["summary"]
        if summary is not None:
            summaries[path] = summary
        elif rel is None or not cache.entries[rel].get("deferred"):
            unparsed.add(path)
    if root:
        gone = cache.forget_missing({os.path.relpath(p, root) for p in loading.paths})
        for rel in gone if folder else ():
            try:
                os.unlink(result_file(folder, os.path.join(root, rel)))
            except OSError:
                pass
    changed = cache.dirty or not folder
    cache.save()
    generation = None
    if folder and loading.signature is not None:
        generation = hashlib.sha256(json.dumps(loading.signature).encode()).hexdigest()
    return Project(root, summaries, loading.settings, generation, changed, frozenset(unparsed))


def load_project(root: Optional[str], settings, files=None, trees=None) -> Project:
    """Summarise the modules of the project that matter (from the cache when
    unchanged; see _plan for those that cannot hold a handler). `trees`
    holds `ast` trees already parsed."""
    loading = _plan(root, settings, files, trees)
    _summarise_wanted([loading], loading.summarised, settings, 1)
    return _finish(loading, loading.summarised)


def _summarise_wanted(plans: List[_Loading], summarised: Dict[str, object], settings,
                      jobs: int) -> None:
    """Summarise the deferred modules the plans want into `summarised`, a
    level of imports at a time (each level by `jobs` processes)."""
    while True:
        wanted = [job for loading in plans for job in loading.wanted(summarised)]
        if not wanted:
            return
        summarised.update(zip([job.path for job in wanted],
                              _summarise_all([(j.path, b"", settings, False) for j in wanted],
                                             jobs, sum(j.info.st_size for j in wanted))))


_DEFERRED = object()     # a module left unsummarised


def build_index(root: Optional[str], settings, files=None, trees=None) -> ProjectIndex:
    """The solved index of a project (see load_project)."""
    return load_project(root, settings, files, trees).index


def project_of(filename: str, settings, tree=None) -> Optional[Project]:
    """The project holding `filename` (None for a file that is not on disk,
    such as flake8's stdin), loaded once per process and run. Outside any
    project the file is a project of its own."""
    if not filename or not os.path.isfile(filename):
        return None
    path = os.path.abspath(filename)
    root = _root_of(path)
    key = (root or path, settings)
    project = _PROJECTS.get(key)
    if project is None:
        trees = {path: tree} if tree is not None and not root else None
        project = _PROJECTS[key] = load_project(root, settings, None if root else [path], trees)
    return project


def prepare_projects(paths, settings, jobs: int = 1) -> None:
    """Load the project of every path that has one, before a command forks
    its workers, so that they inherit it instead of each loading its own.
    The modules the cache misses are summarised by `jobs` processes, once
    the templates they need are parsed here (the workers inherit them, and
    so do the command's). Reachability is solved here too, unless no module
    changed since the cache was written: then the files are answered from
    the result cache and need no solving at all. A project that fails is
    left to each file's own containment."""
    plans: Dict[str, Tuple[str, _Loading]] = {}
    for path in paths:
        root = _root_of(os.path.abspath(path))
        if root is None or root in plans or (root, settings) in _PROJECTS:
            continue
        loading = contained(path, lambda: _plan(root, settings, inline=jobs < 2))
        if loading is not None:
            plans[root] = (path, loading)
    pending = [job for _path, loading in plans.values() for job in loading.pending
               if job.path not in loading.summarised]
    for template in sorted({t[0] for job in pending for t in job.templates}):
        functions_of_template(template)
    summarised = dict(zip([job.path for job in pending],
                          _summarise_all([(j.path, j.data, settings, True) for j in pending],
                                         jobs, sum(j.info.st_size for j in pending))))
    for _path, loading in plans.values():
        summarised.update(loading.summarised)
        loading.settle(summarised)
    _summarise_wanted([loading for _path, loading in plans.values()], summarised, settings, jobs)
    for root, (path, loading) in plans.items():
        project = contained(path, lambda: _finish(loading, summarised))
        if project is None:
            continue
        _PROJECTS[(root, settings)] = project
        if project.changed:
            contained(path, lambda: project.index)


def _summarise_all(work, jobs: int, size: int = 0) -> List[object]:
    """summarise_source of each job, in order: by `jobs` processes when there
    is enough to share (many modules, or `size` bytes of code in all)."""
    if jobs < 2 or len(work) < 2 or (len(work) < SUMMARISE_PARALLEL_FROM
                                     and size < SUMMARISE_PARALLEL_BYTES):
        return [summarise_source(job) for job in work]
    with process_pool(min(jobs, len(work))) as pool:
        return list(pool.map(summarise_source, work, chunksize=chunk_size(len(work), jobs)))


def project_for(filename: str, settings, tree=None) -> Optional[ProjectIndex]:
    """The solved index of the project holding `filename` (see project_of)."""
    project = project_of(filename, settings, tree)
    return project.index if project is not None else None


def needs_project(filename: str, may_hold_handler: bool) -> bool:
    """A file outside any project that cannot hold a handler needs no index."""
    return may_hold_handler or not filename or _root_of(os.path.abspath(filename)) is not None


def contained(filename: str, compute):
    """`compute()`, or None should the index fail (a bug of ours): the file is
    then analysed on its own, with one warning per project rather than a lost
    run."""
    try:
        return compute()
    except Exception as exc:  # noqa: BLE001 - contain our own bugs
        root = _root_of(os.path.abspath(filename)) or filename
        if root not in _FAILED:
            _FAILED.add(root)
            print(f"flake8-lambda-state: warning: project index of {root} failed "
                  f"({type(exc).__name__}: {exc}); files are analysed on their own, please "
                  f"report it", file=sys.stderr)
        return None


def context_for(filename: str, settings, tree=None, may_hold_handler=True) -> Optional[FileContext]:
    """What the project says of `filename` (None without a project)."""
    if not needs_project(filename, may_hold_handler):
        return None

    def context():
        index = project_for(filename, settings, tree)
        return index.context(filename) if index is not None else None
    return contained(filename, lambda: call_with_deep_stack(context))


def index_failed(filename: str) -> bool:
    """The project index of this file failed in this process: its analysis
    was done without the rest of the project (fix leaves such files alone)."""
    root = _root_of(os.path.abspath(filename)) if filename else None
    return (root or filename) in _FAILED


def forget_indexes():
    """A new run may see edited files."""
    _PROJECTS.clear()


__all__ = ["FileContext", "Project", "ProjectIndex", "build_index", "contained", "context_for",
           "find_project_root", "forget_indexes", "index_failed", "load_project", "needs_project",
           "prepare_projects", "project_for", "project_of", "set_fallback_roots"]
