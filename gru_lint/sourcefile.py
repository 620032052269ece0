"""Reading and writing source files byte-exactly.

Text is decoded the way the interpreter decodes a module (UTF-8 BOM, PEP 263
coding cookie, UTF-8 by default) but *without* newline translation, so the
offsets the core reports refer to the file as it is on disk, and a rewritten
file differs from the original only where an edit was made.
"""

from __future__ import annotations

import codecs
import errno
import io
import os
import stat
import tempfile
from dataclasses import dataclass
from typing import Optional, Union

PathLike = Union[str, "os.PathLike[str]"]


class SourceError(Exception):
    """A file that cannot be read, decoded or written; ``message`` is one line."""

    def __init__(self, path, message: str):
        super().__init__(f"{path}: {message}")
        self.path = os.fspath(path) if not isinstance(path, str) else path
        self.message = message

    def __reduce__(self):  # keep the two-argument signature picklable
        return (type(self), (self.path, self.message))


@dataclass(frozen=True)
class SourceFile:
    path: str
    data: bytes  # the file's bytes, exactly as read
    text: str  # decoded, BOM removed, line endings untouched
    encoding: str  # codec name as reported by tokenize.detect_encoding
    has_bom: bool
    newline: Optional[str]  # "\n", "\r\n", "\r", "mixed", or None (no line break)


def _oserror_message(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "no such file or directory"
    if isinstance(exc, IsADirectoryError):
        return "is a directory"
    if isinstance(exc, PermissionError):
        return "permission denied"
    if exc.errno == errno.ELOOP:
        return "too many levels of symbolic links"
    return (exc.strerror or type(exc).__name__).lower()


def read_bytes(path: PathLike) -> bytes:
    """The file's bytes; :class:`SourceError` for anything that is not a readable file."""
    spath = os.fspath(path)
    try:
        with open(spath, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                if os.path.isdir(spath):
                    raise SourceError(spath, "is a directory")
                raise SourceError(spath, "not a regular file")
            data = fh.read()
    except SourceError:
        raise
    except OSError as exc:
        if os.path.islink(spath) and not os.path.exists(spath):
            raise SourceError(spath, "broken symbolic link") from None
        raise SourceError(spath, _oserror_message(exc)) from None
    if b"\0" in data:
        raise SourceError(spath, "binary file (contains NUL bytes), not Python source")
    return data


def detect_newline(text: str) -> Optional[str]:
    """The file's line ending: the one style used, ``"mixed"``, or None if there is none."""
    crlf = text.count("\r\n")
    cr = text.count("\r") - crlf
    lf = text.count("\n") - crlf
    kinds = [nl for nl, n in (("\n", lf), ("\r\n", crlf), ("\r", cr)) if n]
    if not kinds:
        return None
    return kinds[0] if len(kinds) == 1 else "mixed"


def _line_of_offset(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def decode_source(data: bytes, path: PathLike = "<string>") -> SourceFile:
    """Decode ``data`` as Python does (BOM, coding cookie, UTF-8), keeping line endings."""
    import tokenize

    spath = os.fspath(path)
    if b"\0" in data:
        raise SourceError(spath, "binary file (contains NUL bytes), not Python source")
    has_bom = data.startswith(codecs.BOM_UTF8)
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        # "unknown encoding: xyz", "encoding problem: utf-8" (BOM with another cookie), ...
        message = str(exc.msg if getattr(exc, "msg", None) else exc)
        message = message.splitlines()[0] if message else "invalid encoding declaration"
        if not message.startswith("invalid or missing encoding declaration"):
            raise SourceError(spath, message) from None
        # Undecodable bytes in the first two lines: say where, as for any other line.
        encoding = "utf-8-sig" if has_bom else "utf-8"
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            pass
        else:  # pragma: no cover - the declaration itself is malformed
            raise SourceError(spath, message) from None
    try:
        # bytes.decode never translates newlines; "utf-8-sig" drops the BOM.
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        name = "utf-8" if encoding == "utf-8-sig" else encoding
        raise SourceError(
            spath,
            f"cannot decode as {name}: {exc.reason} "
            f"(byte 0x{data[exc.start]:02x} at offset {exc.start}, "
            f"line {_line_of_offset(data, exc.start)})",
        ) from None
    except LookupError as exc:  # pragma: no cover - detect_encoding already looked it up
        raise SourceError(spath, f"unknown encoding: {exc}") from None
    if has_bom and text.startswith("\ufeff"):  # pragma: no cover - codec dependent
        text = text[1:]
    return SourceFile(
        path=spath,
        data=data,
        text=text,
        encoding=encoding,
        has_bom=has_bom,
        newline=detect_newline(text),
    )


def read_source(path: PathLike) -> SourceFile:
    """Read and decode a source file; every failure is a one-line :class:`SourceError`."""
    return decode_source(read_bytes(path), path)


def encode(source: SourceFile, new_text: str) -> bytes:
    """``new_text`` in the file's own encoding, with its BOM if it had one."""
    encoding = source.encoding
    if encoding == "utf-8-sig" and not source.has_bom:  # pragma: no cover - defensive
        encoding = "utf-8"
    try:
        data = new_text.encode(encoding)
    except UnicodeEncodeError as exc:
        raise SourceError(
            source.path,
            f"the fixed text cannot be encoded as {encoding}: "
            f"{new_text[exc.start : exc.end]!r} at offset {exc.start}",
        ) from None
    if source.has_bom and not data.startswith(codecs.BOM_UTF8):
        data = codecs.BOM_UTF8 + data
    return data


_UMASK: Optional[int] = None


def _default_mode() -> int:
    global _UMASK
    if _UMASK is None:
        _UMASK = os.umask(0o022)
        os.umask(_UMASK)
    return 0o666 & ~_UMASK


def write_atomic(path: PathLike, data: bytes, *, fsync: bool = True) -> None:
    """Replace ``path`` with ``data`` via a temporary file in the same directory.

    The file's permission bits (and, where allowed, owner) are kept; a symlink is
    followed so the link stays a link. Readers see the old or the new content,
    never a mixture, and a failure leaves the original untouched. ``fsync=False``
    skips flushing to disk (for data that may be lost, such as cache entries).
    """
    target = os.path.realpath(os.fspath(path))
    directory = os.path.dirname(target) or "."
    try:
        st: Optional[os.stat_result] = os.stat(target)
    except FileNotFoundError:
        st = None
    fd, tmp = tempfile.mkstemp(
        prefix="." + os.path.basename(target) + ".", suffix=".tmp", dir=directory
    )
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if fsync:
                os.fsync(fh.fileno())
        if st is not None:
            os.chmod(tmp, stat.S_IMODE(st.st_mode))
            if hasattr(os, "chown"):
                tst = os.stat(tmp)
                if (tst.st_uid, tst.st_gid) != (st.st_uid, st.st_gid):
                    try:
                        os.chown(tmp, st.st_uid, st.st_gid)
                    except OSError:
                        pass
        else:
            os.chmod(tmp, _default_mode())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
