"""LAM301, LAM302, LAM303, LAM304, LAM401 with their traps."""
from helpers import build_settings, codes, messages

# --- LAM301 -----------------------------------------------------------------


def test_clients_created_in_handler_and_helpers():
    src = '''
    import boto3, requests, psycopg2
    from boto3 import client as mk

    def _db():
        return psycopg2.connect(host="db")

    def handler(event, context):
        s3 = boto3.client("s3")
        ddb = mk("dynamodb")
        http = requests.Session()
        conn = _db()
        sess = boto3.Session().client("sqs")
    '''
    assert codes(src) == [(6, "LAM301"), (9, "LAM301"), (10, "LAM301"), (11, "LAM301"),
                          (13, "LAM301")]
    msgs = messages(src)
    assert "module scope" in msgs[1] and "functools.cache" in msgs[0]
    assert "handler -> _db" in msgs[0]


def test_event_dependent_client_suggests_keyed_getter():
    src = '''
    import boto3

    def handler(event, context):
        return boto3.client("s3", region_name=event["region"])
    '''
    assert codes(src) == [(5, "LAM301")]
    assert "depend on the request" in messages(src)[0]


def test_client_traps_module_scope_memoized_and_unreachable():
    src = '''
    import functools
    import boto3
    from functools import lru_cache

    s3 = boto3.client("s3")
    _sns = None

    @functools.cache
    def get_ddb():
        return boto3.resource("dynamodb")

    @lru_cache(maxsize=None)
    def get_table(name):
        return boto3.resource("dynamodb").Table(name)

    def get_sns():
        global _sns
        if _sns is None:
            _sns = boto3.client("sns")
        return _sns

    def never_called():
        return boto3.client("sqs")

    class Service:
        def __init__(self):
            self.sqs = boto3.client("sqs")

    service = Service()

    def handler(event, context):
        get_ddb()
        get_table("t")
        get_sns()
        s3.get_object(Bucket="b", Key=event["k"])
        ddb_table = get_ddb().Table("orders")
    '''
    assert codes(src) == []


def test_client_in_init_of_class_built_per_invocation():
    src = '''
    import boto3

    class Repo:
        def __init__(self):
            self.table = boto3.resource("dynamodb").Table("t")

    def handler(event, context):
        repo = Repo()
    '''
    assert codes(src) == [(6, "LAM301")]


def test_extra_client_factories_option():
    src = '''
    from mylib.db import connect

    def handler(event, context):
        return connect()
    '''
    assert codes(src) == []
    settings = build_settings(client_factories="mylib.db.connect")
    assert codes(src, settings=settings) == [(5, "LAM301")]


def test_sqlite_is_not_on_the_default_list():
    src = '''
    import sqlite3

    def handler(event, context):
        return sqlite3.connect(":memory:")
    '''
    assert codes(src) == []


# --- LAM302 -----------------------------------------------------------------
def test_closing_module_clients():
    src = '''
    import httpx, requests, psycopg2
    _http = requests.Session()
    _client = httpx.Client()
    _pg = psycopg2.connect("dsn")

    def handler(event, context):
        with _client:
            pass
        with _pg:
            pass
        with _pg.cursor() as cur:
            pass
        local = requests.Session()
        local.close()
        with requests.Session() as s:
            pass
        _http.close()
    '''
    assert codes(src, only="LAM302") == [(8, "LAM302"), (18, "LAM302")]


# --- LAM303 -----------------------------------------------------------------
def test_heavy_init_per_invocation():
    src = '''
    import json, os, re
    import boto3, yaml
    from pathlib import Path

    CONFIG = os.path.join(os.path.dirname(__file__), "config.json")
    ssm = boto3.client("ssm")
    secrets = boto3.client("secretsmanager")

    def _load(path):
        with open(path) as fh:
            return json.load(fh)

    def handler(event, context):
        cfg = _load(CONFIG)
        rules = yaml.safe_load(open("rules.yaml"))
        pattern = re.compile(r"^[a-z]+$")
        text = Path(CONFIG).read_text()
        key = ssm.get_parameter(Name="/app/key", WithDecryption=True)
        pw = secrets.get_secret_value(SecretId=os.environ["SECRET_ID"])
    '''
    assert codes(src) == [(11, "LAM303"), (16, "LAM303"), (18, "LAM303"),
                          (19, "LAM303"), (20, "LAM303")]


