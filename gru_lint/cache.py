"""A per-file content cache of diagnostics.

An entry's key is the SHA-256 of gru-lint's version (and a fingerprint of the
installed package's own files, so an edited checkout never serves stale
results), the settings that affect results, the file's path and the file's
bytes. The value is the JSON form of what ``check_source`` returned for those
bytes, before ``# noqa`` and ``--select``/``--ignore`` filtering, which are
cheap and re-applied on every run.

Entries are written atomically; an unreadable or corrupt entry is a miss. On
creation the cache directory (mode 0700) receives a ``.gitignore`` holding ``*``
and a ``CACHEDIR.TAG``, so neither git nor backup tools pick it up.

A checked-out tree is untrusted, and so is a cache directory inside it: reads
and writes never follow a symbolic link below the cache directory (``O_NOFOLLOW``,
``lstat``; a link is replaced, never written through), anything that is not a
regular file or directory is a miss, a FIFO is never waited on, and entries
larger than ``MAX_ENTRY_BYTES`` are neither read nor written. The cache
directory itself may be a link only when it was named explicitly
(``--cache-dir`` or ``$GRU_LINT_CACHE_DIR``).
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
from typing import Any, Dict, List, Mapping, Optional, Sequence

from gru_lint.diagnostics import Applicability, Diagnostic, Edit, Fix, Related, Span

DEFAULT_CACHE_DIR = ".gru_lint_cache"
ENV_CACHE_DIR = "GRU_LINT_CACHE_DIR"
FORMAT = 1
MAX_ENTRY_BYTES = 16 * 1024 * 1024
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by gru-lint.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)


def default_cache_dir() -> str:
    """``$GRU_LINT_CACHE_DIR`` if set, else ``.gru_lint_cache`` in the current directory."""
    return os.environ.get(ENV_CACHE_DIR) or DEFAULT_CACHE_DIR


# --------------------------------------------------------------------------- JSON form


def _span_to_json(span: Span) -> List[int]:
    return [span.line, span.col, span.end_line, span.end_col]


def _span_from_json(obj: Sequence[Any]) -> Span:
    line, col, end_line, end_col = (int(v) for v in obj)
    return Span(line, col, end_line, end_col)


def diagnostic_to_json(diag: Diagnostic) -> Dict[str, Any]:
    fix = None
    if diag.fix is not None:
        fix = {
            "title": diag.fix.title,
            "edits": [[e.start, e.end, e.text] for e in diag.fix.edits],
            "applicability": Applicability(diag.fix.applicability).value,
        }
    return {
        "code": diag.code,
        "message": diag.message,
        "span": _span_to_json(diag.span),
        "fix": fix,
        "related": [[r.message, _span_to_json(r.span)] for r in diag.related],
    }


def diagnostic_from_json(obj: Mapping[str, Any]) -> Diagnostic:
    fix = None
    raw_fix = obj.get("fix")
    if raw_fix is not None:
        fix = Fix(
            title=str(raw_fix["title"]),
            edits=tuple(Edit(int(s), int(e), str(t)) for s, e, t in raw_fix["edits"]),
            applicability=Applicability(raw_fix["applicability"]),
        )
    return Diagnostic(
        code=str(obj["code"]),
        message=str(obj["message"]),
        span=_span_from_json(obj["span"]),
        fix=fix,
        related=tuple(Related(str(m), _span_from_json(s)) for m, s in obj.get("related", ())),
    )


def dump_diagnostics(diagnostics: Sequence[Diagnostic]) -> List[Dict[str, Any]]:
    return [diagnostic_to_json(d) for d in diagnostics]


def load_diagnostics(objs: Sequence[Mapping[str, Any]]) -> List[Diagnostic]:
    return [diagnostic_from_json(o) for o in objs]


# --------------------------------------------------------------------------- the cache


_FINGERPRINT: Optional[str] = None


def package_fingerprint() -> str:
    """gru-lint's version plus the paths, sizes and mtimes of every file in the package.

    The whole package is walked (``rules/``, ``analysis/`` and any data files too),
    so an edited checkout never serves results computed by other code.
    """
    global _FINGERPRINT
    if _FINGERPRINT is None:
        from gru_lint import __version__

        here = os.path.dirname(os.path.abspath(__file__))
        items = [__version__]
        for root, dirs, files in os.walk(here):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            rel = os.path.relpath(root, here)
            for name in sorted(files):
                if name.endswith((".pyc", ".pyo")):
                    continue
                try:
                    st = os.stat(os.path.join(root, name))
                except OSError:  # pragma: no cover - vanished meanwhile
                    continue
                shown = name if rel == os.curdir else rel.replace(os.sep, "/") + "/" + name
                items.append(f"{shown}:{st.st_size}:{st.st_mtime_ns}")
        _FINGERPRINT = "\n".join(items)
    return _FINGERPRINT


def _is_real_dir(path: str) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def _read_entry(path: str, limit: int) -> Optional[bytes]:
    """The bytes of a regular file, never following a link, never blocking on a FIFO."""
    fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _CLOEXEC)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > limit:
            return None
        chunks = []
        size = 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _write_entry(directory: str, name: str, data: bytes) -> None:
    """Atomically put ``data`` at ``directory/name``; a link there is replaced, not followed."""
    fd, tmp = tempfile.mkstemp(prefix="." + name + ".", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, os.path.join(directory, name))
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


class Cache:
    """Diagnostics by content. Failures to read or write are silent misses."""

    def __init__(
        self, directory: Optional[str] = None, settings: Optional[Mapping[str, Any]] = None
    ):
        explicit = directory or os.environ.get(ENV_CACHE_DIR)
        self.directory = os.path.abspath(directory or default_cache_dir())
        self._link_allowed = bool(explicit)  # a named directory may be a link
        salt = json.dumps(
            {"format": FORMAT, "package": package_fingerprint(), "settings": dict(settings or {})},
            sort_keys=True,
            default=str,
        )
        self._salt = hashlib.sha256(salt.encode("utf-8")).digest()
        self._prepared = False

    def key(self, data: bytes, path: str = "") -> str:
        h = hashlib.sha256(self._salt)
        h.update(os.fspath(path).encode("utf-8", "surrogateescape"))
        h.update(b"\0")
        h.update(data)
        return h.hexdigest()

    def _entry_path(self, key: str) -> str:
        return os.path.join(self.directory, key[:2], key + ".json")

    def _usable_dir(self) -> bool:
        try:
            st = os.lstat(self.directory)
        except OSError:
            return False
        if stat.S_ISLNK(st.st_mode):
            return self._link_allowed and os.path.isdir(self.directory)
        return stat.S_ISDIR(st.st_mode)

    def get(self, data: bytes, path: str = "") -> Optional[List[Diagnostic]]:
        """The cached diagnostics for these bytes, or None on a miss."""
        key = self.key(data, path)
        try:
            entry = self._entry_path(key)
            if not self._usable_dir() or not _is_real_dir(os.path.dirname(entry)):
                return None
            raw = _read_entry(entry, MAX_ENTRY_BYTES)
            if raw is None:
                return None
            obj = json.loads(raw.decode("utf-8"))
            if not isinstance(obj, dict) or obj.get("format") != FORMAT or obj.get("key") != key:
                return None
            return load_diagnostics(obj["diagnostics"])
        except Exception:  # a missing, partial or corrupt entry is a miss
            return None

    def _prepare(self) -> bool:
        if self._prepared:
            return True
        if not os.path.lexists(self.directory):
            os.makedirs(self.directory, mode=0o700, exist_ok=True)
            _write_entry(self.directory, ".gitignore", b"*\n")
            _write_entry(self.directory, "CACHEDIR.TAG", CACHEDIR_TAG.encode())
        if not self._usable_dir():
            return False
        self._prepared = True
        return True

    def put(self, data: bytes, path: str, diagnostics: Sequence[Diagnostic]) -> bool:
        """Store ``diagnostics`` for these bytes; False if the cache could not be written."""
        key = self.key(data, path)
        payload = {"format": FORMAT, "key": key, "diagnostics": dump_diagnostics(diagnostics)}
        try:
            if not self._prepare():
                return False
            entry = self._entry_path(key)
            shard = os.path.dirname(entry)
            if not os.path.lexists(shard):
                os.mkdir(shard, 0o700)
            if not _is_real_dir(shard):  # a link or a file planted in the cache
                return False
            body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
            if len(body) > MAX_ENTRY_BYTES:
                return False
            _write_entry(shard, os.path.basename(entry), body)
        except (OSError, ValueError, TypeError):
            return False
        return True

    def clear(self) -> None:
        """Remove every entry (the directory itself and its marker files stay)."""
        import shutil

        try:
            names = os.listdir(self.directory)
        except OSError:
            return
        for name in names:
            path = os.path.join(self.directory, name)
            if len(name) == 2 and _is_real_dir(path):
                shutil.rmtree(path, ignore_errors=True)
