"""LAM301's unsafe fix for a client built from request data: a
functools.lru_cache getter keyed on those arguments, only when they are
certainly hashable (exact fixed source, or the file left as it was)."""
import sys
import textwrap
import types

import libcst as cst
import pytest
from libcst.codemod import CodemodContext, CodemodTest, SkipFile

from flake8_lambda_state.codemods import HoistClients, MemoizeRequestClients
from tests.helpers import codes, fix_checked, no_fix_offered


def fixed(source, unsafe=True):
    return fix_checked(textwrap.dedent(source), "LAM301", unsafe)


WEBSOCKET = '''
    import boto3


    def handler(event, context):
        domain = event["requestContext"]["domainName"]
        stage = event["requestContext"]["stage"]
        # one per endpoint
        client = boto3.client("apigatewaymanagementapi", endpoint_url=f"https://{domain}/{stage}")
        client.post_to_connection(ConnectionId=event["requestContext"]["connectionId"], Data=b"hi")
        return {"statusCode": 200}
    '''


def test_a_request_keyed_client_becomes_a_bounded_memoized_getter():
    result = fixed(WEBSOCKET)
    assert result.new == textwrap.dedent('''
        import boto3
        import functools


        @functools.lru_cache(maxsize=32)
        def _apigatewaymanagementapi_client(endpoint_url):
            return boto3.client("apigatewaymanagementapi", endpoint_url=endpoint_url)


        def handler(event, context):
            domain = event["requestContext"]["domainName"]
            stage = event["requestContext"]["stage"]
            # one per endpoint
            client = _apigatewaymanagementapi_client(f"https://{domain}/{stage}")
            client.post_to_connection(ConnectionId=event["requestContext"]["connectionId"], Data=b"hi")
            return {"statusCode": 200}
        ''')
    assert [code for code, _title in result.applied] == ["LAM301"]
    left = codes(result.new)
    assert not [c for c in left if c[1] in ("LAM301", "LAM104")], left


def test_it_is_unsafe_applied_only_with_unsafe_fixes():
    result = fixed(WEBSOCKET, unsafe=False)
    assert result.new == textwrap.dedent(WEBSOCKET)
    assert result.unsafe_left == 1


def test_constant_arguments_stay_in_the_getter_and_a_taken_name_is_avoided():
    result = fixed('''
        import boto3

        REGION = "eu-west-1"
        _dynamodb_resource = None


        def handler(event, context):
            table = boto3.resource("dynamodb", REGION, endpoint_url="http://" + event["host"])
            return table.Table("t").get_item(Key={"id": event["id"]})
        ''')
    assert result.new == textwrap.dedent('''
        import boto3
        import functools

        REGION = "eu-west-1"


        @functools.lru_cache(maxsize=32)
        def __dynamodb_resource(endpoint_url):
            return boto3.resource("dynamodb", REGION, endpoint_url=endpoint_url)
        _dynamodb_resource = None


        def handler(event, context):
            table = __dynamodb_resource("http://" + event["host"])
            return table.Table("t").get_item(Key={"id": event["id"]})
        ''')


def refused(source):
    return no_fix_offered(textwrap.dedent(source), "LAM301")


def test_an_argument_that_may_be_a_dict_is_not_fixed():
    assert refused('''
        import boto3


        def handler(event, context):
            return boto3.client("s3", region_name=event["region"]).list_buckets()
        ''')
    assert refused('''
        import boto3


        def handler(event, context):
            return boto3.client("s3", config=event.get("config")).list_buckets()
        ''')


def test_a_client_the_code_closes_or_opens_with_with_is_not_fixed():
    assert refused('''
        import httpx


        def handler(event, context):
            client = httpx.Client(base_url=f"https://{event['host']}")
            try:
                return client.get("/").json()
            finally:
                client.close()
        ''')
    assert refused('''
        import httpx


        def handler(event, context):
            with httpx.Client(base_url=f"https://{event['host']}") as client:
                return client.get("/").json()
        ''')


def test_a_session_chain_or_environment_write_is_not_fixed():
    assert refused('''
        import boto3


        def handler(event, context):
            return boto3.Session(region_name=f"{event['region']}").client("s3").list_buckets()
        ''')
    assert refused('''
        import os
        import boto3


        def handler(event, context):
            os.environ["AWS_REGION"] = "eu-west-1"
            return boto3.client("s3", endpoint_url=f"https://{event['host']}").list_buckets()
        ''')


class TestMemoizeRequestClientsCodemod(CodemodTest):
    TRANSFORM = MemoizeRequestClients

    def test_the_codemod_applies_the_unsafe_fix(self):
        self.assertCodemod('''
import httpx


def handler(event, context):
    client = httpx.Client(base_url=f"https://{event['host']}")
    return client.get("/").json()
''', '''
import httpx
import functools


@functools.lru_cache(maxsize=32)
def _http_client(base_url):
    return httpx.Client(base_url=base_url)


def handler(event, context):
    client = _http_client(f"https://{event['host']}")
    return client.get("/").json()
''')


def test_hoist_clients_leaves_the_request_keyed_client_alone():
    codemod = HoistClients(CodemodContext(filename="app.py"))
    with pytest.raises(SkipFile, match="nothing to fix"):
        codemod.transform_module(cst.parse_module(textwrap.dedent(WEBSOCKET)))


def test_the_fixed_handler_answers_the_same_and_builds_one_client_per_endpoint(monkeypatch):
    """Running code: a stub boto3 counts the clients built; three invocations
    on two endpoints build two clients after the fix, three before."""
    def run(source):
        built = []

        class Client:
            def __init__(self, service, endpoint_url):
                built.append(endpoint_url)
                self.endpoint = endpoint_url

            def post_to_connection(self, ConnectionId, Data):
                return (self.endpoint, ConnectionId, Data)

        monkeypatch.setitem(sys.modules, "boto3", types.SimpleNamespace(client=Client))
        namespace = {}
        exec(compile(source, "app.py", "exec"), namespace)
        events = [{"requestContext": {"domainName": d, "stage": "prod", "connectionId": c}}
                  for d, c in (("a.example", "c1"), ("b.example", "c2"), ("a.example", "c3"))]
        return [namespace["handler"](event, None) for event in events], built

    source = textwrap.dedent('''
        import boto3


        def handler(event, context):
            ctx = event["requestContext"]
            domain, stage = ctx["domainName"], ctx["stage"]
            client = boto3.client("apigatewaymanagementapi", endpoint_url=f"https://{domain}/{stage}")
            return client.post_to_connection(ConnectionId=ctx["connectionId"], Data=b"hi")
        ''')
    new = fixed(source).new
    assert "@functools.lru_cache(maxsize=32)" in new
    before, built_before = run(source)
    after, built_after = run(new)
    assert after == before
    assert (len(built_before), built_after) == (3, ["https://a.example/prod", "https://b.example/prod"])
