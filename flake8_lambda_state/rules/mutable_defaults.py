"""LAM103: a reachable function mutates or returns a mutable default
argument. Reported once, at the default value."""
from typing import Iterator, Optional

import libcst as cst

from ..analysis.names import dotted, node_text, root_name
from ..analysis.state_writes import MUTATORS, is_mutable_value
from .base import Finding, where


def _mutation_of(param: str, unit, flow) -> Optional[int]:
    """None when `param` is never mutated or returned; else the request level
    of what is stored into it (0 when nothing from the request)."""
    found = None
    for store in unit.facts.stores:
        target = store.target
        if isinstance(target, (cst.Subscript, cst.Attribute)):
            root = root_name(target)
            if root is not None and root.value == param:
                level = max(flow.level(store.value, unit), _key_level(target, unit, flow))
                found = max(found or 0, level)
    for site in unit.facts.calls:
        func = site.node.func
        if isinstance(func, cst.Attribute) and func.attr.value in MUTATORS:
            root = root_name(func.value)
            if root is not None and root.value == param:
                level = max((flow.level(a.value, unit) for a in site.node.args), default=0)
                found = max(found or 0, level)
    for value in unit.facts.returns:
        if dotted(value) == param:
            found = max(found or 0, 0)
    return found


def _key_level(target, unit, flow) -> int:
    if isinstance(target, cst.Subscript):
        return max((flow.level(el.slice.value, unit) for el in target.slice
                    if isinstance(el.slice, cst.Index)), default=0)
    return 0


def check(model) -> Iterator[Finding]:
    for unit, reach in model.reachable():
        rebound = {s.target.value for s in unit.facts.stores if isinstance(s.target, cst.Name)}
        for param in unit.all_params():
            if param.default is None or not is_mutable_value(param.default, model.qn):
                continue
            name = param.name.value
            if name in rebound:
                continue  # `acc = acc or []`, `acc = list(acc)`: the default is not shared
            level = _mutation_of(name, unit, model.flow)
            if level is None:
                continue
            stored = " and request data is stored in it" if level else ""
            yield Finding(
                "LAM103", param.default,
                f"mutable default '{name}={node_text(param.default)}' of {unit.key}() is "
                f"mutated or returned{stored} {where(reach)}; the default is created once at "
                f"import and shared by every later call in this warm container; default to None "
                f"and create it inside the function",
                reach, extra={"unit": unit, "param": param})
