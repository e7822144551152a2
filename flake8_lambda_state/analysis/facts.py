"""One walk over a unit of code (a function, a method, or the module's init
code) that records what every rule needs: calls, stores, `global`
declarations, returns, `with` blocks and awaits, each with the memoization
guards (see guards.py) that hold where it happens."""
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, List, Optional, Set, Tuple

import libcst as cst

from .guards import NO_GUARDS, Guard, exits_block, facts_of_test


@dataclass(eq=False)
class CallSite:
    node: cst.Call
    guards: FrozenSet[Guard]
    discarded: bool = False       # the call is a statement of its own
    awaited: bool = False         # `await call(...)`
    with_item: Optional[cst.With] = None  # `with call(...) [as x]:`
    inside_withs: Tuple[cst.With, ...] = ()  # the `with` blocks whose body holds the call
    in_finally: bool = False              # inside a `finally:` block
    nested: bool = False                  # inside a compound statement (if, for, try, with...)
    in_except: bool = False               # inside an `except:` block
    statement: Optional[cst.CSTNode] = None   # the statement that holds the call


@dataclass(eq=False)
class Store:
    """A binding or a write: `target = value`, `target += value`, `del target`,
    `for target in value`, `with value as target`, `(target := value)`."""
    target: cst.BaseExpression
    value: Optional[cst.BaseExpression]
    op: str  # assign | aug | del | for | with | walrus
    guards: FrozenSet[Guard]
    statement: cst.CSTNode


@dataclass(eq=False)
class Facts:
    calls: List[CallSite] = field(default_factory=list)
    stores: List[Store] = field(default_factory=list)
    global_names: Set[str] = field(default_factory=set)
    returns: List[cst.BaseExpression] = field(default_factory=list)
    withs: List[cst.With] = field(default_factory=list)
    awaited: List[cst.BaseExpression] = field(default_factory=list)
    annotations: List[Tuple[cst.BaseExpression, cst.BaseExpression]] = field(default_factory=list)


def _unpack(target, value, op, guards, statement, out):
    if isinstance(target, (cst.Tuple, cst.List)):
        values = None
        if isinstance(value, (cst.Tuple, cst.List)) and len(value.elements) == len(target.elements):
            values = [el.value for el in value.elements]
        for i, element in enumerate(target.elements):
            inner = element.value
            if isinstance(inner, cst.StarredElement):
                inner = inner.value
            _unpack(inner, values[i] if values else value, op, guards, statement, out)
    elif isinstance(target, cst.StarredElement):
        _unpack(target.value, value, op, guards, statement, out)
    else:
        out.append(Store(target, value, op, guards, statement))