def test_heavy_init_traps():
    src = '''
    import json, re
    import boto3
    from aws_lambda_powertools.utilities import parameters

    ssm = boto3.client("ssm")
    s3 = boto3.client("s3")
    _rules = None
    PATTERN = re.compile("x")

    def rules():
        global _rules
        if _rules is None:
            with open("rules.json") as fh:
                _rules = json.load(fh)
        return _rules

    def handler(event, context):
        rules()
        re.compile(event["pattern"])
        ssm.get_parameter(Name=event["name"])
        s3.get_object(Bucket="b", Key="k")
        parameters.get_parameter("/app/x")
        with open("/tmp/x.json") as fh:
            pass
        with open(event["path"]) as fh:
            pass
    '''
    assert codes(src) == []


def test_powertools_with_cache_off_is_lam303():
    src = '''
    from aws_lambda_powertools.utilities import parameters

    def handler(event, context):
        return parameters.get_secret("db", force_fetch=True)
    '''
    assert codes(src) == [(5, "LAM303")]


def test_helper_param_constant_at_every_call_site():
    src = '''
    import json

    def _read(name):
        with open(name) as fh:
            return json.load(fh)

    def handler(event, context):
        _read("a.json")
        _read("b.json")

    def other_handler(event, context):
        _read(event["file"])
    '''
    # one call site passes request data: the parameter is not init-time constant
    assert codes(src) == []


# --- LAM304 -----------------------------------------------------------------
def test_one_shot_http_is_reported_when_selected():
    src = '''
    import requests
    from urllib.request import urlopen

    def handler(event, context):
        requests.get("https://example.com")
        urlopen("https://example.com")
    '''
    assert codes(src) == [(6, "LAM304"), (7, "LAM304")]


# --- LAM401 -----------------------------------------------------------------
def test_orphaned_threads_tasks_and_futures():
    src = '''
    import asyncio, threading
    from concurrent.futures import ThreadPoolExecutor
    EXECUTOR = ThreadPoolExecutor(4)

    async def audit(x):
        pass

    async def handler(event, context):
        threading.Thread(target=print).start()
        t = threading.Thread(target=print)
        t.start()
        EXECUTOR.submit(print, 1)
        asyncio.create_task(audit(event))
        task = asyncio.ensure_future(audit(event))
        return 1
    '''
    assert codes(src) == [(10, "LAM401"), (12, "LAM401"), (13, "LAM401"), (14, "LAM401"),
                          (15, "LAM401")]


def test_joined_threads_awaited_tasks_and_waited_futures():
    src = '''
    import asyncio, threading
    from concurrent.futures import ThreadPoolExecutor, as_completed
    EXECUTOR = ThreadPoolExecutor(4)

    async def audit(x):
        pass

    async def handler(event, context):
        t = threading.Thread(target=print)
        t.start()
        threads = []
        for i in range(3):
            w = threading.Thread(target=print)
            w.start()
            threads.append(w)
        for w in threads:
            w.join(timeout=1)
        fut = EXECUTOR.submit(print, 1)
        futures = [EXECUTOR.submit(print, i) for i in range(3)]
        for f in as_completed(futures):
            f.result()
        with ThreadPoolExecutor() as pool:
            pool.submit(print, 2)
        task = asyncio.create_task(audit(event))
        tasks = [asyncio.create_task(audit(i)) for i in range(3)]
        await asyncio.gather(*tasks)
        await task
        await asyncio.create_task(audit(1))
        t.join()
        return fut.result()
    '''
    assert codes(src) == []


