"""Reading and writing source files byte-exactly.

Text is decoded the way the interpreter decodes a module (UTF-8 BOM, PEP 263
coding cookie, UTF-8 by default) but *without* newline translation, so the
offsets the core reports refer to the file as it is on disk, and a rewritten
file differs from the original only where an edit was made.
"""

from __future__ import annotations

import codecs
import contextlib
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


_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def _open_nonblocking(path, flags):
    # A FIFO opened for reading blocks until a writer appears; O_NONBLOCK returns at
    # once, and a regular file ignores the flag.
    return os.open(path, flags | _NONBLOCK | _CLOEXEC)


def _size_message(size: int, limit: int) -> str:
    return (
        f"file is {size} bytes, larger than the limit of {limit} "
        "(--max-file-size); skipped"
    )


def read_bytes(path: PathLike, max_size: Optional[int] = None) -> bytes:
    """The file's bytes; :class:`SourceError` for anything that is not a readable file.

    A FIFO, socket or device is refused without blocking. ``max_size`` (bytes), when
    given, refuses larger files before reading them.
    """
    spath = os.fspath(path)
    try:
        with open(spath, "rb", opener=_open_nonblocking) as fh:
            st = os.fstat(fh.fileno())
            if not stat.S_ISREG(st.st_mode):
                if stat.S_ISDIR(st.st_mode):
                    raise SourceError(spath, "is a directory")
                if stat.S_ISFIFO(st.st_mode):
                    raise SourceError(spath, "not a regular file (a FIFO)")
                raise SourceError(spath, "not a regular file")
            if max_size is not None and st.st_size > max_size:
                raise SourceError(spath, _size_message(st.st_size, max_size))
            data = fh.read() if max_size is None else fh.read(max_size + 1)
    except SourceError:
        raise
    except OSError as exc:
        if os.path.islink(spath) and not os.path.exists(spath):
            raise SourceError(spath, "broken symbolic link") from None
        raise SourceError(spath, _oserror_message(exc)) from None
    if max_size is not None and len(data) > max_size:  # grew while being read
        raise SourceError(spath, _size_message(len(data), max_size))
    if b"\0" in data:
        raise SourceError(spath, "binary file (contains NUL bytes), not Python source")
    return data


def read_small_file(path: PathLike, limit: int = 1024 * 1024) -> Optional[bytes]:
    """A configuration-like file's bytes, or None when it is missing, not a regular
    file (a FIFO is never waited on), unreadable or larger than ``limit``."""
    try:
        fd = _open_nonblocking(os.fspath(path), os.O_RDONLY)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > limit:
            return None
        with os.fdopen(os.dup(fd), "rb") as fh:
            data = fh.read(limit + 1)
        return data if len(data) <= limit else None
    except OSError:
        return None
    finally:
        os.close(fd)


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
    """``new_text`` in the file's own encoding, with its BOM if it had one.

    Refused (:class:`SourceError`) when the file's own bytes do not survive a
    decode/encode round trip in that codec (UTF-7, some stateful CJK codecs): writing
    the file back would then change bytes outside the fixes.
    """
    encoding = source.encoding
    if encoding == "utf-8-sig" and not source.has_bom:  # pragma: no cover - defensive
        encoding = "utf-8"
    if not _round_trips(source, encoding):
        raise SourceError(
            source.path,
            f"the file's encoding ({encoding}) does not round-trip: "
            "re-encoding it would change bytes outside the fix",
        )
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


def _round_trips(source: SourceFile, encoding: str) -> bool:
    if codecs.lookup(encoding).name in ("utf-8", "utf-8-sig", "ascii"):
        return True  # exact by construction: decoding was strict
    try:
        again = source.text.encode(encoding)
    except UnicodeEncodeError:
        return False
    if source.has_bom and not again.startswith(codecs.BOM_UTF8):
        again = codecs.BOM_UTF8 + again
    return again == source.data


_UMASK: Optional[int] = None


def _default_mode() -> int:
    global _UMASK
    if _UMASK is None:
        _UMASK = os.umask(0o022)
        os.umask(_UMASK)
    return 0o666 & ~_UMASK


def _writable(st: os.stat_result, path: str) -> bool:
    """Whether the user may change this file: the rename that replaces it only needs a
    writable directory, so ask the file itself. A file with no write bit at all is
    read-only even for root, as ``chmod 444`` means to say."""
    if not st.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        return False
    return os.access(path, os.W_OK)


def _identity(st: os.stat_result):
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


@contextlib.contextmanager
def _signals_deferred():
    """SIGINT/SIGTERM that arrive during the block take effect when it ends.

    Python runs signal handlers in the main thread whichever thread the signal hit,
    so the handlers themselves are swapped (main thread only; elsewhere a no-op).
    """
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending = []

    def hold(signum, frame):
        pending.append(signum)

    old = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            old[sig] = signal.signal(sig, hold)
        except (ValueError, OSError, TypeError):  # pragma: no cover - unusual embedding
            pass
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)
        for signum in pending:
            handler = old.get(signum)
            if callable(handler):
                handler(signum, None)
            elif handler == signal.SIG_DFL:
                os.kill(os.getpid(), signum)


def write_atomic(path: PathLike, data: bytes, *, fsync: bool = True,
                 expected: Optional[bytes] = None) -> None:
    """Replace ``path`` with ``data`` via a temporary file in the same directory.

    The file's permission bits (and, where allowed, owner) are kept; a symlink is
    followed so the link stays a link. Readers see the old or the new content,
    never a mixture, and a failure leaves the original untouched. ``fsync=False``
    skips flushing to disk (for data that may be lost, such as cache entries).

    A read-only file is refused (``SourceError``: permission denied). With
    ``expected`` (the bytes the new content was computed from), the file must still
    hold exactly those bytes, and its identity (inode, size, mtime) is checked again
    right before the rename, so an edit saved meanwhile is never overwritten. An
    interrupt (SIGINT/SIGTERM) never leaves the temporary file behind.
    """
    target = os.path.realpath(os.fspath(path))
    directory = os.path.dirname(target) or "."
    shown = os.fspath(path)
    st: Optional[os.stat_result]
    try:
        st = os.stat(target)
    except FileNotFoundError:
        st = None
    if st is not None and not _writable(st, target):
        raise SourceError(shown, "permission denied (the file is read-only); left unchanged")
    if expected is not None:
        if st is None:
            raise SourceError(shown, "the file vanished while it was being fixed")
        with open(target, "rb", opener=_open_nonblocking) as fh:
            st = os.fstat(fh.fileno())
            if not stat.S_ISREG(st.st_mode) or fh.read() != expected:
                raise SourceError(
                    shown, "the file changed while it was being fixed; left unchanged"
                )
    tmp = None
    try:
        with _signals_deferred():
            fd, tmp = tempfile.mkstemp(
                prefix="." + os.path.basename(target) + ".", suffix=".tmp", dir=directory
            )
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
        with _signals_deferred():
            if expected is not None:
                try:
                    now = os.stat(target)
                except FileNotFoundError:
                    now = None
                if now is None or _identity(now) != _identity(st):
                    raise SourceError(
                        shown, "the file changed while it was being fixed; left unchanged"
                    )
            os.replace(tmp, target)
            tmp = None
    except BaseException:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        raise
