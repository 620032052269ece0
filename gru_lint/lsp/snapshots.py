"""What the server analyses: the documents of an entry at their versions (a snapshot),
and the analysis made of it.

An *entry* is one open Python file or one notebook. A ``Snapshot`` holds its parts (the
file, or the notebook's Python code cells) with their versions and the text the core
checks; a ``Result`` is the ``documents.Analysis`` of that text with the snapshot it was
made from, and serves every request about that version.
"""

from __future__ import annotations

import asyncio
from typing import List, Optional, Tuple

from gru_lint.lsp.documents import Analysis, Lines


class Part:
    """One text document of a snapshot: a Python file, or one code cell of a notebook."""

    __slots__ = ("uri", "version", "text", "_lines")

    def __init__(self, uri: str, version: Optional[int], text: str):
        self.uri, self.version, self.text = uri, version, text
        self._lines: Optional[Lines] = None

    @property
    def lines(self) -> Lines:
        if self._lines is None:
            self._lines = Lines(self.text)
        return self._lines


class Snapshot:
    """What was analysed: the parts' texts at their versions, and the program made of them.

    A notebook's program is ``gru_lint.notebook.virtual_source`` of its Python code cells
    (the same one the command line checks), each cell numbered by its part index + 1.
    """

    def __init__(self, key: str, signature, parts: List[Part], notebook: bool):
        self.key, self.signature, self.parts = key, signature, parts
        self.notebook = notebook
        self._program = None
        self._text: Optional[str] = None if notebook else parts[0].text

    @property
    def program(self):
        """The notebook's program (made when first needed: a snapshot taken only to compare
        its versions costs nothing); None for a Python file."""
        if self.notebook and self._program is None:
            from gru_lint.notebook import Cell, virtual_source

            self._program = virtual_source(Cell(i + 1, "code", p.text) for i, p in enumerate(self.parts))
        return self._program

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = self.program.text
        return self._text

    def locate(self, pos) -> Optional[Tuple[int, Tuple[int, int]]]:
        """(part index, position in the part) of a position in the analysed text."""
        if self.program is None:
            return 0, pos
        found = self.program.locate(pos[0] + 1)
        return None if found is None else (found[0] - 1, (found[1] - 1, pos[1]))

    def virtual(self, part: int, pos) -> Tuple[int, int]:
        if self.program is None:
            return pos
        return self.program.cells[part].first_line - 1 + pos[0], pos[1]

    def split(self, new_text: str) -> Optional[List[str]]:
        """Each part's text once the analysed text has become ``new_text``; None when the
        change cannot be put back (it crosses cells or edits an IPython line)."""
        if self.program is None:
            return [new_text]
        from gru_lint.notebook import NotebookError

        try:
            changed = self.program.split(new_text)
        except NotebookError:
            return None
        return [changed.get(i + 1, part.text) for i, part in enumerate(self.parts)]


class Result:
    """An analysis with the snapshot it was made from, and its diagnostics in LSP form."""

    def __init__(self, snapshot: Snapshot, analysis: Analysis, generation: int):
        self.snapshot, self.analysis, self.generation = snapshot, analysis, generation
        self.published: Optional[List[tuple]] = None  # (part, lsp.Diagnostic, Diagnostic)


class Entry:
    def __init__(self, kind: str):
        self.kind = kind  # "text" or "notebook"
        self.result: Optional[Result] = None
        self.task: Optional[asyncio.Future] = None
        self.dirty = False
        self.changed_at = float("-inf")
        self.uris: set = set()  # the URIs diagnostics were last published for
        self.skipped: Optional[str] = None  # why the last analysis was not made (excluded, too large)
