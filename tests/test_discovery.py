"""Which files `check` reads: regular files only, virtual environments by
their marker, vendored trees (layers, pip --target folders, build outputs)
left out by default, and said with --verbose."""
import os

import pytest

from flake8_lambda_state.discovery import discover, project_python_files, python_files

HANDLER = "def handler(event, context):\n    return 1\n"


def tree(root, files):
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def rel(root, paths):
    return sorted(os.path.relpath(p, root).replace(os.sep, "/") for p in paths)


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    tree(tmp_path, {
        "pyproject.toml": "",
        "src/app.py": HANDLER,
        "src/build/handler.py": HANDLER,          # a real package named build
        "src/venv/handler.py": HANDLER,           # and one named venv
        "env1/pyvenv.cfg": "home = /usr\n", "env1/lib/mod.py": "",
        "layer/python/boto3/__init__.py": "", "layer/python/botocore/client.py": "",
        "target/requests/__init__.py": "", "target/six.py": "",
        "target/requests-2.0.dist-info/RECORD": "requests/__init__.py,sha256=x,1\n",
        "target/six-1.0.dist-info/top_level.txt": "six\n",
        "target/handler.py": HANDLER,             # first-party code next to pip --target deps
        "lib/python3.12/site-packages/x.py": "",
        "node_modules/pkg/a.py": "", ".aws-sam/build/Fn/app.py": HANDLER,
        "cdk.out/asset/app.py": HANDLER, ".serverless/x.py": "",
        "setup_build/setup.py": "", "setup_build/build/lib/pkg/mod.py": "",
        ".git/hooks/x.py": "", "src/__pycache__/a.py": "",
    })
    return tmp_path


def test_default_excludes_go_by_content_not_by_name(project):
    found = discover(["."])
    assert rel(project, found.files) == [
        "setup_build/setup.py", "src/app.py", "src/build/handler.py", "src/venv/handler.py",
        "target/handler.py"]
    reasons = {os.path.relpath(p, project).replace(os.sep, "/"): why for p, why in found.excluded}
    assert reasons == {
        "env1": "virtual environment (pyvenv.cfg)",
        "layer/python": "Lambda layer packages (python/ holding boto3/botocore)",
        "target/requests": "installed by requests-2.0.dist-info",
        "target/six.py": "installed by six-1.0.dist-info",
        "lib/python3.12/site-packages": "installed packages (site-packages)",
        "node_modules": "node_modules", ".aws-sam": "SAM build output (.aws-sam)",
        "cdk.out": "CDK output (cdk.out)", ".serverless": "Serverless output (.serverless)",
        "setup_build/build": "setuptools build output",
    }


def test_no_default_excludes_reads_vendored_trees_but_not_tool_folders(project):
    files = rel(project, discover(["."], default_excludes=False).files)
    assert "layer/python/boto3/__init__.py" in files and "env1/lib/mod.py" in files
    assert "node_modules/pkg/a.py" in files and "target/six.py" in files
    assert not [f for f in files if f.startswith(".git/") or "__pycache__" in f]


def test_named_paths_inside_vendored_trees_are_excluded_too(project):
    found = discover(["layer/python/botocore/client.py", "src/app.py", "target/six.py"])
    assert found.files == ["src/app.py"]
    assert [why for _, why in found.excluded] == [
        "inside " + str(project / "layer/python") + ": Lambda layer packages (python/ holding "
        "boto3/botocore)",
        "inside " + str(project / "target/six.py") + ": installed by six-1.0.dist-info"]
    assert discover(["layer/python/botocore/client.py"], default_excludes=False).files == [
        "layer/python/botocore/client.py"]


def test_user_globs(project):
    found = discover(["src"], exclude=["build", "src/venv"])
    assert found.files == ["src/app.py"]
    assert sorted(why for _, why in found.excluded) == ["--exclude", "--exclude"]
    # files named one by one (as pre-commit passes them) are excluded by their folders too
    named = ["src/build/handler.py", str(project / "src" / "venv" / "handler.py"), "src/app.py"]
    assert discover(named, exclude=["build", "src/venv"]).files == ["src/app.py"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifos_are_never_opened(project):
    os.mkfifo(project / "src" / "pipe.py")
    found = discover(["src"])          # would block forever if the FIFO were read
    assert "src/pipe.py" not in found.files
    assert ("src/pipe.py", "not a regular file") in found.excluded
    named = discover(["src/pipe.py"])
    assert named.files == [] and named.not_regular == ["src/pipe.py"]


def test_each_file_is_listed_once(project):
    assert discover(["src/app.py", "src", "./src/app.py"]).files == [
        "src/app.py", "src/build/handler.py", "src/venv/handler.py"]


def test_api_for_the_project_index(project):
    assert rel(project, project_python_files(str(project))) == rel(project, python_files(["."]))
    assert all(os.path.isabs(p) for p in project_python_files(str(project)))
