"""LAM101, LAM102, LAM104, LAM201: writes into module state, with the traps."""
from helpers import codes, messages


def test_credit_card_bug_is_sensitive_lam201():
    src = '''
    LAST_CARD = None

    def lambda_handler(event, context):
        global LAST_CARD
        LAST_CARD = event["body"]["cardNumber"]
        return {"ok": True}
    '''
    assert codes(src) == [(6, "LAM201")]
    (msg,) = messages(src)
    assert "sensitive request data" in msg and "LAST_CARD" in msg and "lambda_handler" in msg


def test_non_sensitive_request_data_is_plain_lam201():
    src = '''
    CURRENT = "-"

    def handler(event, context):
        global CURRENT
        CURRENT = context.aws_request_id
    '''
    assert codes(src) == [(6, "LAM201")]
    assert "sensitive" not in messages(src)[0]


def test_counter_rebinding_is_lam101_and_names_variable():
    src = '''
    _calls = 0

    def handler(event, context):
        global _calls
        _calls += 1
        return _calls
    '''
    assert codes(src) == [(6, "LAM101")]
    assert "'_calls'" in messages(src)[0]


def test_del_of_global_is_lam101():
    src = '''
    _state = None

    def handler(event, context):
        global _state
        del _state
    '''
    assert codes(src) == [(6, "LAM101")]


def test_local_shadowing_global_is_not_a_finding():
    src = '''
    CACHE = {}
    total = 0

    def handler(event, context):
        CACHE = {}
        CACHE[event["id"]] = event
        total = 1
        return CACHE, total
    '''
    assert codes(src) == []


def test_parameter_shadowing_global_is_not_a_finding():
    src = '''
    items = []

    def _add(items, value):
        items.append(value)

    def handler(event, context):
        _add([], event["x"])
    '''
    assert codes(src) == []


def test_mutations_of_module_objects_are_lam102():
    src = '''
    _stats = {"n": 0}
    _seen = []

    class Registry:
        count = 0

    def handler(event, context):
        _stats["n"] += 1
        _seen.append("constant")
        Registry.count = 3
        _seen.sort()
    '''
    assert codes(src) == [(9, "LAM102"), (10, "LAM102"), (11, "LAM102"), (12, "LAM102")]


def test_class_attribute_with_request_data_is_lam201():
    src = '''
    class RequestContext:
        user_id = None

    def handler(event, context):
        RequestContext.user_id = event["requestContext"]["authorizer"]["claims"]["sub"]
    '''
    assert codes(src) == [(6, "LAM201")]


def test_request_keyed_unbounded_cache_is_lam104():
    src = '''
    _cache = {}
    SEEN = set()

    def handler(event, context):
        key = event["pathParameters"]["sku"]
        if key not in _cache:
            _cache[key] = lookup(key)
        SEEN.add(event["id"])
        return _cache[key]
    '''
    assert codes(src) == [(8, "LAM104"), (9, "LAM104")]


def test_evicted_cache_is_not_lam104_and_eviction_is_not_lam102():
    src = '''
    _cache = {}

    def handler(event, context):
        key = event["id"]
        if len(_cache) > 100:
            _cache.clear()
        _cache[key] = 1
    '''
    assert codes(src) == [(8, "LAM102")]


def test_cachetools_cache_is_bounded():
    src = '''
    import cachetools
    _cache = cachetools.TTLCache(maxsize=128, ttl=300)

    def handler(event, context):
        _cache[event["id"]] = "value"
    '''
    assert codes(src) == [(6, "LAM102")]


def test_memoized_getter_idioms_are_not_findings():
    src = '''
    import boto3
    _client = None
    _conn = None
    _TABLES = {}

    def get_client():
        global _client
        if _client is None:
            _client = boto3.client("s3")
        return _client

    def get_conn():
        global _conn
        if not _conn:
            _conn = make()
        return _conn

    def table(name):
        if name not in _TABLES:
            _TABLES[name] = boto3.resource("dynamodb").Table(name)
        return _TABLES[name]

    def handler(event, context):
        get_client()
        get_conn()
        table("orders")
    '''
    assert codes(src) == []


def test_early_return_memo_idiom_is_not_a_finding():
    src = '''
    _settings = None

    def settings():
        global _settings
        if _settings is not None:
            return _settings
        _settings = {"a": 1}
        return _settings

    def handler(event, context):
        return settings()
    '''
    assert codes(src) == []


