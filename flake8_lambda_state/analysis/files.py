"""Files and paths: which calls open files, which expressions denote paths
under /tmp (and their constant folder prefix), shared by LAM203 (/tmp files
left behind) and LAM303 (bundled files read per invocation)."""
from typing import Optional, Set

import libcst as cst

from .names import node_text

OPENERS = {"builtins.open", "io.open", "codecs.open"}
COPIERS = {"shutil.copy", "shutil.copy2", "shutil.copyfile", "shutil.copytree", "shutil.move"}
REMOVERS = {"os.remove", "os.unlink", "shutil.rmtree", "os.rmdir"}
TMP_DIR_CALLS = {"tempfile.gettempdir", "tempfile.mkdtemp", "tempfile.gettempdirb"}
PATH_CLASSES = ("pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath")
WRITE_MODES = set("wax+")


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
        if isinstance(e, cst.Call) and e.args and (
                self.model.qn.of(e.func) & {"os.path.join"}
                or any(n.startswith(PATH_CLASSES) for n in self.model.qn.of(e.func))):
            first = self.static_prefix(e.args[0].value)
            return first.rstrip("/") + "/" if first else ""
        if isinstance(e, cst.Name):
            values = self.model.symbols.values_of(e, self.unit)
            return self.static_prefix(values[0]) if len(values) == 1 else ""
        return ""

    def names_of(self, e) -> Set[str]:
        """Texts a removal may use for this path or a /tmp folder above it."""
        out = {node_text(e)}
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


def open_mode(call: cst.Call) -> str:
    """The mode string of an `open(...)` call ('?' when not a literal)."""
    for i, arg in enumerate(call.args):
        if (arg.keyword is not None and arg.keyword.value == "mode") or (arg.keyword is None and i == 1):
            value = getattr(arg.value, "evaluated_value", None)
            return value if isinstance(value, str) else "?"
    return "r"
