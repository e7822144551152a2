"""What a rule produces, and the wording shared by the messages."""
from dataclasses import dataclass, field
from typing import Optional

import libcst as cst

from ..analysis.names import node_text
from ..analysis.reachability import Reach


@dataclass(eq=False)
class Finding:
    code: str
    node: cst.CSTNode
    message: str                    # text after the code
    reach: Optional[Reach] = None
    line: int = 0
    col: int = 0                    # 0-based, as flake8 wants it
    end_line: int = 0
    end_col: int = 0
    extra: dict = field(default_factory=dict)   # data for autofixes

    @property
    def text(self) -> str:
        return f"{self.code} {self.message}"

    @property
    def handler(self) -> str:
        return self.reach.handler.name if self.reach else ""

    @property
    def call_path(self) -> str:
        return self.reach.describe() if self.reach else ""


def where(reach: Optional[Reach]) -> str:
    """`in handler 'lambda_handler'`, or with the call path to a helper:
    `in handler 'lambda_handler' via lambda_handler -> save -> _put`."""
    if reach is None:
        return "at module level"
    here = f"in {reach.handler.kind} '{reach.handler.name}'"
    if reach.others:
        here += f" (and {reach.others} other handler{'s' if reach.others > 1 else ''})"
    return here if len(reach.path) == 1 else f"{here} via {reach.describe()}"


def code_of(node: cst.CSTNode, limit: int = 60) -> str:
    text = " ".join(node_text(node).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def per_invocation_calls(model):
    """(unit, reach, call site) for every call that runs on each invocation:
    in hot code (not only through a memoized function or guard) and not
    itself under a memoization guard."""
    from ..analysis.reachability import is_memo_guarded
    for unit, reach in model.hot():
        for site in unit.facts.calls:
            if not is_memo_guarded(site.guards, unit, model.symbols):
                yield unit, reach, site
