"""The ``gru-lint`` command.

Per file: read the bytes, ask the core's cheap prefilter whether the file can
matter at all (most files stop here, unparsed), decode, look the bytes up in
the cache, and only then run the core's check or fix. ``# noqa`` comments and
``--select``/``--ignore`` are applied to what the core reports, and fixes are
only applied for findings that survive them.

Exit status: 0 clean; 1 findings remain (or, with ``--fix``, a file was
changed; with ``--diff``, a file would change); 2 some file or argument could
not be handled. 2 wins over 1.

Nothing heavy is imported at module level, so ``gru-lint --version`` is quick,
and the parser is only needed for files the prefilter lets through.
"""

from __future__ import annotations

import os
import sys

from gru_lint import __version__

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing and dataclasses cost more start-up time than the whole CLI
    from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2

PROG = "gru-lint"
_MIN_FILES_FOR_POOL = 3  # one run in-process first (warming imports), the rest in parallel


# --------------------------------------------------------------------------- settings


class Settings:
    """What affects a run's results; small and picklable, it travels to workers."""

    __slots__ = ("mode", "unsafe", "select", "ignore", "show_source")

    def __init__(
        self,
        mode: str = "check",  # "check", "fix" or "diff"
        unsafe: bool = False,
        select: Tuple[str, ...] = (),
        ignore: Tuple[str, ...] = (),
        show_source: bool = False,
    ):
        self.mode = mode
        self.unsafe = unsafe
        self.select = tuple(select)
        self.ignore = tuple(ignore)
        self.show_source = show_source

    def __getstate__(self):
        return {k: getattr(self, k) for k in self.__slots__}

    def __setstate__(self, state):
        for k, v in state.items():
            setattr(self, k, v)

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.__slots__)
        return f"Settings({fields})"


def code_selected(code: str, select: Sequence[str], ignore: Sequence[str]) -> bool:
    """ruff-style selection by prefix: the longest matching prefix decides; ties ignore."""
    if select:
        selected = max((len(p) for p in select if code.startswith(p)), default=-1)
        if selected < 0:
            return False
    else:
        selected = 0
    ignored = max((len(p) for p in ignore if code.startswith(p)), default=-1)
    return ignored < selected


def fix_applicable(diag, unsafe: bool) -> bool:
    from gru_lint.fixer import applicable

    return applicable(diag, unsafe)


def visible(diagnostics: Iterable, text: str, settings: Settings) -> list:
    """What the user asked to see: ``# noqa`` and ``--select``/``--ignore`` applied."""
    from gru_lint.noqa import filter_noqa

    diags = [d for d in diagnostics if code_selected(d.code, settings.select, settings.ignore)]
    return filter_noqa(diags, text)


# --------------------------------------------------------------------------- per-file work


class Outcome:
    """What happened to one file (also what a worker process sends back)."""

    def __init__(
        self, display: str, error: Optional[str] = None, stdout_data: Optional[bytes] = None
    ):
        self.display = display
        self.diagnostics: list = []  # visible, sorted
        self.fixed = 0  # findings whose fix was applied (or would be, with --diff)
        self.changed = False
        self.diff: Optional[str] = None
        self.stdout_data = stdout_data  # stdin with --fix: the text to echo
        self.error = error  # a complete "path...: error: ..." line
        self.source_lines: Dict[int, str] = {}  # for --show-source
        self.serialized = False  # diagnostics are in JSON form (crossed a process boundary)

    def load(self) -> "Outcome":
        if self.serialized:
            from gru_lint.cache import load_diagnostics

            self.diagnostics = load_diagnostics(self.diagnostics)
            self.serialized = False
        return self

    def __repr__(self) -> str:
        return f"Outcome({self.display!r}, diagnostics={self.diagnostics!r}, error={self.error!r})"


