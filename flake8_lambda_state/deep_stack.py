"""Run the analysis where deeply nested code fits.

CPython compiles a thousand-term `a + b + ...` chain, a thousand-deep
attribute chain or 199 nested brackets; libcst's parser and visitors recurse
once (or more) per level, past the default recursion limit and, once that is
raised, past the main thread's C stack. So the analysis runs in a thread of
its own with a large stack and a recursion limit to match. Nesting beyond
even that is a RecursionError for the caller to report as a skipped file,
never a crashed process.

The thread is started once per process and kept: starting one with a stack
this size cost about 350 us a file (a map and unmap of the stack each time),
a third of what a re-run on unchanged files adds to flake8."""
import os
import queue
import sys
import threading

STACK_BYTES = 512 * 1024 * 1024     # virtual: only the pages a deep file touches are used
RECURSION_LIMIT = 40_000            # well inside STACK_BYTES at libcst's frame sizes

_lock = threading.Lock()
_active = 0                         # calls running with the raised limit
_saved_limit = 0
_worker = None                      # (pid, thread, queue of calls) of this process


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


def _serve(calls: queue.SimpleQueue):
    while True:
        _run(*calls.get())


def _run(function, args, outcome: dict, done) -> None:
    """One call. Its own frame: nothing of it (the arguments, the result: a
    whole file's model) stays referenced while the thread waits for the next."""
    _raise_limit()
    try:
        outcome["value"] = function(*args)
    except BaseException as exc:  # noqa: BLE001 - handed back to the caller as is
        outcome["error"] = exc
    finally:
        _restore_limit()
        done.release()


def _deep_thread():
    """This process's deep-stack thread, started on first use (a forked
    child, such as a flake8 or `--jobs` worker, starts its own, and so does
    a process whose thread is gone)."""
    global _worker
    with _lock:
        if _worker is None or _worker[0] != os.getpid() or not _worker[1].is_alive():
            calls = queue.SimpleQueue()
            thread = threading.Thread(target=_serve, args=(calls,), daemon=True,
                                      name="flake8-lambda-state-analysis")
            try:                    # the stack size applies to threads started meanwhile
                previous = threading.stack_size(STACK_BYTES)
            except (ValueError, RuntimeError):   # a platform that cannot size stacks
                previous = None
            try:
                thread.start()
            finally:
                if previous is not None:
                    threading.stack_size(previous)
            _worker = (os.getpid(), thread, calls)
        return _worker


def call_with_deep_stack(function, *args):
    """`function(*args)` on the deep-stack thread; its result, or its
    exception re-raised here. A call made on that thread runs in place;
    calls from several threads take turns."""
    _, thread, calls = _deep_thread()
    if threading.current_thread() is thread:
        return function(*args)
    outcome = {}
    done = threading.Lock()         # held until the call is over
    done.acquire()
    calls.put((function, args, outcome, done))
    done.acquire()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


__all__ = ["call_with_deep_stack"]
