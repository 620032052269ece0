"""What the language server knows about one document, computed once per version.

Nothing here imports pygls: positions are ``(line, column)`` pairs with 0-based lines and
code-point columns, and the server converts them to the client's units. An ``Analysis``
is made once per document version and settings, and then serves the diagnostics, the code
actions and the hovers of that version.

Edits are ``gru_lint.diagnostics.Edit`` values (character offsets into the analysed
text), so a fix is the very fix ``gru-lint --fix`` applies.
"""

from __future__ import annotations

import ast
import difflib
import re
from typing import List, Optional, Sequence, Tuple

from gru_lint.analysis.source import SourceText
from gru_lint.diagnostics import Diagnostic, Edit

Position = Tuple[int, int]  # (0-based line, code-point column)

_LINE_CONTENT = re.compile(r"[^\r\n]*")


def _visible(diagnostics, text: str, settings, path: Optional[str] = None) -> list:
    from gru_lint.worker import visible

    return visible(diagnostics, text, settings, path)


def fixable(diag: Diagnostic, unsafe: bool) -> bool:
    from gru_lint.fixer import applicable

    return applicable(diag, unsafe)


def is_unsafe(diag: Diagnostic) -> bool:
    from gru_lint.diagnostics import Applicability

    return diag.fix is not None and Applicability(diag.fix.applicability) != Applicability.SAFE


class Lines:
    """A text's lines (only ``\\r\\n``, ``\\r`` and ``\\n`` end one, as for Python and LSP)."""

    def __init__(self, text: str):
        self.text = text
        self.source = SourceText(text)

    def __len__(self) -> int:
        return len(self.source.lines)

    def line_text(self, line: int) -> str:
        """The 0-based ``line`` without its line break ("" past the end)."""
        lines = self.source.lines
        if 0 <= line < len(lines):
            return _LINE_CONTENT.match(lines[line]).group(0)
        return ""

    def position(self, offset: int) -> Position:
        """(line, column) of a character offset."""
        import bisect

        starts = self.source.starts
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(starts, offset) - 1
        if line >= len(self.source.lines):  # the very end of a text ending in a line break
            return (len(self.source.lines), 0)
        return (line, offset - starts[line])

    def offset(self, position: Position) -> int:
        line, col = position
        if line >= len(self.source.lines):
            return len(self.text)
        return self.source.starts[max(0, line)] + min(max(0, col), len(self.line_text(line)))


class Analysis:
    """One version of one text, analysed: visible diagnostics, or the parse error.

    ``path`` (the document's file, when it has one) is what ``per-file-ignores`` match.
    ``skipped`` says why the text is not checked at all (the command line would not check
    the file: excluded, too large); there are no diagnostics then."""

    def __init__(self, text: str, settings, version=None, path: Optional[str] = None,
                 skipped: Optional[str] = None):
        from gru_lint import core

        self.text = text
        self.settings = settings
        self.version = version
        self.path = path
        self.error: Optional[str] = None
        self.error_position: Optional[Position] = None
        self.diagnostics: List[Diagnostic] = []
        self._raw: List[Diagnostic] = []  # every finding, before select/ignore and noqa
        self._lines: Optional[Lines] = None
        self._fixed_all: Optional[str] = None
        self._quick: dict = {}  # id(diagnostic) -> its quick fix's text (or None)
        self.skipped = skipped
        if skipped is not None:
            return
        try:
            raw = core.check_source(text, path or "<string>", keras_version=settings.keras)
        except (SyntaxError, ValueError) as exc:
            msg = getattr(exc, "msg", None) or str(exc) or type(exc).__name__
            self.error = " ".join(str(msg).split())
            lineno = getattr(exc, "lineno", None)
            offset = getattr(exc, "offset", None)
            if isinstance(lineno, int) and lineno > 0:
                col = offset - 1 if isinstance(offset, int) and offset > 0 else 0
                self.error_position = (lineno - 1, col)
            return
        self._raw = raw
        self.diagnostics = sorted(_visible(raw, text, settings, path), key=Diagnostic.sort_key)

    @property
    def lines(self) -> "Lines":
        if self._lines is None:
            self._lines = Lines(self.text)
        return self._lines

    # ---------------------------------------------------------------- queries

    def at(self, start: Position, end: Position) -> List[Diagnostic]:
        """The diagnostics whose range touches ``[start, end]``."""
        found = []
        for d in self.diagnostics:
            s, e = span_bounds(d.span)
            if s <= end and start <= e:
                found.append(d)
        return found

    def quick_fix(self, diag: Diagnostic) -> Optional[str]:
        """The text with this one finding's fix applied, or None if it does not apply cleanly."""
        from gru_lint.fixer import apply_fixes

        if diag.fix is None or not diag.fix.edits:
            return None
        if id(diag) not in self._quick:  # made once per version (code actions come often)
            new, used = apply_fixes(self.text, [diag])
            self._quick[id(diag)] = new if used and new != self.text and _parses(new) else None
        return self._quick[id(diag)]

    def fix_all(self) -> str:
        """The text ``gru-lint --fix`` would write, with the same settings (safe fixes, unless
        unsafe fixes are enabled); the text itself when nothing applies."""
        if self.error is not None or self.skipped is not None:
            return self.text
        if self._fixed_all is None:
            self._fixed_all = fixed_text(self.text, self.settings, self.path, self._raw)
        return self._fixed_all

    def noqa_edit(self, diag: Diagnostic) -> Optional[Edit]:
        return noqa_edit(self.text, self.lines.source, diag.span.line, diag.code)


