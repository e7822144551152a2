"""Reachability (SPEC "Reachability"): which units a handler runs, by which
call path, and which of them run on every invocation ("hot") rather than
once per warm container (under a memoization guard or in a memoized
function)."""
from collections import deque
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import libcst as cst

from .facts import CallSite
from .handlers import Handler
from .names import root_name
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
    return name in symbols.module_values or name in symbols.rebound_in_functions


def _read_from_module_container(name: str, unit: Unit, symbols: Symbols) -> bool:
    """`client = _CLIENTS.get(key)` / `_CLIENTS[key]`: testing the local tests
    whether the module cache holds the key."""
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
            return True
    return False


def is_memo_guarded(site_guards, unit: Unit, symbols: Symbols) -> bool:
    """A guard on module state ("if _client is None", "if key not in _CACHE",
    or a local read from a module cache) makes the code under it run once
    per warm container (or per key), not once per invocation."""
    for _kind, subject in site_guards:
        root = subject.split(".", 1)[0]
        local = root not in unit.facts.global_names and any(
            isinstance(s.target, cst.Name) and s.target.value == root for s in unit.facts.stores)
        if local:
            if _read_from_module_container(root, unit, symbols):
                return True
        elif _is_module_name(root, symbols):
            return True
    return False


class Reachability:
    def __init__(self, symbols: Symbols, handlers: List[Handler], context=None):
        self.symbols = symbols
        self.handlers = sorted(handlers, key=lambda h: h.sort_key)   # first by module and name
        self.context = context
        self.edges: Dict[int, List[Tuple[CallSite, CallTarget]]] = {}
        self.callers: Dict[int, List[Tuple[Unit, CallSite, CallTarget]]] = {}
        for unit in symbols.all_units():
            out = []
            for site in unit.facts.calls:
                target = symbols.resolve_call(site.node, unit)
                if target is not None:
                    out.append((site, target))
                    self.callers.setdefault(id(target.unit), []).append((unit, site, target))
            self.edges[id(unit)] = out
        self.reached: Dict[int, Reach] = {}
        self.hot: Dict[int, Reach] = {}
        self.instance_self: set = set()   # units whose `self` is a module-level instance
        self._reached_by: Dict[int, set] = {}
        self._units = {id(u): u for u in symbols.all_units()}
        for handler in self.handlers:
            self._walk(handler, self.reached, hot_only=False)
            self._walk(handler, self.hot, hot_only=True)
        for table in (self.reached, self.hot):
            for key, reach in table.items():
                others = self._others(key, reach.handler)
                if others:
                    table[key] = Reach(reach.handler, reach.path, others)

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

    def reach(self, unit: Unit) -> Optional[Reach]:
        return self.reached.get(id(unit))

    def reachable_units(self) -> List[Unit]:
        return [u for u in self.symbols.all_units() if id(u) in self.reached]