def test_executor_shutdown_without_wait_is_still_orphaned():
    src = '''
    from concurrent.futures import ThreadPoolExecutor

    def handler(event, context):
        pool = ThreadPoolExecutor()
        pool.submit(print, 1)
        pool.shutdown(wait=False)
        other = ThreadPoolExecutor()
        other.submit(print, 2)
        other.shutdown()
    '''
    assert codes(src) == [(6, "LAM401")]


def test_loop_create_task_discarded():
    src = '''
    import asyncio

    async def f(x):
        pass

    def handler(event, context):
        loop = asyncio.get_event_loop()
        loop.create_task(f(event))
        return loop.run_until_complete(f(1))
    '''
    assert codes(src) == [(9, "LAM401")]


def test_closing_a_connection_from_a_memoized_getter():
    src = '''
    import functools, psycopg2, pymysql
    conn = None

    def get_conn():
        global conn
        if conn is None:
            conn = pymysql.connect(host="x")
        return conn

    @functools.cache
    def get_pg():
        return psycopg2.connect("dsn")

    def handler(event, context):
        c = get_conn()
        c.close()
        get_pg().close()
        fresh = pymysql.connect(host="y")
        fresh.close()
    '''
    assert codes(src, only="LAM302") == [(17, "LAM302"), (18, "LAM302")]


def test_sqlalchemy_dispose_is_lam302():
    src = '''
    import sqlalchemy
    engine = sqlalchemy.create_engine("postgresql://x")

    def handler(event, context):
        engine.dispose()
    '''
    assert codes(src) == [(6, "LAM302")]


def test_per_key_cache_through_a_local_is_the_memo_idiom():
    src = '''
    import boto3
    _clients = {}

    def client_for(region):
        client = _clients.get(region)
        if client is None:
            client = boto3.client("s3", region_name=region)
            _clients[region] = client
        return client

    def handler(event, context):
        return client_for("eu-west-1")
    '''
    assert codes(src) == []


def test_lam301_advice_is_three_way():
    src = '''
    import boto3, os
    from botocore.config import Config

    def handler(event, context):
        a = boto3.client("s3", config=Config(retries={"max_attempts": 3}))
        b = boto3.client("s3", region_name=os.environ["REGION"])
        c = boto3.client("s3", region_name=event["region"])
    '''
    msgs = messages(src)
    assert "create it once at module scope or in a functools.cache getter" in msgs[0]
    assert "init-time constants: create it once at module scope" in msgs[1]
    assert "depend on the request" in msgs[2]


def test_live_files_outside_the_package_are_not_bundled():
    src = '''
    import json
    from pathlib import Path
    MSG = "/mnt/msg/content"

    def handler(event, context):
        with open(MSG) as fh:
            fh.read()
        Path("/proc/meminfo").read_text()
        with open("/var/task/config.json") as fh:
            json.load(fh)
        with open("/opt/layer/data.json") as fh:
            json.load(fh)
    '''
    assert codes(src) == [(10, "LAM303"), (12, "LAM303")]


# --- the memo guard, exactly (issue 8) --------------------------------------


def test_flag_that_nothing_rebinds_is_an_ordinary_branch():
    # the config-rules template: the client of the default mode runs every time
    src = '''
    import boto3
    ASSUME_ROLE_MODE = False

    def get_client(service, event):
        if not ASSUME_ROLE_MODE:
            return boto3.client(service)
        role = event["executionRoleArn"]
        return boto3.client(service, aws_access_key_id=role)

    def lambda_handler(event, context):
        client = get_client("config", event)
        return client.put_evaluations(Evaluations=[])
    '''
    assert codes(src) == [(7, "LAM301"), (9, "LAM301")]


