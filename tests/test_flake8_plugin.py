"""The flake8 plugin against the ``gru-lint`` command, both run for real.

flake8 runs in a subprocess (``python -m flake8``) with the plugin found through
its entry point, exactly as users get it, and its output is compared with that
of ``python -m gru_lint`` on the same files.

Equality rules between the two outputs:

* the same set of findings: identical path, line, column (flake8 prints the
  plugin's 0-based column plus one, the command prints ``span.col + 1``), code
  and message;
* a message may differ only in its trailing fix marker: the command appends
  `` [*]`` when the fix applies with its current flags, the plugin appends
  ``FIXABLE_SAFE`` (safe fix) or ``FIXABLE_UNSAFE`` (unsafe fix) whatever the
  flags. Without ``--unsafe-fixes`` the command's `` [*]`` appears exactly on
  the findings the plugin marks ``FIXABLE_SAFE``; with it, on every finding the
  plugin marks at all;
* ordering is not compared (flake8 sorts by line and column only).

The configuration text used here is read from the README.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path

import pytest
from readme_snippets import snippet

from gru_lint.core import check_source
from gru_lint.flake8_plugin import FIXABLE_SAFE, FIXABLE_UNSAFE, GruLintChecker, fix_marker

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FIXTURE_DIR = HERE / "fixtures"

pytest.importorskip("flake8", reason="flake8 is not installed")

LINE_RE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<code>[A-Z]+[0-9]+) (?P<text>.*)$")
CLI_MARK = " [*]"
PLUGIN_MARKS = (FIXABLE_SAFE, FIXABLE_UNSAFE)


# --------------------------------------------------------------------------- helpers


def _env():
    env = dict(os.environ)
    env.pop("FLAKE8_CONFIG", None)
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def run(args, cwd, stdin=None):
    return subprocess.run(
        [sys.executable, *args],
        cwd=str(cwd),
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=_env(),
        timeout=300,
    )


def flake8(*args, cwd):
    """Most tests pass ``--isolated`` so that no user or project configuration leaks in."""
    return run(["-m", "flake8", *args], cwd)


def gru_lint(*args, cwd):
    return run(["-m", "gru_lint", "--no-cache", *args], cwd)


def parse(output: str):
    """(path, line, col, code, text) for every finding line of ``output``."""
    found = []
    for raw in output.splitlines():
        match = LINE_RE.match(raw)
        if match:
            found.append(
                (match["path"], int(match["line"]), int(match["col"]), match["code"], match["text"])
            )
    return found


def strip_cli_mark(text: str):
    return (text[: -len(CLI_MARK)], True) if text.endswith(CLI_MARK) else (text, False)


def strip_plugin_mark(text: str):
    for mark in PLUGIN_MARKS:
        if text.endswith(mark):
            return text[: -len(mark)], mark
    return text, ""


def assert_same_findings(flake8_out: str, cli_out: str, *, unsafe: bool = False):
    """Apply the equality rules of the module docstring; return the plugin's findings."""
    plugin = [f for f in parse(flake8_out) if f[3].startswith("GRU")]
    cli = parse(cli_out)
    plugin_bare = Counter()
    plugin_marks = {}
    for path, line, col, code, text in plugin:
        bare, mark = strip_plugin_mark(text)
        plugin_bare[path, line, col, code, bare] += 1
        plugin_marks[path, line, col, code, bare] = mark
    cli_bare = Counter()
    cli_marks = {}
    for path, line, col, code, text in cli:
        bare, marked = strip_cli_mark(text)
        cli_bare[path, line, col, code, bare] += 1
        cli_marks[path, line, col, code, bare] = marked
    assert plugin_bare == cli_bare, (
        f"only from flake8: {sorted((plugin_bare - cli_bare).elements())}\n"
        f"only from gru-lint: {sorted((cli_bare - plugin_bare).elements())}"
    )
    for key, mark in plugin_marks.items():
        expected = bool(mark) if unsafe else mark == FIXABLE_SAFE
        assert cli_marks[key] == expected, (key, mark, cli_marks[key])
    return plugin


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- files

BUGGY_GRU = '''
    import numpy as np
    import keras

    x = np.zeros((4, 5, 3), "float32")
    h = np.zeros((6,), "float32")
    gru = keras.layers.GRU(6)
    y = gru(x, initial_state=h)
'''

