"""LAM205: request data appended to a module-level Powertools Logger's keys
when nothing clears them before the next invocation."""
from typing import Iterator

import libcst as cst

from ..analysis.handlers import LAMBDA
from ..analysis.symbols import STATE
from .base import Finding, code_of, where

LOG_METHODS = {"debug", "info", "warning", "warn", "error", "exception", "critical", "log"}

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


def _logs_event_first(entry) -> bool:
    """`@logger.inject_lambda_context(log_event=True)`: the event is logged,
    with the keys left from the last invocation, before the body runs."""
    for dec in entry.node.decorators:
        call = dec.decorator
        if isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) \
                and call.func.attr.value == "inject_lambda_context":
            for arg in call.args:
                if arg.keyword is not None and arg.keyword.value == "log_event" \
                        and not (isinstance(arg.value, cst.Name) and arg.value.value == "False"):
                    return True
    return False


def _is_log_call(model, site, unit, depth: int = 0) -> bool:
    """A logging call, or a call to a project function that makes one."""
    func = site.node.func
    if isinstance(func, cst.Attribute) and func.attr.value in LOG_METHODS:
        return True
    if depth == 0:
        target = model.symbols.resolve_call(site.node, unit)
        if target is not None:
            return any(_is_log_call(model, s, target.unit, 1) for s in target.unit.facts.calls)
    return False


def _overwrites_every_invocation(model, unit, reach, site) -> bool:
    """SPEC "LAM205 overwrite": an append_keys at the top level of the handler
    body, before any logging call, runs on every invocation and overwrites the
    keys before anything is logged."""
    handler = reach.handler
    if handler.kind != LAMBDA or handler.unit is not unit or handler.dispatchers \
            or site.nested or _logs_event_first(unit):
        return False
    for earlier in unit.facts.calls:
        if earlier is site:
            return True
        if _is_log_call(model, earlier, unit):
            return False
    return False


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
            if _overwrites_every_invocation(model, unit, reach, site):
                continue
            yield Finding(
                "LAM205", call,
                f"{code_of(call)} adds request data to module-level Logger "
                f"'{func.value.value}' {where(reach)} and nothing clears it; the keys are printed "
                f"in the next invocations' logs; use inject_lambda_context(clear_state=True) or "
                f"remove_keys in a finally", reach)


def _inject_decorator(entry):
    for dec in entry.node.decorators:
        expr = dec.decorator.func if isinstance(dec.decorator, cst.Call) else dec.decorator
        if isinstance(expr, cst.Attribute) and expr.attr.value == "inject_lambda_context":
            return dec
    return None


def fix(finding, model):
    """LAM205 (SPEC autofix): `clear_state=True` on the handler's existing
    `@logger.inject_lambda_context`. Unsafe when init code appends keys to a
    logger: clearing the state drops them from the second invocation on."""
    from ..fixes import Fix, Replace
    entries = finding.reach.handler.entry_points() if finding.reach else []
    if len(entries) != 1 or finding.reach.handler.entry is not None:
        return None
    dec = _inject_decorator(entries[0])
    if dec is None:
        return None
    clear = cst.Arg(keyword=cst.Name("clear_state"), value=cst.Name("True"),
                    equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")))
    if isinstance(dec.decorator, cst.Call):
        if any(a.keyword is not None and a.keyword.value == "clear_state" for a in dec.decorator.args):
            return None     # clear_state=False is a choice
        call = dec.decorator
        if isinstance(call.whitespace_before_args, cst.ParenthesizedWhitespace):
            # one argument per line: the new one goes first, on a line of its own
            first = clear.with_changes(comma=cst.Comma(whitespace_after=call.whitespace_before_args))
            new = call.with_changes(args=[first, *call.args])
        else:
            new = call.with_changes(args=[*call.args, clear])
    else:
        new = cst.Call(func=dec.decorator, args=[clear])
    init_appends = any(isinstance(s.node.func, cst.Attribute) and _appends(s.node)
                       for s in model.symbols.init.facts.calls)
    return Fix("add clear_state=True to @inject_lambda_context", not init_appends,
               (Replace(dec, dec.with_changes(decorator=new)),))
