"""LAM301: an SDK client, session, connection or pool created on every
invocation."""
from typing import Iterator

import libcst as cst

from ..analysis.clients import connects_when_built
from .base import Finding, code_of, per_invocation_calls, where


def _arguments(call: cst.Call):
    """Arguments of the call and of the calls it is chained on
    (`boto3.Session(region_name=r).client("s3")`)."""
    while isinstance(call, cst.Call):
        yield from (a.value for a in call.args)
        func = call.func
        call = func.value if isinstance(func, cst.Attribute) else None


def check(model) -> Iterator[Finding]:
    clients = model.clients
    chained = set()
    for unit, reach, site in per_invocation_calls(model):
        call = site.node
        if id(call) in chained:
            continue
        factory = clients.factory_of(call, unit)
        if factory is None:
            continue
        func = call.func
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Call):
            chained.add(id(func.value))  # Session().client() is one finding
        arguments = list(_arguments(call))
        constant = all(model.flow.is_constant(arg, unit) for arg in arguments)
        if any(model.flow.is_request(arg, unit) for arg in arguments):
            advice = ("its arguments depend on the request: build it in a getter memoized on "
                      "those arguments (functools.lru_cache)")
        elif connects_when_built(factory):
            advice = ("open it once in a functools.cache getter" + (
                " (its arguments are init-time constants)" if constant else ""))
        elif constant:
            advice = "its arguments are init-time constants: create it once at module scope"
        else:
            advice = "create it once at module scope or in a functools.cache getter"
        sites = clients.wrapper_call_sites(unit) if unit.is_function else 0
        if sites and clients.returned_by(call, unit):
            advice = (f"{unit.key}() returns a new {factory} on each call and is called on every "
                      f"invocation from {sites} call site{'s' if sites != 1 else ''}; memoize it "
                      f"with functools.cache or create the clients at module scope")
        yield Finding(
            "LAM301", call,
            f"{code_of(call)} creates a client or connection ({factory}) on every invocation "
            f"{where(reach)}; it repeats TLS setup, credential lookup or login each time; {advice}",
            reach, extra={"factory": factory, "constant": constant, "unit": unit})


# --- the fix ---------------------------------------------------------------
# Clients that do no I/O when built: safe to build once at import.
# (httpx.AsyncClient is left out: it is bound to the event loop that first
# uses it, and a handler running asyncio.run gets a new loop each time.)
BUILT_WITHOUT_IO = frozenset({
    "boto3.client", "boto3.resource", "boto3.Session", "boto3.session.Session",
    "boto3.Session().client", "boto3.Session().resource",
    "boto3.session.Session().client", "boto3.session.Session().resource",
    "requests.Session", "requests.session", "requests.sessions.Session", "httpx.Client",
})
CLOSERS = frozenset({"close", "dispose", "shutdown"})


def _base_names(model, unit, call, factory: str):
    """Candidate module names: the service's (`s3_client`), else the kind's."""
    from ..fixes.hoist import local_name_of
    service = model.clients.service_of(call, unit)
    names = []
    if service:
        kind = "resource" if factory.endswith("resource") else "client"
        names.append(f"{service.replace('-', '_')}_{kind}")
    local = local_name_of(unit, call)
    if local:
        names.append(local)
    names.append({"boto3.Session": "boto3_session", "boto3.session.Session": "boto3_session",
                  "requests.Session": "http_session", "requests.session": "http_session",
                  "requests.sessions.Session": "http_session",
                  "httpx.Client": "http_client"}.get(factory, "client"))
    return names


def _closed_in(model, unit, name) -> bool:
    """The function closes the local it binds the connection to, or opens a
    `with` block on it."""
    for site in unit.facts.calls:
        func = site.node.func
        if isinstance(func, cst.Attribute) and func.attr.value in CLOSERS and \
                isinstance(func.value, cst.Name) and func.value.value == name:
            return True
    return any(isinstance(item.item, cst.Name) and item.item.value == name
               for with_node in unit.facts.withs for item in with_node.items)


def _environment_written(model) -> bool:
    """Reachable code writes os.environ (assumed-role credentials, a region):
    a client built after that is not the client built at import."""
    from .environment import env_writes
    return any(True for unit, _reach in model.reachable() for _ in env_writes(model, unit))


def fix(finding, model):
    """LAM301 (SPEC autofix): a no-I/O client with init-time-constant
    arguments moves to module scope; a connecting factory becomes a
    functools.cache getter; a project wrapper that returns a new client gets
    @functools.cache when every call site passes hashable constants."""
    from ..fixes import Fix
    from ..fixes.hoist import cached_getter, call_site, hoist_value, local_name_of
    from ..fixes.placement import NotHoistable
    from ..fixes.memoize import cache_wrapper
    call, unit, factory = finding.node, finding.extra["unit"], finding.extra["factory"]
    clients = model.clients
    if unit.is_function and clients.wrapper_call_sites(unit) and clients.returned_by(call, unit):
        return cache_wrapper(model, unit, call)
    site = call_site(unit, call)
    if site is None or site.with_item is not None or site.awaited:
        return None
    if not finding.extra["constant"]:
        return _request_keyed(model, unit, call, factory)
    try:
        if factory in BUILT_WITHOUT_IO and factory.startswith("boto3") and _environment_written(model):
            return None     # the client reads credentials and region from os.environ when built
        if factory in BUILT_WITHOUT_IO:
            edits, name = hoist_value(model, unit, call, _base_names(model, unit, call, factory))
            return Fix(f"create {code_of(call, 40)} once at module scope as {name}", True, edits)
        if connects_when_built(factory):
            local = local_name_of(unit, call)
            if local is not None and _closed_in(model, unit, local):
                return None
            bases = [f"get_{local}" if local else "get_connection", "get_connection"]
            edits, name = cached_getter(model, call, bases)
            return Fix(f"open {code_of(call, 40)} once, in the functools.cache getter {name}()",
                       True, edits)
    except NotHoistable:
        return None
    return None


def _request_keyed(model, unit, call, factory):
    """A no-I/O client built from request data: a functools.lru_cache getter
    keyed on those arguments. Unsafe: invocations with the same arguments
    now share one client (a session's cookies, handlers registered on it)."""
    from ..fixes import Fix
    from ..fixes.hoist import local_name_of
    from ..fixes.memoize import request_keyed_getter
    from ..fixes.placement import NotHoistable
    if factory not in BUILT_WITHOUT_IO or \
            not any(model.flow.is_request(arg.value, unit) for arg in call.args):
        return None
    local = local_name_of(unit, call)
    if local is not None and _closed_in(model, unit, local):
        return None     # closing a cached client breaks the next invocation with those arguments
    if factory.startswith("boto3") and _environment_written(model):
        return None
    names = _base_names(model, unit, call, factory)      # the service's name first, the kind's last
    bases = [f"_{names[0] if model.clients.service_of(call, unit) else names[-1]}", "_get_client"]
    try:
        edits, name = request_keyed_getter(model, unit, call, bases)
    except NotHoistable:
        return None
    return Fix(f"build {code_of(call, 40)} in {name}(), a functools.lru_cache getter keyed on its "
               f"request arguments", False, edits)
