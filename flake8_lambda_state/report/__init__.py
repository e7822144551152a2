"""Output formats of `check`: text (flake8's layout), JSON, SARIF 2.1.0,
GitHub workflow annotations and GitLab Code Quality."""
from .formats import FORMATS, MACHINE_FORMATS, Record, Style, Summary

__all__ = ["FORMATS", "MACHINE_FORMATS", "Record", "Style", "Summary"]
