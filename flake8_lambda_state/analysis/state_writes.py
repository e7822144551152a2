"""Writes into module state (SPEC "Module state") in handler-reachable code:
global rebinding, subscript stores and deletes, attribute stores and
mutating method calls on module-level objects and classes. Each write
carries the key/element and value it stores, so the rules can choose
between LAM101, LAM102, LAM104 and LAM201 at one site."""
from dataclasses import dataclass
from typing import Dict, List, Optional

import libcst as cst

from .facts import Store
from .names import dotted, node_text, root_name
from .reachability import Reach, is_memo_guarded, module_container_read
from .symbols import CLASS, IMPORT, LOCAL, STATE
from .units import Unit

MUTATORS = {"append", "extend", "insert", "update", "setdefault", "add", "pop", "popitem",
            "remove", "discard", "clear", "sort", "reverse", "__setitem__", "appendleft",
            "extendleft", "popleft", "__delitem__"}
EVICTORS = {"pop", "popitem", "clear", "remove", "discard", "popleft", "__delitem__"}
BOUNDED_FACTORIES = ("cachetools.", "collections.deque")
# Objects whose library resets them on every invocation: not module state.
RESET_BY_LIBRARY = frozenset({"crhelper.CfnResource", "crhelper.resource_helper.CfnResource"})
THREAD_LOCALS = frozenset({"threading.local", "_threading_local.local"})

REBIND, SUBSCRIPT, ATTRIBUTE, METHOD = "rebind", "subscript", "attribute", "method"


@dataclass(eq=False)
class StateWrite:
    node: cst.CSTNode                  # reported node: the store target or the call
    unit: Unit
    reach: Reach
    form: str                          # rebind | subscript | attribute | method
    container: str                     # module name or dotted path written into
    key: Optional[cst.BaseExpression]  # key or element stored (None when none)
    value: Optional[cst.BaseExpression]
    guards: frozenset
    evicts: bool = False               # del c[k], pop, clear ...
    method: Optional[str] = None
    op: str = "assign"
    empties: bool = False              # rebinds the container to an empty literal
    thread_local: bool = False         # sets an attribute of a module-level threading.local()


