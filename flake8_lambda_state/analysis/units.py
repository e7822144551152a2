"""The units of code in a module: module-level functions, methods of
module-level classes, and the module's init code, each with its Facts."""
from dataclasses import dataclass, field
from functools import cached_property
from typing import Dict, FrozenSet, Iterable, Iterator, List, Optional, Tuple

import libcst as cst

from ..vocabulary import MEMOIZING_DECORATORS
from .facts import Facts, Store, collect_facts
from .names import dotted
from .walk import children


@dataclass(eq=False)
class Unit:
    key: str                        # "handler", "RuleEngine.load", "<module>"
    node: cst.CSTNode               # FunctionDef, or the Module for init code
    class_name: Optional[str] = None
    method_kind: str = "function"   # function | method | staticmethod | classmethod | module
    memoized: bool = False

    @cached_property
    def facts(self) -> Facts:
        """Collected on first use: code no handler reaches is mostly never
        asked about."""
        return collect_facts(self.node)

    @cached_property
    def global_names(self) -> FrozenSet[str]:
        """The names the unit declares `global`: facts.global_names, from its
        statements alone (a `global` is never inside an expression), without
        collecting its facts."""
        return declared_globals(self.node)

    @property
    def name(self) -> str:
        return self.node.name.value if isinstance(self.node, cst.FunctionDef) else "<module>"

    @property
    def is_function(self) -> bool:
        return isinstance(self.node, cst.FunctionDef)

    def positional(self) -> List[cst.Param]:
        if not self.is_function:
            return []
        params = self.node.params
        return list(params.posonly_params) + list(params.params)

    def all_params(self) -> List[cst.Param]:
        if not self.is_function:
            return []
        params = self.node.params
        out = list(params.posonly_params) + list(params.params) + list(params.kwonly_params)
        for extra in (params.star_arg, params.star_kwarg):
            if isinstance(extra, cst.Param):
                out.append(extra)
        return out

    def request_positional(self) -> List[cst.Param]:
        """Positional parameters after `self`/`cls` for methods."""
        params = self.positional()
        if self.method_kind in ("method", "classmethod") and params:
            return params[1:]
        return params

    def self_name(self) -> Optional[str]:
        if self.method_kind in ("method", "classmethod"):
            params = self.positional()
            return params[0].name.value if params else None
        return None


@dataclass(eq=False)
class ClassInfo:
    name: str
    node: cst.ClassDef
    methods: Dict[str, Unit] = field(default_factory=dict)
    base_names: List[str] = field(default_factory=list)
    attributes: Dict[str, cst.BaseExpression] = field(default_factory=dict)  # `cache = {}`
    annotations: Dict[str, cst.BaseExpression] = field(default_factory=dict)  # `session: Session`


def _decorator_names(fn: cst.FunctionDef, qn) -> List[str]:
    out = []
    for dec in fn.decorators:
        expr = dec.decorator.func if isinstance(dec.decorator, cst.Call) else dec.decorator
        out.extend(qn.of(expr) or ([dotted(expr)] if dotted(expr) else []))
    return out


def _module_level_statements(body):
    """Statements at module level, looking inside if/try/with blocks but not
    inside function or class bodies."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, (cst.If, cst.Try, cst.With, cst.For, cst.While, cst.TryStar)):
            blocks = [stmt.body]
            orelse = getattr(stmt, "orelse", None)
            while orelse is not None:
                blocks.append(orelse.body)
                orelse = getattr(orelse, "orelse", None) if isinstance(orelse, cst.If) else None
            for handler in getattr(stmt, "handlers", ()):
                blocks.append(handler.body)
            final = getattr(stmt, "finalbody", None)
            if final is not None:
                blocks.append(final.body)
            for block in blocks:
                if isinstance(block, cst.IndentedBlock):
                    yield from _module_level_statements(block.body)


# The nodes that can hold statements; expressions cannot.
_STATEMENT_HOLDERS = (cst.Module, cst.BaseSuite, cst.BaseStatement, cst.Else, cst.ExceptHandler,
                      cst.ExceptStarHandler, cst.Finally, cst.MatchCase)


def declared_globals(root: cst.CSTNode) -> FrozenSet[str]:
    """The names declared `global` in the code collect_facts(root) walks:
    a function's body with the functions and classes nested in it; the
    module's statements and class bodies, not its functions."""
    names = set()
    defs_are_units = isinstance(root, cst.Module)
    stack = [root.body] if isinstance(root, cst.FunctionDef) else [root]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Global):
            names.update(item.name.value for item in node.names)
        elif isinstance(node, _STATEMENT_HOLDERS) and not (
                defs_are_units and isinstance(node, cst.FunctionDef)):
            stack.extend(children(node))
    return frozenset(names)


def global_stores(units: Iterable[Unit]) -> Iterator[Tuple[Unit, Store]]:
    """The stores into names a unit declares `global` (what rebinds module
    state from a function), collecting facts only of units that declare one."""
    for unit in units:
        if unit.global_names:
            names = unit.facts.global_names
            for store in unit.facts.stores:
                if isinstance(store.target, cst.Name) and store.target.value in names:
                    yield unit, store


def collect_units(module: cst.Module, qn):
    """Returns (functions, classes, init): module functions by name, classes by
    name (with their methods as units keyed 'Class.method'), and init code."""
    functions: Dict[str, Unit] = {}
    classes: Dict[str, ClassInfo] = {}
    for stmt in _module_level_statements(module.body):
        if isinstance(stmt, cst.FunctionDef):
            decorators = _decorator_names(stmt, qn)
            functions[stmt.name.value] = Unit(
                key=stmt.name.value, node=stmt,
                memoized=any(d in MEMOIZING_DECORATORS for d in decorators),
            )
        elif isinstance(stmt, cst.ClassDef):
            info = ClassInfo(stmt.name.value, stmt,
                             base_names=[dotted(b.value) for b in stmt.bases if dotted(b.value)])
            body = stmt.body.body if isinstance(stmt.body, cst.IndentedBlock) else ()
            for item in body:
                if isinstance(item, cst.SimpleStatementLine):
                    for small in item.body:
                        if isinstance(small, cst.Assign):
                            for target in small.targets:
                                if isinstance(target.target, cst.Name):
                                    info.attributes[target.target.value] = small.value
                        elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                            info.annotations[small.target.value] = small.annotation.annotation
                            if small.value is not None:
                                info.attributes[small.target.value] = small.value
                if not isinstance(item, cst.FunctionDef):
                    continue
                decorators = _decorator_names(item, qn)
                kind = "method"
                if any(d in ("staticmethod", "builtins.staticmethod") for d in decorators):
                    kind = "staticmethod"
                elif any(d in ("classmethod", "builtins.classmethod") for d in decorators):
                    kind = "classmethod"
                info.methods[item.name.value] = Unit(
                    key=f"{info.name}.{item.name.value}", node=item,
                    class_name=info.name, method_kind=kind,
                    memoized=any(d in MEMOIZING_DECORATORS for d in decorators),
                )
            classes[info.name] = info
    init = Unit(key="<module>", node=module, method_kind="module")
    return functions, classes, init


def lookup_method(classes: Dict[str, ClassInfo], class_name: str, method: str, _seen=None):
    """Find `method` on a module class or its module-level bases (MRO order)."""
    seen = _seen or set()
    info = classes.get(class_name)
    if info is None or class_name in seen:
        return None
    seen.add(class_name)
    if method in info.methods:
        return info.methods[method]
    for base in info.base_names:
        found = lookup_method(classes, base, method, seen)
        if found is not None:
            return found
    return None
