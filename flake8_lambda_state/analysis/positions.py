"""Positions of the nodes that are reported or fixed, computed one statement
at a time.

libcst's PositionProvider generates the code of the whole module to learn
where each node sits; a file with a few findings needs the positions of a few
nodes only. Here only the code of the innermost statement that starts a line
and holds the node is generated (a statement of the module or of an indented
block), with libcst's own position-recording codegen state, and the recorded
ranges are shifted to the line where that statement starts in the file.

That line comes from Python's `ast` (the line of the statement's first token;
`ast` statements line up with libcst's, an `a; b` line being several), and is
checked against the file's text: the statement's generated code must be the
text that starts there. Anything unexpected (no `ast` tree, statements that
do not line up, a node outside the statements, text that differs, a file
where libcst drops a line) falls back to the whole-module PositionProvider,
so the answer is always libcst's."""
import ast
import re
import warnings
from collections import OrderedDict
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Set, Tuple

import libcst as cst
from libcst.metadata import CodePosition, CodeRange, PositionProvider
try:    # libcst's own position-recording codegen, which libcst does not export
    from libcst.metadata.position_provider import NEWLINE_RE, PositionProvidingCodegenState
except ImportError:     # pragma: no cover - a libcst that moved it: the whole-module provider
    NEWLINE_RE = PositionProvidingCodegenState = None

from .walk import children

# A line continuation where a line's indentation is: libcst drops it from the
# tree, and its newline from the generated code, so PositionProvider's lines
# below it are not the file's.
_LOST_NEWLINE = re.compile(r"(?:\A|(?<=[\r\n]))[ \t\f]*\\(?:\r\n?|\n)")

# The `ast` classes (by name: TryStar is new in 3.11) of each compound statement.
_TWINS = {
    cst.FunctionDef: ("FunctionDef", "AsyncFunctionDef"), cst.ClassDef: ("ClassDef",),
    cst.If: ("If",), cst.For: ("For", "AsyncFor"), cst.While: ("While",),
    cst.With: ("With", "AsyncWith"), cst.Try: ("Try",), cst.TryStar: ("TryStar",),
    cst.Match: ("Match",),
}

# The recorded ranges of this many statements are kept: each holds a range for
# every node of its statement, and a module with findings everywhere would
# keep one for every node of the file (a tenth of the analysis' memory).
PLACED_KEPT = 256

# Where a statement starts: its first token's line (from `ast`), its `ast`
# twin (the first of an `a; b` line), the indentation of the blocks around it.
_Start = Tuple[int, ast.AST, Tuple[str, ...]]
# A statement's recorded ranges and the lines to add to them.
_Placed = Tuple[Mapping[cst.CSTNode, CodeRange], int]


