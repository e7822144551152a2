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
