"""flake8-lambda-state: finds state that leaks between AWS Lambda invocations
and work redone on every warm invocation."""
__version__ = "0.1.0"

from .plugin import Plugin  # noqa: E402

__all__ = ["Plugin", "__version__"]
