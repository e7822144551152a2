"""The LAM501 autofix (issue 13): the init value stays and an
`@register_after_restore` hook recomputes it. Exact fixed sources, the
unsafe case, the refusals, and what the hook does when snapshot_restore_py
runs it."""
import importlib.util
import pathlib
import sys
import textwrap
import types

import pytest

from flake8_lambda_state.fixes.pipeline import fix_source
from flake8_lambda_state.settings import Settings, build_settings


def fix(source, unsafe=False, settings=None):
    settings = settings or Settings()
    result = fix_source(textwrap.dedent(source), "app.py", settings, ["LAM501"], unsafe)
    assert result.skipped is None
    again = fix_source(result.new, "app.py", settings, ["LAM501"], unsafe)
    assert again.new == result.new and not again.applied      # idempotent
    compile(result.new, "app.py", "exec")
    return result


def fixed(source, **kwargs):
    return fix(source, **kwargs).new


def same(text):
    return textwrap.dedent(text)


def test_a_single_value_gets_a_hook_after_it():
    assert fixed('''
        import uuid
        from snapshot_restore_py import register_after_restore

        RUN_ID = str(uuid.uuid4())  # one per environment, we hope
        TABLE = "orders"


        def handler(event, context):
            return {"run": RUN_ID, "table": TABLE}
        ''') == same('''
        import uuid
        from snapshot_restore_py import register_after_restore

        RUN_ID = str(uuid.uuid4())  # one per environment, we hope


        @register_after_restore
        def refresh_after_restore():
            global RUN_ID
            RUN_ID = str(uuid.uuid4())


        TABLE = "orders"


        def handler(event, context):
            return {"run": RUN_ID, "table": TABLE}
        ''')


def test_two_values_share_one_hook_and_the_import_is_added_once():
    result = fix('''
        import os
        import time
        from datetime import datetime, timezone

        KEY = os.urandom(16)
        STARTED_AT = datetime.now(timezone.utc).isoformat()
        LIMIT = 10

        def handler(event, context):
            return {"key": KEY.hex(), "since": STARTED_AT, "now": time.time()}
        ''', settings=build_settings(snapstart="all"))
    assert result.new == same('''
        import os
        import time
        from datetime import datetime, timezone
        from snapshot_restore_py import register_after_restore

        KEY = os.urandom(16)
        STARTED_AT = datetime.now(timezone.utc).isoformat()


        @register_after_restore
        def refresh_after_restore():
            global KEY, STARTED_AT
            KEY = os.urandom(16)
            STARTED_AT = datetime.now(timezone.utc).isoformat()


        LIMIT = 10

        def handler(event, context):
            return {"key": KEY.hex(), "since": STARTED_AT, "now": time.time()}
        ''')
    assert [code for code, _title in result.applied] == ["LAM501", "LAM501"]
    assert not result.unfixed


USED_AT_INIT = '''
    import time
    import uuid
    import snapshot_restore_py

    STARTED = time.time()
    RUN_ID = uuid.uuid4().hex
    RUN_TAG = "run-" + RUN_ID


    def handler(event, context):
        return {"run": RUN_ID, "tag": RUN_TAG, "since": STARTED}
    '''


def test_a_value_other_init_code_reads_is_fixed_only_with_unsafe_fixes():
    safe = fix(USED_AT_INIT)
    assert safe.new == same('''
        import time
        import uuid
        import snapshot_restore_py

        STARTED = time.time()


        @snapshot_restore_py.register_after_restore
        def refresh_after_restore():
            global STARTED
            STARTED = time.time()


        RUN_ID = uuid.uuid4().hex
        RUN_TAG = "run-" + RUN_ID


        def handler(event, context):
            return {"run": RUN_ID, "tag": RUN_TAG, "since": STARTED}
        ''')
    assert (safe.unfixed["LAM501"], safe.unsafe_left) == (1, 1)
    assert fixed(USED_AT_INIT, unsafe=True) == same('''
        import time
        import uuid
        import snapshot_restore_py

        STARTED = time.time()


        @snapshot_restore_py.register_after_restore
        def refresh_after_restore():
            global STARTED, RUN_ID
            STARTED = time.time()
            RUN_ID = uuid.uuid4().hex


        RUN_ID = uuid.uuid4().hex
        RUN_TAG = "run-" + RUN_ID


        def handler(event, context):
            return {"run": RUN_ID, "tag": RUN_TAG, "since": STARTED}
        ''')


