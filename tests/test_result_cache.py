"""Per-file results on disk (project/results.py): an unchanged file is not
analysed again, and any edit that can change its findings (its own text, a
caller in another module, a module it imports, the settings) is analysed
afresh."""
import os
import textwrap

import pytest

from flake8_lambda_state import analysis
from flake8_lambda_state.project import forget_indexes
from flake8_lambda_state.settings import Settings

from test_project import make, results

APP = {
    "app.py": """
        from helpers import save
        from clients import TABLE

        def lambda_handler(event, context):
            save(event["id"])
            TABLE.close()
            return {}
    """,
    "helpers.py": """
        import boto3

        def save(key):
            boto3.client("s3").put_object(Bucket="b", Key=key, Body=b"")
    """,
    "clients.py": """
        import boto3

        TABLE = boto3.client("dynamodb")
    """,
}
EXPECTED = [("app.py", 6, "LAM302"), ("helpers.py", 4, "LAM301")]


@pytest.fixture
def cached(tmp_path):
    forget_indexes()
    yield Settings(cache_dir=str(tmp_path / "cache"))
    forget_indexes()


def again(root, settings):
    """A new run (a new process would also forget the in-memory index)."""
    forget_indexes()
    return results(root, settings)


def _no_analysis(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("analysed again")
    monkeypatch.setattr(analysis, "build_model", refuse)


def test_an_unchanged_project_is_not_analysed_again(tmp_path, cached, monkeypatch):
    root = make(tmp_path / "p", APP)
    first = results(root, cached)
    assert sorted(first) == EXPECTED
    _no_analysis(monkeypatch)
    assert again(root, cached) == first


def test_a_re_run_asks_neither_the_prefilter_nor_the_templates(tmp_path, cached, monkeypatch):
    """The prefilter may read every template above the file; a result from
    the cache needs neither."""
    from flake8_lambda_state import engine
    root = make(tmp_path / "p", APP)
    first = results(root, cached)
    asked = []
    monkeypatch.setattr(engine, "may_hold_handler", lambda *a: asked.append(a[1]) or True)
    _no_analysis(monkeypatch)
    assert again(root, cached) == first and asked == []


def test_a_caller_in_another_module_that_stops_calling_changes_the_callee(tmp_path, cached):
    root = make(tmp_path / "p", APP)
    assert sorted(results(root, cached)) == EXPECTED
    (root / "app.py").write_text(
        "from clients import TABLE\n\n\ndef lambda_handler(event, context):\n"
        "    TABLE.close()\n    return {}\n", encoding="utf-8")
    assert sorted(again(root, cached)) == [("app.py", 5, "LAM302")]


def test_an_edit_to_an_imported_module_changes_the_importer(tmp_path, cached):
    root = make(tmp_path / "p", APP)
    assert sorted(results(root, cached)) == EXPECTED
    (root / "clients.py").write_text("TABLE = object()\n", encoding="utf-8")
    assert sorted(again(root, cached)) == [("helpers.py", 4, "LAM301")]


STORE = {
    "app.py": """
        from store import remember

        def lambda_handler(event, context):
            remember(event["cardNumber"])
    """,
    "store.py": """
        LAST = {}

        def remember(value):
            LAST["value"] = value
    """,
}


def test_a_caller_that_passes_a_constant_instead_of_request_data(tmp_path, cached):
    root = make(tmp_path / "p", STORE)
    assert list(results(root, cached)) == [("store.py", 4, "LAM201")]
    (root / "app.py").write_text(STORE["app.py"].replace('event["cardNumber"]', '"none"')
                                 .replace("        ", ""), encoding="utf-8")
    assert list(again(root, cached)) == [("store.py", 4, "LAM102")]


def test_other_settings_are_other_results(tmp_path, cached):
    root = make(tmp_path / "p", STORE)
    assert "sensitive request data" in results(root, cached)[("store.py", 4, "LAM201")]
    other = Settings(cache_dir=cached.cache_dir, sensitive_names="password")
    message = again(root, other)[("store.py", 4, "LAM201")]
    assert message.startswith("request data (value)")


def test_a_client_factory_named_in_the_settings(tmp_path, cached):
    root = make(tmp_path / "p", {"app.py": """
        import vault

        def lambda_handler(event, context):
            return vault.connect().read("k")
    """})
    assert results(root, cached) == {}
    other = Settings(cache_dir=cached.cache_dir, extra_client_factories=frozenset({"vault.connect"}))
    assert list(again(root, other)) == [("app.py", 4, "LAM301")]


def test_a_rerun_of_an_unchanged_project_does_not_solve_its_reachability(
        tmp_path, cached, monkeypatch):
    from flake8_lambda_state.project import index as index_module
    root = make(tmp_path / "p", APP)
    first = results(root, cached)

    def refuse(self):
        raise AssertionError("solved again")
    monkeypatch.setattr(index_module.ProjectIndex, "_solve", refuse)
    _no_analysis(monkeypatch)
    assert again(root, cached) == first


def test_an_edit_elsewhere_analyses_only_the_files_it_can_change(tmp_path, cached, monkeypatch):
    files = dict(APP, **{"other.py": "def lambda_handler(event, context):\n    return 1\n"})
    root = make(tmp_path / "p", files)
    first = results(root, cached)
    analysed = []
    real = analysis.build_model

    def counting(source, filename, *args, **kwargs):
        analysed.append(filename.rsplit("/", 1)[-1])
        return real(source, filename, *args, **kwargs)
    monkeypatch.setattr(analysis, "build_model", counting)
    (root / "other.py").write_text("def lambda_handler(event, context):\n    return 2\n")
    assert again(root, cached) == first
    assert analysed == ["other.py"]


def test_the_result_of_a_deleted_file_is_deleted(tmp_path, cached):
    from flake8_lambda_state.project.results import result_file
    root = make(tmp_path / "p", APP)
    results(root, cached)
    stored = result_file(cached.cache_dir, str(root / "helpers.py"))
    assert (tmp_path / "cache" / "results").is_dir() and os.path.isfile(stored)
    (root / "helpers.py").unlink()
    again(root, cached)
    assert not os.path.exists(stored)


def test_check_reports_fixes_after_a_flake8_run_filled_the_cache(tmp_path, cached):
    from flake8_lambda_state.engine import lint_source
    root = make(tmp_path / "p", APP)
    helpers = str(root / "helpers.py")
    source = (root / "helpers.py").read_text()
    plain = lint_source(source, helpers, cached).findings          # as the flake8 plugin asks
    assert [(f.code, f.fix) for f in plain] == [("LAM301", None)]
    forget_indexes()
    fresh = lint_source(source, helpers, cached, fixes=True).findings   # as check asks
    assert fresh[0].fix.safe and fresh[0].fix.title
    forget_indexes()
    stored = lint_source(source, helpers, cached, fixes=True).findings
    assert stored[0].fix is not None and type(stored[0].fix).__name__ == "StoredFix"
    assert (stored[0].fix.title, stored[0].fix.safe) == (fresh[0].fix.title, True)


def test_fix_analyses_afresh_whatever_the_cache_holds(tmp_path, cached):
    from flake8_lambda_state.engine import lint_source
    root = make(tmp_path / "p", APP)
    helpers = str(root / "helpers.py")
    source = (root / "helpers.py").read_text()
    lint_source(source, helpers, cached, fixes=True)
    forget_indexes()
    result = lint_source(source, helpers, cached, fixes=True, keep_model=True)
    assert result.model is not None and result.findings[0].fix.edits


def test_a_file_outside_any_project_is_answered_by_the_quick_key(tmp_path, monkeypatch):
    import ast as ast_module

    from flake8_lambda_state.engine import lint_source
    from flake8_lambda_state.project import index as index_module
    path = tmp_path / "lone.py"          # no root marker anywhere above tmp_path's files
    path.write_text(textwrap.dedent(APP["helpers.py"]).replace("def save(key)",
                                                               "def lambda_handler(key, ctx)"))
    monkeypatch.setenv("FLAKE8_LAMBDA_STATE_CACHE_DIR", str(tmp_path / "cache"))
    source = path.read_text()
    first = lint_source(source, str(path), Settings(), tree=ast_module.parse(source)).findings
    assert [f.code for f in first] == ["LAM301"]
    forget_indexes()

    def refuse(self):
        raise AssertionError("solved again")
    monkeypatch.setattr(index_module.ProjectIndex, "_solve", refuse)
    _no_analysis(monkeypatch)
    again_ = lint_source(source, str(path), Settings(), tree=ast_module.parse(source)).findings
    assert [(f.code, f.line) for f in again_] == [(f.code, f.line) for f in first]


def test_check_on_an_unchanged_project_solves_nothing(tmp_path, cached, monkeypatch, capsys):
    from flake8_lambda_state.project import index as index_module
    from helpers import run_cli
    root = make(tmp_path / "p", APP)
    monkeypatch.chdir(root)
    monkeypatch.setenv("FLAKE8_LAMBDA_STATE_CACHE_DIR", cached.cache_dir)
    first = run_cli(capsys, "check", "--jobs", "1", ".")
    assert first[0] == 1 and "helpers.py:4" in first[1]

    def refuse(self):
        raise AssertionError("solved again")
    monkeypatch.setattr(index_module.ProjectIndex, "_solve", refuse)
    _no_analysis(monkeypatch)
    assert run_cli(capsys, "check", "--jobs", "1", ".") == first


def test_check_answered_by_the_cache_never_loads_libcst(tmp_path):
    """A re-run on unchanged files (pre-commit, CI with a restored cache)
    costs no libcst import: the report needs only the stored findings and
    their fixes' titles."""
    import subprocess
    import sys
    root = make(tmp_path / "project", APP)
    script = ("import sys\nfrom flake8_lambda_state.cli import main\n"
              "code = main(['check', '--jobs', '1', '--format', 'json', '--output', 'out.json', '.'])\n"
              "print(code, 'libcst' in sys.modules)\n")
    env = dict(os.environ, FLAKE8_LAMBDA_STATE_CACHE_DIR=str(tmp_path / "cache"))
    runs = [subprocess.run([sys.executable, "-c", script], cwd=root, env=env, text=True,
                           capture_output=True, check=True).stdout.split() for _ in range(2)]
    assert runs == [["1", "True"], ["1", "False"]]
    assert '"title": "create boto3.client(\\"s3\\") once at module scope' in \
        (root / "out.json").read_text()
