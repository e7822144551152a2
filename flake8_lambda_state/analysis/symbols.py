"""What a name denotes, resolved with the module's scopes (scopes.py): a local, module state,
an import, a module function or class; and which module class or imported
factory an object was built from. Also resolves call targets to units."""
from dataclasses import dataclass
from typing import Dict, FrozenSet, List, Optional, Tuple

import libcst as cst
from .names import QualifiedNames, root_name
from .scopes import DEFINED_CLASS, DEFINED_FUNCTION, IMPORTED, MODULE, ScopeIndex
from .units import ClassInfo, Unit, global_stores, lookup_method

LOCAL, STATE, IMPORT, FUNCTION, CLASS, BUILTIN = (
    "local", "state", "import", "function", "class", "builtin")


def bound_arguments(call: cst.Call, params: List[cst.Param]) -> Dict[str, Optional[cst.BaseExpression]]:
    """Map parameter names to the argument expressions of `call`.
    A `*args`/`**kwargs` argument maps to every parameter it may fill."""
    out: Dict[str, Optional[cst.BaseExpression]] = {}
    names = [p.name.value for p in params]
    position = 0
    star: Optional[cst.BaseExpression] = None
    for arg in call.args:
        if arg.star in ("*", "**"):
            star = arg.value
        elif arg.keyword is not None:
            out[arg.keyword.value] = arg.value
        elif position < len(names):
            out[names[position]] = arg.value
            position += 1
    if star is not None:
        for name in names:
            out.setdefault(name, star)
    return out


@dataclass(frozen=True)
class CallTarget:
    unit: Unit
    bound: bool            # the first parameter is the receiver (self/cls)
    via_instance: bool     # the receiver is a module-level instance

    def arguments(self, call: cst.Call) -> Dict[str, Optional[cst.BaseExpression]]:
        """The call's argument for each parameter of the target it fills."""
        params = self.unit.positional()[1:] if self.bound else self.unit.positional()
        return bound_arguments(call, params + list(self.unit.node.params.kwonly_params))


