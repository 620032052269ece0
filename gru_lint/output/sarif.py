"""``sarif``: SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.

One run; the tool driver lists every rule with its summary and full help text;
each result has ``ruleId``, ``ruleIndex``, ``level``, ``message``, a physical
location (1-based lines and columns, exclusive end column, path relative to the
current directory), related locations, and its fix as artifact replacements.
Checked in the tests against the official 2.1.0 JSON schema.
"""

from __future__ import annotations

from gru_lint import __version__
from gru_lint.output.base import rel_path, rules_table

SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)


def _region(start, end) -> dict:
    region = {"startLine": start.row, "startColumn": start.column}
    if (end.row, end.column) > (start.row, start.column):
        region.update(endLine=end.row, endColumn=end.column)
    return region


def _rules():
    out = []
    for code, rule in sorted(rules_table().items()):
        doc = getattr(rule, "doc", "") or getattr(rule, "summary", "")
        out.append(
            {
                "id": code,
                "name": getattr(rule, "name", code),
                "shortDescription": {"text": getattr(rule, "summary", code)},
                "fullDescription": {"text": doc},
                "help": {"text": doc, "markdown": doc},
                "defaultConfiguration": {"level": "error"},
                "properties": {"fix": str(getattr(rule, "fix_safety", "none"))},
            }
        )
    return out


def _location(uri: str, start, end, message=None) -> dict:
    loc = {
        "physicalLocation": {
            "artifactLocation": {"uri": uri},
            "region": _region(start, end),
        }
    }
    if message is not None:
        loc["message"] = {"text": message}
    return loc


def _fixes(outcome, index: int, diag, uri: str):
    fix = diag.fix
    if fix is None or not fix.edits or index >= len(outcome.edit_spans):
        return None
    replacements = []
    for edit, ((line, col), (end_line, end_col)) in zip(fix.edits, outcome.edit_spans[index]):
        start = outcome.position(line, col)
        end = outcome.position(end_line, end_col)
        region = {"startLine": start.row, "startColumn": start.column,
                  "endLine": end.row, "endColumn": end.column}
        replacements.append({"deletedRegion": region, "insertedContent": {"text": edit.text}})
    applicability = getattr(fix.applicability, "value", str(fix.applicability))
    return [
        {
            "description": {"text": f"{fix.title} ({applicability} fix)"},
            "artifactChanges": [
                {"artifactLocation": {"uri": uri}, "replacements": replacements}
            ],
        }
    ]


def render(report) -> str:
    import json

    rules = _rules()
    index_of = {rule["id"]: i for i, rule in enumerate(rules)}
    results = []
    for outcome, index, diag in report.indexed():
        uri = rel_path(outcome.display)
        result = {
            "ruleId": diag.code,
            "level": "error",
            "message": {"text": diag.message},
            "locations": [_location(uri, outcome.start(diag), outcome.end(diag))],
        }
        if diag.code in index_of:
            result["ruleIndex"] = index_of[diag.code]
        related = [
            dict(
                _location(
                    uri,
                    outcome.position(r.span.line, r.span.col),
                    outcome.position(r.span.end_line, r.span.end_col),
                    r.message,
                ),
                id=n,
            )
            for n, r in enumerate(diag.related)
        ]
        if related:
            result["relatedLocations"] = related
        fixes = _fixes(outcome, index, diag, uri)
        if fixes:
            result["fixes"] = fixes
        results.append(result)
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "gru-lint",
                        "version": __version__,
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
