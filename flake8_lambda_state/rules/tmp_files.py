"""LAM203: a file under /tmp whose path or content is request data is
written and not removed in the same function."""
from dataclasses import dataclass
from typing import Iterator, List, Set

import libcst as cst

from ..analysis.files import (COPIERS, OPENERS, REMOVERS, WRITE_MODES, TmpPaths, open_mode,
                              wiped_folder)
from ..analysis.names import node_text
from .base import Finding, code_of, where


@dataclass(eq=False)
class TmpWrite:
    node: cst.Call
    path: cst.BaseExpression
    content: List[cst.BaseExpression]


def _handle_names(model, unit, call: cst.Call) -> Set[str]:
    """Local names bound to the file object that `open(...)` returns, and to
    writers wrapped around it (`writer = csv.writer(fh)`)."""
    names = {store.target.value for store in unit.facts.stores
             if store.value is call and isinstance(store.target, cst.Name)}
    grew = True
    while grew:
        grew = False
        for store in unit.facts.stores:
            value = store.value
            if isinstance(store.target, cst.Name) and store.target.value not in names \
                    and isinstance(value, cst.Call) and any(
                        isinstance(a.value, cst.Name) and a.value.value in names for a in value.args):
                names.add(store.target.value)
                grew = True
    return names


def tmp_writes(model, unit, paths: TmpPaths) -> Iterator[TmpWrite]:
    qn = model.qn
    for site in unit.facts.calls:
        call = site.node
        names = qn.of(call.func)
        args = [a.value for a in call.args]
        func = call.func
        method = func.attr.value if isinstance(func, cst.Attribute) else None
        if names & OPENERS and args and paths.is_tmp(args[0]):
            mode = open_mode(call)
            if set(mode) & WRITE_MODES or mode == "?":
                yield TmpWrite(call, args[0], _written_to(model, unit, site))
        elif names & COPIERS and len(args) > 1 and paths.is_tmp(args[1]):
            yield TmpWrite(call, args[1], [args[0]])
        elif method in ("write_text", "write_bytes") and paths.is_tmp(func.value):
            yield TmpWrite(call, func.value, args)
        elif method in ("download_file", "extract", "extractall", "save", "urlretrieve") \
                or names & {"urllib.request.urlretrieve"}:
            target = next((a for a in args if paths.is_tmp(a)), None)
            if target is not None:
                content = [a for a in args if a is not target]
                if isinstance(func, cst.Attribute):
                    content.append(func.value)
                yield TmpWrite(call, target, content)


def _written_to(model, unit, opener_site) -> List[cst.BaseExpression]:
    """What is written through the file object that `opener` returns (inside
    its `with` block when it is opened by one)."""
    opener = opener_site.node
    handles = _handle_names(model, unit, opener)
    block = opener_site.with_item
    content = []
    for site in unit.facts.calls:
        call = site.node
        if block is not None and not any(w is block for w in site.inside_withs):
            continue
        func = call.func
        receiver = func.value if isinstance(func, cst.Attribute) else None
        if receiver is opener or (isinstance(receiver, cst.Name) and receiver.value in handles):
            content.extend(a.value for a in call.args)
        elif any(isinstance(a.value, cst.Name) and a.value.value in handles for a in call.args):
            content.extend(a.value for a in call.args
                           if not (isinstance(a.value, cst.Name) and a.value.value in handles))
            if receiver is not None:
                content.append(receiver)
    return content


def _removed(model, unit, paths: TmpPaths, write: TmpWrite) -> bool:
    wanted = paths.names_of(write.path)
    prefix = paths.static_prefix(write.path)
    for site in unit.facts.calls:
        call = site.node
        func = call.func
        if model.qn.of(func) & REMOVERS and call.args:
            target = call.args[0].value
            if node_text(target) in wanted:
                return True
            folder = paths.static_prefix(target).rstrip("/")
            if folder.startswith("/tmp/") and prefix.startswith(folder + "/"):
                return True  # a /tmp folder above the file is removed
        if isinstance(func, cst.Attribute) and func.attr.value in ("unlink", "rmdir"):
            target = func.value
            if isinstance(target, cst.Call) and target.args:
                target = target.args[0].value
            if node_text(target) in wanted:
                return True
    return False


def _wiped_before(model, unit, paths: TmpPaths, write: TmpWrite) -> bool:
    """SPEC "LAM203 removal": the tmp folder, or a folder above the file, is
    wiped earlier on the invocation path: before the write in its own
    function, or, on every reachable call path into that function, before
    the call that leads to it."""
    prefix = paths.static_prefix(write.path)
    handlers = {id(h.unit) for h in model.handlers}
    reach = model.reach

    def covers(folder) -> bool:
        return folder is not None and (folder == "/tmp" or prefix.startswith(folder + "/"))

    def wiped(owner, stop, depth, seen) -> bool:
        for site in owner.facts.calls:
            if site.node is stop:
                break
            if not site.in_except and covers(wiped_folder(model, owner, site.node)):
                return True
        if id(owner) in handlers or depth > 6 or id(owner) in seen:
            return False
        callers = [c for c in reach.callers.get(id(owner), ()) if reach.reach(c[0]) is not None]
        seen = seen | {id(owner)}
        return bool(callers) and all(wiped(caller, site.node, depth + 1, seen)
                                     for caller, site, _target in callers)

    return wiped(unit, write.node, 0, frozenset())


def check(model) -> Iterator[Finding]:
    flow = model.flow
    for unit, reach in model.reachable():
        paths = TmpPaths(model, unit)
        for write in tmp_writes(model, unit, paths):
            request_path = flow.is_request(write.path, unit)
            request_content = any(flow.is_request(c, unit) for c in write.content)
            if not (request_path or request_content):
                continue
            if _removed(model, unit, paths, write) or _wiped_before(model, unit, paths, write):
                continue
            what = "path" if request_path else "content"
            yield Finding(
                "LAM203", write.node,
                f"{code_of(write.node)} writes a /tmp file whose {what} is request data "
                f"{where(reach)} and never removes it; /tmp survives between invocations, so the "
                f"next caller can read it and /tmp fills up; use tempfile.TemporaryDirectory() "
                f"or remove it in a finally", reach)
