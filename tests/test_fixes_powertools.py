"""LAM303's fix for parameter and secret fetches: Powertools parameters with
max_age, only in modules that already import Powertools and only for shapes
that map exactly (exact fixed source, or the file left as it was)."""
import textwrap

from libcst.codemod import CodemodTest

from flake8_lambda_state.codemods import AllFixes
from flake8_lambda_state.fixes.pipeline import fix_source
from flake8_lambda_state.settings import Settings
from tests.helpers import codes, fix_checked, no_fix_offered

HEAD = '''
    import json
    import boto3
    from aws_lambda_powertools import Logger

    ssm = boto3.client("ssm")
    secrets = boto3.client("secretsmanager")
    logger = Logger()

'''


def fixed(body, unsafe=False):
    return fix_checked(textwrap.dedent(HEAD) + textwrap.dedent(body), "LAM303", unsafe)


def test_parameter_and_secret_become_cached_powertools_calls():
    result = fixed('''
        def handler(event, context):
            key = ssm.get_parameter(Name="/app/key", WithDecryption=True)["Parameter"]["Value"]
            token = secrets.get_secret_value(SecretId="app/token")["SecretString"]
            return {"key": key, "token": token}
        ''')
    assert result.new == textwrap.dedent('''
        import json
        import boto3
        from aws_lambda_powertools import Logger
        from aws_lambda_powertools.utilities import parameters

        ssm = boto3.client("ssm")
        secrets = boto3.client("secretsmanager")
        logger = Logger()


        def handler(event, context):
            key = parameters.get_parameter("/app/key", decrypt=True, max_age=300)
            token = parameters.get_secret("app/token", max_age=300)
            return {"key": key, "token": token}
        ''')
    assert [code for code, _title in result.applied] == ["LAM303", "LAM303"]
    assert "values refresh every 5 minutes" in result.applied[0][1]
    assert not [c for c in codes(result.new) if c[1] == "LAM303"]


def test_existing_parameters_import_is_reused_and_a_constant_name_kept():
    source = textwrap.dedent('''
        import os
        import boto3
        from aws_lambda_powertools.utilities import parameters

        NAME = os.environ["KEY_PARAM"]


        def handler(event, context):
            ssm = boto3.client("ssm")
            return {"key": ssm.get_parameter(Name=NAME, WithDecryption=False)["Parameter"]["Value"]}
        ''')
    result = fix_source(source, "app.py", Settings(), ["LAM303"])
    assert result.new == source.replace(
        'ssm.get_parameter(Name=NAME, WithDecryption=False)["Parameter"]["Value"]',
        'parameters.get_parameter(NAME, decrypt=False, max_age=300)')


def refused(body, head=HEAD):
    return no_fix_offered(textwrap.dedent(head) + textwrap.dedent(body), "LAM303")


def test_no_fix_without_a_powertools_import():
    assert refused('''
        def handler(event, context):
            return ssm.get_parameter(Name="/app/key")["Parameter"]["Value"]
        ''', head='''
        import boto3

        ssm = boto3.client("ssm")
        ''')


def test_a_result_used_other_than_by_the_exact_subscripts_is_not_fixed():
    assert refused('''
        def handler(event, context):
            response = ssm.get_parameter(Name="/app/key")
            return response["Parameter"]["Value"]
        ''')
    assert refused('''
        def handler(event, context):
            return ssm.get_parameter(Name="/app/key")["Parameter"]["Version"]
        ''')
    assert refused('''
        def handler(event, context):
            return ssm.get_parameter(Name="/app/key")["Parameter"]
        ''')
    assert refused('''
        def handler(event, context):
            return secrets.get_secret_value(SecretId="app/token")["SecretBinary"]
        ''')


def test_arguments_it_cannot_map_are_not_fixed():
    assert refused('''
        def handler(event, context):
            return secrets.get_secret_value(SecretId="app/token", VersionStage="AWSPREVIOUS")["SecretString"]
        ''')
    assert refused('''
        def handler(event, context):
            return ssm.get_parameter(Name="/app/key", WithDecryption=DECRYPT)["Parameter"]["Value"]
        ''', head=HEAD + '    DECRYPT = True\n')
    assert refused('''
        def handler(event, context):
            return ssm.get_parameters(Names=["/app/key"])["Parameters"]
        ''')


def test_a_client_with_its_own_region_or_session_is_not_fixed():
    assert refused('''
        def handler(event, context):
            return far.get_parameter(Name="/app/key")["Parameter"]["Value"]
        ''', head=HEAD + '    far = boto3.client("ssm", region_name="eu-west-1")\n')
    assert refused('''
        def handler(event, context):
            return other.get_parameter(Name="/app/key")["Parameter"]["Value"]
        ''', head=HEAD + '    other = boto3.Session(profile_name="ops").client("ssm")\n')


def test_a_fetch_inside_try_is_not_fixed_the_exception_type_changes():
    assert refused('''
        def handler(event, context):
            if event:
                try:
                    return ssm.get_parameter(Name="/app/key")["Parameter"]["Value"]
                except ssm.exceptions.ParameterNotFound:
                    return None
        ''')


def test_a_parameters_name_taken_by_something_else_is_not_fixed():
    assert refused('''
        parameters = {}


        def handler(event, context):
            return ssm.get_parameter(Name="/app/key")["Parameter"]["Value"]
        ''')


class TestAllFixesCodemod(CodemodTest):
    TRANSFORM = AllFixes

    def test_the_codemod_fetches_through_powertools(self):
        self.assertCodemod('''
import boto3
from aws_lambda_powertools import Tracer

secrets = boto3.client("secretsmanager")


def handler(event, context):
    return {"token": secrets.get_secret_value(SecretId="app/token")["SecretString"]}
''', '''
import boto3
from aws_lambda_powertools import Tracer
from aws_lambda_powertools.utilities import parameters

secrets = boto3.client("secretsmanager")


def handler(event, context):
    return {"token": parameters.get_secret("app/token", max_age=300)}
''')


def test_a_fetch_in_a_helper_is_fixed_where_it_is():
    result = fixed('''
        def handler(event, context):
            return {"user": read_secret("gateway/username")}


        def read_secret(secret_name):
            return json.loads(secrets.get_secret_value(SecretId=secret_name)["SecretString"])["user"]
        ''')
    assert result.new.endswith(textwrap.dedent('''
        def read_secret(secret_name):
            return json.loads(parameters.get_secret(secret_name, max_age=300))["user"]
        '''))


def test_a_local_called_parameters_is_not_shadowed():
    assert refused('''
        def handler(event, context):
            parameters = event["parameters"]
            key = ssm.get_parameter(Name="/app/key")["Parameter"]["Value"]
            return {"key": key, "parameters": parameters}
        ''')
