"""The worker processes of `check --jobs`, `fix --jobs` and of the project
loading before them: one way to start them and to cut the work, so that the
parallel part does no more work than one process would."""
import gc
from contextlib import contextmanager

MAX_CHUNK = 16     # files per task: small enough that no worker waits long for the last one


@contextmanager
def frozen_heap():
    """While the files are analysed, the heap built so far (the projects
    loaded, the templates parsed, the modules imported) lives for the whole
    run: it moves to the garbage collector's permanent generation, so that no
    collection scans it again (8% of `check --jobs 1` on handler-dense code)
    and no forked worker copies its pages by scanning it (`gc.freeze`, as
    the `gc` documentation advises before a fork)."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@contextmanager
def process_pool(workers: int):
    """A ProcessPoolExecutor whose forked workers inherit this process's heap
    frozen (see frozen_heap)."""
    from concurrent.futures import ProcessPoolExecutor   # multiprocessing loads only to fork
    with frozen_heap(), ProcessPoolExecutor(max_workers=workers) as pool:
        yield pool


def chunk_size(items: int, workers: int) -> int:
    """Tasks of about an eighth of each worker's share, at most MAX_CHUNK items."""
    return max(1, min(MAX_CHUNK, items // (workers * 8)))