LSTM_ONE_TENSOR = '''
    import numpy as np
    from keras import layers

    x = np.zeros((2, 7, 3), "float32")
    h = np.zeros((2, 8), "float32")
    out = layers.LSTM(8)(x, initial_state=h)
'''

CLEAN_MODEL = '''
    import numpy as np
    import keras

    x = np.zeros((4, 5, 3), "float32")
    h = np.zeros((4, 6), "float32")
    c = np.zeros((4, 6), "float32")
    y = keras.layers.GRU(6)(x, initial_state=h)
    z = keras.layers.LSTM(6)(x, initial_state=[h, c])
'''

SYNTAX_ERROR = '''
    import keras

    layer = keras.layers.GRU(4)
    out = layer(x, initial_state=[h
'''

NOT_KERAS = '''
    import numpy as np

    def initial_state(n):
        return np.zeros((n,))

    print(initial_state(3))
'''

NOQA = '''
    import numpy as np
    import keras

    x = np.zeros((4, 5, 3), "float32")
    h = np.zeros((6,), "float32")
    gru = keras.layers.GRU(6)
    a = gru(x, initial_state=h)  # noqa
    b = gru(x, initial_state=h)  # noqa: GRU001
    c = gru(x, initial_state=h)  # noqa:GRU0
    d = gru(x, initial_state=h)  # noqa: E501
    e = gru(x, initial_state=h)
'''


@pytest.fixture
def project(tmp_path):
    files = {
        "buggy_gru.py": BUGGY_GRU,
        "lstm_one_tensor.py": LSTM_ONE_TENSOR,
        "clean_model.py": CLEAN_MODEL,
        "not_keras.py": NOT_KERAS,
    }
    for name, text in files.items():
        write(tmp_path, name, text)
    return tmp_path


def fixture_files():
    return sorted(str(p) for p in FIXTURE_DIR.rglob("*.py"))


# --------------------------------------------------------------------------- discovery


