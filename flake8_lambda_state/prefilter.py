"""Cheap test on the `ast` tree flake8 has already built: can this file hold
a handler? Most files cannot, and for them the libcst parse (about ten
times the cost of `ast.parse`) is skipped entirely."""
import ast

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
