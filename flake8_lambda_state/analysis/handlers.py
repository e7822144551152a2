"""Handler detection (SPEC "Handlers"): naming convention, the (event,
context) signature, Powertools and Chalice decorators, Powertools resolver
routes and batch record handlers, Flask/FastAPI routes served through
Mangum or serverless-wsgi, and handlers named explicitly."""
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, List, Optional, Set, Tuple

import libcst as cst

from ..handler_names import (CONTEXT_NAMES, PLAIN_NAME, PLAIN_SIGNATURE, is_test_file,
                             name_matches)
from ..vocabulary import (BATCH_FUNCTIONS, CHALICE_CLASSES, POWERTOOLS_DECORATORS,
                          RESOLVER_CLASSES, RESOLVER_METHODS, WEB_FRAMEWORK_CLASSES,
                          WEB_ROUTE_METHODS, WSGI_ADAPTERS)
from .names import dotted
from .symbols import Symbols
from .units import Unit

# Handler kinds, and which parameters carry request data.
LAMBDA = "handler"               # first two positional parameters
ROUTE = "route"                  # every parameter (URL/route parameters)
RECORD = "record handler"        # first positional parameter


@dataclass(eq=False)
class Handler:
    """A handler of this module, or an entry point: a function of this module
    that a handler of another module reaches (the project index says with
    which call path and which parameters carry request data)."""
    unit: Unit
    kind: str
    reason: str
    dispatchers: List[Unit] = field(default_factory=list)  # handlers that call into a route
    entry: Optional[object] = None        # project.index.Entry for an entry point
    qualified: str = ""                   # "app.lambda_handler" when the project is known
    others: int = 0                       # other handlers of the project reaching the same code

    @property
    def name(self) -> str:
        return self.entry.handler if self.entry is not None else self.unit.name

    @property
    def sort_key(self) -> str:
        return self.name if self.entry is not None else (self.qualified or self.unit.name)

    @property
    def hot(self) -> bool:
        """Runs on every invocation (an entry point may be reached only
        through a memoized function or under a memo guard)."""
        return self.entry.hot if self.entry is not None else not self.unit.memoized

    def start_path(self) -> Tuple[str, ...]:
        return self.entry.path if self.entry is not None else (self.unit.name,)

    def request_levels(self) -> Dict[str, int]:
        """Request-data level of each parameter: an entry point's come from its
        callers in other modules."""
        if self.entry is not None:
            return dict(self.entry.params)
        return {name: 1 for name in self.request_params()}

    def request_params(self) -> List[str]:
        if self.kind == ROUTE:
            return [p.name.value for p in self.unit.all_params()]
        count = 1 if self.kind == RECORD else 2
        return [p.name.value for p in self.unit.request_positional()[:count]]

    def entry_points(self) -> List[Unit]:
        """The functions Lambda actually invokes for this handler."""
        return self.dispatchers or [self.unit]


def _decorator_parts(dec: cst.Decorator) -> Tuple[cst.BaseExpression, Optional[cst.Call]]:
    expr = dec.decorator
    return (expr.func, expr) if isinstance(expr, cst.Call) else (expr, None)


def _from_powertools(names: FrozenSet[str]) -> bool:
    return any(n.startswith("aws_lambda_powertools") for n in names)