def test_memo_idiom_with_request_data_is_lam201():
    src = '''
    import boto3
    _client = None

    def handler(event, context):
        global _client
        if _client is None:
            _client = boto3.client("s3", endpoint_url=event["endpoint"])
        return _client
    '''
    assert codes(src, only="LAM2") == [(8, "LAM201")]


def test_unreachable_helper_is_not_reported():
    src = '''
    STATE = []

    def not_called(x):
        STATE.append(x)

    def handler(event, context):
        return 1
    '''
    assert codes(src) == []


def test_module_level_init_code_is_not_reported():
    src = '''
    ROUTES = {}
    ROUTES["a"] = 1
    for i in range(3):
        ROUTES[i] = i

    def handler(event, context):
        return ROUTES.get(event["path"])
    '''
    assert codes(src) == []


def test_call_path_is_named_in_message():
    src = '''
    _last = {}

    def _put(item):
        _last["item"] = item

    def save(item):
        _put(item)

    def lambda_handler(event, context):
        save(event["item"])
    '''
    assert codes(src) == [(5, "LAM201")]
    assert "lambda_handler -> save -> _put" in messages(src)[0]


def test_request_data_through_method_of_module_instance():
    src = '''
    class Tracker:
        def __init__(self):
            self.last = None

        def remember(self, user):
            self.last = user

    tracker = Tracker()

    def handler(event, context):
        tracker.remember(event["user"])
    '''
    assert codes(src) == [(7, "LAM201")]


def test_local_instance_attribute_is_not_module_state():
    src = '''
    class Request:
        def __init__(self, event):
            self.user = event["user"]

    def handler(event, context):
        req = Request(event)
        return req.user
    '''
    assert codes(src) == []


def test_one_site_one_finding_lam104_wins_over_lam201():
    src = '''
    _tokens = {}

    def handler(event, context):
        _tokens[event["user"]] = event["token"]
    '''
    assert codes(src) == [(5, "LAM104")]


def test_cold_start_block_guarded_by_another_global_is_not_a_finding():
    # cloud-custodian's dispatch_event: one-time init of several globals
    src = '''
    import json
    policy_config = None
    policy_data = None

    def dispatch_event(event, context):
        global policy_config, policy_data
        if policy_config is None:
            with open("config.json") as f:
                policy_data = json.load(f)
            policy_config = {"loaded": True}
        return policy_data
    '''
    assert codes(src) == []


def test_singleton_reached_through_or_expression_in_classmethod():
    # zappa's LambdaHandler: `handler = global_handler or cls()`
    src = '''
    import os

    class LambdaHandler:
        @classmethod
        def lambda_handler(cls, event, context):
            handler = global_handler or cls()
            return handler.handler(event, context)

        def handler(self, event, context):
            os.environ["STAGE"] = event["stageVariables"]["stage"]

    global_handler = None

    def lambda_handler(event, context):
        return LambdaHandler.lambda_handler(event, context)
    '''
    assert codes(src) == [(11, "LAM202")]


def test_local_alias_of_module_state_is_module_state():
    src = '''
    _stats = {"n": 0}
    _users = {}

    def handler(event, context):
        stats = _stats
        stats["n"] += 1
        users = _users
        users[event["id"]] = 1
    '''
    assert codes(src) == [(7, "LAM102"), (9, "LAM104")]
    assert "'_users'" in messages(src)[1]


def test_setdefault_with_request_key_is_lam104():
    src = '''
    _by_user = {}

    def handler(event, context):
        _by_user.setdefault(event["user"], []).append(event["x"])
    '''
    assert codes(src) == [(5, "LAM104")]


def test_module_state_passed_into_a_helper():
    src = '''
    _cache = {}

    def _put(store, key, value):
        store[key] = value

    def handler(event, context):
        _put(_cache, event["id"], 1)
        local = {}
        _put(local, "a", 1)
    '''
    assert codes(src) == [(5, "LAM104")]
    assert "'_cache'" in messages(src)[0]


