"""Handler detection and reachability (SPEC "Handlers", "Reachability")."""
import pytest

from helpers import analyse, build_settings, codes

LEAK = '''
_last = None

def {name}({params}):
    global _last
    _last = 1
'''


def handler_names(src, **kwargs):
    return [(h.name, h.kind) for h in analyse(src, **kwargs).handlers]


@pytest.mark.parametrize("name,params,is_handler", [
    ("handler", "event, context", True),
    ("lambda_handler", "e, c", True),
    ("orders_handler", "a, b", True),
    ("handler", "event", False),             # one positional parameter
    ("process", "event, context", True),     # (event, context) signature
    ("process", "event, ctx", True),
    ("process", "event, lambda_context", True),
    ("process", "payload, context", False),
    ("test_handler", "event, context", False),
])
def test_name_and_signature(name, params, is_handler):
    src = LEAK.format(name=name, params=params)
    assert bool(handler_names(src)) == is_handler
    assert bool(codes(src)) == is_handler


def test_handler_name_patterns_option():
    src = LEAK.format(name="entrypoint", params="a, b")
    assert handler_names(src) == []
    settings = build_settings(handler_names="entry*")
    assert handler_names(src, settings=settings) == [("entrypoint", "handler")]


def test_explicit_handler_option_matches_module_path():
    src = LEAK.format(name="main", params="payload")
    settings = build_settings(handlers="svc.api:main")
    assert handler_names(src, filename="src/svc/api.py", settings=settings) == [("main", "handler")]
    assert handler_names(src, filename="src/svc/other.py", settings=settings) == []


def test_functions_in_test_files_are_not_handlers():
    src = LEAK.format(name="handler", params="event, context")
    for filename in ("test_app.py", "app_test.py", "conftest.py", "proj/tests/helpers.py"):
        assert handler_names(src, filename=filename) == []


def test_powertools_decorators_make_handlers():
    src = '''
    from aws_lambda_powertools.utilities.data_classes import event_source, SQSEvent
    from aws_lambda_powertools import Logger
    logger = Logger()

    @event_source(data_class=SQSEvent)
    def consume(event, ctx_):
        pass

    @logger.inject_lambda_context
    def main(evt, c):
        pass
    '''
    assert handler_names(src) == [("consume", "handler"), ("main", "handler")]


def test_decorator_name_alone_is_not_enough():
    src = '''
    from flask import Flask
    app = Flask(__name__)

    def inject_lambda_context(fn):
        return fn

    @app.route("/x")
    def view():
        pass

    @inject_lambda_context
    def main(a, b):
        pass
    '''
    assert handler_names(src) == []


def test_chalice_routes_take_request_data_from_url_params():
    src = '''
    from chalice import Chalice
    app = Chalice(app_name="x")
    _last = {}

    @app.route("/users/{uid}")
    def user(uid):
        _last["uid"] = uid
        body = app.current_request.json_body
        _last["body"] = body

    @app.lambda_function()
    def worker(event, context):
        pass
    '''
    assert handler_names(src) == [("user", "route"), ("worker", "handler")]
    assert codes(src) == [(8, "LAM201"), (10, "LAM201")]


def test_powertools_resolver_routes_need_a_resolve_call():
    src = '''
    from aws_lambda_powertools.event_handler import APIGatewayRestResolver
    app = APIGatewayRestResolver()
    _seen = []

    @app.get("/items/<item_id>")
    def get_item(item_id):
        _seen.append(item_id)
        body = app.current_event.json_body
        return body

    def lambda_handler(event, context):
        return app.resolve(event, context)
    '''
    assert handler_names(src) == [("get_item", "route"), ("lambda_handler", "handler")]
    assert codes(src) == [(8, "LAM104")]
    without_resolve = src.replace("return app.resolve(event, context)", "return 1")
    assert ("get_item", "route") not in handler_names(without_resolve)


def test_batch_record_handler():
    src = '''
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
    processor = BatchProcessor(event_type=EventType.SQS)
    _ids = set()

    def record_handler(record):
        _ids.add(record.message_id)

    def lambda_handler(event, context):
        return process_partial_response(event=event, record_handler=record_handler,
                                        processor=processor, context=context)
    '''
    assert ("record_handler", "record handler") in handler_names(src)
    assert codes(src) == [(7, "LAM104")]


def test_fastapi_routes_served_through_mangum():
    src = '''
    from fastapi import FastAPI
    from mangum import Mangum
    app = FastAPI()
    _users = {}

    @app.get("/users/{uid}")
    def get_user(uid: str):
        _users[uid] = 1

    handler = Mangum(app)
    '''
    assert handler_names(src) == [("get_user", "route")]
    assert codes(src) == [(9, "LAM104")]


def test_reachability_through_methods_and_call_arguments():
    src = '''
    import asyncio
    _log = []

    class Engine:
        def run(self, x):
            return self._step(x)

        def _step(self, x):
            _log.append(x)

        @staticmethod
        def util(x):
            _log.append(x)

    async def main(event):
        Engine.util(event)

    def handler(event, context):
        engine = Engine()
        engine.run(event["x"])
        asyncio.run(main(event))
    '''
    model = analyse(src)
    reached = sorted(u.key for u, _ in model.reachable())
    assert reached == ["Engine._step", "Engine.run", "Engine.util", "handler", "main"]
    assert codes(src) == [(10, "LAM104"), (14, "LAM104")]


def test_callables_passed_by_reference_are_not_reached():
    src = '''
    import threading
    _out = {}

    def work(x):
        _out["x"] = x

    def handler(event, context):
        t = threading.Thread(target=work, args=(event,))
        t.start()
        t.join()
        list(map(work, [1, 2]))
    '''
    assert codes(src) == []