class Task:
    """A file the core must look at: prefiltered, decoded, not answered by the cache."""

    def __init__(
        self,
        display: str,
        path: Optional[str],  # the file to write, or None for stdin
        core_path: str,  # the name handed to the core
        source: Any,  # SourceFile
        settings: Settings,
        cache: Any = None,  # Cache or None
        raw: Optional[list] = None,  # check_source's answer, when the cache had it
        is_stdin: bool = False,
    ):
        self.display = display
        self.path = path
        self.core_path = core_path
        self.source = source
        self.settings = settings
        self.cache = cache
        self.raw = raw
        self.is_stdin = is_stdin


def _error_line(display: str, message: str) -> str:
    return f"{display}: error: {message}"


def _parse_error_line(display: str, exc: BaseException) -> str:
    msg = getattr(exc, "msg", None) or str(exc) or type(exc).__name__
    msg = " ".join(str(msg).split())
    lineno = getattr(exc, "lineno", None)
    offset = getattr(exc, "offset", None)
    if isinstance(lineno, int) and lineno > 0:
        col = offset if isinstance(offset, int) and offset > 0 else 1
        return f"{display}:{lineno}:{col}: error: could not parse: {msg}"
    return _error_line(display, f"could not parse: {msg}")


def _internal_error_line(display: str, exc: BaseException) -> str:
    detail = " ".join(str(exc).split())
    name = type(exc).__name__
    return _error_line(
        display, f"internal error: {name}: {detail}" if detail else f"internal error: {name}"
    )


def _attach_source_lines(outcome: Outcome, text: str) -> None:
    from gru_lint.noqa import split_lines

    lines = split_lines(text)
    wanted = set()
    for d in outcome.diagnostics:
        wanted.add(d.span.line)
        wanted.update(r.span.line for r in d.related)
    outcome.source_lines = {n: lines[n - 1] for n in wanted if 1 <= n <= len(lines)}


def _finish(outcome: Outcome, raw: Iterable, text: str, settings: Settings) -> Outcome:
    outcome.diagnostics = sorted(visible(raw, text, settings), key=lambda d: d.sort_key())
    if settings.show_source:
        _attach_source_lines(outcome, text)
    return outcome


