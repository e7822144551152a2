"""How Lambda runs each handler of the project (SPEC "Snapshots and
concurrent processes"): with SnapStart (a template, a CDK construct with
`snap_start=`, an import of snapshot_restore_py in its module, or
--lambda-snapstart) or on Managed Instances (a template's capacity provider,
or --lambda-managed-instances). Read from the module summaries, so a helper
module learns that a SnapStart handler elsewhere imports and reaches it."""
import os
from typing import Dict, Iterable, Set, Tuple

from ..settings import ALL_FUNCTIONS
from ..templates import SNAPSTART, resolve_handler
from ..vocabulary import SNAPSHOT_MODULE


def imports_snapshot_restore(imports: Dict[str, list]) -> bool:
    """A summary's imports (local -> [module, name, level]) include snapshot_restore_py."""
    return any(level == 0 and module.split(".")[0] == SNAPSHOT_MODULE
               for module, _name, level in imports.values())


def _cdk_base(path: str, root) -> str:
    """The folder `cdk synth` runs in: the nearest one above the CDK file that
    holds cdk.json (asset paths are relative to it), else the file's folder."""
    folder = os.path.dirname(path)
    while True:
        if os.path.isfile(os.path.join(folder, "cdk.json")):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder or (root and not parent.startswith(root)):
            return os.path.dirname(path)
        folder = parent


def cdk_snapstart(summaries: Dict[str, dict], root) -> Set[Tuple[str, str]]:
    """(file, function) of every handler a CDK construct of the project
    deploys with `snap_start=`."""
    out = set()
    for path, summary in summaries.items():
        for handler, folder in summary.get("snapstart_constructs", ()):
            found = resolve_handler(_cdk_base(path, root), folder, handler)
            if found:
                out.add(found)
    return out


class Deployment:
    """Which handlers of the project run with a feature (templates.SNAPSTART
    or templates.MANAGED_INSTANCES)."""

    def __init__(self, summaries: Dict[str, dict], root, settings):
        self.summaries = summaries
        self.settings = settings
        self.cdk = cdk_snapstart(summaries, root)

    def runs_with(self, path: str, function: str, feature: str) -> bool:
        declared = self.settings.run_with(path, feature)
        if ALL_FUNCTIONS in declared or function in declared:
            return True
        if feature != SNAPSTART:
            return False
        return (path, function) in self.cdk or imports_snapshot_restore(
            self.summaries.get(path, {}).get("imports", {}))

    def mask(self, handlers: Iterable[Tuple[str, str]], feature: str) -> int:
        """Bit i set when handler i (path, function) runs with the feature."""
        return sum(1 << i for i, (path, function) in enumerate(handlers)
                   if self.runs_with(path, function, feature))
