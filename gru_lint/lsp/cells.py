"""A notebook's code cells as one program, and the way back to the cells.

The cells are analysed together, in order (an import in the first cell resolves names in
the fifth), as Jupyter runs them. IPython syntax is masked line for line so that every
other line keeps its number and columns: ``%%magic`` cells entirely, and ``%line``,
``!shell`` and ``?help`` lines (each becomes ``pass`` at the same indentation, so the
block around it still parses).
"""

from __future__ import annotations

import difflib
import re
from typing import List, Optional, Sequence, Set, Tuple

from gru_lint.analysis.source import SourceText

_LINE_CONTENT = re.compile(r"[^\r\n]*")
_INDENT = re.compile(r"[ \t]*")
_HELP = re.compile(r"\?{1,2}[\w.*]+|[\w.*]+\?{1,2}")  # ``?obj``, ``obj??``


def _mask_line(line: str) -> Optional[str]:
    """The masked form of an IPython-only line, or None for a Python line."""
    content = _LINE_CONTENT.match(line).group(0)
    stripped = content.strip()
    if not stripped or stripped.startswith("#"):
        return None
    if stripped[0] in "%!" or _HELP.fullmatch(stripped):
        indent = _INDENT.match(content).group(0)
        return indent + "pass" + line[len(content):]
    return None


class CellProgram:
    """``cells`` (the code cells' texts, in order) joined into ``text``."""

    def __init__(self, cells: Sequence[str]):
        self.cells = list(cells)
        self.first_line: List[int] = []  # 0-based line of ``text`` where each cell starts
        self.masked: Set[int] = set()  # lines of ``text`` that differ from their cell
        self.cell_lines: List[List[str]] = []
        parts: List[str] = []
        line = 0
        for cell in self.cells:
            lines = SourceText(cell).lines
            self.cell_lines.append(lines)
            self.first_line.append(line)
            whole = bool(lines) and lines[0].lstrip().startswith("%%")
            for i, text in enumerate(lines):
                if not text.endswith(("\n", "\r")):
                    text += "\n"  # the cell's last line; the next cell starts on a line of its own
                masked = ("\n" if whole else _mask_line(text))
                if masked is not None:
                    self.masked.add(line + i)
                    text = masked
                parts.append(text)
            line += len(lines)
        self.line_count = line
        self.text = "".join(parts)

    def locate(self, line: int) -> Optional[Tuple[int, int]]:
        """``(cell index, line in the cell)`` of a 0-based line of ``text``."""
        import bisect

        if not 0 <= line < self.line_count or line in self.masked:
            return None
        cell = bisect.bisect_right(self.first_line, line) - 1
        while cell > 0 and self.first_line[cell] > line:
            cell -= 1
        return cell, line - self.first_line[cell]

    def cell_length(self, cell: int, line: int) -> int:
        lines = self.cell_lines[cell]
        return len(_LINE_CONTENT.match(lines[line]).group(0)) if 0 <= line < len(lines) else 0

    def split(self, new_text: str) -> Optional[List[str]]:
        """The cells' texts once ``text`` has become ``new_text``; None when a change crosses
        a cell boundary or touches a masked line (it cannot be put back into the cells)."""
        old_lines = SourceText(self.text).lines
        new_lines = SourceText(new_text).lines
        ops = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False).get_opcodes()

        def new_index(k: int) -> Optional[int]:
            if k >= len(old_lines):
                return len(new_lines)
            for tag, i1, i2, j1, _j2 in ops:
                if i1 <= k < i2:
                    if k == i1:
                        return j1
                    return j1 + (k - i1) if tag == "equal" else None
            return None

        bounds = [0]
        for start in self.first_line[1:]:
            index = new_index(start)
            if index is None:
                return None
            bounds.append(index)
        bounds.append(len(new_lines))
        restored = list(new_lines)
        for m in self.masked:
            for tag, i1, i2, j1, _j2 in ops:
                if i1 <= m < i2:
                    if tag != "equal":
                        return None
                    cell = self.locate_any(m)
                    original = self.cell_lines[cell][m - self.first_line[cell]]
                    if not original.endswith(("\n", "\r")):
                        original += "\n"
                    restored[j1 + m - i1] = original
                    break
        out = []
        for i, cell in enumerate(self.cells):
            text = "".join(restored[bounds[i]: bounds[i + 1]])
            if not cell.endswith(("\n", "\r")) and text.endswith("\n"):
                text = text[:-1]
            out.append(text)
        return out

    def locate_any(self, line: int) -> int:
        import bisect

        return max(0, bisect.bisect_right(self.first_line, line) - 1)
