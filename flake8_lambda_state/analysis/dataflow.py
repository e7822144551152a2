"""Request-data flow (SPEC "Request data") and init-time constants (SPEC
"Init-time constants").

Request data starts at the handlers' event/context (or route) parameters
and flows, flow-insensitively, through local assignments, containers,
formatting and calls within a unit, and through arguments into the
parameters of reachable helpers. Levels: 0 none, 1 request data,
2 sensitive request data (a key or name matches the sensitive pattern)."""
from collections import deque
from typing import Dict, List, Optional, Set

import libcst as cst

from ..vocabulary import (CONSTANT_CALLS, CONSTANT_CALLS_PREFIXES, CONSTANT_METHODS, CONSTANT_NAMES,
                          FILLING_METHODS, FIXED_CONTEXT_ATTRIBUTES, NON_CONTENT_CALLS)
from .handlers import LAMBDA, Handler
from .names import dotted, string_value
from .reachability import Reachability
from .symbols import BUILTIN, IMPORT, LOCAL, STATE, CallTarget, Symbols
from .units import Unit

NONE, REQUEST, SENSITIVE = 0, 1, 2


class DataFlow:
    def __init__(self, symbols: Symbols, reach: Reachability, handlers: List[Handler],
                 settings, request_attributes: Set[str], request_imports: Set[str]):
        self.symbols = symbols
        self.reach = reach
        self.settings = settings
        self.request_attributes = request_attributes
        self.request_imports = request_imports
        self.handler_units = {id(h.unit) for h in handlers}
        self.entries = {id(h.unit): h.entry for h in handlers if h.entry is not None}
        self.param_level: Dict[int, Dict[str, int]] = {}
        self.local_level: Dict[int, Dict[str, int]] = {}
        self.context_names: Dict[int, Set[str]] = {}   # names bound to the Lambda context
        self._cache: Dict[tuple, int] = {}
        self._const_cache: Dict[tuple, bool] = {}
        self._solve(handlers)

    # --- solving ----------------------------------------------------------
    def _solve(self, handlers: List[Handler]):
        work = deque()
        for handler in handlers:
            levels = self.param_level.setdefault(id(handler.unit), {})
            for name, level in handler.request_levels().items():
                if level and self.sensitive(name):
                    level = SENSITIVE
                levels[name] = max(levels.get(name, 0), level)
            params = handler.request_params()
            if handler.entry is None and handler.kind == LAMBDA and len(params) > 1:
                self.context_names.setdefault(id(handler.unit), set()).add(params[1])
            work.append(handler.unit)
        solved = set()
        while work:
            unit = work.popleft()
            solved.add(id(unit))
            self._solve_locals(unit)
            for site, target in self.reach.edges.get(id(unit), ()):
                if self._push_arguments(site.node, target, unit):
                    work.append(target.unit)
        for unit in self.reach.reachable_units():
            if id(unit) not in solved:
                self._solve_locals(unit)

    def _push_arguments(self, call: cst.Call, target: CallTarget, caller: Unit) -> bool:
        levels = self.param_level.setdefault(id(target.unit), {})
        contexts = self.context_names.get(id(caller), ())
        changed = False
        for name, arg in target.arguments(call).items():
            value = self.level(arg, caller)
            if value > levels.get(name, 0):
                levels[name] = value
                changed = True
            if isinstance(arg, cst.Name) and arg.value in contexts:
                passed = self.context_names.setdefault(id(target.unit), set())
                if name not in passed:
                    passed.add(name)
                    changed = True
        if changed:
            self._cache.clear()
        return changed

    def _solve_locals(self, unit: Unit):
        levels = self.local_level.setdefault(id(unit), {})
        for _ in range(25):
            changed = False
            for store in unit.facts.stores:
                name, value = self._local_written(store, unit)
                if name is None or value is None:
                    continue
                got = self.level(value, unit)
                if got > levels.get(name, 0):
                    levels[name] = got
                    changed = True
            for site in unit.facts.calls:
                func = site.node.func
                if isinstance(func, cst.Attribute) and func.attr.value in FILLING_METHODS \
                        and isinstance(func.value, cst.Name) and self._is_local(func.value, unit):
                    got = max((self.level(a.value, unit) for a in site.node.args), default=0)
                    if got > levels.get(func.value.value, 0):
                        levels[func.value.value] = got
                        changed = True
            if not changed:
                break
            self._cache.clear()

    def _local_written(self, store, unit):
        """(local name, value) that a store taints: `x = v`, `x[k] = v`
        (the container x holds v and k), `x.attr = v`."""
        target = store.target
        if isinstance(target, cst.Name):
            return (target.value, store.value) if self._is_local(target, unit) else (None, None)
        if isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name) \
                and self._is_local(target.value, unit):
            pieces = [store.value] if store.value is not None else []
            pieces += [el.slice.value for el in target.slice if isinstance(el.slice, cst.Index)]
            return target.value.value, cst.Tuple([cst.Element(p) for p in pieces]) if pieces else None
        if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name) \
                and self._is_local(target.value, unit) and target.value.value != unit.self_name():
            return target.value.value, store.value
        return None, None

    def _is_local(self, name: cst.Name, unit: Unit) -> bool:
        if name.value in unit.facts.global_names:
            return False
        return self.symbols.kind(name) == LOCAL

    # --- queries ----------------------------------------------------------
    def sensitive(self, name: Optional[str]) -> bool:
        return bool(name) and self.settings.is_sensitive_name(name)

    @staticmethod
    def _memo(cache: dict, expr, unit: Unit, on_cycle, compute):
        """Memoized recursive evaluation; a cycle (a name defined through
        itself) evaluates to `on_cycle` until the outer call finishes."""
        key = (id(expr), id(unit))
        cached = cache.get(key)
        if cached is not None:
            return cached
        cache[key] = on_cycle
        result = cache[key] = compute(expr, unit)
        return result

    def level(self, expr: Optional[cst.BaseExpression], unit: Unit) -> int:
        if expr is None:
            return NONE
        return self._memo(self._cache, expr, unit, NONE, self._level)

    def is_request(self, expr, unit) -> bool:
        return self.level(expr, unit) >= REQUEST

    def _name_level(self, name: str, unit: Unit) -> int:
        got = max(self.param_level.get(id(unit), {}).get(name, 0),
                  self.local_level.get(id(unit), {}).get(name, 0))
        if got and self.sensitive(name):
            return SENSITIVE
        return got

    def _level(self, e, unit: Unit) -> int:
        lv = self.level
        if isinstance(e, cst.Name):
            kind = self.symbols.kind(e)
            if kind == LOCAL and e.value not in unit.facts.global_names:
                return self._name_level(e.value, unit)
            if kind == IMPORT and self.symbols.qn.of(e) & self.request_imports:
                return REQUEST
            return NONE
        if isinstance(e, cst.Attribute):
            if e.attr.value in FIXED_CONTEXT_ATTRIBUTES and isinstance(e.value, cst.Name) \
                    and e.value.value in self.context_names.get(id(unit), ()):
                return NONE   # the same for every invocation of this environment
            name = dotted(e)
            if name and name in self.request_attributes:
                return REQUEST
            if self.request_imports and self.symbols.qn.of(e) & self.request_imports:
                return REQUEST
            base = lv(e.value, unit)
            return SENSITIVE if base and self.sensitive(e.attr.value) else base
        if isinstance(e, cst.Subscript):
            base = lv(e.value, unit)
            if base:
                for element in e.slice:
                    if isinstance(element.slice, cst.Index) and \
                            self.sensitive(string_value(element.slice.value)):
                        return SENSITIVE
            return base
        if isinstance(e, cst.Call):
            func = e.func
            if self.symbols.qn.of(func) & NON_CONTENT_CALLS:
                return NONE
            got = NONE
            if isinstance(func, cst.Attribute):
                got = lv(func.value, unit)
                if got and func.attr.value in ("get", "pop", "getlist") and e.args \
                        and self.sensitive(string_value(e.args[0].value)):
                    return SENSITIVE
            for arg in e.args:
                got = max(got, lv(arg.value, unit))
            return got
        if isinstance(e, (cst.BinaryOperation, cst.BooleanOperation)):
            return max(lv(e.left, unit), lv(e.right, unit))
        if isinstance(e, cst.UnaryOperation):
            return NONE if isinstance(e.operator, cst.Not) else lv(e.expression, unit)
        if isinstance(e, cst.IfExp):
            return max(lv(e.body, unit), lv(e.orelse, unit))
        if isinstance(e, cst.FormattedString):
            return max((lv(p.expression, unit) for p in e.parts
                        if isinstance(p, cst.FormattedStringExpression)), default=NONE)
        if isinstance(e, cst.ConcatenatedString):
            return max(lv(e.left, unit), lv(e.right, unit))
        if isinstance(e, (cst.Tuple, cst.List, cst.Set)):
            return max((lv(el.value, unit) for el in e.elements), default=NONE)
        if isinstance(e, cst.Dict):
            got = NONE
            for el in e.elements:
                value = lv(el.value, unit)
                if isinstance(el, cst.DictElement):
                    if value and self.sensitive(string_value(el.key)):
                        value = SENSITIVE
                    value = max(value, lv(el.key, unit))
                got = max(got, value)
            return got
        if isinstance(e, (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)):
            parts = [e.key, e.value] if isinstance(e, cst.DictComp) else [e.elt]
            comp = e.for_in
            while comp is not None:
                parts.append(comp.iter)
                comp = comp.inner_for_in
            return max(lv(p, unit) for p in parts)
        if isinstance(e, (cst.Await, cst.StarredElement)):
            return lv(e.expression if isinstance(e, cst.Await) else e.value, unit)
        if isinstance(e, cst.NamedExpr):
            return lv(e.value, unit)
        return NONE

    # --- init-time constants ----------------------------------------------
    def is_constant(self, expr: Optional[cst.BaseExpression], unit: Unit) -> bool:
        if expr is None:
            return True
        return self._memo(self._const_cache, expr, unit, False, self._constant)

    def _constant(self, e, unit: Unit) -> bool:
        const = self.is_constant
        if isinstance(e, (cst.SimpleString, cst.Integer, cst.Float, cst.Imaginary,
                          cst.ConcatenatedString)):
            return not isinstance(e, cst.ConcatenatedString) or (const(e.left, unit) and const(e.right, unit))
        if isinstance(e, cst.FormattedString):
            return all(const(p.expression, unit) for p in e.parts
                       if isinstance(p, cst.FormattedStringExpression))
        if isinstance(e, cst.Name):
            if e.value in CONSTANT_NAMES:
                return True
            kind = self.symbols.kind(e)
            if kind == LOCAL and e.value not in unit.facts.global_names:
                return self._local_constant(e.value, unit)
            if kind == STATE:
                return self.symbols.binding_is_constant(e.value)
            return kind != BUILTIN or e.value in ("str", "int", "float", "bool", "tuple")
        if isinstance(e, cst.Attribute):
            return const(e.value, unit)
        if isinstance(e, cst.Subscript):
            return const(e.value, unit) and all(
                isinstance(el.slice, cst.Index) and const(el.slice.value, unit) for el in e.slice)
        if isinstance(e, cst.Call):
            args_constant = all(const(a.value, unit) for a in e.args)
            if not args_constant:
                return False
            names = self.symbols.qn.of(e.func)
            if names & CONSTANT_CALLS or any(n.startswith(CONSTANT_CALLS_PREFIXES) for n in names):
                return True
            func = e.func
            return isinstance(func, cst.Attribute) and func.attr.value in CONSTANT_METHODS \
                and const(func.value, unit)
        if isinstance(e, cst.BinaryOperation):
            return const(e.left, unit) and const(e.right, unit)
        if isinstance(e, cst.UnaryOperation):
            return const(e.expression, unit)
        if isinstance(e, (cst.Tuple, cst.List, cst.Set)):
            return all(const(el.value, unit) for el in e.elements)
        if isinstance(e, cst.Dict):
            return all(isinstance(el, cst.DictElement) and const(el.key, unit)
                       and const(el.value, unit) for el in e.elements)
        return False

    def _local_constant(self, name: str, unit: Unit) -> bool:
        param_names = {p.name.value for p in unit.all_params()}
        stores = [s for s in unit.facts.stores
                  if isinstance(s.target, cst.Name) and s.target.value == name]
        if name in param_names:
            if not self._param_constant(name, unit):
                return False
        elif not stores:
            return False
        return all(s.op in ("assign", "aug", "walrus") and self.is_constant(s.value, unit)
                   for s in stores)

    def _param_constant(self, name: str, unit: Unit) -> bool:
        entry = self.entries.get(id(unit))
        if entry is not None and name not in entry.constant_params:
            return False             # some caller in another module passes a non-constant
        if id(unit) in self.handler_units and entry is None:
            return False
        callers = [c for c in self.reach.callers.get(id(unit), ()) if self.reach.reach(c[0])]
        if not callers:
            return entry is not None
        default = next((p.default for p in unit.all_params() if p.name.value == name), None)
        for caller, site, target in callers:
            arg = target.arguments(site.node).get(name)
            if arg is None:
                if default is None or not self.is_constant(default, unit):
                    return False
            elif not self.is_constant(arg, caller):
                return False
        return True
