"""LAM401: a thread, process or task started and not joined or awaited
before the handler returns. Lambda freezes the container when the handler
returns, so the work stops mid-way."""
from typing import Iterator, Set

import libcst as cst

from ..analysis.names import node_text
from .base import Finding, code_of, where

THREAD_CLASSES = {"threading.Thread", "threading.Timer", "multiprocessing.Process"}
EXECUTORS = {"concurrent.futures.ThreadPoolExecutor", "concurrent.futures.ProcessPoolExecutor",
             "concurrent.futures.thread.ThreadPoolExecutor"}
TASK_FACTORIES = {"asyncio.create_task", "asyncio.ensure_future"}
LOOP_GETTERS = {"asyncio.get_event_loop", "asyncio.get_running_loop", "asyncio.new_event_loop"}
WAITERS = {"asyncio.gather", "asyncio.wait", "asyncio.wait_for", "asyncio.shield",
           "asyncio.as_completed", "concurrent.futures.wait", "concurrent.futures.as_completed"}


def _names_in(expr) -> Set[str]:
    out = set()
    if isinstance(expr, cst.Name):
        out.add(expr.value)
    elif isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
        for el in expr.elements:
            out |= _names_in(el.value)
    elif isinstance(expr, cst.StarredElement):
        out |= _names_in(expr.value)
    return out


class Waits:
    """Names in a unit that are joined, awaited, waited on or whose result is
    read, following the containers they are put into and the loops over them."""

    def __init__(self, model, unit):
        facts = unit.facts
        done: Set[str] = set()
        for site in facts.calls:
            call = site.node
            func = call.func
            if isinstance(func, cst.Attribute) and func.attr.value in ("join", "result", "exception"):
                done |= _names_in(func.value)
            if isinstance(func, cst.Attribute) and func.attr.value == "shutdown" and not any(
                    a.keyword is not None and a.keyword.value == "wait"
                    and node_text(a.value) == "False" for a in call.args):
                done |= _names_in(func.value)  # shutdown() waits for pending futures
            if model.qn.of(func) & WAITERS:
                for arg in call.args:
                    done |= _names_in(arg.value)
        for expr in facts.awaited:
            done |= _names_in(expr)
        for value in facts.returns:
            done |= _names_in(value)  # returned to the caller, who owns it
        # `for t in threads: t.join()` joins every member of `threads`.
        changed = True
        while changed:
            changed = False
            for store in facts.stores:
                if store.op == "for" and isinstance(store.target, cst.Name) \
                        and store.target.value in done:
                    new = _names_in(store.value) - done
                    if new:
                        done |= new
                        changed = True
        self.done = done
        self.containers = {}
        for site in facts.calls:
            func = site.node.func
            if isinstance(func, cst.Attribute) and func.attr.value in ("append", "add", "extend") \
                    and isinstance(func.value, cst.Name):
                for arg in site.node.args:
                    for name in _names_in(arg.value):
                        self.containers.setdefault(name, set()).add(func.value.value)
        for store in facts.stores:
            if isinstance(store.target, cst.Name) and store.value is not None:
                for name in _names_in(store.value):
                    self.containers.setdefault(name, set()).add(store.target.value)

    def waited(self, name: str) -> bool:
        seen, todo = set(), [name]
        while todo:
            current = todo.pop()
            if current in self.done:
                return True
            if current in seen:
                continue
            seen.add(current)
            todo.extend(self.containers.get(current, ()))
        return False


def _bound_name(unit, call) -> str:
    """The local name a call's result is assigned to (directly or inside a
    comprehension/list that is assigned), or ''."""
    for store in unit.facts.stores:
        if isinstance(store.target, cst.Name) and store.value is not None:
            if store.value is call or _contains(store.value, call):
                return store.target.value
    return ""


def _contains(expr, node) -> bool:
    if expr is node:
        return True
    if isinstance(expr, (cst.ListComp, cst.SetComp, cst.GeneratorExp)):
        return _contains(expr.elt, node)
    if isinstance(expr, cst.DictComp):
        return _contains(expr.key, node) or _contains(expr.value, node)
    if isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
        return any(_contains(el.value, node) for el in expr.elements)
    if isinstance(expr, cst.Await):
        return _contains(expr.expression, node)
    return False


def check(model) -> Iterator[Finding]:
    symbols, qn = model.symbols, model.qn
    for unit, reach in model.hot():
        waits = None
        for site in unit.facts.calls:
            call = site.node
            func = call.func
            kind = None
            subject = ""
            if isinstance(func, cst.Attribute) and func.attr.value == "start":
                if symbols.built_by(func.value, unit) & THREAD_CLASSES:
                    kind = "thread"
                    subject = func.value.value if isinstance(func.value, cst.Name) else ""
            elif isinstance(func, cst.Attribute) and func.attr.value == "submit":
                executor = func.value
                if symbols.built_by(executor, unit) & EXECUTORS and not _in_with(unit, executor):
                    kind = "executor task"
                    subject = _bound_name(unit, call)
                    if isinstance(executor, cst.Name):
                        waits = waits or Waits(model, unit)
                        if executor.value in waits.done:
                            continue  # executor.shutdown() waits for its futures
            elif qn.of(func) & TASK_FACTORIES or (
                    isinstance(func, cst.Attribute) and func.attr.value == "create_task"
                    and symbols.built_by(func.value, unit) & LOOP_GETTERS):
                if site.awaited:
                    continue
                kind = "asyncio task"
                subject = _bound_name(unit, call)
            if kind is None:
                continue
            waits = waits or Waits(model, unit)
            if subject and waits.waited(subject):
                continue
            yield Finding(
                "LAM401", call,
                f"{code_of(call)} starts a background {kind} {where(reach)} that is not "
                f"joined or awaited before the handler returns; Lambda freezes the container on "
                f"return, so the work stops mid-way or is lost; join it, read its result or await "
                f"it before returning", reach)


def _in_with(unit, executor) -> bool:
    """The executor is bound by `with Executor() as pool:` (exit waits)."""
    if not isinstance(executor, cst.Name):
        return False
    return any(s.op == "with" and isinstance(s.target, cst.Name) and s.target.value == executor.value
               for s in unit.facts.stores)