def _split_keepends(text: str) -> List[str]:
    import re

    return [m for m in re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z", text)]


def unified_diff(old: str, new: str, display: str) -> str:
    import difflib

    out = []
    for line in difflib.unified_diff(
        _split_keepends(old), _split_keepends(new), fromfile=display, tofile=display
    ):
        if not line.endswith(("\n", "\r")):
            line += "\n\\ No newline at end of file\n"
        out.append(line)
    return "".join(out)


def run_task(task: Task) -> Outcome:
    """Check (and perhaps fix) one file. Never raises: failures become ``Outcome.error``."""
    try:
        return _run_task(task)
    except Exception as exc:  # a bug in the core must not take down the whole run
        echo = task.source.data if (task.is_stdin and task.settings.mode == "fix") else None
        return Outcome(
            task.display, error=_internal_error_line(task.display, exc), stdout_data=echo
        )


def _run_task_serialized(task: Task) -> Outcome:
    """``run_task`` for a worker process: diagnostics go back as plain JSON data."""
    from gru_lint.cache import dump_diagnostics

    outcome = run_task(task)
    outcome.diagnostics = dump_diagnostics(outcome.diagnostics)
    outcome.serialized = True
    return outcome


def _run_task(task: Task) -> Outcome:
    from gru_lint import core
    from gru_lint.sourcefile import SourceError, encode, read_bytes, write_atomic

    settings = task.settings
    source = task.source
    text = source.text
    outcome = Outcome(task.display)
    if task.is_stdin and settings.mode == "fix":
        outcome.stdout_data = source.data  # echo the input unless a fix replaces it
    raw = task.raw
    if raw is None:
        try:
            raw = list(core.check_source(text, task.core_path))
        except (SyntaxError, ValueError) as exc:
            outcome.error = _parse_error_line(task.display, exc)
            return outcome
        if task.cache is not None:
            task.cache.put(source.data, task.core_path, raw)
    if settings.mode == "check":
        return _finish(outcome, raw, text, settings)

    wanted = visible(raw, text, settings)
    if not any(fix_applicable(d, settings.unsafe) for d in wanted):
        return _finish(outcome, raw, text, settings)
    try:
        result = core.fix_source(
            text, unsafe=settings.unsafe, wanted=lambda diags, now: visible(diags, now, settings)
        )
        new_text, applied, remaining = result.text, len(result.applied), list(result.remaining)
        fixer_problem = getattr(result, "error", None)
    except (SyntaxError, ValueError) as exc:
        outcome.error = _parse_error_line(task.display, exc)
        return outcome
    if fixer_problem:
        # The fixer stopped early (a round would not parse) and kept what did.
        problem = " ".join(str(fixer_problem).split())
        outcome.error = _error_line(task.display, f"some fixes were not applied: {problem}")
    if new_text == text:
        return _finish(outcome, remaining, text, settings)

    import ast

    try:
        compile(new_text, task.display, "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        outcome.error = _error_line(
            task.display,
            "the fixed code would not parse "
            f"({' '.join(str(getattr(exc, 'msg', exc)).split())}); file left unchanged",
        )
        return _finish(outcome, raw, text, settings)
    try:
        new_data = encode(source, new_text)
    except SourceError as exc:
        outcome.error = _error_line(task.display, exc.message + "; file left unchanged")
        return _finish(outcome, raw, text, settings)

    outcome.fixed = applied
    outcome.changed = True
    if settings.mode == "diff":
        outcome.diff = unified_diff(text, new_text, task.display)
    elif task.is_stdin:
        outcome.stdout_data = new_data
    else:
        try:
            if read_bytes(task.path) != source.data:
                raise SourceError(
                    task.path, "the file changed while it was being fixed; left unchanged"
                )
            write_atomic(task.path, new_data)
        except SourceError as exc:
            outcome.fixed, outcome.changed = 0, False
            outcome.error = _error_line(task.display, exc.message)
            return _finish(outcome, raw, text, settings)
        except OSError as exc:
            outcome.fixed, outcome.changed = 0, False
            outcome.error = _error_line(
                task.display, f"could not write the fixed file: {exc.strerror or exc}"
            )
            return _finish(outcome, raw, text, settings)
        if task.cache is not None:
            task.cache.put(new_data, task.core_path, remaining)
    return _finish(outcome, remaining, new_text, settings)


def prepare(
    display: str,
    path: Optional[str],
    settings: Settings,
    cache,
    *,
    data: Optional[bytes] = None,
    core_path: Optional[str] = None,
) -> "Outcome | Task":
    """The cheap part, done in the main process: read, prefilter, decode, cache lookup."""
    from gru_lint import core
    from gru_lint.sourcefile import SourceError, decode_source, read_bytes

    is_stdin = path is None
    core_path = core_path or display
    echo = data if (is_stdin and settings.mode == "fix") else None
    try:
        if data is None:
            data = read_bytes(path)
        elif b"\0" in data:
            raise SourceError(display, "binary file (contains NUL bytes), not Python source")
    except SourceError as exc:
        return Outcome(display, error=_error_line(display, exc.message), stdout_data=echo)
    try:
        matters = core.might_matter(data)
    except Exception as exc:
        return Outcome(display, error=_internal_error_line(display, exc), stdout_data=echo)
    if not matters:
        return Outcome(display, stdout_data=echo)
    try:
        source = decode_source(data, display)
    except SourceError as exc:
        return Outcome(display, error=_error_line(display, exc.message), stdout_data=echo)
    raw = cache.get(data, core_path) if cache is not None else None
    if raw is not None:
        if settings.mode == "check" or not any(
            fix_applicable(d, settings.unsafe) for d in visible(raw, source.text, settings)
        ):
            return _finish(Outcome(display, stdout_data=echo), raw, source.text, settings)
    return Task(display, path, core_path, source, settings, cache, raw, is_stdin)


# --------------------------------------------------------------------------- running


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
        error=_error_line(task.display, f"internal error: worker failed: {type(exc).__name__}"),
    )


