"""Which file an import names inside a project (SPEC Core 7), and which
modules a set of modules imports, transitively.

The index resolves imports with it once every module it needs is
summarised; project loading uses it before that, with every candidate file
(`every=True`), to learn which modules that cannot hold a handler the
handlers' modules import, and summarises only those."""
import os
from typing import Callable, Dict, Iterable, Iterator, List, Optional, Tuple


class ModuleResolver:
    """Import resolution over a set of module files below `root`."""

    def __init__(self, root: Optional[str], files: Iterable[str]):
        self.root = root
        self.files = set(files)
        self.folders = {folder for path in self.files
                        for folder in ancestors_named(os.path.dirname(path), None, root)}
        self.layer_roots = sorted({d for d in (os.path.dirname(p) for p in self.files)
                                   for d in ancestors_named(d, "python", root)})
        self._candidates: Dict[Tuple[str, str, int], List[str]] = {}   # (folder, module, level)
        self._roots: Dict[str, List[str]] = {}                          # folder -> import roots
        self._packages: Optional[Dict[str, List[str]]] = None

    def import_roots(self, importer: str) -> List[str]:
        """Folders a module can be imported from (SPEC Core 7): every ancestor
        of the importing file up to the root, the root's `src/`, and every
        layer `python/` folder."""
        folder = os.path.dirname(importer)
        known = self._roots.get(folder)
        if known is not None:
            return known
        roots = self._roots[folder] = []
        stop = self.root or folder
        while True:
            roots.append(folder)
            if folder == stop or os.path.dirname(folder) == folder or not folder.startswith(stop):
                break
            folder = os.path.dirname(folder)
        if self.root:
            roots.append(os.path.join(self.root, "src"))
        roots.extend(self.layer_roots)
        return roots

    def resolve_module(self, importer: str, module: str, level: int = 0) -> Optional[str]:
        """The file (or namespace package folder) `import module` denotes in
        `importer`, or None outside the project."""
        return next(self.module_candidates(importer, module, level), None)

    def module_candidates(self, importer: str, module: str, level: int) -> Iterator[str]:
        """Every file or namespace folder of the project that `module` could
        denote in `importer`, first the one Python would import."""
        key = (os.path.dirname(importer), module, level)
        found = self._candidates.get(key)
        if found is None:
            found = self._candidates[key] = list(self._candidates_from(importer, module, level))
        if level and not module:
            return iter(found)          # `from . import x` in a package's __init__ is the package
        return (path for path in found if path != importer)

    def _candidates_from(self, importer: str, module: str, level: int) -> Iterator[str]:
        """module_candidates, with `importer` itself among them (the answer
        depends on its folder only)."""
        rel = module.replace(".", "/") if module else ""
        if level:
            base = os.path.dirname(importer)
            for _ in range(level - 1):
                base = os.path.dirname(base)
            if not rel:
                init = os.path.join(base, "__init__.py")
                if init in self.files:
                    yield init
                elif base in self.folders:
                    yield base
                return
            bases = [base]
        else:
            bases = self.import_roots(importer)
        for base in bases:
            stem = os.path.join(base, rel) if rel else base
            for candidate in (stem + ".py", os.path.join(stem, "__init__.py")):
                candidate = os.path.normpath(candidate)
                if candidate in self.files:
                    yield candidate
            if rel and os.path.normpath(stem) in self.folders:
                yield os.path.normpath(stem)   # a namespace package (a folder without __init__)

    def submodule(self, package: str, name: str) -> Optional[str]:
        """The file of submodule `name` of a package (its `__init__.py` or
        its folder), or None."""
        folder = package if not package.endswith(".py") else os.path.dirname(package)
        for candidate in (os.path.join(folder, name + ".py"),
                          os.path.join(folder, name, "__init__.py")):
            if candidate in self.files:
                return candidate
        return None

    def children(self, folder: str) -> List[str]:
        """The modules and subpackages directly inside a package folder."""
        if self._packages is None:
            self._packages = {}
            for item in list(self.files) + list(self.folders):
                self._packages.setdefault(os.path.dirname(item), []).append(item)
        return self._packages.get(folder, [])

    def imported(self, path: str, summary: Optional[dict], whole: bool,
                 every: bool = False) -> List[Tuple[Optional[str], bool]]:
        """(module, imported whole) for each import of the module at `path`
        (None where it leaves the project). A package imported whole brings
        its submodules (`import pkg` then `pkg.sub.f`). With `every`, each
        candidate file of an import, not only the one Python would pick."""
        found: List[Tuple[Optional[str], bool]] = []
        if whole and (path in self.folders or path.endswith(os.sep + "__init__.py")):
            found += [(child, True) for child in self.children(
                path if path in self.folders else os.path.dirname(path))]
        for module, symbol, level in (summary or {}).get("imports", {}).values():
            owners = list(self.module_candidates(path, module, level)) if every \
                else [self.resolve_module(path, module, level)]
            for owner in owners or [None]:
                found.append((owner, symbol is None))
                if owner is not None and symbol is not None:
                    found.append((self.submodule(owner, symbol), True))
        return found

    def reachable(self, starts: Iterable[str], summary_of: Callable[[str], Optional[dict]],
                  every: bool = False) -> Dict[str, List[Optional[str]]]:
        """Every module `starts` import, transitively (themselves included),
        with what each one's imports resolve to."""
        seen = {path: False for path in starts}   # module -> whether its submodules were added
        resolved: Dict[str, List[Optional[str]]] = {}
        todo = [(path, False) for path in seen]
        while todo:
            current, whole = todo.pop()
            found = self.imported(current, summary_of(current), whole, every)
            resolved[current] = [dep for dep, _ in found]
            for dep, expand in found:
                if dep is not None and (dep not in seen or (expand and not seen[dep])):
                    seen[dep] = expand
                    todo.append((dep, expand))
        return resolved


def ancestors_named(folder: str, name: Optional[str], root: Optional[str]) -> Iterable[str]:
    """Ancestor folders of `folder` (itself included) named `name` (any name
    when None), below `root`."""
    while folder and (root is None or folder.startswith(root)):
        if name is None or os.path.basename(folder) == name:
            yield folder
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
