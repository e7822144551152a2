"""The deep-stack thread: one per process, kept between calls, safe to call
from itself, from several threads and from a forked child."""
import os
import queue
import signal
import sys
import threading
import weakref

import pytest

from flake8_lambda_state import deep_stack


def _thread_name():
    return threading.current_thread().name


def test_calls_share_one_thread_with_the_raised_limit():
    first = deep_stack.call_with_deep_stack(threading.get_ident)
    assert deep_stack.call_with_deep_stack(threading.get_ident) == first != threading.get_ident()
    assert deep_stack.call_with_deep_stack(_thread_name) == "flake8-lambda-state-analysis"
    assert deep_stack.call_with_deep_stack(sys.getrecursionlimit) == deep_stack.RECURSION_LIMIT


def test_a_call_from_the_deep_thread_runs_in_place(monkeypatch):
    monkeypatch.setattr(deep_stack, "_worker", None)    # its own thread: a stuck one is left

    def nested():
        outer = threading.get_ident()
        return outer, deep_stack.call_with_deep_stack(threading.get_ident)
    got = []
    caller = threading.Thread(target=lambda: got.append(deep_stack.call_with_deep_stack(nested)),
                              daemon=True)
    caller.start()
    caller.join(timeout=10)         # a nested call that queued behind itself would never end
    assert len(got) == 1 and got[0][0] == got[0][1]


def test_an_exception_comes_back_to_the_caller_and_the_thread_serves_on():
    def fail():
        raise KeyError("boom")
    with pytest.raises(KeyError, match="boom"):
        deep_stack.call_with_deep_stack(fail)
    assert deep_stack.call_with_deep_stack(len, "abc") == 3
    assert sys.getrecursionlimit() < deep_stack.RECURSION_LIMIT


def test_callers_on_several_threads_each_get_their_own_result():
    results = {}

    def caller(n):
        results[n] = [deep_stack.call_with_deep_stack(pow, n, 2) for _ in range(50)]
    threads = [threading.Thread(target=caller, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {n: [n * n] * 50 for n in range(4)}


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork only")
def test_a_forked_child_starts_its_own_thread():
    deep_stack.call_with_deep_stack(len, "warm")        # the parent's thread exists
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:                                         # the child: its parent's thread is gone
        signal.alarm(10)                                 # a child left waiting dies, and fails
        try:
            answer = deep_stack.call_with_deep_stack(sys.getrecursionlimit)
            os.write(write, str(answer).encode())
        finally:
            os._exit(0)
    os.close(write)
    got = os.read(read, 100)
    os.waitpid(pid, 0)
    assert got == str(deep_stack.RECURSION_LIMIT).encode()


def test_the_thread_keeps_nothing_of_a_finished_call():
    """A file's model must not outlive its analysis while the thread waits."""
    class Model:
        pass

    argument = Model()
    result = deep_stack.call_with_deep_stack(lambda given: Model(), argument)
    kept = [weakref.ref(argument), weakref.ref(result)]
    del argument, result
    assert [ref() for ref in kept] == [None, None]


def test_a_thread_that_is_gone_is_replaced(monkeypatch):
    gone = threading.Thread(target=lambda: None)
    gone.start()
    gone.join()
    monkeypatch.setattr(deep_stack, "_worker", (os.getpid(), gone, queue.SimpleQueue()))
    got = []
    caller = threading.Thread(target=lambda: got.append(deep_stack.call_with_deep_stack(len, "ab")),
                              daemon=True)
    caller.start()
    caller.join(timeout=10)         # queued for a thread that is gone, it would wait forever
    assert got == [2]
