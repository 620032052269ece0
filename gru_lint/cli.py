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
from gru_lint.stdio import StdioError, write, write_bytes

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional, Sequence

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2

PROG = "gru-lint"


def _plug_closed_fds() -> None:
    """A closed fd 0, 1 or 2 gets /dev/null, so no file opened later takes its number
    (and no stray write lands in a file being fixed)."""
    try:
        fd = os.open(os.devnull, os.O_RDWR)
    except OSError:  # pragma: no cover - no /dev/null
        return
    opened = []
    while fd <= 2:
        opened.append(fd)
        fd = os.dup(fd)
    os.close(fd)
    del opened


def _silence_stdout() -> None:
    """After a failed write: point fd 1 at /dev/null so the interpreter's final flush of
    what is still buffered cannot fail again (which prints a traceback, exit 120)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)
    except OSError:  # pragma: no cover
        pass


def build_parser():
    from gru_lint.arguments import build_parser

    return build_parser()


def _make_cache(args, config):
    if args.no_cache:
        return None
    from gru_lint.cache import Cache

    cache_dir = args.cache_dir or (config.get("cache-dir") if config else None)
    try:
        return Cache(cache_dir, settings={"kind": "check_source", "keras": args.keras})
    except Exception:  # pragma: no cover - an unusable cache only costs speed
        return None


def _load_config(args):
    """The ``[tool.gru-lint]`` table in force (``None`` when there is none)."""
    if args.isolated:
        return None
    from gru_lint import pyproject

    path = args.config or pyproject.find()
    return pyproject.load(path) if path else None


def _settings(args, config) -> Settings:
    from gru_lint import pyproject

    def flat(groups):
        return tuple(c for group in groups for c in group)

    settings = pyproject.settings(
        config,
        mode="diff" if args.diff else ("fix" if args.fix else "check"),
        select=flat(args.select),
        extend_select=flat(args.extend_select),
        ignore=flat(args.ignore),
        unsafe=args.unsafe_fixes,
        keras_version=args.keras_version,
        show_source=args.output_format == "full",
    )
    args.keras = settings.keras_version
    return settings


def _excludes(args, config):
    """(patterns, whether the built-in default excludes still apply)."""
    from gru_lint.pyproject import exclude_patterns

    extend = list(args.extend_exclude)
    if config is not None:
        extend = exclude_patterns(config, "extend-exclude") + extend
    if args.exclude:
        return list(args.exclude) + extend, False
    if config is not None and "exclude" in config.values:
        return exclude_patterns(config, "exclude") + extend, False
    return extend, True


def _output_format(args, config) -> str:
    from gru_lint import output

    if args.show_source:
        return "full"
    chosen = args.output_format or os.environ.get("GRU_LINT_OUTPUT_FORMAT") or (
        config.get("output-format") if config is not None else None
    )
    if chosen and chosen not in output.FORMATS:
        raise ValueError(
            f"GRU_LINT_OUTPUT_FORMAT: unknown format {chosen!r} "
            f"(valid: {', '.join(output.FORMATS)})"
        )
    return chosen or output.DEFAULT


def _lint(args) -> int:
    from gru_lint import runner
    from gru_lint.pyproject import ConfigError

    try:
        config = _load_config(args)
        args.output_format = _output_format(args, config)
    except (ConfigError, ValueError) as exc:
        write(sys.stderr, f"{PROG}: error: {exc}\n")
        return EXIT_ERROR
    settings = _settings(args, config)
    if args.max_file_size is not None:
        settings.max_file_size = args.max_file_size
    paths = list(args.paths)
    use_stdin = paths == ["-"] or (not paths and args.stdin_filename is not None)
    if "-" in paths and len(paths) > 1:
        write(
            sys.stderr, f"{PROG}: error: '-' (standard input) cannot be combined with other paths\n"
        )
        return EXIT_ERROR
    if not paths:
        paths = ["."]
    if use_stdin:
        stdin = sys.stdin
        if stdin is None or getattr(stdin, "buffer", None) is None:
            raise StdioError("standard input is closed")
        try:
            stdin_data = stdin.buffer.read()
        except OSError as exc:
            raise StdioError(f"cannot read standard input: {exc.strerror or exc}") from None
    else:
        stdin_data = None
    exclude, default_excludes = _excludes(args, config)
    jobs = args.jobs if args.jobs is not None else (config.get("jobs") if config else None)
    from gru_lint.pool import Interrupted

    try:
        result = runner.run(
            paths,
            settings,
            cache=_make_cache(args, config),
            jobs=jobs,
            exclude=exclude,
            default_excludes=default_excludes,
            force_exclude=args.force_exclude,
            respect_gitignore=not args.no_gitignore,
            stdin_data=stdin_data,
            stdin_filename=args.stdin_filename,
            allow_outside=args.fix_outside_roots,
        )
    except Interrupted as stop:
        return _report_interrupt(stop, settings)
    if not result.checked and not result.errors:
        write(sys.stderr, f"{PROG}: warning: no Python files found to check\n")
    return _report(result, settings, args)


def _report_interrupt(stop, settings: Settings) -> int:
    """After Ctrl-C or SIGTERM: what was already rewritten, then 130 (or 143)."""
    lines = []
    rewritten = sorted((o for o in stop.outcomes if o.changed), key=lambda o: o.display)
    if settings.mode == "fix":
        for o in rewritten:
            lines.append(f"{o.display}: fixed {o.fixed} finding(s)" if o.fixed
                         else f"{o.display}: rewritten before the interrupt")
    name = "SIGTERM" if stop.signum == 15 else "interrupt"
    if settings.mode == "fix":
        lines.append(
            f"Stopped by {name}: {len(rewritten)} file(s) rewritten; the others are untouched."
        )
    else:
        lines.append(f"Stopped by {name}.")
    try:
        write(sys.stderr, "".join(line + "\n" for line in lines))
    except (OSError, ValueError, AttributeError):
        pass
    return 128 + stop.signum


def _report(result, settings: Settings, args) -> int:
    from gru_lint import output
    from gru_lint.output.base import Report, Style, color_wanted
    from gru_lint.output.summary import Totals, exit_status, statistics_lines, summary_lines

    outcomes = result.outcomes
    totals = Totals(outcomes, settings)
    if result.stdin and settings.mode == "fix":
        data = next((o.stdout_data for o in outcomes if o.stdout_data is not None), b"")
        write_bytes(data)
        findings_stream = sys.stderr  # stdout carries the source
    else:
        findings_stream = sys.stdout
    fmt = output.get(args.output_format)
    style = Style(
        getattr(fmt, "TEXT", False) and color_wanted(args.color, findings_stream)
    )
    if settings.mode == "diff":
        write(sys.stdout, "".join(totals.diffs))
    elif args.statistics:
        stats = statistics_lines(outcomes, settings)
        write(findings_stream, "".join(line + "\n" for line in stats))
    else:
        report = Report(outcomes, settings, style, result.checked)
        write(findings_stream, fmt.render(report))

    lines = list(totals.errors)
    if not args.quiet:
        lines.extend(note for o in outcomes for note in getattr(o, "notes", ()))
        lines.extend(summary_lines(totals, settings, result.checked))
    write(sys.stderr, "".join(line + "\n" for line in lines))
    status = exit_status(totals, settings)
    if status == EXIT_FINDINGS and settings.mode == "fix" and result.stdin:
        # ``--fix -`` (editors): 0 when nothing remains, as ruff; 1 with --exit-non-zero-on-fix.
        if not totals.findings and not args.exit_non_zero_on_fix:
            status = EXIT_CLEAN
    if status == EXIT_FINDINGS and args.exit_zero:
        status = EXIT_CLEAN
    return status


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run gru-lint with ``argv`` (default ``sys.argv[1:]``); return the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if sys.stdin is None or sys.stdout is None or sys.stderr is None:
        _plug_closed_fds()
    try:
        status = _main(argv)
        try:
            sys.stdout.flush()  # argparse's --help/--version output is still buffered
        except BrokenPipeError:
            raise
        except (OSError, ValueError) as exc:
            raise StdioError(f"cannot write to standard output: {exc.strerror or exc}") from None
        return status
    except StdioError as exc:
        _silence_stdout()
        try:
            if sys.stderr is not None:
                sys.stderr.write(f"{PROG}: error: {exc}\n")
                sys.stderr.flush()
        except (OSError, ValueError):
            pass
        return EXIT_ERROR
    except BrokenPipeError:
        # The reader went away (``gru-lint | head``): stop quietly -- unless it was
        # reading the fixed source (``--fix -``), which is then lost: say so.
        _silence_stdout()
        if "--fix" in argv and "-" in argv:
            try:
                sys.stderr.write(f"{PROG}: error: standard output closed before the fixed "
                                 "source was written\n")
                sys.stderr.flush()
            except (OSError, ValueError, AttributeError):
                pass
            return EXIT_ERROR
        return EXIT_FINDINGS


def _main(argv) -> int:
    if sys.stdout is None:
        raise StdioError("standard output is closed")
    if sys.stderr is None:
        raise StdioError("standard error is closed")
    if "--version" in argv:  # the fast path editors and CI probe with (argparse would
        # also swallow a failed write of it)
        write(sys.stdout, f"{PROG} {__version__}\n")
        return EXIT_CLEAN
    if argv[:1] == ["server"]:  # the language server (gru_lint.lsp), an optional extra
        from gru_lint.lsp import main as serve

        return serve(argv[1:])
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

            return list_rules(args.output_format or "text")
        return _lint(args)
    except KeyboardInterrupt:
        return 130
