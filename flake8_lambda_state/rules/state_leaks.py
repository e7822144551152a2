"""LAM101, LAM102, LAM104, LAM201: writes into module state, one finding per
site, the most specific code winning (SPEC "Rules"):
request-derived key into an unbounded container -> LAM104; request data as
the value -> LAM201; else LAM102 (mutation) or LAM101 (rebinding), except
the memoization idioms."""
from typing import Iterator

from ..analysis.dataflow import SENSITIVE
from ..analysis.names import string_value
from ..analysis.state_writes import METHOD, REBIND, SUBSCRIPT, StateWrite, memo_guarded
from .base import Finding, code_of, where

CODES = ("LAM101", "LAM102", "LAM104", "LAM201")


def check(model) -> Iterator[Finding]:
    writes = model.state_writes
    flow = model.flow
    for w in writes.writes:
        if w.empties:
            continue  # rebinding to an empty container evicts everything (a flush)
        if w.evicts:
            if writes.is_request_keyed(w.container):
                continue  # evicting from a request-keyed cache is what bounds it
            yield _finding("LAM102", w, f"{code_of(w.node)} mutates module-level '{w.container}' "
                           f"{where(w.reach)}; the change carries over to the next warm "
                           f"invocation; build the object per invocation instead")
            continue
        if w.key is not None and flow.is_request(w.key, w.unit) and not writes.is_bounded(w.container):
            yield _finding("LAM104", w, f"module-level '{w.container}' grows with the request-derived "
                           f"key {code_of(w.key, 40)} {where(w.reach)} and is never evicted; memory "
                           f"grows with every distinct key until the container dies; use "
                           f"functools.lru_cache(maxsize=N) or a cachetools cache with a maxsize")
            continue
        level = flow.level(w.value, w.unit) if w.value is not None else 0
        if level:
            sensitive = (level >= SENSITIVE or flow.sensitive(w.container.rsplit(".", 1)[-1])
                         or flow.sensitive(string_value(w.key)))
            kind = "sensitive request data" if sensitive else "request data"
            factories = model.clients.built_by(w.value, w.unit, through_calls=True)
            if factories:
                # A local would only trade this for a LAM301: cache per argument set.
                advice = (f"the client ({sorted(factories)[0]}) is built from the first caller's "
                          f"arguments and then serves every later caller; keep one client per "
                          f"argument set in a cache keyed on those arguments (a getter with "
                          f"functools.lru_cache(maxsize=N) taking, e.g., the endpoint)")
            else:
                advice = ("the next caller served by this warm container can read it; keep it in "
                          "a local or pass it as an argument")
            yield _finding("LAM201", w, f"{kind} ({code_of(w.value, 40)}) is stored in module state "
                           f"'{w.container}' {where(w.reach)}; {advice}", sensitive=sensitive)
            continue
        if memo_guarded(w, model):
            continue
        if w.thread_local:
            continue  # a per-invocation reset of a threading.local() attribute
        if w.form == REBIND:
            yield _finding("LAM101", w, f"module global '{w.container}' is rebound "
                           f"{where(w.reach)}; "
                           f"the value survives into the next warm invocation; keep per-request "
                           f"values local (a value built once belongs under "
                           f"`if {w.container} is None:`)")
        else:
            what = f".{w.method}()" if w.form == METHOD else (
                "item assignment" if w.form == SUBSCRIPT else "attribute assignment")
            yield _finding("LAM102", w, f"module-level '{w.container}' is mutated in place ({what}) "
                           f"{where(w.reach)}; the change accumulates across warm invocations; "
                           f"build the object per invocation or keep it read-only")


def _finding(code: str, write: StateWrite, message: str, **extra) -> Finding:
    return Finding(code, write.node, message, write.reach, extra={"write": write, **extra})


def fix(finding, model):
    """LAM101/LAM201 (SPEC autofix): the rebound global becomes a local of
    the function, where the spec allows it (fixes/make_local.py). Safe for a
    private name (`_last`); unsafe for a public one, which another module
    may import."""
    from ..analysis.state_writes import REBIND as rebind
    from ..fixes.make_local import make_local
    write = finding.extra.get("write")
    if write is None or write.form != rebind or "." in write.container or \
            not write.unit.is_function or write.container not in write.unit.facts.global_names:
        return None
    return make_local(model, write.unit, write.container)
