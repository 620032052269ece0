"""``json``: a list of findings with ruff's field names.

Each object: ``code``, ``message``, ``filename`` (absolute), ``location`` and
``end_location`` (``row``/``column``, 1-based), ``fix`` (``applicability``,
``message``, ``edits`` of ``content``/``location``/``end_location``, or null),
``url``, ``noqa_row`` and ``cell`` (the notebook cell, or null).
"""

from __future__ import annotations

from gru_lint.output.base import abs_path, fix_dict, location, rule_url


def finding(outcome, index: int, diag) -> dict:
    start, end = outcome.start(diag), outcome.end(diag)
    return {
        "cell": start.cell_index,
        "code": diag.code,
        "end_location": location(end),
        "filename": abs_path(outcome.display),
        "fix": fix_dict(outcome, index, diag),
        "location": location(start),
        "message": diag.message,
        "noqa_row": start.row,
        "url": rule_url(diag.code),
    }


def render(report) -> str:
    import json

    items = [finding(o, i, d) for o, i, d in report.indexed()]
    return json.dumps(items, indent=2, ensure_ascii=False) + "\n"