def test_memo_guards_that_bind_what_they_test_stay_memo_idioms():
    src = '''
    import boto3
    _client = None
    _ready = False
    _CLIENTS = {}
    _config = {}

    def get_client():
        global _client
        if _client is None:
            _client = boto3.client("s3")
        return _client

    def warm():
        global _ready, _ddb
        if not _ready:
            _ddb = boto3.resource("dynamodb")
            _ready = True

    def client_for(region):
        c = _CLIENTS.get(region)
        if c is None:
            c = boto3.client("s3", region_name=region)
        _CLIENTS[region] = c
        return c

    def _mark():
        global _loaded
        _loaded = True

    def load():
        if not _loaded:
            boto3.client("sts")
            _mark()

    def config():
        if not _config:
            _config.update({"ssm": boto3.client("ssm")})
        return _config

    _loaded = False

    def handler(event, context):
        get_client()
        warm()
        client_for("eu-west-1")
        load()
        config()
    '''
    assert codes(src) == []


def test_early_return_guard_binds_after_the_return():
    src = '''
    import boto3
    _sns = None
    DISABLED = False

    def sns():
        global _sns
        if _sns is not None:
            return _sns
        _sns = boto3.client("sns")
        return _sns

    def sqs():
        if DISABLED:
            return None
        return boto3.client("sqs")

    def handler(event, context):
        sns()
        sqs()
    '''
    assert codes(src) == [(16, "LAM301")]


def test_more_client_factories_from_the_spec_list():
    src = '''
    import oracledb, cx_Oracle, pymssql, jwt
    from requests_futures.sessions import FuturesSession
    from requests_oauthlib import OAuth2Session, OAuth1Session
    from aws_lambda_powertools.utilities import parameters
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

    JWKS = jwt.PyJWKClient("https://idp.example.com/.well-known/jwks.json")
    SSM = parameters.SSMProvider()

    def handler(event, context):
        oracledb.connect(user="u", dsn="db")
        cx_Oracle.connect("u/p@db")
        pymssql.connect(server="db")
        FuturesSession()
        OAuth2Session("client-id")
        OAuth1Session("key")
        jwt.PyJWKClient("https://idp.example.com/.well-known/jwks.json")
        parameters.SSMProvider()
        SecretsProvider()
        parameters.AppConfigProvider(environment="prod", application="app")
        parameters.DynamoDBProvider(table_name="params")
        JWKS.get_signing_key_from_jwt(event["token"])
        SSM.get("/app/x")
    '''
    assert codes(src) == [(n, "LAM301") for n in range(12, 23)]
    assert "functools.cache" in messages(src)[0]


def test_constant_regex_is_not_lam303_but_a_bundled_file_is():
    src = '''
    import json, re

    def handler(event, context):
        pattern = re.compile(r"^[a-z]+$")
        with open("rules.json") as fh:
            rules = json.load(fh)
        return pattern.match(event["name"]), rules
    '''
    assert codes(src) == [(6, "LAM303")]


def test_lam303_on_a_secret_advises_a_time_bounded_cache():
    src = '''
    import boto3
    from aws_lambda_powertools.utilities import parameters
    secrets = boto3.client("secretsmanager")

    def handler(event, context):
        pw = secrets.get_secret_value(SecretId="db")
        key = parameters.get_secret("api", force_fetch=True)
        return pw, key
    '''
    assert codes(src) == [(7, "LAM303"), (8, "LAM303")]
    for message in messages(src):
        assert "max_age" in message and "not as a module constant" in message
        assert "module scope" not in message


def test_requests_to_a_lambda_extension_on_localhost_are_not_lam304():
    src = '''
    import os, requests, urllib.request
    PORT = os.environ.get("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", "2773")
    HEADERS = {"X-Aws-Parameters-Secrets-Token": os.environ.get("AWS_SESSION_TOKEN")}

    def handler(event, context):
        url = f"http://localhost:{PORT}/secretsmanager/get?secretId=db"
        requests.get(url, headers=HEADERS)
        requests.request("GET", "http://127.0.0.1:2773/systemsmanager/parameters/get?name=x")
        req = urllib.request.Request(f"http://localhost:{PORT}/systemsmanager/parameters/get")
        urllib.request.urlopen(req)
        requests.get(f"https://api.example.com/{event['id']}")
        requests.post(url="http://localhost.example.com/hook")
    '''
    assert codes(src) == [(12, "LAM304"), (13, "LAM304")]


