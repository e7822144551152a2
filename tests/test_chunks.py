"""A long module parsed a run of statements at a time (analysis/chunks.py)
is the tree the whole parse gives, node for node, or is parsed whole."""
import ast
import glob
import itertools
import os
import sys

import libcst as cst
import pytest

from flake8_lambda_state.analysis import chunks
from flake8_lambda_state.engine import lint_source
from flake8_lambda_state.settings import Settings

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
import handler_code  # noqa: E402  (the benchmarks' generated handler modules)


def same_as_whole(source: str) -> bool:
    joined = chunks.parse_in_chunks(source, ast.parse(source))
    whole = cst.parse_module(source)
    return joined is not None and joined.deep_equals(whole) and joined.code == whole.code


@pytest.fixture
def every_statement(monkeypatch):
    """Cut before every top-level statement that may be cut, in any module."""
    monkeypatch.setattr(chunks, "CHUNK_FROM_LINES", 1)
    monkeypatch.setattr(chunks, "CHUNK_LINES", 1)


def test_a_long_generated_module_is_parsed_in_runs_to_the_same_tree():
    source = handler_code.module(3_000)
    assert source.count("\n") >= chunks.CHUNK_FROM_LINES
    assert same_as_whole(source)


def test_a_short_module_is_parsed_whole():
    source = handler_code.module(300)
    assert chunks.parse_in_chunks(source, ast.parse(source)) is None


def test_every_fixture_and_source_file_cut_at_every_statement(every_statement):
    paths = sorted(glob.glob(os.path.join(ROOT, "fixtures", "**", "*.py"), recursive=True))
    paths += sorted(glob.glob(os.path.join(ROOT, "flake8_lambda_state", "**", "*.py"),
                              recursive=True))
    cut = 0
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            source = fh.read()
        tree = ast.parse(source)
        joined = chunks.parse_in_chunks(source, tree)
        if joined is not None:
            cut += 1
            assert joined.deep_equals(cst.parse_module(source)), path
    assert cut > 50


HEADS = ["x = 1\n", "def f():\n    x = 1  # t\n", "class C:\n    def m(self):\n        pass\n",
         "if x:\n    y = 1\nelse:\n    y = 2\n", "def f():\n\tx = 1\n", "@d\ndef f(): pass\n",
         "s = '''a\n\n  b'''\n"]
GAP_LINES = ["", "# c", "  ", "    # c", "\t", "\x0c"]


@pytest.mark.parametrize("head", HEADS)
def test_what_lies_between_two_statements_is_cut_only_where_libcst_gives_it_back(
        head, every_statement):
    """An indented blank line at the end of libcst's input is lost (its own
    bug); a cut is made only after empty lines and column-0 comments."""
    for newline in ("\n", "\r\n"):
        for n in range(3):
            for gap in itertools.product(GAP_LINES, repeat=n):
                source = (head + "".join(line + "\n" for line in gap) + "z = 2\n") \
                    .replace("\n", newline)
                try:
                    ast.parse(source)
                except SyntaxError:
                    continue
                plain = all(line in ("", "# c") for line in gap)
                assert (chunks.parse_in_chunks(source, ast.parse(source)) is not None) is plain
                if plain:
                    assert same_as_whole(source), repr(source)


def test_runs_that_disagree_on_indentation_are_parsed_whole(every_statement):
    source = "def f():\n    return 1\n\n\ndef g():\n  return 2\n"
    assert chunks.parse_in_chunks(source, ast.parse(source)) is None
    source = "def f():\n    return 1\n\n\ndef g():\n    return 2\n"
    assert same_as_whole(source)


def test_a_run_that_does_not_parse_alone_is_parsed_whole(every_statement, monkeypatch):
    source = "x = 1\n\n\ny = 2\n"
    real = cst.parse_module

    def refusing(text, *args, **kwargs):
        if text.startswith("y"):
            raise cst.ParserSyntaxError("planted", lines=[text], raw_line=1, raw_column=0)
        return real(text, *args, **kwargs)
    monkeypatch.setattr(chunks.cst, "parse_module", refusing)
    assert chunks.parse_in_chunks(source, ast.parse(source)) is None


def test_findings_of_a_long_module_are_those_of_the_whole_parse(tmp_path, monkeypatch):
    path = tmp_path / "app.py"
    source = handler_code.module(1_500)
    path.write_text(source, encoding="utf-8")
    settings = Settings(cache_dir="off")
    parsed = []
    real = chunks.parse_in_chunks
    monkeypatch.setattr("flake8_lambda_state.analysis.model.parse_in_chunks",
                        lambda *a: parsed.append(1) or real(*a))
    in_runs = [(f.line, f.col, f.code, f.message) for f in
               lint_source(source, str(path), settings).findings]
    assert parsed
    monkeypatch.setattr(chunks, "CHUNK_FROM_LINES", 10 ** 9)
    whole = [(f.line, f.col, f.code, f.message) for f in
             lint_source(source, str(path), settings).findings]
    assert in_runs == whole and len(whole) > 100
