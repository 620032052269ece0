"""The command line, driven in-process through ``main(argv)`` and as a real process.

The analysis core is replaced by a small fake (below) so these tests pin down the
command line's own behaviour: the fake reports ``initial_state=NAME`` and fixes
it to ``initial_state=[NAME]``.
"""

import codecs
import io
import os
import re
import stat
import subprocess
import sys
import textwrap
import types

import pytest

import gru_lint
from gru_lint import cli, core, pool
from gru_lint.cli import Settings, code_selected, main
from gru_lint.fixer import apply_fixes as _apply_fixes


def apply_fixes(text, diagnostics):
    new, used = _apply_fixes(text, diagnostics)
    return new, len(used)
from gru_lint.diagnostics import Applicability, Diagnostic, Edit, Fix, Related, Span

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTS = os.path.dirname(os.path.abspath(__file__))
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
needs_symlinks = pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")

# --------------------------------------------------------------------------- the fake core
#
#   initial_state=NAME   GRU001, safe fix  -> initial_state=[NAME]   (related: line 1)
#   initial_state=u_NAME GRU002, unsafe fix
#   initial_state=None   GRU003, no fix
#   initial_state=breakme  its "fix" leaves an unbalanced bracket
#   initial_state=pi       its fix inserts a non-latin-1 character
#   SYNTAX_ERROR / VALUE_ERROR / INTERNAL_BOOM in the text: the core raises
#   CRASH_WORKER: a worker process dies (the main process is spared)

CALLS = {"might_matter": 0, "check_source": 0, "fix_source": 0}
PARENT_PID = [os.getpid()]
_NAME = re.compile(r"initial_state=([A-Za-z_]\w*)")
_BREAK = re.compile(r"\r\n|\r|\n")


def _position(text, offset):
    line, start = 1, 0
    for m in _BREAK.finditer(text):
        if m.end() > offset:
            break
        line, start = line + 1, m.end()
    return line, offset - start


def _diagnose(text, path="<string>"):
    if "SYNTAX_ERROR" in text:
        raise SyntaxError("invalid syntax", (path, 2, 3, "bad line\n"))
    if "VALUE_ERROR" in text:
        raise ValueError("source is not\nparseable")
    if "INTERNAL_BOOM" in text:
        raise RuntimeError("boom")
    if "CRASH_WORKER" in text and os.getpid() != PARENT_PID[0]:
        os._exit(3)
    out = []
    for m in _NAME.finditer(text):
        name = m.group(1)
        line, col = _position(text, m.start(1))
        end_line, end_col = _position(text, m.end(1))
        span = Span(line, col, end_line, end_col)
        if name == "None":
            out.append(Diagnostic("GRU003", "initial_state is None", span))
            continue
        replacement = {"breakme": "[breakme", "pi": "[π]"}.get(name, f"[{name}]")
        unsafe = name.startswith("u_")
        out.append(
            Diagnostic(
                "GRU002" if unsafe else "GRU001",
                f"initial_state `{name}` must be a list",
                span,
                Fix(
                    f"Wrap `{name}` in a list",
                    (Edit(m.start(1), m.end(1), replacement),),
                    Applicability.UNSAFE if unsafe else Applicability.SAFE,
                ),
                (Related("layer created here", Span(1, 0, 1, 1)),) if not unsafe else (),
            )
        )
    return out


def fake_might_matter(source):
    CALLS["might_matter"] += 1
    if isinstance(source, str):
        source = source.encode("utf-8")
    return b"initial_state" in source or b"_ERROR" in source or b"INTERNAL_BOOM" in source


def fake_check_source(source, path="<string>", keras_version=None):
    CALLS["check_source"] += 1
    return _diagnose(source, path)


def fake_fix_source(source, *, unsafe=False, wanted=None, keras_version=None):
    CALLS["fix_source"] += 1
    text, applied = source, []
    for _ in range(10):
        found = _diagnose(text)
        todo = [
            d
            for d in (found if wanted is None else wanted(found, text))
            if d.fix and (unsafe or d.fix.applicability == Applicability.SAFE)
        ]
        if not todo:
            break
        for d in sorted(todo, key=lambda d: d.fix.edits[0].start, reverse=True):
            e = d.fix.edits[0]
            text = text[: e.start] + e.text + text[e.end :]
        applied.extend(todo)
    return core.FixResult(text, tuple(applied), tuple(_diagnose(text)))


def install_fake_core(target=None):
    """Patch the fake in (``target`` is a pytest monkeypatch, or None for a subprocess)."""
    PARENT_PID[0] = os.getpid()
    for name, fn in (
        ("might_matter", fake_might_matter),
        ("check_source", fake_check_source),
        ("fix_source", fake_fix_source),
    ):
        if target is None:
            setattr(core, name, fn)
        else:
            target.setattr(core, name, fn)


