"""LAM501 and LAM502: init code of a SnapStart function keeps a value that
must be unique per execution environment, or a connection, in module state;
every environment restored from the snapshot shares the value or gets the
connection's dead socket."""
from typing import Iterator, Tuple

from ..analysis.clients import connects_when_built
from ..analysis.snapshots import InitValue, unique_value_kind
from .base import Finding, code_of

HOOK = "a @register_after_restore hook (snapshot_restore_py)"
SHARED = {
    "unique": "the same value",
    "random state": "the same random sequence",
    "timestamp": "the same timestamp, frozen at snapshot time",
}


def stale_unique_values(model) -> Iterator[Tuple[InitValue, str]]:
    """(value, kind) for each uniqueness-sensitive value init keeps that no
    after-restore hook and no invocation recomputes (LAM501's findings, also
    the set its fix's hook rebinds)."""
    snapshots = model.snapshots
    if snapshots.snapstart_handler is None:
        return
    refreshed = snapshots.refreshed(("after",))
    for value in snapshots.init_values():
        kind = unique_value_kind(model.qn.of(value.site.node.func))
        root = value.kept_in.split(".")[0]
        if kind is None or value.kept_in in refreshed or root in refreshed \
                or snapshots.recomputed_per_invocation(root):
            continue
        yield value, kind


def check(model) -> Iterator[Finding]:
    snapshots = model.snapshots
    handler = snapshots.snapstart_handler
    if handler is None:
        return
    for value, kind in stale_unique_values(model):
        call, name = value.site.node, value.kept_in
        what = f"seeds '{name}' at init" if value.site.discarded else \
            f"runs at init and its result is kept in '{name}'"
        yield Finding(
            "LAM501", call,
            f"{code_of(call)} {what} of SnapStart function '{handler}'; every execution "
            f"environment restored from the snapshot gets {SHARED[kind]}; compute it in the "
            f"handler or again in {HOOK}", extra={"value": value})
    reopened = snapshots.refreshed(("after", "before"))
    for value in snapshots.init_values():
        call = value.site.node
        name = value.kept_in
        root = name.split(".")[0]
        if unique_value_kind(model.qn.of(call.func)) is not None:
            continue
        factory = model.clients.factory_of(call, value.unit)
        if factory is None or not connects_when_built(factory):
            continue
        if name in reopened or root in reopened or snapshots.reconnects_on_use(root):
            continue
        yield Finding(
            "LAM502", call,
            f"{code_of(call)} opens a connection ({factory}) at init and keeps it in '{name}' of "
            f"SnapStart function '{handler}'; environments restored from the snapshot get its dead "
            f"socket (SDK clients reconnect by themselves, database and broker connections do "
            f"not); re-open it in {HOOK}, or reconnect on use")


def fix(finding, model):
    """LAM501 (SPEC autofix): recompute the value in an after-restore hook."""
    from ..fixes.after_restore import recompute_after_restore
    return recompute_after_restore(model, finding.extra["value"],
                                   [value for value, _kind in stale_unique_values(model)])
