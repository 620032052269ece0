"""A hostile tree, a hostile cache, hostile input: gru-lint writes nowhere it must not,
never hangs, and fails with one clear line (issue 14, item by item).

Tests that could hang run under ``deadline`` (an interval timer that raises) or in a
subprocess with a timeout; none asserts on timing.
"""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import sys

import pytest

import gru_lint
from gru_lint import cache as cache_mod
from gru_lint.cache import Cache
from gru_lint.diagnostics import Diagnostic, Span

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")
needs_symlinks = pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")
DIAGS = [Diagnostic("GRU001", "m", Span(1, 0, 1, 1))]


class Hang(BaseException):  # not swallowed by "except Exception"
    pass


@contextlib.contextmanager
def deadline(seconds=20):
    """Fail (instead of hanging the suite) if the block blocks for ``seconds``."""

    def expired(signum, frame):
        raise Hang(f"still blocked after {seconds} s")

    old = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


@pytest.fixture(autouse=True)
def no_cache_env(monkeypatch):
    monkeypatch.delenv("GRU_LINT_CACHE_DIR", raising=False)


def _only_entry(directory):
    found = []
    for root, _dirs, files in os.walk(directory):
        found.extend(os.path.join(root, f) for f in files if f.endswith(".json"))
    (entry,) = found
    return entry


# --------------------------------------------------------------------------- 1. cache links


@needs_symlinks
def test_cache_entry_symlink_is_replaced_not_written_through(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"precious\n")
    c = Cache(str(tmp_path / "c"))
    assert c.put(b"src", "a.py", DIAGS)
    entry = _only_entry(tmp_path / "c")
    os.unlink(entry)
    os.symlink(victim, entry)
    assert c.get(b"src", "a.py") is None  # a link is never read
    assert c.put(b"src", "a.py", DIAGS)
    assert victim.read_bytes() == b"precious\n"
    assert not os.path.islink(entry) and stat.S_ISREG(os.lstat(entry).st_mode)
    assert c.get(b"src", "a.py") == DIAGS


@needs_symlinks
def test_cache_entry_symlink_to_a_valid_entry_is_not_read(tmp_path):
    c = Cache(str(tmp_path / "c"))
    c.put(b"src", "a.py", DIAGS)
    entry = _only_entry(tmp_path / "c")
    elsewhere = tmp_path / "elsewhere.json"
    os.replace(entry, elsewhere)
    os.symlink(elsewhere, entry)
    assert c.get(b"src", "a.py") is None


@needs_symlinks
def test_cache_shard_symlinked_to_another_directory_is_not_used(tmp_path):
    victim_dir = tmp_path / "victim"
    victim_dir.mkdir()
    c = Cache(str(tmp_path / "c"))
    c.put(b"other", "b.py", [])  # creates the cache directory
    shard = os.path.dirname(c._entry_path(c.key(b"src", "a.py")))
    if os.path.isdir(shard):
        import shutil

        shutil.rmtree(shard)
    os.symlink(victim_dir, shard)
    assert c.put(b"src", "a.py", DIAGS) is False
    assert os.listdir(victim_dir) == []
    assert c.get(b"src", "a.py") is None


