"""The rules, one module per family (see CHECKS in runner.py for which
module reports which codes), and catalog.py with every code's summary and
examples. Importing this package is cheap: libcst is loaded by run_rules."""
from .catalog import DEFAULT_OFF, RULES


def run_rules(model, codes=None, fixes=False):
    """All findings of an analysed module, sorted, one per code and line
    (with `fixes`, each with the fix its rule offers, or None)."""
    from .runner import run_rules as run
    return run(model, codes, fixes)


__all__ = ["DEFAULT_OFF", "RULES", "run_rules"]