def test_a_read_in_a_function_that_init_calls_is_a_read_at_init():
    source = '''
        import uuid
        import snapshot_restore_py

        RUN_ID = uuid.uuid4().hex


        def banner():
            return "run " + RUN_ID


        BANNER = banner()


        def handler(event, context):
            return {"run": RUN_ID, "banner": BANNER}
        '''
    assert fixed(source) == same(source)
    assert "    RUN_ID = uuid.uuid4().hex\n" in fixed(source, unsafe=True)


def test_an_existing_hook_gets_the_rebinding():
    assert fixed('''
        import secrets
        from snapshot_restore_py import register_after_restore

        import psycopg2

        TOKEN = secrets.token_hex(16)
        conn = psycopg2.connect("dbname=app")


        @register_after_restore
        def reconnect():
            """Open a fresh connection."""
            global conn
            conn = psycopg2.connect("dbname=app")


        def handler(event, context):
            return {"token": TOKEN}
        ''') == same('''
        import secrets
        from snapshot_restore_py import register_after_restore

        import psycopg2

        TOKEN = secrets.token_hex(16)
        conn = psycopg2.connect("dbname=app")


        @register_after_restore
        def reconnect():
            """Open a fresh connection."""
            global conn, TOKEN
            conn = psycopg2.connect("dbname=app")
            TOKEN = secrets.token_hex(16)


        def handler(event, context):
            return {"token": TOKEN}
        ''')


def test_an_aliased_import_is_used_as_written():
    out = fixed('''
        import uuid
        from snapshot_restore_py import register_after_restore as after_restore

        RUN_ID = uuid.uuid4()

        def handler(event, context):
            return str(RUN_ID)
        ''')
    assert "\n\n@after_restore\ndef refresh_after_restore():\n    global RUN_ID\n" in out
    assert out.count("snapshot_restore_py") == 1


def test_an_annotated_value_is_rebound_without_its_annotation():
    out = fixed('''
        import random
        import snapshot_restore_py

        JITTER: float = random.uniform(0, 1)

        def handler(event, context):
            return JITTER
        ''')
    assert "    global JITTER\n    JITTER = random.uniform(0, 1)\n" in out


def test_the_import_with_a_fallback_for_local_runs_is_used():
    assert fixed('''
        import uuid

        try:
            from snapshot_restore_py import register_after_restore
        except ImportError:

            def register_after_restore(func):
                return func


        RUN_ID = uuid.uuid4().hex


        def handler(event, context):
            return RUN_ID
        ''') == same('''
        import uuid

        try:
            from snapshot_restore_py import register_after_restore
        except ImportError:

            def register_after_restore(func):
                return func


        RUN_ID = uuid.uuid4().hex


        @register_after_restore
        def refresh_after_restore():
            global RUN_ID
            RUN_ID = uuid.uuid4().hex


        def handler(event, context):
            return RUN_ID
        ''')