def _run_in_pool(tasks: List[Task], workers: int):
    """Yield ``(task, outcome or exception)`` for each task, in order."""
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=workers, mp_context=_mp_context()) as executor:
        futures = [executor.submit(_run_task_serialized, t) for t in tasks]
        for task, future in zip(tasks, futures):
            try:
                yield task, future.result().load()
            except Exception as exc:  # e.g. BrokenProcessPool when a worker dies
                yield task, exc


def run_tasks(tasks: List[Task], jobs: int) -> List[Outcome]:
    if jobs <= 1 or len(tasks) < _MIN_FILES_FOR_POOL:
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


# --------------------------------------------------------------------------- output


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def format_diagnostic(display: str, diag, settings: Settings) -> str:
    mark = " [*]" if fix_applicable(diag, settings.unsafe) else ""
    return f"{display}:{diag.span.line}:{diag.span.col + 1}: {diag.code} {diag.message}{mark}"


def _source_excerpt(outcome: Outcome, diag) -> List[str]:
    out = []
    line = outcome.source_lines.get(diag.span.line)
    if line is not None:
        number = str(diag.span.line)
        pad = " " * len(number)
        out.append(f"  {number} | {line}")
        start = diag.span.col
        end = diag.span.end_col if diag.span.end_line == diag.span.line else len(line)
        width = max(1, end - start)
        prefix = "".join(c if c == "\t" else " " for c in line[:start])
        out.append(f"  {pad} | {prefix}{'^' * width}")
    for rel in diag.related:
        out.append(f"  note: {outcome.display}:{rel.span.line}:{rel.span.col + 1}: {rel.message}")
    if diag.fix is not None and diag.fix.title:
        out.append(f"  help: {diag.fix.title}")
    return out


def _write(stream, text: str) -> None:
    if text:
        stream.write(text)
        stream.flush()


# --------------------------------------------------------------------------- arguments


def _code_list(value: str) -> List[str]:
    import re

    codes = [c.strip().upper() for c in re.split(r"[,\s]+", value) if c.strip()]
    for code in codes:
        if not re.fullmatch(r"[A-Z]+[0-9]*", code):
            import argparse

            raise argparse.ArgumentTypeError(f"invalid code or prefix: {code!r}")
    return codes


def _positive_int(value: str) -> int:
    import argparse

    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return n


def build_parser():
    import argparse

    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Find (and fix) Keras recurrent-layer initial_state bugs "
        "without running the code.",
        epilog="Exit status: 0 clean, 1 findings (or files changed by --fix, or a --diff to show), "
        "2 errors.",
    )
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="files or directories to check (default: .); '-' reads standard input",
    )
    fixing = parser.add_argument_group("fixing")
    fixing.add_argument("--fix", action="store_true", help="apply fixes in place")
    fixing.add_argument(
        "--unsafe-fixes", action="store_true", help="also apply (and offer) fixes marked unsafe"
    )
    fixing.add_argument(
        "--diff", action="store_true", help="print the fixes as a unified diff; write nothing"
    )
    sel = parser.add_argument_group("selecting findings and files")
    sel.add_argument(
        "--select",
        metavar="CODES",
        type=_code_list,
        action="append",
        default=[],
        help="only report these codes or prefixes (comma separated)",
    )
    sel.add_argument(
        "--ignore",
        metavar="CODES",
        type=_code_list,
        action="append",
        default=[],
        help="do not report these codes or prefixes (comma separated)",
    )
    sel.add_argument(
        "--exclude",
        metavar="PATTERNS",
        action="append",
        default=[],
        help="glob patterns of files or directories to skip (comma separated)",
    )
    sel.add_argument("--no-gitignore", action="store_true", help="do not honour .gitignore files")
    sel.add_argument(
        "--stdin-filename", metavar="PATH", help="the name to report for input read from '-'"
    )
    run = parser.add_argument_group("running")
    run.add_argument(
        "-j",
        "--jobs",
        type=_positive_int,
        default=None,
        metavar="N",
        help="parallel processes (default: the number of CPUs)",
    )
    run.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    run.add_argument(
        "--cache-dir",
        metavar="DIR",
        help="cache location (default: $GRU_LINT_CACHE_DIR or ./.gru_lint_cache)",
    )
    out = parser.add_argument_group("output")
    out.add_argument("-q", "--quiet", action="store_true", help="print findings and errors only")
    out.add_argument(
        "--show-source", action="store_true", help="show the source line, notes and suggested fix"
    )
    info = parser.add_argument_group("information")
    info.add_argument("--explain", metavar="CODE", help="describe a rule and exit")
    info.add_argument("--list-rules", action="store_true", help="list the rules and exit")
    info.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    return parser


