"""Per-file work: read, prefilter, decode, look up the cache, check or fix, filter.

:func:`prepare` does the cheap part in the main process and answers most files
itself (the prefilter rejects them, or the cache knows them); what remains is a
:class:`Task` for :func:`run_task`, which runs in the main process or in a worker
(:mod:`gru_lint.pool`). Either way the answer is an :class:`Outcome`. ``# noqa``
comments and ``--select``/``--ignore`` are applied to what the core reports, and
fixes are only applied for findings that survive them.

A Jupyter notebook (``*.ipynb``) is checked as one program made of its code cells
(:mod:`gru_lint.notebook`): the task carries the notebook, its mapper shows cell
positions, and a fix rewrites only the sources of the cells it changed.

Nothing heavy is imported at module level.
"""

from __future__ import annotations

from gru_lint.config import Settings, code_selected
from gru_lint.positions import IDENTITY, Position

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, Iterable, List, Optional


def fix_applicable(diag, unsafe: bool) -> bool:
    from gru_lint.fixer import applicable

    return applicable(diag, unsafe)


def visible(
    diagnostics: Iterable, text: str, settings: Settings, path: Optional[str] = None
) -> list:
    """What the user asked to see: ``--select``/``--ignore`` (and the ``per-file-ignores``
    matching ``path``), file-level and line ``# noqa`` applied."""
    from gru_lint.noqa import filter_file_noqa, filter_noqa

    select, ignore = settings.select, settings.ignore_for(path)
    diags = [d for d in diagnostics if code_selected(d.code, select, ignore)]
    return filter_noqa(filter_file_noqa(diags, text), text)


class Outcome:
    """What happened to one file (also what a worker process sends back)."""

    def __init__(
        self,
        display: str,
        error: Optional[str] = None,
        stdout_data: Optional[bytes] = None,
        mapper: Any = None,
    ):
        self.display = display
        # Where the output points: ``mapper.position(line, col) -> Position`` (see
        # gru_lint.positions); a notebook's mapper turns lines into cell positions.
        self.mapper = IDENTITY if mapper is None else mapper
        self.diagnostics: list = []  # visible, sorted
        self.fixed = 0  # findings whose fix was applied (or would be, with --diff)
        self.changed = False
        self.diff: Optional[str] = None
        self.stdout_data = stdout_data  # stdin with --fix: the text to echo
        self.error = error  # a complete "path...: error: ..." line
        self.source_lines: Dict[int, str] = {}  # for --show-source
        self.notes: List[str] = []  # "path: not fixed: why" lines for the summary
        # Per diagnostic (same order), its fix's edits as ((line, col), (end_line, end_col))
        # spans in the text checked (lines 1-based, columns 0-based); () without a fix.
        self.edit_spans: List[tuple] = []
        self.serialized = False  # diagnostics are in JSON form (crossed a process boundary)

    def position(self, line: int, col: int) -> Position:
        """The displayed position of ``line`` (1-based) and ``col`` (0-based)."""
        return self.mapper.position(line, col)

    def start(self, diag) -> Position:
        return self.mapper.position(diag.span.line, diag.span.col)

    def end(self, diag) -> Position:
        return self.mapper.position(diag.span.end_line, diag.span.end_col)

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

    write_refusal: Optional[str] = None  # why --fix must not write this file, if so

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
        mapper: Any = None,  # a position mapper for the Outcome (see gru_lint.positions)
        notebook: Any = None,  # gru_lint.notebook.Notebook when the file is one
    ):
        self.display = display
        self.path = path
        self.core_path = core_path
        self.source = source
        self.settings = settings
        self.cache = cache
        self.raw = raw
        self.is_stdin = is_stdin
        self.mapper = mapper
        self.notebook = notebook


def display_name(path: str) -> str:
    """A path as printed: one line whatever its bytes. Control characters become
    ``\\n``, ``\\t``, ``\\xNN``; bytes that are not UTF-8 (surrogate-escaped by
    Python) become ``\\xNN``, so a finding line can be split on ``:`` and newlines."""
    if path.isprintable():
        return path
    out = []
    for ch in path:
        code = ord(ch)
        if ch.isprintable():
            out.append(ch)
        elif 0xDC80 <= code <= 0xDCFF:
            out.append(f"\\x{code - 0xDC00:02x}")
        elif ch in "\n\r\t":
            out.append({"\n": "\\n", "\r": "\\r", "\t": "\\t"}[ch])
        elif code < 0x100:
            out.append(f"\\x{code:02x}")
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return "".join(out)


def error_line(display: str, message: str) -> str:
    return f"{display}: error: {message}"


def parse_error_line(display: str, exc: BaseException, mapper: Any = None) -> str:
    msg = getattr(exc, "msg", None) or str(exc) or type(exc).__name__
    msg = " ".join(str(msg).split())
    lineno = getattr(exc, "lineno", None)
    offset = getattr(exc, "offset", None)
    if isinstance(lineno, int) and lineno > 0:
        col = offset if isinstance(offset, int) and offset > 0 else 1
        where = (mapper or IDENTITY).position(lineno, col - 1).render(display)
        return f"{where}: error: could not parse: {msg}"
    return error_line(display, f"could not parse: {msg}")