class StatementPositions:
    """`positions[node]` -> the node's libcst CodeRange, as PositionProvider
    gives it, generating only the statement that holds the node.

    `tree` is the module's `ast` tree when the caller has it (flake8 and the
    engine do); otherwise the source is parsed when a position is first
    needed. `whole_module` resolves libcst's PositionProvider for the whole
    module: the fallback."""

    def __init__(self, module: cst.Module, source: str, tree: Optional[ast.AST],
                 whole_module: Callable[[], Mapping[cst.CSTNode, CodeRange]]):
        self._module = module
        self._source = source
        self._tree = tree
        self._whole_module = whole_module
        self._whole: Optional[Mapping[cst.CSTNode, CodeRange]] = None
        self._tops: Optional[List[Tuple[int, ast.AST]]] = None   # per module.body statement
        self._claimed = 0                          # module.body statements in _owner
        self._owner: Dict[int, int] = {}           # id(node) -> index in _statements
        self._only: Optional[Set[int]] = None      # the nodes _owner holds, if not all
        self._statements: List[Tuple[cst.BaseStatement, _Start]] = []
        self._placed: "OrderedDict[int, Optional[_Placed]]" = OrderedDict()   # the last PLACED_KEPT
        self._line_starts: Optional[List[int]] = None

    def __getitem__(self, node: cst.CSTNode) -> CodeRange:
        if self._whole is None and PositionProvidingCodegenState is None:
            self._whole = self._whole_module()
        if self._whole is None:
            index = self._statement_of(node)
            placed = self._place(index) if index is not None else None
            found = placed[0].get(node) if placed is not None else None
            if found is not None:
                return _shifted(found, placed[1])
            self._whole = self._whole_module()
        return self._whole[node]

    def place_all(self, nodes: Sequence[cst.CSTNode]) -> List[CodeRange]:
        """`[self[node] for node in nodes]`, with the owners of these nodes
        only remembered: the walk that finds their statements would keep one
        for every node of the module (at 100,000 lines, 50 MB), and the rules
        ask for their findings' nodes only. A later request for another node
        claims the module afresh."""
        if self._whole is not None or self._claimed or PositionProvidingCodegenState is None:
            return [self[node] for node in nodes]
        self._only = {id(node) for node in nodes}
        try:
            for node in nodes:
                self._statement_of(node)        # claims as far as the last of them
            by_statement = sorted(range(len(nodes)),
                                  key=lambda i: self._owner.get(id(nodes[i]), -1))
            ranges: List[Optional[CodeRange]] = [None] * len(nodes)
            for i in by_statement:              # each statement generated once
                ranges[i] = self[nodes[i]]
            return ranges
        finally:
            self._claimed, self._owner, self._statements, self._only = 0, {}, [], None
            self._placed.clear()

    def get(self, node: cst.CSTNode, default=None):
        try:
            return self[node]
        except KeyError:
            return default

    def __contains__(self, node) -> bool:
        return self.get(node) is not None

    def _statement_of(self, node: cst.CSTNode) -> Optional[int]:
        """The statement holding `node`; the module's statements are claimed
        in order, each once, as far as needed."""
        tops = self._top_statements()
        if tops is None:
            return None
        key = id(node)
        body = self._module.body
        while key not in self._owner and self._claimed < len(body):
            line, twin = tops[self._claimed]
            self._claim(body[self._claimed], (line, twin, ()))
            self._claimed += 1
        return self._owner.get(key)

    def _claim(self, top: cst.BaseStatement, start: _Start) -> None:
        """Record the owner of every node under the module statement `top`:
        the innermost statement starting a line whose start is known."""
        owner, statements, only = self._owner, self._statements, self._only
        pending = {id(top): start}
        stack: List[Tuple[cst.CSTNode, int]] = [(top, -1)]
        while stack:
            node, holder = stack.pop()
            key = id(node)
            begins = pending.pop(key, None)
            if begins is not None:
                holder = len(statements)
                statements.append((node, begins))
                pending.update(self._inner_starts(node, begins))
            if only is None or key in only:
                owner[key] = holder
            stack.extend((child, holder) for child in children(node))

    def _inner_starts(self, statement: cst.BaseStatement, start: _Start):
        """(id, start) of the statements of each indented block of a compound
        statement whose block lines up with its `ast` twin's."""
        _, twin, indents = start
        default = self._module.default_indent
        for block, twins, around in _blocks(statement, twin):
            lined_up = _line_up(block.body, twins)
            if lined_up is None:
                continue
            inner = indents + tuple(default if indent is None else indent
                                    for indent in (*around, block.indent))
            for child, (line, child_twin) in zip(block.body, lined_up):
                yield id(child), (line, child_twin, inner)

    def _place(self, index: int) -> Optional[_Placed]:
        """The recorded ranges of statement `index` and the lines to add to
        them, or None when its place in the file cannot be vouched for."""
        placed = self._placed
        if index in placed:
            placed.move_to_end(index)
            return placed[index]
        found = placed[index] = self._generate(*self._statements[index])
        if len(placed) > PLACED_KEPT:
            placed.popitem(last=False)
        return found

    def _generate(self, statement: cst.BaseStatement, start: _Start) -> Optional[_Placed]:
        line, _, indents = start
        module = self._module
        provider = PositionProvider()
        state = PositionProvidingCodegenState(default_indent=module.default_indent,
                                              default_newline=module.default_newline,
                                              provider=provider, indent_tokens=list(indents))
        statement._codegen(state)
        ranges = provider._computed
        # The statement's own range starts at its first token, after the
        # blank lines, comments and decorators its code begins with.
        shift = line - ranges[statement].start.line
        if not self._text_is(state.tokens, shift + 1):
            return None
        return ranges, shift

    def _top_statements(self) -> Optional[List[Tuple[int, ast.AST]]]:
        """(first line, `ast` twin) of each statement of the module; None
        when there is no `ast` tree, it does not line up with libcst's
        statements, or libcst drops a line of this file."""
        if self._tops is None:
            tops = None
            if not _LOST_NEWLINE.search(self._source):
                tree = self._tree if self._tree is not None else _parse(self._source)
                if isinstance(tree, ast.Module) and isinstance(tree.body, list):
                    tops = _line_up(self._module.body, tree.body)
            self._tops = tops or []
        return self._tops or None

    def _text_is(self, tokens: Sequence[str], line: int) -> bool:
        """Whether the file's text from the start of `line` is the code of
        `tokens`. The module's last line may lack its newline (libcst adds
        it to the statement's code and drops it from the module's)."""
        if self._line_starts is None:
            self._line_starts = [0] + [m.end() for m in NEWLINE_RE.finditer(self._source)]
        if not 1 <= line <= len(self._line_starts):
            return False
        start, code = self._line_starts[line - 1], "".join(tokens)
        if self._source.startswith(code, start):
            return True
        return (not self._module.has_trailing_newline and bool(tokens)
                and NEWLINE_RE.fullmatch(tokens[-1]) is not None
                and self._source[start:] == code[:len(code) - len(tokens[-1])])


