"""Running tasks: in this process, or in a pool of worker processes.

The first file runs here so the parser gets imported once, before forking; the
rest go to a process pool. A worker that dies takes the whole pool down: the
files it took with it are run again, each in a process of its own, so that only
the file that really crashes is reported.

Interrupts: workers ignore SIGINT, so a Ctrl-C (which the terminal sends to the
whole process group) reaches the main process only, where it is recorded and acted
on between files or while waiting for a worker, never in the middle of an import
or a write. It cancels the files not started yet, lets the running ones finish (each write is atomic), and raises
:class:`Interrupted` with the outcomes gathered so far, so the caller can say what
was already rewritten. SIGTERM does the same and also terminates the workers; and
a worker whose parent is gone (killed with SIGKILL, say) exits by itself, so no
orphan keeps the parent's stdout or stderr open.
"""

from __future__ import annotations

import sys

from gru_lint.worker import Outcome, Task, error_line, run_task, run_task_serialized

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterable, List

MIN_FILES_FOR_POOL = 3  # one run in-process first (warming imports), the rest in parallel
JOBS_PER_CPU = 2  # -j is capped at this many workers per available CPU
_PARENT_POLL_SECONDS = 0.5


class Interrupted(BaseException):
    """SIGINT or SIGTERM arrived; ``outcomes`` are the files finished before it."""

    def __init__(self, outcomes, signum: int):
        super().__init__(signum)
        self.outcomes = outcomes
        self.signum = signum


class _Terminate(BaseException):
    pass


def available_cpus() -> int:
    import os

    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def cap_jobs(jobs: int) -> int:
    """At most ``JOBS_PER_CPU`` workers per CPU: more only add start-up and contention."""
    return max(1, min(jobs, JOBS_PER_CPU * available_cpus()))


def _watch_parent(parent: int) -> None:
    import os
    import time

    while True:
        time.sleep(_PARENT_POLL_SECONDS)
        if os.getppid() != parent:
            os._exit(1)


def _worker_init(parent: int) -> None:
    """In each worker: leave Ctrl-C to the parent, and exit when the parent is gone."""
    import signal
    import threading

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


class _Signals:
    """While running, SIGINT and SIGTERM only record that they came (in the main thread).

    Nothing is raised in the middle of an import, a write or the pool's own
    bookkeeping: the run checks :meth:`pending` between files and while it waits for a
    worker, and stops there. A worker forked before its initializer ran inherits this
    handler, so a Ctrl-C sent to the whole group cannot kill it half-started either.
    """

    signum = 0

    def __enter__(self):
        import signal
        import threading

        self.old = {}
        type(self).signum = 0
        if threading.current_thread() is threading.main_thread():

            def handler(signum, frame):
                if not _Signals.signum:
                    _Signals.signum = signum

            for sig in (signal.SIGINT, signal.SIGTERM):
                try:
                    self.old[sig] = signal.signal(sig, handler)
                except (ValueError, OSError):  # pragma: no cover - not the main thread
                    pass
        return self

    def __exit__(self, *exc):
        import signal

        for sig, old in self.old.items():
            signal.signal(sig, old)
        type(self).signum = 0
        return False

    @classmethod
    def pending(cls) -> BaseException:
        """The signal that came, as the exception the run stops with (or None)."""
        import signal

        if not cls.signum:
            return None
        return _Terminate() if cls.signum == signal.SIGTERM else KeyboardInterrupt()


def check_signals() -> None:
    """Raise the interrupt that came while running (a no-op outside :func:`run_tasks`)."""
    stop = _Signals.pending()
    if stop is not None:
        raise stop


_check_signals = check_signals


def _wait(future):
    """The future's result; a signal that comes while waiting is raised here."""
    from concurrent.futures import TimeoutError as Timeout

    while True:
        _check_signals()
        try:
            return future.result(timeout=0.05)
        except Timeout:
            continue


def _signum(exc: BaseException) -> int:
    import signal

    return int(signal.SIGTERM) if isinstance(exc, _Terminate) else int(signal.SIGINT)


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


def _run_in_pool(tasks: Iterable[Task], workers: int):
    """Yield ``(task, outcome or exception)`` for each task, in order.

    ``tasks`` may be a stream: each is submitted as soon as it comes, so the workers
    start on the first files while the rest are still being found. On an interrupt
    the pending tasks are cancelled, the running ones are waited for, and
    :class:`Interrupted` is raised with every outcome gathered.
    """
    import gc
    import os
    from concurrent.futures import ProcessPoolExecutor

    # What the workers inherit (modules, the tasks) is never garbage: keep it out of their
    # collector's passes, which would also copy every page they touch (copy-on-write).
    gc.freeze()
    frozen = True
    executor = ProcessPoolExecutor(
        max_workers=workers, mp_context=_mp_context(), initializer=_worker_init,
        initargs=(os.getpid(),),
    )
    submitted: List[Task] = []
    futures = []
    done: List[Outcome] = []
    try:
        for task in tasks:
            _check_signals()
            futures.append(executor.submit(run_task_serialized, task))
            submitted.append(task)
            if frozen and len(futures) >= workers:
                gc.unfreeze()  # the workers are started (one per submit, up to ``workers``)
                frozen = False
        if frozen:
            gc.unfreeze()
            frozen = False
        for task, future in zip(submitted, futures):
            try:
                result = _wait(future).load()
            except Exception as exc:  # e.g. BrokenProcessPool when a worker dies
                result = exc
            done.append(result)
            yield task, result
    except (KeyboardInterrupt, _Terminate) as exc:
        terminate = isinstance(exc, _Terminate)
        for future in futures:
            future.cancel()
        if terminate:
            for process in list(getattr(executor, "_processes", {}).values()):
                try:
                    process.terminate()
                except Exception:  # pragma: no cover - already gone
                    pass
        try:
            executor.shutdown(wait=True, cancel_futures=True)
        except TypeError:  # pragma: no cover - Python 3.8 has no cancel_futures
            executor.shutdown(wait=True)
        except BaseException:  # pragma: no cover - a second interrupt: stop waiting
            pass
        for future in futures:
            if future.done() and not future.cancelled() and future.exception() is None:
                outcome = future.result()
                if not any(o is outcome for o in done):
                    done.append(outcome.load())
        raise Interrupted([o for o in done if isinstance(o, Outcome)], _signum(exc)) from None
    finally:
        if frozen:
            gc.unfreeze()
        for future in futures:  # closed early (GeneratorExit): start nothing more
            future.cancel()
        executor.shutdown(wait=True)


