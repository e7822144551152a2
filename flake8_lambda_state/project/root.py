"""Where a project starts (SPEC Core 7): the nearest ancestor folder of a file
that holds a version-control folder, packaging metadata or a deployment
template. The project index, baselines and the cache folder all use it."""
import os
from functools import lru_cache
from typing import Optional

ROOT_MARKERS = (
    ".git", "pyproject.toml", "setup.cfg", "setup.py", "template.yaml", "template.yml",
    "template.json", "serverless.yml", "serverless.yaml", "samconfig.toml", "cdk.json",
)


@lru_cache(maxsize=1024)
def _root_of_folder(folder: str) -> Optional[str]:
    if any(os.path.exists(os.path.join(folder, marker)) for marker in ROOT_MARKERS):
        return folder
    parent = os.path.dirname(folder)
    return None if parent == folder else _root_of_folder(parent)


def find_project_root(path: str) -> Optional[str]:
    """The absolute project root of a file or folder, or None outside any project."""
    path = os.path.abspath(path)
    folder = path if os.path.isdir(path) else os.path.dirname(path)
    return _root_of_folder(folder)


def clear_root_cache():
    _root_of_folder.cache_clear()
