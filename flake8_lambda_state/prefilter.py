"""Cheap test on the `ast` tree flake8 has already built: can this file hold
a handler? Most files cannot, and for them the libcst parse (about ten
times the cost of `ast.parse`) is skipped entirely."""
import ast
import re

from .handler_names import CONTEXT_NAMES, is_test_file, name_matches
from .vocabulary import HANDLER_DECORATOR_NAMES


def _decorator_name(node: ast.expr) -> str:
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def may_hold_handler(tree: ast.AST, filename: str, settings) -> bool:
    if is_test_file(filename) or not isinstance(tree, ast.Module):
        return False
    explicit = settings.explicit_functions(filename)
    middleware = set()
    stack = list(tree.body)
    functions = []
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            functions.append(node)
            if any(_decorator_name(d) == "lambda_handler_decorator" for d in node.decorator_list):
                middleware.add(node.name)
        elif isinstance(node, (ast.If, ast.Try, ast.With, ast.For, ast.While)):
            for field in ("body", "orelse", "finalbody"):
                stack.extend(getattr(node, field, ()))
            for handler in getattr(node, "handlers", ()):
                stack.extend(handler.body)
    for fn in functions:
        if fn.name in explicit:
            return True
        args = fn.args.posonlyargs + fn.args.args
        if len(args) >= 2 and (name_matches(fn.name, settings.handler_names)
                               or (args[0].arg == "event" and args[1].arg in CONTEXT_NAMES)):
            return True
        for dec in fn.decorator_list:
            name = _decorator_name(dec)
            if name in HANDLER_DECORATOR_NAMES or name in middleware or name.startswith("on_"):
                return True
    return False


_DEF_NAME = re.compile(r"def[\s\\]+(\w+)")   # no \b: 20x faster, and looser is safe here
_WORD = re.compile(r"\w+")
_DECORATOR_LINE = re.compile(r"^[ \t]*@(.*)$", re.MULTILINE)


def _decorator_words(text: str):
    """The words of the decorator lines, every word of the text when a
    decorator's brackets run on past its line (its last name may follow)."""
    words = set()
    for match in _DECORATOR_LINE.finditer(text):
        line = match.group(1)
        if line.count("(") + line.count("[") > line.count(")") + line.count("]") \
                or line.rstrip().endswith("\\"):
            return set(_WORD.findall(text))
        words.update(_WORD.findall(line))
    return words


def text_may_hold_handler(text: str, filename: str, settings) -> bool:
    """A test on the text alone, looser than `may_hold_handler`: False only
    when `may_hold_handler` is False for the file's tree. The project index
    uses it to leave modules unparsed until a handler turns up: every form
    the tree test accepts spells words in the text (`def name`, parameters
    `event` and a context name, a decorator's name on its line, an
    explicitly named function)."""
    if is_test_file(filename) or "def" not in text:
        return False
    words = None                    # every word of the text, found only when needed
    if "event" in text:
        words = set(_WORD.findall(text))
        if "event" in words and words & CONTEXT_NAMES:
            return True
    explicit = settings.explicit_functions(filename)
    if explicit and (words if words is not None else set(_WORD.findall(text))) & explicit:
        return True
    if "@" in text and any(w in HANDLER_DECORATOR_NAMES or w.startswith("on_")
                           or w == "lambda_handler_decorator" for w in _decorator_words(text)):
        return True
    return any(name_matches(m.group(1), settings.handler_names)
               for m in _DEF_NAME.finditer(text))
