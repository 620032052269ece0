"""The configuration snippets of the README, as the integration tests use them."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def snippet(name: str) -> str:
    """The code block between ``<!-- snippet: name -->`` and ``<!-- /snippet -->``."""
    text = README.read_text(encoding="utf-8")
    match = re.search(
        r"<!-- snippet: " + re.escape(name) + r" -->\s*```[^\n]*\n(.*?)```\s*<!-- /snippet -->",
        text,
        re.DOTALL,
    )
    assert match, f"snippet {name!r} not found in {README}"
    return match.group(1)
