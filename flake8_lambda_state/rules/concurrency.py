"""LAM503: a fixed /tmp path written per invocation in a Managed Instances
function, whose concurrent requests run in processes that share /tmp."""
from typing import Iterator

from ..analysis.files import TmpPaths
from ..analysis.reachability import is_memo_guarded
from .base import Finding, code_of, where
from .tmp_files import tmp_writes


def check(model) -> Iterator[Finding]:
    snapshots = model.snapshots
    for unit, reach in model.hot():
        handler = snapshots.managed_handler(unit)
        if handler is None:
            continue
        paths = TmpPaths(model, unit)
        guarded = {id(site.node) for site in unit.facts.calls
                   if is_memo_guarded(site.guards, unit, model.symbols)}
        for write in tmp_writes(model, unit, paths):
            if id(write.node) in guarded or snapshots.unique_path(write.path, unit):
                continue
            yield Finding(
                "LAM503", write.node,
                f"{code_of(write.node)} writes a fixed /tmp path {where(reach)}, a Managed "
                f"Instances function; concurrent requests in other processes share /tmp and "
                f"overwrite it; put context.aws_request_id, a uuid or os.getpid() in the path, "
                f"or use tempfile.NamedTemporaryFile/TemporaryDirectory", reach)
