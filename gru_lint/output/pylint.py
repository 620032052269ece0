"""``pylint``: ``path:row: [CODE] message``, as pylint's parseable format (and ruff's)."""

from __future__ import annotations


def render(report) -> str:
    lines = []
    for outcome, diag in report.findings():
        start = outcome.start(diag)
        lines.append(f"{start.prefix(outcome.display)}:{start.row}: [{diag.code}] {diag.message}")
    return "".join(line + "\n" for line in lines)
