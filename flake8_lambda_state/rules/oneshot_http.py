"""LAM304 (off by default): a one-shot HTTP request per invocation, which
opens a new connection each time. Requests to localhost (Lambda extensions)
are not findings."""
from typing import Iterator

from ..analysis.files import is_local_url, url_argument
from .base import Finding, code_of, per_invocation_calls, where

_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request")
ONE_SHOT = ({f"requests.{verb}" for verb in _VERBS}
            | {f"httpx.{verb}" for verb in _VERBS + ("stream",)}
            | {"urllib.request.urlopen"})


def check(model) -> Iterator[Finding]:
    for unit, reach, site in per_invocation_calls(model):
        names = model.qn.of(site.node.func) & ONE_SHOT
        if names and is_local_url(model, unit, url_argument(
                site.node, 1 if names & {"requests.request", "httpx.request"} else 0)):
            continue  # a Lambda extension on localhost
        if names:
            yield Finding(
                "LAM304", site.node,
                f"{code_of(site.node)} ({sorted(names)[0]}) opens a new connection on every "
                f"invocation {where(reach)}; each call pays DNS, TCP and TLS again; use a "
                f"module-level requests.Session, httpx.Client or urllib3.PoolManager", reach)


_SESSIONS = {"requests": ("Session", "http_session"), "httpx": ("Client", "http_client")}


def fix(finding, model):
    """LAM304 (SPEC autofix, unsafe): the call goes through a module-level
    requests.Session()/httpx.Client(). Unsafe: a session keeps cookies and
    default headers across calls, which a one-shot request does not."""
    import libcst as cst

    from ..fixes import Fix, InsertAfter, Replace
    from ..fixes.placement import (NotHoistable, anchor_for, fresh_name,
                                   identical_module_binding, leading_blank, module_binding)
    call = finding.node
    func = call.func
    names = model.qn.of(func) & ONE_SHOT
    if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)) or \
            func.attr.value == "stream":
        return None
    library = sorted(names)[0].split(".")[0] if names else None
    if library not in _SESSIONS:
        return None
    cls, base = _SESSIONS[library]
    session = cst.Call(func=cst.Attribute(func.value, cst.Name(cls)))
    try:
        name = identical_module_binding(model, session)
        edits = ()
        if name is None:
            anchor = anchor_for(model, func.value)
            name = fresh_name(model, [base])
            edits = (InsertAfter(anchor, (module_binding(name, session, leading_blank(anchor)),),
                                 binds=(name,)),)
    except NotHoistable:
        return None
    new = call.with_changes(func=func.with_changes(value=cst.Name(name)))
    return Fix(f"send it through the module-level {library}.{cls}() {name}", False,
               (Replace(call, new), *edits))