# --- LAM401: work waited through containers and callers (issue 8) -------------


def test_futures_waited_through_local_containers_are_not_orphaned():
    src = '''
    import concurrent.futures
    from concurrent.futures import ThreadPoolExecutor, wait
    EXECUTOR = ThreadPoolExecutor(4)

    def fan_out(event, context):
        futures = {}
        for r in event["Records"]:
            futures[EXECUTOR.submit(print, r)] = r["messageId"]
        for f in concurrent.futures.as_completed(futures):
            print(futures[f], f.result())

    def by_id(event, context):
        futures = {}
        for r in event["Records"]:
            futures[r["id"]] = EXECUTOR.submit(print, r)
        wait(futures.values())

    def in_a_list(event, context):
        futures = []
        for r in event["Records"]:
            futures.append(EXECUTOR.submit(print, r))
        return [f.result() for f in futures]

    def never_waited(event, context):
        futures = []
        for r in event["Records"]:
            futures.append(EXECUTOR.submit(print, r))
        return len(futures)
    '''
    assert codes(src) == [(28, "LAM401")]


def test_process_collected_and_joined_by_the_caller_is_not_orphaned():
    src = '''
    from multiprocessing import Process

    def start(record, procs):
        p = Process(target=print, args=(record,))
        p.start()
        procs.append(p)

    def handler(event, context):
        procs = []
        for r in event["Records"]:
            start(r, procs)
        for p in procs:
            p.join()

    def spawn(record, procs):
        p = Process(target=print, args=(record,))
        p.start()
        procs.append(p)

    def fire_and_forget_handler(event, context):
        procs = []
        spawn(event, procs)
        return len(procs)
    '''
    assert codes(src) == [(18, "LAM401")]


def test_timer_cancelled_before_returning_is_not_orphaned():
    src = '''
    import threading

    def handler(event, context):
        timer = threading.Timer(context.get_remaining_time_in_millis() / 1000 - 1, print)
        timer.start()
        result = {"ok": True}
        timer.cancel()
        return result

    def cancelled_only_on_error_handler(event, context):
        timer = threading.Timer(5, print)
        timer.start()
        try:
            return {"ok": True}
        except Exception:
            timer.cancel()
            raise
    '''
    assert codes(src) == [(13, "LAM401")]


# --- boto3 Sessions that arrive from elsewhere in the module (issue 8) --------


def test_session_clients_through_parameters_returns_and_annotated_attributes():
    src = '''
    import boto3
    from typing import Optional

    def assumed_session(role_arn):
        creds = boto3.client("sts").assume_role(RoleArn=role_arn, RoleSessionName="x")
        return boto3.Session(aws_access_key_id=creds["Credentials"]["AccessKeyId"])

    def tag_instances(session, ids):
        ec2 = session.client("ec2")
        ec2.create_tags(Resources=ids, Tags=[])

    class Auditor:
        session: Optional[boto3.Session] = None

        def __init__(self, session):
            self.session = session

        def run(self):
            return self.session.resource("s3")

    def handler(event, context):
        session = assumed_session(event["roleArn"])
        tag_instances(session, event["ids"])
        assumed_session(event["other"]).client("sqs")
        Auditor(session).run()
    '''
    assert codes(src) == [(6, "LAM301"), (7, "LAM301"), (10, "LAM301"), (20, "LAM301"),
                          (25, "LAM301")]


def test_client_method_on_something_that_is_not_always_a_session_is_not_lam301():
    src = '''
    import boto3

    class Api:
        def client(self, name):
            return name

    class Holder:
        session: object = None

        def run(self):
            return self.session.client("s3")

    def use(thing):
        return thing.client("s3")

    def get_api():
        return Api()

    def handler(event, context):
        use(boto3.Session())
        use(Api())
        get_api().client("x")
        Holder().run()
    '''
    assert codes(src) == [(21, "LAM301")]
