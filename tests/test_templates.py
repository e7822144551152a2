"""Handlers declared in SAM / CloudFormation / Serverless templates."""
import json
import subprocess
import sys
import textwrap

import pytest

from flake8_lambda_state.cli import main
from flake8_lambda_state.templates import handlers_in

# A handler that no naming rule finds: only a template makes it one.
ENTRY = textwrap.dedent('''\
    _seen = []


    def process(payload, ctx_):
        _seen.append(payload["id"])
''')

SAM = textwrap.dedent('''\
    AWSTemplateFormatVersion: "2010-09-09"
    Transform: AWS::Serverless-2016-10-31
    Globals:
      Function:
        Runtime: python3.12
        CodeUri: src/
    Resources:
      Orders:
        Type: AWS::Serverless::Function
        Properties:
          Handler: orders.process
          Environment:
            Variables:
              TABLE: !Ref OrdersTable
              ARN: !GetAtt OrdersTable.Arn
              URL: !Sub "https://${AWS::Region}.example.com"
              PICK: !If [IsProd, !Ref A, !Ref B]
      Worker:
        Type: AWS::Serverless::Function
        Properties:
          CodeUri: workers
          Handler: jobs.queue.consume
      Node:
        Type: AWS::Serverless::Function
        Properties:
          Runtime: nodejs20.x
          Handler: orders.other
      OrdersTable:
        Type: AWS::DynamoDB::Table
''')


@pytest.fixture
def repo(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_sam_yaml_with_short_form_tags(repo):
    (repo / "template.yaml").write_text(SAM)
    found = sorted(handlers_in(str(repo / "template.yaml")))
    assert found == [(str(repo / "src" / "orders.py"), "process"),
                     (str(repo / "workers" / "jobs" / "queue.py"), "consume")]


def test_cloudformation_json(repo):
    template = {"Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {
        "Runtime": "python3.11", "Handler": "app.process", "Code": "build/"}}}}
    (repo / "template.json").write_text(json.dumps(template))
    assert handlers_in(str(repo / "template.json")) == [(str(repo / "build" / "app.py"), "process")]


def test_serverless_framework(repo):
    (repo / "serverless.yml").write_text(textwrap.dedent('''\
        service: orders
        provider:
          name: aws
          runtime: python3.12
        functions:
          create:
            handler: src/handlers/orders.process
          legacy:
            handler: handler.main
            runtime: nodejs18.x
    '''))
    assert handlers_in(str(repo / "serverless.yml")) == [
        (str(repo / "src" / "handlers" / "orders.py"), "process")]


def test_handler_found_only_through_a_template_in_cli_and_flake8(repo, capsys):
    (repo / "src").mkdir()
    (repo / "src" / "orders.py").write_text(ENTRY)
    (repo / "template.yaml").write_text(SAM)
    status = main(["check", "src"])
    out = capsys.readouterr().out
    assert status == 1 and "src/orders.py:5:5: LAM104" in out
    proc = subprocess.run([sys.executable, "-m", "flake8", "--select=LAM", "src"],
                          capture_output=True, text=True, timeout=120)
    assert "src/orders.py:5:5: LAM104" in proc.stdout


def test_without_template_the_function_is_not_a_handler(repo, capsys):
    (repo / "src").mkdir()
    (repo / "src" / "orders.py").write_text(ENTRY)
    assert main(["check", "src"]) == 0


def test_explicit_templates_option(repo, capsys):
    (repo / "infra").mkdir()
    (repo / "infra" / "stack.yaml").write_text(SAM.replace("CodeUri: src/", "CodeUri: ../src/"))
    (repo / "src").mkdir()
    (repo / "src" / "orders.py").write_text(ENTRY)
    assert main(["check", "src"]) == 0
    assert main(["check", "--lambda-templates", "infra/stack.yaml", "src"]) == 1
    assert main(["check", "--lambda-templates", "infra/missing.yaml", "src"]) == 2


def test_broken_template_is_a_warning_not_a_crash(repo, capsys):
    (repo / "template.yaml").write_text("Resources: [unclosed\n  - : :\n")
    (repo / "app.py").write_text("def handler(event, context):\n    return 1\n")
    status = main(["check", "."])
    err = capsys.readouterr().err
    assert status == 0
    assert "warning:" in err and "template.yaml" in err and "Traceback" not in err
    proc = subprocess.run([sys.executable, "-m", "flake8", "--select=LAM", "."],
                          capture_output=True, text=True, timeout=120)
    assert "Traceback" not in proc.stderr and proc.returncode == 0


