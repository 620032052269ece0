import json
import os

import pytest

import gru_lint
from gru_lint import cache as cache_mod
from gru_lint.cache import (
    Cache,
    default_cache_dir,
    diagnostic_from_json,
    diagnostic_to_json,
)
from gru_lint.diagnostics import Applicability, Diagnostic, Edit, Fix, Related, Span

DIAGS = [
    Diagnostic(
        "GRU001",
        "initial_state has shape (64,), expected (batch, 64) — ✓ unicode",
        Span(3, 4, 3, 9),
        Fix("wrap in a list", (Edit(10, 11, "[h]"), Edit(20, 20, "")), Applicability.SAFE),
        (Related("layer built here", Span(1, 0, 1, 5)),),
    ),
    Diagnostic(
        "GRU002",
        "ambiguous",
        Span(5, 0, 6, 2),
        Fix("guess", (Edit(0, 1, "x"),), Applicability.UNSAFE),
    ),
    Diagnostic("GRU003", "no fix", Span(7, 1, 7, 2)),
]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    monkeypatch.delenv("GRU_LINT_CACHE_DIR", raising=False)


def entries(directory):
    out = []
    for root, _dirs, files in os.walk(directory):
        out.extend(os.path.join(root, f) for f in files if f.endswith(".json"))
    return sorted(out)


def test_json_round_trip():
    for d in DIAGS:
        obj = json.loads(json.dumps(diagnostic_to_json(d)))
        assert diagnostic_from_json(obj) == d


def test_put_then_get(tmp_path):
    c = Cache(str(tmp_path / "c"))
    assert c.get(b"source", "a.py") is None
    assert c.put(b"source", "a.py", DIAGS)
    got = c.get(b"source", "a.py")
    assert got == DIAGS
    assert got[1].fix.applicability is Applicability.UNSAFE
    assert c.put(b"other", "a.py", [])
    assert c.get(b"other", "a.py") == []


def test_key_depends_on_bytes_path_and_settings(tmp_path):
    c = Cache(str(tmp_path))
    c.put(b"source", "a.py", DIAGS)
    assert c.get(b"source ", "a.py") is None
    assert c.get(b"source", "b.py") is None
    assert Cache(str(tmp_path), settings={"unsafe": True}).get(b"source", "a.py") is None
    assert Cache(str(tmp_path)).get(b"source", "a.py") == DIAGS
    assert c.key(b"x", "a.py") != c.key(b"x", "b.py")
    assert Cache(str(tmp_path), {"fix": True}).key(b"x") != Cache(
        str(tmp_path), {"fix": False}
    ).key(b"x")


def test_key_depends_on_version(tmp_path, monkeypatch):
    c = Cache(str(tmp_path))
    c.put(b"source", "a.py", DIAGS)
    monkeypatch.setattr(gru_lint, "__version__", "999.0")
    monkeypatch.setattr(cache_mod, "_FINGERPRINT", None)
    assert Cache(str(tmp_path)).get(b"source", "a.py") is None


def test_fingerprint_tracks_package_files(monkeypatch):
    monkeypatch.setattr(cache_mod, "_FINGERPRINT", None)
    fp = cache_mod.package_fingerprint()
    assert gru_lint.__version__ in fp
    assert "cache.py:" in fp
    assert cache_mod.package_fingerprint() is fp


def test_marker_files_on_creation(tmp_path):
    directory = tmp_path / "deep" / "cache"
    c = Cache(str(directory))
    assert not directory.exists()  # nothing is created until something is stored
    c.put(b"x", "a.py", [])
    assert (directory / ".gitignore").read_text() == "*\n"
    assert (
        (directory / "CACHEDIR.TAG")
        .read_text()
        .startswith("Signature: 8a477f597d28d172789f06886806bc55")
    )
    assert not [n for n in os.listdir(directory) if n.endswith(".tmp")]


def test_existing_directory_is_left_alone(tmp_path):
    directory = tmp_path / "mine"
    directory.mkdir()
    Cache(str(directory)).put(b"x", "a.py", [])
    assert not (directory / ".gitignore").exists()
    assert len(entries(directory)) == 1


@pytest.mark.parametrize(
    "corruption",
    [
        b"",
        b"{",
        b"null",
        b"[]",
        b'{"format": 1}',
        b"\xff\xfe",
        b'{"format": 99, "key": "", "diagnostics": []}',
    ],
)
def test_corrupt_entries_are_misses(tmp_path, corruption):
    c = Cache(str(tmp_path))
    c.put(b"src", "a.py", DIAGS)
    (entry,) = entries(tmp_path)
    with open(entry, "wb") as fh:
        fh.write(corruption)
    assert c.get(b"src", "a.py") is None
    assert c.put(b"src", "a.py", DIAGS)  # and the entry can be rewritten
    assert c.get(b"src", "a.py") == DIAGS


def test_entry_with_bad_diagnostic_is_a_miss(tmp_path):
    c = Cache(str(tmp_path))
    c.put(b"src", "a.py", DIAGS)
    (entry,) = entries(tmp_path)
    with open(entry) as fh:
        obj = json.load(fh)
    obj["diagnostics"][0]["span"] = [1, 2]
    with open(entry, "w") as fh:
        json.dump(obj, fh)
    assert c.get(b"src", "a.py") is None


def test_entry_under_the_wrong_key_is_a_miss(tmp_path):
    c = Cache(str(tmp_path))
    c.put(b"one", "a.py", DIAGS)
    (entry,) = entries(tmp_path)
    target = c._entry_path(c.key(b"two", "a.py"))
    os.makedirs(os.path.dirname(target), exist_ok=True)
    os.replace(entry, target)
    assert c.get(b"two", "a.py") is None


def test_unwritable_cache_is_silent(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    c = Cache(str(blocker / "cache"))
    assert c.put(b"x", "a.py", DIAGS) is False
    assert c.get(b"x", "a.py") is None


def test_default_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert default_cache_dir() == ".gru_lint_cache"
    c = Cache()
    assert c.directory == str(tmp_path / ".gru_lint_cache")
    monkeypatch.setenv("GRU_LINT_CACHE_DIR", str(tmp_path / "env"))
    assert Cache().directory == str(tmp_path / "env")
    assert Cache(str(tmp_path / "flag")).directory == str(tmp_path / "flag")


def test_clear(tmp_path):
    c = Cache(str(tmp_path / "c"))
    c.put(b"a", "a.py", [])
    c.put(b"b", "b.py", [])
    assert len(entries(tmp_path / "c")) == 2
    c.clear()
    assert entries(tmp_path / "c") == []
    assert (tmp_path / "c" / ".gitignore").exists()
    Cache(str(tmp_path / "never")).clear()


def test_cache_is_picklable(tmp_path):
    import pickle

    c = Cache(str(tmp_path))
    c.put(b"x", "a.py", DIAGS)
    assert pickle.loads(pickle.dumps(c)).get(b"x", "a.py") == DIAGS
