"""``gitlab``: a GitLab Code Quality report (JSON), for ``artifacts:reports:codequality``.

Fingerprints are stable: a hash of the path, the code, the message and how many
equal findings came before in the file -- not of the line number, so a finding
keeps its fingerprint when code above it moves.
"""

from __future__ import annotations

from gru_lint.output.base import rel_path


def render(report) -> str:
    import hashlib
    import json

    items = []
    for outcome in report.outcomes:
        path = rel_path(outcome.display)
        seen = {}
        for diag in outcome.diagnostics:
            key = (diag.code, diag.message)
            seen[key] = seen.get(key, 0) + 1
            digest = hashlib.sha256(
                "\0".join((path, diag.code, diag.message, str(seen[key]))).encode("utf-8")
            ).hexdigest()
            start, end = outcome.start(diag), outcome.end(diag)
            items.append(
                {
                    "check_name": diag.code,
                    "description": f"{diag.code}: {diag.message}",
                    "fingerprint": digest,
                    "severity": "major",
                    "location": {"path": path, "lines": {"begin": start.row, "end": end.row}},
                }
            )
    return json.dumps(items, indent=2, ensure_ascii=False) + "\n"
