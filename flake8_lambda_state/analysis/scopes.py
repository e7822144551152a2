"""Which binding a name denotes, by Python's own scoping rules, in one cheap
walk of the libcst tree.

The rules are the compiler's (what `symtable` reports): module, class,
function, lambda and comprehension scopes; a class body is not visible from
the functions and comprehensions inside it; `global` and `nonlocal`
redirect a name; a walrus target in a comprehension binds in the enclosing
function; decorators, defaults, annotations, class bases and the first
iterable of a comprehension are evaluated in the enclosing scope.

libcst's ScopeProvider answers the same questions, but also records every
access and assignment in a visitor that rebuilds the tree: on a handler
module it cost half of the analysis. The analysis asks only what a name
denotes and which import it comes from; the fixes also ask which names read
a binding (`references`), answered by one more walk the first time."""
import builtins
from typing import Dict, List, Optional, Tuple

import libcst as cst

from .walk import children, walk

BUILTIN_NAMES = frozenset(dir(builtins))
MODULE, CLASS, FUNCTION, COMPREHENSION = "module", "class", "function", "comprehension"
# Binding kinds
IMPORTED, DEFINED_FUNCTION, DEFINED_CLASS, VALUE, PARAMETER = (
    "import", "function", "class", "value", "parameter")

_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)


class Binding:
    """One place that binds a name: an import, a def, a class, a parameter
    or a value (assignment, loop, `with`, `except`, walrus, match capture).
    `qualified` is what an import denotes (`boto3.client` for
    `from boto3 import client as mk`); `node` is the def, class, alias or
    target Name, `target` the Name it binds (None for an import without `as`)."""
    __slots__ = ("name", "kind", "node", "qualified", "order", "target")

    def __init__(self, name: str, kind: str, node: cst.CSTNode, qualified: Optional[str],
                 order: int):
        self.name, self.kind, self.node, self.qualified = name, kind, node, qualified
        self.order = order          # where it happens in the source, among bindings and references
        target = getattr(node, "asname", None) or node
        target = getattr(target, "name", target)
        self.target = target if isinstance(target, cst.Name) else None


class Scope:
    __slots__ = ("kind", "parent", "node", "bindings", "global_names", "nonlocal_names")

    def __init__(self, kind: str, parent: Optional["Scope"], node: cst.CSTNode):
        self.kind, self.parent, self.node = kind, parent, node
        self.bindings: Dict[str, List[Binding]] = {}
        self.global_names: set = set()
        self.nonlocal_names: set = set()

    def lookup(self, name: str, here: bool = True) -> Tuple[Optional["Scope"], List[Binding]]:
        """The scope whose bindings `name`, used in this scope, denotes, and
        those bindings; (None, []) for a builtin or an unbound name. With
        `here` False the search starts in the enclosing scopes."""
        scope: Optional[Scope] = self if here else self.parent
        while scope is not None:
            if scope.kind == CLASS and (scope is not self or not here):
                scope = scope.parent          # class bodies are not enclosing scopes
                continue
            if name in scope.global_names:
                module = scope.module()
                return (module, module.bindings[name]) if name in module.bindings else (None, [])
            if name in scope.bindings and name not in scope.nonlocal_names:
                return scope, scope.bindings[name]
            scope = scope.parent
        return None, []

    def module(self) -> "Scope":
        scope = self
        while scope.parent is not None:
            scope = scope.parent
        return scope