class StateWrites:
    def __init__(self, model):
        self.model = model
        self.writes: List[StateWrite] = []
        for unit, reach in model.reachable():
            self._collect(unit, reach)
        self._bounded: Dict[str, bool] = {}

    # --- what is module state here -------------------------------------
    def _state_name(self, expr, unit: Unit, depth: int = 0) -> Optional[str]:
        """The module-state name `expr` denotes (or an object it holds), or
        None: a module global or class, `self` of a module-level instance or
        `cls`, a mutable class attribute shared by every instance, a local
        alias of module state, or a parameter that a reachable caller passes
        module state to."""
        root = root_name(expr)
        if root is None or depth > 3:
            return None
        symbols = self.model.symbols
        name = dotted(expr) or node_text(expr)
        suffix = name[len(root.value):]
        kind = symbols.kind(root)
        first_attr = _first_attribute(expr, root)
        if root.value in unit.facts.global_names or kind in (STATE, CLASS):
            if self._built_by(root.value) & RESET_BY_LIBRARY:
                return None   # crhelper's CfnResource: reset by its library per invocation
            return name
        if kind == IMPORT:
            return name if self._imported_state(root, name) else None
        if kind != LOCAL:
            return None
        if root.value == unit.self_name():
            if unit.method_kind == "classmethod" or id(unit) in self.model.reach.instance_self:
                return unit.class_name + suffix
            if first_attr and self._shared_class_attribute(unit.class_name, first_attr):
                return unit.class_name + suffix
            return None
        alias = symbols.state_alias(root, unit)
        if alias:
            return alias + suffix
        class_name, _ = symbols.module_class_of(root, unit)
        if class_name and first_attr and self._shared_class_attribute(class_name, first_attr):
            return class_name + suffix
        passed = self._parameter_alias(root, unit, depth)
        return passed + suffix if passed else None

    def _imported_state(self, root: cst.Name, name: str) -> bool:
        """Another project module's state: `from store import CACHE`, a class
        imported from the project, or `config.X` after `import config`
        (SPEC Core 7)."""
        target = self.model.symbols.project_import(root)
        if target is None:
            return False
        if target.kind in ("state", "class"):
            return True
        return target.kind == "module" and self.model.context.state_of(name) is not None

    def _module_attribute(self, target) -> bool:
        """`config.TENANT` with `config` a project module: a global of that module."""
        if not (isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name)):
            return False
        imported = self.model.symbols.project_import(target.value)
        return imported is not None and imported.kind == "module"

    def _built_by(self, name: str) -> frozenset:
        symbols = self.model.symbols
        out = set()
        for value in symbols.module_values.get(name, ()):
            out |= symbols.built_by(value)
        return frozenset(out)

    def _parameter_alias(self, root: cst.Name, unit: Unit, depth: int) -> Optional[str]:
        params = [p.name.value for p in unit.all_params()]
        if root.value not in params or any(
                isinstance(s.target, cst.Name) and s.target.value == root.value
                for s in unit.facts.stores):
            return None
        for caller, site, target in self.model.reach.callers.get(id(unit), ()):
            if self.model.reach.reach(caller) is None:
                continue
            arg = target.arguments(site.node).get(root.value)
            if arg is not None:
                found = self._state_name(arg, caller, depth + 1)
                if found:
                    return found
        return None

    def _shared_class_attribute(self, class_name: Optional[str], attr: str) -> bool:
        """`cache = {}` in the class body and never `self.cache = ...`: every
        instance mutates the one object the class holds."""
        info = self.model.symbols.classes.get(class_name or "")
        if info is None:
            return False
        value = info.attributes.get(attr)
        if value is None or not is_mutable_value(value, self.model.qn):
            return False
        for method in info.methods.values():
            for store in method.facts.stores:
                target = store.target
                if isinstance(target, cst.Attribute) and target.attr.value == attr \
                        and isinstance(target.value, cst.Name) \
                        and target.value.value == method.self_name():
                    return False
        return True

    def _collect(self, unit: Unit, reach: Reach):
        for store in unit.facts.stores:
            self._from_store(store, unit, reach)
        for site in unit.facts.calls:
            func = site.node.func
            if not (isinstance(func, cst.Attribute) and func.attr.value in MUTATORS):
                continue
            container = self._state_name(func.value, unit)
            if container is None or self.model.symbols.resolve_call(site.node, unit) is not None:
                continue  # not module state, or a method of a module class (`metrics.add(x)`)
            key, value = _method_key_value(func.attr.value, site.node)
            self.writes.append(StateWrite(
                site.node, unit, reach, METHOD, container, key, value,
                site.guards, evicts=func.attr.value in EVICTORS, method=func.attr.value))

    def _from_store(self, store: Store, unit: Unit, reach: Reach):
        target = store.target
        if isinstance(target, cst.Name):
            if target.value in unit.facts.global_names:
                empties = store.op == "assign" and is_empty_container(store.value, self.model.qn)
                self.writes.append(StateWrite(target, unit, reach, REBIND, target.value, None,
                                              store.value, store.guards, op=store.op,
                                              evicts=empties, empties=empties))
            return
        if not isinstance(target, (cst.Subscript, cst.Attribute)):
            return
        if self._module_attribute(target):      # `config.TENANT = ...` rebinds config's global
            self.writes.append(StateWrite(target, unit, reach, REBIND, dotted(target), None,
                                          store.value, store.guards, op=store.op))
            return
        owner = self._state_name(target.value, unit)   # the object written into
        if owner is None:
            return
        if isinstance(target, cst.Subscript):
            keys = [el.slice.value for el in target.slice if isinstance(el.slice, cst.Index)]
            key = keys[0] if len(keys) == 1 else (cst.Tuple([cst.Element(k) for k in keys]) if keys else None)
            self.writes.append(StateWrite(
                target, unit, reach, SUBSCRIPT, owner, key,
                store.value, store.guards, evicts=store.op == "del", op=store.op))
        else:
            empties = store.op == "assign" and is_empty_container(store.value, self.model.qn)
            thread_local = "." not in owner and bool(self._built_by(owner) & THREAD_LOCALS)
            self.writes.append(StateWrite(
                target, unit, reach, ATTRIBUTE, f"{owner}.{target.attr.value}", None,
                store.value, store.guards, op=store.op, evicts=empties, empties=empties,
                thread_local=thread_local))

    # --- questions the rules ask ----------------------------------------
    def is_bounded(self, container: str) -> bool:
        """A bounded cache: built by cachetools or a deque, or evicted from by
        reachable code (pop, del, clear, or rebinding the global)."""
        if container not in self._bounded:
            self._bounded[container] = self._compute_bounded(container)
        return self._bounded[container]

    def _compute_bounded(self, container: str) -> bool:
        """Also bounded: a container (or a module object's container attribute)
        rebound to an empty literal, as a per-invocation flush does."""
        symbols = self.model.symbols
        for value in symbols.module_values.get(container, ()):
            if any(b.startswith(BOUNDED_FACTORIES) for b in symbols.built_by(value)):
                return True
        context = self.model.context
        if context is not None:   # built bounded, or evicted by code in another module
            ident = context.identity(container, symbols.module_values)
            if ident is not None and (ident in context.evicted or ident in context.bounded):
                return True
        return any((w.evicts and w.container == container) or
                   (w.form == REBIND and w.container == container) for w in self.writes)

    def is_request_keyed(self, container: str) -> bool:
        """Filled with request-data keys or elements, here or (the project
        index says) in another module."""
        flow = self.model.flow
        if any(w.container == container and not w.evicts and w.key is not None
               and flow.is_request(w.key, w.unit) for w in self.writes):
            return True
        context = self.model.context
        ident = context.identity(container, self.model.symbols.module_values) if context else None
        return ident is not None and ident in context.request_keyed


