"""``concise`` (the default): one ``path:row:col: CODE message`` line per finding.

``[*]`` marks a finding whose fix applies (with ``--unsafe-fixes``, also unsafe ones).
"""

from __future__ import annotations

from gru_lint.output.base import fix_applicable, join_lines

TEXT = True  # a text format: coloured on a terminal


def format_line(report, outcome, diag) -> str:
    style = report.style
    pos = outcome.start(diag)
    where = style.path(pos.prefix(outcome.display))
    mark = " " + style.fixable("[*]") if fix_applicable(diag, report.settings.unsafe) else ""
    return f"{where}:{pos.row}:{pos.column}: {style.code(diag.code)} {diag.message}{mark}"


def render(report) -> str:
    return join_lines([format_line(report, o, d) for o, d in report.findings()])