class ScopeIndex:
    """The scopes of one module: `scope_of(name)` is the scope a Name node of
    the code (a reference or a binding target; not an attribute or keyword
    name) occurs in, `resolve(name)` what it denotes."""

    def __init__(self, module: cst.Module):
        self.module_scope = Scope(MODULE, None, module)
        self._scope_of: Dict[int, Scope] = {}
        self._order: Dict[int, int] = {}       # id(Name) -> its place, for names in class bodies
        self._count = 0                        # references and bindings seen so far
        self._pending: List[Tuple[Scope, Binding]] = []
        self._opened: Dict[int, Scope] = {}    # id(def, class, lambda, comprehension) -> its scope
        self._references: Optional[Dict[Tuple[int, str], List[cst.Name]]] = None
        self.imported_roots: set = set()     # top-level modules imported anywhere in the file
        self._walk(module)
        self._place_bindings()

    # --- questions ----------------------------------------------------------
    def scope_of(self, name: cst.Name) -> Optional[Scope]:
        return self._scope_of.get(id(name))

    def scope_for(self, node: cst.CSTNode) -> Optional[Scope]:
        """The scope a def, class, lambda or comprehension opens (its body's)."""
        return self._opened.get(id(node))

    def scope_at(self, node: cst.CSTNode) -> Optional[Scope]:
        """The scope an expression is evaluated in: that of its first name
        (None for an expression without one)."""
        return next((self._scope_of[id(n)] for n in walk(node)
                     if type(n) is cst.Name and id(n) in self._scope_of), None)

    def references(self, scope: Scope, name: str) -> List[cst.Name]:
        """The Name nodes that read `name` as `scope` binds it, in source
        order (found by one walk of the module, the first time a fix asks)."""
        if self._references is None:
            self._references = {}
            for node in walk(self.module_scope.node):
                if type(node) is cst.Name and id(node) in self._scope_of:
                    owner, bindings = self.resolve(node)
                    if owner is not None and all(b.target is not node for b in bindings):
                        self._references.setdefault((id(owner), node.value), []).append(node)
        return self._references.get((id(scope), name), [])

    def resolve(self, name: cst.Name) -> Tuple[Optional[Scope], List[Binding]]:
        """(scope, bindings) for a Name node; (None, []) for a builtin, an
        unbound name, or a Name that is not a reference."""
        scope = self._scope_of.get(id(name))
        if scope is None:
            return None, []
        if scope.kind == CLASS and name.value in scope.bindings:
            # A class body reads its own names only once bound (`X = X`
            # reads the enclosing X).
            order = self._order.get(id(name), 0)
            if all(b.order >= order and b.target is not name for b in scope.bindings[name.value]):
                return scope.lookup(name.value, here=False)
        return scope.lookup(name.value)

    def imports_any(self, qualified_names) -> bool:
        """Some import of the file can denote one of these names: without
        one, no expression of the file resolves to them (a cheap test before
        looking at every call)."""
        return any(name.split(".", 1)[0] in self.imported_roots for name in qualified_names)

    def qualified_names(self, root: cst.Name, full_name: str) -> List[str]:
        """What `full_name` (a dotted name starting at `root`) denotes through
        imports, or as a builtin (`builtins.open`: a reference no scope
        binds); [] for anything else."""
        scope, bindings = self.resolve(root)
        if scope is None:
            referenced = id(root) in self._scope_of
            return [f"builtins.{full_name}"] if referenced and root.value in BUILTIN_NAMES else []
        own = [b for b in bindings if b.target is root]
        rest = full_name[len(root.value):]
        return [b.qualified + rest for b in (own or bindings) if b.kind == IMPORTED]

    # --- the walk -------------------------------------------------------------
    def _bind(self, scope: Scope, name: str, kind: str, node: cst.CSTNode, qualified=None):
        if qualified is not None:
            self.imported_roots.add(qualified.split(".", 1)[0])
        self._count += 1
        self._pending.append((scope, Binding(name, kind, node, qualified, self._count)))

    def _refer(self, name: cst.Name, scope: Scope):
        self._scope_of[id(name)] = scope
        self._count += 1
        if scope.kind == CLASS:
            self._order[id(name)] = self._count

    def _place_bindings(self):
        """Bindings go to the scope that owns the name: the module under
        `global`; under `nonlocal`, the nearest enclosing function that binds
        it (placed last, once those functions' own bindings are known)."""
        nonlocal_ = []
        for scope, binding in self._pending:
            if binding.name in scope.global_names:
                scope = scope.module()
            elif binding.name in scope.nonlocal_names:
                nonlocal_.append((scope, binding))
                continue
            scope.bindings.setdefault(binding.name, []).append(binding)
        for scope, binding in nonlocal_:
            owner = scope.parent
            while owner is not None and not (owner.kind == FUNCTION and binding.name in owner.bindings):
                owner = owner.parent
            (owner or scope).bindings.setdefault(binding.name, []).append(binding)
        self._pending = []

    def _walk(self, root: cst.Module):
        stack: List[Tuple[cst.CSTNode, Scope]] = [(root, self.module_scope)]
        while stack:
            node, scope = stack.pop()
            handler = _HANDLERS.get(type(node))
            if handler is not None:
                handler(self, node, scope, stack)
            elif type(node) is cst.Name:
                self._refer(node, scope)
            elif type(node) is _Store:
                self._target(node.target, scope, stack)
            else:
                stack.extend((child, scope) for child in reversed(children(node)))

    def _target(self, target: cst.BaseExpression, scope: Scope, stack, kind=VALUE):
        """Bind the names a target expression stores into; the rest of it
        (`a.b`, `a[k]`) is read."""
        if isinstance(target, cst.Name):
            self._scope_of[id(target)] = scope
            self._bind(scope, target.value, kind, target)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._target(element.value, scope, stack, kind)
        elif isinstance(target, cst.StarredElement):
            self._target(target.value, scope, stack, kind)
        else:
            stack.append((target, scope))

    def _parameters(self, params: cst.Parameters, outer: Scope, inner: Scope, stack):
        every = list(params.posonly_params) + list(params.params) + list(params.kwonly_params)
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                every.append(star)
        for param in every:
            if param.default is not None:
                stack.append((param.default, outer))
            if param.annotation is not None:
                stack.append((param.annotation, outer))
            self._scope_of[id(param.name)] = inner
            self._bind(inner, param.name.value, PARAMETER, param.name)

    def _type_parameters(self, node, scope: Scope, stack):
        type_params = getattr(node, "type_parameters", None)
        for param in type_params.params if type_params is not None else ():
            inner = param.param
            self._scope_of[id(inner.name)] = scope
            self._bind(scope, inner.name.value, VALUE, inner.name)
            for child in children(inner):
                if child is not inner.name:
                    stack.append((child, scope))

    def _type_scope(self, node, scope: Scope, stack) -> Scope:
        """Generic parameters (`def f[T](x: T)`) live in a scope of their own
        that the annotations, bases and the body see."""
        if getattr(node, "type_parameters", None) is None:
            return scope
        inner = Scope(FUNCTION, scope, node)
        self._type_parameters(node, inner, stack)
        return inner

    def _function(self, node: cst.FunctionDef, scope: Scope, stack):
        outer = self._type_scope(node, scope, stack)
        inner = self._opened[id(node)] = Scope(FUNCTION, outer, node)
        stack.append((node.body, inner))
        self._parameters(node.params, outer, inner, stack)
        if node.returns is not None:
            stack.append((node.returns, outer))
        stack.extend((d, scope) for d in node.decorators)
        self._scope_of[id(node.name)] = scope
        self._bind(scope, node.name.value, DEFINED_FUNCTION, node)

    def _lambda(self, node: cst.Lambda, scope: Scope, stack):
        inner = self._opened[id(node)] = Scope(FUNCTION, scope, node)
        stack.append((node.body, inner))
        self._parameters(node.params, scope, inner, stack)

    def _class(self, node: cst.ClassDef, scope: Scope, stack):
        outer = self._type_scope(node, scope, stack)
        inner = self._opened[id(node)] = Scope(CLASS, outer, node)
        stack.append((node.body, inner))
        stack.extend((arg, outer) for arg in list(node.bases) + list(node.keywords))
        stack.extend((d, scope) for d in node.decorators)
        self._scope_of[id(node.name)] = scope
        self._bind(scope, node.name.value, DEFINED_CLASS, node)

    def _comprehension(self, node, scope: Scope, stack):
        inner = self._opened[id(node)] = Scope(COMPREHENSION, scope, node)
        for part in ("elt", "key", "value"):
            value = getattr(node, part, None)
            if value is not None:
                stack.append((value, inner))
        comp_for = node.for_in
        stack.append((comp_for.iter, scope))     # the first iterable runs outside
        while comp_for is not None:
            self._target(comp_for.target, inner, stack)
            stack.extend((test.test, inner) for test in comp_for.ifs)
            comp_for = comp_for.inner_for_in
            if comp_for is not None:
                stack.append((comp_for.iter, inner))

    # The value is read before the targets are bound: the stack runs the
    # `_Store` pushed first last.
    def _assign(self, node: cst.Assign, scope: Scope, stack):
        stack.extend((_Store(target.target), scope) for target in reversed(node.targets))
        stack.append((node.value, scope))

    def _ann_assign(self, node: cst.AnnAssign, scope: Scope, stack):
        stack.append((_Store(node.target), scope))
        if node.value is not None:
            stack.append((node.value, scope))
        stack.append((node.annotation, scope))

    def _aug_assign(self, node: cst.AugAssign, scope: Scope, stack):
        stack.append((_Store(node.target), scope))
        stack.append((node.value, scope))

    def _for(self, node, scope: Scope, stack):
        for part in (node.orelse, node.body):
            if part is not None:
                stack.append((part, scope))
        stack.append((_Store(node.target), scope))
        stack.append((node.iter, scope))

    def _with(self, node: cst.With, scope: Scope, stack):
        stack.append((node.body, scope))
        for item in reversed(node.items):
            if item.asname is not None:
                stack.append((_Store(item.asname.name), scope))
            stack.append((item.item, scope))

    def _handler(self, node, scope: Scope, stack):
        stack.append((node.body, scope))
        if node.name is not None:
            self._target(node.name.name, scope, stack)
        if node.type is not None:
            stack.append((node.type, scope))

    def _walrus(self, node: cst.NamedExpr, scope: Scope, stack):
        owner = scope
        while owner.kind == COMPREHENSION and owner.parent is not None:
            owner = owner.parent
        stack.append((node.value, scope))
        if isinstance(node.target, cst.Name):
            self._scope_of[id(node.target)] = scope
            self._bind(owner, node.target.value, VALUE, node.target)

    def _import(self, node: cst.Import, scope: Scope, stack):
        for alias in node.names:
            full = _dotted(alias.name)
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self._bind(scope, alias.asname.name.value, IMPORTED, alias, full)
            else:
                root = full.split(".", 1)[0]
                self._bind(scope, root, IMPORTED, alias, root)

    def _import_from(self, node: cst.ImportFrom, scope: Scope, stack):
        if isinstance(node.names, cst.ImportStar):
            return
        module = "." * len(node.relative) + (_dotted(node.module) if node.module is not None else "")
        for alias in node.names:
            real = _dotted(alias.name)
            qualified = f"{module}{real}" if module.endswith(".") else \
                (f"{module}.{real}" if module else real)
            name = alias.asname.name.value if alias.asname is not None \
                and isinstance(alias.asname.name, cst.Name) else real
            self._bind(scope, name, IMPORTED, alias, qualified)

    def _global(self, node: cst.Global, scope: Scope, stack):
        scope.global_names.update(item.name.value for item in node.names)

    def _nonlocal(self, node: cst.Nonlocal, scope: Scope, stack):
        scope.nonlocal_names.update(item.name.value for item in node.names)

    def _attribute(self, node: cst.Attribute, scope: Scope, stack):
        stack.append((node.value, scope))        # `.attr` is not a reference

    def _arg(self, node: cst.Arg, scope: Scope, stack):
        stack.append((node.value, scope))        # `keyword=` is not a reference

    def _match_capture(self, node, scope: Scope, stack):
        name = node.rest if isinstance(node, cst.MatchMapping) else node.name
        if isinstance(name, cst.Name):
            self._scope_of[id(name)] = scope
            self._bind(scope, name.value, VALUE, name)
        stack.extend((child, scope) for child in reversed(children(node)) if child is not name)

    def _type_alias(self, node, scope: Scope, stack):
        stack.append((node.value, self._type_scope(node, scope, stack)))
        self._scope_of[id(node.name)] = scope
        self._bind(scope, node.name.value, VALUE, node.name)


