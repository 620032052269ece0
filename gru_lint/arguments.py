"""The command line's arguments: :func:`build_parser` (argparse is imported on demand)."""

from __future__ import annotations

from gru_lint import __version__

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import List

PROG = "gru-lint"


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


def _size(value: str) -> int:
    """Bytes, with an optional k/M/G suffix (powers of 1024); 0 means no limit."""
    import argparse

    text = value.strip()
    factor = 1
    if text[-1:].lower() in ("k", "m", "g"):
        factor = 1024 ** ("kmg".index(text[-1].lower()) + 1)
        text = text[:-1]
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size: {value!r}") from None
    if n < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return n * factor


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
        "--fix-outside-roots",
        action="store_true",
        help="also rewrite files whose real path (through symbolic links) is outside the "
        "paths given",
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
    out.add_argument("-q", "--quiet", action="store_true", help="print findings and errors only")
    out.add_argument(
        "--show-source", action="store_true", help="show the source line, notes and suggested fix"
    )
    info = parser.add_argument_group("information")
    info.add_argument("--explain", metavar="CODE", help="describe a rule and exit")
    info.add_argument("--list-rules", action="store_true", help="list the rules and exit")
    info.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    return parser
