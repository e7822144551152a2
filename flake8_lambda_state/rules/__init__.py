"""The rules, one module per family (see CHECKS in runner.py for which
module reports which codes), and catalog.py with every code's summary and
examples. Importing this package is cheap: libcst is loaded by run_rules."""
from .catalog import DEFAULT_OFF, RULES


def run_rules(model, codes=None):
    """All findings of an analysed module, sorted, one per code and line."""
    from .runner import run_rules as run
    return run(model, codes)


__all__ = ["DEFAULT_OFF", "RULES", "run_rules"]
