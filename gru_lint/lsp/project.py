"""The project's ``[tool.gru-lint]`` for the language server: found, read and watched.

A document's configuration is the one the command line would use for it: the nearest
``pyproject.toml`` with a ``[tool.gru-lint]`` table, from the document's directory
upwards (``gru_lint.pyproject``: the same loader, the same checks). What was found is
kept per directory with the status (inode, size, mtime) of every ``pyproject.toml`` the
search looked at, so :meth:`Projects.stale` can tell with a few ``stat`` calls whether
one was created, edited or deleted since; the server asks before every analysis, and
also drops everything when the editor reports a changed ``pyproject.toml``
(``workspace/didChangeWatchedFiles``).

A file that cannot be used (not TOML, an unknown key, a wrong value) is a
:class:`~gru_lint.pyproject.ConfigError`: the documents below it are checked with the
defaults, and the error is reported once per distinct message.

Nothing here imports pygls.
"""

from __future__ import annotations

import os
from typing import Dict, List, Optional, Tuple

Stamp = Optional[Tuple[int, int, int]]


def _stamp(path: str) -> Stamp:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


class Found:
    """The configuration in force in one directory."""

    __slots__ = ("config", "error", "watched")

    def __init__(self, config, error, watched: List[Tuple[str, Stamp]]):
        self.config = config  # a pyproject.FileConfig, or None (no table, or an error)
        self.error = error  # the ConfigError met, or None
        self.watched = watched  # (pyproject.toml path, stamp) for each file looked at

    def stale(self) -> bool:
        return any(_stamp(path) != stamp for path, stamp in self.watched)


def search(folder: str) -> Found:
    """What ``gru_lint.pyproject.find`` and ``load`` give for ``folder``, with the stamps
    of the ``pyproject.toml`` files looked at on the way up."""
    from gru_lint import pyproject

    here = os.path.abspath(folder)
    watched: List[Tuple[str, Stamp]] = []
    while True:
        candidate = os.path.join(here, "pyproject.toml")
        stamp = _stamp(candidate)
        watched.append((candidate, stamp))
        if stamp is not None:
            try:
                with open(candidate, "rb") as f:
                    mentions = pyproject.TABLE.encode() in f.read()
                if mentions:
                    # pyproject.find's test, then the full check: either may raise.
                    if pyproject.TABLE in pyproject._load_toml(candidate).get("tool", {}):
                        return Found(pyproject.load(candidate), None, watched)
            except OSError:
                pass
            except pyproject.ConfigError as exc:
                return Found(None, exc, watched)
        parent = os.path.dirname(here)
        if parent == here:
            return Found(None, None, watched)
        here = parent


class Projects:
    """``Found`` per directory, searched once and kept until a file it read changes."""

    def __init__(self):
        self._found: Dict[str, Found] = {}

    def lookup(self, folder: str) -> Found:
        found = self._found.get(folder)
        if found is None:
            found = self._found[folder] = search(folder)
        return found

    def stale(self) -> bool:
        return any(found.stale() for found in self._found.values())

    def clear(self) -> None:
        self._found.clear()
