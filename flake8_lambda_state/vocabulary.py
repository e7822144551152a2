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
