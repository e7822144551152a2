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


def _is_docstring(stmt) -> bool:
    return isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and \
        isinstance(stmt.body[0], cst.Expr) and \
        isinstance(stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString))


def _optional(annotation: cst.Annotation, model):
    """(new annotation, imports): `Optional[X]`, or `X | None` when the file
    already writes that; unchanged when it already admits None."""
    from ..fixes import AddImport
    text = node_text(annotation.annotation)
    if "Optional" in text or "None" in text or text == "Any":
        return annotation, ()
    if "| None" in model.module.code:
        return annotation.with_changes(annotation=cst.BinaryOperation(
            annotation.annotation, cst.BitOr(), cst.Name("None"))), ()
    new = cst.Subscript(cst.Name("Optional"), [cst.SubscriptElement(cst.Index(annotation.annotation))])
    return annotation.with_changes(annotation=new), (AddImport("typing", "Optional"),)


def fix(finding, model):
    """LAM103 (SPEC autofix): default to None and create the object in an
    `if x is None:` line, the function's first statement after the docstring."""
    from ..fixes import Fix, InsertAfter, InsertBefore, Replace
    unit, param = finding.extra["unit"], finding.extra["param"]
    fn = unit.node
    if not isinstance(fn.body, cst.IndentedBlock) or param.star:
        return None
    from ..analysis.scopes import IMPORTED, MODULE
    from ..fixes.placement import names_in
    scopes = model.symbols.scopes
    if param.annotation is not None and any(
            b.kind != IMPORTED for b in scopes.module_scope.bindings.get("Optional", ())):
        return None     # the module's own `Optional` is not typing's
    body_scope = scopes.scope_for(fn)
    for used in names_in(param.default):
        owner = body_scope.lookup(used.value)[0] if body_scope is not None else None
        if owner is not None and owner.kind != MODULE:
            return None  # inside the function the name means something else
    name = param.name.value
    new_param = param.with_changes(default=cst.Name("None"))
    imports = ()
    if param.annotation is not None:
        annotation, imports = _optional(param.annotation, model)
        new_param = new_param.with_changes(annotation=annotation)
    indent = model.module.default_indent
    guard = cst.parse_statement(
        f"if {name} is None:{model.module.default_newline}"
        f"{indent}{name} = {node_text(param.default)}{model.module.default_newline}",
        config=model.module.config_for_parsing)
    body = fn.body.body
    first = body[0]
    insert = InsertAfter(first, (guard,)) if _is_docstring(first) else InsertBefore(first, (guard,))
    return Fix(f"default {name} to None and create {node_text(param.default)} in the function",
               True, (Replace(param, new_param), insert, *imports))
