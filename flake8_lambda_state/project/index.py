"""The project index (SPEC Core 2 and 7): every module of the project, what
its imports resolve to, and the functions the project's handlers reach,
with the call path, the handlers that reach them, which parameters carry
request data and whether they run on every invocation.

The libcst analysis of one file asks the index for its `FileContext`: the
functions of that file that handlers elsewhere reach (its entry points), what
its imports denote, and which of its handlers are really helpers of another
handler. Everything here works on module summaries (summary.py), so a file
is read and summarised once per content, whatever the number of runs."""
import hashlib
import json
import os
from collections import deque
from dataclasses import dataclass, field
from functools import cached_property
from typing import Dict, FrozenSet, Iterable, List, Optional, Set, Tuple

from ..handler_names import CONTEXT_NAMES, PLAIN_NAME, PLAIN_SIGNATURE
from ..templates import MANAGED_INSTANCES, SNAPSTART
from .deployment import Deployment
from .modules import ModuleResolver
from .summary import RECORD, REQUEST, ROUTE, route_kind

NONE, REQ, SENSITIVE = 0, 1, 2
BOUNDED_FACTORIES = ("cachetools.", "collections.deque")
MAX_NODES = 200_000   # a bound on the walk, far above any real project


@dataclass(frozen=True)
class Target:
    """What a name denotes in the project: a module, a function or class of a
    module, a module-level binding (module state), or a method."""
    kind: str            # module | function | class | state | method
    path: str
    name: str = ""       # "", "f", "Cls", "Cls.m", "STATE"


@dataclass
class Entry:
    """A function of a file reached from handlers in other files."""
    key: str                                   # "save" or "Cls.method"
    handler: str                               # the first handler, "app.lambda_handler"
    handler_kind: str
    others: int                                # how many other handlers reach it
    path: Tuple[str, ...]                      # module-qualified call path
    params: Dict[str, int] = field(default_factory=dict)   # request-data level per parameter
    hot: bool = False                          # runs on every invocation
    self_state: bool = False                   # `self` is a module-level instance
    constant_params: FrozenSet[str] = frozenset()   # every caller passes an init-time constant


@dataclass
class FileContext:
    """What the project says about one file."""
    entries: List[Entry] = field(default_factory=list)
    demoted: FrozenSet[str] = frozenset()      # (event, context) functions another handler calls
    imports: Dict[str, Target] = field(default_factory=dict)   # local name -> project target
    evicted: FrozenSet[Tuple[str, str]] = frozenset()          # (path, name) evicted anywhere
    request_keyed: FrozenSet[Tuple[str, str]] = frozenset()    # filled with request-data keys
    bounded: FrozenSet[Tuple[str, str]] = frozenset()          # built by a bounded cache factory
    handler_counts: Dict[str, int] = field(default_factory=dict)  # local handler -> others reaching
    reach_counts: Dict[str, int] = field(default_factory=dict)    # function -> handlers reaching it
    hot_sites: Dict[str, int] = field(default_factory=dict)       # function -> per-invocation callers
    module: str = ""                                              # dotted name for messages
    routes: Dict[str, str] = field(default_factory=dict)          # function -> why it is a route
    request_attributes: FrozenSet[str] = frozenset()              # `app.current_event` of an import
    path: str = ""
    index: Optional["ProjectIndex"] = None
    # How Lambda runs what reaches this file (SPEC LAM5xx): whether a SnapStart
    # handler (here or elsewhere: template, CDK, option, import) reaches any
    # function here, so that this module's init runs before the snapshot, and
    # the functions here that a Managed Instances handler reaches.
    snapstart_reached: bool = False
    managed_instances_reached: FrozenSet[str] = frozenset()

    def identity(self, container: str, own_names) -> Optional[Tuple[str, str]]:
        """(path, name) of a container named in this file: one of its own
        module names, or another module's state reached through an import."""
        return self.state_of(container) or ((self.path, container) if container in own_names else None)

    def returned_by(self, dotted_name: str) -> Optional[str]:
        """What an imported project function returns a new instance of
        (`boto3.Session` for `def session(): return boto3.Session(...)`)."""
        if self.index is None:
            return None
        head, _, rest = dotted_name.partition(".")
        target = self.index.follow(self.imports.get(head), rest.split(".") if rest else [])
        fn = self.index.function(target) if target is not None else None
        return fn.get("returns_built") if fn else None

    def binding_of(self, dotted_name: str) -> Optional[dict]:
        """The module-level binding an imported dotted name denotes, as the
        index summarised it (`built_by`, `service`), or None."""
        found = self.state_of(dotted_name)
        if found is None:
            return None
        return self.index.summaries[found[0]]["bindings"].get(found[1])

    def state_of(self, dotted_name: str) -> Optional[Tuple[str, str]]:
        """(path, name) of the module state an imported dotted name denotes
        (`store.OVERRIDES`, `OVERRIDES` after `from store import OVERRIDES`)."""
        if self.index is None:
            return None
        head, _, rest = dotted_name.partition(".")
        target = self.imports.get(head)
        if target is None:
            return None
        target = self.index.follow(target, rest.split(".") if rest else [])
        if target is not None and target.kind == "state":
            return target.path, target.name
        return None


