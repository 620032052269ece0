"""flake8-compatible ``# noqa`` comments, and file-level suppression.

``# noqa`` on the physical line a diagnostic is reported on suppresses every
code; ``# noqa: GRU001,GRU002`` (or ``# NOQA:GRU001 GRU002``) suppresses the
listed codes and any code they are a prefix of, exactly as flake8 does. Like
flake8, the line is searched with a regular expression, not tokenized.

File level: a line that is only ``# gru-lint: noqa`` silences the whole file,
``# gru-lint: noqa: GRU001, GRU002`` those codes (and codes they prefix) in the
whole file, as ruff's ``# ruff: noqa`` does; a line starting with
``# flake8: noqa`` silences the whole file, exactly as flake8 reads it (flake8
skips such a file, whatever follows on the line). Unknown codes are left alone.
"""

from __future__ import annotations

import re
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

# flake8's own expression (flake8/defaults.py), so a line means the same to both tools.
NOQA_INLINE_REGEX = re.compile(
    r"# noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?",
    re.IGNORECASE,
)
_SEPARATORS = re.compile(r"[,\s]")
# flake8's own (flake8/defaults.py NOQA_FILE), used with ``match`` as flake8 does.
NOQA_FILE_FLAKE8 = re.compile(r"\s*# flake8[:=]\s*noqa", re.I)
NOQA_FILE = re.compile(
    r"\s*#\s*gru-lint\s*:\s*noqa"
    r"(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*)[,\s]*)?\s*(?:#.*)?$",
    re.I,
)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")

_PHYSICAL_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")

ALL = None  # a bare ``# noqa``


def split_lines(text: str) -> List[str]:
    """Physical lines as the tokenizer sees them (``\\r\\n``, ``\\r`` and ``\\n`` only)."""
    return _LINE_BREAK.split(text)


def parse_noqa(line: str) -> Optional[Tuple[str, ...]]:
    """For one physical line: ``()`` if no ``# noqa``, ``None`` if bare, else the codes."""
    match = NOQA_INLINE_REGEX.search(line)
    if match is None:
        return ()
    codes = match.group("codes")
    if codes is None:
        return ALL
    return tuple(c for c in (p.strip() for p in _SEPARATORS.split(codes)) if c)


def is_suppressed(code: str, noqa: Optional[Tuple[str, ...]]) -> bool:
    if noqa is ALL:
        return True
    return code in noqa or code.startswith(noqa)


def noqa_line_mapping(text: str) -> Dict[int, str]:
    """Line number -> the text searched for ``# noqa``, exactly as flake8 maps it.

    flake8 joins the physical lines of one token run (a multi-line string, a backslash
    continuation) so that a ``# noqa`` anywhere on them covers them all; lines inside
    brackets stay separate (each ends with an NL token).
    """
    import io
    import tokenize

    lines = _PHYSICAL_LINE.findall(text)
    mapping: Dict[int, str] = {}
    low, high = len(lines) + 2, -1
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type in (tokenize.ENDMARKER, tokenize.DEDENT):
                continue
            low, high = min(low, tok.start[0]), max(high, tok.end[0])
            if tok.type in (tokenize.NL, tokenize.NEWLINE):
                joined = "".join(lines[low - 1:high])
                mapping.update(dict.fromkeys(range(low, high + 1), joined))
                low, high = len(lines) + 2, -1
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return {}
    return mapping


def filter_noqa(diagnostics: Iterable, text: str) -> list:
    """The diagnostics whose reporting line does not silence them with ``# noqa``."""
    diagnostics = list(diagnostics)
    if not diagnostics or "noqa" not in text.lower():
        return diagnostics
    mapping = noqa_line_mapping(text)
    lines: Sequence[str] = split_lines(text)
    parsed: Dict[int, Optional[Tuple[str, ...]]] = {}
    kept = []
    for diag in diagnostics:
        lineno = diag.span.line
        if lineno not in parsed:
            line = mapping.get(lineno)
            if line is None:
                line = lines[lineno - 1] if 1 <= lineno <= len(lines) else ""
            parsed[lineno] = parse_noqa(line)
        noqa = parsed[lineno]
        if noqa == () or not is_suppressed(diag.code, noqa):
            kept.append(diag)
    return kept


def file_noqa(text: str) -> Optional[Tuple[str, ...]]:
    """The file-level suppression in ``text``: ``()`` none, ``None`` all codes, else codes."""
    low = text.lower()
    if "flake8" not in low and "gru-lint" not in low:
        return ()
    codes: List[str] = []
    for line in split_lines(text):
        if "noqa" not in line.lower():
            continue
        if NOQA_FILE_FLAKE8.match(line):
            return ALL
        match = NOQA_FILE.match(line)
        if match is None:
            continue
        if match.group("codes") is None:
            return ALL
        codes.extend(c.upper() for c in _SEPARATORS.split(match.group("codes")) if c)
    return tuple(codes)


def filter_file_noqa(diagnostics: Iterable, text: str) -> list:
    """The diagnostics a file-level ``# gru-lint: noqa`` / ``# flake8: noqa`` leaves."""
    diagnostics = list(diagnostics)
    if not diagnostics:
        return diagnostics
    noqa = file_noqa(text)
    if noqa == ():
        return diagnostics
    return [d for d in diagnostics if not is_suppressed(d.code, noqa)]
