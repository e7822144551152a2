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

    def is_tmp(self, e: Optional[cst.BaseExpression], _depth: int = 0) -> bool:
        """A path under /tmp (or tempfile's directory); for a name, any value it
        is bound to."""
        if e is None or _depth > 8:
            return False
        if isinstance(e, cst.Name):
            return any(self.is_tmp(v, _depth + 1) for v in self._values(e))
        prefix = self.static_prefix(e)
        return prefix == "/tmp" or prefix.startswith("/tmp/")

    def static_prefix(self, e, _depth: int = 0) -> str:
        """The constant leading part of a path: '/tmp/work/' of f"/tmp/work/{x}"
        ('/tmp/' for tempfile's directory, '' when nothing is known)."""
        if e is None or _depth > 8:
            return ""
        deeper = _depth + 1
        if isinstance(e, cst.SimpleString):
            value = e.evaluated_value
            return value if isinstance(value, str) else ""
        if isinstance(e, cst.ConcatenatedString):
            return self.static_prefix(e.left, deeper)
        if isinstance(e, cst.FormattedString) and e.parts:
            first = e.parts[0]
            if isinstance(first, cst.FormattedStringText):
                return first.value
            return self.static_prefix(first.expression, deeper)
        if isinstance(e, cst.BinaryOperation):
            return self.static_prefix(e.left, deeper)
        if isinstance(e, cst.Call):
            names = self.model.qn.of(e.func)
            if names & TMP_DIR_CALLS:
                return "/tmp/"
            if e.args and (names & {"os.path.join"} or any(n.startswith(PATH_CLASSES) for n in names)):
                first = self.static_prefix(e.args[0].value, deeper)
                return first.rstrip("/") + "/" if first else ""
            func = e.func
            if isinstance(func, cst.Attribute) and func.attr.value in ("format", "joinpath", "with_suffix"):
                return self.static_prefix(func.value, deeper)
            return ""
        if isinstance(e, cst.Name):
            values = self._values(e)
            return self.static_prefix(values[0], deeper) if len(values) == 1 else ""
        return ""

    def _values(self, name: cst.Name):
        return self.model.symbols.values_of(name, self.unit)

    def names_of(self, e, _seen: Optional[Set[int]] = None) -> Set[str]:
        """Texts a removal may use for this path or a /tmp folder above it."""
        seen = set() if _seen is None else _seen
        if id(e) in seen:
            return set()
        seen.add(id(e))
        out = {node_text(e)}
        if isinstance(e, cst.Name):
            for value in self._values(e):
                out |= self.names_of(value, seen)
        elif isinstance(e, cst.Call):
            for arg in e.args[:1]:
                if self.is_tmp(arg.value):
                    out |= self.names_of(arg.value, seen)
        elif isinstance(e, cst.BinaryOperation) and self.is_tmp(e.left):
            out |= self.names_of(e.left, seen)
        elif isinstance(e, cst.FormattedString):
            for part in e.parts[:1]:
                if isinstance(part, cst.FormattedStringExpression):
                    out |= self.names_of(part.expression, seen)
        return out


def open_mode(call: cst.Call) -> str:
    """The mode string of an `open(...)` call ('?' when not a literal)."""
    for i, arg in enumerate(call.args):
        if (arg.keyword is not None and arg.keyword.value == "mode") or (arg.keyword is None and i == 1):
            value = getattr(arg.value, "evaluated_value", None)
            return value if isinstance(value, str) else "?"
    return "r"
