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
