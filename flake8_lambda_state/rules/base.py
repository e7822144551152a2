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
    fix: Optional[object] = None    # fixes.Fix, built only when fixes are asked for

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


_CLOSERS = {"(": ")", "[": "]", "{": "}"}


def code_of(node: cst.CSTNode, limit: int = 60) -> str:
    """The node's source on one line, shortened to at most `limit` characters
    after an opening bracket or a comma: never inside a string, and with its
    brackets closed (`requests.post(URL, ...)`)."""
    text = " ".join(node_text(node).split())
    return text if len(text) <= limit else shorten(text, limit)


def shorten(text: str, limit: int) -> str:
    import io
    import tokenize
    fstring_start = getattr(tokenize, "FSTRING_START", None)
    fstring_end = getattr(tokenize, "FSTRING_END", None)
    cut, cut_stack, stack, depth = 0, [], [], 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type in (tokenize.NEWLINE, tokenize.NL, tokenize.ENDMARKER):
                break
            end = token.end[1]
            if token.type == fstring_start:
                depth += 1
            elif token.type == fstring_end:
                depth -= 1
            elif depth == 0 and token.type == tokenize.OP:
                if token.string in _CLOSERS:
                    stack.append(_CLOSERS[token.string])
                elif stack and token.string == stack[-1]:
                    stack.pop()
            if depth or not (token.type == tokenize.OP and token.string in "([{,"):
                continue                # cut after an opening bracket or a comma only
            closing = "".join(reversed(stack))
            if end + 4 + len(closing) > limit:
                break
            cut, cut_stack = end, list(stack)
    except (tokenize.TokenError, SyntaxError):   # an unfinished fragment: keep what was cut
        pass
    if cut == 0:
        return "..."
    kept = text[:cut].rstrip()
    joiner = "" if kept.endswith(tuple("([{.")) else " "
    return f"{kept}{joiner}...{''.join(reversed(cut_stack))}"


def per_invocation_calls(model):
    """(unit, reach, call site) for every call that runs on each invocation:
    in hot code (not only through a memoized function or guard) and not
    itself under a memoization guard."""
    from ..analysis.reachability import is_memo_guarded
    for unit, reach in model.hot():
        for site in unit.facts.calls:
            if not is_memo_guarded(site.guards, unit, model.symbols):
                yield unit, reach, site
