"""A long module parsed by libcst a run of top-level statements at a time.

libcst's native parser holds its whole intermediate state until the Python
tree is built: on a 10,000-line module it took 150 MiB that the process
kept (its peak RSS), for a tree of about 16, and its time per line grows
with the input (62 us per line at 2,000 lines, 74 at 10,000). Parsed in runs
of about CHUNK_LINES lines, the same module costs 16 MiB and 48 us per line.

The runs are cut where a top-level statement starts on a line of its own
(the `ast` tree says where) and the lines before it, back to the previous
statement, are empty or comments at column 0 (libcst does not give back an
indented blank line at the end of its input). They are joined into the
Module the whole parse gives: the blank and comment lines at the end of a
run (its Module footer) are the leading lines of the next run's first
statement, as libcst assigns them; the default indentation is that of the
first run with an indented block. A module whose runs disagree on it (mixed
indentation), or a run that does not parse alone, is parsed whole.
tests/test_chunks.py compares both parses node for node on the fixtures and
this package, cut before every statement; 3,143 files of real repositories
and the standard library agreed the same way when this was written."""
import ast
import re
from typing import List, Optional

import libcst as cst

CHUNK_FROM_LINES = 1_000    # shorter modules are parsed whole
CHUNK_LINES = 200           # lines per run, at least

_LINE_END = re.compile(r"\r\n|\r|\n")   # the tokenizer's line ends (not str.splitlines')


def parse_in_chunks(source: str, tree: Optional[ast.AST]) -> Optional[cst.Module]:
    """The libcst Module of `source`, parsed in runs, or None when the
    module is short or cannot be cut or joined safely."""
    if not isinstance(tree, ast.Module) or len(tree.body) < 2:
        return None
    starts = [0] + [m.end() for m in _LINE_END.finditer(source)]   # offset of each line
    if len(starts) < CHUNK_FROM_LINES:
        return None
    cuts = _cut_lines(tree, source, starts)
    if not cuts:
        return None
    offsets = [0] + [starts[line - 1] for line in cuts] + [len(source)]
    try:
        parts = [cst.parse_module(source[a:b]) for a, b in zip(offsets, offsets[1:])]
    except (cst.ParserSyntaxError, RecursionError):
        return None
    return _joined(parts)


def _cut_lines(tree: ast.Module, source: str, starts: List[int]) -> List[int]:
    """1-based lines where a run starts: a top-level statement (its first
    decorator) on a line after the previous statement's last, with only
    empty lines and column-0 comments between, at least CHUNK_LINES after
    the previous cut."""
    cuts: List[int] = []
    last = 1
    previous_end = 0
    for stmt in tree.body:
        first = min([stmt.lineno] + [d.lineno for d in getattr(stmt, "decorator_list", ())])
        end = getattr(stmt, "end_lineno", None)
        if end is None:
            return []
        if previous_end and first > previous_end and first - last >= CHUNK_LINES and all(
                _plain_gap_line(source, starts, line) for line in range(previous_end + 1, first)):
            cuts.append(first)
            last = first
        previous_end = max(previous_end, end)
    return cuts


def _plain_gap_line(source: str, starts: List[int], line: int) -> bool:
    """Line `line` (1-based) is empty or a comment starting at column 0."""
    start = starts[line - 1]
    return source.startswith("#", start) or source[start:start + 1] in ("\n", "\r")


def _joined(parts: List[cst.Module]) -> Optional[cst.Module]:
    indents = {part.default_indent for part in parts
               if any(isinstance(getattr(stmt, "body", None), cst.IndentedBlock)
                      for stmt in part.body)}
    if len(indents) > 1:
        return None
    body: List[cst.BaseStatement] = list(parts[0].body)
    for before, part in zip(parts, parts[1:]):
        if not part.body or part.header:
            return None
        first = part.body[0]
        carried = list(before.footer) + list(first.leading_lines)
        body += [first.with_changes(leading_lines=carried), *part.body[1:]]
    first = parts[0]
    return first.with_changes(body=body, footer=parts[-1].footer,
                              default_indent=next(iter(indents), first.default_indent),
                              has_trailing_newline=parts[-1].has_trailing_newline)
