"""`check --jobs` and `fix --jobs`: the project's modules are summarised by
the worker processes too, every template is read once per run (before any
worker starts), and the report is the one a single process gives."""
import gc
import os
import textwrap

import pytest

import flake8_lambda_state.project as project_module
from flake8_lambda_state import templates
from flake8_lambda_state.pool import MAX_CHUNK, chunk_size, frozen_heap, process_pool
from helpers import run_cli as run

MODULES = project_module.SUMMARISE_PARALLEL_FROM + 6    # enough to summarise in workers

SAM = textwrap.dedent('''\
    Transform: AWS::Serverless-2016-10-31
    Globals:
      Function:
        Runtime: python3.12
        CodeUri: src/
    Resources:
      Snap:
        Type: AWS::Serverless::Function
        Properties:
          Handler: app.snap
          SnapStart:
            ApplyOn: PublishedVersions
''')
APP = textwrap.dedent('''\
    import uuid

    RUN_ID = str(uuid.uuid4())


    def snap(event, context):
        return RUN_ID
''')
SERVERLESS = textwrap.dedent('''\
    service: workers
    provider:
      name: aws
      runtime: python3.12
    functions:
      consume:
        handler: worker.consume
''')
WORKER = textwrap.dedent('''\
    import boto3


    def consume(payload, ctx_):
        boto3.client("sqs").delete_message(QueueUrl="q", ReceiptHandle=payload["r"])
''')
ENTRY = textwrap.dedent('''\
    from helpers import save


    def lambda_handler(event, context):
        save(event["id"])
''')
HELPERS = textwrap.dedent('''\
    import boto3


    def save(key):
        boto3.client("s3").put_object(Bucket="b", Key=key, Body=b"")
''')
MODULE = textwrap.dedent('''\
    CACHE = {{}}


    def handler_{n}(event, context):
        CACHE[event["id"]] = event
''')


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A repository whose one project has a SAM template at its root (SnapStart
    for src/app.py), a Serverless template in services/ (the only thing that
    makes `consume` a handler), a handler reaching a helper module, and
    enough modules for the workers to summarise them."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "template.yaml").write_text(SAM)
    src = tmp_path / "src"
    src.mkdir()
    (src / "app.py").write_text(APP)
    (src / "entry.py").write_text(ENTRY)
    (src / "helpers.py").write_text(HELPERS)
    for n in range(MODULES):
        (src / f"m{n:03d}.py").write_text(MODULE.format(n=n))
    services = tmp_path / "services"
    services.mkdir()
    (services / "serverless.yml").write_text(SERVERLESS)
    (services / "worker.py").write_text(WORKER)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FLAKE8_LAMBDA_STATE_CACHE_DIR", "off")
    return tmp_path


def _findings(out: str):
    return sorted(line.split(" ")[0] + line.split(" ")[1] for line in out.splitlines()
                  if ": LAM" in line)


def test_workers_report_what_one_process_reports(repo, capsys):
    one = run(capsys, "check", "--jobs", "1", ".")
    two = run(capsys, "check", "--jobs", "2", ".")
    assert one == two and one[0] == 1
    found = _findings(two[1])
    assert "./src/app.py:3:14:LAM501" in found                    # SnapStart, from template.yaml
    assert "./src/helpers.py:5:5:LAM301" in found                 # reached from entry.py
    assert "./services/worker.py:5:5:LAM301" in found             # a handler by serverless.yml
    assert sum(":LAM104" in f for f in found) == MODULES          # CACHE[...] in each module


def test_each_template_is_read_once_per_run_whatever_the_jobs(repo, capsys, monkeypatch):
    log = repo.parent / f"{repo.name}-reads.log"
    load = templates.load_template

    def logged(path):       # the workers are forked: they append to the same file
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(f"{os.getpid()} {path}\n")
        return load(path)
    monkeypatch.setattr(templates, "load_template", logged)
    for jobs in ("1", "2"):
        log.write_text("")
        assert run(capsys, "check", "--jobs", jobs, ".")[0] == 1
        reads = sorted(line.split(" ", 1)[1] for line in log.read_text().splitlines())
        assert reads == [str(repo / "services" / "serverless.yml"), str(repo / "template.yaml")], jobs
        assert {line.split(" ")[0] for line in log.read_text().splitlines()} == {str(os.getpid())}


def test_a_template_above_no_checked_module_is_not_read(repo, capsys, monkeypatch):
    (repo / "docs").mkdir()
    (repo / "docs" / "template.yaml").write_text("Resources: [broken\n")
    read = []
    load = templates.load_template
    monkeypatch.setattr(templates, "load_template", lambda path: read.append(path) or load(path))
    status, _, err = run(capsys, "check", "--jobs", "2", ".")
    assert status == 1 and "warning" not in err
    assert str(repo / "docs" / "template.yaml") not in read and read


def test_fix_in_workers_fixes_what_one_process_fixes(repo, capsys):
    one = run(capsys, "fix", "--jobs", "1", "--diff", ".")
    two = run(capsys, "fix", "--jobs", "2", "--diff", ".")
    assert one == two and "+++ b/./src/helpers.py" in one[1]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_bug_summarising_a_module_in_a_worker_is_contained(repo, capsys, monkeypatch, jobs):
    summarise = project_module.summarise

    def failing(tree, path, settings):
        if path.endswith("m007.py"):
            raise KeyError("planted")
        return summarise(tree, path, settings)
    monkeypatch.setattr(project_module, "summarise", failing)
    status, out, err = run(capsys, "check", "--jobs", jobs, ".")
    assert f"warning: project index of {repo} failed (KeyError: 'planted'); files are " \
           f"analysed on their own" in err
    assert err.count("warning:") == 1
    found = _findings(out)
    assert status == 1 and "./src/m007.py:5:5:LAM104" in found and len(found) > MODULES


def test_chunks_share_the_work():
    assert chunk_size(989, 2) == MAX_CHUNK
    assert chunk_size(60, 2) == 3
    assert chunk_size(3, 4) == 1


def test_the_heap_is_frozen_only_while_the_files_are_analysed():
    assert gc.get_freeze_count() == 0
    with pytest.raises(ZeroDivisionError):
        with frozen_heap():
            assert gc.get_freeze_count() > 0
            1 / 0
    assert gc.get_freeze_count() == 0
    with process_pool(2) as pool:
        assert gc.get_freeze_count() > 0
        assert list(pool.map(abs, [-1, -2, 3])) == [1, 2, 3]
    assert gc.get_freeze_count() == 0
