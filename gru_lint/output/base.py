"""What every output format gets: the :class:`Report`, the :class:`Style`, helpers."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator, List, Tuple


class Style:
    """Colour (ANSI SGR) when ``color`` is true; plain text otherwise."""

    __slots__ = ("color",)

    def __init__(self, color: bool = False):
        self.color = color

    def _sgr(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.color and text else text

    def path(self, text: str) -> str:
        return self._sgr(text, "1")

    def code(self, text: str) -> str:
        return self._sgr(text, "1;31")

    def caret(self, text: str) -> str:
        return self._sgr(text, "31")

    def gutter(self, text: str) -> str:
        return self._sgr(text, "34")

    def note(self, text: str) -> str:
        return self._sgr(text, "36")

    def fixable(self, text: str) -> str:
        return self._sgr(text, "36")


PLAIN = Style(False)


class Report:
    """A finished run as the formats see it."""

    def __init__(self, outcomes: List, settings, style: Style = PLAIN, checked: int = 0):
        self.outcomes = outcomes  # gru_lint.worker.Outcome, sorted by display path
        self.settings = settings  # gru_lint.config.Settings
        self.style = style
        self.checked = checked

    def findings(self) -> Iterator[Tuple[object, object]]:
        """``(outcome, diagnostic)`` for every visible finding, in output order."""
        for outcome in self.outcomes:
            for diag in outcome.diagnostics:
                yield outcome, diag

    def indexed(self):
        """``(outcome, index in outcome.diagnostics, diagnostic)`` for every finding."""
        for outcome in self.outcomes:
            for index, diag in enumerate(outcome.diagnostics):
                yield outcome, index, diag


def fix_applicable(diag, unsafe: bool) -> bool:
    from gru_lint.fixer import applicable

    return applicable(diag, unsafe)


def rel_path(display: str) -> str:
    """The path relative to the current directory, ``/`` separated (CI tools want these)."""
    import os

    if display == "-" or display.startswith("<"):
        return display
    rel = os.path.relpath(os.path.abspath(display))
    path = rel if not rel.startswith("..") else os.path.abspath(display)
    return path.replace(os.sep, "/")


def abs_path(display: str) -> str:
    import os

    return display if display == "-" else os.path.abspath(display)


def location(position) -> dict:
    return {"row": position.row, "column": position.column}


def fix_dict(outcome, index: int, diag):
    """ruff's ``fix`` object (``None`` without one): applicability, message, edits."""
    fix = diag.fix
    if fix is None or not fix.edits:
        return None
    spans = outcome.edit_spans[index] if index < len(outcome.edit_spans) else ()
    edits = []
    for edit, span in zip(fix.edits, spans):
        (line, col), (end_line, end_col) = span
        edits.append(
            {
                "content": edit.text,
                "location": location(outcome.position(line, col)),
                "end_location": location(outcome.position(end_line, end_col)),
            }
        )
    return {
        "applicability": getattr(fix.applicability, "value", str(fix.applicability)),
        "message": fix.title or None,
        "edits": edits,
    }


def rules_table() -> dict:
    try:
        from gru_lint.rules import RULES
    except ImportError:  # pragma: no cover
        return {}
    return RULES


def rule_url(code: str) -> str:
    from gru_lint.commands import rule_url as url

    return url(code)


def color_wanted(choice: str, stream) -> bool:
    """``--color``: ``always``/``never``; ``auto`` colours a terminal only, unless
    ``NO_COLOR`` is set (non-empty); ``FORCE_COLOR`` (non-empty) colours even a pipe."""
    import os

    if choice == "always":
        return True
    if choice == "never":
        return False
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def join_lines(lines: List[str]) -> str:
    return "".join(line + "\n" for line in lines)
