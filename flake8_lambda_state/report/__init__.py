"""Output formats of `check`: text (flake8's layout), JSON and SARIF 2.1.0."""
from .formats import FORMATS, Record

__all__ = ["FORMATS", "Record"]
