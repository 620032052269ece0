"""A per-file content cache of diagnostics.

An entry's key is the SHA-256 of gru-lint's version (and a fingerprint of the
installed package's own files, so an edited checkout never serves stale
results), the settings that affect results, the file's path and the file's
bytes. The value is the JSON form of what ``check_source`` returned for those
bytes, before ``# noqa`` and ``--select``/``--ignore`` filtering, which are
cheap and re-applied on every run.

Entries are written atomically; an unreadable or corrupt entry is a miss. On
creation the cache directory receives a ``.gitignore`` holding ``*`` and a
``CACHEDIR.TAG``, so neither git nor backup tools pick it up.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any, Dict, List, Mapping, Optional, Sequence

from gru_lint.diagnostics import Applicability, Diagnostic, Edit, Fix, Related, Span

DEFAULT_CACHE_DIR = ".gru_lint_cache"
ENV_CACHE_DIR = "GRU_LINT_CACHE_DIR"
FORMAT = 1
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
    """gru-lint's version plus the names, sizes and mtimes of its own modules."""
    global _FINGERPRINT
    if _FINGERPRINT is None:
        from gru_lint import __version__

        here = os.path.dirname(os.path.abspath(__file__))
        items = [__version__]
        try:
            entries = sorted(os.scandir(here), key=lambda e: e.name)
        except OSError:  # pragma: no cover - zipped or unusual installs
            entries = []
        for entry in entries:
            if entry.name.endswith(".py") and entry.is_file():
                st = entry.stat()
                items.append(f"{entry.name}:{st.st_size}:{st.st_mtime_ns}")
        _FINGERPRINT = "\n".join(items)
    return _FINGERPRINT


class Cache:
    """Diagnostics by content. Failures to read or write are silent misses."""

    def __init__(
        self, directory: Optional[str] = None, settings: Optional[Mapping[str, Any]] = None
    ):
        self.directory = os.path.abspath(directory or default_cache_dir())
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

    def get(self, data: bytes, path: str = "") -> Optional[List[Diagnostic]]:
        """The cached diagnostics for these bytes, or None on a miss."""
        key = self.key(data, path)
        try:
            with open(self._entry_path(key), "rb") as fh:
                obj = json.loads(fh.read().decode("utf-8"))
            if not isinstance(obj, dict) or obj.get("format") != FORMAT or obj.get("key") != key:
                return None
            return load_diagnostics(obj["diagnostics"])
        except Exception:  # a missing, partial or corrupt entry is a miss
            return None

    def _prepare(self) -> None:
        if self._prepared:
            return
        from gru_lint.sourcefile import write_atomic

        if not os.path.isdir(self.directory):
            os.makedirs(self.directory, exist_ok=True)
            write_atomic(os.path.join(self.directory, ".gitignore"), b"*\n", fsync=False)
            write_atomic(
                os.path.join(self.directory, "CACHEDIR.TAG"), CACHEDIR_TAG.encode(), fsync=False
            )
        self._prepared = True

    def put(self, data: bytes, path: str, diagnostics: Sequence[Diagnostic]) -> bool:
        """Store ``diagnostics`` for these bytes; False if the cache could not be written."""
        from gru_lint.sourcefile import write_atomic

        key = self.key(data, path)
        payload = {"format": FORMAT, "key": key, "diagnostics": dump_diagnostics(diagnostics)}
        try:
            self._prepare()
            entry = self._entry_path(key)
            os.makedirs(os.path.dirname(entry), exist_ok=True)
            body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
            write_atomic(entry, body, fsync=False)
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
            if len(name) == 2 and os.path.isdir(path):
                shutil.rmtree(path, ignore_errors=True)