def _unique(outcomes: List[Outcome]) -> List[Outcome]:
    seen, out = set(), []
    for o in outcomes:
        if o.display not in seen:
            seen.add(o.display)
            out.append(o)
    return out


def _interrupted_task(task: Task, done: List[Outcome], exc: BaseException):
    """A file being fixed in this process when the interrupt came: was it written?"""
    from gru_lint.sourcefile import read_bytes

    if task.path is not None and task.settings.mode == "fix":
        try:
            rewritten = read_bytes(task.path) != task.source.data
        except Exception:
            rewritten = False
        if rewritten:
            outcome = Outcome(task.display)
            outcome.changed = True
            outcome.fixed = 0  # how many is unknown: the interrupt cut the count short
            done.append(outcome)
    return Interrupted(_unique(done), _signum(exc))


def run_tasks(tasks: List[Task], jobs: int) -> List[Outcome]:
    """Every task's outcome. Raises :class:`Interrupted` on SIGINT/SIGTERM."""
    with _Signals():
        outcomes = _run_tasks(tasks, cap_jobs(jobs))
        stop = _Signals.pending()  # came after the last file: still an interrupted run
        if stop is not None:
            raise Interrupted(_unique(outcomes), _signum(stop))
        return outcomes


def _run_serial(tasks: Iterable[Task], outcomes: List[Outcome]) -> List[Outcome]:
    for task in _until_interrupted(tasks, outcomes):
        try:
            _check_signals()
            outcomes.append(run_task(task))
        except (KeyboardInterrupt, _Terminate) as exc:
            raise _interrupted_task(task, outcomes, exc) from None
    return outcomes


def _until_interrupted(tasks: Iterable[Task], outcomes: List[Outcome]):
    """The tasks; an interrupt raised while the next one is found (in discovery)
    becomes :class:`Interrupted` with ``outcomes``."""
    stream = iter(tasks)
    while True:
        try:
            task = next(stream)
        except StopIteration:
            return
        except (KeyboardInterrupt, _Terminate) as exc:
            raise Interrupted(_unique(outcomes), _signum(exc)) from None
        yield task


def _recorded(tasks: Iterable[Task], taken: List[Task]):
    for task in tasks:
        taken.append(task)
        yield task


def _run_tasks(tasks: Iterable[Task], jobs: int) -> List[Outcome]:
    """``tasks`` may be a list or a stream (see :func:`gru_lint.runner.run`)."""
    import itertools

    stream = iter(tasks)
    if jobs <= 1:
        return _run_serial(stream, [])
    head = list(itertools.islice(_until_interrupted(stream, []), MIN_FILES_FOR_POOL))
    if len(head) < MIN_FILES_FOR_POOL:
        return _run_serial(head, [])
    # The first file runs here so the parser gets imported once, before forking.
    outcomes = _run_serial(head[:1], [])
    # Enough of the stream to size the pool: no more workers than files.
    more = list(itertools.islice(_until_interrupted(stream, outcomes), jobs))
    waiting = head[1:] + more
    workers = jobs if len(more) == jobs else min(jobs, len(waiting))
    taken: List[Task] = []
    rest = _recorded(itertools.chain(waiting, stream), taken)
    failed: List[Task] = []
    seen = set()
    try:
        for task, result in _run_in_pool(rest, workers):
            seen.add(id(task))
            if isinstance(result, Outcome):
                outcomes.append(result)
            else:
                failed.append(task)
    except Interrupted as stop:
        raise Interrupted(_unique(outcomes + stop.outcomes), stop.signum) from None
    except (KeyboardInterrupt, _Terminate) as exc:  # between two results
        raise Interrupted(_unique(outcomes), _signum(exc)) from None
    except (OSError, ValueError, NotImplementedError, ImportError):  # no process support
        left = [t for t in taken if id(t) not in seen]
        _run_serial(itertools.chain(left, rest), outcomes)
    # A dying worker (a crash in native code, say) breaks the whole pool. Run the
    # files it took down again, each in a process of its own, so that only the
    # file that really crashes is reported.
    for task in failed:
        try:
            ((_, result),) = list(_run_in_pool([task], 1))
        except Interrupted as stop:
            raise Interrupted(_unique(outcomes + stop.outcomes), stop.signum) from None
        except Exception as exc:  # pragma: no cover - could not even start a process
            result = exc
        outcomes.append(result if isinstance(result, Outcome) else _worker_failed(task, result))
    return outcomes