def _line_up(statements: Sequence[cst.BaseStatement],
             twins: Sequence[ast.AST]) -> Optional[List[Tuple[int, ast.AST]]]:
    """(first line, `ast` twin) of each libcst statement of a block, or None
    when the `ast` statements do not line up with them."""
    out, at = [], 0
    for statement in statements:
        if at >= len(twins):
            return None
        twin = twins[at]
        if isinstance(statement, cst.SimpleStatementLine):
            at += len(statement.body)
        elif type(twin).__name__ in _TWINS.get(type(statement), ()):
            at += 1
        else:
            return None
        out.append((twin.lineno, twin))
    return out if at == len(twins) and out else None


def _blocks(statement: cst.BaseStatement, twin: ast.AST):
    """(libcst IndentedBlock, `ast` statements, indentation added around the
    block) of each block of a compound statement and of its `ast` twin
    (already checked to be of its kind): a match statement indents its cases,
    an elif is the If of its twin's orelse."""
    pairs = []
    while True:
        if isinstance(statement, cst.Match):
            if len(statement.cases) == len(twin.cases):
                pairs += [(case.body, case_twin.body, (statement.indent,))
                          for case, case_twin in zip(statement.cases, twin.cases)]
        elif not isinstance(statement, cst.SimpleStatementLine):
            pairs.append((statement.body, twin.body, ()))
        if isinstance(statement, (cst.Try, cst.TryStar)):
            if len(statement.handlers) == len(twin.handlers):
                pairs += [(handler.body, handler_twin.body, ())
                          for handler, handler_twin in zip(statement.handlers, twin.handlers)]
            if statement.finalbody is not None:
                pairs.append((statement.finalbody.body, twin.finalbody, ()))
        orelse = getattr(statement, "orelse", None)
        if isinstance(orelse, cst.Else):
            pairs.append((orelse.body, twin.orelse, ()))
        if not (isinstance(orelse, cst.If) and len(twin.orelse) == 1
                and isinstance(twin.orelse[0], ast.If)):
            break
        statement, twin = orelse, twin.orelse[0]
    return [pair for pair in pairs if isinstance(pair[0], cst.IndentedBlock)]


def _shifted(found: CodeRange, lines: int) -> CodeRange:
    if not lines:
        return found
    return CodeRange(CodePosition(found.start.line + lines, found.start.column),
                     CodePosition(found.end.line + lines, found.end.column))


def _parse(source: str) -> Optional[ast.AST]:
    """The `ast` tree of a source libcst parsed, or None where `ast` refuses
    it (newer syntax, a byte-order mark, nesting too deep)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
