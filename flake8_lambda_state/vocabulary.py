"""Name tables shared by the cheap prefilter, the project index (on `ast`)
and the libcst analysis: one copy of each list of names the tool knows.
No libcst here, so importing it stays cheap."""

POWERTOOLS_DECORATORS = frozenset({
    "inject_lambda_context", "capture_lambda_handler", "log_metrics", "event_source",
    "event_parser", "idempotent", "batch_processor", "async_batch_processor",
})
RESOLVER_CLASSES = frozenset({
    "APIGatewayRestResolver", "APIGatewayHttpResolver", "ALBResolver",
    "LambdaFunctionUrlResolver", "VPCLatticeResolver", "VPCLatticeV2Resolver",
    "AppSyncResolver", "BedrockAgentResolver", "ApiGatewayResolver", "Router",
})
RESOLVER_METHODS = frozenset({"get", "post", "put", "patch", "delete", "head", "route", "resolver"})
WEB_FRAMEWORK_CLASSES = frozenset({"flask.Flask", "flask.Blueprint", "fastapi.FastAPI",
                                   "fastapi.APIRouter", "fastapi.routing.APIRouter"})
WEB_ROUTE_METHODS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "route",
                               "api_route"})
WSGI_ADAPTERS = frozenset({"mangum.Mangum", "serverless_wsgi.handle_request", "awsgi.response",
                           "apig_wsgi.make_lambda_handler"})
BATCH_FUNCTIONS = frozenset({"process_partial_response", "async_process_partial_response"})
CHALICE_CLASSES = frozenset({"chalice.Chalice", "chalice.app.Chalice", "chalice.Blueprint",
                             "chalice.app.Blueprint"})
# Decorator names (last component) that can make a function a handler: the
# prefilter's cheap test.
HANDLER_DECORATOR_NAMES = POWERTOOLS_DECORATORS | RESOLVER_METHODS | WEB_ROUTE_METHODS | {
    "lambda_function", "schedule"}

MEMOIZING_DECORATORS = frozenset({
    "functools.cache", "functools.lru_cache", "cachetools.cached", "cachetools.func.ttl_cache",
    "cachetools.func.lru_cache", "cachetools.func.lfu_cache",
})
# Builtins whose result says nothing of the request's content.
NON_CONTENT_CALLS = frozenset({
    "builtins.len", "builtins.isinstance", "builtins.issubclass", "builtins.hasattr",
    "builtins.callable", "builtins.bool", "builtins.id", "builtins.type",
})
# Calls whose result is an init-time constant when their arguments are.
CONSTANT_CALLS_PREFIXES = ("os.path.", "pathlib.", "posixpath.")
CONSTANT_CALLS = frozenset({
    "os.getenv", "os.environ.get", "os.fspath", "builtins.str", "builtins.int", "builtins.float",
    "builtins.bool", "builtins.tuple", "builtins.frozenset", "builtins.bytes", "builtins.len",
})
CONSTANT_METHODS = frozenset({
    "join", "format", "upper", "lower", "strip", "rstrip", "lstrip", "replace", "split",
    "joinpath", "with_suffix", "with_name", "resolve", "absolute", "encode", "decode", "get",
})
CONSTANT_NAMES = frozenset({"True", "False", "None", "__file__", "__name__", "__package__"})
# Methods that put their arguments into the receiver.
FILLING_METHODS = frozenset({"append", "add", "extend", "insert", "update", "setdefault",
                             "appendleft", "extendleft", "__setitem__", "put", "put_nowait"})
# Attributes of the Lambda context object that are the same for every
# invocation of the execution environment: not request data.
FIXED_CONTEXT_ATTRIBUTES = frozenset({"function_name", "function_version", "invoked_function_arn",
                                      "memory_limit_in_mb", "log_group_name", "log_stream_name"})

# --- Snapshots and concurrent processes (LAM5xx) ---------------------------
SNAPSHOT_MODULE = "snapshot_restore_py"
AFTER_RESTORE_HOOKS = frozenset({"snapshot_restore_py.register_after_restore"})
BEFORE_SNAPSHOT_HOOKS = frozenset({"snapshot_restore_py.register_before_snapshot"})
# Calls whose value must differ between execution environments (LAM501):
# the same in every environment restored from one snapshot.
UNIQUE_VALUE_CALLS = frozenset({"uuid.uuid1", "uuid.uuid4", "os.urandom", "os.getrandom"})
UNIQUE_VALUE_PREFIXES = ("random.", "secrets.", "numpy.random.")
NOT_UNIQUE_VALUE_CALLS = frozenset({"random.SystemRandom", "secrets.SystemRandom",
                                    "secrets.compare_digest"})   # no state that a snapshot keeps
TIMESTAMP_CALLS = frozenset({"time.time", "time.time_ns", "datetime.datetime.now",
                             "datetime.datetime.utcnow", "datetime.datetime.today"})
SEEDING_METHODS = frozenset({"seed"})
# Calls (last name part) that set up a random sequence rather than draw a value.
RANDOM_STATE_CALLS = frozenset({"seed", "Random", "default_rng", "RandomState", "Generator"})
# Calls on a restored connection that open it again.
RECONNECT_METHODS = frozenset({"reconnect", "connect", "dispose", "reset"})
# Path parts unique to the request or the process (LAM503).
UNIQUE_PATH_CALLS = frozenset({"uuid.uuid1", "uuid.uuid4", "os.getpid", "tempfile.mkstemp",
                               "tempfile.mkdtemp", "tempfile.mktemp",
                               "tempfile.NamedTemporaryFile", "tempfile.TemporaryDirectory",
                               "tempfile.SpooledTemporaryFile", "tempfile.TemporaryFile"})
UNIQUE_PATH_PREFIXES = ("secrets.",)
UNIQUE_PATH_ATTRIBUTES = frozenset({"aws_request_id", "request_id"})