class Symbols:
    def __init__(self, module: cst.Module, scopes: ScopeIndex, qn: QualifiedNames,
                 functions: Dict[str, Unit], classes: Dict[str, ClassInfo], init: Unit,
                 context=None):
        self.module = module
        self.context = context        # project.FileContext, or None for a module on its own
        self.scopes = scopes
        self.qn = qn
        self.functions = functions
        self.classes = classes
        self.init = init
        self._kinds: Dict[int, str] = {}
        self._built_by: Dict[tuple, FrozenSet[str]] = {}
        self._locals: Dict[int, Dict[str, List[cst.BaseExpression]]] = {}
        self.guard_binds: Dict[tuple, bool] = {}   # reachability.guard_binds, memoized
        self.module_values: Dict[str, List[cst.BaseExpression]] = {}
        for store in init.facts.stores:
            if isinstance(store.target, cst.Name) and store.value is not None and store.op != "del" \
                    and scopes.scope_of(store.target) is scopes.module_scope:  # not class bodies
                self.module_values.setdefault(store.target.value, []).append(store.value)
        self.rebound_in_functions = set()
        self.global_values: Dict[str, List[cst.BaseExpression]] = {}  # bound under `global`
        for _unit, store in global_stores(self.all_units()):
            self.rebound_in_functions.add(store.target.value)
            if store.value is not None and store.op in ("assign", "walrus", "with"):
                self.global_values.setdefault(store.target.value, []).append(store.value)

    def all_units(self) -> List[Unit]:
        units = list(self.functions.values())
        for info in self.classes.values():
            units.extend(info.methods.values())
        return units

    # --- names ------------------------------------------------------------
    def kind(self, name: cst.Name) -> str:
        key = id(name)
        cached = self._kinds.get(key)
        if cached is None:
            cached = self._kinds[key] = self._compute_kind(name)
        return cached

    def _compute_kind(self, name: cst.Name) -> str:
        if self.scopes.scope_of(name) is None:
            return BUILTIN          # not a reference (an attribute or keyword name)
        scope, bindings = self.scopes.resolve(name)
        if scope is None:
            return BUILTIN          # a builtin, or a name nothing binds
        if scope.kind != MODULE:
            return LOCAL
        if all(b.kind == IMPORTED for b in bindings):
            return IMPORT
        defined = [b.kind for b in bindings if b.kind != IMPORTED]
        if all(kind == DEFINED_FUNCTION for kind in defined):
            return FUNCTION
        if all(kind == DEFINED_CLASS for kind in defined):
            return CLASS
        return STATE

    def project_import(self, name: cst.Name):
        """The project target (module, function, class, module state) an
        imported name denotes, or None for third-party and unresolved imports."""
        if self.context is None or self.kind(name) != IMPORT:
            return None
        return self.context.imports.get(name.value)

    def state_alias(self, name: cst.Name, unit) -> Optional[str]:
        """The module-state name a local is an alias of (`stats = _stats`)."""
        if self.kind(name) != LOCAL or unit is None:
            return None
        values = self.values_of(name, unit)
        roots = {root_name(v) for v in values if isinstance(v, (cst.Name, cst.Attribute, cst.Subscript))}
        if values and len(roots) == 1 and len(values) == len(
                [v for v in values if isinstance(v, (cst.Name, cst.Attribute, cst.Subscript))]):
            root = roots.pop()
            if root is not None and root is not name and self.kind(root) in (STATE, CLASS):
                return root.value
        return None

    def binding_is_constant(self, name: str) -> bool:
        """Bound once at module level and never rebound by a function."""
        return len(self.module_values.get(name, ())) == 1 and name not in self.rebound_in_functions

    # --- objects ----------------------------------------------------------
    def built_by(self, expr: cst.BaseExpression, unit: Optional[Unit] = None,
                 _depth: int = 0) -> FrozenSet[str]:
        """Qualified names of what built the object `expr` denotes: for
        `s3` bound to `boto3.client("s3")` it is {'boto3.client'}; for a
        module class instance it is {'<module>.Cls'}. Method calls on a
        built object add '.method' (`Session().client` -> 'boto3.Session.client')."""
        if _depth > 8:
            return frozenset()
        key = (id(expr), id(unit), _depth)
        found = self._built_by.get(key)
        if found is None:
            # A name bound from itself many times over (`rows = rows + ...`)
            # reaches the same expressions along many paths.
            found = self._built_by[key] = self._compute_built_by(expr, unit, _depth)
        return found

    def _compute_built_by(self, expr: cst.BaseExpression, unit: Optional[Unit],
                          _depth: int) -> FrozenSet[str]:
        if isinstance(expr, cst.Call):
            func = expr.func
            names = set(self.qn.of(func))
            if isinstance(func, cst.Name) and self.kind(func) == CLASS:
                names.add(f"<module>.{func.value}")
            elif isinstance(func, cst.Name) and unit is not None \
                    and unit.method_kind == "classmethod" and func.value == unit.self_name():
                names.add(f"<module>.{unit.class_name}")
            if isinstance(func, cst.Attribute):
                for owner in self.built_by(func.value, unit, _depth + 1):
                    names.add(f"{owner}.{func.attr.value}")
            return frozenset(names)
        if isinstance(expr, cst.Await):
            return self.built_by(expr.expression, unit, _depth + 1)
        if isinstance(expr, cst.Name):
            values = self.values_of(expr, unit)
            out = set()
            for value in values:
                out |= self.built_by(value, unit, _depth + 1)
            return frozenset(out)
        if isinstance(expr, cst.BooleanOperation):
            return self.built_by(expr.left, unit, _depth + 1) | self.built_by(expr.right, unit, _depth + 1)
        if isinstance(expr, cst.IfExp):
            return self.built_by(expr.body, unit, _depth + 1) | self.built_by(expr.orelse, unit, _depth + 1)
        return frozenset()

    def values_of(self, name: cst.Name, unit: Optional[Unit]) -> List[cst.BaseExpression]:
        """Expressions assigned to `name` where it resolves: the unit's own
        stores for a local, module-level stores for module state."""
        kind = self.kind(name)
        if kind == STATE or (unit is not None and name.value in unit.facts.global_names):
            return self.module_values.get(name.value, []) + self.global_values.get(name.value, [])
        if kind == LOCAL and unit is not None:
            return self._local_values(unit).get(name.value, [])
        return []

    def _local_values(self, unit: Unit) -> Dict[str, List[cst.BaseExpression]]:
        """What each local name of `unit` is assigned, from one pass over its stores."""
        values = self._locals.get(id(unit))
        if values is None:
            values = self._locals[id(unit)] = {}
            for store in unit.facts.stores:
                if isinstance(store.target, cst.Name) and store.value is not None \
                        and store.op in ("assign", "walrus", "with"):
                    values.setdefault(store.target.value, []).append(store.value)
        return values

    def module_class_of(self, expr, unit) -> Tuple[Optional[str], bool]:
        """(class name, via module instance) for an instance of a module class:
        `Cls()`, `cls()` in a classmethod, a name bound to one, and either side
        of `instance or Cls()` / `a if c else b`."""
        if isinstance(expr, cst.BooleanOperation):
            left = self.module_class_of(expr.left, unit)
            return left if left[0] else self.module_class_of(expr.right, unit)
        if isinstance(expr, cst.IfExp):
            body = self.module_class_of(expr.body, unit)
            return body if body[0] else self.module_class_of(expr.orelse, unit)
        if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name):
            built = self.built_by(expr, unit)
            for name in built:
                if name.startswith("<module>."):
                    return name.split(".", 1)[1], False
        if isinstance(expr, cst.Name):
            for built in self.built_by(expr, unit):
                if built.startswith("<module>.") and built.count(".") == 1:
                    return built.split(".", 1)[1], self.kind(expr) == STATE
        return None, False

    # --- calls ------------------------------------------------------------
    def resolve_call(self, call: cst.Call, unit: Unit) -> Optional[CallTarget]:
        func = call.func
        if isinstance(func, cst.Name):
            kind = self.kind(func)
            if kind == FUNCTION and func.value in self.functions:
                return CallTarget(self.functions[func.value], False, False)
            if kind == CLASS:
                init = lookup_method(self.classes, func.value, "__init__")
                return CallTarget(init, True, False) if init else None
            return None
        if not isinstance(func, cst.Attribute):
            return None
        method, receiver = func.attr.value, func.value
        if isinstance(receiver, cst.Name):
            if receiver.value == unit.self_name() and self.kind(receiver) == LOCAL:
                found = lookup_method(self.classes, unit.class_name, method)
                return CallTarget(found, found.method_kind != "staticmethod", False) if found else None
            if self.kind(receiver) == CLASS:
                found = lookup_method(self.classes, receiver.value, method)
                if found is None:
                    return None
                return CallTarget(found, found.method_kind == "classmethod", False)
        if isinstance(receiver, cst.Call) and isinstance(receiver.func, cst.Name) \
                and receiver.func.value == "super" and unit.class_name:
            info = self.classes.get(unit.class_name)
            for base in info.base_names if info else ():
                found = lookup_method(self.classes, base, method)
                if found is not None:
                    return CallTarget(found, found.method_kind != "staticmethod", False)
            return None
        class_name, via_instance = self.module_class_of(receiver, unit)
        if class_name:
            found = lookup_method(self.classes, class_name, method)
            if found is not None:
                return CallTarget(found, found.method_kind != "staticmethod", via_instance)
        return None
