"""Run the analysis where deeply nested code fits.

CPython compiles a thousand-term `a + b + ...` chain, a thousand-deep
attribute chain or 199 nested brackets; libcst's parser and visitors recurse
once (or more) per level, past the default recursion limit and, once that is
raised, past the main thread's C stack. So the analysis runs in a thread of
its own with a large stack and a recursion limit to match. Nesting beyond
even that is a RecursionError for the caller to report as a skipped file,
never a crashed process."""
import sys
import threading

STACK_BYTES = 512 * 1024 * 1024     # virtual: only the pages a deep file touches are used
RECURSION_LIMIT = 40_000            # well inside STACK_BYTES at libcst's frame sizes

_lock = threading.Lock()
_active = 0                         # calls running with the raised limit
_saved_limit = 0


def _raise_limit():
    global _active, _saved_limit
    with _lock:
        if _active == 0:
            _saved_limit = sys.getrecursionlimit()
            sys.setrecursionlimit(max(_saved_limit, RECURSION_LIMIT))
        _active += 1


def _restore_limit():
    """The limit is process-wide: other threads (flake8's own checks) get
    their usual one back as soon as no deep call runs."""
    global _active
    with _lock:
        _active -= 1
        if _active == 0:
            sys.setrecursionlimit(_saved_limit)


def call_with_deep_stack(function, *args):
    """`function(*args)` in a thread with a large stack; its result, or its
    exception re-raised here."""
    outcome = {}

    def work():
        _raise_limit()
        try:
            outcome["value"] = function(*args)
        except BaseException as exc:  # noqa: BLE001 - handed back to the caller as is
            outcome["error"] = exc
        finally:
            _restore_limit()

    worker = threading.Thread(target=work, name="flake8-lambda-state-analysis", daemon=True)
    with _lock:                     # the stack size applies to threads started meanwhile
        try:
            previous = threading.stack_size(STACK_BYTES)
        except (ValueError, RuntimeError):   # a platform that cannot size stacks
            previous = None
        try:
            worker.start()
        finally:
            if previous is not None:
                threading.stack_size(previous)
    worker.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


__all__ = ["call_with_deep_stack"]
