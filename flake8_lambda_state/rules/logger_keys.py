"""LAM205: request data appended to a module-level Powertools Logger's keys
when nothing clears them before the next invocation."""
from typing import Iterator

import libcst as cst

from ..analysis.symbols import STATE
from .base import Finding, code_of, where

LOGGER_CLASSES = {"aws_lambda_powertools.Logger", "aws_lambda_powertools.logging.Logger",
                  "aws_lambda_powertools.logging.logger.Logger"}


def _is_module_logger(model, expr) -> bool:
    return isinstance(expr, cst.Name) and model.symbols.kind(expr) == STATE \
        and bool(model.symbols.built_by(expr) & LOGGER_CLASSES)


def _is_key_removal(site) -> bool:
    func = site.node.func
    return isinstance(func, cst.Attribute) and func.attr.value in ("remove_keys", "clear_state")


def _clears_state(model, entry) -> bool:
    """`@logger.inject_lambda_context(clear_state=True)` on the entry point, or
    `remove_keys` in one of its finally blocks, directly or in a function
    called from there."""
    for dec in entry.node.decorators:
        call = dec.decorator
        if isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) \
                and call.func.attr.value == "inject_lambda_context":
            for arg in call.args:
                if arg.keyword is not None and arg.keyword.value == "clear_state" \
                        and isinstance(arg.value, cst.Name) and arg.value.value == "True":
                    return True
    for site in entry.facts.calls:
        if not site.in_finally:
            continue
        if _is_key_removal(site):
            return True
        target = model.symbols.resolve_call(site.node, entry)
        if target is not None and any(_is_key_removal(s) for s in target.unit.facts.calls):
            return True
    return False


def _appends(call: cst.Call) -> bool:
    func = call.func
    if func.attr.value == "append_keys":
        return True
    return func.attr.value == "structure_logs" and any(
        a.keyword is not None and a.keyword.value == "append"
        and isinstance(a.value, cst.Name) and a.value.value == "True" for a in call.args)


def check(model) -> Iterator[Finding]:
    for unit, reach in model.reachable():
        for site in unit.facts.calls:
            call = site.node
            func = call.func
            if not (isinstance(func, cst.Attribute) and _is_module_logger(model, func.value)
                    and _appends(call)):
                continue
            if not any(model.flow.is_request(a.value, unit) for a in call.args):
                continue
            if all(_clears_state(model, entry) for entry in reach.handler.entry_points()):
                continue
            yield Finding(
                "LAM205", call,
                f"{code_of(call)} adds request data to module-level Logger "
                f"'{func.value.value}' {where(reach)} and nothing clears it; the keys are printed "
                f"in the next invocations' logs; use inject_lambda_context(clear_state=True) or "
                f"remove_keys in a finally", reach)
