"""LAM302: reachable code closes a module-scope client or connection, so the
next warm invocation gets a dead one."""
from typing import Iterator

import libcst as cst

from ..analysis.clients import closes_on_exit
from ..analysis.symbols import LOCAL, STATE
from .base import Finding, code_of, where

CLOSERS = {"close", "dispose", "shutdown", "aclose", "terminate"}


def _module_client(model, expr, unit, _depth=0):
    """The factory of a client that outlives the invocation: a module-level
    one, or one returned by a memoized getter (functools.cache, or a getter
    returning a module global)."""
    symbols = model.symbols
    imported = model.clients.imported(expr)
    if imported is not None:      # another module's client: `from db import conn`
        factories = model.clients.built_by(expr, unit)
        return sorted(factories)[0] if factories else None
    if isinstance(expr, cst.Name):
        if symbols.kind(expr) == STATE:
            if expr.value in unit.facts.global_names:
                return None  # rebound here: a reconnect, not a dead client
            factories = model.clients.built_by(expr, unit)
            return sorted(factories)[0] if factories else None
        if symbols.kind(expr) == LOCAL and _depth < 3:
            for value in symbols.values_of(expr, unit):
                found = _module_client(model, value, unit, _depth + 1)
                if found:
                    return found
        return None
    if isinstance(expr, cst.Call) and _depth < 3:
        target = symbols.resolve_call(expr, unit)
        if target is None:
            return None
        getter = target.unit
        for value in getter.facts.returns:
            shared = getter.memoized or (isinstance(value, cst.Name) and symbols.kind(value) == STATE)
            factories = model.clients.built_by(value, getter) if shared else ()
            if factories:
                return sorted(factories)[0]
    return None


def check(model) -> Iterator[Finding]:
    for unit, reach in model.reachable():
        for site in unit.facts.calls:
            func = site.node.func
            if isinstance(func, cst.Attribute) and func.attr.value in CLOSERS:
                factory = _module_client(model, func.value, unit)
                if factory:
                    yield _finding(site.node, code_of(func.value), reach, f".{func.attr.value}()")
        for with_node in unit.facts.withs:
            for item in with_node.items:
                target = item.item
                if isinstance(target, cst.Call) and model.qn.of(target.func) & {"contextlib.closing"} \
                        and target.args:
                    target = target.args[0].value
                    factory = _module_client(model, target, unit)
                else:
                    factory = _module_client(model, target, unit)
                    if factory and not closes_on_exit(factory):
                        factory = None
                if factory:
                    yield _finding(target, code_of(target), reach, "a `with` block")


def _finding(node, name, reach, how) -> Finding:
    return Finding(
        "LAM302", node,
        f"module-scope client '{name}' is closed by {how} {where(reach)}; the next warm "
        f"invocation reuses the closed client and fails; leave module-scope clients open "
        f"({code_of(node)})", reach)