@pytest.mark.parametrize("source", [
    # a seeding call is not a `NAME = <expr>`
    '''
    import random
    import snapshot_restore_py
    random.seed(7)

    def handler(event, context):
        return random.random()
    ''',
    # a value set in a function that init calls
    '''
    import uuid
    import snapshot_restore_py
    RUN_ID = None

    def setup():
        global RUN_ID
        RUN_ID = uuid.uuid4()

    setup()

    def handler(event, context):
        return str(RUN_ID)
    ''',
    # two targets, a walrus, a lambda that reads a name
    '''
    import uuid
    import snapshot_restore_py
    A = B = uuid.uuid4()

    def handler(event, context):
        return str(A) + str(B)
    ''',
    '''
    import uuid
    import snapshot_restore_py
    RUN_ID = (raw := uuid.uuid4()).hex

    def handler(event, context):
        return RUN_ID + str(raw)
    ''',
    # under an `if`: not a top-level statement
    '''
    import os, uuid
    import snapshot_restore_py
    if os.environ.get("STAGE"):
        RUN_ID = uuid.uuid4()

    def handler(event, context):
        return str(RUN_ID)
    ''',
    # two after-restore hooks: which one to extend is the author's choice
    '''
    import uuid
    from snapshot_restore_py import register_after_restore
    RUN_ID = uuid.uuid4()
    count = 0

    @register_after_restore
    def one():
        print("restored")

    @register_after_restore
    def two():
        print("again")

    def handler(event, context):
        return str(RUN_ID)
    ''',
    # a hook that returns early: an appended rebinding might never run
    '''
    import os, uuid
    from snapshot_restore_py import register_after_restore
    RUN_ID = uuid.uuid4()

    @register_after_restore
    def restored():
        if os.environ.get("QUIET"):
            return
        print("restored")

    def handler(event, context):
        return str(RUN_ID)
    ''',
    # the name the import would bring is taken
    '''
    import uuid
    RUN_ID = uuid.uuid4()

    def register_after_restore(fn):
        return fn

    def handler(event, context):
        return str(RUN_ID)
    ''',
], ids=["seed", "set-in-function", "two-targets", "walrus", "under-if", "two-hooks",
        "hook-returns", "name-taken"])
def test_refused(source):
    result = fix(source, unsafe=True, settings=build_settings(snapstart="all"))
    assert result.new == same(source) and not result.applied
    assert result.unfixed["LAM501"] >= 1


def test_the_hook_recomputes_the_value_when_snapshot_restore_py_runs_it(tmp_path, monkeypatch):
    hooks = []
    stub = types.ModuleType("snapshot_restore_py")
    stub.register_after_restore = lambda fn: hooks.append(fn) or fn
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", stub)
    path = tmp_path / "restored_app.py"
    path.write_text(fixed('''
        import uuid
        from snapshot_restore_py import register_after_restore

        RUN_ID = str(uuid.uuid4())


        def handler(event, context):
            return {"run": RUN_ID}
        '''))
    spec = importlib.util.spec_from_file_location("restored_app", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    snapshot_value = module.handler({}, None)["run"]
    assert len(hooks) == 1
    hooks[0]()                                  # what the runtime does after a restore
    restored_value = module.handler({}, None)["run"]
    assert restored_value != snapshot_value and len(restored_value) == 36


def test_the_snapstart_fixture_is_fixed_by_its_template(tmp_path):
    """fixtures/snapstart_orders: SnapStart by template.yaml (no import of
    snapshot_restore_py): the import is added, both values join one hook,
    LAM502/LAM503 stay, nothing is added."""
    import shutil

    from flake8_lambda_state.engine import lint_source
    folder = tmp_path / "snapstart_orders"
    shutil.copytree(pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "snapstart_orders", folder)
    path = folder / "bad_snapstart.py"
    old = path.read_text()
    result = fix_source(old, str(path), Settings(), ["LAM501"])
    assert [code for code, _ in result.applied] == ["LAM501", "LAM501"]
    assert result.new == old.replace(
        "import pymysql\n", "import pymysql\nfrom snapshot_restore_py import register_after_restore\n"
    ).replace(
        'STARTED_AT = datetime.now(timezone.utc).isoformat()  # expect: LAM501\n',
        'STARTED_AT = datetime.now(timezone.utc).isoformat()  # expect: LAM501\n\n\n'
        '@register_after_restore\ndef refresh_after_restore():\n'
        '    global RUN_ID, STARTED_AT\n    RUN_ID = str(uuid.uuid4())\n'
        '    STARTED_AT = datetime.now(timezone.utc).isoformat()\n\n\n')
    codes = [f.code for f in lint_source(result.new, str(path), Settings()).findings]
    assert sorted(codes) == ["LAM502", "LAM503"]
