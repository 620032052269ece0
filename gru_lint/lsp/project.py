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

:func:`excluded` and :func:`too_large` say whether the command line would skip a
document (its ``exclude``/``extend-exclude`` as ``--force-exclude`` applies them, its
``max-file-size``): such a document gets no diagnostics.

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


# --------------------------------------------------------------------------- skipped documents


def excluded(path: Optional[str], config) -> bool:
    """Whether ``[tool.gru-lint]``'s ``exclude``/``extend-exclude`` (of ``config``, a
    ``pyproject.FileConfig``) exclude the file ``path``, as ``gru-lint --force-exclude
    PATH`` run in the table's directory decides it for a path named on the command line:
    a pattern without a ``/`` matches any component of the path relative to that
    directory, one with a ``/`` (anchored there) the path or a directory it is in."""
    if path is None or config is None:
        return False
    from gru_lint.discovery import ExcludeMatcher
    from gru_lint.pyproject import exclude_patterns

    matcher = ExcludeMatcher(exclude_patterns(config, "exclude") + exclude_patterns(config, "extend-exclude"))
    if not matcher:
        return False
    here = os.path.abspath(path)
    root = os.path.abspath(config.root)
    shown = os.path.relpath(here, root) if _inside(here, root) else here
    return matcher.match_explicit(shown, here)


def _inside(path: str, root: str) -> bool:
    try:
        return os.path.commonpath([path, root]) == root
    except ValueError:  # different drives
        return False


def too_large(texts, limit: int) -> Optional[str]:
    """The command line's message when ``texts`` (a document's text, or a notebook's
    cells) exceed ``max-file-size`` (``limit`` bytes in UTF-8; 0: no limit), else None."""
    if not limit:
        return None
    size = 0
    for text in texts:
        size += len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))
    if size <= limit:
        return None
    from gru_lint.sourcefile import _size_message

    return _size_message(size, limit)
