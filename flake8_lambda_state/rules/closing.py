"""LAM302: reachable code closes a module-scope client or connection, so the
next warm invocation gets a dead one."""
from typing import Iterator

import libcst as cst

from ..analysis.clients import closes_on_exit
from ..analysis.symbols import STATE
from .base import Finding, code_of, where

CLOSERS = {"close", "dispose", "shutdown", "aclose", "terminate"}


def _module_client(model, expr, unit):
    if isinstance(expr, cst.Name) and model.symbols.kind(expr) == STATE \
            and expr.value not in unit.facts.global_names:
        factories = model.clients.built_by(expr, unit)
        return sorted(factories)[0] if factories else None
    return None


def check(model) -> Iterator[Finding]:
    for unit, reach in model.reachable():
        for site in unit.facts.calls:
            func = site.node.func
            if isinstance(func, cst.Attribute) and func.attr.value in CLOSERS:
                factory = _module_client(model, func.value, unit)
                if factory:
                    yield _finding(site.node, func.value.value, reach, f".{func.attr.value}()")
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
                    yield _finding(target, target.value, reach, "a `with` block")


def _finding(node, name, reach, how) -> Finding:
    return Finding(
        "LAM302", node,
        f"module-scope client '{name}' is closed by {how} {where(reach)}; the next warm "
        f"invocation reuses the closed client and fails; leave module-scope clients open "
        f"({code_of(node)})", reach)
