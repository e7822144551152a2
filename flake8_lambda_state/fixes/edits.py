"""A fix and its edits. Edits name nodes of the analysed module by identity
(the model parses with `unsafe_skip_copy`, so the nodes a rule reports are
the nodes of the tree the applier rewrites)."""
from dataclasses import dataclass, field
from typing import Optional, Tuple

import libcst as cst


@dataclass(frozen=True, eq=False)
class Replace:
    node: cst.CSTNode
    new: cst.CSTNode


@dataclass(frozen=True, eq=False)
class Remove:
    """Remove a statement (its leading comment lines go with it)."""
    node: cst.BaseStatement


@dataclass(frozen=True, eq=False)
class InsertBefore:
    anchor: cst.BaseStatement
    statements: Tuple[cst.BaseStatement, ...]
    binds: Tuple[str, ...] = ()     # names the statements bind (two fixes may not both bind one)


@dataclass(frozen=True, eq=False)
class InsertAfter:
    anchor: cst.BaseStatement
    statements: Tuple[cst.BaseStatement, ...]
    binds: Tuple[str, ...] = ()


@dataclass(frozen=True)
class AddImport:
    """`import module` or `from module import name`, through libcst's
    AddImportsVisitor (nothing is added when the file already has it)."""
    module: str
    name: Optional[str] = None


@dataclass(eq=False)
class Fix:
    title: str                       # what the fix does, for reports ("move s3 client to module scope")
    safe: bool                       # safe fixes are applied by `fix`; unsafe ones need --unsafe-fixes
    edits: tuple = field(default_factory=tuple)
