import codecs
import os
import pickle
import stat

import pytest

from gru_lint import sourcefile
from gru_lint.sourcefile import (
    SourceError,
    decode_source,
    detect_newline,
    encode,
    read_bytes,
    read_source,
    write_atomic,
)

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def write(path, data: bytes):
    path.write_bytes(data)
    return path


# --------------------------------------------------------------------------- decoding


def test_plain_utf8(tmp_path):
    p = write(tmp_path / "a.py", "x = 'héllo'\n".encode("utf-8"))
    sf = read_source(p)
    assert sf.text == "x = 'héllo'\n"
    assert sf.encoding == "utf-8"
    assert not sf.has_bom
    assert sf.newline == "\n"
    assert sf.data == p.read_bytes()
    assert sf.path == str(p)


def test_crlf_is_not_translated(tmp_path):
    p = write(tmp_path / "a.py", b"a = 1\r\nb = 2\r\n")
    sf = read_source(p)
    assert sf.text == "a = 1\r\nb = 2\r\n"
    assert sf.newline == "\r\n"
    assert encode(sf, sf.text) == p.read_bytes()


def test_lone_cr_and_mixed_endings_are_kept(tmp_path):
    sf = read_source(write(tmp_path / "a.py", b"a = 1\rb = 2\r"))
    assert sf.text == "a = 1\rb = 2\r"
    assert sf.newline == "\r"
    sf = read_source(write(tmp_path / "b.py", b"a = 1\r\nb = 2\nc = 3\r"))
    assert sf.text == "a = 1\r\nb = 2\nc = 3\r"
    assert sf.newline == "mixed"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", None),
        ("x", None),
        ("a\n", "\n"),
        ("a\r\n", "\r\n"),
        ("a\r", "\r"),
        ("a\nb\r\n", "mixed"),
    ],
)
def test_detect_newline(text, expected):
    assert detect_newline(text) == expected


def test_bom_is_stripped_from_text_and_restored(tmp_path):
    raw = codecs.BOM_UTF8 + "# é\r\nx = 1\r\n".encode("utf-8")
    sf = read_source(write(tmp_path / "a.py", raw))
    assert sf.has_bom
    assert sf.encoding == "utf-8-sig"
    assert sf.text == "# é\r\nx = 1\r\n"
    assert encode(sf, sf.text) == raw
    assert encode(sf, sf.text.replace("1", "2")) == raw.replace(b"1", b"2")


def test_bom_with_explicit_utf8_cookie(tmp_path):
    raw = codecs.BOM_UTF8 + b"# -*- coding: utf-8 -*-\nx = 1\n"
    sf = read_source(write(tmp_path / "a.py", raw))
    assert sf.has_bom and not sf.text.startswith("\ufeff")
    assert encode(sf, sf.text) == raw


def test_latin1_cookie(tmp_path):
    raw = b"#!/usr/bin/env python\n# -*- coding: latin-1 -*-\ns = '\xe9t\xe9'\n"
    sf = read_source(write(tmp_path / "a.py", raw))
    assert sf.encoding == "iso-8859-1"
    assert "'été'" in sf.text
    assert encode(sf, sf.text) == raw
    assert encode(sf, sf.text + "t = 'à'\n") == raw + b"t = '\xe0'\n"


def test_cookie_on_third_line_is_ignored(tmp_path):
    # PEP 263: only the first two lines count; the rest decodes as utf-8.
    raw = b"\n\n# -*- coding: latin-1 -*-\ns = '\xc3\xa9'\n"
    sf = read_source(write(tmp_path / "a.py", raw))
    assert sf.encoding == "utf-8"
    assert "'é'" in sf.text


def test_unencodable_text_is_a_source_error(tmp_path):
    sf = read_source(write(tmp_path / "a.py", b"# coding: latin-1\nx = 1\n"))
    with pytest.raises(SourceError) as exc:
        encode(sf, sf.text + "y = 'π'\n")
    assert "cannot be encoded as iso-8859-1" in exc.value.message
    assert "\n" not in exc.value.message


# --------------------------------------------------------------------------- errors


def assert_one_line(err: SourceError, path, fragment):
    assert err.path == str(path)
    assert fragment in err.message
    assert "\n" not in err.message
    assert str(err) == f"{path}: {err.message}"


def test_missing_file(tmp_path):
    with pytest.raises(SourceError) as exc:
        read_source(tmp_path / "nope.py")
    assert_one_line(exc.value, tmp_path / "nope.py", "no such file")


def test_directory(tmp_path):
    with pytest.raises(SourceError) as exc:
        read_source(tmp_path)
    assert_one_line(exc.value, tmp_path, "is a directory")


@pytest.mark.skipif(
    IS_ROOT or os.name == "nt", reason="root (or Windows) reads files regardless of mode"
)
def test_unreadable(tmp_path):
    p = write(tmp_path / "a.py", b"x = 1\n")
    p.chmod(0)
    try:
        with pytest.raises(SourceError) as exc:
            read_source(p)
        assert_one_line(exc.value, p, "permission denied")
    finally:
        p.chmod(0o644)


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")
def test_broken_symlink(tmp_path):
    link = tmp_path / "a.py"
    os.symlink(tmp_path / "gone.py", link)
    with pytest.raises(SourceError) as exc:
        read_source(link)
    assert_one_line(exc.value, link, "broken symbolic link")


