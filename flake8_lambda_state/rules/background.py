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


VIEWS = {"values", "keys", "items", "copy"}            # `futures.values()` holds the futures
WRAPPERS = {"builtins.list", "builtins.tuple", "builtins.set", "builtins.sorted", "builtins.iter"}
FILLERS = {"append", "add", "extend", "insert", "appendleft", "put", "put_nowait"}


def _names_in(expr, qn=None) -> Set[str]:
    out = set()
    if isinstance(expr, cst.Name):
        out.add(expr.value)
    elif isinstance(expr, cst.Call):
        func = expr.func
        if isinstance(func, cst.Attribute) and func.attr.value in VIEWS:
            out |= _names_in(func.value, qn)
        elif qn is not None and qn.of(func) & WRAPPERS:
            for arg in expr.args:
                out |= _names_in(arg.value, qn)
    elif isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
        for el in expr.elements:
            out |= _names_in(el.value, qn)
    elif isinstance(expr, cst.StarredElement):
        out |= _names_in(expr.value, qn)
    return out


class Waits:
    """Names in a unit that are joined, awaited, waited on or whose result is
    read, following the containers they are put into and the loops over them
    (SPEC "LAM401": futures kept in a local list, dict or set and waited
    through it)."""

    def __init__(self, model, unit):
        facts = unit.facts
        qn = model.qn
        done: Set[str] = set()
        cancelled: Set[str] = set()
        for site in facts.calls:
            call = site.node
            func = call.func
            if isinstance(func, cst.Attribute) and func.attr.value in ("join", "result", "exception"):
                done |= _names_in(func.value, qn)
            if isinstance(func, cst.Attribute) and func.attr.value == "cancel" and not site.in_except:
                cancelled |= _names_in(func.value, qn)
            if isinstance(func, cst.Attribute) and func.attr.value == "shutdown" and not any(
                    a.keyword is not None and a.keyword.value == "wait"
                    and node_text(a.value) == "False" for a in call.args):
                done |= _names_in(func.value, qn)  # shutdown() waits for pending futures
            if qn.of(func) & WAITERS:
                for arg in call.args:
                    done |= _names_in(arg.value, qn)
        for expr in facts.awaited:
            done |= _names_in(expr, qn)
        for value in facts.returns:
            done |= _names_in(value, qn)  # returned to the caller, who owns it
        # `for t in threads: t.join()` joins every member of `threads`.
        changed = True
        while changed:
            changed = False
            for store in facts.stores:
                if store.op == "for" and isinstance(store.target, cst.Name):
                    for marks in (done, cancelled):
                        if store.target.value in marks:
                            new = _names_in(store.value, qn) - marks
                            if new:
                                marks |= new
                                changed = True
        self.done = done
        self.cancelled = cancelled
        self.containers = {}
        for site in facts.calls:
            func = site.node.func
            if isinstance(func, cst.Attribute) and func.attr.value in FILLERS \
                    and isinstance(func.value, cst.Name):
                for arg in site.node.args:
                    for name in _names_in(arg.value, qn):
                        self.containers.setdefault(name, set()).add(func.value.value)
        for store in facts.stores:
            target = store.target
            if isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name):
                # `futures[f] = name` / `futures[name] = f`: the dict holds f
                pieces = [store.value] + [el.slice.value for el in target.slice
                                          if isinstance(el.slice, cst.Index)]
                for piece in pieces:
                    for name in _names_in(piece, qn):
                        self.containers.setdefault(name, set()).add(target.value.value)
            elif isinstance(target, cst.Name) and store.value is not None:
                for name in _names_in(store.value, qn):
                    self.containers.setdefault(name, set()).add(target.value)

    def holders(self, name: str) -> Set[str]:
        """`name` and every local container it is put into."""
        seen, todo = set(), [name]
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            todo.extend(self.containers.get(current, ()))
        return seen

    def waited(self, name: str) -> bool:
        return bool(self.holders(name) & self.done)


def _bound_name(unit, call) -> str:
    """The local name a call's result is kept in, or '': assigned to it
    (directly or inside a comprehension/list), put into a local container
    (`futures.append(call)`, `futures[call] = x`, `futures[k] = call`)."""
    for store in unit.facts.stores:
        target = store.target
        if isinstance(target, cst.Name) and store.value is not None:
            if store.value is call or _contains(store.value, call):
                return target.value
        if isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name):
            pieces = [store.value] + [el.slice.value for el in target.slice
                                      if isinstance(el.slice, cst.Index)]
            if any(p is not None and _contains(p, call) for p in pieces):
                return target.value.value
    for site in unit.facts.calls:
        func = site.node.func
        if isinstance(func, cst.Attribute) and func.attr.value in FILLERS \
                and isinstance(func.value, cst.Name) \
                and any(_contains(a.value, call) for a in site.node.args):
            return func.value.value
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


def _caller_waits(model, unit, holders: Set[str]) -> bool:
    """The thread is put into a container that the caller passed in, and every
    reachable caller waits on what it passed (`start(r, procs)` then
    `for p in procs: p.join()`)."""
    params = {p.name.value for p in unit.all_params()} & holders
    rebound = {s.target.value for s in unit.facts.stores if isinstance(s.target, cst.Name)}
    params -= rebound
    if not params:
        return False
    callers = [c for c in model.reach.callers.get(id(unit), ()) if model.reach.reach(c[0])]
    if not callers:
        return False
    for caller, site, target in callers:
        arguments = target.arguments(site.node)
        passed = [arguments.get(name) for name in params]
        if not any(isinstance(arg, cst.Name) and Waits(model, caller).waited(arg.value)
                   for arg in passed):
            return False
    return True


def check(model) -> Iterator[Finding]:
    symbols, qn = model.symbols, model.qn
    for unit, reach in model.hot():
        waits = None
        for site in unit.facts.calls:
            call = site.node
            func = call.func
            kind = None
            subject = ""
            built = frozenset()
            if isinstance(func, cst.Attribute) and func.attr.value == "start":
                built = symbols.built_by(func.value, unit)
                if built & THREAD_CLASSES:
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
            if subject:
                holders = waits.holders(subject)
                if holders & waits.done:
                    continue
                if "threading.Timer" in built and holders & waits.cancelled:
                    continue  # a timeout guard cancelled on the normal path
                if _caller_waits(model, unit, holders):
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
