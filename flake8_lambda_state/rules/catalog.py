"""Every LAM code: its one-line summary, why it matters, the fix, and a bad
and a good example; for the rules with an autofix, the bad example as
`flake8-lambda-state fix --unsafe-fixes` leaves it (`fixed`) and when the fix
is safe (`fix_safety`). The README's rule table is checked against this
table by the tests, so the two cannot drift apart; tests/test_catalog_examples.py
fixes each bad example and compares it with `fixed`."""
from dataclasses import dataclass
from typing import Dict


@dataclass(frozen=True)
class RuleInfo:
    code: str
    summary: str
    why: str
    fix: str
    bad: str
    good: str
    default_on: bool = True
    fixable: bool = False
    fixed: str = ""             # the bad example after `fix --unsafe-fixes`
    fix_safety: str = ""        # when the fix is safe, and why not otherwise


_RULES = [
    RuleInfo(
        "LAM101", "handler-reachable code rebinds a module global",
        "the new value survives into the next warm invocation of the same container",
        "keep per-request values in locals; memoize one-time values under `if _x is None:`",
        "_started = None\n\ndef handler(event, context):\n    global _started\n"
        "    _started = time.time()\n    return {\"started\": _started}\n",
        "def handler(event, context):\n    started = time.time()\n    return {\"started\": started}\n",
        fixable=True,
        fixed="\ndef handler(event, context):\n    _started = time.time()\n"
        "    return {\"started\": _started}\n",
        fix_safety="safe for a private name, when no other code reads or writes the global, its "
        "module value is None or a literal, and the function assigns it before any read (the "
        "last invocation's value is never seen); unsafe for a public name, which another module "
        "may import. `COUNT += 1` (read before written) is not fixed",
    ),
    RuleInfo(
        "LAM102", "handler-reachable code mutates a module-level object in place",
        "the mutation accumulates across warm invocations",
        "build the object per invocation, or make the module object immutable",
        "_stats = {\"calls\": 0}\n\ndef handler(event, context):\n    _stats[\"calls\"] += 1\n",
        "def handler(event, context):\n    stats = {\"calls\": 1}\n    return stats\n",
    ),
    RuleInfo(
        "LAM103", "a reachable function mutates or returns a mutable default argument",
        "the default is one object created at import and shared by every later call",
        "default to None and create the object inside the function",
        "def collect(key, acc=[]):\n    acc.append(key)\n    return acc\n\n"
        "def handler(event, context):\n    return collect(event[\"key\"])\n",
        "def collect(key, acc=None):\n    if acc is None:\n        acc = []\n    acc.append(key)\n"
        "    return acc\n\ndef handler(event, context):\n    return collect(event[\"key\"])\n",
        fixable=True,
        fixed="def collect(key, acc=None):\n    if acc is None:\n        acc = []\n    acc.append(key)\n"
        "    return acc\n\ndef handler(event, context):\n    return collect(event[\"key\"])\n",
        fix_safety="safe: a caller that passed None before got an AttributeError; an annotation "
        "becomes Optional[...] (or `X | None` where the file writes that)",
    ),
    RuleInfo(
        "LAM104", "a module-level cache grows with request-derived keys and is never evicted",
        "every distinct key stays in memory until the container runs out of it",
        "use functools.lru_cache(maxsize=N) or a cachetools cache with a maxsize, or evict "
        "(pop, clear, or rebind it to an empty container on every invocation)",
        "_users = {}\n\ndef handler(event, context):\n    uid = event[\"userId\"]\n"
        "    if uid not in _users:\n        _users[uid] = load(uid)\n    return _users[uid]\n",
        "@functools.lru_cache(maxsize=256)\ndef load_user(uid):\n    return load(uid)\n\n"
        "def handler(event, context):\n    return load_user(event[\"userId\"])\n",
    ),
    RuleInfo(
        "LAM201", "request data is stored in module state",
        "the next caller served by the same warm container can read it (the credit-card bug)",
        "keep request data in locals or a per-request object passed as an argument",
        "LAST_CARD = None\n\ndef handler(event, context):\n    global LAST_CARD\n"
        "    LAST_CARD = event[\"card_number\"]\n",
        "def handler(event, context):\n    card = event[\"card_number\"]\n    return charge(card)\n",
        fixable=True,
        fixed="\ndef handler(event, context):\n    LAST_CARD = event[\"card_number\"]\n",
        fix_safety="as LAM101: the global becomes a local where nothing else uses it",
    ),
    RuleInfo(
        "LAM202", "request data is written to the process environment",
        "os.environ outlives the invocation and is read by every later one",
        "pass the value as an argument instead of through os.environ",
        "def handler(event, context):\n    os.environ[\"TZ\"] = event[\"timezone\"]\n",
        "def handler(event, context):\n    tz = zoneinfo.ZoneInfo(event[\"timezone\"])\n",
    ),
    RuleInfo(
        "LAM203", "a /tmp file holding request data is written and never removed",
        "/tmp is kept between invocations: the next caller can read the file and /tmp fills up",
        "use tempfile.TemporaryDirectory()/NamedTemporaryFile(), remove the file in a finally, "
        "or wipe its folder earlier in the invocation (`shutil.rmtree`, `rm -rf /tmp/*`)",
        "def handler(event, context):\n    path = f\"/tmp/{event['name']}\"\n"
        "    with open(path, \"wb\") as fh:\n        fh.write(body)\n",
        "def handler(event, context):\n    with tempfile.TemporaryDirectory() as tmp:\n"
        "        path = os.path.join(tmp, \"upload\")\n        ...\n",
    ),
    RuleInfo(
        "LAM204", "module code overrides or removes a variable the Lambda runtime reserves",
        "the runtime and the SDKs read these (region, credentials, trace id); overriding "
        "them breaks signing, tracing or the runtime API",
        "use your own variable name or pass the value to the client (region_name=...)",
        "os.environ[\"AWS_REGION\"] = \"eu-central-1\"\ns3 = boto3.client(\"s3\")\n\n"
        "def handler(event, context):\n    ...\n",
        "s3 = boto3.client(\"s3\", region_name=os.environ.get(\"TILES_REGION\", \"eu-central-1\"))\n\n"
        "def handler(event, context):\n    ...\n",
    ),
    RuleInfo(
        "LAM205", "request data is appended to a module-level Powertools Logger's keys",
        "appended keys stay on the logger and are printed in the next invocations' logs "
        "(an append_keys at the top of the handler, before any log line, overwrites them "
        "every time and is not a finding)",
        "pass clear_state=True to inject_lambda_context, or remove_keys in a finally",
        "@logger.inject_lambda_context\ndef handler(event, context):\n"
        "    logger.info(\"received\")\n    if \"user\" in event:\n"
        "        logger.append_keys(user=event[\"user\"])\n",
        "@logger.inject_lambda_context(clear_state=True)\ndef handler(event, context):\n"
        "    logger.append_keys(user=event[\"user\"])\n",
        fixable=True,
        fixed="@logger.inject_lambda_context(clear_state=True)\ndef handler(event, context):\n"
        "    logger.info(\"received\")\n    if \"user\" in event:\n"
        "        logger.append_keys(user=event[\"user\"])\n",
        fix_safety="safe, unless init code appends keys to the logger (clearing the state drops "
        "them from the second invocation on): then unsafe",
    ),
    RuleInfo(
        "LAM301", "an SDK client, session, connection or pool is created per invocation",
        "building it costs TLS handshakes, credential lookups or a database login on every "
        "invocation instead of once per container",
        "create it at module scope (AWS best practice) or in a functools.cache getter",
        "def handler(event, context):\n    s3 = boto3.client(\"s3\")\n    return s3.list_buckets()\n",
        "s3 = boto3.client(\"s3\")\n\ndef handler(event, context):\n    ...\n",
        fixable=True,
        fixed="s3 = boto3.client(\"s3\")\n\ndef handler(event, context):\n    return s3.list_buckets()\n",
        fix_safety="safe: only boto3, requests and httpx.Client, which do no I/O when built, move to "
        "module scope (after the imports and the constants they use); connections get a "
        "functools.cache getter, a factory wrapper @functools.cache when every call passes "
        "hashable constants. A boto3/requests/httpx.Client client built from request data "
        "that is certainly hashable (an f-string, a literal, a `+` with a string) becomes a "
        "module-level `functools.lru_cache(maxsize=32)` getter keyed on those arguments: "
        "unsafe, since invocations with the same arguments then share one client (a session's "
        "cookies and headers, event hooks registered on it). Not fixed: request arguments that "
        "may be unhashable (a bare `event[\"x\"]` may be a dict), a client in a `with`, a "
        "client or connection the code closes, code that writes os.environ before building a "
        "boto3 client, a hoist that would add a finding (a session whose headers are set per "
        "call)",
    ),
    RuleInfo(
        "LAM302", "reachable code closes a module-scope client or connection",
        "the next warm invocation gets a closed client",
        "do not close module-scope clients in the handler; let the container own them",
        "_http = requests.Session()\n\ndef handler(event, context):\n    try:\n"
        "        return _http.get(URL).json()\n    finally:\n        _http.close()\n",
        "_http = requests.Session()\n\ndef handler(event, context):\n"
        "    return _http.get(URL).json()\n",
    ),
    RuleInfo(
        "LAM303", "heavy one-time work (bundled file, parameter, secret) is redone per invocation",
        "a bundled file gives the same result every time; a parameter or secret fetch is an "
        "API call (latency, rate limits) on every invocation",
        "read bundled files once at module scope or in a memoized getter; cache parameters and "
        "secrets with a time limit (Powertools `max_age`, or a getter that refreshes after a few "
        "minutes), never as a module constant: secrets rotate",
        "ssm = boto3.client(\"ssm\")\n\ndef handler(event, context):\n"
        "    rules = json.load(open(RULES_PATH))\n    key = ssm.get_parameter(Name=\"/app/key\")\n",
        "from aws_lambda_powertools.utilities import parameters\n\n"
        "RULES = json.load(open(RULES_PATH))\n\ndef handler(event, context):\n"
        "    key = parameters.get_parameter(\"/app/key\", max_age=300)\n",
        fixable=True,
        fixed="@functools.cache\ndef load_rules():\n    return json.load(open(RULES_PATH))\n\n"
        "ssm = boto3.client(\"ssm\")\n\ndef handler(event, context):\n"
        "    rules = load_rules()\n    key = ssm.get_parameter(Name=\"/app/key\")\n",
        fix_safety="safe for text and bytes (`Path(P).read_text()`, `open(P).read()`); unsafe for "
        "loaded objects (json, yaml, pickle, models), which every invocation then shares: code "
        "that changes them would leak. A parameter or secret fetch "
        "(`ssm.get_parameter(Name=N)[\"Parameter\"][\"Value\"]`, "
        "`get_secret_value(SecretId=S)[\"SecretString\"]`) becomes Powertools "
        "`parameters.get_parameter(N, max_age=300)` / `get_secret(S, max_age=300)` (values "
        "refresh every 5 minutes; `WithDecryption` becomes `decrypt`), only in a module that "
        "already imports Powertools: safe, both return the same str (get_secret returns the "
        "SecretString; it returns bytes only for a binary secret, where the original raised "
        "KeyError). Not fixed: other arguments or result uses, a client built with more than "
        "its service name (its region or credentials would not carry over), a fetch inside a "
        "`try` (Powertools raises GetParameterError, not ClientError)",
    ),
    RuleInfo(
        "LAM304", "a one-shot HTTP request opens a new connection per invocation",
        "each call pays DNS, TCP and TLS again (requests to localhost, such as the Lambda "
        "Parameters and Secrets extension, are not findings)",
        "use a module-level requests.Session / httpx.Client / urllib3.PoolManager",
        "def handler(event, context):\n    return requests.get(URL).json()\n",
        "_http = requests.Session()\n\ndef handler(event, context):\n"
        "    return _http.get(URL).json()\n",
        default_on=False,
        fixable=True,
        fixed="http_session = requests.Session()\n\ndef handler(event, context):\n"
        "    return http_session.get(URL).json()\n",
        fix_safety="unsafe: a session keeps cookies and default headers across calls, which "
        "one-shot requests do not",
    ),
    RuleInfo(
        "LAM401", "a thread, process or task is started and not joined before the handler returns",
        "Lambda freezes the container when the handler returns: the work stops mid-way and "
        "resumes, or is lost, in a later invocation",
        "join the thread, read the future's result (directly or through as_completed/wait "
        "over the list that holds it), cancel a timeout Timer, or await the task before returning",
        "def handler(event, context):\n    threading.Thread(target=audit, args=(event,)).start()\n",
        "def handler(event, context):\n    t = threading.Thread(target=audit, args=(event,))\n"
        "    t.start()\n    ...\n    t.join()\n",
    ),
    RuleInfo(
        "LAM501", "init code of a SnapStart function keeps a value that must be unique "
        "(uuid, random, secrets, os.urandom, a timestamp) in module state",
        "SnapStart runs init once and restores every execution environment from that "
        "snapshot, so they all share the value: the same run id, random sequence or "
        "\"started at\" time. Applies only to SnapStart functions (a template's "
        "`SnapStart: {ApplyOn: PublishedVersions}`, Serverless `snapStart: true`, CDK "
        "`snap_start=`, an import of snapshot_restore_py, or `--lambda-snapstart`)",
        "compute the value in the handler, or recompute it in a `@register_after_restore` "
        "hook of snapshot_restore_py",
        "from snapshot_restore_py import register_after_restore\nimport uuid\n\n"
        "RUN_ID = str(uuid.uuid4())\n\ndef handler(event, context):\n"
        "    return {\"run\": RUN_ID}\n",
        "from snapshot_restore_py import register_after_restore\nimport uuid\n\n"
        "RUN_ID = str(uuid.uuid4())\n\n@register_after_restore\ndef new_run_id():\n"
        "    global RUN_ID\n    RUN_ID = str(uuid.uuid4())\n\n"
        "def handler(event, context):\n    return {\"run\": RUN_ID}\n",
        fixable=True,
        fixed="from snapshot_restore_py import register_after_restore\nimport uuid\n\n"
        "RUN_ID = str(uuid.uuid4())\n\n\n@register_after_restore\ndef refresh_after_restore():\n"
        "    global RUN_ID\n    RUN_ID = str(uuid.uuid4())\n\n\n"
        "def handler(event, context):\n    return {\"run\": RUN_ID}\n",
        fix_safety="the init value stays and one hook per module recomputes every flagged name "
        "(an existing after-restore hook gets the rebinding instead); safe when no other init "
        "code reads the value after it is computed, unsafe when a later module-level statement "
        "or a function init calls reads it (that code keeps the snapshot's value). Not fixed: a "
        "value that is not a top-level `NAME = <expr>` bound once (`random.seed()`, an attribute, "
        "a value set in a function), an expression with a walrus or a lambda, and a "
        "module with two after-restore hooks or one that returns",
    ),
    RuleInfo(
        "LAM502", "init code of a SnapStart function opens a database or broker connection "
        "that nothing re-opens after restore",
        "the snapshot keeps the connection object but not its socket: restored environments "
        "fail on first use (boto3 clients and requests/httpx sessions reconnect by themselves "
        "and are fine). Applies only to SnapStart functions",
        "re-open the connection in a `@register_after_restore` hook, open it lazily in the "
        "handler, or reconnect on use (`ping(reconnect=True)`, re-open in an `except`)",
        "from snapshot_restore_py import register_after_restore\nimport pymysql\n\n"
        "conn = pymysql.connect(host=os.environ[\"DB_HOST\"])\n\n"
        "def handler(event, context):\n    with conn.cursor() as cur:\n"
        "        cur.execute(\"SELECT 1\")\n",
        "from snapshot_restore_py import register_after_restore\nimport pymysql\n\n"
        "conn = pymysql.connect(host=os.environ[\"DB_HOST\"])\n\n@register_after_restore\n"
        "def reconnect():\n    global conn\n    conn = pymysql.connect(host=os.environ[\"DB_HOST\"])\n\n"
        "def handler(event, context):\n    with conn.cursor() as cur:\n"
        "        cur.execute(\"SELECT 1\")\n",
    ),
    RuleInfo(
        "LAM503", "a Managed Instances function writes a fixed /tmp path on every invocation",
        "on Lambda Managed Instances one environment serves concurrent requests in separate "
        "processes that share /tmp: another request overwrites or reads the file mid-way. "
        "Applies only to Managed Instances functions (a template's capacity provider, or "
        "`--lambda-managed-instances`)",
        "put something unique to the request or the process in the path "
        "(`context.aws_request_id`, a uuid, `os.getpid()`) or use "
        "`tempfile.NamedTemporaryFile()`/`TemporaryDirectory()`",
        "def handler(event, context):\n    with open(\"/tmp/report.csv\", \"w\") as fh:\n"
        "        fh.write(render(event))\n",
        "def handler(event, context):\n    path = f\"/tmp/report-{context.aws_request_id}.csv\"\n"
        "    with open(path, \"w\") as fh:\n        fh.write(render(event))\n",
    ),
]