class FactsCollector(cst.CSTVisitor):
    """Collects Facts for one unit; nested functions and lambdas belong to the
    unit that defines them, except at module level where every def is a unit
    of its own."""

    def __init__(self, root: cst.CSTNode):
        super().__init__()
        self.root = root
        self.facts = Facts()
        self._guards: List[FrozenSet[Guard]] = []
        self._after: Dict[int, FrozenSet[Guard]] = {}
        self._pushed: Set[int] = set()
        self._discarded: Set[int] = set()
        self._awaited: Set[int] = set()
        self._with_items: Dict[int, cst.With] = {}
        self._statement: List[cst.CSTNode] = []
        self._open_withs: List[cst.With] = []
        self._finally_depth = 0
        self._compound_depth = 0
        self._except_depth = 0

    # --- guards -----------------------------------------------------------
    def current_guards(self) -> FrozenSet[Guard]:
        if not self._guards:
            return NO_GUARDS
        merged = set()
        for layer in self._guards:
            merged |= layer
        return frozenset(merged)

    def _plan_block(self, statements):
        """After `if <already built>: return ...`, the rest of the block runs
        only when the value was not built yet."""
        extra: FrozenSet[Guard] = NO_GUARDS
        for stmt in statements:
            if extra:
                self._after[id(stmt)] = extra
            if isinstance(stmt, cst.If) and stmt.orelse is None and exits_block(stmt.body):
                extra = extra | facts_of_test(stmt.test)[1]

    def on_visit(self, node):
        if id(node) in self._after:
            self._guards.append(self._after[id(node)])
            self._pushed.add(id(node))
        if isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            self._statement.append(node)
        if isinstance(node, cst.BaseCompoundStatement) and node is not self.root:
            self._compound_depth += 1
        if isinstance(node, (cst.ExceptHandler, cst.ExceptStarHandler)):
            self._except_depth += 1
        return super().on_visit(node)

    def on_leave(self, original_node):
        super().on_leave(original_node)
        if isinstance(original_node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            self._statement.pop()
        if isinstance(original_node, cst.BaseCompoundStatement) and original_node is not self.root:
            self._compound_depth -= 1
        if isinstance(original_node, (cst.ExceptHandler, cst.ExceptStarHandler)):
            self._except_depth -= 1
        if id(original_node) in self._pushed:
            self._pushed.discard(id(original_node))
            self._guards.pop()

    def visit_Module(self, node):
        self._plan_block(node.body)

    def visit_IndentedBlock(self, node):
        self._plan_block(node.body)

    def visit_If_body(self, node):
        self._guards.append(facts_of_test(node.test)[0])

    def leave_If_body(self, node):
        self._guards.pop()

    def visit_If_orelse(self, node):
        self._guards.append(facts_of_test(node.test)[1])

    def leave_If_orelse(self, node):
        self._guards.pop()

    # --- scoping ----------------------------------------------------------
    def visit_FunctionDef(self, node):
        if node is self.root:
            return True
        # At module level each def is a unit of its own.
        return not isinstance(self.root, cst.Module)

    def visit_Global(self, node):
        self.facts.global_names.update(item.name.value for item in node.names)

    # --- stores -----------------------------------------------------------
    def _store(self, target, value, op):
        stmt = self._statement[-1] if self._statement else target
        _unpack(target, value, op, self.current_guards(), stmt, self.facts.stores)

    def visit_Assign(self, node):
        for target in node.targets:
            self._store(target.target, node.value, "assign")

    def visit_AnnAssign(self, node):
        self.facts.annotations.append((node.target, node.annotation.annotation))
        if node.value is not None:
            self._store(node.target, node.value, "assign")

    def visit_AugAssign(self, node):
        self._store(node.target, node.value, "aug")

    def visit_Del(self, node):
        self._store(node.target, None, "del")

    def visit_For(self, node):
        self._store(node.target, node.iter, "for")

    def visit_CompFor(self, node):
        self._store(node.target, node.iter, "for")

    def visit_NamedExpr(self, node):
        self._store(node.target, node.value, "walrus")

    def visit_With_body(self, node):
        self._open_withs.append(node)

    def leave_With_body(self, node):
        self._open_withs.pop()

    def visit_With(self, node):
        self.facts.withs.append(node)
        for item in node.items:
            self._with_items[id(item.item)] = node
            if item.asname is not None:
                self._store(item.asname.name, item.item, "with")

    # --- calls and flow ---------------------------------------------------
    def visit_Expr(self, node):
        self._discarded.add(id(node.value))

    def visit_Await(self, node):
        self._awaited.add(id(node.expression))
        self.facts.awaited.append(node.expression)

    def visit_Return(self, node):
        if node.value is not None:
            self.facts.returns.append(node.value)

    def visit_Finally(self, node):
        self._finally_depth += 1

    def leave_Finally(self, node):
        self._finally_depth -= 1

    def visit_Call(self, node):
        self.facts.calls.append(CallSite(
            node=node,
            guards=self.current_guards(),
            discarded=id(node) in self._discarded,
            awaited=id(node) in self._awaited,
            with_item=self._with_items.get(id(node)),
            inside_withs=tuple(self._open_withs),
            in_finally=self._finally_depth > 0,
            nested=self._compound_depth > 0,
            in_except=self._except_depth > 0,
            statement=self._statement[-1] if self._statement else None,
        ))


def collect_facts(root: cst.CSTNode) -> Facts:
    collector = FactsCollector(root)
    if isinstance(root, cst.FunctionDef):
        # Decorators and defaults run at definition time, not per call.
        root.body.visit(collector)
    else:
        root.visit(collector)
    return collector.facts
