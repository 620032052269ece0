"""Where a finding is shown: the hook between the analysis's positions and the output.

The analysis reports :class:`~gru_lint.diagnostics.Span` values in the text it was
given (lines 1-based, columns 0-based). What a user sees may differ: a notebook's
cells are joined into one text before analysis, and a finding on its line 40 is
shown as ``model.ipynb:cell 5:3:14``. Every per-file result
(:class:`gru_lint.worker.Outcome`) carries a *position mapper*; the output formats
ask it, never the span, where to point.

A mapper is any picklable object with ``position(line, col) -> Position``
(``col`` 0-based, as in a ``Span``). :data:`IDENTITY` is the default.
"""

from __future__ import annotations


class Position:
    """A displayed location: ``row`` and ``column`` 1-based; ``cell`` set for notebooks.

    ``cell`` is the label shown between the path and the row (``"cell 5"``);
    ``cell_index`` the same cell as a number, for machine formats (ruff's ``cell``).
    """

    __slots__ = ("row", "column", "cell", "cell_index")

    def __init__(self, row: int, column: int, cell=None, cell_index=None):
        self.row = row
        self.column = column
        self.cell = cell
        self.cell_index = cell_index

    def prefix(self, display: str) -> str:
        """``path`` or ``path:cell N`` (what precedes ``:row:column``)."""
        return f"{display}:{self.cell}" if self.cell is not None else display

    def render(self, display: str) -> str:
        """``path:row:column`` (``path:cell N:row:column`` inside a notebook)."""
        return f"{self.prefix(display)}:{self.row}:{self.column}"

    def __eq__(self, other):
        return isinstance(other, Position) and all(
            getattr(self, k) == getattr(other, k) for k in self.__slots__
        )

    def __repr__(self) -> str:
        return f"Position({self.row}, {self.column}, cell={self.cell!r})"


class IdentityMapper:
    """Positions as the analysis saw them: the text checked is the file itself."""

    __slots__ = ()

    def position(self, line: int, col: int) -> Position:
        return Position(line, col + 1)

    def __reduce__(self):
        return (_identity, ())


def _identity():
    return IDENTITY


IDENTITY = IdentityMapper()
