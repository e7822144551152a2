"""Files, paths and URLs: which calls open files, which expressions denote
paths under /tmp (and their constant folder prefix), shared by LAM203 (/tmp
files left behind) and LAM303 (bundled files read per invocation); which
URLs point at the local host (LAM304)."""
import re
import shlex
from typing import Optional, Set

import libcst as cst

from .names import node_text, string_value

OPENERS = {"builtins.open", "io.open", "codecs.open"}
COPIERS = {"shutil.copy", "shutil.copy2", "shutil.copyfile", "shutil.copytree", "shutil.move"}
REMOVERS = {"os.remove", "os.unlink", "shutil.rmtree", "os.rmdir"}
TMP_DIR_CALLS = {"tempfile.gettempdir", "tempfile.mkdtemp", "tempfile.gettempdirb"}
PATH_CLASSES = ("pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath")
WRITE_MODES = set("wax+")
SHELL_CALLS = {"os.system", "os.popen", "subprocess.run", "subprocess.call", "subprocess.check_call",
               "subprocess.check_output", "subprocess.Popen"}
REQUEST_WRAPPERS = {"urllib.request.Request"}
# Lambda extensions listen on the local host (the Parameters and Secrets
# extension on port 2773): no connection setup worth pooling.
_LOCAL_URL = re.compile(r"(https?://)?(localhost|127\.0\.0\.1)(:|/|$)")


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


def is_local_url(model, unit, expr, _depth: int = 0) -> bool:
    """A URL whose constant prefix names localhost or 127.0.0.1 (also through
    a local bound to it or a `urllib.request.Request(url)` wrapper)."""
    if expr is None or _depth > 4:
        return False
    if isinstance(expr, cst.Name):
        values = model.symbols.values_of(expr, unit)
        if values and all(is_local_url(model, unit, v, _depth + 1) for v in values):
            return True
    if isinstance(expr, cst.Call) and model.qn.of(expr.func) & REQUEST_WRAPPERS:
        return is_local_url(model, unit, url_argument(expr), _depth + 1)
    return bool(_LOCAL_URL.match(TmpPaths(model, unit).static_prefix(expr)))


def url_argument(call: cst.Call, position: int = 0) -> Optional[cst.BaseExpression]:
    """The `url` argument of an HTTP call: `url=` or the positional one."""
    positional = [a.value for a in call.args if a.keyword is None and not a.star]
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == "url":
            return arg.value
    return positional[position] if len(positional) > position else None


def wiped_folder(model, unit, call: cst.Call) -> Optional[str]:
    """The /tmp folder a call empties ('/tmp' itself or one under it), or None:
    `shutil.rmtree(folder)`, `os.system("rm -rf /tmp/*")`,
    `subprocess.run(["rm", "-rf", "/tmp/work"])`."""
    names = model.qn.of(call.func)
    if not call.args:
        return None
    first = call.args[0].value
    if names & {"shutil.rmtree"}:
        folders = [TmpPaths(model, unit).static_prefix(first)]
    elif names & SHELL_CALLS:
        folders = _rm_targets(first)
    else:
        return None
    for folder in folders:
        folder = folder.rstrip("*").rstrip("/") or "/"
        if folder == "/tmp" or folder.startswith("/tmp/"):
            return folder
    return None


def _rm_targets(command) -> list:
    """The folders of a recursive `rm` in a constant shell command (a string or
    a list of strings)."""
    if isinstance(command, (cst.List, cst.Tuple)):
        words = [string_value(el.value) for el in command.elements]
        if any(w is None for w in words):
            words = [w for w in words if w is not None]
    else:
        text = string_value(command)
        if text is None:
            return []
        try:
            words = shlex.split(text)
        except ValueError:
            return []
    split = []
    for word in words:
        split += [word[:-1], ";"] if len(word) > 1 and word.endswith(";") else [word]
    targets, command_words = [], []
    for word in split + [";"]:
        if word not in (";", "&&", "||", "|"):
            command_words.append(word)
            continue
        if command_words and (command_words[0] == "rm" or command_words[0].endswith("/rm")):
            flags = [w for w in command_words[1:] if w.startswith("-")]
            if any("r" in f.lower() for f in flags):
                targets += [w for w in command_words[1:] if not w.startswith("-")]
        command_words = []
    return targets
