"""Autofixes: what a fix is (edits.py), how the edits of one file are
composed, checked and written (applier.py, writer.py), and where a hoisted
binding goes at module scope (placement.py). A fix is built by the rule that
reports the finding, from the same analysis (see rules/runner.py FIXERS)."""
from .edits import AddImport, Fix, InsertAfter, InsertBefore, Remove, Replace

__all__ = ["AddImport", "Fix", "InsertAfter", "InsertBefore", "Remove", "Replace"]
