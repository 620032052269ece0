"""The informational commands: ``--explain`` and ``--list-rules``."""

from __future__ import annotations

import sys

PROG = "gru-lint"
EXIT_CLEAN = 0
EXIT_ERROR = 2


def write(stream, text: str) -> None:
    if text:
        stream.write(text)
        stream.flush()


def _load_rules():
    try:
        from gru_lint import rules
    except ImportError:
        return None
    return rules


def explain(code: str) -> int:
    rules = _load_rules()
    text = None
    if rules is not None and hasattr(rules, "explain"):
        text = rules.explain(code.strip().upper())
    if not text:
        write(sys.stderr, f"{PROG}: error: unknown rule code: {code}\n")
        return EXIT_ERROR
    write(sys.stdout, text if text.endswith("\n") else text + "\n")
    return EXIT_CLEAN


def list_rules() -> int:
    rules = _load_rules()
    table = getattr(rules, "RULES", None) if rules is not None else None
    if not table:
        write(sys.stderr, f"{PROG}: error: no rules are available\n")
        return EXIT_ERROR
    rows = [
        (
            str(getattr(info, "code", key)),
            str(getattr(info, "name", "")),
            getattr(info, "summary", ""),
        )
        for key, info in sorted(table.items())
    ]
    width = max(len(name) for _, name, _ in rows)
    lines = [f"{code}  {name:<{width}}  {summary}".rstrip() for code, name, summary in rows]
    write(sys.stdout, "\n".join(lines) + "\n")
    return EXIT_CLEAN
