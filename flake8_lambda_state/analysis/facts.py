"""One walk over a unit of code (a function, a method, or the module's init
code) that records what every rule needs: calls, stores, `global`
declarations, returns, `with` blocks and awaits, each with the memoization
guards (see guards.py) that hold where it happens."""
from dataclasses import dataclass, field
import inspect
from typing import Callable, Dict, FrozenSet, List, Optional, Set, Tuple

import libcst as cst

from .guards import NO_GUARDS, Guard, exits_block, facts_of_test
from .walk import children


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


class FactsCollector:
    """Collects Facts for one unit; nested functions and lambdas belong to the
    unit that defines them, except at module level where every def is a unit
    of its own.

    One iterative walk (walk.children, parents first, in source order), so a
    deeply nested expression costs no recursion. Each node type that records
    a fact or opens a context has an `_enter_*` handler (see _ENTER); a
    context closes by a (function, argument) pair left on the stack under the
    node's children, run when the walk comes back out."""

    def __init__(self, root: cst.CSTNode):
        self.facts = Facts()
        self._defs_are_units = isinstance(root, cst.Module)
        self._guards: List[FrozenSet[Guard]] = [NO_GUARDS]  # the union of the open guard layers
        self._after: Dict[int, FrozenSet[Guard]] = {}
        self._discarded: Set[int] = set()
        self._awaited: Set[int] = set()
        self._with_items: Dict[int, cst.With] = {}
        self._statement: List[cst.CSTNode] = []
        self._open_withs: List[cst.With] = []
        self._finally_depth = 0
        self._compound_depth = 0
        self._except_depth = 0

    def collect(self, start: cst.CSTNode) -> Facts:
        stack: list = [start]
        pop, extend, enter = stack.pop, stack.extend, _ENTER
        while stack:
            item = pop()
            if item.__class__ is tuple:       # leaving a context
                item[0](self, item[1])
                continue
            handler = enter.get(item.__class__)
            if handler is None:
                extend(reversed(children(item)))
            else:
                handler(self, item, stack)
        return self.facts

    # --- guards -----------------------------------------------------------
    def _push_guards(self, layer: FrozenSet[Guard]):
        self._guards.append(self._guards[-1] | layer)

    def _pop_guards(self, _arg=None):
        self._guards.pop()

    def _plan_block(self, statements):
        """After `if <already built>: return ...`, the rest of the block runs
        only when the value was not built yet."""
        extra: FrozenSet[Guard] = NO_GUARDS
        for stmt in statements:
            if extra:
                self._after[id(stmt)] = extra
            if isinstance(stmt, cst.If) and stmt.orelse is None and exits_block(stmt.body):
                extra = extra | facts_of_test(stmt.test)[1]

    # --- statements and blocks --------------------------------------------
    def _open_statement(self, node, stack):
        """A statement holds the facts under it (CallSite/Store.statement),
        under the guards its block planned for it; a compound one marks them
        nested."""
        layer = self._after.get(id(node))
        if layer is not None:
            self._push_guards(layer)
        self._statement.append(node)
        compound = isinstance(node, cst.BaseCompoundStatement)
        if compound:
            self._compound_depth += 1
        stack.append((FactsCollector._close_statement, (compound, layer is not None)))

    def _close_statement(self, how):
        compound, guarded = how
        self._statement.pop()
        if compound:
            self._compound_depth -= 1
        if guarded:
            self._guards.pop()

    def _enter_statement(self, node, stack):
        self._open_statement(node, stack)
        stack.extend(reversed(children(node)))

    def _enter_block(self, node, stack):
        self._plan_block(node.body)
        stack.extend(reversed(children(node)))

    def _enter_module(self, node, stack):
        self._plan_block(node.body)
        stack.extend(reversed(children(node)))

    def _enter_if(self, node, stack):
        """The test's facts hold in the body, their negation in the else
        branch (an `elif` included)."""
        self._open_statement(node, stack)
        in_body, in_orelse = facts_of_test(node.test)
        for child in reversed(children(node)):
            layer = in_body if child is node.body else in_orelse if child is node.orelse else None
            if layer:
                stack.append((FactsCollector._pop_guards, None))
                stack.append(child)
                stack.append((FactsCollector._push_guards, layer))
            else:
                stack.append(child)

    def _enter_function(self, node, stack):
        self._open_statement(node, stack)
        # At module level each def is a unit of its own.
        if not self._defs_are_units:
            stack.extend(reversed(children(node)))

    def _enter_handler(self, node, stack):
        self._except_depth += 1
        stack.append((FactsCollector._close_handler, None))
        stack.extend(reversed(children(node)))

    def _close_handler(self, _arg):
        self._except_depth -= 1

    def _enter_finally(self, node, stack):
        self._finally_depth += 1
        stack.append((FactsCollector._close_finally, None))
        stack.extend(reversed(children(node)))

    def _close_finally(self, _arg):
        self._finally_depth -= 1

    def _enter_global(self, node, stack):
        self.facts.global_names.update(item.name.value for item in node.names)
        stack.extend(reversed(children(node)))

    # --- stores -----------------------------------------------------------
    def _store(self, target, value, op):
        stmt = self._statement[-1] if self._statement else target
        _unpack(target, value, op, self._guards[-1], stmt, self.facts.stores)

    def _enter_assign(self, node, stack):
        for target in node.targets:
            self._store(target.target, node.value, "assign")
        stack.extend(reversed(children(node)))

    def _enter_ann_assign(self, node, stack):
        self.facts.annotations.append((node.target, node.annotation.annotation))
        if node.value is not None:
            self._store(node.target, node.value, "assign")
        stack.extend(reversed(children(node)))

    def _enter_aug_assign(self, node, stack):
        self._store(node.target, node.value, "aug")
        stack.extend(reversed(children(node)))

    def _enter_del(self, node, stack):
        self._store(node.target, None, "del")
        stack.extend(reversed(children(node)))

    def _enter_for(self, node, stack):
        self._open_statement(node, stack)
        self._store(node.target, node.iter, "for")
        stack.extend(reversed(children(node)))

    def _enter_comp_for(self, node, stack):
        self._store(node.target, node.iter, "for")
        stack.extend(reversed(children(node)))

    def _enter_named_expr(self, node, stack):
        self._store(node.target, node.value, "walrus")
        stack.extend(reversed(children(node)))

    def _enter_with(self, node, stack):
        """The items' calls are `with_item`s; the body's calls are inside the
        `with`."""
        self._open_statement(node, stack)
        self.facts.withs.append(node)
        for item in node.items:
            self._with_items[id(item.item)] = node
            if item.asname is not None:
                self._store(item.asname.name, item.item, "with")
        for child in reversed(children(node)):
            if child is node.body:
                stack.append((FactsCollector._close_with, None))
                stack.append(child)
                stack.append((FactsCollector._open_with, node))
            else:
                stack.append(child)

    def _open_with(self, node):
        self._open_withs.append(node)

    def _close_with(self, _arg):
        self._open_withs.pop()

    # --- calls and flow ---------------------------------------------------
    def _enter_expr(self, node, stack):
        self._discarded.add(id(node.value))
        stack.extend(reversed(children(node)))

    def _enter_await(self, node, stack):
        self._awaited.add(id(node.expression))
        self.facts.awaited.append(node.expression)
        stack.extend(reversed(children(node)))

    def _enter_return(self, node, stack):
        if node.value is not None:
            self.facts.returns.append(node.value)
        stack.extend(reversed(children(node)))

    def _enter_call(self, node, stack):
        key = id(node)
        statements = self._statement
        self.facts.calls.append(CallSite(
            node, self._guards[-1], key in self._discarded, key in self._awaited,
            self._with_items.get(key), tuple(self._open_withs), self._finally_depth > 0,
            self._compound_depth > 0, self._except_depth > 0,
            statements[-1] if statements else None,
        ))
        stack.extend(reversed(children(node)))