@pytest.fixture(autouse=True)
def fake_core(monkeypatch, tmp_path):
    install_fake_core(monkeypatch)
    for key in CALLS:
        CALLS[key] = 0
    monkeypatch.delenv("GRU_LINT_CACHE_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    return CALLS


def run(capsys, *argv, cache=False, jobs=1):
    args = list(argv)
    if not cache:
        args.append("--no-cache")
    if jobs is not None:
        args += ["--jobs", str(jobs)]
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def put(name, text, mode=None):
    path = os.path.join(os.getcwd(), name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(text.encode("utf-8") if isinstance(text, str) else text)
    if mode is not None:
        os.chmod(path, mode)
    return name


def read(name):
    with open(name, "rb") as fh:
        return fh.read()


def age(name, seconds=1000):
    """Push a file's mtime into the past so an unwanted rewrite would show."""
    st = os.stat(name)
    os.utime(name, ns=(st.st_atime_ns - seconds * 10**9, st.st_mtime_ns - seconds * 10**9))
    return os.stat(name).st_mtime_ns


GOOD = "import keras\nx = keras.layers.GRU(4)(y)\n"
BAD = "import keras\nx = keras.layers.GRU(4)(y, initial_state=h)\n"


# --------------------------------------------------------------------------- checking


def test_clean_tree(capsys):
    put("a.py", GOOD)
    put("pkg/b.py", "print('hi')\n")
    code, out, err = run(capsys)
    assert code == 0
    assert out == ""
    assert err == "No findings (2 files checked).\n"


def test_clean_and_quiet_prints_nothing(capsys):
    put("a.py", GOOD)
    assert run(capsys, "-q") == (0, "", "")


def test_findings_format_and_order(capsys):
    put("b.py", "f(initial_state=None)\ng(initial_state=h)\n")
    put("a.py", "zz = 1\nlayer(x, initial_state=state); other(initial_state=u_s)\n")
    put("pkg/c.py", "layer(initial_state=k)\n")
    code, out, err = run(capsys)
    assert code == 1
    assert out.splitlines() == [
        "a.py:2:24: GRU001 initial_state `state` must be a list [*]",
        "a.py:2:52: GRU002 initial_state `u_s` must be a list",
        "b.py:1:17: GRU003 initial_state is None",
        "b.py:2:17: GRU001 initial_state `h` must be a list [*]",
        "pkg/c.py:1:21: GRU001 initial_state `k` must be a list [*]",
    ]
    assert (
        err
        == "Found 5 findings in 3 files (3 fixable with --fix, 1 fixable with --unsafe-fixes).\n"
    )


def test_unsafe_fixes_flag_marks_unsafe_fixes(capsys):
    put("a.py", "f(initial_state=u_s)\n")
    code, out, err = run(capsys, "--unsafe-fixes")
    assert (code, out) == (1, "a.py:1:17: GRU002 initial_state `u_s` must be a list [*]\n")
    assert err == "Found 1 finding in 1 file (1 fixable with --fix).\n"


def test_quiet_keeps_findings_drops_summary(capsys):
    put("a.py", BAD)
    code, out, err = run(capsys, "-q")
    assert code == 1 and out.count("\n") == 1 and err == ""


def test_prefilter_rejects_without_parsing(capsys, fake_core):
    put("a.py", GOOD)
    put("broken.py", "def (:\n")  # would not parse, but cannot matter
    put("empty.py", "")
    assert run(capsys)[0] == 0
    assert fake_core["might_matter"] == 3
    assert fake_core["check_source"] == 0


def test_explicit_paths_and_default_dot(capsys):
    put("a.py", BAD)
    put("script", BAD)  # no .py suffix: only checked when named
    assert run(capsys)[1].splitlines()[0].startswith("a.py:2:")
    code, out, _ = run(capsys, "script", "a.py")
    assert [line.split(":")[0] for line in out.splitlines()] == ["a.py", "script"]


def test_same_file_twice_is_reported_once(capsys):
    put("a.py", BAD)
    code, out, err = run(capsys, "a.py", ".", "a.py")
    assert out.count("a.py:") == 1


def test_show_source(capsys):
    put("a.py", "import keras\nx = GRU(4)(y, initial_state=h)\n")
    code, out, _ = run(capsys, "--show-source")
    assert out.splitlines() == [
        "a.py:2:29: GRU001 initial_state `h` must be a list [*]",
        "  2 | x = GRU(4)(y, initial_state=h)",
        "    |                             ^",
        "  note: a.py:1:1: layer created here",
        "  help: Wrap `h` in a list",
    ]


# --------------------------------------------------------------------------- errors


def test_syntax_error_is_one_line_and_exit_2(capsys):
    put("a.py", "initial_state SYNTAX_ERROR\n")
    put("b.py", BAD)
    code, out, err = run(capsys)
    assert code == 2  # 2 wins over 1
    assert out.startswith("b.py:2:")
    assert "a.py:2:3: error: could not parse: invalid syntax\n" in err


def test_value_error_from_core_is_a_parse_error(capsys):
    put("a.py", "VALUE_ERROR\n")
    code, out, err = run(capsys)
    assert code == 2
    assert err.splitlines()[0] == "a.py: error: could not parse: source is not parseable"


def test_internal_error_is_reported_and_run_continues(capsys):
    put("a.py", "INTERNAL_BOOM\n")
    put("b.py", BAD)
    code, out, err = run(capsys)
    assert code == 2
    assert "a.py: error: internal error: RuntimeError: boom" in err
    assert out.startswith("b.py:2:")


def test_prefilter_crash_is_an_internal_error(capsys, monkeypatch):
    def boom(source):
        raise NotImplementedError

    monkeypatch.setattr(core, "might_matter", boom)
    put("a.py", BAD)
    code, _, err = run(capsys)
    assert code == 2 and "a.py: error: internal error: NotImplementedError" in err


def test_missing_path(capsys):
    put("a.py", GOOD)
    code, out, err = run(capsys, "missing.py", "a.py")
    assert code == 2
    assert err.splitlines()[0] == "missing.py: error: no such file or directory"


def test_undecodable_file(capsys):
    put("a.py", b"initial_state = '\xff'\n")
    code, _, err = run(capsys)
    assert code == 2
    assert err.startswith("a.py: error: cannot decode as utf-8")


def test_binary_py_file(capsys):
    put("a.py", b"\x00\x01\x02initial_state")
    code, _, err = run(capsys)
    assert code == 2
    assert err.startswith("a.py: error: binary file")


def test_unknown_encoding(capsys):
    put("a.py", b"# coding: nonesuch\ninitial_state=h\n")
    code, _, err = run(capsys)
    assert code == 2 and "a.py: error: unknown encoding: nonesuch" in err


def test_empty_file_is_fine(capsys):
    put("a.py", "")
    assert run(capsys)[0] == 0


@pytest.mark.skipif(IS_ROOT or os.name == "nt", reason="root reads files regardless of mode")
def test_unreadable_file(capsys):
    put("a.py", BAD, mode=0)
    try:
        code, _, err = run(capsys)
    finally:
        os.chmod("a.py", 0o644)
    assert code == 2 and "a.py: error: permission denied" in err


@needs_symlinks
def test_symlink_cycle(capsys):
    put("pkg/a.py", BAD)
    os.makedirs(os.path.join("pkg", "sub"))
    os.symlink("..", os.path.join("pkg", "sub", "up"))
    code, out, err = run(capsys, "pkg")
    assert code == 2
    assert out.startswith("pkg/a.py:2:")
    assert "pkg/sub/up: error: symbolic link loop" in err


def test_stdin_cannot_mix_with_paths(capsys):
    code, _, err = run(capsys, "-", "a.py")
    assert code == 2 and "cannot be combined" in err


@pytest.mark.parametrize(
    "argv", [["--select", "gru-1"], ["--jobs", "0"], ["--nope"], ["--ignore", "1X"]]
)
def test_usage_errors_exit_2(capsys, argv):
    assert main(argv) == 2
    assert "usage:" in capsys.readouterr().err


# --------------------------------------------------------------------------- select / ignore / noqa


def test_select_and_ignore(capsys):
    put("a.py", "f(initial_state=h)\nf(initial_state=u_x)\nf(initial_state=None)\n")
    codes = lambda out: [line.split()[1] for line in out.splitlines()]  # noqa: E731
    assert codes(run(capsys, "--select", "GRU001,GRU003")[1]) == ["GRU001", "GRU003"]
    assert codes(run(capsys, "--ignore", "GRU001", "--ignore", "gru003")[1]) == ["GRU002"]
    assert codes(run(capsys, "--select", "GRU", "--ignore", "GRU00")[1]) == []
    assert codes(run(capsys, "--select", "GRU002", "--ignore", "GRU")[1]) == ["GRU002"]
    for flag in ("--select", "--ignore", "--extend-select"):
        code, out, err = run(capsys, flag, "GRU999")
        assert (code, out) == (2, "")
        assert "unknown rule selector 'GRU999'" in err and "GRU001, GRU002" in err
    assert codes(run(capsys, "--select", "ALL", "--ignore", "GRU001")[1]) == ["GRU002", "GRU003"]


def test_code_selected_specificity():
    assert code_selected("GRU001", (), ())
    assert not code_selected("GRU001", ("GRU002",), ())
    assert not code_selected("GRU001", (), ("GRU",))
    assert code_selected("GRU001", ("GRU001",), ("GRU",))
    assert not code_selected("GRU001", ("GRU",), ("GRU001",))
    assert not code_selected("GRU001", ("GRU0",), ("GRU0",))


def test_noqa(capsys):
    put(
        "a.py",
        "f(initial_state=h)  # noqa\nf(initial_state=k)  # noqa: GRU002\nf(initial_state=j)  # NOQA:GRU001\n",
    )
    code, out, _ = run(capsys)
    assert out.splitlines() == ["a.py:2:17: GRU001 initial_state `k` must be a list [*]"]


# --------------------------------------------------------------------------- --fix


def test_fix_rewrites_and_reports(capsys, fake_core):
    put("a.py", BAD)
    put("b.py", "f(initial_state=u_s)\n")
    put("c.py", GOOD)
    mtimes = {n: age(n) for n in ("b.py", "c.py")}
    code, out, err = run(capsys, "--fix")
    assert code == 1  # a file changed
    assert read("a.py") == BAD.replace("=h)", "=[h])").encode()
    assert out == "b.py:1:17: GRU002 initial_state `u_s` must be a list\n"
    assert err.splitlines() == [
        "a.py: fixed 1 finding",
        "Fixed 1 finding in 1 file.",
        "Found 1 finding in 1 file (1 fixable with --unsafe-fixes).",
    ]
    # Files with nothing to fix are never written.
    assert {n: os.stat(n).st_mtime_ns for n in mtimes} == mtimes
    assert read("b.py") == b"f(initial_state=u_s)\n"


def test_fix_then_clean(capsys):
    put("a.py", BAD)
    assert run(capsys, "--fix")[0] == 1
    before = age("a.py")
    assert run(capsys, "--fix") == (0, "", "No findings (1 file checked).\n")
    assert os.stat("a.py").st_mtime_ns == before


def test_fix_with_only_fixed_findings_summary(capsys):
    put("a.py", BAD)
    code, out, err = run(capsys, "--fix")
    assert (code, out) == (1, "")
    assert err == "a.py: fixed 1 finding\nFixed 1 finding in 1 file.\n"
    assert run(capsys, "--fix", "-q")[2] == ""


def test_unsafe_fixes(capsys):
    put("a.py", "f(initial_state=u_s)\ng(initial_state=h)\n")
    code, out, err = run(capsys, "--fix", "--unsafe-fixes")
    assert read("a.py") == b"f(initial_state=[u_s])\ng(initial_state=[h])\n"
    assert "a.py: fixed 2 findings" in err


@pytest.mark.parametrize(
    "raw",
    [
        b"import keras\r\nx = f(initial_state=h)\r\ny = 'caf\xc3\xa9'\r\n",
        codecs.BOM_UTF8 + b"x = f(initial_state=h)\ny = '\xc3\xa9'\n",
        codecs.BOM_UTF8 + b"x = f(initial_state=h)\r\ny = '\xc3\xa9'",
        b"# -*- coding: latin-1 -*-\r\nx = f(initial_state=h)\r\ny = '\xe9\xe8'\r\n",
        b"x = f(initial_state=h)\ry = 2\r",
        b"x = 1\n\n\nif x:\n\tf(initial_state=h)   \n\n",
    ],
    ids=["crlf", "bom", "bom-crlf-no-eol", "latin1-cookie", "cr", "whitespace"],
)
def test_fix_round_trips_bytes(capsys, raw):
    put("a.py", raw)
    assert run(capsys, "--fix")[0] == 1
    assert read("a.py") == raw.replace(b"initial_state=h", b"initial_state=[h]")


def test_fix_keeps_file_mode(capsys):
    put("a.py", BAD, mode=0o754)
    run(capsys, "--fix")
    assert stat.S_IMODE(os.stat("a.py").st_mode) == 0o754
    assert read("a.py") != BAD.encode()
    assert not [n for n in os.listdir(".") if n.endswith(".tmp")]


@needs_symlinks
def test_fix_through_symlink(capsys):
    put("real.py", BAD)
    os.symlink("real.py", "link.py")
    run(capsys, "--fix", "link.py")
    assert os.path.islink("link.py")
    assert b"[h]" in read("real.py")


def test_fix_producing_invalid_code_is_refused(capsys):
    raw = b"f(initial_state=breakme)\n"
    put("a.py", raw)
    before = age("a.py")
    code, out, err = run(capsys, "--fix")
    assert code == 2
    assert read("a.py") == raw and os.stat("a.py").st_mtime_ns == before
    assert "a.py: error: the fixed code would not parse" in err
    assert "file left unchanged" in err
    assert out.startswith("a.py:1:17: GRU001")


def test_fix_that_cannot_be_encoded_is_refused(capsys):
    raw = b"# coding: latin-1\nf(initial_state=pi)\ns = '\xe9'\n"
    put("a.py", raw)
    code, _, err = run(capsys, "--fix")
    assert code == 2
    assert read("a.py") == raw
    assert "cannot be encoded as iso-8859-1" in err


def test_fix_does_not_touch_noqa_or_unselected_findings(capsys, fake_core):
    raw = "f(initial_state=a)  # noqa\ng(initial_state=b)\nh(initial_state=c)  # noqa: GRU001\n"
    put("a.py", raw)
    code, out, err = run(capsys, "--fix")
    assert read("a.py").decode() == raw.replace("=b)", "=[b])")
    assert "a.py: fixed 1 finding" in err
    assert fake_core["fix_source"] == 1  # one fixer run, told which findings are wanted
    put("b.py", "f(initial_state=u_a)\ng(initial_state=b)\n")
    run(capsys, "--fix", "--unsafe-fixes", "--select", "GRU002", "b.py")
    assert read("b.py") == b"f(initial_state=[u_a])\ng(initial_state=b)\n"


def test_fix_uses_the_core_fixer_when_nothing_is_suppressed(capsys, fake_core):
    put("a.py", BAD)
    run(capsys, "--fix")
    assert fake_core["fix_source"] == 1


def test_fix_refuses_when_file_changes_meanwhile(capsys, monkeypatch):
    put("a.py", BAD)

    def racing_fix(source, *, unsafe=False, wanted=None, keras_version=None):
        put("a.py", BAD + "# edited meanwhile\n")
        return fake_fix_source(source, unsafe=unsafe, wanted=wanted)

    monkeypatch.setattr(core, "fix_source", racing_fix)
    code, _, err = run(capsys, "--fix")
    assert code == 2
    assert "changed while it was being fixed" in err
    assert read("a.py").endswith(b"# edited meanwhile\n")


def test_fix_syntax_error_file_untouched(capsys):
    put("a.py", "SYNTAX_ERROR initial_state=h\n")
    before = age("a.py")
    code, _, err = run(capsys, "--fix")
    assert code == 2 and "could not parse" in err
    assert os.stat("a.py").st_mtime_ns == before


# --------------------------------------------------------------------------- --diff


def test_diff_writes_nothing(capsys):
    put("a.py", BAD)
    put("b.py", GOOD)
    put("c.py", "f(initial_state=None)\n")
    before = age("a.py")
    code, out, err = run(capsys, "--diff")
    assert code == 1
    assert out == textwrap.dedent(
        """\
        --- a.py
        +++ a.py
        @@ -1,2 +1,2 @@
         import keras
        -x = keras.layers.GRU(4)(y, initial_state=h)
        +x = keras.layers.GRU(4)(y, initial_state=[h])
        """
    )
    assert err == "Would fix 1 finding in 1 file.\n"
    assert read("a.py") == BAD.encode() and os.stat("a.py").st_mtime_ns == before


def test_diff_nothing_to_change(capsys):
    put("c.py", "f(initial_state=None)\n")
    assert run(capsys, "--diff") == (0, "", "No fixes available.\n")
    put("c.py", GOOD)
    assert run(capsys, "--diff") == (0, "", "No findings (1 file checked).\n")


def test_diff_without_final_newline(capsys):
    put("a.py", "f(initial_state=h)")
    out = run(capsys, "--diff")[1]
    no_eol = "\n\\ No newline at end of file\n"
    assert out.endswith(f"-f(initial_state=h){no_eol}+f(initial_state=[h]){no_eol}")


def test_diff_and_fix_together_write_nothing(capsys):
    put("a.py", BAD)
    code, out, _ = run(capsys, "--diff", "--fix")
    assert code == 1 and out.startswith("--- a.py")
    assert read("a.py") == BAD.encode()


# --------------------------------------------------------------------------- stdin


class FakeStdin:
    def __init__(self, data: bytes):
        self.buffer = io.BytesIO(data)


def test_stdin_check(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", FakeStdin(BAD.encode()))
    code, out, err = run(capsys, "-")
    assert code == 1
    assert out == "-:2:42: GRU001 initial_state `h` must be a list [*]\n"


def test_stdin_filename(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", FakeStdin(BAD.encode()))
    code, out, _ = run(capsys, "-", "--stdin-filename", "pkg/model.py")
    assert out.startswith("pkg/model.py:2:42: GRU001")
    monkeypatch.setattr(sys, "stdin", FakeStdin(BAD.encode()))
    code, out, _ = run(capsys, "--stdin-filename", "m.py")  # no path: stdin implied
    assert out.startswith("m.py:2:42: GRU001")


def test_stdin_fix_writes_source_to_stdout(capsysbinary, monkeypatch):
    raw = codecs.BOM_UTF8 + b"f(initial_state=h)\r\ng(initial_state=u_x)\r\n"
    monkeypatch.setattr(sys, "stdin", FakeStdin(raw))
    code = main(["-", "--fix", "--no-cache"])
    out, err = capsysbinary.readouterr()
    assert code == 1
    assert out == raw.replace(b"=h)", b"=[h])")
    assert b"-:2:17: GRU002" in err and b"-: fixed 1 finding" in err


@pytest.mark.parametrize(
    "raw", [b"print('unrelated')\n", b"f(initial_state=None)\n", b"SYNTAX_ERROR\n", b""]
)
def test_stdin_fix_echoes_input_when_nothing_is_fixed(capsysbinary, monkeypatch, raw):
    monkeypatch.setattr(sys, "stdin", FakeStdin(raw))
    main(["-", "--fix", "--no-cache"])
    assert capsysbinary.readouterr().out == raw


def test_stdin_diff(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", FakeStdin(b"f(initial_state=h)\n"))
    code, out, _ = run(capsys, "-", "--diff")
    assert code == 1 and out.startswith("--- -\n+++ -\n")


# --------------------------------------------------------------------------- cache


def test_cache_hit_skips_the_core(capsys, fake_core):
    put("a.py", BAD)
    put("b.py", GOOD)
    first = run(capsys, cache=True)
    assert fake_core["check_source"] == 1
    assert os.path.isfile(os.path.join(".gru_lint_cache", ".gitignore"))
    second = run(capsys, cache=True)
    assert second == first
    assert fake_core["check_source"] == 1
    run(capsys)  # --no-cache
    assert fake_core["check_source"] == 2
    put("a.py", BAD + "\n")
    run(capsys, cache=True)
    assert fake_core["check_source"] == 3


def test_cache_respects_noqa_and_select_changes(capsys):
    put("a.py", BAD)
    assert run(capsys, cache=True)[0] == 1
    assert run(capsys, "--ignore", "GRU001", cache=True)[0] == 0


def test_cache_dir_flag_and_env(capsys, monkeypatch, tmp_path, fake_core):
    put("a.py", BAD)
    run(capsys, "--cache-dir", "elsewhere", cache=True)
    assert os.path.isdir("elsewhere") and not os.path.exists(".gru_lint_cache")
    monkeypatch.setenv("GRU_LINT_CACHE_DIR", str(tmp_path / "from_env"))
    run(capsys, cache=True)
    assert os.path.isdir(tmp_path / "from_env")
    assert fake_core["check_source"] == 2
    run(capsys, cache=True)
    assert fake_core["check_source"] == 2


def test_cache_dir_is_not_walked(capsys):
    put("a.py", BAD)
    run(capsys, cache=True)
    assert all(
        not line.startswith(".gru_lint_cache") for line in run(capsys, cache=True)[1].splitlines()
    )


def test_corrupt_cache_is_recomputed(capsys, fake_core):
    put("a.py", BAD)
    first = run(capsys, cache=True)
    for root, _dirs, files in os.walk(".gru_lint_cache"):
        for name in files:
            if name.endswith(".json"):
                with open(os.path.join(root, name), "w") as fh:
                    fh.write("{garbage")
    assert run(capsys, cache=True) == first
    assert fake_core["check_source"] == 2


def test_prefilter_rejected_files_get_no_cache_entry(capsys):
    put("a.py", GOOD)
    run(capsys, cache=True)
    assert not os.path.exists(".gru_lint_cache")


def test_fix_uses_and_refreshes_the_cache(capsys, fake_core):
    put("a.py", "f(initial_state=a)  # noqa\ng(initial_state=b)\n")
    run(capsys, cache=True)
    assert fake_core["check_source"] == 1
    run(capsys, "--fix", cache=True)  # check result from the cache; the fixer runs once
    assert fake_core["check_source"] == 1 and fake_core["fix_source"] == 1
    assert run(capsys, cache=True)[0] == 0  # the fixed bytes were cached too
    assert fake_core["check_source"] == 1


# --------------------------------------------------------------------------- parallel


@pytest.fixture
def fork_pool(monkeypatch):
    """Worker processes must inherit the fake core, so they are forked whatever the default."""
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("needs the fork start method")
    monkeypatch.setattr(pool, "_mp_context", lambda: multiprocessing.get_context("fork"))


def test_pool_matches_serial(capsys, fake_core, fork_pool):
    for i in range(6):
        put(f"m{i}.py", f"f(initial_state=h{i})\n" * (i + 1))
    put("z.py", "SYNTAX_ERROR\n")
    serial = run(capsys, jobs=1)
    assert fake_core["check_source"] == 7
    parallel = run(capsys, jobs=4)
    assert parallel == serial
    assert serial[0] == 2
    # Only the first file ran here; the other six ran in worker processes.
    assert fake_core["check_source"] == 8


def test_pool_fix(capsys, fork_pool):
    for i in range(5):
        put(f"m{i}.py", f"f(initial_state=h{i})\n")
    code, _, err = run(capsys, "--fix", jobs=3)
    assert code == 1
    assert all(read(f"m{i}.py") == f"f(initial_state=[h{i}])\n".encode() for i in range(5))
    assert "Fixed 5 findings in 5 files." in err


def test_worker_crash_is_an_error_not_a_hang(capsys, fork_pool):
    put("a.py", BAD)
    put("b.py", BAD)
    put("c.py", "initial_state CRASH_WORKER\n")
    put("d.py", BAD)
    code, out, err = run(capsys, jobs=2)
    assert code == 2
    # The first file runs in the main process; the files the crash took down with
    # it are run again, each on its own, so only the culprit is an error.
    assert [line.split(":")[0] for line in out.splitlines()] == ["a.py", "b.py", "d.py"]
    assert err.splitlines()[0] == "c.py: error: internal error: worker failed: BrokenProcessPool"


# --------------------------------------------------------------------------- apply_fixes


def d(code, start, end, text, applicability=Applicability.SAFE):
    return Diagnostic(
        code, "m", Span(1, start, 1, end), Fix("t", (Edit(start, end, text),), applicability)
    )


def test_apply_fixes_skips_overlaps():
    text = "abcdefghij"
    new, n = apply_fixes(text, [d("A", 2, 4, "XX"), d("B", 3, 5, "YY"), d("C", 8, 8, "!")])
    assert (new, n) == ("abXXefgh!ij", 2)


def test_apply_fixes_rejects_out_of_range_and_same_point_inserts():
    assert apply_fixes("abc", [d("A", 2, 9, "X")]) == ("abc", 0)
    assert apply_fixes("abc", [d("A", 1, 1, "X"), d("B", 1, 1, "Y")]) == ("aXbc", 1)
    two = Diagnostic("A", "m", Span(1, 0, 1, 1), Fix("t", (Edit(0, 2, "X"), Edit(1, 3, "Y"))))
    assert apply_fixes("abcd", [two]) == ("abcd", 0)
    assert apply_fixes("abc", [Diagnostic("A", "m", Span(1, 0, 1, 1))]) == ("abc", 0)


def test_apply_fixes_adjacent_edits():
    assert apply_fixes("abc", [d("A", 0, 1, "X"), d("B", 1, 2, "Y"), d("C", 3, 3, "!")]) == (
        "XYc!",
        3,
    )


def test_settings_pickle():
    import pickle

    s = pickle.loads(pickle.dumps(Settings("fix", True, ("GRU",), ("GRU001",), True)))
    assert (s.mode, s.unsafe, s.select, s.ignore, s.show_source) == (
        "fix",
        True,
        ("GRU",),
        ("GRU001",),
        True,
    )
    assert "mode='fix'" in repr(s)


# --------------------------------------------------------------------------- informational flags


@pytest.fixture
def fake_rules(monkeypatch):
    info = types.SimpleNamespace
    module = types.ModuleType("gru_lint.rules")
    module.RULES = {
        "GRU002": info(
            code="GRU002", name="state-rank", summary="initial_state has the wrong rank"
        ),
        "GRU001": info(code="GRU001", name="state-not-list", summary="initial_state is not a list"),
    }
    docs = {"GRU001": "GRU001 (state-not-list)\n\nLong text.", "GRU002": "GRU002\n"}
    module.explain = lambda code: docs.get(code)
    monkeypatch.setitem(sys.modules, "gru_lint.rules", module)
    monkeypatch.setattr(gru_lint, "rules", module, raising=False)
    return module


def test_explain(capsys, fake_rules):
    assert main(["--explain", "GRU001"]) == 0
    assert capsys.readouterr().out == "GRU001 (state-not-list)\n\nLong text.\n"
    assert main(["--explain", "gru002"]) == 0
    assert capsys.readouterr().out == "GRU002\n"


def test_explain_unknown(capsys, fake_rules):
    assert main(["--explain", "GRU999"]) == 2
    assert "unknown rule code or name: GRU999" in capsys.readouterr().err


def test_explain_and_list_without_rules_module(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "gru_lint.rules", None)  # makes the import fail
    monkeypatch.delattr(gru_lint, "rules", raising=False)
    assert main(["--explain", "GRU001"]) == 2
    assert main(["--list-rules"]) == 2


def test_list_rules(capsys, fake_rules):
    assert main(["--list-rules"]) == 0
    assert capsys.readouterr().out == (
        "GRU001  state-not-list  none  initial_state is not a list\n"
        "GRU002  state-rank      none  initial_state has the wrong rank\n"
    )


def test_version_and_help(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"gru-lint {gru_lint.__version__}\n"
    assert main(["-q", "--version"]) == 0
    assert capsys.readouterr().out == f"gru-lint {gru_lint.__version__}\n"
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for flag in (
        "--fix",
        "--unsafe-fixes",
        "--diff",
        "--select",
        "--ignore",
        "--exclude",
        "--no-gitignore",
        "--jobs",
        "--no-cache",
        "--cache-dir",
        "--explain",
        "--list-rules",
        "--stdin-filename",
        "--quiet",
    ):
        assert flag in out


def test_exclude_and_gitignore_flags(capsys):
    put("a.py", BAD)
    put("gen/b.py", BAD)
    put(".gitignore", "gen/\n")
    assert [line.split(":")[0] for line in run(capsys)[1].splitlines()] == ["a.py"]
    assert [line.split(":")[0] for line in run(capsys, "--no-gitignore")[1].splitlines()] == [
        "a.py",
        "gen/b.py",
    ]
    assert run(capsys, "--no-gitignore", "--exclude", "gen,a.py")[0] == 0


# --------------------------------------------------------------------------- real processes


def run_process(args, cwd, fake=False, stdin=b""):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([REPO, TESTS, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.pop("GRU_LINT_CACHE_DIR", None)
    if fake:
        cmd = [
            sys.executable,
            "-c",
            "import runpy, test_cli; test_cli.install_fake_core(); "
            "runpy.run_module('gru_lint', run_name='__main__', alter_sys=True)",
        ]
    else:
        cmd = [sys.executable, "-m", "gru_lint"]
    return subprocess.run(
        cmd + list(args), cwd=str(cwd), env=env, input=stdin, capture_output=True, timeout=120
    )


def test_process_version(tmp_path):
    proc = run_process(["--version"], tmp_path)
    assert proc.returncode == 0
    assert proc.stdout.decode().strip() == f"gru-lint {gru_lint.__version__}"


def test_process_missing_path_exit_2(tmp_path):
    proc = run_process(["nowhere"], tmp_path)
    assert proc.returncode == 2
    assert b"nowhere: error: no such file or directory" in proc.stderr


def test_process_usage_error_exit_2(tmp_path):
    assert run_process(["--bogus"], tmp_path).returncode == 2


def test_process_empty_tree_exit_0(tmp_path):
    (tmp_path / "sub").mkdir()
    proc = run_process(["sub"], tmp_path)
    assert (proc.returncode, proc.stdout) == (0, b"")


def test_process_findings_and_errors(tmp_path):
    (tmp_path / "a.py").write_bytes(BAD.encode())
    proc = run_process(["--no-cache"], tmp_path, fake=True)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == b"a.py:2:42: GRU001 initial_state `h` must be a list [*]\n"
    (tmp_path / "b.py").write_bytes(b"SYNTAX_ERROR\n")
    proc = run_process(["--no-cache"], tmp_path, fake=True)
    assert proc.returncode == 2
    assert b"b.py:2:3: error: could not parse: invalid syntax" in proc.stderr
    (tmp_path / "b.py").unlink()
    proc = run_process(["--fix"], tmp_path, fake=True)
    assert proc.returncode == 1
    assert (tmp_path / "a.py").read_bytes() == BAD.replace("=h)", "=[h])").encode()
    proc = run_process([], tmp_path, fake=True)
    assert proc.returncode == 0
    assert (tmp_path / ".gru_lint_cache" / ".gitignore").read_text() == "*\n"


def test_process_stdin_fix(tmp_path):
    proc = run_process(["--fix", "-"], tmp_path, fake=True, stdin=b"f(initial_state=h)\r\n")
    assert proc.returncode == 0  # nothing remains (as ruff)
    assert proc.stdout == b"f(initial_state=[h])\r\n"
    proc = run_process(
        ["--fix", "--exit-non-zero-on-fix", "-"], tmp_path, fake=True, stdin=b"f(initial_state=h)\n"
    )
    assert proc.returncode == 1
    proc = run_process(["--fix", "-"], tmp_path, fake=True, stdin=b"f(initial_state=None)\n")
    assert proc.returncode == 1  # a finding remains


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers fork only on Linux")
def test_process_parallel(tmp_path):
    for i in range(5):
        (tmp_path / f"m{i}.py").write_text(f"f(initial_state=h{i})\n")
    proc = run_process(["--jobs", "3", "--no-cache"], tmp_path, fake=True)
    assert proc.returncode == 1
    assert proc.stdout.decode().splitlines() == [
        f"m{i}.py:1:17: GRU001 initial_state `h{i}` must be a list [*]" for i in range(5)
    ]


def test_cli_module_import_is_light():
    code = (
        "import sys; import gru_lint.cli, gru_lint.__main__, gru_lint.runner, gru_lint.output; "
        "heavy = [m for m in ('libcst', 'tensorflow', 'keras', 'dataclasses', 'typing', "
        "'argparse', 'multiprocessing', 'concurrent.futures', 'json', 'hashlib', 'difflib', "
        "'tokenize') "
        "if m in sys.modules]; print(heavy)"
    )
    env = dict(os.environ, PYTHONPATH=REPO)
    proc = subprocess.run(
        [sys.executable, "-S", "-c", code], env=env, capture_output=True, timeout=60
    )
    assert proc.stdout.decode().strip() == "[]", proc.stderr


def test_no_process_support_falls_back_to_serial(capsys, monkeypatch):
    def no_pool(tasks, workers):
        raise OSError(38, "Function not implemented")
        yield  # pragma: no cover

    monkeypatch.setattr(pool, "_run_in_pool", no_pool)
    for i in range(4):
        put(f"m{i}.py", f"f(initial_state=h{i})\n")
    code, out, _ = run(capsys, jobs=4)
    assert code == 1 and len(out.splitlines()) == 4


def test_selective_fix_that_breaks_the_code_is_refused(capsys):
    raw = b"f(initial_state=breakme)\ng(initial_state=a)  # noqa\n"
    put("a.py", raw)
    code, _, err = run(capsys, "--fix")
    assert code == 2 and "the fixed code would not parse" in err
    assert read("a.py") == raw


def test_fixer_stopping_early_is_reported(capsys, monkeypatch):
    put("a.py", BAD)

    def partial_fix(source, *, unsafe=False, wanted=None, keras_version=None):
        full = fake_fix_source(source, unsafe=unsafe)
        return types.SimpleNamespace(
            text=full.text,
            applied=full.applied,
            remaining=full.remaining,
            error="round 2 would not parse:\n  line 3",
        )

    monkeypatch.setattr(core, "fix_source", partial_fix)
    code, _, err = run(capsys, "--fix")
    assert code == 2
    assert "a.py: error: some fixes were not applied: round 2 would not parse: line 3" in err
    assert read("a.py") == BAD.replace("=h)", "=[h])").encode()  # what did parse is kept


def test_apply_fixes_shares_identical_edits():
    imp = Edit(0, 0, "import numpy as np\n")
    one = Diagnostic("A", "m", Span(1, 0, 1, 1), Fix("t", (imp, Edit(2, 3, "X"))))
    two = Diagnostic("B", "m", Span(1, 4, 1, 5), Fix("t", (imp, Edit(4, 5, "Y"))))
    assert apply_fixes("a b c", [one, two]) == ("import numpy as np\na X Y", 2)


def test_unreadable_file_even_as_root(capsys, monkeypatch):
    from gru_lint import sourcefile

    put("a.py", BAD)
    put("b.py", BAD)
    real_open = open

    def guarded(path, *args, **kwargs):
        if os.path.basename(os.fspath(path)) == "a.py":
            raise PermissionError(13, "Permission denied", path)
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(sourcefile, "open", guarded, raising=False)
    code, out, err = run(capsys)
    assert code == 2
    assert err.splitlines()[0] == "a.py: error: permission denied"
    assert out.startswith("b.py:2:")


def test_fix_write_failure_is_an_error(capsys, monkeypatch):
    from gru_lint import sourcefile

    def full_disk(path, data, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(sourcefile, "write_atomic", full_disk)
    put("a.py", BAD)
    code, out, err = run(capsys, "--fix")
    assert code == 2
    assert "a.py: error: could not write the fixed file: No space left on device" in err
    assert "fixed" not in err.replace("the fixed file", "")
    assert out.startswith("a.py:2:42: GRU001")
    assert read("a.py") == BAD.encode()