def test_flake8_version_lists_the_plugin(tmp_path):
    import gru_lint

    result = flake8("--version", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"gru-lint: {gru_lint.__version__}" in result.stdout


def test_plugin_identity():
    import gru_lint

    assert GruLintChecker.name == "gru-lint"
    assert GruLintChecker.version == gru_lint.__version__


# --------------------------------------------------------------------------- same findings as the CLI


def test_written_files_match_cli(project):
    names = sorted(p.name for p in project.glob("*.py"))
    f8 = flake8("--isolated", "--select", "GRU", *names, cwd=project)
    cli = gru_lint(*names, cwd=project)
    assert "Traceback" not in f8.stderr, f8.stderr
    plugin = assert_same_findings(f8.stdout, cli.stdout)
    by_file = Counter(f[0] for f in plugin)
    assert by_file["buggy_gru.py"] >= 1
    assert by_file["lstm_one_tensor.py"] >= 1
    assert by_file["clean_model.py"] == 0
    assert by_file["not_keras.py"] == 0
    assert (f8.returncode == 0) == (cli.returncode == 0) == (not plugin)
    codes = {(f[0], f[1], f[3]) for f in plugin}
    assert ("buggy_gru.py", 7, "GRU001") in codes
    assert ("lstm_one_tensor.py", 6, "GRU005") in codes


def test_buggy_gru_position(project):
    f8 = flake8("--isolated", "--select", "GRU", "buggy_gru.py", cwd=project)
    diags = check_source((project / "buggy_gru.py").read_text(encoding="utf-8"), "buggy_gru.py")
    expected = {(d.span.line, d.span.col + 1, d.code, d.message + fix_marker(d)) for d in diags}
    found = {(line, col, code, text) for _, line, col, code, text in parse(f8.stdout)}
    assert found == expected


@pytest.mark.skipif(not fixture_files(), reason="no fixture files yet")
def test_fixture_files_match_cli():
    files = [os.path.relpath(p, ROOT) for p in fixture_files()]
    f8 = flake8("--isolated", "--select", "GRU", *files, cwd=ROOT)
    cli = gru_lint(*files, cwd=ROOT)
    assert "Traceback" not in f8.stderr, f8.stderr
    assert_same_findings(f8.stdout, cli.stdout)


@pytest.mark.skipif(not fixture_files(), reason="no fixture files yet")
def test_fixture_files_match_cli_with_unsafe_fixes():
    files = [os.path.relpath(p, ROOT) for p in fixture_files()]
    f8 = flake8("--isolated", "--select", "GRU", *files, cwd=ROOT)
    cli = gru_lint("--unsafe-fixes", *files, cwd=ROOT)
    assert_same_findings(f8.stdout, cli.stdout, unsafe=True)


def test_stdin_matches_file(project):
    """Editors pipe the buffer: ``flake8 --stdin-display-name NAME -``."""
    source = (project / "buggy_gru.py").read_text(encoding="utf-8")
    from_stdin = run(
        ["-m", "flake8", "--isolated", "--select", "GRU", "--stdin-display-name", "buggy_gru.py", "-"],
        project,
        stdin=source,
    )
    from_file = flake8("--isolated", "--select", "GRU", "buggy_gru.py", cwd=project)
    assert parse(from_stdin.stdout) == parse(from_file.stdout) != []


# --------------------------------------------------------------------------- selection and noqa


def test_select_and_extend_ignore(project):
    selected = parse(flake8("--isolated", "--select", "GRU", "buggy_gru.py", cwd=project).stdout)
    assert {f[3] for f in selected} == {"GRU001"}
    everything = parse(flake8("--isolated", "buggy_gru.py", cwd=project).stdout)
    assert set(selected) <= set(everything)
    ignored = flake8("--isolated", "--extend-ignore", "GRU001", "buggy_gru.py", cwd=project)
    assert not [f for f in parse(ignored.stdout) if f[3] == "GRU001"]
    only_e = parse(flake8("--isolated", "--select", "E", "buggy_gru.py", cwd=project).stdout)
    assert not [f for f in only_e if f[3].startswith("GRU")]


def test_noqa(tmp_path):
    write(tmp_path, "noqa.py", NOQA)
    f8 = flake8("--isolated", "--select", "GRU", "noqa.py", cwd=tmp_path)
    found = {(f[1], f[3]) for f in parse(f8.stdout)}
    # bare noqa, noqa: GRU001 and noqa: GRU0 (a prefix) silence; noqa: E501 does not
    assert found == {(10, "GRU001"), (11, "GRU001")}
    assert_same_findings(f8.stdout, gru_lint("noqa.py", cwd=tmp_path).stdout)
    disabled = flake8("--isolated", "--select", "GRU", "--disable-noqa", "noqa.py", cwd=tmp_path)
    assert len(parse(disabled.stdout)) == 5


NOQA_CONTINUED = '''
    import numpy as np
    import keras

    x = np.zeros((4, 5, 3), "float32")
    h = np.zeros((6,), "float32")
    gru = keras.layers.GRU(6)
    a = gru(x, initial_state=h, name="""a
    b""")  # noqa: GRU001
    b = gru(x, initial_state=h) if x is not None else \\
        None  # noqa: GRU001
    c = gru(
        x, initial_state=h,
    )  # noqa: GRU001
'''


def test_noqa_on_continued_lines_matches_cli(tmp_path):
    write(tmp_path, "continued.py", NOQA_CONTINUED)
    f8 = flake8("--isolated", "--select", "GRU", "continued.py", cwd=tmp_path)
    # flake8: a and b are silenced, c (inside brackets, noqa on another line) is not
    assert {f[1] for f in parse(f8.stdout)} == {12}
    assert_same_findings(f8.stdout, gru_lint("continued.py", cwd=tmp_path).stdout)


FILE_NOQA_BODY = '''
    import numpy as np
    import keras

    x = np.zeros((4, 5, 3), "float32")
    h = np.zeros((6,), "float32")
    hb = np.zeros((4, 6), "float32")
    a = keras.layers.GRU(6)(x, initial_state=h)
    b = keras.layers.LSTM(6)(x, initial_state=hb)
'''


@pytest.mark.parametrize(
    "directive, left",
    [
        ("# gru-lint: noqa", "none"),
        ("# gru-lint: noqa: GRU001", "all but GRU001"),
        ("# flake8: noqa", "none"),
        ("# GRU-LINT: NOQA: GRU0", "none"),
        ("x = 1  # gru-lint: noqa", "all"),  # not on a line of its own: no effect
        ("# gru-lint: noqa: GRU999", "all"),  # an unknown code silences nothing else
    ],
)
def test_file_level_noqa_same_in_plugin_and_cli(tmp_path, directive, left):
    write(tmp_path, "plain.py", FILE_NOQA_BODY)
    all_codes = {f[3] for f in parse(gru_lint("plain.py", cwd=tmp_path).stdout)}
    assert "GRU001" in all_codes and len(all_codes) >= 2
    text = directive + "\n" + textwrap.dedent(FILE_NOQA_BODY).lstrip("\n")
    (tmp_path / "m.py").write_text(text, encoding="utf-8")
    f8 = flake8("--isolated", "--select", "GRU", "m.py", cwd=tmp_path)
    cli = gru_lint("m.py", cwd=tmp_path)
    assert_same_findings(f8.stdout, cli.stdout)
    found = {f[3] for f in parse(cli.stdout)}
    expected = {"none": set(), "all": all_codes, "all but GRU001": all_codes - {"GRU001"}}
    assert found == expected[left]


# --------------------------------------------------------------------------- errors


def test_syntax_error_is_flake8s_e999(tmp_path):
    write(tmp_path, "broken.py", SYNTAX_ERROR)
    f8 = flake8("--isolated", "broken.py", cwd=tmp_path)
    assert f8.returncode == 1
    assert "Traceback" not in f8.stderr and "Traceback" not in f8.stdout
    codes = [f[3] for f in parse(f8.stdout)]
    assert "E999" in codes
    assert not [c for c in codes if c.startswith("GRU")]
    cli = gru_lint("broken.py", cwd=tmp_path)
    assert cli.returncode == 2
    assert not parse(cli.stdout)


GARBAGE = [
    [],
    [""],
    ["\x00\x00keras initial_state\n"],
    ["import keras\n", "keras.layers.GRU(4)(x, initial_state=[h\n"],
    ["import keras\n", "y = keras.layers.GRU(4)(x, initial_state=" + "[" * 5000 + "]" * 5000 + ")\n"],
    ["import keras\n", "x = " + "(" * 300 + "1" + ")" * 300 + "\n", "keras.layers.GRU(2)(x, initial_state=x)\n"],
    ["\ufeffimport keras\r\n", "keras.layers.LSTM(2)(x, initial_state=1)\r\n"],
    ["import keras\n", "\tkeras.layers.GRU(2)(x,\tinitial_state=[])\n"],
    ["import keras\n", "keras.layers.GRU(u)(x, initial_state=keras.ops.zeros(()))\n"],
    [b"import keras\n", b"initial_state\n"],  # not text at all
    None,
    [None, 3],
]


@pytest.mark.parametrize("lines", GARBAGE, ids=range(len(GARBAGE)))
def test_checker_never_raises(lines):
    checker = GruLintChecker(None, lines, "garbage.py")
    results = list(checker.run())
    for line, col, text, kind in results:
        assert isinstance(line, int) and isinstance(col, int)
        assert re.match(r"GRU\d{3} ", text)
        assert kind is GruLintChecker


def test_checker_swallows_internal_errors(monkeypatch):
    import gru_lint.core

    def boom(source, path="<string>"):
        raise RuntimeError("internal failure")

    monkeypatch.setattr(gru_lint.core, "check_source", boom)
    lines = BUGGY_GRU.splitlines(keepends=True)
    assert list(GruLintChecker(None, lines, "x.py").run()) == []


def test_checker_skips_files_the_prefilter_rejects(monkeypatch):
    import gru_lint.core

    def unexpected(source, path="<string>"):
        raise AssertionError("check_source called on a file that cannot matter")

    monkeypatch.setattr(gru_lint.core, "check_source", unexpected)
    lines = textwrap.dedent(NOT_KERAS).splitlines(keepends=True)
    assert list(GruLintChecker(None, lines, "n.py").run()) == []


@pytest.mark.parametrize("text", [BUGGY_GRU, LSTM_ONE_TENSOR, NOQA], ids=["gru", "lstm", "noqa"])
def test_checker_reports_what_check_source_reports(text):
    source = textwrap.dedent(text).lstrip("\n")
    diags = check_source(source, "m.py")
    assert diags
    got = list(GruLintChecker(None, source.splitlines(keepends=True), "m.py").run())
    assert [(line, col, text) for line, col, text, _ in got] == [
        (d.span.line, d.span.col, f"{d.code} {d.message}{fix_marker(d)}") for d in diags
    ]


def test_fix_marker_wording():
    from gru_lint.diagnostics import Applicability, Diagnostic, Edit, Fix, Span

    span = Span(1, 0, 1, 1)
    safe = Diagnostic("GRU001", "m", span, Fix("t", (Edit(0, 1, "x"),), Applicability.SAFE))
    unsafe = Diagnostic("GRU001", "m", span, Fix("t", (Edit(0, 1, "x"),), Applicability.UNSAFE))
    empty = Diagnostic("GRU001", "m", span, Fix("t", (), Applicability.SAFE))
    assert fix_marker(safe) == FIXABLE_SAFE == " [fixable: gru-lint --fix]"
    assert fix_marker(unsafe) == FIXABLE_UNSAFE == " [fixable: gru-lint --fix --unsafe-fixes]"
    assert fix_marker(empty) == ""
    assert fix_marker(Diagnostic("GRU001", "m", span)) == ""


# --------------------------------------------------------------------------- import cost


def test_importing_the_plugin_is_cheap():
    code = (
        "import sys, gru_lint.flake8_plugin\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] == 'libcst'"
        " or m.startswith(('gru_lint.core', 'gru_lint.analysis', 'gru_lint.rules')))\n"
        "print(heavy)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


# --------------------------------------------------------------------------- documented configuration


def test_documented_flake8_config(project):
    config = snippet("flake8-config")
    (project / "setup.cfg").write_text(config, encoding="utf-8")
    names = sorted(p.name for p in project.glob("*.py"))
    result = flake8(*names, cwd=project)
    assert_same_findings(result.stdout, gru_lint(*names, cwd=project).stdout)
    assert any(f[3].startswith("GRU") for f in parse(result.stdout))
    # extend-select brings GRU back when the project's select leaves it out
    (project / "setup.cfg").write_text(config + "select = F\n", encoding="utf-8")
    narrowed = parse(flake8(*names, cwd=project).stdout)
    assert all(f[3].startswith(("GRU", "F")) for f in narrowed), narrowed
    assert any(f[3] == "GRU001" for f in narrowed)
    (project / "setup.cfg").write_text("[flake8]\nselect = F\n", encoding="utf-8")
    assert not [f for f in parse(flake8(*names, cwd=project).stdout) if f[3].startswith("GRU")]


# The format Microsoft's Flake8 extension passes and the expression it parses with.
VSCODE_FORMAT = "--format='%(row)d,%(col)d,%(code).1s,%(code)s:%(text)s'"
VSCODE_RE = re.compile(r"(?P<line>\d+),(?P<column>-?\d+),(?P<type>\w+),(?P<code>\w+\d+):(?P<message>[^\r\n]*)")


@pytest.mark.parametrize("use_stdin", [False, True], ids=["path", "stdin"])
def test_documented_vscode_settings(project, use_stdin):
    settings = json.loads(snippet("vscode-settings"))
    assert settings["flake8.importStrategy"] == "fromEnvironment"
    (project / "setup.cfg").write_text("[flake8]\nselect = F\n", encoding="utf-8")
    path = str(project / "buggy_gru.py")
    argv = ["-m", "flake8", VSCODE_FORMAT, *settings["flake8.args"]]
    if use_stdin:
        argv += ["--stdin-display-name", path, "-"]
        stdin = Path(path).read_text(encoding="utf-8").replace("\r\n", "\n")
    else:
        argv += [path]
        stdin = None
    result = run(argv, project, stdin=stdin)
    diagnostics = []
    for line in result.stdout.splitlines():
        if line.startswith("'") and line.endswith("'"):
            line = line[1:-1]
        match = VSCODE_RE.match(line)
        if match:
            diagnostics.append(match.groupdict())
    gru = [d for d in diagnostics if d["code"].startswith("GRU")]
    expected = check_source(Path(path).read_text(encoding="utf-8"), path)
    assert [(int(d["line"]), int(d["column"]), d["code"]) for d in gru] == [
        (e.span.line, e.span.col + 1, e.code) for e in expected
    ], shlex.join(argv) + "\n" + result.stdout + result.stderr
    assert [d["message"] for d in gru] == [e.message + fix_marker(e) for e in expected]
