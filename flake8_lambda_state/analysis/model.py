"""The shared model of one module: built once per file, read by every rule
and every autofix."""
import ast
from dataclasses import dataclass
from functools import cached_property
from typing import List, Optional, Tuple

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from .chunks import parse_in_chunks
from .clients import Clients
from .dataflow import DataFlow
from .handlers import Handler, HandlerFinder
from .names import QualifiedNames
from .positions import StatementPositions
from .reachability import Reach, Reachability
from .scopes import ScopeIndex
from .snapshots import Snapshots
from .state_writes import StateWrites
from .symbols import Symbols
from .units import Unit, collect_units


class SkippedFile(Exception):
    """The file cannot be analysed; the message says why, for the user."""


@dataclass(eq=False)
class ModuleModel:
    filename: str
    settings: object
    module: cst.Module
    wrapper: MetadataWrapper
    symbols: Symbols
    handlers: List[Handler]
    reach: Reachability
    flow: DataFlow
    context: object = None          # project.FileContext, or None for a module on its own
    source: str = ""                # the text the module was parsed from
    tree: object = None             # its `ast` tree when the caller had one (flake8, the engine)

    @property
    def local_handlers(self) -> List[Handler]:
        """Handlers defined here (not entry points reached from other modules)."""
        return [h for h in self.handlers if h.entry is None]

    @cached_property
    def positions(self) -> StatementPositions:
        """`positions[node]` is libcst's PositionProvider range of the node,
        computed on first use and only for the statement holding it
        (positions.py): a clean file never needs positions, and one with a
        few findings needs those of a few statements."""
        return StatementPositions(self.module, self.source, self.tree,
                                  lambda: self.wrapper.resolve(PositionProvider))

    @cached_property
    def state_writes(self) -> StateWrites:
        """Writes into module state in reachable code (computed on first use)."""
        return StateWrites(self)

    @cached_property
    def clients(self) -> Clients:
        return Clients(self)

    @cached_property
    def snapshots(self):
        """SnapStart and Managed Instances facts (LAM5xx), on first use."""
        return Snapshots(self)

    @property
    def qn(self) -> QualifiedNames:
        return self.symbols.qn

    def reachable(self) -> List[Tuple[Unit, Reach]]:
        return [(u, self.reach.reached[id(u)]) for u in self.symbols.all_units()
                if id(u) in self.reach.reached]

    def hot(self) -> List[Tuple[Unit, Reach]]:
        return [(u, self.reach.hot[id(u)]) for u in self.symbols.all_units()
                if id(u) in self.reach.hot]


def parse_source(source: str, tree: Optional[ast.AST] = None) -> cst.Module:
    """The libcst tree of `source`; a long module with an `ast` tree is parsed
    a run of statements at a time (chunks.py: the same tree, for a tenth of
    the memory)."""
    if not source.strip():
        raise SkippedFile("empty file")
    if "\x00" in source:
        raise SkippedFile("file contains null bytes")
    try:
        return parse_in_chunks(source, tree) or cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        raise SkippedFile(f"libcst cannot parse it (line {exc.raw_line}): {exc.message}") from None
    except RecursionError:
        raise SkippedFile("expressions nested too deeply to analyse") from None


def build_model(source: str, filename: str, settings, context=None, tree=None) -> ModuleModel:
    """Parse and analyse `source`. `context` is what the project index says of
    this file (project.FileContext: entry points from other modules, what its
    imports denote); without one the module is analysed on its own. `tree` is
    the source's `ast` tree if the caller has one (positions use it). Raises
    SkippedFile for input that cannot be analysed (syntax libcst does not
    know, deep nesting, size)."""
    module = parse_source(source, tree)
    try:
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        scopes = ScopeIndex(module)
        qn = QualifiedNames(scopes)
        functions, classes, init = collect_units(module, qn)
        symbols = Symbols(module, scopes, qn, functions, classes, init, context)
        finder = HandlerFinder(symbols, filename, settings, context)
        handlers = finder.find()
        reach = Reachability(symbols, handlers, context)
        flow = DataFlow(symbols, reach, handlers, settings,
                        finder.request_attributes, finder.request_imports)
    except RecursionError:
        raise SkippedFile("expressions nested too deeply to analyse") from None
    return ModuleModel(filename, settings, module, wrapper, symbols, handlers, reach, flow, context,
                       source, tree)
