"""Property tests: the analysis and rules never raise on valid Python, only
SkippedFile for input they refuse."""
import textwrap

import hypothesmith
from hypothesis import HealthCheck, given, settings, strategies as st

from flake8_lambda_state.analysis import SkippedFile, build_model
from flake8_lambda_state.rules import run_rules
from flake8_lambda_state.settings import Settings

HANDLER = "\n\ndef handler(event, context):\n    return event\n"


def analyse_all(source):
    try:
        model = build_model(source, "app.py", Settings())
    except SkippedFile:
        return []
    return run_rules(model)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(hypothesmith.from_node())
def test_any_valid_module_with_a_handler(source):
    analyse_all(source + HANDLER)


SNIPPETS = [
    "x = event['a']", "CACHE[x] = x", "CACHE.pop(x, None)", "G = x", "G += 1",
    "os.environ['AWS_REGION'] = x", "os.environ.update(x)", "with open(f'/tmp/{x}', 'w') as fh:\n"
    "    fh.write(x)", "c = boto3.client('s3')", "c.close()", "t = threading.Thread(target=f)",
    "t.start()", "t.join()", "for y in x:\n    L.append(y)", "helper(x)", "helper(acc=[])",
    "if G is None:\n    G = boto3.client('s3')", "del CACHE[x]", "obj.attr = x",
    "LOG.append_keys(k=x)", "asyncio.create_task(f(x))", "re.compile('a')",
    "json.load(open('c.json'))", "x = [y for y in event['r'] if y]", "x = {**event, 'k': x}",
    "Cls().run(x)", "lambda: CACHE.clear()", "x = f'{x}-{event}'", "return x",
]
PRELUDE = textwrap.dedent('''\
    import asyncio, json, os, re, threading
    import boto3
    from aws_lambda_powertools import Logger
    LOG = Logger()
    CACHE = {}
    L = []
    G = None
    obj = object()

    def helper(v, acc=[]):
        acc.append(v)
        CACHE[v] = acc
        return acc

    class Cls:
        def run(self, v):
            self.v = v
            helper(v)
''')


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(SNIPPETS), min_size=1, max_size=12))
def test_random_handler_bodies(lines):
    body = textwrap.indent("\n".join(lines), "    ")
    source = PRELUDE + "\n\ndef handler(event, context):\n    global G\n    x = event\n" + body + "\n"
    compile(source, "app.py", "exec")
    for finding in analyse_all(source):
        assert finding.text.startswith(finding.code) and finding.line >= 1
