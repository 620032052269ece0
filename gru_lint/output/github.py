"""``github``: GitHub Actions workflow commands, one annotation per finding.

``::error title=gru-lint (CODE),file=PATH,line=L,col=C,endLine=L,endColumn=C::MESSAGE``
"""

from __future__ import annotations

from gru_lint.output.base import rel_path


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(report) -> str:
    lines = []
    for outcome, diag in report.findings():
        start, end = outcome.start(diag), outcome.end(diag)
        path = rel_path(outcome.display)
        props = (
            f"title={_prop(f'gru-lint ({diag.code})')},file={_prop(path)},"
            f"line={start.row},col={start.column},endLine={end.row},endColumn={end.column}"
        )
        shown = f"{start.render(path)}: {diag.code} {diag.message}"
        lines.append(f"::error {props}::{_data(shown)}")
    return "".join(line + "\n" for line in lines)
