"""Deterministic handler-shaped Python for the benchmarks: modules full of
helpers that touch module state, build clients and read the event, called
from Lambda handlers. The same arguments always give the same text, so runs
on different days measure the same code.

`module(lines, reachable=True)`: every helper is called by a handler (each
`route_N_handler` calls twenty). `reachable=False`: one `lambda_handler`
calls the first helper only, the rest are never called (what a handler
module full of dead code or of functions for other entry points looks like)."""
import os

HEADER = '''"""Generated handler module (benchmarks/handler_code.py)."""
import json
import os

import boto3

CACHE = {}
SEEN = set()
TABLE_NAME = os.environ.get("TABLE_NAME", "orders")


'''

# Four helper shapes, used in turn: module-state writes, a client built per
# call, request data kept in a global, an ordinary pure function.
HELPERS = (
    '''def helper_{i}(event, table=None):
    key = event.get("id_{i}")
    CACHE[key] = event
    items = []
    for record in event.get("Records", []):
        items.append(json.dumps(record))
    if key in SEEN:
        return None
    SEEN.add(key)
    return items


''',
    '''def helper_{i}(event, table=None):
    client = boto3.client("s3")
    bucket = os.environ["BUCKET_{i}"]
    body = json.dumps(event.get("detail", {{}}))
    client.put_object(Bucket=bucket, Key="k{i}", Body=body)
    return len(body)


''',
    '''def helper_{i}(event, table=None):
    global LAST_{i}
    LAST_{i} = event.get("headers", {{}}).get("authorization")
    resource = boto3.resource("dynamodb").Table(table or TABLE_NAME)
    resource.put_item(Item={{"pk": "{i}", "token": LAST_{i}}})
    return resource


''',
    '''def helper_{i}(event, table=None):
    total = 0
    for n, value in enumerate(event.get("values", [])):
        if n % 2:
            total += int(value)
        else:
            total -= int(value)
    return total


''',
)
GROUP = 20     # helpers per route handler when every helper is reachable


def module(lines: int, reachable: bool = True) -> str:
    """A module of about `lines` lines (never fewer)."""
    parts, count, i = [HEADER], HEADER.count("\n"), 0
    while count < lines:
        helper = HELPERS[i % len(HELPERS)].format(i=i)
        parts.append(helper)
        count += helper.count("\n")
        i += 1
        if reachable and i % GROUP == 0:
            count += _route(parts, i - GROUP, i)
    if reachable and i % GROUP:
        _route(parts, i - i % GROUP, i)
    if not reachable:
        parts.append("def lambda_handler(event, context):\n    return helper_0(event)\n")
    return "".join(parts).rstrip("\n") + "\n"


def _route(parts: list, start: int, stop: int) -> int:
    calls = "".join(f"    results.append(helper_{n}(event))\n" for n in range(start, stop))
    text = (f"def route_{start // GROUP}_handler(event, context):\n    results = []\n"
            f"{calls}    return results\n\n\n")
    parts.append(text)
    return text.count("\n")


def project(folder: str, files: int, lines: int, reachable: bool = True) -> str:
    """Write a project of `files` modules of about `lines` lines in all into
    `folder` (with a pyproject.toml, so the project root is `folder`);
    returns `folder`."""
    os.makedirs(os.path.join(folder, "handlers"), exist_ok=True)
    with open(os.path.join(folder, "pyproject.toml"), "w", encoding="utf-8") as fh:
        fh.write("[project]\nname = 'generated-handlers'\n")
    for n in range(files):
        path = os.path.join(folder, "handlers", f"h{n:03d}.py")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(module(lines // files, reachable))
    return folder
