"""Reachability (SPEC "Reachability"): which units a handler runs, by which
call path, and which of them run on every invocation ("hot") rather than
once per warm container (under a memoization guard or in a memoized
function)."""
from collections import deque
from dataclasses import dataclass
from functools import cached_property
from typing import Dict, List, Optional, Tuple

import libcst as cst

from .facts import CallSite
from .handlers import Handler
from .names import dotted, root_name
from .symbols import CallTarget, Symbols
from .units import Unit


@dataclass(frozen=True)
class Reach:
    handler: Handler
    path: Tuple[str, ...]
    others: int = 0          # other handlers of the project that reach the same code

    def describe(self) -> str:
        return " -> ".join(self.path)


def _is_module_name(name: str, symbols: Symbols) -> bool:
    """A name of this module's state, or another project module's state
    imported here (`from constants import DEFAULT_PROVIDERS`)."""
    if name in symbols.module_values or name in symbols.rebound_in_functions:
        return True
    return symbols.context is not None and symbols.context.state_of(name) is not None


# Methods that fill the object they are called on (a guard `if not _CONFIG:`
# or `if key not in _CACHE:` turns false once the block has filled it).
FILLERS = frozenset({"update", "setdefault", "__setitem__", "add", "append", "extend", "insert"})


def module_container_read(name: str, unit: Unit, symbols: Symbols) -> Optional[str]:
    """`client = _CLIENTS.get(key)` / `_CLIENTS[key]`: testing the local tests
    whether the module cache holds the key. Returns the container's name."""
    for store in unit.facts.stores:
        if not (isinstance(store.target, cst.Name) and store.target.value == name):
            continue
        value = store.value
        if isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) \
                and value.func.attr.value == "get":
            value = value.func.value
        elif isinstance(value, cst.Subscript):
            value = value.value
        else:
            continue
        root = root_name(value)
        if root is not None and _is_module_name(root.value, symbols):
            return dotted(value)
    return None


def _binds_here(facts, subject: str, kind: str, global_names, guard=None) -> bool:
    """The unit's code (only the part under `guard` when given) binds what the
    guard tests: rebinds the global, sets the attribute, or stores into or
    fills the container."""
    for store in facts.stores:
        if guard is not None and guard not in store.guards:
            continue
        if store.op == "del":
            continue
        target = store.target
        if isinstance(target, cst.Name):
            if kind == "unset" and target.value == subject and subject in global_names:
                return True
        elif isinstance(target, cst.Attribute):
            if kind == "unset" and dotted(target) == subject:
                return True
        elif isinstance(target, cst.Subscript) and dotted(target.value) == subject:
            return True
    for site in facts.calls:
        if guard is not None and guard not in site.guards:
            continue
        func = site.node.func
        if isinstance(func, cst.Attribute) and func.attr.value in FILLERS \
                and dotted(func.value) == subject:
            return True
    return False


def guard_binds(guard, unit: Unit, symbols: Symbols, container: Optional[str] = None) -> bool:
    """SPEC "The memo guard, exactly": the guarded code, or a function it
    calls, binds what the guard tests, so the guard turns false after the
    first run. With `container`, the guard tests a local read from that
    module container, and the unit (anywhere) or a function called under the
    guard must store into the container."""
    key = (id(unit), guard, container)
    cached = symbols.guard_binds.get(key)
    if cached is not None:
        return cached
    kind, subject = guard
    if container is not None:
        found = _binds_here(unit.facts, container, "absent", unit.facts.global_names)
        subject, kind = container, "absent"
    else:
        found = _binds_here(unit.facts, subject, kind, unit.facts.global_names, guard)
    if not found:
        seen = {id(unit)}
        todo = [(t.unit, 1) for t in _callees(unit, symbols, guard)]
        while todo and not found:
            callee, depth = todo.pop()
            if id(callee) in seen or depth > 4:
                continue
            seen.add(id(callee))
            found = _binds_here(callee.facts, subject, kind, callee.facts.global_names)
            todo.extend((t.unit, depth + 1) for t in _callees(callee, symbols, None))
    symbols.guard_binds[key] = found
    return found


def _callees(unit: Unit, symbols: Symbols, guard) -> List[CallTarget]:
    out = []
    for site in unit.facts.calls:
        if guard is not None and guard not in site.guards:
            continue
        target = symbols.resolve_call(site.node, unit)
        if target is not None:
            out.append(target)
    return out


def is_memo_guarded(site_guards, unit: Unit, symbols: Symbols) -> bool:
    """A guard on module state ("if _client is None", "if key not in _CACHE",
    or a local read from a module cache) whose block binds what it tests
    makes the code under it run once per warm container (or per key), not
    once per invocation. A guard on a flag that nothing rebinds is an
    ordinary branch."""
    for guard in site_guards:
        subject = guard[1]
        root = subject.split(".", 1)[0]
        local = root not in unit.facts.global_names and any(
            isinstance(s.target, cst.Name) and s.target.value == root for s in unit.facts.stores)
        if local:
            container = module_container_read(root, unit, symbols)
            if container and guard_binds(guard, unit, symbols, container):
                return True
        elif _is_module_name(root, symbols) and guard_binds(guard, unit, symbols):
            return True
    return False