def test_binary(tmp_path):
    p = write(tmp_path / "a.py", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(SourceError) as exc:
        read_source(p)
    assert_one_line(exc.value, p, "binary")


def test_undecodable(tmp_path):
    p = write(tmp_path / "a.py", b"x = 1\ny = '\xff\xfe'\n")
    with pytest.raises(SourceError) as exc:
        read_source(p)
    assert_one_line(exc.value, p, "cannot decode as utf-8")
    assert "line 2" in exc.value.message
    assert "0xff" in exc.value.message


def test_undecodable_with_bom(tmp_path):
    p = write(tmp_path / "a.py", codecs.BOM_UTF8 + b"x = '\xff'\n")
    with pytest.raises(SourceError) as exc:
        read_source(p)
    assert_one_line(exc.value, p, "cannot decode as utf-8")


def test_unknown_encoding(tmp_path):
    p = write(tmp_path / "a.py", b"# -*- coding: klingon -*-\nx = 1\n")
    with pytest.raises(SourceError) as exc:
        read_source(p)
    assert_one_line(exc.value, p, "unknown encoding")
    assert "klingon" in exc.value.message


def test_bom_contradicting_cookie(tmp_path):
    p = write(tmp_path / "a.py", codecs.BOM_UTF8 + b"# coding: latin-1\nx = 1\n")
    with pytest.raises(SourceError) as exc:
        read_source(p)
    assert_one_line(exc.value, p, "encoding problem")


def test_empty_file(tmp_path):
    sf = read_source(write(tmp_path / "a.py", b""))
    assert sf.text == "" and sf.newline is None and sf.encoding == "utf-8"
    assert encode(sf, "") == b""


def test_decode_source_without_a_file():
    sf = decode_source(b"x = 1\r\n", "<stdin>")
    assert sf.text == "x = 1\r\n" and sf.path == "<stdin>"
    with pytest.raises(SourceError):
        decode_source(b"x\x00", "<stdin>")


def test_read_bytes_is_exact(tmp_path):
    raw = bytes(range(1, 256)) * 3
    assert read_bytes(write(tmp_path / "a.bin", raw)) == raw


def test_source_error_pickles():
    err = pickle.loads(pickle.dumps(SourceError("a.py", "broken")))
    assert (err.path, err.message, str(err)) == ("a.py", "broken", "a.py: broken")


# --------------------------------------------------------------------------- writing


def leftovers(directory):
    return sorted(n for n in os.listdir(directory) if n.endswith(".tmp"))


def test_write_atomic_replaces_and_keeps_mode(tmp_path):
    p = write(tmp_path / "a.py", b"old\n")
    p.chmod(0o754)
    write_atomic(p, b"new\r\n")
    assert p.read_bytes() == b"new\r\n"
    assert stat.S_IMODE(p.stat().st_mode) == 0o754
    assert leftovers(tmp_path) == []


def test_write_atomic_new_file_uses_umask(tmp_path):
    old = os.umask(0o027)
    try:
        sourcefile._UMASK = None
        write_atomic(tmp_path / "new.py", b"x")
    finally:
        os.umask(old)
        sourcefile._UMASK = None
    assert (tmp_path / "new.py").read_bytes() == b"x"
    assert stat.S_IMODE((tmp_path / "new.py").stat().st_mode) == 0o640


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")
def test_write_atomic_through_symlink_keeps_the_link(tmp_path):
    target = write(tmp_path / "real.py", b"old")
    link = tmp_path / "link.py"
    os.symlink(target, link)
    write_atomic(link, b"new")
    assert link.is_symlink()
    assert target.read_bytes() == b"new"


def test_write_atomic_failure_leaves_original(tmp_path, monkeypatch):
    p = write(tmp_path / "a.py", b"original")

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        write_atomic(p, b"half-written")
    assert p.read_bytes() == b"original"
    assert leftovers(tmp_path) == []


def test_write_atomic_failure_while_writing(tmp_path, monkeypatch):
    p = write(tmp_path / "a.py", b"original")
    real_fsync = os.fsync

    def broken_fsync(fd):
        raise OSError(5, "I/O error")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError):
        write_atomic(p, b"new")
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert p.read_bytes() == b"original"
    assert leftovers(tmp_path) == []
    write_atomic(p, b"new", fsync=False)
    assert p.read_bytes() == b"new"


def test_round_trip_rewrite_changes_only_the_edit(tmp_path):
    raw = codecs.BOM_UTF8 + "# é\r\nlayer(x, initial_state=h)\r\nz = 'ü'\r\n".encode("utf-8")
    p = write(tmp_path / "a.py", raw)
    sf = read_source(p)
    start = sf.text.index("h)")
    new = sf.text[:start] + "[h]" + sf.text[start + 1 :]
    write_atomic(p, encode(sf, new))
    assert p.read_bytes() == raw.replace(b"=h)", b"=[h])")


def test_permission_error_message_even_as_root(tmp_path, monkeypatch):
    # The chmod-based test above cannot run as root; simulate the refusal instead.
    p = write(tmp_path / "a.py", b"x = 1\n")

    def refuse(path, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(sourcefile, "open", refuse, raising=False)
    with pytest.raises(SourceError) as exc:
        read_source(p)
    assert_one_line(exc.value, p, "permission denied")
