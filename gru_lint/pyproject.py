"""``[tool.gru-lint]`` in ``pyproject.toml``: finding it, reading it, checking every key.

The nearest ``pyproject.toml`` with a ``[tool.gru-lint]`` table, walking up from the
current directory, is used (``--config PATH`` names one, ``--isolated`` ignores
them all). Keys are spelled as ruff spells them. Any problem -- a key gru-lint does
not know, a value of the wrong type, an unknown rule code -- is a
:class:`ConfigError` naming the file and the key; the command line exits 2 on it.
Paths in the table (``exclude`` globs with a ``/``, ``per-file-ignores`` globs,
``cache-dir``) are relative to the directory of the file.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, List, Optional, Tuple

TABLE = "gru-lint"
KERAS_VERSIONS = ("2", "3", "auto")


class ConfigError(Exception):
    def __init__(self, path: str, key: Optional[str], message: str):
        self.path, self.key, self.message = path, key, message
        where = f"{path}: [tool.{TABLE}]" + (f" {key}" if key else "")
        super().__init__(f"{where}: {message}")


class FileConfig:
    """The checked values of one ``[tool.gru-lint]`` table (keys as in the file)."""

    def __init__(self, path: str, values: Dict[str, Any]):
        self.path = path
        self.root = os.path.dirname(os.path.abspath(path))
        self.values = values

    def get(self, key: str, default=None):
        return self.values.get(key, default)

    def __repr__(self) -> str:
        return f"FileConfig({self.path!r}, {self.values!r})"


def _load_toml(path: str) -> Dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python < 3.11
        import tomli as tomllib
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except OSError as exc:
        raise ConfigError(path, None, f"cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, None, f"not valid TOML: {exc}") from None


def find(start: Optional[str] = None) -> Optional[str]:
    """The nearest ``pyproject.toml`` at or above ``start`` that has ``[tool.gru-lint]``."""
    here = os.path.abspath(start or os.getcwd())
    while True:
        candidate = os.path.join(here, "pyproject.toml")
        if os.path.isfile(candidate):
            try:
                with open(candidate, "rb") as f:
                    mentions = TABLE.encode() in f.read()
            except OSError:
                mentions = False
            if mentions and TABLE in _load_toml(candidate).get("tool", {}):
                return candidate
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


# --------------------------------------------------------------------------- rule codes


def known_codes() -> List[str]:
    from gru_lint.rules import RULES

    return sorted(RULES)


def rule_names() -> Dict[str, str]:
    from gru_lint.rules import RULES

    return {rule.name: code for code, rule in RULES.items()}


def check_selector(selector: str) -> Optional[str]:
    """``None`` when ``selector`` (a code, a prefix of codes, or ``ALL``) is known, else
    an error message listing the valid codes."""
    if selector == "ALL" or any(code.startswith(selector) for code in known_codes()):
        return None
    return f"unknown rule selector {selector!r} (valid: ALL, {', '.join(known_codes())})"


def normalize_selectors(selectors) -> Tuple[str, ...]:
    """``ALL`` means every code: the common prefix ``GRU``."""
    return tuple("GRU" if s == "ALL" else s for s in selectors)


# --------------------------------------------------------------------------- checking


def _strings(path, key, value) -> List[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(path, key, f"must be a list of strings, not {value!r}")
    return list(value)


def _codes(path, key, value) -> List[str]:
    codes = [c.strip().upper() for c in _strings(path, key, value)]
    for code in codes:
        problem = check_selector(code)
        if problem:
            raise ConfigError(path, key, problem)
    return codes


def _bool(path, key, value) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(path, key, f"must be true or false, not {value!r}")
    return value


def _keras(path, key, value) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if value not in KERAS_VERSIONS:
        raise ConfigError(path, key, f'must be "2", "3" or "auto", not {value!r}')
    return value


def _cache_dir(path, key, value) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(path, key, f"must be a path (a string), not {value!r}")
    return os.path.join(os.path.dirname(os.path.abspath(path)), os.path.expanduser(value))


def _jobs(path, key, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(path, key, f"must be a whole number of at least 1, not {value!r}")
    return value


def _per_file_ignores(path, key, value) -> Dict[str, List[str]]:
    if not isinstance(value, dict):
        raise ConfigError(path, key, "must be a table of glob = [codes]")
    return {
        str(glob): _codes(path, f'{key}."{glob}"', codes)
        for glob, codes in value.items()
    }


def _max_file_size(path, key, value) -> int:
    from gru_lint.config import parse_size

    try:
        return parse_size(value)
    except ValueError as exc:
        raise ConfigError(path, key, f'{exc} (bytes, or a string such as "512k" or "10M")') from None


def _output_format(path, key, value) -> str:
    from gru_lint.output import FORMATS

    if value not in FORMATS:
        raise ConfigError(path, key, f"unknown format {value!r} (valid: {', '.join(FORMATS)})")
    return value


CHECKS = {
    "select": _codes,
    "ignore": _codes,
    "extend-select": _codes,
    "exclude": _strings,
    "extend-exclude": _strings,
    "per-file-ignores": _per_file_ignores,
    "unsafe-fixes": _bool,
    "keras-version": _keras,
    "cache-dir": _cache_dir,
    "jobs": _jobs,
    "max-file-size": _max_file_size,
    "output-format": _output_format,
}


def load(path: str) -> FileConfig:
    """Read and check ``[tool.gru-lint]`` of ``path`` (an empty table when it has none)."""
    table = _load_toml(path).get("tool", {}).get(TABLE, {})
    if not isinstance(table, dict):
        raise ConfigError(path, None, "must be a table")
    values = {}
    for key, value in table.items():
        check = CHECKS.get(key)
        if check is None:
            raise ConfigError(
                path, key, f"unknown key (valid: {', '.join(sorted(CHECKS))})"
            )
        values[key] = check(path, key, value)
    return FileConfig(path, values)


def exclude_patterns(config: FileConfig, key: str) -> List[str]:
    """``exclude``/``extend-exclude`` globs, those with a ``/`` anchored at the config's dir."""
    out = []
    for pattern in config.get(key, ()):
        if "/" in pattern and not os.path.isabs(pattern):
            pattern = pattern[2:] if pattern.startswith("./") else pattern
            pattern = os.path.join(config.root, pattern)
        out.append(pattern)
    return out


