"""The README documents every code from the same catalog the rules use."""
import pathlib
import re

from flake8_lambda_state.rules import RULES
from flake8_lambda_state.rules.catalog import markdown

ROOT = pathlib.Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_readme_rule_section_is_generated_from_catalog():
    match = re.search(r"<!-- rules:start -->\n(.*)<!-- rules:end -->", README, re.S)
    assert match, "README lost its rules markers"
    assert match.group(1) == markdown(), "regenerate the README rule section (see Development)"


def test_every_code_emitted_by_a_rule_module_is_in_the_catalog():
    sources = "".join(p.read_text() for p in (ROOT / "flake8_lambda_state" / "rules").glob("*.py")
                      if p.name != "catalog.py")
    emitted = set(re.findall(r'"(LAM\d{3})"', sources))
    assert emitted and emitted <= set(RULES)
    for code in RULES:
        assert f"### {code}" in README


def test_quick_start_is_two_commands_and_ci_runs_the_test_command():
    block = re.search(r"## Quick start\n\n```sh\n(.*?)```", README, re.S).group(1)
    commands = block.strip().splitlines()
    assert len(commands) == 2
    assert "fixtures/" in commands[0]
    test_command = commands[1].split("&&")[-1].strip()
    ci = (ROOT / ".ci" / "run").read_text()
    assert test_command in ci.replace("python3 -m pytest", "pytest")


def test_the_project_passes_its_own_flake8_configuration():
    import subprocess
    import sys
    proc = subprocess.run([sys.executable, "-m", "flake8", "flake8_lambda_state", "tests", "benchmarks"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