@needs_symlinks
def test_default_cache_directory_may_not_be_a_link(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "planted"
    target.mkdir()
    os.symlink(target, ".gru_lint_cache")
    assert Cache().put(b"src", "a.py", DIAGS) is False
    assert os.listdir(target) == []
    # A directory named explicitly may be a link: the user chose it.
    c = Cache(".gru_lint_cache")
    assert c.put(b"src", "a.py", DIAGS)
    assert c.get(b"src", "a.py") == DIAGS


@needs_fifo
def test_cache_entry_that_is_a_fifo_is_a_miss_not_a_hang(tmp_path):
    c = Cache(str(tmp_path / "c"))
    c.put(b"src", "a.py", DIAGS)
    entry = _only_entry(tmp_path / "c")
    os.unlink(entry)
    os.mkfifo(entry)
    with deadline():
        assert c.get(b"src", "a.py") is None


def test_cache_entry_over_the_size_cap_is_a_miss(tmp_path, monkeypatch):
    c = Cache(str(tmp_path / "c"))
    c.put(b"src", "a.py", DIAGS)
    entry = _only_entry(tmp_path / "c")
    size = os.path.getsize(entry)
    monkeypatch.setattr(cache_mod, "MAX_ENTRY_BYTES", size - 1)
    assert c.get(b"src", "a.py") is None
    assert c.put(b"big", "a.py", DIAGS) is False  # nor is a big entry written
    monkeypatch.setattr(cache_mod, "MAX_ENTRY_BYTES", size)
    assert c.get(b"src", "a.py") == DIAGS


def test_cache_directory_is_private(tmp_path):
    old = os.umask(0o022)
    try:
        c = Cache(str(tmp_path / "c"))
        c.put(b"src", "a.py", DIAGS)
    finally:
        os.umask(old)
    entry = _only_entry(tmp_path / "c")
    for path in (tmp_path / "c", os.path.dirname(entry), entry):
        assert stat.S_IMODE(os.stat(path).st_mode) & 0o077 == 0, path


@needs_symlinks
def test_cache_clear_does_not_follow_a_shard_link(tmp_path):
    victim_dir = tmp_path / "victim"
    victim_dir.mkdir()
    (victim_dir / "keep.txt").write_text("keep")
    c = Cache(str(tmp_path / "c"))
    c.put(b"src", "a.py", DIAGS)
    os.symlink(victim_dir, tmp_path / "c" / "zz")
    c.clear()
    assert (victim_dir / "keep.txt").read_text() == "keep"


# --------------------------------------------------------------------------- 16. fingerprint


def test_fingerprint_covers_rules_and_analysis(monkeypatch):
    monkeypatch.setattr(cache_mod, "_FINGERPRINT", None)
    fp = cache_mod.package_fingerprint()
    names = [line.split(":")[0] for line in fp.splitlines()[1:]]
    assert "cache.py" in names
    assert any(n.startswith("rules/") and n.endswith(".py") for n in names)
    assert any(n.startswith("analysis/") and n.endswith(".py") for n in names)
    assert not any("__pycache__" in n for n in names)


def test_editing_a_rule_module_changes_the_cache_key(tmp_path, monkeypatch):
    rules_dir = os.path.join(os.path.dirname(gru_lint.__file__), "rules")
    victim = os.path.join(rules_dir, sorted(n for n in os.listdir(rules_dir) if n.endswith(".py"))[0])
    monkeypatch.setattr(cache_mod, "_FINGERPRINT", None)
    before = Cache(str(tmp_path)).key(b"x")
    st = os.stat(victim)
    try:
        os.utime(victim, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
        monkeypatch.setattr(cache_mod, "_FINGERPRINT", None)
        after = Cache(str(tmp_path)).key(b"x")
    finally:
        os.utime(victim, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert before != after


# --------------------------------------------------------------------------- helpers for whole runs

import subprocess  # noqa: E402
import textwrap  # noqa: E402

from gru_lint.sourcefile import SourceError, read_bytes, write_atomic  # noqa: E402

BAD = textwrap.dedent(
    """\
    import numpy as np
    import keras

    x = np.zeros((4, 3, 2))
    h = np.zeros((8,))
    y = keras.layers.GRU(8)(x, initial_state=h)
    """
)
FIXED = BAD.replace("np.zeros((8,))", "np.zeros((4, 8))")


def gru_lint_process(*args, cwd, stdin=None, timeout=120, **kwargs):
    """``python -m gru_lint`` as a process (no cache), killed if it outlives ``timeout``."""
    cmd = [sys.executable, "-m", "gru_lint", "--no-cache", *args]
    return subprocess.run(
        cmd, cwd=str(cwd), input=stdin, capture_output=True, timeout=timeout, **kwargs
    )


def lines(data: bytes):
    return data.decode("utf-8", "replace").splitlines()


# --------------------------------------------------------------------------- 2. read-only files


def test_fix_refuses_a_read_only_file(tmp_path):
    target = tmp_path / "a.py"
    target.write_text(BAD)
    os.chmod(target, 0o444)
    try:
        proc = gru_lint_process("--fix", "a.py", cwd=tmp_path)
    finally:
        os.chmod(target, 0o644)
    assert proc.returncode == 2
    assert lines(proc.stderr)[0] == (
        "a.py: error: permission denied (the file is read-only); left unchanged"
    )
    assert "Traceback" not in proc.stderr.decode()
    assert target.read_text() == BAD


def test_write_atomic_refuses_what_the_user_may_not_write(tmp_path, monkeypatch):
    """The same refusal for a file that has write bits but not for this user (as root,
    ``os.access`` says yes to everything, so it is faked here)."""
    target = tmp_path / "a.py"
    target.write_text(BAD)
    real_access = os.access

    def access(path, mode, *args, **kwargs):
        if os.fspath(path) == str(target) and mode & os.W_OK:
            return False
        return real_access(path, mode, *args, **kwargs)

    monkeypatch.setattr(os, "access", access)
    with pytest.raises(SourceError, match="permission denied"):
        write_atomic(str(target), FIXED.encode())
    assert target.read_text() == BAD
    assert os.listdir(tmp_path) == ["a.py"]


# --------------------------------------------------------------------------- 4. the write window


@pytest.mark.parametrize("how", ["in_place", "rename"])
def test_edit_saved_during_the_write_window_is_kept(tmp_path, monkeypatch, how):
    target = tmp_path / "a.py"
    target.write_text(BAD)
    real_fsync = os.fsync

    def editor_saves(fd):
        real_fsync(fd)
        if how == "in_place":
            with open(target, "w") as fh:
                fh.write(BAD + "# edited meanwhile\n")
        else:
            other = tmp_path / "a.py.swp"
            other.write_text(BAD + "# edited meanwhile\n")
            os.replace(other, target)

    monkeypatch.setattr(os, "fsync", editor_saves)
    with pytest.raises(SourceError, match="changed while it was being fixed"):
        write_atomic(str(target), FIXED.encode(), expected=BAD.encode())
    assert target.read_text() == BAD + "# edited meanwhile\n"
    assert sorted(os.listdir(tmp_path)) == ["a.py"]


def test_edit_saved_before_the_write_is_kept(tmp_path):
    target = tmp_path / "a.py"
    target.write_text(BAD + "# newer\n")
    with pytest.raises(SourceError, match="changed while it was being fixed"):
        write_atomic(str(target), FIXED.encode(), expected=BAD.encode())
    assert target.read_text() == BAD + "# newer\n"


# --------------------------------------------------------------------------- 8. FIFOs


@needs_fifo
def test_explicit_fifo_path_is_an_error_not_a_hang(tmp_path):
    os.mkfifo(tmp_path / "p.py")
    proc = gru_lint_process("p.py", cwd=tmp_path, timeout=60)
    assert proc.returncode == 2
    assert lines(proc.stderr)[0] == "p.py: error: not a regular file (a FIFO)"


@needs_fifo
def test_read_bytes_never_blocks_on_a_fifo(tmp_path):
    os.mkfifo(tmp_path / "p.py")
    with deadline():
        with pytest.raises(SourceError, match="FIFO"):
            read_bytes(tmp_path / "p.py")


@needs_fifo
@pytest.mark.parametrize("where", [".gitignore", "sub/.gitignore", ".git/info/exclude"])
def test_fifo_ignore_files_are_skipped_not_waited_on(tmp_path, where):
    from gru_lint.discovery import iter_python_files

    (tmp_path / ".git" / "info").mkdir(parents=True)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.py").write_text("x = 1\n")
    (tmp_path / "a.py").write_text("x = 1\n")
    os.mkfifo(tmp_path / where)
    with deadline():
        found = sorted(os.path.relpath(p, tmp_path) for p in iter_python_files([str(tmp_path)]))
    assert found == ["a.py", os.path.join("sub", "b.py")]
    proc = gru_lint_process(".", cwd=tmp_path, timeout=60)
    assert proc.returncode == 0, proc.stderr


# --------------------------------------------------------------------------- 9. .gitignore matching


def _ignored(pattern, rel, is_dir=False):
    from gru_lint.discovery import compile_gitignore_line, is_ignored

    return is_ignored((("/base", (compile_gitignore_line(pattern),)),), "/base/" + rel, is_dir)


def test_gitignore_stars_do_not_backtrack():
    with deadline(20):
        assert not _ignored("*a" * 13 + "*b", "a" * 40)
        assert _ignored("*a" * 13 + "*b", "a" * 40 + "b")
        assert not _ignored("*a*a*a*a*a*a*a*a*a*a*a*a*a*b", "a" * 5000)


def test_gitignore_repeated_double_star_is_collapsed():
    deep = "/".join(["d"] * 200) + "/y"
    with deadline(20):
        assert not _ignored("**/" * 30 + "x", deep)
        assert _ignored("**/" * 30 + "y", deep)
        assert not _ignored("/".join(["**"] * 30) + "/a/**/b", deep)


@pytest.mark.parametrize("pattern", ["[z-a].py", "[]", "[!]", "x[", "[\\", "[a-]", "\\"])
def test_malformed_bracket_expressions_do_not_crash(pattern, tmp_path):
    from gru_lint.discovery import compile_gitignore_line

    rule = compile_gitignore_line(pattern)
    assert rule is not None
    rule.regex.match("z.py")  # no exception
    (tmp_path / ".gitignore").write_text(pattern + "\n")
    (tmp_path / "z.py").write_text("x = 1\n")
    proc = gru_lint_process(".", cwd=tmp_path, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert b"Traceback" not in proc.stderr


def test_reversed_range_matches_nothing_as_in_git():
    assert not _ignored("[z-a].py", "m.py")
    assert not _ignored("[z-a].py", "z.py")
    assert _ignored("[a-z].py", "m.py")


_GIT_CASES = [
    ("*.py", ["a.py", "d/a.py", "a.pyc"]),
    ("/*.py", ["a.py", "d/a.py"]),
    ("d/*.py", ["d/a.py", "d/e/a.py"]),
    ("a?.py", ["ab.py", "a.py"]),
    ("[ab].py", ["a.py", "c.py"]),
    ("[!ab].py", ["a.py", "c.py"]),
    ("[a-c]x.py", ["bx.py", "dx.py"]),
    ("[]a].py", ["].py", "a.py", "b.py"]),
    ("\\*.py", ["*.py", "a.py"]),
    ("**/x.py", ["x.py", "a/b/x.py"]),
    ("a/**/b.py", ["a/b.py", "a/x/y/b.py", "b.py"]),
    ("a/**", ["a/x.py", "a/x/y.py"]),
    ("**/**/**/z.py", ["z.py", "q/z.py", "q/r/s/z.py"]),
    ("a**b.py", ["axxb.py", "ab.py"]),
    ("*a*a*b.py", ["aab.py", "xaxaxb.py", "ab.py"]),
]


@pytest.mark.skipif(not __import__("shutil").which("git"), reason="needs git")
@pytest.mark.parametrize("pattern, paths", _GIT_CASES)
def test_gitignore_matching_agrees_with_git(tmp_path, pattern, paths):
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True, timeout=60)
    (repo / ".gitignore").write_text(pattern + "\n")
    proc = subprocess.run(
        ["git", "-C", str(repo), "check-ignore", "--no-index", "--stdin"],
        input="\n".join(paths) + "\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    git_says = set(proc.stdout.split())
    for rel in paths:
        assert _ignored(pattern, rel) is (rel in git_says), (pattern, rel)


# --------------------------------------------------------------------------- 10. temp files


def test_interrupt_right_after_mkstemp_leaves_no_temp_file(tmp_path, monkeypatch):
    import tempfile
    import threading

    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signal handlers run in the main thread")
    old = signal.signal(signal.SIGINT, signal.default_int_handler)

    target = tmp_path / "a.py"
    target.write_text(BAD)
    real_mkstemp = tempfile.mkstemp

    def interrupted_mkstemp(*args, **kwargs):
        result = real_mkstemp(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C lands just after the file exists
        return result

    monkeypatch.setattr(tempfile, "mkstemp", interrupted_mkstemp)
    try:
        with pytest.raises(KeyboardInterrupt):
            write_atomic(str(target), FIXED.encode(), expected=BAD.encode())
    finally:
        signal.signal(signal.SIGINT, old)
    assert os.listdir(tmp_path) == ["a.py"]
    assert target.read_text() == BAD


# --------------------------------------------------------------------------- 20. codecs


def test_fix_refuses_an_encoding_that_does_not_round_trip(tmp_path):
    data = b"# -*- coding: utf-7 -*-\n" + BAD.encode() + b's = "+AGE-"\n'
    assert data.decode("utf-7").encode("utf-7") != data
    (tmp_path / "a.py").write_bytes(data)
    proc = gru_lint_process("--fix", "a.py", cwd=tmp_path)
    assert proc.returncode == 2
    assert "does not round-trip" in lines(proc.stderr)[0]
    assert (tmp_path / "a.py").read_bytes() == data


def test_round_tripping_legacy_codec_is_still_fixed(tmp_path):
    data = ("# -*- coding: latin-1 -*-\n# café\n" + BAD).encode("latin-1")
    (tmp_path / "a.py").write_bytes(data)
    proc = gru_lint_process("--fix", "a.py", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert (tmp_path / "a.py").read_bytes() == data.replace(b"np.zeros((8,))", b"np.zeros((4, 8))")


# --------------------------------------------------------------------------- 6, 7. libcst bounds

CHAIN = " and ".join(["a"] * 10_000)


def test_long_boolean_chain_elsewhere_does_not_crash_the_fix(tmp_path):
    """libcst segfaults on this chain; it only ever sees the statement being fixed."""
    (tmp_path / "a.py").write_text(BAD + f"ok = {CHAIN}\n")
    proc = gru_lint_process("--fix", "-j", "1", "a.py", cwd=tmp_path, timeout=300)
    assert proc.returncode == 1, (proc.returncode, proc.stderr[-500:])
    assert (tmp_path / "a.py").read_text() == FIXED + f"ok = {CHAIN}\n"


def test_long_boolean_chain_around_the_fix_is_refused_with_a_reason(tmp_path):
    source = textwrap.dedent(
        """\
        import numpy as np
        import keras


        def build(a):
            x = np.zeros((4, 3, 2))
            h = np.zeros((8,))
            ok = CHAIN
            return keras.layers.GRU(8)(x, initial_state=h)
        """
    ).replace("CHAIN", CHAIN)
    proc = gru_lint_process("--fix", "-", cwd=tmp_path, stdin=source.encode(), timeout=300)
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-500:])
    assert proc.stdout == source.encode()  # an editor replacing its buffer keeps it
    (error,) = [ln for ln in lines(proc.stderr) if ": error:" in ln]
    assert error == (
        "-: error: some fixes were not applied: the code around the fix has a boolean "
        "chain of 10000 terms (the limit is 1000), which libcst cannot parse safely"
    )


def test_hazards_are_found_without_recursion():
    import ast

    from gru_lint import validate

    deep = ast.parse("x = " + " + ".join(["a"] * (validate.MAX_EXPR_DEPTH + 5)))
    assert "nested more than" in validate._hazard(deep.body)
    cmp_chain = ast.parse("x = " + " < ".join(["a"] * (validate.MAX_CHAIN + 2)))
    assert "comparison chain" in validate._hazard(cmp_chain.body)
    elifs = "if a:\n    pass\n" + "elif a:\n    pass\n" * (validate.MAX_ELIF + 1)
    assert "elif" in validate._hazard(ast.parse(elifs).body)
    assert validate._hazard(ast.parse(BAD).body) is None


def test_libcst_sees_only_the_statements_around_the_edits(monkeypatch):
    import libcst

    seen = []
    real = libcst.parse_module
    monkeypatch.setattr(libcst, "parse_module", lambda code, *a, **k: seen.append(code) or real(code))
    filler = "".join(f"f{i} = {i}\n" for i in range(2000))
    from gru_lint.fixer import fix_text

    result = fix_text(filler + BAD + filler)
    assert result.text == filler + FIXED + filler
    assert seen and all(len(code) < 200 for code in seen), [len(c) for c in seen]


def test_region_inside_a_long_function_is_checked_under_a_header(monkeypatch):
    from gru_lint import validate

    monkeypatch.setattr(validate, "MAX_REGION_CHARS", 400)
    body = "".join(f"    f{i} = {i}\n" for i in range(200))
    old = "def f():\n" + body + "    h = np.zeros((8,))\n" + body
    new = old.replace("np.zeros((8,))", "np.zeros((4, 8))")
    start = old.index("np.zeros((8,))")
    edit = __import__("gru_lint.diagnostics", fromlist=["Edit"]).Edit(
        start, start + len("np.zeros((8,))"), "np.zeros((4, 8))"
    )
    assert validate.parse_problem(new, old, [edit]) is None
    broken = old[:start] + "np.zeros((4, 8)" + old[start + len("np.zeros((8,))"):]
    bad_edit = type(edit)(edit.start, edit.end, "np.zeros((4, 8)")
    assert "would not parse" in validate.parse_problem(broken, old, [bad_edit])


def test_region_over_the_limit_is_refused_with_its_size(monkeypatch):
    from gru_lint import validate
    from gru_lint.diagnostics import Edit

    monkeypatch.setattr(validate, "MAX_REGION_CHARS", 100)
    old = "x = [\n" + "".join(f"    {i},\n" for i in range(100)) + "]\n"
    new = old.replace("    0,", "    00,".replace("00", "0 "))
    edit = Edit(old.index("0,"), old.index("0,") + 1, "0 ")
    message = validate.parse_problem(new, old, [edit])
    assert "characters long, too long for libcst to check safely (the limit is 100)" in message


MEMORY_CHILD = textwrap.dedent(
    """\
    import resource, sys
    import libcst  # imported before measuring: its import is not the point
    from gru_lint.fixer import fix_text

    def vmsize():
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024

    source = sys.stdin.read()
    limit = vmsize() + 150 * 2 ** 20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    result = fix_text(source)
    print(len(result.applied), result.error)
    """
)


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs /proc")
def test_fix_of_a_large_file_fits_in_a_small_memory_budget(tmp_path):
    """libcst needs about 600 bytes per byte of source: shown the whole 290 kB file it
    aborts the process under this budget (150 MB above the baseline)."""
    filler = "".join(f"v{i} = np.zeros((4, 8))\nw{i} = [v{i} for _ in range(3)]\n" for i in range(5000))
    proc = subprocess.run(
        [sys.executable, "-c", MEMORY_CHILD],
        input=(BAD + filler).encode(),
        capture_output=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-800:]
    assert proc.stdout.split() == [b"1", b"None"]


# --------------------------------------------------------------------------- 12. many fixes


def test_edit_selection_compares_neighbours_only(monkeypatch):
    from gru_lint import fixer
    from gru_lint.diagnostics import Edit, Fix

    calls = [0]
    real = fixer._conflicts

    def counting(a, b):
        calls[0] += 1
        return real(a, b)

    monkeypatch.setattr(fixer, "_conflicts", counting)
    n = 3000
    text = "x" * (2 * n)
    diags = [
        Diagnostic("GRU001", "m", Span(1, 2 * i, 1, 2 * i + 1), Fix("t", (Edit(2 * i, 2 * i + 1, "y"),)))
        for i in range(n)
    ]
    new, used = fixer.apply_fixes(text, diags)
    assert new == "yx" * n and len(used) == n
    assert calls[0] <= 3 * n  # was n * (n - 1) / 2


def test_insertion_inside_a_replaced_range_conflicts():
    from gru_lint.diagnostics import Edit, Fix
    from gru_lint.fixer import apply_fixes

    outer = Diagnostic("A", "m", Span(1, 0, 1, 1), Fix("t", (Edit(0, 6, "abcdef"),)))
    inner = Diagnostic("B", "m", Span(1, 3, 1, 4), Fix("t", (Edit(3, 3, "!"),)))
    assert apply_fixes("012345", [outer, inner]) == ("abcdef", [outer])


# --------------------------------------------------------------------------- 3. the codemod


def _codemod(tmp_path, *extra):
    cmd = [sys.executable, "-m", "libcst.tool", "codemod", "-x", "gru_lint.codemod.FixInitialState",
           "--no-format", "--hide-progress", "-j", "1", *extra, "pkg"]
    return subprocess.run(cmd, cwd=str(tmp_path), capture_output=True, timeout=300)


def test_codemod_honours_noqa(tmp_path):
    (tmp_path / "pkg").mkdir()
    marked = BAD.replace("initial_state=h)", "initial_state=h)  # noqa: GRU001")
    bare = BAD.replace("initial_state=h)", "initial_state=h)  # noqa")
    (tmp_path / "pkg" / "marked.py").write_text(marked)
    (tmp_path / "pkg" / "bare.py").write_text(bare)
    (tmp_path / "pkg" / "other.py").write_text(BAD.replace("initial_state=h)", "initial_state=h)  # noqa: GRU006"))
    proc = _codemod(tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "pkg" / "marked.py").read_text() == marked
    assert (tmp_path / "pkg" / "bare.py").read_text() == bare
    assert (tmp_path / "pkg" / "other.py").read_text() == FIXED.replace(
        "initial_state=h)", "initial_state=h)  # noqa: GRU006"
    )


def test_codemod_honours_select_and_ignore(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text(BAD)
    assert _codemod(tmp_path, "--ignore", "GRU001").returncode == 0
    assert (tmp_path / "pkg" / "a.py").read_text() == BAD
    assert _codemod(tmp_path, "--select", "GRU002,GRU003").returncode == 0
    assert (tmp_path / "pkg" / "a.py").read_text() == BAD
    assert _codemod(tmp_path, "--select", "GRU0").returncode == 0
    assert (tmp_path / "pkg" / "a.py").read_text() == FIXED


# --------------------------------------------------------------------------- 15. python -m


CANARY = "import os\nopen(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'CANARY_RAN'), 'w').close()\n"
CANARY_MODULES = ["argparse", "difflib", "tokenize", "json", "hashlib", "tempfile", "ast",
                  "concurrent", "multiprocessing", "libcst", "bisect", "shutil", "typing",
                  "dataclasses", "textwrap", "enum"]


@pytest.mark.parametrize("mode", [[], ["--fix"], ["--diff"]])
def test_python_m_never_imports_from_the_checked_tree(tmp_path, mode):
    for name in CANARY_MODULES:
        if name in ("concurrent", "libcst", "multiprocessing"):
            (tmp_path / name).mkdir()
            (tmp_path / name / "__init__.py").write_text(CANARY)
        else:
            (tmp_path / (name + ".py")).write_text(CANARY)
    for i in range(4):  # enough files for a worker pool
        (tmp_path / f"m{i}.py").write_text(BAD)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = gru_lint_process(*mode, "-j", "2", ".", cwd=tmp_path, env=env)
    assert not (tmp_path / "CANARY_RAN").exists(), proc.stderr[-800:]
    assert proc.returncode == 1, proc.stderr[-800:]
    assert b"Traceback" not in proc.stderr


# --------------------------------------------------------------------------- 10, 11. signals

import time  # noqa: E402

SLOW_FILLER = "".join(f"v{i} = np.zeros((4, 8))\nw{i} = [v{i} for _ in range(3)]\n" for i in range(1500))


def _slow_tree(tmp_path, n):
    for i in range(n):
        (tmp_path / f"m{i:02d}.py").write_text(BAD + SLOW_FILLER)
    return {f"m{i:02d}.py" for i in range(n)}


def _rewritten(tmp_path, names):
    return {n for n in names if "np.zeros((4, 8))\ny =" in (tmp_path / n).read_text()}


def _start(tmp_path, *args):
    cmd = [sys.executable, "-m", "gru_lint", "--no-cache", *args]
    return subprocess.Popen(cmd, cwd=str(tmp_path), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)


def _wait_for(predicate, seconds=240):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def _group_gone(pgid, seconds=60):
    def gone():
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:  # pragma: no cover - a zombie we cannot signal
            return False
        return False

    return _wait_for(gone, seconds)


def _kill_group(pgid):
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_during_fix_stops_reports_and_exits_130(tmp_path, jobs):
    names = _slow_tree(tmp_path, 24)
    proc = _start(tmp_path, "--fix", "-j", jobs, ".")
    try:
        assert _wait_for(lambda: _rewritten(tmp_path, names)), "nothing was ever fixed"
        os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
        out, err = proc.communicate(timeout=240)
    finally:
        _kill_group(proc.pid)
    assert proc.returncode == 130, err[-800:]
    done = _rewritten(tmp_path, names)
    assert done and done != names  # queued files were not fixed after the interrupt
    text = err.decode()
    listed = {ln.split(":")[0] for ln in text.splitlines() if ": fixed " in ln or "rewritten before" in ln}
    assert listed == done, text
    assert f"Stopped by interrupt: {len(done)} file(s) rewritten" in text
    assert "Traceback" not in text
    assert not [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]
    assert _group_gone(proc.pid)


def test_sigterm_shuts_the_pool_down(tmp_path):
    names = _slow_tree(tmp_path, 24)
    proc = _start(tmp_path, "--fix", "-j", "2", ".")
    try:
        assert _wait_for(lambda: _rewritten(tmp_path, names))
        os.kill(proc.pid, signal.SIGTERM)  # the parent only, as CI and pre-commit do
        out, err = proc.communicate(timeout=240)  # EOF: no worker holds the pipes open
        assert proc.returncode == 143, err[-800:]
        assert "Stopped by SIGTERM" in err.decode()
        assert _group_gone(proc.pid)
    finally:
        _kill_group(proc.pid)
    assert not [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]


def test_workers_exit_when_the_parent_dies(tmp_path):
    names = _slow_tree(tmp_path, 24)
    proc = _start(tmp_path, "-j", "2", ".")
    try:
        # Wait until the pool is up: the parent has children.
        def has_workers():
            try:
                with open(f"/proc/{proc.pid}/task/{proc.pid}/children") as fh:
                    return bool(fh.read().split())
            except OSError:
                return False

        if not os.path.exists(f"/proc/{proc.pid}/task"):
            pytest.skip("needs /proc")
        assert _wait_for(has_workers)
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=120)  # returns only once every worker let go of the pipes
        assert _group_gone(proc.pid)
    finally:
        _kill_group(proc.pid)
    assert names


# --------------------------------------------------------------------------- 5. outside the roots


@needs_symlinks
@pytest.mark.parametrize("kind", ["file", "directory"])
def test_fix_does_not_write_through_links_out_of_the_tree(tmp_path, kind):
    tree = tmp_path / "tree"
    outside = tmp_path / "outside"
    tree.mkdir()
    outside.mkdir()
    (outside / "x.py").write_text(BAD)
    if kind == "file":
        os.symlink(outside / "x.py", tree / "link.py")
        shown = os.path.join("tree", "link.py")
    else:
        os.symlink(outside, tree / "linked")
        shown = os.path.join("tree", "linked", "x.py")
    proc = gru_lint_process("--fix", "tree", cwd=tmp_path)
    assert (outside / "x.py").read_text() == BAD
    assert proc.returncode == 1, proc.stderr
    err = lines(proc.stderr)
    assert f"{shown}: not fixed: its real path {outside / 'x.py'} is outside the paths given " \
           "(--fix-outside-roots allows it)" in err
    assert proc.stdout.decode().startswith(shown + ":6:")
    # Naming the outside directory too, or the option, allows it.
    proc = gru_lint_process("--fix", "--fix-outside-roots", "tree", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert (outside / "x.py").read_text() == FIXED


@needs_symlinks
def test_explicitly_named_link_is_fixed(tmp_path):
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "x.py").write_text(BAD)
    (tmp_path / "tree").mkdir()
    os.symlink(tmp_path / "outside" / "x.py", tmp_path / "tree" / "link.py")
    proc = gru_lint_process("--fix", "tree/link.py", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert (tmp_path / "outside" / "x.py").read_text() == FIXED


def test_fix_end_to_end_refuses_a_file_edited_during_the_write(tmp_path, monkeypatch, capsys):
    from gru_lint import cli

    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.py").write_text(BAD)
    real_fsync = os.fsync

    def editor_saves(fd):
        real_fsync(fd)
        with open(tmp_path / "a.py", "a") as fh:
            fh.write("# saved meanwhile\n")

    monkeypatch.setattr(os, "fsync", editor_saves)
    code = cli.main(["--fix", "--no-cache", "-j", "1", "a.py"])
    err = capsys.readouterr().err
    assert code == 2
    assert "a.py: error: the file changed while it was being fixed; left unchanged" in err
    assert (tmp_path / "a.py").read_text() == BAD + "# saved meanwhile\n"


# --------------------------------------------------------------------------- 13. size limit


def test_file_over_the_size_limit_is_reported_and_skipped(tmp_path):
    (tmp_path / "big.py").write_text(BAD + "#" * 2000 + "\n")
    (tmp_path / "ok.py").write_text(BAD)
    proc = gru_lint_process("--max-file-size", "1k", ".", cwd=tmp_path)
    assert proc.returncode == 2
    size = (tmp_path / "big.py").stat().st_size
    assert lines(proc.stderr)[0] == (
        f"big.py: error: file is {size} bytes, larger than the limit of 1024 "
        "(--max-file-size); skipped"
    )
    assert proc.stdout.decode().startswith("ok.py:6:")
    assert gru_lint_process("--max-file-size", "0", ".", cwd=tmp_path).returncode == 1
    big = gru_lint_process("--max-file-size", "1k", "-", stdin=(tmp_path / "big.py").read_bytes(),
                           cwd=tmp_path)
    assert big.returncode == 2 and b"larger than the limit" in big.stderr


def test_default_size_limit_is_ten_megabytes_and_read_is_bounded(tmp_path):
    from gru_lint.config import DEFAULT_MAX_FILE_SIZE, Settings

    assert DEFAULT_MAX_FILE_SIZE == 10 * 1024 * 1024 == Settings().max_file_size
    (tmp_path / "a.py").write_bytes(b"x = 1\n" * 10)
    with pytest.raises(SourceError, match="larger than the limit of 20"):
        read_bytes(tmp_path / "a.py", max_size=20)


@pytest.mark.skipif(not hasattr(__import__("resource"), "RLIMIT_AS"), reason="needs RLIMIT_AS")
def test_huge_file_under_a_memory_cap_is_skipped_not_a_crash(tmp_path):
    """50 MB of source under a 1 GB address-space cap: skipped by the size limit."""
    chunk = (BAD + SLOW_FILLER).encode()
    with open(tmp_path / "huge.py", "wb") as fh:
        for _ in range(50 * 2**20 // len(chunk) + 1):
            fh.write(chunk)

    def cap():
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (2**30, 2**30))

    proc = gru_lint_process("--fix", "huge.py", cwd=tmp_path, preexec_fn=cap)
    assert proc.returncode == 2, proc.stderr[-800:]
    assert b"larger than the limit of 10485760 (--max-file-size); skipped" in proc.stderr


def test_memory_error_is_reported_as_such(tmp_path, monkeypatch, capsys):
    from gru_lint import cli, core

    def exhausted(*args, **kwargs):
        raise MemoryError()

    monkeypatch.setattr(core, "check_source", exhausted)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.py").write_text(BAD)
    code = cli.main(["--no-cache", "-j", "1", "a.py"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.splitlines()[0] == (
        f"a.py: error: out of memory while checking this file ({len(BAD)} bytes); "
        "skipped (see --max-file-size)"
    )


# --------------------------------------------------------------------------- 14. stdio


@pytest.mark.parametrize(
    "args, redirect, message",
    [
        (["-"], {"stdin": None, "close": 0}, "gru-lint: error: standard input is closed"),
        (["a.py"], {"close": 1}, "gru-lint: error: standard output is closed"),
        (["a.py"], {"stdout": "/dev/full"},
         "gru-lint: error: cannot write to standard output: No space left on device"),
        (["--fix", "-"], {"stdout": "/dev/full"},
         "gru-lint: error: cannot write to standard output: No space left on device"),
        (["--version"], {"stdout": "/dev/full"},
         "gru-lint: error: cannot write to standard output: No space left on device"),
        (["--help"], {"stdout": "/dev/full"},
         "gru-lint: error: cannot write to standard output: No space left on device"),
        (["--list-rules"], {"stdout": "/dev/full"},
         "gru-lint: error: cannot write to standard output: No space left on device"),
        (["--explain", "GRU001"], {"stdout": "/dev/full"},
         "gru-lint: error: cannot write to standard output: No space left on device"),
    ],
)
def test_closed_or_full_stdio_is_one_line_and_exit_2(tmp_path, args, redirect, message):
    if "stdout" in redirect and not os.path.exists(redirect["stdout"]):
        pytest.skip("needs /dev/full")
    (tmp_path / "a.py").write_text(BAD)
    cmd = [sys.executable, "-m", "gru_lint", "--no-cache", *args]
    close = redirect.get("close")
    stdin = open(tmp_path / "a.py", "rb") if args[-1] == "-" and close != 0 else subprocess.DEVNULL
    stdout = open(redirect["stdout"], "wb") if "stdout" in redirect else subprocess.PIPE

    def closer():
        if close is not None:
            os.close(close)

    try:
        proc = subprocess.run(cmd, cwd=str(tmp_path), stdin=stdin, stdout=stdout,
                              stderr=subprocess.PIPE, preexec_fn=closer, timeout=120)
    finally:
        for fh in (stdin, stdout):
            if hasattr(fh, "close"):
                fh.close()
    assert proc.returncode == 2, proc.stderr
    assert lines(proc.stderr) == [message]


def test_broken_pipe_on_fix_stdout_is_an_error(tmp_path):
    import threading

    (tmp_path / "a.py").write_text(BAD + SLOW_FILLER * 4)
    proc = subprocess.Popen([sys.executable, "-m", "gru_lint", "--no-cache", "--fix", "-"],
                            cwd=str(tmp_path), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader is gone before the fixed text is written
    errors = []
    reader = threading.Thread(target=lambda: errors.append(proc.stderr.read()))
    reader.start()
    try:
        proc.stdin.write((tmp_path / "a.py").read_bytes())
        proc.stdin.close()
        proc.wait(timeout=240)
    finally:
        if proc.poll() is None:
            proc.kill()
        reader.join(60)
    assert proc.returncode == 2
    assert b"standard output closed before the fixed source was written" in errors[0]


# --------------------------------------------------------------------------- 17. prefilter


def test_undecodable_file_the_prefilter_skips_is_still_reported(tmp_path):
    (tmp_path / "plain.py").write_bytes(b"x = '\xff'\n")  # no keras: never parsed
    (tmp_path / "ok.py").write_bytes("x = 'é'\n".encode())
    proc = gru_lint_process(".", cwd=tmp_path)
    assert proc.returncode == 2
    assert lines(proc.stderr)[0].startswith("plain.py: error: cannot decode as utf-8")


def test_syntax_error_in_a_file_that_cannot_matter_is_not_reported(tmp_path):
    """As the README says: such a file is never parsed."""
    (tmp_path / "plain.py").write_text("def (:\n")
    assert gru_lint_process(".", cwd=tmp_path).returncode == 0


# --------------------------------------------------------------------------- 18. -j


def test_jobs_are_capped_at_a_small_multiple_of_the_cpus(monkeypatch):
    from gru_lint import pool

    monkeypatch.setattr(pool, "available_cpus", lambda: 2)
    assert pool.cap_jobs(300) == 4
    assert pool.cap_jobs(3) == 3
    assert pool.cap_jobs(1) == 1
    seen = []

    def fake_pool(tasks, workers):
        seen.append(workers)
        return iter(())

    monkeypatch.setattr(pool, "_run_in_pool", fake_pool)
    monkeypatch.setattr(pool, "run_task", lambda task: None)
    pool.run_tasks([object()] * 50, 300)
    assert seen == [4]


# --------------------------------------------------------------------------- 19. file names


@pytest.mark.parametrize("raw, shown", [
    (b"new\nline.py", "new\\nline.py"),
    (b"tab\there.py", "tab\\there.py"),
    (b"latin\xe9.py", "latin\\xe9.py"),
])
def test_unusual_file_names_keep_each_finding_on_one_line(tmp_path, raw, shown):
    name = os.fsdecode(raw)
    try:
        (tmp_path / name).write_text(BAD)
    except (OSError, UnicodeEncodeError):  # pragma: no cover - file system refuses the name
        pytest.skip("the file system refuses this name")
    proc = gru_lint_process(".", cwd=tmp_path)
    out = lines(proc.stdout)
    assert len(out) == 1, out
    assert out[0].startswith(shown + ":6:42: GRU001 ")


# --------------------------------------------------------------------------- 20. --diff and CR


@pytest.mark.skipif(not __import__("shutil").which("patch"), reason="needs patch(1)")
@pytest.mark.parametrize("newline", ["\r", "\r\n", "mixed"])
def test_diff_on_cr_files_is_a_patch_that_applies(tmp_path, newline):
    if newline == "mixed":
        text = BAD.replace("\n", "\r", 2).replace("\n", "\r\n", 2)
    else:
        text = BAD.replace("\n", newline)
    data = text.encode()
    (tmp_path / "a.py").write_bytes(data)
    proc = gru_lint_process("--diff", "a.py", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    (tmp_path / "change.patch").write_bytes(proc.stdout)
    applied = subprocess.run(["patch", "-p0", "--binary", "-i", "change.patch"], cwd=str(tmp_path),
                             capture_output=True, timeout=60)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert (tmp_path / "a.py").read_bytes() == data.replace(b"np.zeros((8,))", b"np.zeros((4, 8))")


# --------------------------------------------------------------------------- README


def test_readme_guarantees_state_the_limits_in_force():
    from pathlib import Path

    from gru_lint import config, pool, validate

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Guarantees", 1)[1].split("\n## ", 1)[0]
    assert f"{validate.MAX_REGION_CHARS:,} characters" in section
    assert f"nested at most {validate.MAX_EXPR_DEPTH}" in section
    assert f"at most {validate.MAX_CHAIN:,} terms" in section
    assert f"at most {validate.MAX_ELIF:,} `elif`s" in section
    assert config.DEFAULT_MAX_FILE_SIZE == 10 * 2**20 and "default 10 MiB" in section
    assert cache_mod.MAX_ENTRY_BYTES == 16 * 2**20 and "capped at 16 MiB" in section
    assert pool.JOBS_PER_CPU == 2 and "capped at twice" in section


def _fake_tasks(n):
    from types import SimpleNamespace

    return [SimpleNamespace(display=f"f{i}.py", path=None, settings=SimpleNamespace(mode="check"))
            for i in range(n)]


@pytest.mark.parametrize("signum, expected", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_during_a_file_stops_the_run_after_that_file(monkeypatch, signum, expected):
    # The signal lands in the middle of a file's work (an import, a write): that work
    # is not cut short; the run stops before the next file, with what it did so far.
    from gru_lint import pool
    from gru_lint.worker import Outcome

    ran = []

    def run_task(task):
        if not ran:
            os.kill(os.getpid(), signum)
            for _ in range(1000):  # the handler has run by now; nothing was raised here
                pass
        ran.append(task.display)
        return Outcome(task.display)

    monkeypatch.setattr(pool, "run_task", run_task)
    with pytest.raises(pool.Interrupted) as stop:
        pool.run_tasks(_fake_tasks(3), jobs=1)
    assert ran == ["f0.py"]
    assert [o.display for o in stop.value.outcomes] == ["f0.py"]
    assert 128 + stop.value.signum == expected
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # handlers restored


def test_a_signal_after_the_last_file_is_still_an_interrupted_run(monkeypatch):
    from gru_lint import pool
    from gru_lint.worker import Outcome

    def run_task(task):
        if task.display == "f1.py":
            os.kill(os.getpid(), signal.SIGINT)
        return Outcome(task.display)

    monkeypatch.setattr(pool, "run_task", run_task)
    with pytest.raises(pool.Interrupted) as stop:
        pool.run_tasks(_fake_tasks(2), jobs=1)
    assert [o.display for o in stop.value.outcomes] == ["f0.py", "f1.py"]
