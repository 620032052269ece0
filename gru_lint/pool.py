"""Running tasks: in this process, or in a pool of worker processes.

The first file runs here so the parser gets imported once, before forking; the
rest go to a process pool. A worker that dies takes the whole pool down: the
files it took with it are run again, each in a process of its own, so that only
the file that really crashes is reported.
"""

from __future__ import annotations

import sys

from gru_lint.worker import Outcome, Task, error_line, run_task, run_task_serialized

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import List

MIN_FILES_FOR_POOL = 3  # one run in-process first (warming imports), the rest in parallel


def _mp_context():
    """``fork`` where it is safe and cheap (Linux, single-threaded), else the platform default."""
    import multiprocessing
    import threading

    if (
        sys.platform.startswith("linux")
        and threading.active_count() == 1
        and "fork" in multiprocessing.get_all_start_methods()
    ):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def _worker_failed(task: Task, exc: BaseException) -> Outcome:
    return Outcome(
        task.display,
        error=error_line(task.display, f"internal error: worker failed: {type(exc).__name__}"),
    )


def _run_in_pool(tasks: List[Task], workers: int):
    """Yield ``(task, outcome or exception)`` for each task, in order."""
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=workers, mp_context=_mp_context()) as executor:
        futures = [executor.submit(run_task_serialized, t) for t in tasks]
        for task, future in zip(tasks, futures):
            try:
                yield task, future.result().load()
            except Exception as exc:  # e.g. BrokenProcessPool when a worker dies
                yield task, exc


def run_tasks(tasks: List[Task], jobs: int) -> List[Outcome]:
    if jobs <= 1 or len(tasks) < MIN_FILES_FOR_POOL:
        return [run_task(t) for t in tasks]
    # The first file runs here so the parser gets imported once, before forking.
    outcomes = [run_task(tasks[0])]
    rest = tasks[1:]
    failed: List[Task] = []
    seen = set()
    try:
        for task, result in _run_in_pool(rest, min(jobs, len(rest))):
            seen.add(id(task))
            if isinstance(result, Outcome):
                outcomes.append(result)
            else:
                failed.append(task)
    except (OSError, ValueError, NotImplementedError, ImportError):  # no process support
        outcomes.extend(run_task(t) for t in rest if id(t) not in seen)
    # A dying worker (a crash in native code, say) breaks the whole pool. Run the
    # files it took down again, each in a process of its own, so that only the
    # file that really crashes is reported.
    for task in failed:
        try:
            ((_, result),) = list(_run_in_pool([task], 1))
        except Exception as exc:  # pragma: no cover - could not even start a process
            result = exc
        outcomes.append(result if isinstance(result, Outcome) else _worker_failed(task, result))
    return outcomes
