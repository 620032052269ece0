"""The server's settings: the project's ``[tool.gru-lint]``, and the editor's on top.

The editor's come from ``initializationOptions`` and from ``workspace/configuration``
(section ``gru-lint``), as a JSON object::

    {"select": ["GRU00"], "ignore": ["GRU013"], "unsafeFixes": false}

Keys: ``select``, ``extendSelect`` and ``ignore`` (a list of codes or prefixes, or one
comma-separated string), ``unsafeFixes`` (true or false), ``kerasVersion`` ("2", "3" or
"auto") and ``configurationPreference``. Dashed spellings (``unsafe-fixes``) are accepted
too. A key the editor leaves out (or sets to ``null``) keeps the project's value.
Invalid values are reported and skipped.

How the two combine (``configurationPreference``, as in ``ruff server``):

- ``editorFirst`` (the default): the editor's settings act as the command line's flags
  on the project's table: ``select`` replaces the file's ``select``, ``extendSelect``
  and ``ignore`` add to the file's, ``unsafeFixes`` and ``kerasVersion`` replace it.
- ``filesystemFirst``: a document under a ``[tool.gru-lint]`` uses that table alone;
  the editor's settings apply only to documents without one.
- ``editorOnly``: ``pyproject.toml`` files are not read.

``per-file-ignores`` of the project apply in every case but ``editorOnly``.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Tuple

_CODE = re.compile(r"[A-Z]+[0-9]*")
_KEYS = {
    "select": "select",
    "extendSelect": "extend_select",
    "extend-select": "extend_select",
    "extend_select": "extend_select",
    "ignore": "ignore",
    "unsafeFixes": "unsafe",
    "unsafe-fixes": "unsafe",
    "unsafe_fixes": "unsafe",
    "kerasVersion": "keras",
    "keras-version": "keras",
    "keras_version": "keras",
    "configurationPreference": "preference",
}
PREFERENCES = ("editorFirst", "filesystemFirst", "editorOnly")
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
        if name == "keras":
            value = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
            if value in ("2", "3", "auto"):
                found[name] = value
            else:
                problems.append(f'{SECTION}: {key} must be "2", "3" or "auto"')
            continue
        if name == "preference":
            if value in PREFERENCES:
                found[name] = value
            else:
                problems.append(f"{SECTION}: {key} must be one of {', '.join(PREFERENCES)}")
            continue
        codes = _codes(value)
        if codes is None:
            problems.append(f"{SECTION}: {key} must list rule codes or prefixes such as GRU001")
        else:
            found[name] = codes
    return found, problems


def preference(overrides: Dict[str, Any]) -> str:
    return overrides.get("preference", "editorFirst")


def merge(config, overrides: Dict[str, Any]):
    """The ``Settings`` of a document under ``config`` (a ``pyproject.FileConfig``, or
    None) with the editor's ``overrides``, as ``configurationPreference`` says."""
    from gru_lint import pyproject

    chosen = preference(overrides)
    if chosen == "editorOnly":
        config = None
    elif chosen == "filesystemFirst" and config is not None:
        return pyproject.settings(config)
    return pyproject.settings(
        config,
        select=overrides.get("select", ()),
        extend_select=overrides.get("extend_select", ()),
        ignore=overrides.get("ignore", ()),
        unsafe=overrides.get("unsafe"),
        keras_version=overrides.get("keras"),
    )


def key(settings) -> tuple:
    return (settings.unsafe, tuple(settings.select), tuple(settings.ignore),
            settings.per_file_ignores, settings.keras_version)