@dataclass
class _Node:
    path: str
    key: str
    served: str                                 # "path::Cls" whose methods `self.m()` reaches
    params: Dict[str, int] = field(default_factory=dict)
    hot: bool = False
    self_state: bool = False
    crossed: bool = False                       # reached through another file
    handlers: int = 0                           # bit i set: handler i reaches it
    constant: Set[str] = field(default_factory=set)   # parameters every caller passes a constant


class ProjectIndex(ModuleResolver):
    def __init__(self, root: Optional[str], summaries: Dict[str, dict], settings):
        super().__init__(root, summaries)
        self.summaries = summaries
        self.settings = settings
        self._names: Dict[Tuple[str, str], Optional[Target]] = {}
        self.nodes: Dict[Tuple[str, str, str], _Node] = {}
        self.hot_sites: Dict[Tuple[str, str], Set[Tuple[str, int]]] = {}
        self.evicted: Set[Tuple[str, str]] = set()
        self.request_keyed: Set[Tuple[str, str]] = set()   # containers filled with request keys
        self.handlers: List[Tuple[str, str, str, str]] = []   # path, function, kind, reason
        self.demoted: Set[Tuple[str, str]] = set()
        self._contexts: Dict[str, FileContext] = {}
        self.edges: Dict[Tuple[str, str, str], List[Tuple[str, str, str]]] = {}   # node -> callees
        self._routes: Dict[int, dict] = {}
        self._resolved: Dict[Tuple[str, str, str], list] = {}
        self._sensitive_names: Dict[str, bool] = {}
        self._displays: Dict[str, str] = {}
        self._hashes: Dict[str, str] = {}
        self._solve()
        self._handler_ids = {h[:2] for h in self.handlers}
        self._by_path: Dict[str, List[_Node]] = {}
        for node in self.nodes.values():
            self._by_path.setdefault(node.path, []).append(node)

    # --- modules ------------------------------------------------------------
    def display_module(self, path: str) -> str:
        """`enrich.crm` for src/enrich/crm.py: the dotted name below the
        project root, a `src/` folder or a layer's `python/` folder."""
        shown = self._displays.get(path)
        if shown is None:
            shown = self._displays[path] = self._display_module(path)
        return shown

    def _display_module(self, path: str) -> str:
        base = self.root or os.path.dirname(path)
        rel = os.path.relpath(path, base).replace(os.sep, "/")
        parts = rel[:-3].split("/") if rel.endswith(".py") else rel.split("/")
        for marker in ("python", "src"):
            if marker in parts[:-1]:
                parts = parts[len(parts) - parts[::-1].index(marker):]
        if parts and parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        return ".".join(p for p in parts if p not in ("", ".", ".."))

    # --- names ----------------------------------------------------------------
    def name_in(self, path: str, name: str, _depth: int = 0) -> Optional[Target]:
        """What `name` denotes at module level of `path` (following imports
        and `__init__` re-exports)."""
        key = (path, name)
        if key in self._names:
            return self._names[key]
        self._names[key] = None       # cycle guard
        found = self._name_in(path, name, _depth)
        self._names[key] = found
        return found

    def _name_in(self, path: str, name: str, depth: int) -> Optional[Target]:
        if depth > 20:
            return None
        if not path.endswith(".py"):     # a namespace package: only submodules
            return self._module_target(path, name)
        summary = self.summaries.get(path)
        if summary is None:
            return None
        if name in summary["functions"]:
            return Target("function", path, name)
        if name in summary["classes"]:
            return Target("class", path, name)
        if name in summary["imports"]:
            module, symbol, level = summary["imports"][name]
            if symbol is None:
                found = self.resolve_module(path, module, level)
                return Target("module", found) if found else None
            owner = self.resolve_module(path, module, level)
            if owner is None:
                return None
            return self.name_in(owner, symbol, depth + 1) or self._module_target(owner, symbol)
        if name in summary["bindings"]:
            return Target("state", path, name)
        if os.path.basename(path) == "__init__.py":
            return self._module_target(os.path.dirname(path), name)
        return None

    def _module_target(self, package: str, name: str) -> Optional[Target]:
        found = self.submodule(package, name)
        return Target("module", found) if found else None

    def follow(self, target: Optional[Target], attributes: List[str]) -> Optional[Target]:
        """`target.a.b`: into modules, class methods and instances' classes."""
        for attr in attributes:
            if target is None:
                return None
            if target.kind == "module":
                target = self.name_in(target.path, attr)
            elif target.kind == "class":
                target = self.method(target.path, target.name, attr)
            elif target.kind == "state":
                cls = self.instance_class(target)
                target = self.method(cls.path, cls.name, attr) if cls else None
            else:
                return None
        return target

    def instance_class(self, state: Target) -> Optional[Target]:
        """The project class a module-level binding is an instance of."""
        binding = self.summaries[state.path]["bindings"].get(state.name, {})
        ctor = binding.get("ctor")
        if not ctor:
            return None
        found = self.expression(state.path, ctor)
        return found if found is not None and found.kind == "class" else None

    def expression(self, path: str, dotted_name: str) -> Optional[Target]:
        head, *rest = dotted_name.split(".")
        return self.follow(self.name_in(path, head), rest)

    def class_built_by(self, path: str, callee: str, _depth: int = 0) -> Optional[Target]:
        """The project class an instance is built from: `Cls(...)`, or a
        project function that returns `Cls(...)` (`get_service()`)."""
        target = self.expression(path, callee)
        if target is None or _depth > 3:
            return None
        if target.kind == "class":
            return target
        if target.kind == "function":
            returned = self.function(target).get("returns_new")
            return self.class_built_by(target.path, returned, _depth + 1) if returned else None
        return None

    def mro(self, path: str, cls: str, _seen=None) -> Iterable[Tuple[str, str, dict]]:
        """(path, class, class summary) of `cls` and its project bases, depth first."""
        seen = _seen if _seen is not None else set()
        info = self.summaries.get(path, {}).get("classes", {}).get(cls)
        if info is None or (path, cls) in seen:
            return
        seen.add((path, cls))
        yield path, cls, info
        for base in info["bases"]:
            owner = self.expression(path, base) if base else None
            if owner is not None and owner.kind == "class":
                yield from self.mro(owner.path, owner.name, seen)

    def attribute_class(self, path: str, cls: str, attribute: str) -> Optional[Target]:
        """The class of `self.<attribute>` set to `Cls(...)` in a method of `cls` or its bases."""
        for owner, _name, info in self.mro(path, cls):
            callee = info.get("attributes", {}).get(attribute)
            if callee:
                return self.class_built_by(owner, callee)
        return None

    def method(self, path: str, cls: str, name: str) -> Optional[Target]:
        """`name` on class `cls` of `path` or its bases, in MRO order."""
        for owner, owner_cls, info in self.mro(path, cls):
            if name in info["methods"]:
                return Target("method", owner, f"{owner_cls}.{name}")
        return None

    def function(self, target: Target) -> Optional[dict]:
        summary = self.summaries.get(target.path)
        if summary is None:
            return None
        if target.kind == "function":
            return summary["functions"].get(target.name)
        if target.kind == "method":
            cls, _, method = target.name.partition(".")
            return summary["classes"].get(cls, {}).get("methods", {}).get(method)
        return None

    # --- calls ----------------------------------------------------------------
    def resolve_call(self, path: str, key: str, fn: dict, call: dict, served: str):
        """(target function, bound, self_state, served class) of a call, or None."""
        ref = call["ref"]
        head, *rest = ref.split(".")
        own_class = key.split(".")[0] if "." in key else None
        self_name = fn["params"][0] if own_class and fn["kind"] in ("method", "classmethod") \
            and fn["params"] else None
        if call.get("receiver_ctor"):
            cls = self.class_built_by(path, call["receiver_ctor"])
            if cls is not None:
                found = self.method(cls.path, cls.name, ref.rsplit(".", 1)[-1])
                return self._bound(found, False, f"{cls.path}::{cls.name}")
            return None
        if head == self_name and len(rest) == 1:
            served_path, _, served_cls = (served or f"{path}::{own_class}").partition("::")
            found = self.method(served_path, served_cls, rest[0])
            return self._bound(found, None, served or f"{path}::{own_class}")
        if head == "super()" and own_class and len(rest) == 1:
            for owner, owner_cls, info in list(self.mro(path, own_class))[1:]:
                if rest[0] in info["methods"]:
                    return self._bound(Target("method", owner, f"{owner_cls}.{rest[0]}"), None, served)
            return None
        if head in fn["ctors"] and len(rest) == 1:
            cls = self.class_built_by(path, fn["ctors"][head])
            if cls is not None:
                found = self.method(cls.path, cls.name, rest[0])
                return self._bound(found, False, f"{cls.path}::{cls.name}")
            return None
        if head == self_name and len(rest) == 2:       # self.repo.save(): a collaborator
            served_path, _, served_cls = (served or f"{path}::{own_class}").partition("::")
            cls = self.attribute_class(served_path, served_cls, rest[0])
            if cls is not None:
                found = self.method(cls.path, cls.name, rest[1])
                return self._bound(found, False, f"{cls.path}::{cls.name}")
            return None
        if head in fn["params"] or head in fn["kwonly"] or any(f[0] == head for f in fn["flows"]):
            return None    # a local we know nothing of
        target = self.name_in(path, head)
        self_state = False
        served_class = ""
        for attr in rest:
            if target is None:
                return None
            if target.kind == "state":
                cls = self.instance_class(target)
                if cls is None:
                    return None
                target, self_state = self.method(cls.path, cls.name, attr), True
                served_class = f"{cls.path}::{cls.name}"
            elif target.kind == "class":
                found = self.method(target.path, target.name, attr)
                if found is None:
                    return None
                kind = self.function(found)["kind"]
                return (found, kind == "classmethod", False, f"{target.path}::{target.name}")
            else:
                target = self.follow(target, [attr])
        if target is None:
            return None
        if target.kind == "class":
            init = self.method(target.path, target.name, "__init__")
            return (init, True, False, f"{target.path}::{target.name}") if init else None
        if target.kind == "function":
            return target, False, False, ""
        if target.kind == "method":
            kind = self.function(target)["kind"]
            return target, kind != "staticmethod", self_state, served_class
        return None

    def _bound(self, found: Optional[Target], self_state, served: str):
        if found is None:
            return None
        kind = self.function(found)["kind"]
        return found, kind != "staticmethod", bool(self_state), served

    # --- request data ------------------------------------------------------------
    def _sensitive(self, name: Optional[str]) -> bool:
        if not name:
            return False
        known = self._sensitive_names.get(name)
        if known is None:
            known = self._sensitive_names[name] = self.settings.is_sensitive_name(name)
        return known

    def local_levels(self, fn: dict, params: Dict[str, int]) -> Dict[str, int]:
        levels = dict(params)
        for _ in range(20):
            changed = False
            for target, sources in fn["flows"]:
                got = self.level(sources, levels)
                if got and self._sensitive(target):
                    got = SENSITIVE
                if got > levels.get(target, 0):
                    levels[target] = got
                    changed = True
            if not changed:
                break
        return levels

    def level(self, sources: Optional[list], levels: Dict[str, int]) -> int:
        best = NONE
        for name, words in sources or ():
            got = REQ if name == REQUEST else levels.get(name, NONE)
            if got and any(self._sensitive(w) for w in words):
                got = SENSITIVE
            best = max(best, got)
        return best

    # --- the walk ------------------------------------------------------------------
    def _start_levels(self, fn: dict, kind: str) -> Dict[str, int]:
        if kind == ROUTE:
            names = fn["params"] + fn["kwonly"]
        else:
            names = fn["params"][:1 if kind == RECORD else 2]
        return {n: SENSITIVE if self._sensitive(n) else REQ for n in names}

    def _solve(self):
        found = [(path, name, kind, reason) for path in self.files
                 for name, kind, reason in self.summaries[path]["handlers"]]
        found += self._imported_routes()
        self.handlers = sorted(found, key=lambda h: (self.display_module(h[0]), h[1]))
        self._walk(self.handlers)
        demoted = self._find_demoted()
        if demoted:
            self.demoted = demoted
            self.nodes.clear()
            self.edges.clear()
            self._resolved.clear()
            self.hot_sites.clear()
            self._walk(self.handlers)

    def app_built_by(self, path: str, local: str) -> str:
        """What built the app object an imported name denotes ('' if unknown)."""
        target = self.name_in(path, local)
        if target is None or target.kind != "state":
            return ""
        return self.summaries[target.path]["bindings"].get(target.name, {}).get("built_by") or ""

    def _imported_routes(self) -> List[Tuple[str, str, str, str]]:
        """Routes registered on an app object imported from another module."""
        out = []
        for path in self.files:
            for name, receiver, method in self.summaries[path].get("imported_routes", ()):
                target = self.name_in(path, receiver)
                built = self.app_built_by(path, receiver)
                if not built:
                    continue
                kind = route_kind(built, method, self.summaries[target.path]["wsgi"])
                if kind == "resolver":
                    kind = f"route of Powertools resolver '{receiver}'"
                if kind:
                    out.append((path, name, ROUTE, kind))
        return out

    def _active(self) -> List[int]:
        return [i for i, h in enumerate(self.handlers) if (h[0], h[1]) not in self.demoted]

    def _find_demoted(self) -> Set[Tuple[str, str]]:
        """SPEC Core 2: an (event, context) function that another handler calls
        is reached through that caller, unless nothing calls it (or it is a
        mutual recursion with its caller)."""
        out = set()
        for i, (path, name, kind, reason) in enumerate(self.handlers):
            if reason not in (PLAIN_NAME, PLAIN_SIGNATURE):
                continue
            params = self.summaries[path]["functions"][name]["params"]
            if len(params) < 2 or params[0] != "event" or params[1] not in CONTEXT_NAMES:
                continue
            mine = self.nodes[(path, name, "")].handlers
            for j in _bits(mine & ~(1 << i)):
                caller = self.nodes[(self.handlers[j][0], self.handlers[j][1], "")]
                if not caller.handlers >> i & 1:
                    out.add((path, name))
                    break
        return out

    def _walk(self, handlers):
        """Request-data levels, hotness and module crossings to a fixpoint over
        the call graph, then which handlers reach each function (bitmasks)."""
        queue = deque()
        for i in self._active():
            path, name, kind, _reason = handlers[i]
            fn = self.summaries[path]["functions"][name]
            node = self._node(path, name, "")
            node.params = _merge(node.params, self._start_levels(fn, kind))
            node.hot = node.hot or not fn["memoized"]
            node.handlers |= 1 << i
            queue.append(node)
        starts = list(queue)
        budget = MAX_NODES
        while queue and budget:
            budget -= 1
            node = queue.popleft()
            fn = self.function(Target("method" if "." in node.key else "function", node.path, node.key))
            if fn is None:
                continue
            levels = self.local_levels(fn, node.params)
            for call, target, bound, self_state, callee_fn, callee in self._calls_of(node, fn):
                edge_hot = call["hot"] and not callee_fn["memoized"]
                hot = node.hot and edge_hot
                if hot:
                    self.hot_sites.setdefault((target.path, target.name), set()).add(
                        (node.path, call["line"]))
                params = callee_fn["params"][1:] if bound else callee_fn["params"]
                pushed = {}
                for i, sources in enumerate(call["args"]):
                    if sources is None:
                        break
                    if i < len(params):
                        pushed[params[i]] = self.level(sources, levels)
                for keyword, sources in call["kwargs"].items():
                    pushed[keyword] = self.level(sources, levels)
                changed = False
                merged = _merge(callee.params, pushed)
                if merged != callee.params:
                    callee.params, changed = merged, True
                if hot and not callee.hot:
                    callee.hot, changed = True, True
                if self_state and not callee.self_state:
                    callee.self_state, changed = True, True
                crossed = node.crossed or target.path != node.path
                if crossed and not callee.crossed:
                    callee.crossed, changed = True, True
                if changed or (callee.path, callee.key, callee.served) not in self.edges:
                    queue.append(callee)
            for container in fn["evicts"]:
                found = self.expression(node.path, container)
                if found is not None and found.kind == "state":
                    self.evicted.add((found.path, found.name))
            for container, sources in fn["fills"]:
                if self.level(sources, levels):
                    found = self.expression(node.path, container)
                    if found is not None and found.kind == "state":
                        self.request_keyed.add((found.path, found.name))
        queue = deque(starts)
        while queue:
            node = queue.popleft()
            for edge in self.edges.get((node.path, node.key, node.served), ()):
                callee = self.nodes[edge]
                if node.handlers & ~callee.handlers:
                    callee.handlers |= node.handlers
                    queue.append(callee)
        self._constant_params(starts)

    def _constant_params(self, starts):
        """SPEC Core 6 across modules: a parameter is an init-time constant
        when every reachable call site passes one (or leaves a constant
        default), following constants passed on from the caller's own
        parameters. Starts optimistic and removes until nothing changes."""
        handler_nodes = {id(n) for n in starts}
        for node in self.nodes.values():
            fn = self.function(Target("method" if "." in node.key else "function", node.path, node.key))
            node.constant = set() if fn is None or id(node) in handler_nodes else \
                set(fn["params"] + fn["kwonly"])
        changed = True
        while changed:
            changed = False
            for ident, resolved in self._resolved.items():
                caller = self.nodes[ident].constant
                for call, _target, bound, _self_state, callee_fn, callee in resolved:
                    if not callee.constant:
                        continue
                    params = callee_fn["params"]
                    if bound and params:
                        params = params[1:]
                        callee.constant.discard(callee_fn["params"][0])
                    passed = {}
                    for i, const in enumerate(call["consts"]):
                        if call["args"][i] is None:      # *args: the rest is unknown
                            passed.update({p: None for p in params[i:]})
                            break
                        if i < len(params):
                            passed[params[i]] = const
                    passed.update(call["kconsts"])
                    for name in list(callee.constant):
                        if name in passed:
                            const = passed[name]
                            ok = const is not None and set(const) <= caller
                        else:
                            ok = name in callee_fn["defaults"]
                        if not ok:
                            callee.constant.discard(name)
                            changed = True

    def _calls_of(self, node: _Node, fn: dict) -> list:
        """The project calls of a function, resolved once; records its edges."""
        ident = (node.path, node.key, node.served)
        resolved = self._resolved.get(ident)
        if resolved is None:
            resolved = self._resolved[ident] = []
            edges = self.edges[ident] = []
            for call in fn["calls"]:
                found = self.resolve_call(node.path, node.key, fn, call, node.served)
                if found is None:
                    continue
                target, bound, self_state, served = found
                callee_fn = self.function(target)
                if callee_fn is None:
                    continue
                callee = self._node(target.path, target.name, served if "." in target.name else "")
                resolved.append((call, target, bound, self_state, callee_fn, callee))
                edges.append((callee.path, callee.key, callee.served))
        return resolved

    def _node(self, path: str, key: str, served: str) -> _Node:
        ident = (path, key, served)
        node = self.nodes.get(ident)
        if node is None:
            node = self.nodes[ident] = _Node(path, key, served)
        return node

    def route(self, handler: int, node: _Node) -> Tuple[str, ...]:
        """The shortest call path from handler `handler` to `node`, module-qualified."""
        parents = self._routes.get(handler)
        if parents is None:
            path, name = self.handlers[handler][:2]
            start = (path, name, "")
            parents = self._routes[handler] = {start: None}
            queue = deque([start])
            while queue:
                ident = queue.popleft()
                for callee in self.edges.get(ident, ()):
                    if callee not in parents:
                        parents[callee] = ident
                        queue.append(callee)
        out = []
        ident = (node.path, node.key, node.served)
        while ident is not None and len(out) < 100:
            out.append(ident)
            ident = parents.get(ident)
        return tuple(f"{self.display_module(p)}.{k}" for p, k, _ in reversed(out))

    # --- per file ---------------------------------------------------------------------
    @cached_property
    def deployment(self) -> Deployment:
        return Deployment(self.summaries, self.root, self.settings)

    @cached_property
    def deployment_masks(self) -> Tuple[int, int]:
        """Bits of the handlers that run with SnapStart, and on Managed Instances."""
        handlers = [h[:2] for h in self.handlers]
        return (self.deployment.mask(handlers, SNAPSTART),
                self.deployment.mask(handlers, MANAGED_INSTANCES))

    def handler_name(self, ident: Tuple[str, str]) -> str:
        return f"{self.display_module(ident[0])}.{ident[1]}"

    def context(self, path: str) -> FileContext:
        path = os.path.abspath(path)
        if path in self._contexts:
            return self._contexts[path]
        entries: Dict[str, Entry] = {}
        counts: Dict[str, int] = {}
        nodes = self._by_path.get(path, ())
        for node in nodes:
            reaching = _count(node.handlers)
            if node.served == "" and (path, node.key) in self._handler_ids:
                counts[node.key] = reaching - 1
            if not node.crossed or not node.handlers:
                continue
            first = _lowest(node.handlers)      # handlers are sorted by module and name
            entry = entries.get(node.key)
            if entry is None:
                entry = entries[node.key] = Entry(
                    node.key, self.handler_name(self.handlers[first][:2]), self.handlers[first][2],
                    reaching - 1, self.route(first, node), constant_params=frozenset(node.constant))
            entry.constant_params &= frozenset(node.constant)   # served through several classes
            entry.others = max(entry.others, reaching - 1)
            entry.params = _merge(entry.params, node.params)
            entry.hot = entry.hot or node.hot
            entry.self_state = entry.self_state or node.self_state
        summary = self.summaries.get(path, {})
        imports = {}
        for local in summary.get("imports", {}):
            target = self.name_in(path, local)
            if target is not None:
                imports[local] = target
        bounded = set()
        for (owner, name) in {(t.path, t.name) for t in imports.values() if t.kind == "state"} | {
                (path, n) for n in summary.get("bindings", {})}:
            built = self.summaries.get(owner, {}).get("bindings", {}).get(name, {}).get("built_by")
            if built and built.startswith(BOUNDED_FACTORIES):
                bounded.add((owner, name))
        reach_counts: Dict[str, int] = {}
        for node in nodes:
            reach_counts[node.key] = max(reach_counts.get(node.key, 0), _count(node.handlers))
        hot_sites = {node.key: len(self.hot_sites.get((path, node.key), ())) for node in nodes}
        routes = {name: reason for p, name, kind, reason in self.handlers
                  if p == path and name not in {h[0] for h in summary.get("handlers", ())}}
        request_attributes = frozenset(
            f"{local}.{attr}" for local in imports if self.app_built_by(path, local)
            for attr in ("current_event", "current_request"))
        snap, managed = self.deployment_masks
        context = FileContext(
            snapstart_reached=any(node.handlers & snap for node in nodes),
            managed_instances_reached=frozenset(n.key for n in nodes if n.handlers & managed),
            routes=routes, request_attributes=request_attributes,
            entries=sorted(entries.values(), key=lambda e: e.key),
            demoted=frozenset(n for p, n in self.demoted if p == path),
            imports=imports, evicted=frozenset(self.evicted), bounded=frozenset(bounded),
            request_keyed=frozenset(self.request_keyed),
            handler_counts=counts, reach_counts=reach_counts, hot_sites=hot_sites,
            module=self.display_module(path), path=path, index=self)
        self._contexts[path] = context
        return context

    def dependencies(self, path: str) -> List[Tuple[str, str, List[Optional[str]]]]:
        """(module, summary hash, what its imports resolve to) of `path` and of
        every project module it can see through imports, transitively: what a
        per-file result depends on besides its `FileContext`. A package
        imported whole brings its submodules (`import pkg` then `pkg.sub.f`)."""
        resolved = self.reachable([os.path.abspath(path)], self.summaries.get)
        return sorted((p, self._summary_hash(p), deps) for p, deps in resolved.items())

    def _summary_hash(self, path: str) -> str:
        digest = self._hashes.get(path)
        if digest is None:
            summary = self.summaries.get(path)
            text = json.dumps(summary, sort_keys=True, default=repr) if summary is not None else ""
            digest = self._hashes[path] = hashlib.sha256(text.encode()).hexdigest()[:16]
        return digest

    def reached_files(self, handler: Tuple[str, str]) -> List[str]:
        bit = 1 << self.handlers.index(next(h for h in self.handlers if h[:2] == handler))
        return sorted({n.path for n in self.nodes.values() if n.handlers & bit})


def _count(mask: int) -> int:
    return bin(mask).count("1")


def _lowest(mask: int) -> int:
    return (mask & -mask).bit_length() - 1


def _bits(mask: int) -> Iterable[int]:
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


def _merge(a: Dict[str, int], b: Dict[str, int]) -> Dict[str, int]:
    out = dict(a)
    for key, value in b.items():
        if value > out.get(key, 0):
            out[key] = value
        else:
            out.setdefault(key, value)
    return out
