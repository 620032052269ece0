"""``full`` (what ``--show-source`` shows): each concise line, then the source line with
carets under the finding, its notes (related locations) and the suggested fix.
"""

from __future__ import annotations

from gru_lint.output.base import join_lines
from gru_lint.output.concise import format_line

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import List

TEXT = True  # a text format: coloured on a terminal


def excerpt(report, outcome, diag) -> List[str]:
    style = report.style
    out = []
    line = outcome.source_lines.get(diag.span.line)
    if line is not None:
        number = str(outcome.start(diag).row)
        pad = " " * len(number)
        out.append(f"  {style.gutter(number + ' |')} {line}")
        start = diag.span.col
        end = diag.span.end_col if diag.span.end_line == diag.span.line else len(line)
        width = max(1, end - start)
        prefix = "".join(c if c == "\t" else " " for c in line[:start])
        out.append(f"  {style.gutter(pad + ' |')} {prefix}{style.caret('^' * width)}")
    for rel in diag.related:
        where = outcome.position(rel.span.line, rel.span.col).render(outcome.display)
        out.append(f"  {style.note('note:')} {where}: {rel.message}")
    if diag.fix is not None and diag.fix.title:
        out.append(f"  {style.note('help:')} {diag.fix.title}")
    return out


def render(report) -> str:
    lines: List[str] = []
    for outcome, diag in report.findings():
        lines.append(format_line(report, outcome, diag))
        lines.extend(excerpt(report, outcome, diag))
    return join_lines(lines)