RULES: Dict[str, RuleInfo] = {rule.code: rule for rule in _RULES}
DEFAULT_OFF = tuple(code for code, rule in RULES.items() if not rule.default_on)


def anchor(code: str) -> str:
    """The README heading anchor of a rule (GitHub's slug of its heading)."""
    return code.lower()


def markdown_table() -> str:
    rows = ["| code | finds | default | autofix |", "|---|---|---|---|"]
    for rule in RULES.values():
        rows.append(f"| [{rule.code}](#{anchor(rule.code)}) | {rule.summary} | "
                    f"{'on' if rule.default_on else 'off'} | {'yes' if rule.fixable else 'no'} |")
    return "\n".join(rows) + "\n"


def markdown_rule(rule: RuleInfo) -> str:
    off = "" if rule.default_on else (
        "\n*Off by default*: enable with `--extend-select=" + rule.code + "`.\n")
    autofix = "" if not rule.fixed else (
        f"\nAutofix ({rule.fix_safety}); `flake8-lambda-state fix --unsafe-fixes` makes the bad "
        f"example:\n\n```python\n{rule.fixed}```\n")
    return (f"### {rule.code}\n\n**{rule.summary}.** Why it matters: {rule.why}. "
            f"Fix: {rule.fix}.\n{off}\nBad:\n\n```python\n{rule.bad}```\n\n"
            f"Good:\n\n```python\n{rule.good}```\n{autofix}")


def terminal_rule(rule: RuleInfo, width: int = 79) -> str:
    """A rule's documentation for a terminal: the README section without
    Markdown markers, examples indented."""
    import textwrap

    def para(text):
        return textwrap.fill(text.replace("`", ""), width) + "\n"

    def example(code):
        return textwrap.indent(code, "    ")
    default = ("on by default" if rule.default_on
               else f"off by default: enable with --extend-select={rule.code}")
    return (f"{rule.code}: {rule.summary} ({default})\n\n"
            + para(f"Why it matters: {rule.why}.") + "\n" + para(f"Fix: {rule.fix}.") + "\n"
            + "Bad:\n\n" + example(rule.bad) + "\nGood:\n\n" + example(rule.good)
            + "\n'flake8-lambda-state check --help' lists the options.\n")


def markdown() -> str:
    """The README's rule table and rule sections (kept equal by a test)."""
    return markdown_table() + "\n" + "\n".join(markdown_rule(r) for r in RULES.values())


if __name__ == "__main__":
    print(markdown(), end="")
