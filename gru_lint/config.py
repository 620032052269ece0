"""What a run is asked to do: the :class:`Settings` every front-end builds.

The command line, the flake8 plugin and the language server each build one
``Settings`` (from their own arguments and, for the command line, from
``[tool.gru-lint]`` in ``pyproject.toml``) and hand it to :mod:`gru_lint.runner`.
A ``Settings`` is small and picklable: it travels to worker processes.

Importing this module is cheap (no ``typing``, no ``dataclasses``).
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional, Sequence, Tuple


DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024  # bytes; larger files are reported and skipped


class Settings:
    """What affects a run's results; small and picklable, it travels to workers."""

    __slots__ = (
        "mode", "unsafe", "select", "ignore", "show_source", "per_file_ignores", "keras_version",
        "max_file_size",
    )

    def __init__(
        self,
        mode: str = "check",  # "check", "fix" or "diff"
        unsafe: bool = False,
        select: Tuple[str, ...] = (),
        ignore: Tuple[str, ...] = (),
        show_source: bool = False,  # keep the reported source lines (the "full" format)
        per_file_ignores: Tuple[Tuple[str, str, Tuple[str, ...]], ...] = (),
        keras_version: str = "auto",  # "2", "3" or "auto" (decided per file from its imports)
        max_file_size: int = DEFAULT_MAX_FILE_SIZE,  # bytes; 0 means no limit
    ):
        self.mode = mode
        self.unsafe = unsafe
        self.select = tuple(select)
        self.ignore = tuple(ignore)
        self.show_source = show_source
        self.max_file_size = max_file_size
        # (directory the glob is relative to, glob, codes) from ``per-file-ignores``
        self.per_file_ignores = tuple(per_file_ignores)
        self.keras_version = keras_version

    @property
    def keras(self) -> Optional[int]:
        """``keras_version`` as the core takes it: 2, 3, or None to decide per file."""
        return int(self.keras_version) if self.keras_version in ("2", "3") else None

    def ignore_for(self, path: Optional[str]) -> Tuple[str, ...]:
        """``ignore`` plus the ``per-file-ignores`` codes whose glob matches ``path``."""
        if not self.per_file_ignores or not path:
            return self.ignore
        extra = tuple(
            code
            for root, pattern, codes in self.per_file_ignores
            if glob_matches(pattern, path, root)
            for code in codes
        )
        return self.ignore + extra

    def __getstate__(self):
        return {k: getattr(self, k) for k in self.__slots__}

    def __setstate__(self, state):
        self.max_file_size = DEFAULT_MAX_FILE_SIZE  # state pickled before it existed
        for k, v in state.items():
            setattr(self, k, v)

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.__slots__)
        return f"Settings({fields})"


def glob_matches(pattern: str, path: str, root: str) -> bool:
    """``pattern`` against ``path`` relative to ``root`` (``/`` separated); a pattern
    without a ``/`` also matches the file's name alone, as in ruff."""
    import fnmatch
    import os

    absolute = os.path.abspath(path)
    rel = os.path.relpath(absolute, root).replace(os.sep, "/")
    if rel.startswith("../"):
        rel = absolute.replace(os.sep, "/")
    if fnmatch.fnmatchcase(rel, pattern) or fnmatch.fnmatchcase(rel, pattern.lstrip("./")):
        return True
    return "/" not in pattern and fnmatch.fnmatchcase(os.path.basename(absolute), pattern)


def code_selected(code: str, select: Sequence[str], ignore: Sequence[str]) -> bool:
    """ruff-style selection by prefix: the longest matching prefix decides; ties ignore."""
    if select:
        selected = max((len(p) for p in select if code.startswith(p)), default=-1)
        if selected < 0:
            return False
    else:
        selected = 0
    ignored = max((len(p) for p in ignore if code.startswith(p)), default=-1)
    return ignored < selected


def parse_size(value) -> int:
    """Bytes from ``1048576``, ``"512k"``, ``"10M"`` or ``"1G"`` (powers of 1024); 0 means no limit."""
    if isinstance(value, int) and not isinstance(value, bool):
        n, factor = value, 1
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        factor = 1
        if text[-1:].lower() in ("k", "m", "g"):
            factor = 1024 ** ("kmg".index(text[-1].lower()) + 1)
            text = text[:-1]
        try:
            n = int(text)
        except ValueError:
            raise ValueError(f"not a size: {value!r}") from None
    else:
        raise ValueError(f"not a size: {value!r}")
    if n < 0:
        raise ValueError("must not be negative")
    return n * factor