def per_file_ignores(config: Optional[FileConfig]):
    """Settings' ``per_file_ignores``: ``(root, glob, codes)`` triples."""
    if config is None:
        return ()
    return tuple(
        (config.root, glob, tuple(codes))
        for glob, codes in config.get("per-file-ignores", {}).items()
    )


def settings(
    config: Optional[FileConfig],
    *,
    mode: str = "check",
    select=(),
    extend_select=(),
    ignore=(),
    unsafe: Optional[bool] = None,
    keras_version: Optional[str] = None,
    show_source: bool = False,
):
    """The :class:`~gru_lint.config.Settings` of ``config`` (``None``: no table), with what
    the caller's own flags say on top, as the command line reads them: ``select`` replaces
    the file's ``select``; ``extend_select`` and the file's ``extend-select`` add to either;
    ``ignore`` adds to the file's ``ignore``; ``unsafe`` and ``keras_version``, when given,
    replace the file's ``unsafe-fixes`` and ``keras-version``."""
    from gru_lint.config import DEFAULT_MAX_FILE_SIZE, Settings

    conf = config.get if config is not None else (lambda key, default=None: default)
    chosen = tuple(select) or tuple(conf("select", ()))
    extend = tuple(conf("extend-select", ())) + tuple(extend_select)
    if chosen and extend:
        chosen += extend
    return Settings(
        mode=mode,
        unsafe=unsafe if unsafe is not None else conf("unsafe-fixes", False),
        select=normalize_selectors(chosen),
        ignore=normalize_selectors(tuple(conf("ignore", ())) + tuple(ignore)),
        show_source=show_source,
        per_file_ignores=per_file_ignores(config),
        keras_version=keras_version or conf("keras-version", "auto"),
        max_file_size=conf("max-file-size", DEFAULT_MAX_FILE_SIZE),
    )