# --------------------------------------------------------------------------- commands


def _load_rules():
    try:
        from gru_lint import rules
    except ImportError:
        return None
    return rules


def _explain(code: str) -> int:
    rules = _load_rules()
    text = None
    if rules is not None and hasattr(rules, "explain"):
        text = rules.explain(code.strip().upper())
    if not text:
        _write(sys.stderr, f"{PROG}: error: unknown rule code: {code}\n")
        return EXIT_ERROR
    _write(sys.stdout, text if text.endswith("\n") else text + "\n")
    return EXIT_CLEAN


def _list_rules() -> int:
    rules = _load_rules()
    table = getattr(rules, "RULES", None) if rules is not None else None
    if not table:
        _write(sys.stderr, f"{PROG}: error: no rules are available\n")
        return EXIT_ERROR
    rows = [
        (
            str(getattr(info, "code", key)),
            str(getattr(info, "name", "")),
            getattr(info, "summary", ""),
        )
        for key, info in sorted(table.items())
    ]
    width = max(len(name) for _, name, _ in rows)
    lines = [f"{code}  {name:<{width}}  {summary}".rstrip() for code, name, summary in rows]
    _write(sys.stdout, "\n".join(lines) + "\n")
    return EXIT_CLEAN


def _make_cache(args):
    if args.no_cache:
        return None
    from gru_lint.cache import Cache

    try:
        return Cache(args.cache_dir, settings={"kind": "check_source"})
    except Exception:  # pragma: no cover - an unusable cache only costs speed
        return None


def _lint(args) -> int:
    settings = Settings(
        mode="diff" if args.diff else ("fix" if args.fix else "check"),
        unsafe=args.unsafe_fixes,
        select=tuple(c for group in args.select for c in group),
        ignore=tuple(c for group in args.ignore for c in group),
        show_source=args.show_source,
    )
    paths = list(args.paths)
    use_stdin = paths == ["-"] or (not paths and args.stdin_filename is not None)
    if "-" in paths and len(paths) > 1:
        _write(
            sys.stderr, f"{PROG}: error: '-' (standard input) cannot be combined with other paths\n"
        )
        return EXIT_ERROR
    if not paths:
        paths = ["."]
    cache = _make_cache(args)

    outcomes: List[Outcome] = []
    tasks: List[Task] = []
    checked = 0
    if use_stdin:
        data = sys.stdin.buffer.read()
        display = args.stdin_filename or "-"
        item = prepare(
            display, None, settings, cache, data=data, core_path=args.stdin_filename or "<stdin>"
        )
        checked = 1
        (tasks if isinstance(item, Task) else outcomes).append(item)
    else:
        from gru_lint.discovery import iter_python_files
        from gru_lint.sourcefile import SourceError

        for found in iter_python_files(
            paths, exclude=args.exclude, respect_gitignore=not args.no_gitignore
        ):
            if isinstance(found, SourceError):
                outcomes.append(Outcome(found.path, error=_error_line(found.path, found.message)))
                continue
            checked += 1
            item = prepare(found, found, settings, cache)
            (tasks if isinstance(item, Task) else outcomes).append(item)

    jobs = args.jobs if args.jobs is not None else (os.cpu_count() or 1)
    outcomes.extend(run_tasks(tasks, jobs))
    return _report(outcomes, settings, args, checked, use_stdin)


