"""The server's settings: the project's configuration, overridden by the editor's.

The editor's come from ``initializationOptions`` and from ``workspace/configuration``
(section ``gru-lint``), as a JSON object::

    {"select": ["GRU00"], "ignore": ["GRU013"], "unsafeFixes": false}

``select``/``ignore`` take a list of codes or prefixes (or one comma-separated string);
``unsafeFixes`` may also be spelled ``unsafe-fixes``. A key the editor leaves out (or
sets to ``null``) keeps the project's value. Invalid values are reported and skipped.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Tuple

_CODE = re.compile(r"[A-Z]+[0-9]*")
_KEYS = {
    "select": "select",
    "ignore": "ignore",
    "unsafeFixes": "unsafe",
    "unsafe-fixes": "unsafe",
    "unsafe_fixes": "unsafe",
}
SECTION = "gru-lint"


def _known(prefix: str) -> bool:
    from gru_lint.rules import RULES

    return any(code.startswith(prefix) for code in RULES)


def _codes(value: Any) -> Optional[Tuple[str, ...]]:
    if isinstance(value, str):
        value = re.split(r"[,\s]+", value)
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        return None
    codes = tuple(v.strip().upper() for v in value if v.strip())
    if not all(_CODE.fullmatch(c) and _known(c) for c in codes):
        return None
    return codes


def parse(raw: Any) -> Tuple[Dict[str, Any], List[str]]:
    """The editor's overrides (``select``, ``ignore``, ``unsafe``) and problems found."""
    if raw is None:
        return {}, []
    if isinstance(raw, dict) and isinstance(raw.get(SECTION), dict):
        raw = raw[SECTION]  # {"gru-lint": {...}}, as some clients nest it
    if not isinstance(raw, dict):
        return {}, [f"{SECTION} settings must be an object, not {type(raw).__name__}"]
    found: Dict[str, Any] = {}
    problems: List[str] = []
    for key, value in raw.items():
        name = _KEYS.get(key)
        if name is None or value is None:
            continue
        if name == "unsafe":
            if isinstance(value, bool):
                found[name] = value
            else:
                problems.append(f"{SECTION}: {key} must be true or false")
            continue
        codes = _codes(value)
        if codes is None:
            problems.append(f"{SECTION}: {key} must list rule codes or prefixes such as GRU001")
        else:
            found[name] = codes
    return found, problems


def project_settings(path: Optional[str]):
    """The settings of the project holding ``path`` (its ``[tool.gru-lint]``), or defaults."""
    from gru_lint.config import Settings

    return Settings()


def merge(project, overrides: Dict[str, Any]):
    """``project`` (a ``Settings``) with the editor's overrides applied."""
    from gru_lint.config import Settings

    return Settings(
        mode="check",
        unsafe=overrides.get("unsafe", project.unsafe),
        select=overrides.get("select", project.select),
        ignore=overrides.get("ignore", project.ignore),
    )


def key(settings) -> tuple:
    return (settings.unsafe, tuple(settings.select), tuple(settings.ignore))
