"""Messages quote the offending code shortened at a comma or an opening
bracket, never in the middle of a string."""
import pytest

from flake8_lambda_state.rules.base import shorten
from helpers import messages


@pytest.mark.parametrize("text, shortened", [
    ('requests.post("https://example.com/a/very/long/path/that/goes/on/and/on", json=body)',
     "requests.post(...)"),
    ('boto3.client("s3", region_name=os.environ["REGION"], endpoint_url=os.environ["URL"])',
     'boto3.client("s3", region_name=os.environ["REGION"], ...)'),
    ("x = compute(a, b) + another_function_call(alpha, beta, gamma, delta, epsilon)",
     "x = compute(a, b) + another_function_call(alpha, beta, ...)"),
    ('"a string that is much too long to be shown in one message of sixty"', "..."),
])
def test_messages_never_cut_inside_a_string(text, shortened):
    assert shorten(text, 60) == shortened and len(shortened) <= 60


def test_a_finding_quotes_a_long_call_with_its_brackets_closed():
    source = """
        import boto3

        def handler(event, context):
            return boto3.client("s3", endpoint_url="https://s3.example.com/a/long/endpoint/path")
    """
    assert messages(source)[0].startswith('LAM301 boto3.client("s3", ...) creates a client')