class HandlerFinder:
    def __init__(self, symbols: Symbols, filename: str, settings, context=None):
        self.symbols = symbols
        self.filename = filename
        self.settings = settings
        self.context = context
        self.request_attributes: Set[str] = set()   # "app.current_event", "app.current_request"
        self.request_imports: Set[str] = set()      # e.g. flask.request
        self.explicit = settings.explicit_functions(filename)

    def _instance_of(self, receiver: cst.BaseExpression) -> FrozenSet[str]:
        if isinstance(receiver, cst.Name):
            return self.symbols.built_by(receiver)
        return frozenset()

    def _class_matches(self, built: FrozenSet[str], wanted) -> bool:
        return any(b in wanted or b.rsplit(".", 1)[-1] in wanted and _from_powertools({b})
                   for b in built)

    def find(self) -> List[Handler]:
        if is_test_file(self.filename):
            return []
        functions = self.symbols.functions
        found: Dict[str, Handler] = {}
        middleware = {name for name, unit in functions.items()
                      if any("lambda_handler_decorator" in (dotted(_decorator_parts(d)[0]) or "")
                             for d in unit.node.decorators)}
        wsgi_served = self.symbols.scopes.imports_any(WSGI_ADAPTERS) and any(
            self.symbols.qn.of(site.node.func) & WSGI_ADAPTERS
            for unit in [self.symbols.init] + list(functions.values())
            for site in unit.facts.calls)
        routes: List[Tuple[Unit, str]] = []  # (unit, receiver name) of resolver routes
        for name, unit in functions.items():
            if name.startswith("test_"):
                continue
            reason = self._plain_reason(unit)
            kind = LAMBDA
            if not reason:
                reason, kind = self._decorator_reason(unit, middleware)
            if reason:
                found[name] = Handler(unit, kind, reason)
                continue
            receiver = self._resolver_route(unit)
            if receiver:
                routes.append((unit, receiver))
                continue
            if wsgi_served and self._web_route(unit):
                found[name] = Handler(unit, ROUTE, "web framework route served through an adapter")
        # Powertools resolver routes: handlers when a handler calls `app.resolve(...)`.
        for unit, receiver in routes:
            dispatchers = [h.unit for h in found.values() if self._calls_method(h.unit, receiver, "resolve")]
            if dispatchers or self._is_router(receiver):
                found[unit.name] = Handler(unit, ROUTE, f"route of Powertools resolver '{receiver}'",
                                           dispatchers)
                self.request_attributes.add(f"{receiver}.current_event")
        # Batch record handlers.
        for handler in list(found.values()):
            for record_fn in self._record_handlers(handler.unit):
                if record_fn in functions and record_fn not in found:
                    found[record_fn] = Handler(functions[record_fn], RECORD,
                                               "Powertools batch record_handler", [handler.unit])
        if self.context is not None:    # routes on an app object imported from another module
            for name, reason in self.context.routes.items():
                if name in functions and name not in found:
                    found[name] = Handler(functions[name], ROUTE, reason)
            self.request_attributes |= self.context.request_attributes
        demoted = self.context.demoted if self.context is not None else frozenset()
        for name in demoted:   # an (event, context) helper another handler calls
            if name in found and found[name].reason in (PLAIN_NAME, PLAIN_SIGNATURE):
                del found[name]
        order = {id(u.node): i for i, u in enumerate(functions.values())}
        handlers = sorted(found.values(), key=lambda h: order[id(h.unit.node)])
        if self.context is not None:
            module = self.context.module
            for handler in handlers:
                handler.qualified = f"{module}.{handler.unit.name}"
                handler.others = self.context.handler_counts.get(handler.unit.name, 0)
            handlers += self._entry_points(found)
        return handlers

    def _entry_points(self, found) -> List[Handler]:
        """Functions of this module that handlers of other modules reach."""
        out = []
        for entry in self.context.entries:
            cls, _, method = entry.key.partition(".")
            unit = (self.symbols.classes[cls].methods.get(method) if method and cls in self.symbols.classes
                    else self.symbols.functions.get(entry.key) if not method else None)
            if unit is None or (not method and entry.key in found):
                continue
            out.append(Handler(unit, entry.handler_kind, f"reached from {entry.handler}",
                               entry=entry, others=entry.others))
        return out

    # --- individual tests -------------------------------------------------
    def _plain_reason(self, unit: Unit) -> Optional[str]:
        params = [p.name.value for p in unit.positional()]
        if unit.name in self.explicit:
            return "named by --lambda-handlers or an infrastructure template"
        if len(params) >= 2 and name_matches(unit.name, self.settings.handler_names):
            return PLAIN_NAME
        if len(params) >= 2 and params[0] == "event" and params[1] in CONTEXT_NAMES:
            return PLAIN_SIGNATURE
        return None

    def _decorator_reason(self, unit: Unit, middleware) -> Tuple[Optional[str], str]:
        """(why it is a handler, its kind) from its decorators, or (None, '')."""
        for dec in unit.node.decorators:
            func, _call = _decorator_parts(dec)
            last = func.attr.value if isinstance(func, cst.Attribute) else (
                func.value if isinstance(func, cst.Name) else None)
            if last is None:
                continue
            if isinstance(func, cst.Name) and func.value in middleware:
                return f"decorated with Powertools middleware '{func.value}'", LAMBDA
            if last in POWERTOOLS_DECORATORS:
                origin = self.symbols.qn.of(func)
                if isinstance(func, cst.Attribute):
                    origin = origin | self._instance_of(func.value)
                if _from_powertools(origin):
                    return f"decorated with Powertools '{last}'", LAMBDA
            if isinstance(func, cst.Attribute) and self._is_chalice(func.value):
                if last == "route":
                    self.request_attributes.add(f"{dotted(func.value)}.current_request")
                    return "Chalice route", ROUTE
                if last in ("lambda_function", "schedule") or last.startswith("on_"):
                    return f"Chalice {last} function", ROUTE
        return None, ""

    def _is_chalice(self, receiver) -> bool:
        return bool(self._instance_of(receiver) & CHALICE_CLASSES)

    def _is_router(self, receiver_name: str) -> bool:
        values = self.symbols.module_values.get(receiver_name, [])
        return any(self._class_matches(self.symbols.built_by(v), {"Router"}) for v in values)

    def _resolver_route(self, unit: Unit) -> Optional[str]:
        for dec in unit.node.decorators:
            func, _ = _decorator_parts(dec)
            if isinstance(func, cst.Attribute) and func.attr.value in RESOLVER_METHODS \
                    and isinstance(func.value, cst.Name):
                if self._class_matches(self._instance_of(func.value), RESOLVER_CLASSES):
                    return func.value.value
        return None

    def _web_route(self, unit: Unit) -> bool:
        for dec in unit.node.decorators:
            func, _ = _decorator_parts(dec)
            if isinstance(func, cst.Attribute) and func.attr.value in WEB_ROUTE_METHODS:
                if self._instance_of(func.value) & WEB_FRAMEWORK_CLASSES:
                    self.request_imports.add("flask.request")
                    return True
        return False

    def _calls_method(self, unit: Unit, receiver: str, method: str) -> bool:
        for site in unit.facts.calls:
            func = site.node.func
            if isinstance(func, cst.Attribute) and func.attr.value == method \
                    and dotted(func.value) == receiver:
                return True
        return False

    def _record_handlers(self, unit: Unit) -> List[str]:
        names = []
        calls = [site.node for site in unit.facts.calls]
        calls += [d.decorator for d in unit.node.decorators if isinstance(d.decorator, cst.Call)]
        for call in calls:
            qnames = self.symbols.qn.of(call.func)
            last = {q.rsplit(".", 1)[-1] for q in qnames if q.startswith("aws_lambda_powertools")}
            if not last & (BATCH_FUNCTIONS | {"batch_processor", "async_batch_processor"}):
                continue
            for arg in call.args:
                if arg.keyword is not None and arg.keyword.value == "record_handler" \
                        and isinstance(arg.value, cst.Name):
                    names.append(arg.value.value)
        return names