def test_mutable_class_attribute_shared_by_every_instance():
    src = '''
    class Repo:
        cache = {}
        items = []

        def __init__(self):
            self.local = {}

        def remember(self, key, value):
            self.cache[key] = value
            self.local[key] = value
            self.items.append("x")

    def handler(event, context):
        repo = Repo()
        repo.remember(event["id"], 1)
        repo.cache["k"] = event["v"]
    '''
    assert codes(src) == [(10, "LAM104"), (12, "LAM102"), (17, "LAM201")]


def test_class_attribute_shadowed_per_instance_is_not_shared():
    src = '''
    class Repo:
        cache = {}

        def __init__(self):
            self.cache = {}

        def remember(self, key):
            self.cache[key] = 1

    def handler(event, context):
        Repo().remember(event["id"])
    '''
    assert codes(src) == []


def test_class_attribute_is_not_confused_with_a_module_global_of_the_same_name():
    src = '''
    import boto3

    class Config:
        client = None

    client = None

    def handler(event, context):
        global client
        if client is None:
            client = boto3.client("s3")
        return client
    '''
    assert codes(src) == []


def test_global_rebound_under_a_flag_nothing_rebinds_is_lam101():
    src = '''
    import boto3
    DEBUG = False
    _last = None

    def handler(event, context):
        global _last
        if not DEBUG:
            _last = boto3.client("s3")
        return _last
    '''
    assert codes(src) == [(9, "LAM101"), (9, "LAM301")]


# --- per-invocation resets (issue 8) -----------------------------------------


def test_constant_resets_of_a_threading_local_are_not_lam102():
    src = '''
    import threading
    _job = threading.local()
    _stats = {}

    def handler(event, context):
        _job.status = "STARTED"
        _job.job_id = None
        _job.user = event["user"]
        _stats.status = "STARTED"
    '''
    assert codes(src) == [(9, "LAM201"), (10, "LAM102")]


def test_crhelper_data_is_reset_by_its_library():
    src = '''
    from crhelper import CfnResource
    helper = CfnResource(json_logging=False, log_level="DEBUG")
    OUTPUTS = {}

    @helper.create
    def create(event, context):
        helper.Data["Arn"] = event["ResourceProperties"]["Arn"]
        helper.Data.update({"Name": "x"})
        OUTPUTS["Arn"] = event["ResourceProperties"]["Arn"]

    def handler(event, context):
        helper(event, context)
    '''
    assert codes(src) == [(10, "LAM201")]


def test_container_rebound_to_an_empty_literal_is_evicted():
    src = '''
    _records = []
    _seen = []

    class Metrics:
        def __init__(self):
            self.buffer = []

        def add(self, value):
            self.buffer.append(value)

        def flush(self):
            print(self.buffer)
            self.buffer = []

    metrics = Metrics()

    def handler(event, context):
        global _records
        _records = []
        for record in event["Records"]:
            _records.append(record["messageId"])
        metrics.add(event["path"])
        metrics.flush()
        _seen.append(event["id"])
    '''
    assert codes(src) == [(10, "LAM201"), (22, "LAM201"), (25, "LAM104")]


def test_lam201_on_a_client_memoized_from_the_request_advises_a_keyed_cache():
    src = '''
    import boto3
    _api = None
    _last_body = None

    def handler(event, context):
        global _api, _last_body
        ctx = event["requestContext"]
        if _api is None:
            _api = boto3.client("apigatewaymanagementapi",
                                endpoint_url=f"https://{ctx['domainName']}/{ctx['stage']}")
        _last_body = event["body"]
        _api.post_to_connection(ConnectionId=ctx["connectionId"], Data=b"x")
    '''
    assert codes(src) == [(10, "LAM201"), (12, "LAM201")]
    client, body = messages(src)
    assert "cache keyed on those arguments" in client and "keep it in a local" not in client
    assert "keep it in a local" in body


def test_lam201_on_a_client_returned_by_a_module_function_advises_a_keyed_cache():
    # the config-rules template: AWS_CONFIG_CLIENT = get_client("config", event)
    src = '''
    import boto3
    AWS_CONFIG_CLIENT = None

    def get_client(service, event):
        role = event["executionRoleArn"]
        return boto3.client(service, aws_session_token=role)

    def lambda_handler(event, context):
        global AWS_CONFIG_CLIENT
        AWS_CONFIG_CLIENT = get_client("config", event)
    '''
    assert codes(src) == [(7, "LAM301"), (11, "LAM201")]
    assert "cache keyed on those arguments" in messages(src)[1]
