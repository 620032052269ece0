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
    from typing import Sequence, Tuple


DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024  # bytes; larger files are reported and skipped


class Settings:
    """What affects a run's results; small and picklable, it travels to workers."""

    __slots__ = ("mode", "unsafe", "select", "ignore", "show_source", "max_file_size")

    def __init__(
        self,
        mode: str = "check",  # "check", "fix" or "diff"
        unsafe: bool = False,
        select: Tuple[str, ...] = (),
        ignore: Tuple[str, ...] = (),
        show_source: bool = False,  # keep the reported source lines (the "full" format)
        max_file_size: int = DEFAULT_MAX_FILE_SIZE,  # bytes; 0 means no limit
    ):
        self.mode = mode
        self.unsafe = unsafe
        self.select = tuple(select)
        self.ignore = tuple(ignore)
        self.show_source = show_source
        self.max_file_size = max_file_size

    def __getstate__(self):
        return {k: getattr(self, k) for k in self.__slots__}

    def __setstate__(self, state):
        self.max_file_size = DEFAULT_MAX_FILE_SIZE  # state pickled before it existed
        for k, v in state.items():
            setattr(self, k, v)

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.__slots__)
        return f"Settings({fields})"


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
