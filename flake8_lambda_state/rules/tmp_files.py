"""LAM203: a file under /tmp whose path or content is request data is
written and not removed in the same function."""
from dataclasses import dataclass
from typing import Iterator, List, Optional, Set

import libcst as cst

from .base import Finding, code_of, where

OPENERS = {"builtins.open", "io.open", "codecs.open"}
COPIERS = {"shutil.copy", "shutil.copy2", "shutil.copyfile", "shutil.copytree", "shutil.move"}
REMOVERS = {"os.remove", "os.unlink", "shutil.rmtree", "os.rmdir"}
TMP_DIR_CALLS = {"tempfile.gettempdir", "tempfile.mkdtemp", "tempfile.gettempdirb"}
PATH_CLASSES = ("pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath")
WRITE_MODES = set("wax+")


@dataclass(eq=False)
class TmpWrite:
    node: cst.Call
    path: cst.BaseExpression
    content: List[cst.BaseExpression]


def _text(node) -> str:
    return cst.Module([]).code_for_node(node)


class TmpPaths:
    """Which expressions of a unit denote paths under /tmp."""

    def __init__(self, model, unit):
        self.model = model
        self.unit = unit
        self._seen: Set[int] = set()

    def is_tmp(self, e: Optional[cst.BaseExpression]) -> bool:
        if e is None or id(e) in self._seen:
            return False
        self._seen.add(id(e))
        try:
            return self._is_tmp(e)
        finally:
            self._seen.discard(id(e))

    def _is_tmp(self, e) -> bool:
        if isinstance(e, (cst.SimpleString, cst.ConcatenatedString)):
            value = getattr(e, "evaluated_value", None) if isinstance(e, cst.SimpleString) else None
            if isinstance(e, cst.ConcatenatedString):
                return self.is_tmp(e.left)
            return isinstance(value, str) and (value == "/tmp" or value.startswith("/tmp/"))
        if isinstance(e, cst.FormattedString):
            first = e.parts[0] if e.parts else None
            if isinstance(first, cst.FormattedStringText):
                return first.value == "/tmp" or first.value.startswith("/tmp/")
            return isinstance(first, cst.FormattedStringExpression) and self.is_tmp(first.expression)
        if isinstance(e, cst.BinaryOperation):
            return self.is_tmp(e.left)
        if isinstance(e, cst.Call):
            names = self.model.qn.of(e.func)
            if names & TMP_DIR_CALLS:
                return True
            if names & {"os.path.join"} or any(n.startswith(PATH_CLASSES) for n in names):
                return bool(e.args) and self.is_tmp(e.args[0].value)
            func = e.func
            if isinstance(func, cst.Attribute) and func.attr.value in ("format", "joinpath", "with_suffix"):
                return self.is_tmp(func.value)
            return False
        if isinstance(e, cst.Name):
            return any(self.is_tmp(v) for v in self.model.symbols.values_of(e, self.unit))
        return False

    def static_prefix(self, e) -> str:
        """The constant leading part of a path: '/tmp/work/' of f"/tmp/work/{x}"."""
        if isinstance(e, cst.SimpleString):
            value = e.evaluated_value
            return value if isinstance(value, str) else ""
        if isinstance(e, cst.FormattedString) and e.parts and \
                isinstance(e.parts[0], cst.FormattedStringText):
            return e.parts[0].value
        if isinstance(e, cst.BinaryOperation):
            return self.static_prefix(e.left)
        if isinstance(e, cst.Call) and e.args and self.model.qn.of(e.func) & {"os.path.join"}:
            return self.static_prefix(e.args[0].value).rstrip("/") + "/"
        if isinstance(e, cst.Name):
            values = self.model.symbols.values_of(e, self.unit)
            return self.static_prefix(values[0]) if len(values) == 1 else ""
        return ""

    def names_of(self, e) -> Set[str]:
        """Texts a removal may use for this path or a /tmp folder above it."""
        out = {_text(e)}
        if isinstance(e, cst.Name):
            for value in self.model.symbols.values_of(e, self.unit):
                out |= self.names_of(value)
        elif isinstance(e, cst.Call):
            for arg in e.args[:1]:
                if self.is_tmp(arg.value):
                    out |= self.names_of(arg.value)
        elif isinstance(e, cst.BinaryOperation) and self.is_tmp(e.left):
            out |= self.names_of(e.left)
        elif isinstance(e, cst.FormattedString):
            for part in e.parts[:1]:
                if isinstance(part, cst.FormattedStringExpression):
                    out |= self.names_of(part.expression)
        return out


def _mode(call: cst.Call) -> str:
    for i, arg in enumerate(call.args):
        if (arg.keyword is not None and arg.keyword.value == "mode") or (arg.keyword is None and i == 1):
            value = getattr(arg.value, "evaluated_value", None)
            return value if isinstance(value, str) else "?"
    return "r"


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


def _within(model, node, outer) -> bool:
    span, where_ = model.positions[outer], model.positions[node].start
    return (span.start.line, span.start.column) <= (where_.line, where_.column) \
        and (where_.line, where_.column) <= (span.end.line, span.end.column)


def tmp_writes(model, unit, paths: TmpPaths) -> Iterator[TmpWrite]:
    qn = model.qn
    for site in unit.facts.calls:
        call = site.node
        names = qn.of(call.func)
        args = [a.value for a in call.args]
        func = call.func
        method = func.attr.value if isinstance(func, cst.Attribute) else None
        if names & OPENERS and args and paths.is_tmp(args[0]):
            mode = _mode(call)
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
        if block is not None and not _within(model, call, block):
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
            if _text(target) in wanted:
                return True
            folder = paths.static_prefix(target).rstrip("/")
            if folder.startswith("/tmp/") and prefix.startswith(folder + "/"):
                return True  # a /tmp folder above the file is removed
        if isinstance(func, cst.Attribute) and func.attr.value in ("unlink", "rmdir"):
            target = func.value
            if isinstance(target, cst.Call) and target.args:
                target = target.args[0].value
            if _text(target) in wanted:
                return True
    return False


def check(model) -> Iterator[Finding]:
    flow = model.flow
    for unit, reach in model.reachable():
        paths = TmpPaths(model, unit)
        for write in tmp_writes(model, unit, paths):
            request_path = flow.is_request(write.path, unit)
            request_content = any(flow.is_request(c, unit) for c in write.content)
            if not (request_path or request_content):
                continue
            if _removed(model, unit, paths, write):
                continue
            what = "path" if request_path else "content"
            yield Finding(
                "LAM203", write.node,
                f"{code_of(write.node)} writes a /tmp file whose {what} is request data "
                f"{where(reach)} and never removes it; /tmp survives between invocations, so the "
                f"next caller can read it and /tmp fills up; use tempfile.TemporaryDirectory() "
                f"or remove it in a finally", reach)
