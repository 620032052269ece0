"""``json-lines``: one ``json`` finding object per line."""

from __future__ import annotations

from gru_lint.output.json import finding


def render(report) -> str:
    import json

    return "".join(
        json.dumps(finding(o, i, d), ensure_ascii=False, sort_keys=True) + "\n"
        for o, i, d in report.indexed()
    )