def _handlers() -> Dict[type, Callable]:
    """The `_enter_*` handler of each node type that has one: every compound
    statement opens a statement context, a few add their own facts."""
    table: Dict[type, Callable] = {
        cls: FactsCollector._enter_statement for cls in vars(cst).values()
        if isinstance(cls, type) and issubclass(cls, cst.BaseCompoundStatement)
        and not inspect.isabstract(cls)}
    table.update({
        cst.SimpleStatementLine: FactsCollector._enter_statement,
        cst.Module: FactsCollector._enter_module,
        cst.IndentedBlock: FactsCollector._enter_block,
        cst.If: FactsCollector._enter_if,
        cst.FunctionDef: FactsCollector._enter_function,
        cst.For: FactsCollector._enter_for,
        cst.With: FactsCollector._enter_with,
        cst.ExceptHandler: FactsCollector._enter_handler,
        cst.ExceptStarHandler: FactsCollector._enter_handler,
        cst.Finally: FactsCollector._enter_finally,
        cst.Global: FactsCollector._enter_global,
        cst.Assign: FactsCollector._enter_assign,
        cst.AnnAssign: FactsCollector._enter_ann_assign,
        cst.AugAssign: FactsCollector._enter_aug_assign,
        cst.Del: FactsCollector._enter_del,
        cst.CompFor: FactsCollector._enter_comp_for,
        cst.NamedExpr: FactsCollector._enter_named_expr,
        cst.Expr: FactsCollector._enter_expr,
        cst.Await: FactsCollector._enter_await,
        cst.Return: FactsCollector._enter_return,
        cst.Call: FactsCollector._enter_call,
    })
    return table


_ENTER = _handlers()


def collect_facts(root: cst.CSTNode) -> Facts:
    collector = FactsCollector(root)
    if isinstance(root, cst.FunctionDef):
        # Decorators and defaults run at definition time, not per call.
        return collector.collect(root.body)
    return collector.collect(root)
