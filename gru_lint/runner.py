"""The shared runner: discovery -> per-file work -> pool -> results.

The command line, the flake8 plugin and the language server all go through
here (or through :mod:`gru_lint.worker` for one in-memory text), so a file means
the same to each of them::

    from gru_lint.config import Settings
    from gru_lint.runner import run, check_text

    result = run(["src/"], Settings())          # a RunResult
    for outcome in result.outcomes:             # one Outcome per file, sorted by path
        for diag in outcome.diagnostics:        # visible findings, sorted
            pos = outcome.start(diag)           # a Position (1-based row/column)
            print(pos.render(outcome.display), diag.code, diag.message)

    outcome = check_text(text, "model.py", Settings())   # an editor's unsaved buffer

Nothing heavy is imported at module level.
"""

from __future__ import annotations

from gru_lint.config import Settings
from gru_lint.worker import Outcome, Task, display_name, error_line, prepare, run_task

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterable, List, Optional, Sequence

__all__ = ["Outcome", "RunResult", "Settings", "Task", "check_text", "collect", "run"]


class RunResult:
    """What a run found: ``outcomes`` sorted by displayed path, and how many files were read."""

    def __init__(self, outcomes: List[Outcome], checked: int, stdin: bool = False):
        self.outcomes = outcomes
        self.checked = checked  # files read (found by discovery, or standard input)
        self.stdin = stdin  # the run read standard input

    @property
    def errors(self) -> List[str]:
        return [o.error for o in self.outcomes if o.error]

    def __repr__(self) -> str:
        return f"RunResult(checked={self.checked}, outcomes={self.outcomes!r})"


def _real_roots(paths: Sequence[str]) -> List[str]:
    import os

    return [os.path.realpath(p) for p in paths]


def outside_roots(path: str, roots: Sequence[str]) -> Optional[str]:
    """``path``'s real path when it lies outside every root (real paths), else None."""
    import os

    real = os.path.realpath(path)
    for root in roots:
        if real == root or real.startswith(root.rstrip(os.sep) + os.sep):
            return None
    return real


def collect(
    paths: Sequence[str],
    settings: Settings,
    cache: Any = None,
    *,
    exclude: Iterable[str] = (),
    respect_gitignore: bool = True,
    allow_outside: bool = False,
    force_exclude: bool = False,
    default_excludes: bool = True,
):
    """Discover and prepare: ``(outcomes answered already, tasks left, files checked)``.

    With ``--fix``, a file reached through a symbolic link whose real path is outside
    every path given is checked but not rewritten (``allow_outside`` lifts that).
    """
    found = _Prepared(paths, settings, cache, exclude=exclude,
                      respect_gitignore=respect_gitignore, allow_outside=allow_outside,
                      force_exclude=force_exclude, default_excludes=default_excludes)
    tasks = list(found.tasks())
    return found.outcomes, tasks, found.checked


class _Prepared:
    """Discovery and preparation as a stream: :meth:`tasks` yields the files the core
    must see, one at a time, so that workers start on them while later files are
    still being found and prefiltered; the files answered at once go to ``outcomes``."""

    def __init__(self, paths, settings, cache, **options):
        self.paths = paths
        self.settings = settings
        self.cache = cache
        self.options = options
        self.outcomes: List[Outcome] = []
        self.checked = 0

    def tasks(self, check=None):
        """The tasks; ``check()`` runs before each file (it may raise to stop the run)."""
        from gru_lint.discovery import iter_python_files
        from gru_lint.sourcefile import SourceError

        options = dict(self.options)
        allow_outside = options.pop("allow_outside", False)
        settings, cache = self.settings, self.cache
        roots = _real_roots(self.paths) if settings.mode == "fix" and not allow_outside else None
        for found in iter_python_files(self.paths, **options):
            if check is not None:
                check()
            if isinstance(found, SourceError):
                shown = display_name(found.path)
                self.outcomes.append(Outcome(shown, error=error_line(shown, found.message)))
                continue
            self.checked += 1
            item = prepare(display_name(found), found, settings, cache)
            if not isinstance(item, Task):
                self.outcomes.append(item)
                continue
            if roots is not None:
                real = outside_roots(found, roots)
                if real is not None:
                    item.write_refusal = (
                        f"its real path {display_name(real)} is outside the paths given "
                        "(--fix-outside-roots allows it)"
                    )
            yield item


def default_jobs() -> int:
    import os

    return os.cpu_count() or 1


def run(
    paths: Sequence[str],
    settings: Settings,
    *,
    cache: Any = None,
    jobs: Optional[int] = None,
    exclude: Iterable[str] = (),
    respect_gitignore: bool = True,
    force_exclude: bool = False,
    default_excludes: bool = True,
    stdin_data: Optional[bytes] = None,
    stdin_filename: Optional[str] = None,
    allow_outside: bool = False,
) -> RunResult:
    """Check (or fix) ``paths``, or ``stdin_data`` when it is given (``paths`` unused then).

    ``stdin_filename`` names standard input in the output (and for the core); fixed
    standard input comes back as the outcome's ``stdout_data``. ``jobs`` is capped at
    a small multiple of the CPUs. SIGINT/SIGTERM raise :class:`gru_lint.pool.Interrupted`
    carrying the outcomes finished before them.
    """
    from gru_lint.pool import check_signals, run_tasks

    jobs = default_jobs() if jobs is None else jobs
    if stdin_data is not None:
        display = display_name(stdin_filename) if stdin_filename else "-"
        item = prepare(
            display, None, settings, cache, data=stdin_data, core_path=stdin_filename or "<stdin>"
        )
        outcomes, tasks, checked = ([], [item], 1) if isinstance(item, Task) else ([item], [], 1)
        outcomes.extend(run_tasks(tasks, jobs))
    else:
        # Files are handed to the workers as they are found: reading and prefiltering
        # the rest overlaps with checking the first ones.
        found = _Prepared(paths, settings, cache, exclude=exclude,
                          respect_gitignore=respect_gitignore, allow_outside=allow_outside,
                          force_exclude=force_exclude, default_excludes=default_excludes)
        done = run_tasks(found.tasks(check_signals), jobs)
        outcomes, checked = found.outcomes + done, found.checked
    outcomes.sort(key=lambda o: o.display)
    return RunResult(outcomes, checked, stdin=stdin_data is not None)


def check_text(
    text: Any, filename: str, settings: Optional[Settings] = None, cache: Any = None
) -> Outcome:
    """Check one in-memory file (``str`` or ``bytes``), in this process; never raises.

    For editors: ``text`` is the buffer as it is now, ``filename`` what to call it.
    With ``settings.mode == "fix"`` the fixed bytes come back as ``stdout_data``.
    """
    settings = settings if settings is not None else Settings()
    data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
    item = prepare(filename, None, settings, cache, data=data, core_path=filename)
    return run_task(item) if isinstance(item, Task) else item
