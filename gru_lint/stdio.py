"""Writing to standard output and error: a closed or full stream is one error line, exit 2."""

from __future__ import annotations

import sys


class StdioError(Exception):
    """Standard input or output is closed or cannot be written: one line, exit 2."""


def stream_name(stream) -> str:
    if stream is sys.stderr:
        return "standard error"
    return "standard output"


def write(stream, text: str) -> None:
    """Write and flush ``text``; a failure other than a broken pipe is a ``StdioError``."""
    if not text:
        return
    if stream is None:
        raise StdioError(f"{stream_name(stream)} is closed")
    try:
        stream.write(text)
        stream.flush()
    except BrokenPipeError:
        raise
    except (OSError, ValueError) as exc:  # ENOSPC (/dev/full), EIO, a closed file
        detail = getattr(exc, "strerror", None) or str(exc)
        raise StdioError(f"cannot write to {stream_name(stream)}: {detail}") from None


def write_bytes(data: bytes) -> None:
    try:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    except BrokenPipeError:
        raise
    except (OSError, ValueError, AttributeError) as exc:
        detail = getattr(exc, "strerror", None) or str(exc)
        raise StdioError(f"cannot write to standard output: {detail}") from None