def _report(
    outcomes: List[Outcome], settings: Settings, args, checked: int, use_stdin: bool
) -> int:
    outcomes = sorted(outcomes, key=lambda o: o.display)
    stdout_parts: List[str] = []
    finding_lines: List[str] = []
    fixed_lines: List[str] = []
    error_lines: List[str] = []
    findings = files_with_findings = fixed = files_fixed = fixable = unsafe_only = 0
    for o in outcomes:
        if o.error:
            error_lines.append(o.error)
        if o.changed:
            fixed += o.fixed
            files_fixed += 1
            if settings.mode == "fix":
                fixed_lines.append(f"{o.display}: fixed {_plural(o.fixed, 'finding')}")
            elif o.diff:
                stdout_parts.append(o.diff)
        if o.diagnostics:
            files_with_findings += 1
        for d in o.diagnostics:
            findings += 1
            if fix_applicable(d, settings.unsafe):
                fixable += 1
            elif fix_applicable(d, True):
                unsafe_only += 1
            finding_lines.append(format_diagnostic(o.display, d, settings))
            if settings.show_source:
                finding_lines.extend(_source_excerpt(o, d))

    if use_stdin and settings.mode == "fix":
        data = next((o.stdout_data for o in outcomes if o.stdout_data is not None), b"")
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        findings_stream = sys.stderr  # stdout carries the source
    else:
        findings_stream = sys.stdout
    if settings.mode == "diff":
        _write(sys.stdout, "".join(stdout_parts))
    elif finding_lines:
        _write(findings_stream, "\n".join(finding_lines) + "\n")

    summary: List[str] = []
    if not args.quiet:
        summary.extend(fixed_lines)
        if settings.mode == "diff":
            if files_fixed:
                summary.append(
                    f"Would fix {_plural(fixed, 'finding')} in {_plural(files_fixed, 'file')}."
                )
            elif not findings:
                summary.append(f"No findings ({_plural(checked, 'file')} checked).")
            else:
                summary.append("No fixes available.")
        else:
            if settings.mode == "fix" and files_fixed:
                summary.append(
                    f"Fixed {_plural(fixed, 'finding')} in {_plural(files_fixed, 'file')}."
                )
            if findings:
                hints = []
                if fixable and settings.mode == "check":
                    hints.append(f"{fixable} fixable with --fix")
                if unsafe_only:
                    hints.append(f"{unsafe_only} fixable with --unsafe-fixes")
                tail = f" ({', '.join(hints)})" if hints else ""
                where = _plural(files_with_findings, "file")
                summary.append(f"Found {_plural(findings, 'finding')} in {where}{tail}.")
            elif not (settings.mode == "fix" and files_fixed):
                summary.append(f"No findings ({_plural(checked, 'file')} checked).")
        if error_lines:
            summary.append(f"{_plural(len(error_lines), 'error')}.")
    _write(sys.stderr, "".join(line + "\n" for line in error_lines + summary))

    if error_lines:
        return EXIT_ERROR
    if settings.mode == "diff":
        return EXIT_FINDINGS if files_fixed else EXIT_CLEAN
    if findings or files_fixed:
        return EXIT_FINDINGS
    return EXIT_CLEAN


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run gru-lint with ``argv`` (default ``sys.argv[1:]``); return the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv == ["--version"]:  # the fast path editors and CI probe with
        _write(sys.stdout, f"{PROG} {__version__}\n")
        return EXIT_CLEAN
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="backslashreplace")
        except (AttributeError, ValueError):
            pass
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors
        return (
            exc.code
            if isinstance(exc.code, int)
            else (EXIT_CLEAN if exc.code is None else EXIT_ERROR)
        )
    try:
        if args.explain is not None:
            return _explain(args.explain)
        if args.list_rules:
            return _list_rules()
        return _lint(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (``gru-lint | head``): stop quietly.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):
            pass
        return EXIT_FINDINGS
