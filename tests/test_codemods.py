"""The fixes as libcst codemods: libcst's CodemodTest, and the documented
`python -m libcst.tool codemod` command line."""
import subprocess
import sys
import textwrap

from libcst.codemod import CodemodTest

from flake8_lambda_state.codemods import (HoistClients, NoneSentinel, RecomputeAfterRestore,
                                          SessionForOneShotRequests)

BEFORE = '''
import boto3


def handler(event, context, seen=[]):
    seen.append(event["id"])
    sqs = boto3.client("sqs")
    return sqs.send_message(QueueUrl="q", MessageBody=str(seen))
'''


class TestHoistClients(CodemodTest):
    TRANSFORM = HoistClients

    def test_hoists_the_client_and_leaves_the_default(self):
        self.assertCodemod(BEFORE, '''
import boto3

sqs = boto3.client("sqs")


def handler(event, context, seen=[]):
    seen.append(event["id"])
    return sqs.send_message(QueueUrl="q", MessageBody=str(seen))
''')

    def test_nothing_to_fix_is_a_skip(self):
        self.assertCodemod("import boto3\ns3 = boto3.client('s3')\n",
                           "import boto3\ns3 = boto3.client('s3')\n", expected_skip=True)


class TestNoneSentinel(CodemodTest):
    TRANSFORM = NoneSentinel

    def test_defaults_to_none(self):
        self.assertCodemod(BEFORE, '''
import boto3


def handler(event, context, seen=None):
    if seen is None:
        seen = []
    seen.append(event["id"])
    sqs = boto3.client("sqs")
    return sqs.send_message(QueueUrl="q", MessageBody=str(seen))
''')


class TestSessionForOneShotRequests(CodemodTest):
    TRANSFORM = SessionForOneShotRequests

    def test_the_unsafe_fix_runs_when_asked_for_by_name(self):
        self.assertCodemod(
            "import requests\n\n\ndef handler(event, context):\n"
            "    return requests.get('https://x.example').json()\n",
            "import requests\n\nhttp_session = requests.Session()\n\n\n"
            "def handler(event, context):\n    return http_session.get('https://x.example').json()\n")


def test_the_libcst_tool_runs_a_codemod_by_its_dotted_name(tmp_path):
    (tmp_path / "pyproject.toml").write_text("")
    app = tmp_path / "app.py"
    app.write_text(textwrap.dedent(BEFORE))
    done = subprocess.run(
        [sys.executable, "-m", "libcst.tool", "codemod", "--no-format", "-x",
         "flake8_lambda_state.codemods.HoistClients", str(app)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert 'sqs = boto3.client("sqs")\n\n\ndef handler' in app.read_text()


class TestRecomputeAfterRestore(CodemodTest):
    TRANSFORM = RecomputeAfterRestore

    def test_adds_the_hook(self):
        self.assertCodemod(
            "import uuid\nimport snapshot_restore_py\n\nRUN_ID = uuid.uuid4().hex\n\n\n"
            "def handler(event, context):\n    return RUN_ID\n",
            "import uuid\nimport snapshot_restore_py\n\nRUN_ID = uuid.uuid4().hex\n\n\n"
            "@snapshot_restore_py.register_after_restore\ndef refresh_after_restore():\n"
            "    global RUN_ID\n    RUN_ID = uuid.uuid4().hex\n\n\n"
            "def handler(event, context):\n    return RUN_ID\n")