HANDLER_WITH_FINDING = "import boto3\n\n\ndef handler(event, context):\n    return boto3.client('s3')\n"


@pytest.mark.parametrize("function", ["[Runtime, python3.12]", "just a string", "7"])
def test_a_template_with_odd_globals_is_ignored_with_a_warning(repo, capsys, function):
    """Files under a template the tool cannot understand are analysed as if
    it were absent: the handler's finding is still reported."""
    (repo / "template.yaml").write_text(
        f"Globals:\n  Function: {function}\nResources:\n  Fn:\n"
        f"    Type: AWS::Serverless::Function\n    Properties:\n      Handler: app.handler\n")
    (repo / "app.py").write_text(HANDLER_WITH_FINDING)
    assert main(["check", "."]) == 1
    out, err = capsys.readouterr()
    assert "app.py:5:12: LAM301" in out and "skipped" not in out + err
    warning = [line for line in err.splitlines() if "warning" in line]
    assert len(warning) == 1 and "template.yaml: Globals.Function is a" in warning[0]


def test_an_empty_globals_function_is_no_globals(repo, capsys):
    (repo / "template.yaml").write_text(
        "Globals:\n  Function:\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties:\n      Handler: app.other\n")
    (repo / "app.py").write_text(HANDLER_WITH_FINDING + "\n\ndef other(a, b):\n    boto3.client('s3')\n")
    assert main(["check", "."]) == 1
    out, err = capsys.readouterr()
    assert "app.py:9:5: LAM301" in out and err.count("LAM301") == 0 and "warning" not in err


def test_odd_globals_under_flake8_is_one_warning_and_the_finding(repo):
    (repo / "template.yaml").write_text(
        "Globals: [1]\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties:\n      Handler: app.handler\n")
    (repo / "app.py").write_text(HANDLER_WITH_FINDING)
    proc = subprocess.run([sys.executable, "-m", "flake8", "--select=LAM", "."],
                          capture_output=True, text=True, timeout=120)
    assert "./app.py:5:12: LAM301" in proc.stdout
    assert "template.yaml: Globals is a list, not a mapping" in proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr


def test_a_template_is_parsed_once_and_again_when_it_changes(repo, monkeypatch):
    from flake8_lambda_state import templates
    templates.clear_caches()
    read = []
    load = templates.load_template
    monkeypatch.setattr(templates, "load_template", lambda path: read.append(path) or load(path))
    (repo / "template.yaml").write_text(SAM)
    for module in ("src/orders.py", "workers/jobs/queue.py"):
        (repo / module).parent.mkdir(parents=True, exist_ok=True)
        (repo / module).write_text(ENTRY)
    app = str(repo / "src" / "orders.py")
    assert templates.template_handlers(app) == {"process"}
    assert templates.template_handlers(app) == {"process"}
    assert templates.template_handlers(str(repo / "workers" / "jobs" / "queue.py")) == {"consume"}
    assert read == [str(repo / "template.yaml")]
    (repo / "template.yaml").write_text(SAM.replace("orders.process", "orders.process_all"))
    assert templates.template_handlers(app) == {"process_all"}    # no clear_caches needed
    assert len(read) == 2


def test_templates_load_alike_without_libyaml(repo, monkeypatch):
    """libyaml's loader where PyYAML has it, PyYAML's own otherwise: the
    same functions either way (short-form tags included)."""
    import yaml

    from flake8_lambda_state import templates
    (repo / "template.yaml").write_text(SAM)
    templates._yaml_loader.cache_clear()
    fast = templates.load_template(str(repo / "template.yaml"))
    assert issubclass(templates._yaml_loader()[1], getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    monkeypatch.delattr(yaml, "CSafeLoader", raising=False)
    templates._yaml_loader.cache_clear()
    try:
        assert not issubclass(templates._yaml_loader()[1], getattr(yaml, "CParser", ()))
        assert templates.load_template(str(repo / "template.yaml")) == fast
        assert fast["Resources"]["Orders"]["Properties"]["Environment"]["Variables"] == {
            "TABLE": {"Ref": "OrdersTable"}, "ARN": {"Fn::GetAtt": "OrdersTable.Arn"},
            "URL": {"Fn::Sub": "https://${AWS::Region}.example.com"},
            "PICK": {"Fn::If": ["IsProd", {"Ref": "A"}, {"Ref": "B"}]}}
    finally:
        templates._yaml_loader.cache_clear()
