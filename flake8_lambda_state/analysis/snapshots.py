"""Snapshots and concurrent processes (SPEC LAM5xx), on the shared model:
whether this module's init runs before a SnapStart snapshot, which handlers
run on Managed Instances, the snapshot_restore_py hooks and what they
refresh, the values that init code keeps in module state, and whether a
/tmp path holds something unique to the request or the process."""
from dataclasses import dataclass
from functools import cached_property
from typing import Dict, Iterator, List, Optional, Set

import libcst as cst

from ..settings import ALL_FUNCTIONS
from ..templates import MANAGED_INSTANCES, SNAPSTART
from ..vocabulary import (AFTER_RESTORE_HOOKS, BEFORE_SNAPSHOT_HOOKS, NOT_UNIQUE_VALUE_CALLS,
                          RANDOM_STATE_CALLS, RECONNECT_METHODS, SEEDING_METHODS, SNAPSHOT_MODULE,
                          TIMESTAMP_CALLS, UNIQUE_PATH_ATTRIBUTES, UNIQUE_PATH_CALLS, UNIQUE_PATH_PREFIXES,
                          UNIQUE_VALUE_CALLS, UNIQUE_VALUE_PREFIXES)
from .clients import connects_when_built
from .facts import CallSite
from .names import dotted, root_name
from .scopes import IMPORTED
from .symbols import LOCAL, STATE
from .units import Unit

MAX_DEPTH = 4        # calls followed from init code and from hooks


@dataclass(eq=False)
class InitValue:
    """A call made while init runs whose value stays in module state."""
    site: CallSite
    unit: Unit                 # the init code, or a function init calls
    kept_in: str               # the module name that keeps it ('random' for random.seed)


def unique_value_kind(names) -> Optional[str]:
    """'timestamp', 'random state' (a seed or a generator) or 'unique' for a
    call LAM501 is about, else None."""
    if names & TIMESTAMP_CALLS:
        return "timestamp"
    for name in names:
        if name in NOT_UNIQUE_VALUE_CALLS:
            continue
        if name.startswith(UNIQUE_VALUE_PREFIXES) and name.rsplit(".", 1)[-1] in RANDOM_STATE_CALLS:
            return "random state"
        if name in UNIQUE_VALUE_CALLS or name.startswith(UNIQUE_VALUE_PREFIXES):
            return "unique"
    return None


def _is_seeding(names) -> bool:
    return any(n.startswith(UNIQUE_VALUE_PREFIXES) and n.rsplit(".", 1)[-1] in SEEDING_METHODS
               for n in names)