class _Store:
    """A target to bind once the walk has read what is assigned to it."""
    __slots__ = ("target",)

    def __init__(self, target: cst.BaseExpression):
        self.target = target


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


_HANDLERS = {
    cst.FunctionDef: ScopeIndex._function,
    cst.Lambda: ScopeIndex._lambda,
    cst.ClassDef: ScopeIndex._class,
    cst.Assign: ScopeIndex._assign,
    cst.AnnAssign: ScopeIndex._ann_assign,
    cst.AugAssign: ScopeIndex._aug_assign,
    cst.For: ScopeIndex._for,
    cst.With: ScopeIndex._with,
    cst.ExceptHandler: ScopeIndex._handler,
    cst.ExceptStarHandler: ScopeIndex._handler,
    cst.NamedExpr: ScopeIndex._walrus,
    cst.Import: ScopeIndex._import,
    cst.ImportFrom: ScopeIndex._import_from,
    cst.Global: ScopeIndex._global,
    cst.Nonlocal: ScopeIndex._nonlocal,
    cst.Attribute: ScopeIndex._attribute,
    cst.Arg: ScopeIndex._arg,
    cst.MatchAs: ScopeIndex._match_capture,
    cst.MatchStar: ScopeIndex._match_capture,
    cst.MatchMapping: ScopeIndex._match_capture,
    cst.TypeAlias: ScopeIndex._type_alias,
}
_HANDLERS.update({kind: ScopeIndex._comprehension for kind in _COMPREHENSIONS})