def span_bounds(span) -> Tuple[Position, Position]:
    return (span.line - 1, span.col), (span.end_line - 1, span.end_col)


def _parses(text: str) -> bool:
    try:
        ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def fixed_text(text: str, settings, path: Optional[str] = None,
               diagnostics: Optional[Sequence[Diagnostic]] = None) -> str:
    """Exactly what ``gru-lint --fix`` does to a file's text: the fixes of the visible
    findings (``# noqa``, select/ignore and per-file-ignores honoured), round after round.
    ``diagnostics``: every finding of ``text`` with these settings, when already known."""
    from gru_lint.fixer import fix_text

    result = fix_text(
        text,
        unsafe=settings.unsafe,
        wanted=lambda diags, now: _visible(diags, now, settings, path),
        keras_version=settings.keras,
        diagnostics=diagnostics,
    )
    if result.text != text and not _parses(result.text):
        return text
    return result.text


# --------------------------------------------------------------------------- noqa


def noqa_edit(text: str, source: SourceText, line: int, code: str) -> Optional[Edit]:
    """The edit that silences ``code`` on 1-based ``line`` with ``# noqa: CODE``.

    An existing ``# noqa: A`` on the line (or on any line of the same token run: a
    multi-line string, a backslash continuation) gains the code; otherwise the comment
    goes at the end of the run's last physical line, where flake8 and gru-lint look.
    """
    from gru_lint.noqa import NOQA_INLINE_REGEX, noqa_line_mapping

    lines = source.lines
    if not 1 <= line <= len(lines):
        return None
    mapping = noqa_line_mapping(text) if text else {}
    first = last = line
    joined = mapping.get(line)
    if joined is not None:
        while mapping.get(first - 1) is joined:
            first -= 1
        while mapping.get(last + 1) is joined:
            last += 1
    for n in range(first, last + 1):
        content = _LINE_CONTENT.match(lines[n - 1]).group(0)
        match = NOQA_INLINE_REGEX.search(content)
        if match is None:
            continue
        start = source.starts[n - 1]
        codes = match.group("codes")
        if codes is None:
            return None  # a bare ``# noqa`` already silences everything
        listed = [c for c in re.split(r"[,\s]+", codes) if c]
        if code in listed:
            return None
        end = match.start("codes") + len(codes.rstrip(", \t"))
        return Edit(start + end, start + end, f", {code}")
    content = _LINE_CONTENT.match(lines[last - 1]).group(0)
    kept = content.rstrip(" \t")
    start = source.starts[last - 1]
    return Edit(start + len(kept), start + len(content), f"  # noqa: {code}")


# --------------------------------------------------------------------------- text edits


def text_edits(old: str, new: str) -> List[Edit]:
    """Small non-overlapping edits turning ``old`` into ``new`` (offsets into ``old``)."""
    if old == new:
        return []
    old_lines = SourceText(old).lines
    new_lines = SourceText(new).lines
    old_starts = SourceText(old).starts
    new_starts = SourceText(new).starts
    edits = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        a_start, a_end = old_starts[i1], old_starts[i2]
        b_start, b_end = new_starts[j1], new_starts[j2]
        # Trim what the two blocks share at either end, to the character.
        a, b = old[a_start:a_end], new[b_start:b_end]
        prefix = _common_prefix(a, b)
        suffix = _common_prefix(a[prefix:][::-1], b[prefix:][::-1])
        edits.append(Edit(a_start + prefix, a_end - suffix, b[prefix: len(b) - suffix]))
    return edits


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def apply_edits(text: str, edits: Sequence[Edit]) -> str:
    for edit in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        text = text[: edit.start] + edit.text + text[edit.end:]
    return text


__all__ = [
    "Analysis",
    "Lines",
    "apply_edits",
    "fixed_text",
    "noqa_edit",
    "span_bounds",
    "text_edits",
]
