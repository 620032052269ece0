"""Notebooks in a run: what the worker needs beyond :mod:`gru_lint.notebook`.

* :func:`load` turns a notebook's bytes into the text the core checks (its code cells
  as one program), a :class:`CellMapper` for the output, and the :class:`Notebook`
  to write fixes back into;
* :class:`CellMapper` shows a position of that program as ruff does,
  ``model.ipynb:cell 5:3:14`` (cells counted over all cells, from 1);
* :func:`cell_diff` is ``--diff`` for a notebook: one hunk group per changed cell,
  labelled ``path:cell N``.
"""

from __future__ import annotations

from gru_lint.notebook import Notebook, NotebookError, is_notebook_path, read_notebook
from gru_lint.positions import Position

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import List, Tuple

__all__ = ["CellMapper", "NotebookError", "cell_diff", "is_notebook_path", "load"]


class CellMapper:
    """``position(line, col)`` of the joined program -> the cell and the line in it.

    Picklable and small: it holds each code cell's first program line, line count
    and number only.
    """

    __slots__ = ("cells",)

    def __init__(self, cells: Tuple[Tuple[int, int, int], ...]):
        self.cells = cells  # (first program line, lines, cell number), in order

    @classmethod
    def of(cls, notebook: Notebook) -> "CellMapper":
        return cls(tuple((c.first_line, c.line_count, c.number) for c in notebook.virtual.cells))

    def locate(self, line: int):
        found = None
        for first, count, number in self.cells:
            if first > line:
                break
            found = (first, count, number)
        if found is None or line - found[0] >= found[1]:
            return None
        return found[2], line - found[0] + 1

    def position(self, line: int, col: int) -> Position:
        where = self.locate(line)
        if where is None:  # a line between cells: nothing is ever reported there
            return Position(line, col + 1)
        number, row = where
        return Position(row, col + 1, cell=f"cell {number}", cell_index=number)

    def __getstate__(self):
        return self.cells

    def __setstate__(self, state):
        self.cells = state

    def __eq__(self, other):
        return isinstance(other, CellMapper) and other.cells == self.cells

    def __repr__(self) -> str:
        return f"CellMapper({len(self.cells)} code cells)"


def load(data: bytes, display: str):
    """``(notebook, program text, mapper)``; :class:`NotebookError` when it is not one."""
    notebook = read_notebook(data, display)
    return notebook, notebook.virtual.text, CellMapper.of(notebook)


def _split_keepends(text: str) -> List[str]:
    import re

    return re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z", text)


def cell_diff(notebook: Notebook, new_program: str, display: str) -> str:
    """A unified diff per changed code cell, labelled ``display:cell N`` (as ruff does)."""
    import difflib

    out = []
    for number, new_source in sorted(notebook.virtual.split(new_program).items()):
        old_source = notebook.cells[number - 1].source
        label = f"{display}:cell {number}"
        for line in difflib.unified_diff(
            _split_keepends(old_source), _split_keepends(new_source), fromfile=label, tofile=label
        ):
            if not line.endswith(("\n", "\r")):
                line += "\n\\ No newline at end of file\n"
            out.append(line)
    return "".join(out)
