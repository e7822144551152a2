"""Run the shared analysis and rules on a source string."""
import textwrap

from flake8_lambda_state.analysis import build_model
from flake8_lambda_state.rules import run_rules
from flake8_lambda_state.settings import Settings, build_settings


def analyse(source, filename="app.py", settings=None):
    return build_model(textwrap.dedent(source), filename, settings or Settings())


def findings(source, filename="app.py", settings=None, codes=None):
    model = analyse(source, filename, settings)
    return run_rules(model, codes)


def codes(source, filename="app.py", settings=None, only=None):
    """[(line, code), ...] of the findings, optionally only codes starting with `only`."""
    out = [(f.line, f.code) for f in findings(source, filename, settings)]
    if only:
        out = [item for item in out if item[1].startswith(only)]
    return out


def messages(source, **kwargs):
    return [f.text for f in findings(source, **kwargs)]


def run_cli(capsys, *argv):
    """(exit status, stdout, stderr) of the command line."""
    from flake8_lambda_state.cli import main
    status = main(list(argv))
    out = capsys.readouterr()
    return status, out.out, out.err


def fix_checked(source, code, unsafe=False):
    """fix_source's result for one code, checked: the file was analysed, the
    result compiles, and a second run changes nothing."""
    from flake8_lambda_state.fixes.pipeline import fix_source
    result = fix_source(source, "app.py", Settings(), [code], unsafe)
    assert result.skipped is None
    again = fix_source(result.new, "app.py", Settings(), [code], unsafe)
    assert again.new == result.new and not again.applied        # idempotent
    compile(result.new, "app.py", "exec")
    return result


def no_fix_offered(source, code) -> bool:
    """The source has a `code` finding and its rule offers no fix for it
    (not even one the pipeline would then refuse), with --unsafe-fixes."""
    from flake8_lambda_state.fixes.pipeline import fix_source
    assert [c for c in codes(source) if c[1] == code], f"the case must be a {code} finding"
    result = fix_source(source, "app.py", Settings(), [code], True)
    return result.new == source and not result.applied and not result.refused


__all__ = ["analyse", "findings", "codes", "messages", "run_cli", "build_settings", "Settings",
           "fix_checked", "no_fix_offered"]


# A handler that leaks a card number into a global and builds a client per
# invocation: one LAM201 and one LAM301, the command-line tests' example.
LEAKY = textwrap.dedent('''\
    import boto3
    _last = None


    def lambda_handler(event, context):
        global _last
        _last = event["card"]
        s3 = boto3.client("s3")
        return s3
''')
