"""Findings in LSP form: positions in the client's units, ranges, diagnostics.

``Conversions`` is a part of ``GruLintServer`` (it needs the workspace's position codec):
gru-lint's positions are ``(line, column)`` pairs with 0-based lines and code-point
columns in the analysed text; a notebook's are mapped to the cell they fall in.
"""

from __future__ import annotations

import functools
from typing import Optional, Tuple

from lsprotocol import types as lsp

from gru_lint.lsp.documents import span_bounds
from gru_lint.lsp.snapshots import Part, Snapshot

SOURCE = "gru-lint"


@functools.lru_cache(maxsize=None)
def severity(code: str) -> lsp.DiagnosticSeverity:
    """Error for a rule whose findings all crash, warning for what Keras gets silently wrong."""
    from gru_lint.rules import RULES
    from gru_lint.rules._base import CRASHES

    rule = RULES.get(code)
    if rule is not None and rule.effects and set(rule.effects) <= CRASHES:
        return lsp.DiagnosticSeverity.Error
    return lsp.DiagnosticSeverity.Warning


@functools.lru_cache(maxsize=None)
def rule_href(code: str) -> Optional[str]:
    """The rule's module, whose docstring is its documentation (``gru-lint --explain``)."""
    import pathlib

    from gru_lint import rules

    module = getattr(rules, "_MODULE_OF", {}).get(code)
    path = getattr(module, "__file__", None)
    return pathlib.Path(path).resolve().as_uri() if path else None


class Conversions:
    def to_client(self, part: Part, pos) -> lsp.Position:
        line, col = pos
        if line >= len(part.lines):
            return lsp.Position(line=len(part.lines), character=0)
        text = part.lines.line_text(line)
        return lsp.Position(line=line, character=self.workspace.position_codec.client_num_units(text[:col]))

    def from_client(self, part: Part, position: lsp.Position) -> Tuple[int, int]:
        text = part.lines.line_text(position.line)
        impl = self.workspace.position_codec.impl
        units = col = 0
        for char in text:
            if units >= position.character:
                break
            units += impl.code_units_for_char(char)
            col += 1
        return position.line, col

    def _range(self, snap: Snapshot, span) -> Optional[Tuple[int, lsp.Range]]:
        start, end = span_bounds(span)
        located = snap.locate(start)
        if located is None:
            return None
        part, local_start = located
        end_located = snap.locate(end)
        if end_located is None or end_located[0] != part:  # a range running into another cell
            local_end = (local_start[0], len(snap.parts[part].lines.line_text(local_start[0])))
        else:
            local_end = end_located[1]
        p = snap.parts[part]
        return part, lsp.Range(start=self.to_client(p, local_start), end=self.to_client(p, local_end))

    def _diagnostic(self, snap: Snapshot, diag) -> Optional[Tuple[int, lsp.Diagnostic]]:
        located = self._range(snap, diag.span)
        if located is None:
            return None
        part, rng = located
        related = []
        for rel in diag.related:
            where = self._range(snap, rel.span)
            if where is not None:
                uri = snap.parts[where[0]].uri
                related.append(
                    lsp.DiagnosticRelatedInformation(
                        location=lsp.Location(uri=uri, range=where[1]), message=rel.message
                    )
                )
        href = rule_href(diag.code)
        return part, lsp.Diagnostic(
            range=rng,
            message=diag.message,
            severity=severity(diag.code),
            code=diag.code,
            code_description=lsp.CodeDescription(href=href) if href else None,
            source=SOURCE,
            related_information=related or None,
        )