class Snapshots:
    """The LAM5xx facts of one module, computed on first use from its model."""

    def __init__(self, model):
        self.model = model
        self.symbols = model.symbols
        self.settings = model.settings
        self.context = model.context

    # --- where the family applies -----------------------------------------
    def _runs_with(self, function: str, feature: str) -> bool:
        """A function of this module runs with the feature: by the project's
        deployment (templates, CDK, options, imports) or, for a module on its
        own, by the options and templates."""
        context = self.context
        if context is not None and context.index is not None:
            return context.index.deployment.runs_with(context.path, function, feature)
        declared = self.settings.run_with(self.model.filename, feature)
        return ALL_FUNCTIONS in declared or function in declared

    @cached_property
    def imports_snapshot_restore(self) -> bool:
        for bindings in self.symbols.scopes.module_scope.bindings.values():
            if any(b.kind == IMPORTED and b.qualified.split(".")[0] == SNAPSHOT_MODULE
                   for b in bindings):
                return True
        return False

    @cached_property
    def snapstart_handler(self) -> Optional[str]:
        """The SnapStart handler whose snapshot holds this module's init, or
        None when no SnapStart function loads this module."""
        local = self.model.local_handlers
        for handler in local:
            if self._runs_with(handler.unit.name, SNAPSTART):
                return handler.name
        if local and self.imports_snapshot_restore:
            return local[0].name
        if self.context is not None and self.context.snapstart_reached:
            return self.model.handlers[0].name   # a SnapStart handler of another module
        return None

    def managed_handler(self, unit: Unit) -> Optional[str]:
        """The Managed Instances handler that reaches `unit`, else None."""
        for handler in self.model.reach.handlers_reaching(unit):
            if handler.entry is None and self._runs_with(handler.unit.name, MANAGED_INSTANCES):
                return handler.name
        if self.context is not None and unit.key in self.context.managed_instances_reached:
            reach = self.model.reach.reach(unit)
            return reach.handler.name if reach else unit.key
        return None

    # --- hooks --------------------------------------------------------------
    @cached_property
    def hooks(self) -> Dict[str, List[Unit]]:
        """{'after': [...], 'before': [...]}: functions registered with
        `@register_after_restore` / `@register_before_snapshot` or the call
        forms `register_after_restore(fn, ...)`."""
        out: Dict[str, List[Unit]] = {"after": [], "before": []}
        qn = self.model.qn
        for unit in self.symbols.all_units():
            for decorator in unit.node.decorators:
                expr = decorator.decorator
                names = qn.of(expr.func if isinstance(expr, cst.Call) else expr)
                kind = _hook_kind(names)
                if kind:
                    out[kind].append(unit)
        for site in self.symbols.init.facts.calls:
            kind = _hook_kind(qn.of(site.node.func))
            if kind and site.node.args:
                fn = site.node.args[0].value
                if isinstance(fn, cst.Name) and fn.value in self.symbols.functions:
                    out[kind].append(self.symbols.functions[fn.value])
        return out

    def _run_by(self, starts: List[Unit]) -> List[Unit]:
        """The units and the functions they call, transitively."""
        seen, todo, out = set(), [(u, 0) for u in starts], []
        while todo:
            unit, depth = todo.pop()
            if id(unit) in seen or depth > MAX_DEPTH:
                continue
            seen.add(id(unit))
            out.append(unit)
            for site in unit.facts.calls:
                target = self.symbols.resolve_call(site.node, unit)
                if target is not None:
                    todo.append((target.unit, depth + 1))
        return out

    def refreshed(self, kinds=("after",)) -> Set[str]:
        """Module names the hooks of these kinds rebind, store into, reseed or
        reconnect; 'random' / 'numpy.random' when a hook reseeds the module."""
        out: Set[str] = set()
        units = self._run_by([u for kind in kinds for u in self.hooks[kind]])
        for unit in units:
            out |= self._rebound(unit)
            for site in unit.facts.calls:
                func = site.node.func
                names = self.model.qn.of(func)
                if _is_seeding(names):
                    out.add(min(names).rsplit(".", 1)[0])
                elif isinstance(func, cst.Attribute) and (
                        func.attr.value in SEEDING_METHODS | RECONNECT_METHODS
                        or _reconnecting_ping(site.node)):
                    root = root_name(func.value)
                    if root is not None:
                        out.add(root.value)
        return out

    def _rebound(self, unit: Unit) -> Set[str]:
        """Module names the unit rebinds (under `global`) or stores into."""
        out = set()
        for store in unit.facts.stores:
            target = store.target
            if isinstance(target, cst.Name):
                if target.value in unit.facts.global_names and store.op != "del":
                    out.add(target.value)
            else:
                root = root_name(target)
                if root is not None and self.symbols.kind(root) == STATE:
                    out.add(root.value)
        return out

    # --- what init keeps ------------------------------------------------------
    @cached_property
    def init_units(self) -> List[Unit]:
        """The module's init code and the functions it calls (not the hooks,
        which run at snapshot and restore time)."""
        hooks = {id(u) for units in self.hooks.values() for u in units}
        return [u for u in self._run_by([self.symbols.init]) if id(u) not in hooks]

    def init_values(self) -> Iterator[InitValue]:
        """Calls made at init whose value a module name keeps: stored by the
        same statement, or (seeding calls) kept in the random module itself."""
        for unit in self.init_units:
            stores: Dict[int, List[str]] = {}
            for store in unit.facts.stores:
                name = self._kept_name(store, unit)
                if name and not isinstance(store.value, cst.Lambda):
                    stores.setdefault(id(store.statement), []).append(name)
            for site in unit.facts.calls:
                kept = stores.get(id(site.statement))
                if kept:
                    yield InitValue(site, unit, kept[0])
                elif site.discarded and _is_seeding(self.model.qn.of(site.node.func)):
                    names = self.model.qn.of(site.node.func)
                    yield InitValue(site, unit, min(names).rsplit(".", 1)[0])

    def _kept_name(self, store, unit: Unit) -> Optional[str]:
        target = store.target
        if store.op == "del":
            return None
        if isinstance(target, cst.Name):
            if unit is self.symbols.init:
                return target.value if self.symbols.kind(target) == STATE else None
            return target.value if target.value in unit.facts.global_names else None
        root = root_name(target)
        if root is None:
            return None
        if self.symbols.kind(root) == STATE or (unit.class_name and root.value == unit.self_name()):
            return dotted(target) or root.value
        return None

    def reconnects_on_use(self, name: str) -> bool:
        """Handler-reachable code opens the module connection again (a
        getter that rebinds it to a new connection, an `except` that does) or
        checks it with a liveness call that reconnects."""
        clients = self.model.clients
        for unit, _reach in self.model.reachable():
            for store in unit.facts.stores:
                if isinstance(store.target, cst.Name) and store.target.value == name \
                        and name in unit.facts.global_names and isinstance(store.value, cst.Call):
                    factory = clients.factory_of(store.value, unit)
                    if factory and connects_when_built(factory):
                        return True
            for site in unit.facts.calls:
                func = site.node.func
                if isinstance(func, cst.Attribute) and dotted(func.value) == name and (
                        func.attr.value in RECONNECT_METHODS or _reconnecting_ping(site.node)):
                    return True
        return False

    def recomputed_per_invocation(self, name: str) -> bool:
        """Handler-reachable code rebinds the module name on every invocation."""
        return any(isinstance(s.target, cst.Name) and s.target.value == name
                   and name in unit.facts.global_names and s.op != "del"
                   for unit, _reach in self.model.hot() for s in unit.facts.stores)

    # --- /tmp paths (LAM503) ----------------------------------------------------
    def unique_path(self, expr, unit: Unit, _depth: int = 0) -> bool:
        """The path holds something unique to the request or the process:
        the request id, a uuid, os.getpid(), a tempfile name."""
        if expr is None or _depth > 8:
            return False
        deeper = _depth + 1
        if isinstance(expr, cst.Name):
            values = self.symbols.values_of(expr, unit)
            if not values and self.symbols.kind(expr) == LOCAL:
                return self._unique_parameter(expr.value, unit, deeper)
            return any(self.unique_path(v, unit, deeper) for v in values)
        if isinstance(expr, cst.Attribute):
            return expr.attr.value in UNIQUE_PATH_ATTRIBUTES or self.unique_path(expr.value, unit, deeper)
        if isinstance(expr, cst.Call):
            names = self.model.qn.of(expr.func)
            if names & UNIQUE_PATH_CALLS or any(n.startswith(UNIQUE_PATH_PREFIXES) for n in names):
                return True
            parts = [a.value for a in expr.args]
            if isinstance(expr.func, cst.Attribute):
                parts.append(expr.func.value)
            return any(self.unique_path(p, unit, deeper) for p in parts)
        if isinstance(expr, cst.FormattedString):
            return any(self.unique_path(p.expression, unit, deeper) for p in expr.parts
                       if isinstance(p, cst.FormattedStringExpression))
        if isinstance(expr, cst.BinaryOperation):
            return self.unique_path(expr.left, unit, deeper) or self.unique_path(expr.right, unit, deeper)
        if isinstance(expr, cst.ConcatenatedString):
            return self.unique_path(expr.left, unit, deeper) or self.unique_path(expr.right, unit, deeper)
        if isinstance(expr, cst.Subscript):
            return self.unique_path(expr.value, unit, deeper)
        return False

    def _unique_parameter(self, name: str, unit: Unit, depth: int) -> bool:
        """A parameter that every reachable caller in this module passes a
        unique value (`save(rows, str(uuid.uuid4()))`)."""
        if name not in {p.name.value for p in unit.all_params()}:
            return False
        reach = self.model.reach
        callers = [c for c in reach.callers.get(id(unit), ()) if reach.reach(c[0]) is not None]
        return bool(callers) and all(
            self.unique_path(target.arguments(site.node).get(name), caller, depth)
            for caller, site, target in callers)


def _hook_kind(names) -> Optional[str]:
    if names & AFTER_RESTORE_HOOKS:
        return "after"
    if names & BEFORE_SNAPSHOT_HOOKS:
        return "before"
    return None


def _reconnecting_ping(call: cst.Call) -> bool:
    """`conn.ping(reconnect=True)`."""
    func = call.func
    return isinstance(func, cst.Attribute) and func.attr.value == "ping" and any(
        a.keyword is not None and a.keyword.value == "reconnect"
        and isinstance(a.value, cst.Name) and a.value.value == "True" for a in call.args)