class _Edges(dict):
    """The calls of each unit that resolve to a unit of this module, by the
    caller's id, resolved on first use: the walk from the handlers asks only
    for the units it reaches, so code no handler reaches costs no facts."""

    def __init__(self, symbols: Symbols, units: Dict[int, Unit]):
        super().__init__()
        self._symbols = symbols
        self._units = units

    def __missing__(self, key: int) -> List[Tuple[CallSite, CallTarget]]:
        unit = self._units[key]
        out = []
        for site in unit.facts.calls:
            target = self._symbols.resolve_call(site.node, unit)
            if target is not None:
                out.append((site, target))
        self[key] = out
        return out

    def get(self, key, default=None):
        return self[key] if key in self or key in self._units else default


class Reachability:
    def __init__(self, symbols: Symbols, handlers: List[Handler], context=None):
        self.symbols = symbols
        self.handlers = sorted(handlers, key=lambda h: h.sort_key)   # first by module and name
        self.context = context
        self._units = {id(u): u for u in symbols.all_units()}
        self.edges = _Edges(symbols, self._units)
        self.reached: Dict[int, Reach] = {}
        self.hot: Dict[int, Reach] = {}
        self.instance_self: set = set()   # units whose `self` is a module-level instance
        self._reached_by: Dict[int, set] = {}
        for handler in self.handlers:
            self._walk(handler, self.reached, hot_only=False)
            self._walk(handler, self.hot, hot_only=True)
        for table in (self.reached, self.hot):
            for key, reach in table.items():
                others = self._others(key, reach.handler)
                if others:
                    table[key] = Reach(reach.handler, reach.path, others)

    @cached_property
    def callers(self) -> Dict[int, List[Tuple[Unit, CallSite, CallTarget]]]:
        """Every call site of the module that calls a unit, by the callee's
        id (callers the handlers do not reach included); on first use, as it
        needs the calls of every unit."""
        out: Dict[int, List[Tuple[Unit, CallSite, CallTarget]]] = {}
        for unit in self.symbols.all_units():
            for site, target in self.edges[id(unit)]:
                out.setdefault(id(target.unit), []).append((unit, site, target))
        return out

    def _others(self, unit_id: int, handler: Handler) -> int:
        """How many handlers besides the named one reach a unit: the project
        index's count when there is one, else this module's handlers."""
        local = len(self._reached_by.get(unit_id, ())) - 1 + sum(
            h.others for h in self.handlers if id(h) in self._reached_by.get(unit_id, ()))
        unit = self._units.get(unit_id)
        project = self.context.reach_counts.get(unit.key, 0) - 1 if (
            self.context is not None and unit is not None) else 0
        return max(local, project, 0)

    def _label(self, handler: Handler, unit: Unit) -> str:
        """Call-path names: module-qualified once the path comes from another module."""
        if handler.entry is not None and self.context is not None:
            return f"{self.context.module}.{unit.key}"
        return unit.key

    def _walk(self, handler: Handler, table: Dict[int, Reach], hot_only: bool):
        start = handler.unit
        if hot_only and not handler.hot:
            return
        start_path = handler.start_path()
        self_state = handler.entry is not None and handler.entry.self_state
        queue = deque([(start, start_path, self_state)])
        seen = {(id(start), self_state)}
        if not hot_only:
            self._reached_by.setdefault(id(start), set()).add(id(handler))
        if id(start) not in table:
            table[id(start)] = Reach(handler, start_path)
        while queue:
            unit, path, self_is_state = queue.popleft()
            if self_is_state and not hot_only:
                self.instance_self.add(id(unit))
            for site, target in self.edges.get(id(unit), ()):
                callee = target.unit
                if hot_only and (callee.memoized or is_memo_guarded(site.guards, unit, self.symbols)):
                    continue
                callee_self = target.via_instance or (
                    self_is_state and isinstance(site.node.func, cst.Attribute)
                    and isinstance(site.node.func.value, cst.Name)
                    and site.node.func.value.value == unit.self_name())
                key = (id(callee), callee_self)
                if key in seen:
                    continue
                seen.add(key)
                new_path = path + (self._label(handler, callee),)
                if not hot_only:
                    self._reached_by.setdefault(id(callee), set()).add(id(handler))
                table.setdefault(id(callee), Reach(handler, new_path))
                queue.append((callee, new_path, callee_self))

    def handlers_reaching(self, unit: Unit) -> List[Handler]:
        """Every handler of this module whose code reaches the unit."""
        ids = self._reached_by.get(id(unit), ())
        return [h for h in self.handlers if id(h) in ids]

    def reach(self, unit: Unit) -> Optional[Reach]:
        return self.reached.get(id(unit))

    def reachable_units(self) -> List[Unit]:
        return [u for u in self.symbols.all_units() if id(u) in self.reached]
