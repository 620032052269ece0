"""Source positions: ``ast`` gives UTF-8 byte columns; diagnostics and edits use characters."""

from __future__ import annotations

import ast
import re
from itertools import accumulate
from typing import List, Optional

from gru_lint.diagnostics import Span

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


class SourceText:
    """The source split into lines once, with O(1) position conversions."""

    def __init__(self, source: str):
        self.source = source
        # Lines as ``ast`` counts them (keeping their endings), and where each starts.
        # Only \n, \r\n and \r end a line: str.splitlines() would also split on form
        # feeds, \x1c-\x1e, \x85 and \u2028, which Python's tokenizer does not.
        self.lines: List[str] = _LINE.findall(source)
        self.starts: List[int] = [0, *accumulate(len(line) for line in self.lines)]

    def col(self, line: int, byte_col: int) -> int:
        """Character column of a UTF-8 byte column on a 1-based line."""
        if not 0 < line <= len(self.lines):
            return byte_col
        text = self.lines[line - 1]
        if text.isascii():
            return byte_col
        return len(text.encode("utf-8", "surrogatepass")[:byte_col].decode("utf-8", "replace"))

    def span(self, node: ast.AST) -> Span:
        line = node.lineno
        end_line = getattr(node, "end_lineno", None) or line
        end_col = getattr(node, "end_col_offset", None)
        return Span(
            line,
            self.col(line, node.col_offset),
            end_line,
            self.col(end_line, end_col if end_col is not None else node.col_offset),
        )

    def offset(self, line: int, col: int) -> int:
        """Character offset in the source of (1-based line, 0-based character column)."""
        if line - 1 >= len(self.starts):
            return len(self.source)
        return self.starts[line - 1] + col

    def segment(self, node: ast.AST) -> Optional[str]:
        """The exact source text of ``node`` (``ast.get_source_segment`` without its O(file) cost)."""
        if getattr(node, "end_lineno", None) is None:
            return None
        span = self.span(node)
        return self.source[self.offset(span.line, span.col):self.offset(span.end_line, span.end_col)]
