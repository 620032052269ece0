"""The ``gru-lint`` command: arguments in, a run through the shared runner, output out.

The pieces live elsewhere: :mod:`gru_lint.arguments` (the parser),
:mod:`gru_lint.config` (settings), :mod:`gru_lint.runner` (discovery -> per-file
work -> pool -> results), :mod:`gru_lint.output` (one module per format, and the
summary and exit status), :mod:`gru_lint.commands` (``--explain``, ``--list-rules``).

Exit status: 0 clean; 1 findings remain (or, with ``--fix``, a file was changed;
with ``--diff``, a file would change); 2 some file or argument could not be
handled. 2 wins over 1.

Nothing heavy is imported at module level, so ``gru-lint --version`` is quick,
and the parser is only needed for files the prefilter lets through.
"""

from __future__ import annotations

import os
import sys

from gru_lint import __version__
from gru_lint.config import Settings, code_selected  # noqa: F401  (public names)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional, Sequence

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2

PROG = "gru-lint"


def _write(stream, text: str) -> None:
    if text:
        stream.write(text)
        stream.flush()


def build_parser():
    from gru_lint.arguments import build_parser

    return build_parser()


def _make_cache(args):
    if args.no_cache:
        return None
    from gru_lint.cache import Cache

    try:
        return Cache(args.cache_dir, settings={"kind": "check_source"})
    except Exception:  # pragma: no cover - an unusable cache only costs speed
        return None


def _lint(args) -> int:
    from gru_lint import runner

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
    result = runner.run(
        paths,
        settings,
        cache=cache,
        jobs=args.jobs,
        exclude=args.exclude,
        respect_gitignore=not args.no_gitignore,
        stdin_data=sys.stdin.buffer.read() if use_stdin else None,
        stdin_filename=args.stdin_filename,
    )
    return _report(result, settings, args)


def _report(result, settings: Settings, args) -> int:
    from gru_lint import output
    from gru_lint.output.base import Report
    from gru_lint.output.summary import Totals, exit_status, summary_lines

    outcomes = result.outcomes
    totals = Totals(outcomes, settings)
    if result.stdin and settings.mode == "fix":
        data = next((o.stdout_data for o in outcomes if o.stdout_data is not None), b"")
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        findings_stream = sys.stderr  # stdout carries the source
    else:
        findings_stream = sys.stdout
    if settings.mode == "diff":
        _write(sys.stdout, "".join(totals.diffs))
    else:
        fmt = output.get("full" if settings.show_source else output.DEFAULT)
        _write(findings_stream, fmt.render(Report(outcomes, settings, checked=result.checked)))

    lines = list(totals.errors)
    if not args.quiet:
        lines.extend(summary_lines(totals, settings, result.checked))
    _write(sys.stderr, "".join(line + "\n" for line in lines))
    return exit_status(totals, settings)


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
            from gru_lint.commands import explain

            return explain(args.explain)
        if args.list_rules:
            from gru_lint.commands import list_rules

            return list_rules()
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