def _first_attribute(expr, root: cst.Name) -> Optional[str]:
    """`cache` in `self.cache[k].x`: the attribute taken directly on the root."""
    node = expr
    while isinstance(node, (cst.Attribute, cst.Subscript)):
        if node.value is root:
            return node.attr.value if isinstance(node, cst.Attribute) else None
        node = node.value
    return None


def is_mutable_value(expr, qn) -> bool:
    """`[]`, `{}`, `set()`, `dict()`, `list()`, `collections.*()`."""
    if isinstance(expr, (cst.List, cst.Dict, cst.Set, cst.ListComp, cst.DictComp, cst.SetComp)):
        return True
    if isinstance(expr, cst.Call):
        names = qn.of(expr.func)
        return bool(names & {"builtins.dict", "builtins.list", "builtins.set", "builtins.bytearray",
                             "builtins.dict.fromkeys"}) \
            or any(n.startswith("collections.") for n in names)
    return False


def is_empty_container(expr, qn) -> bool:
    """`[]`, `{}`, `set()`, `dict()`, `list()`, `collections.deque()`: a
    mutable container with nothing in it."""
    if isinstance(expr, (cst.List, cst.Dict, cst.Set)):
        return not expr.elements
    if isinstance(expr, cst.Call) and is_mutable_value(expr, qn):
        names = qn.of(expr.func)
        return not expr.args or (bool(names & {"collections.defaultdict"}) and len(expr.args) == 1)
    return False


def _method_key_value(method: str, call: cst.Call):
    args = [a for a in call.args if a.keyword is None and not a.star]
    kwargs = [a for a in call.args if a.keyword is not None]
    first = args[0].value if args else None
    if method in ("add", "append", "appendleft", "extend", "extendleft"):
        return first, first
    if method == "insert":
        value = args[1].value if len(args) > 1 else None
        return value, value
    if method in ("setdefault", "__setitem__"):
        value = args[1].value if len(args) > 1 else None
        return first, value
    if method == "update":
        if isinstance(first, cst.Dict):
            keys = [el.key for el in first.elements if isinstance(el, cst.DictElement)]
            values = [el.value for el in first.elements]
            return (cst.Tuple([cst.Element(k) for k in keys]) if keys else None,
                    cst.Tuple([cst.Element(v) for v in values]) if values else None)
        if isinstance(first, cst.DictComp):
            return first.key, first.value
        if first is not None:
            return first, first
        if kwargs:
            return None, cst.Tuple([cst.Element(a.value) for a in kwargs])
    return None, None


def memo_guarded(write: StateWrite, model) -> bool:
    """The hand-written memoization idioms: `if _x is None: _x = ...` (any
    global rebound or set in a block that runs only while a module global is
    unset and that binds it: a cold-start block), `if key not in _CACHE:
    _CACHE[key] = ...`, `c = _CACHE.get(k); if c is None: ...; _CACHE[k] = c`,
    and `_x = _x or make()`; and any write in code that runs only under such
    a guard or in a memoized function (reachable, but not on every invocation)."""
    symbols = model.symbols
    if id(write.unit) not in model.reach.hot:
        return True
    guards: frozenset = write.guards
    unset = frozenset(g for g in guards if g[0] == "unset")
    if unset and is_memo_guarded(unset, write.unit, symbols):
        return True
    if write.form == REBIND:
        value = write.value
        return isinstance(value, cst.BooleanOperation) and isinstance(value.operator, cst.Or) \
            and dotted(value.left) == write.container
    if write.form == SUBSCRIPT and _computed_when_missing(write.value, write.unit) \
            and module_container_read(write.value.value, write.unit, symbols) == write.container:
        return True   # the local read from the cache, built when missing, stored back
    if write.form in (SUBSCRIPT, METHOD):
        return ("absent", write.container) in guards and (
            write.form == SUBSCRIPT or write.method in ("setdefault", "__setitem__", "update"))
    return False


def _computed_when_missing(value, unit) -> bool:
    """`c` in `c = CACHE.get(k); if c is None: c = build(); CACHE[k] = c`:
    a local rebound under a test that it is unset."""
    if not isinstance(value, cst.Name):
        return False
    name = value.value
    return any(isinstance(s.target, cst.Name) and s.target.value == name
               and ("unset", name) in s.guards for s in unit.facts.stores)
