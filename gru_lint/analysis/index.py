"""Where the rules look: a file's statements by line, and the calls each one makes.

Built once per file (``FileAnalysis.index``) and shared with the analyses of the file's
functions under one call (``FileAnalysis.within``), so every rule and collector that
looks for "the calls in statements whose text holds X" scans the source once per
pattern and walks each statement's expressions once, however many ask.

A statement's *header* is what it evaluates itself: a simple statement whole, the
header lines of a compound one (``if``/``for``/``with``... up to its body), nothing of
a ``def`` or ``class`` (their bodies are statements of their own).
"""

from __future__ import annotations

import ast
from bisect import bisect_right
from typing import Dict, List, Optional

from gru_lint.analysis import scopes as sc
from gru_lint.analysis.astutil import walk

_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def header_lines(stmt: ast.stmt) -> Optional[range]:
    """The lines of a statement, or of a compound statement's header; None for defs."""
    if isinstance(stmt, _DEFS):
        return None
    end = stmt.end_lineno
    body = getattr(stmt, "body", None)
    if isinstance(body, list) and body:
        end = max(stmt.lineno, body[0].lineno - 1)
    return range(stmt.lineno, end + 1)


class StatementIndex:
    def __init__(self, source: str, starts: List[int], scopes):
        self.source = source
        self.starts = starts
        self.scopes = scopes
        self._spans: Optional[tuple] = None
        self._lines: Dict[object, frozenset] = {}
        self._calls: Dict[int, List[ast.Call]] = {}

    def lines_matching(self, pattern) -> frozenset:
        """The 1-based lines on which ``pattern`` (a compiled expression) matches."""
        found = self._lines.get(pattern)
        if found is None:
            starts = self.starts
            found = frozenset(bisect_right(starts, m.start()) for m in pattern.finditer(self.source))
            self._lines[pattern] = found
        return found

    def ordinals_on(self, lines) -> set:
        """The indices in ``scopes.statements`` of the statements whose header touches ``lines``."""
        wanted: set = set()
        if not lines:
            return wanted
        spans = self._spans
        if spans is None:
            spans = self._spans = self._header_spans()
        firsts, lasts, reach = spans
        for line in lines:
            # Statements come in source order: those starting on or before ``line``,
            # walked back while one of them (``reach``: the furthest header end so far)
            # can still reach it.
            j = bisect_right(firsts, line) - 1
            while j >= 0 and reach[j] >= line:
                if lasts[j] >= line:
                    wanted.add(j)
                j -= 1
        return wanted

    def _header_spans(self):
        """First and last header line of every statement (defs: none), and the running
        maximum of the last lines, for :meth:`ordinals_on`'s bisection."""
        firsts: List[int] = []
        lasts: List[int] = []
        reach: List[int] = []
        furthest = -1
        for stmt, _scope, _block in self.scopes.statements:
            first = stmt.lineno
            if isinstance(stmt, _DEFS):
                last = -1
            else:
                last = stmt.end_lineno
                body = getattr(stmt, "body", None)
                if isinstance(body, list) and body:
                    last = max(first, body[0].lineno - 1)
            firsts.append(first)
            lasts.append(last)
            if last > furthest:
                furthest = last
            reach.append(furthest)
        return firsts, lasts, reach

    def statements_on(self, lines) -> List[tuple]:
        """``(stmt, scope, block)`` of the statements whose header touches ``lines``, in
        source order (the order of ``scopes.statements``), each once."""
        statements = self.scopes.statements
        return [statements[i] for i in sorted(self.ordinals_on(lines))]

    def calls(self, stmt: ast.stmt) -> List[ast.Call]:
        """The calls in ``stmt``'s header, in ``ast.walk`` order."""
        found = self._calls.get(id(stmt))
        if found is None:
            found = [node for root in sc.header_expressions(stmt) for node in walk(root)
                     if isinstance(node, ast.Call)]
            self._calls[id(stmt)] = found
        return found
