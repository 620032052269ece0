"""The command line's arguments: :func:`build_parser` (argparse is imported on demand).

Flags that ``[tool.gru-lint]`` can also set default to ``None`` (or an empty
list), so the command line can tell "not given" from "given" and override the
configuration only where it was given.
"""

from __future__ import annotations

import sys

from gru_lint import __version__

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import List

PROG = "gru-lint"
COLOR_CHOICES = ("auto", "always", "never")


def _code_list(value: str) -> List[str]:
    import argparse
    import re

    codes = [c.strip().upper() for c in re.split(r"[,\s]+", value) if c.strip()]
    for code in codes:
        if not re.fullmatch(r"[A-Z]+[0-9]*", code):
            raise argparse.ArgumentTypeError(f"invalid code or prefix: {code!r}")
        from gru_lint.pyproject import check_selector

        problem = check_selector(code)
        if problem:
            raise argparse.ArgumentTypeError(problem)
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


def _size(value: str) -> int:
    """Bytes, with an optional k/M/G suffix (powers of 1024); 0 means no limit."""
    import argparse

    from gru_lint.config import parse_size

    try:
        return parse_size(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _format_names():
    from gru_lint.output import FORMATS

    return tuple(FORMATS)


def build_parser():
    import argparse

    from gru_lint.stdio import write

    class Parser(argparse.ArgumentParser):
        # argparse drops a failed write of --help or a usage error (a full disk,
        # a closed pipe's EIO); gru-lint reports it like any other write.
        def _print_message(self, message, file=None):
            write(file or sys.stderr, message)

    parser = Parser(
        prog=PROG,
        description="Find (and fix) Keras recurrent-layer initial_state bugs "
        "without running the code.",
        epilog="Exit status: 0 clean, 1 findings (or files changed by --fix, or a --diff to show), "
        "2 errors. Configuration: [tool.gru-lint] in the nearest pyproject.toml. "
        "What a rule checks and why: gru-lint --explain GRU001 (a code or a rule name); "
        "all rules: gru-lint --list-rules.",
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
        "--unsafe-fixes",
        action="store_true",
        default=None,
        help="also apply (and offer) fixes marked unsafe",
    )
    fixing.add_argument(
        "--no-unsafe-fixes",
        dest="unsafe_fixes",
        action="store_false",
        help="do not, whatever the configuration says",
    )
    fixing.add_argument(
        "--fix-outside-roots",
        action="store_true",
        help="also rewrite files whose real path (through symbolic links) is outside the "
        "paths given",
    )
    fixing.add_argument(
        "--diff", action="store_true", help="print the fixes as a unified diff; write nothing"
    )
    sel = parser.add_argument_group("selecting findings and files")
    for flag, text in (
        ("--select", "only report these codes or prefixes (comma separated; replaces "
         "the config's)"),
        ("--extend-select", "report these codes or prefixes as well"),
        ("--ignore", "do not report these codes or prefixes (comma separated)"),
    ):
        sel.add_argument(flag, metavar="CODES", type=_code_list, action="append", default=[],
                         help=text)
    sel.add_argument(
        "--exclude",
        metavar="PATTERNS",
        action="append",
        default=[],
        help="glob patterns of files or directories to skip, replacing the default ones "
        "(comma separated)",
    )
    sel.add_argument(
        "--extend-exclude",
        metavar="PATTERNS",
        action="append",
        default=[],
        help="glob patterns to skip as well as the default ones",
    )
    sel.add_argument(
        "--force-exclude",
        action="store_true",
        help="apply the excludes to files named on the command line too",
    )
    sel.add_argument("--no-gitignore", action="store_true", help="do not honour .gitignore files")
    sel.add_argument(
        "--stdin-filename", metavar="PATH", help="the name to report for input read from '-'"
    )
    sel.add_argument(
        "--keras-version",
        choices=("2", "3", "auto"),
        default=None,
        help="the Keras the code is written for (default: auto, decided per file from imports)",
    )
    conf = parser.add_argument_group("configuration")
    conf.add_argument(
        "--config",
        metavar="PATH",
        help="read [tool.gru-lint] from this pyproject.toml (default: the nearest one)",
    )
    conf.add_argument(
        "--isolated", action="store_true", help="ignore every configuration file"
    )
    run = parser.add_argument_group("running")
    run.add_argument(
        "-j",
        "--jobs",
        type=_positive_int,
        default=None,
        metavar="N",
        help="parallel processes (default: the number of CPUs; at most twice that)",
    )
    run.add_argument(
        "--max-file-size",
        type=_size,
        default=None,
        metavar="BYTES",
        help="report and skip larger files (default: 10M; suffixes k, M, G; 0: no limit)",
    )
    run.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    run.add_argument(
        "--cache-dir",
        metavar="DIR",
        help="cache location (default: $GRU_LINT_CACHE_DIR or ./.gru_lint_cache)",
    )
    out = parser.add_argument_group("output")
    out.add_argument(
        "--output-format",
        metavar="FORMAT",
        choices=_format_names(),
        default=None,
        help=f"one of {', '.join(_format_names())} "
        "(default: $GRU_LINT_OUTPUT_FORMAT, the config's, or concise)",
    )
    out.add_argument("-q", "--quiet", action="store_true", help="print findings and errors only")
    out.add_argument(
        "--show-source", action="store_true",
        help="show the source line, notes and suggested fix (--output-format full)",
    )
    out.add_argument(
        "--statistics", action="store_true", help="print the number of findings per code"
    )
    out.add_argument("--exit-zero", action="store_true", help="exit 0 even if findings remain")
    out.add_argument(
        "--exit-non-zero-on-fix",
        action="store_true",
        help="with --fix, exit 1 when a file was changed, even if nothing remains",
    )
    out.add_argument(
        "--color",
        choices=COLOR_CHOICES,
        default="auto",
        help="colour the text formats: auto (a terminal, unless NO_COLOR; FORCE_COLOR forces), "
        "always or never",
    )
    info = parser.add_argument_group("information")
    info.add_argument(
        "--explain", metavar="RULE", help="describe a rule (a code or a name) and exit"
    )
    info.add_argument("--list-rules", action="store_true", help="list the rules and exit")
    info.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    return parser
