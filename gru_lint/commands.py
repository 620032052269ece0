"""The informational commands: ``--explain`` and ``--list-rules``."""

from __future__ import annotations

import sys

from gru_lint.stdio import write

PROG = "gru-lint"
EXIT_CLEAN = 0
EXIT_ERROR = 2


def _load_rules():
    try:
        from gru_lint import rules
    except ImportError:
        return None
    return rules


def _resolve(rules, name: str):
    """A code (any case) or a rule name -> the code, or None."""
    table = getattr(rules, "RULES", None) or {}
    code = name.strip().upper()
    if code in table:
        return code
    wanted = name.strip().lower()
    for key, info in table.items():
        if str(getattr(info, "name", "")).lower() == wanted:
            return str(getattr(info, "code", key))
    return code


def explain(code: str) -> int:
    rules = _load_rules()
    text = None
    if rules is not None and hasattr(rules, "explain"):
        text = rules.explain(_resolve(rules, code))
    if not text:
        write(sys.stderr, f"{PROG}: error: unknown rule code or name: {code}\n")
        return EXIT_ERROR
    write(sys.stdout, text if text.endswith("\n") else text + "\n")
    return EXIT_CLEAN


def list_rules(fmt: str = "text") -> int:
    rules = _load_rules()
    table = getattr(rules, "RULES", None) if rules is not None else None
    if not table:
        write(sys.stderr, f"{PROG}: error: no rules are available\n")
        return EXIT_ERROR
    rows = [
        (
            str(getattr(info, "code", key)),
            str(getattr(info, "name", "")),
            str(getattr(info, "fix_safety", "") or "none"),
            getattr(info, "summary", ""),
        )
        for key, info in sorted(table.items())
    ]
    if fmt == "json":
        import json

        data = [
            {"code": code, "name": name, "fix": fix, "summary": summary}
            for code, name, fix, summary in rows
        ]
        write(sys.stdout, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return EXIT_CLEAN
    width = max(len(name) for _, name, _, _ in rows)
    fix_width = max(len(fix) for _, _, fix, _ in rows)
    lines = [
        f"{code}  {name:<{width}}  {fix:<{fix_width}}  {summary}".rstrip()
        for code, name, fix, summary in rows
    ]
    write(sys.stdout, "\n".join(lines) + "\n")
    return EXIT_CLEAN


def rule_url(code: str):
    """Where a rule's documentation is published: nowhere yet (``gru-lint --explain CODE``
    prints it), so ``None``; machine formats carry it as null or leave it out."""
    return None