def internal_error_line(display: str, exc: BaseException) -> str:
    detail = " ".join(str(exc).split())
    name = type(exc).__name__
    return error_line(
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


def _attach_edit_spans(outcome: Outcome, text: str) -> None:
    if not any(d.fix is not None and d.fix.edits for d in outcome.diagnostics):
        outcome.edit_spans = []
        return
    import bisect
    import re

    starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", text)]

    def where(offset: int):
        index = bisect.bisect_right(starts, offset) - 1
        return (index + 1, offset - starts[index])

    outcome.edit_spans = [
        tuple((where(e.start), where(e.end)) for e in d.fix.edits) if d.fix is not None else ()
        for d in outcome.diagnostics
    ]


def _finish(outcome: Outcome, raw: Iterable, text: str, settings: Settings) -> Outcome:
    found = visible(raw, text, settings, outcome.display)
    outcome.diagnostics = sorted(found, key=lambda d: d.sort_key())
    _attach_edit_spans(outcome, text)
    if settings.show_source:
        _attach_source_lines(outcome, text)
    return outcome


def _split_keepends(text: str) -> List[str]:
    # Lines as patch(1) and git apply count them: only "\n" ends a line, so a CRLF
    # line keeps its "\r" and a file with lone-CR endings is one long line.
    parts = text.split("\n")
    out = [p + "\n" for p in parts[:-1]]
    if parts[-1]:
        out.append(parts[-1])
    return out


def unified_diff(old: str, new: str, display: str) -> str:
    import difflib

    out = []
    for line in difflib.unified_diff(
        _split_keepends(old), _split_keepends(new), fromfile=display, tofile=display
    ):
        if not line.endswith("\n"):
            line += "\n\\ No newline at end of file\n"
        out.append(line)
    return "".join(out)


def run_task(task: Task) -> Outcome:
    """Check (and perhaps fix) one file. Never raises: failures become ``Outcome.error``."""
    try:
        return _run_task(task)
    except Exception as exc:  # a bug in the core must not take down the whole run
        echo = task.source.data if (task.is_stdin and task.settings.mode == "fix") else None
        if isinstance(exc, MemoryError):
            line = error_line(
                task.display,
                f"out of memory while checking this file ({len(task.source.data)} bytes); "
                "skipped (see --max-file-size)",
            )
        else:
            line = internal_error_line(task.display, exc)
        return Outcome(task.display, error=line, stdout_data=echo)


def run_task_serialized(task: Task) -> Outcome:
    """``run_task`` for a worker process: diagnostics go back as plain JSON data."""
    from gru_lint.cache import dump_diagnostics

    outcome = run_task(task)
    outcome.diagnostics = dump_diagnostics(outcome.diagnostics)
    outcome.serialized = True
    return outcome


def _run_task(task: Task) -> Outcome:
    from gru_lint import core
    from gru_lint.sourcefile import SourceError, encode, write_atomic

    settings = task.settings
    source = task.source
    text = source.text
    outcome = Outcome(task.display, mapper=task.mapper)
    if task.is_stdin and settings.mode == "fix":
        outcome.stdout_data = source.data  # echo the input unless a fix replaces it
    raw = task.raw
    if raw is None:
        try:
            raw = list(core.check_source(text, task.core_path, keras_version=settings.keras))
        except (SyntaxError, ValueError) as exc:
            outcome.error = parse_error_line(task.display, exc, task.mapper)
            return outcome
        if task.cache is not None:
            task.cache.put(source.data, task.core_path, raw)
    if settings.mode == "check":
        return _finish(outcome, raw, text, settings)

    wanted = visible(raw, text, settings, task.display)
    if not any(fix_applicable(d, settings.unsafe) for d in wanted):
        return _finish(outcome, raw, text, settings)
    try:
        result = core.fix_source(
            text,
            unsafe=settings.unsafe,
            wanted=lambda diags, now: visible(diags, now, settings, task.display),
            keras_version=settings.keras,
        )
        new_text, applied, remaining = result.text, len(result.applied), list(result.remaining)
        fixer_problem = getattr(result, "error", None)
    except (SyntaxError, ValueError) as exc:
        outcome.error = parse_error_line(task.display, exc, task.mapper)
        return outcome
    if fixer_problem:
        # The fixer stopped early (a round would not parse) and kept what did.
        problem = " ".join(str(fixer_problem).split())
        outcome.error = error_line(task.display, f"some fixes were not applied: {problem}")
    if new_text == text:
        return _finish(outcome, remaining, text, settings)

    import ast

    try:
        compile(new_text, task.display, "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        outcome.error = error_line(
            task.display,
            "the fixed code would not parse "
            f"({' '.join(str(getattr(exc, 'msg', exc)).split())}); file left unchanged",
        )
        return _finish(outcome, raw, text, settings)
    try:
        if task.notebook is not None:
            new_data = task.notebook.fixed(new_text)  # only the changed cells' sources
        else:
            new_data = encode(source, new_text)
    except (SourceError, ValueError) as exc:  # NotebookError is a ValueError
        message = getattr(exc, "message", None) or " ".join(str(exc).split())
        if task.notebook is None:
            message += "; file left unchanged"
        outcome.error = error_line(task.display, message)
        return _finish(outcome, raw, text, settings)

    outcome.fixed = applied
    outcome.changed = True
    if settings.mode == "diff":
        if task.notebook is not None:
            from gru_lint.notebook_run import cell_diff

            outcome.diff = cell_diff(task.notebook, new_text, task.display)
        else:
            outcome.diff = unified_diff(text, new_text, task.display)
    elif task.is_stdin:
        outcome.stdout_data = new_data
    elif task.write_refusal is not None:
        outcome.fixed, outcome.changed = 0, False
        outcome.notes.append(f"{task.display}: not fixed: {task.write_refusal}")
        return _finish(outcome, raw, text, settings)
    else:
        try:
            # The file must still hold what was read, up to the rename itself.
            write_atomic(task.path, new_data, expected=source.data)
        except SourceError as exc:
            outcome.fixed, outcome.changed = 0, False
            outcome.error = error_line(task.display, exc.message)
            return _finish(outcome, raw, text, settings)
        except OSError as exc:
            outcome.fixed, outcome.changed = 0, False
            outcome.error = error_line(
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
    mapper: Any = None,
) -> "Outcome | Task":
    """The cheap part, done in the main process: read, prefilter, decode, cache lookup."""
    from gru_lint import core
    from gru_lint.sourcefile import SourceError, _size_message, decode_source, read_bytes

    is_stdin = path is None
    core_path = core_path or display
    echo = data if (is_stdin and settings.mode == "fix") else None
    limit = getattr(settings, "max_file_size", None) or None
    try:
        if data is None:
            data = read_bytes(path, max_size=limit)
        elif limit is not None and len(data) > limit:
            raise SourceError(display, _size_message(len(data), limit))
        elif b"\0" in data:
            raise SourceError(display, "binary file (contains NUL bytes), not Python source")
    except SourceError as exc:
        return Outcome(display, error=error_line(display, exc.message), stdout_data=echo)
    from gru_lint.notebook import is_notebook_path

    if is_notebook_path(display):
        return _prepare_notebook(display, path, settings, cache, data, core_path, echo)
    try:
        matters = core.might_matter(data)
    except Exception as exc:
        return Outcome(display, error=internal_error_line(display, exc), stdout_data=echo)
    if not matters:
        # Never parsed (nothing in it can be a finding), but undecodable bytes are
        # still reported; ASCII, the common case, needs no decoding at all.
        if not data.isascii():
            try:
                decode_source(data, display)
            except SourceError as exc:
                return Outcome(display, error=error_line(display, exc.message), stdout_data=echo)
        return Outcome(display, stdout_data=echo)
    try:
        source = decode_source(data, display)
    except SourceError as exc:
        return Outcome(display, error=error_line(display, exc.message), stdout_data=echo)
    raw = cache.get(data, core_path) if cache is not None else None
    if raw is not None:
        if settings.mode == "check" or not any(
            fix_applicable(d, settings.unsafe)
            for d in visible(raw, source.text, settings, display)
        ):
            outcome = Outcome(display, stdout_data=echo, mapper=mapper)
            return _finish(outcome, raw, source.text, settings)
    return Task(display, path, core_path, source, settings, cache, raw, is_stdin, mapper)


def _prepare_notebook(display, path, settings, cache, data, core_path, echo):
    """``prepare`` for a notebook: its code cells, joined, are the text the core checks."""
    from gru_lint import core
    from gru_lint.notebook_run import NotebookError, load
    from gru_lint.sourcefile import SourceFile, detect_newline

    try:
        notebook, program, mapper = load(data, display)
    except NotebookError as exc:
        return Outcome(display, error=error_line(display, str(exc)), stdout_data=echo)
    if not core.might_matter(program):
        return Outcome(display, stdout_data=echo, mapper=mapper)
    # ``data`` stays the notebook's bytes: the cache key, and what a fix must still find.
    source = SourceFile(display, data, program, "utf-8", False, detect_newline(program))
    raw = cache.get(data, core_path) if cache is not None else None
    if raw is not None:
        if settings.mode == "check" or not any(
            fix_applicable(d, settings.unsafe) for d in visible(raw, program, settings, display)
        ):
            return _finish(Outcome(display, stdout_data=echo, mapper=mapper), raw, program, settings)
    return Task(display, path, core_path, source, settings, cache, raw, path is None, mapper,
                notebook)
