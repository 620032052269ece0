"""The fixer: golden outputs, idempotency, byte-exact round trips, and Keras on the result.

Goldens sit next to their fixture (``tests/fix_goldens.py`` shows and stores them):

* ``NAME.fixed.py``: ``fix_source(NAME.py)``, safe fixes only, when that changes anything;
* ``NAME.unsafe.fixed.py``: ``fix_source(NAME.py, unsafe=True)``, when it differs from
  the safe output.

A fixture without goldens must come out of the fixer unchanged, with and without
unsafe fixes: every change the fixer makes to the corpus has been reviewed.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from gru_lint.core import check_source, fix_source
from gru_lint.diagnostics import Applicability, Diagnostic, Edit, Fix, Span
from gru_lint.fixer import apply_fixes, fix_text
from gru_lint.rules import RULES

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FIXTURE_DIR = HERE / "fixtures"
FIXTURES = sorted(p for p in FIXTURE_DIR.rglob("*.py") if not p.name.endswith(".fixed.py"))
GOLDENS = sorted(FIXTURE_DIR.rglob("*.fixed.py"))
EFFECTS = {code: rule.effects for code, rule in RULES.items()}


def _id(path: Path) -> str:
    return str(path.relative_to(FIXTURE_DIR))


def read(path: Path) -> str:
    with open(path, encoding="utf-8", newline="") as fh:
        return fh.read()


def golden_paths(path: Path):
    stem = path.name[: -len(".py")]
    return path.with_name(stem + ".fixed.py"), path.with_name(stem + ".unsafe.fixed.py")


def fixture_of(golden: Path) -> Path:
    name = golden.name
    for suffix in (".unsafe.fixed.py", ".fixed.py"):
        if name.endswith(suffix):
            return golden.with_name(name[: -len(suffix)] + ".py")
    raise AssertionError(golden)


def is_unsafe_golden(golden: Path) -> bool:
    return golden.name.endswith(".unsafe.fixed.py")


# --------------------------------------------------------------------------- goldens


@pytest.mark.parametrize("path", FIXTURES, ids=_id)
def test_fix_matches_golden(path):
    text = read(path)
    safe_golden, unsafe_golden = golden_paths(path)
    safe = read(safe_golden) if safe_golden.exists() else text
    unsafe = read(unsafe_golden) if unsafe_golden.exists() else safe
    hint = f"review and store with: python tests/fix_goldens.py --write {path.relative_to(ROOT)}"
    assert fix_source(text).text == safe, hint
    assert fix_source(text, unsafe=True).text == unsafe, hint


@pytest.mark.parametrize("golden", GOLDENS, ids=_id)
def test_golden_has_its_fixture(golden):
    assert fixture_of(golden).exists(), f"orphan golden {golden}"


@pytest.mark.parametrize("golden", GOLDENS, ids=_id)
def test_golden_parses(golden):
    import libcst

    text = read(golden)
    ast.parse(text)
    assert libcst.parse_module(text).code == text


@pytest.mark.parametrize("golden", GOLDENS, ids=_id)
def test_golden_with_crlf_line_endings(golden):
    source = read(fixture_of(golden))
    if "\r" in source:
        pytest.skip("already has carriage returns")
    result = fix_source(source.replace("\n", "\r\n"), unsafe=is_unsafe_golden(golden))
    assert result.text == read(golden).replace("\n", "\r\n")


@pytest.mark.parametrize("golden", GOLDENS, ids=_id)
def test_fixing_a_golden_changes_nothing(golden):
    text = read(golden)
    result = fix_source(text, unsafe=is_unsafe_golden(golden))
    assert result.text == text
    assert result.applied == ()
    assert result.error is None


@pytest.mark.parametrize("golden", GOLDENS, ids=_id)
def test_fix_reports_applied_and_remaining(golden):
    source = read(fixture_of(golden))
    unsafe = is_unsafe_golden(golden)
    result = fix_source(source, unsafe=unsafe)
    assert result.error is None
    assert result.applied, "a golden exists, so some fix applied"
    for diag in result.applied:
        assert diag.fix is not None and diag.fix.title
        assert unsafe or diag.fix.applicability == Applicability.SAFE
    assert list(result.remaining) == check_source(result.text)
    assert not any(d.fix is not None and (unsafe or d.fix.applicability == Applicability.SAFE)
                   for d in result.remaining)


@pytest.mark.oracle
@pytest.mark.parametrize("golden", GOLDENS, ids=_id)
def test_golden_runs_under_keras(golden):
    """What gru-lint still reports in a golden fails under Keras; everything else runs."""
    from oracle import observe, verdict

    from gru_lint.core import parse
    from gru_lint.keras_version import detect

    markers = {}
    for diag in check_source(read(golden)):
        markers.setdefault(diag.line, set()).add(diag.code)
    version = detect(parse(read(golden)))  # Keras 2 goldens run under tf_keras
    effects = {code: rule.effects_for(version) for code, rule in RULES.items()}
    problems = verdict(observe(golden, "tf_keras" if version == 2 else "keras"), markers, effects)
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------- behaviour

HEADER = "import numpy as np\nimport keras\n\nUNITS = 8\nBATCH = 4\n"


def test_nothing_to_fix_returns_the_identical_string():
    source = HEADER + "x = np.random.rand(BATCH, 5, 3)\ny = keras.layers.GRU(UNITS)(x)\n"
    result = fix_source(source)
    assert result.text is source
    assert result.applied == () and result.remaining == () and result.error is None


def test_unfixable_finding_returns_the_identical_string_and_stays():
    source = HEADER + textwrap.dedent("""\
        x = np.random.rand(BATCH, 5, 3)
        h = np.random.rand(BATCH, UNITS)[0]
        y = keras.layers.GRU(UNITS)(x, initial_state=h)
        """)
    result = fix_source(source, unsafe=True)
    assert result.text is source
    assert [(d.line, d.code) for d in result.remaining] == [(8, "GRU001")]


def test_unfixable_findings_stay_in_remaining():
    path = FIXTURE_DIR / "fix" / "mixed_up_states.py"
    result = fix_source(read(path), unsafe=True)
    assert sorted(d.code for d in result.applied) == ["GRU002", "GRU005", "GRU006", "GRU006"]
    assert [(d.line, d.code) for d in result.remaining] == [(34, "GRU001"), (38, "GRU001")]


def test_safe_fix_only_without_the_flag():
    source = HEADER + textwrap.dedent("""\
        x = np.random.rand(BATCH, 5, 3)
        y = keras.layers.GRU(UNITS)(x, initial_state=np.zeros((BATCH, 5)))
        """)
    assert fix_source(source).text is source
    fixed = fix_source(source, unsafe=True)
    assert "np.zeros((BATCH, UNITS))" in fixed.text
    assert [d.code for d in fixed.applied] == ["GRU002"]
    assert fixed.applied[0].fix.title.startswith("Use the layer's units (UNITS)")


def fixed(source: str, unsafe: bool = False) -> str:
    result = fix_source(source, unsafe=unsafe)
    assert result.error is None
    assert fix_source(result.text, unsafe=unsafe).text == result.text  # idempotent
    return result.text


@pytest.mark.parametrize(
    "state, expected",
    [
        ("np.zeros(UNITS)", "np.zeros((BATCH, UNITS))"),
        ("np.zeros((UNITS,))", "np.zeros((BATCH, UNITS))"),
        ("np.zeros([UNITS])", "np.zeros([BATCH, UNITS])"),
        ("np.zeros(shape=(UNITS,), dtype='float32')", "np.zeros(shape=(BATCH, UNITS), dtype='float32')"),
        ("np.random.rand(UNITS)", "np.random.rand(BATCH, UNITS)"),
        ("np.random.randn(UNITS).astype('float32')", "np.random.randn(BATCH, UNITS).astype('float32')"),
        ("np.random.uniform(-1, 1, UNITS)", "np.random.uniform(-1, 1, (BATCH, UNITS))"),
        ("np.full((UNITS,  # width\n), 0.5)", "np.full((BATCH, UNITS,  # width\n), 0.5)"),
    ],
)
def test_missing_batch_spellings(state, expected):
    source = HEADER + ("x = np.random.rand(BATCH, 5, 3)\n"
                       f"y = keras.layers.GRU(UNITS)(x, initial_state={state})\n")
    assert fixed(source) == source.replace(state, expected)


def test_batch_from_numpy_shape_when_not_spelled():
    source = HEADER + textwrap.dedent("""\
        def run(data):
            x = np.asarray(data)
            h0 = np.zeros(UNITS)
            return keras.layers.GRU(UNITS)(x.reshape((-1, 5, 3)), initial_state=h0)


        x = np.load("x.npy")
        y = keras.layers.SimpleRNN(UNITS)(x, initial_state=np.ones((2, UNITS)))
        """)
    # ``x.reshape(...)`` is not a plain name, and ``np.load`` is not understood: no fix.
    assert fix_source(source).text is source
    source2 = HEADER + ("x = np.random.rand(len('abc'), 5, 3)\n"
                        "y = keras.layers.GRU(UNITS)(x, initial_state=np.ones((2, UNITS)))\n")
    # len('abc') is neither a literal nor a name, and the batch is unknown: no finding at all.
    assert fix_source(source2).text is source2
    source3 = HEADER + textwrap.dedent("""\
        x = np.random.rand(BATCH * 2, 5, 3)
        y = keras.layers.SimpleRNN(UNITS)(x, initial_state=np.ones((2, UNITS)))
        """)
    assert "np.ones((x.shape[0], UNITS))" in fixed(source3)


def test_tensor_batch_uses_tf_shape_when_tensorflow_is_imported():
    source = textwrap.dedent("""\
        import tensorflow as tf
        import keras

        gru = keras.layers.GRU(8)


        def step(x):
            h = tf.zeros((8,))
            return gru(x, initial_state=h)
        """)
    assert "h = tf.zeros((tf.shape(x)[0], 8))" in fixed(source)


def test_tensor_batch_adds_the_tensorflow_import_when_trivially_safe():
    source = textwrap.dedent("""\
        from tensorflow import zeros
        from tensorflow.keras import layers

        gru = layers.GRU(8)


        def step(x):
            return gru(x, initial_state=zeros([8]))
        """)
    out = fixed(source)
    assert out == source.replace(
        "from tensorflow.keras import layers\n",
        "from tensorflow.keras import layers\nimport tensorflow as tf\n",
    ).replace("zeros([8])", "zeros([tf.shape(x)[0], 8])")


def test_no_import_is_added_when_the_name_is_taken():
    source = textwrap.dedent("""\
        from tensorflow import zeros
        from tensorflow.keras import layers

        gru = layers.GRU(8)
        tf = "not tensorflow"


        def step(x):
            return gru(x, initial_state=zeros([8]))
        """)
    assert fix_source(source).text is source


def test_star_import_gives_no_shape_function():
    source = textwrap.dedent("""\
        from tensorflow import *
        from keras import layers
        from keras.ops import zeros

        gru = layers.GRU(8)


        def step(x):
            return gru(x, initial_state=zeros((8,)))
        """)
    result = fix_source(source)
    assert [d.code for d in result.remaining] == ["GRU001"]
    assert result.text is source


def test_numpy_state_never_gets_a_symbolic_batch():
    source = textwrap.dedent("""\
        import numpy as np
        import tensorflow as tf
        import keras

        gru = keras.layers.GRU(8)


        def step(x):
            return gru(x, initial_state=np.zeros(8))
        """)
    assert fix_source(source).text is source


def test_keras_input_has_no_batch_to_reuse():
    source = textwrap.dedent("""\
        import keras
        from keras import ops

        inp = keras.Input(shape=(5, 3))
        out = keras.layers.GRU(8)(inp, initial_state=ops.zeros((8,)))
        """)
    assert fix_source(source).text is source
    with_batch = source.replace("shape=(5, 3)", "shape=(5, 3), batch_size=BATCH").replace(
        "import keras\n", "import keras\nBATCH = 2\n", 1)
    assert "ops.zeros((BATCH, 8))" in fixed(with_batch)


def test_name_used_elsewhere_is_not_rewritten():
    source = HEADER + textwrap.dedent("""\
        x = np.random.rand(BATCH, 5, 3)
        h0 = np.zeros(UNITS)
        a = keras.layers.GRU(UNITS)(x, initial_state=h0)
        print(h0.shape)
        """)
    result = fix_source(source)
    assert result.text is source
    assert [d.code for d in result.remaining] == ["GRU001"]


def test_state_list_bound_once_and_used_once_is_rewritten():
    source = HEADER + textwrap.dedent("""\
        x = np.random.rand(BATCH, 5, 3)
        init = [np.zeros(UNITS), np.zeros((BATCH, UNITS))]
        y = keras.layers.LSTM(UNITS)(x, initial_state=init)
        """)
    assert "init = [np.zeros((BATCH, UNITS)), np.zeros((BATCH, UNITS))]" in fixed(source)
    twice = source + "z = keras.layers.LSTM(UNITS)(x, initial_state=init)\n"
    assert fix_source(twice).text is twice


def test_batch_name_bound_after_the_state_is_not_used():
    source = textwrap.dedent("""\
        import numpy as np
        import keras

        h0 = np.zeros(8)
        B = 4
        x = np.random.rand(B, 5, 3)
        y = keras.layers.GRU(8)(x, initial_state=h0)
        """)
    assert fix_source(source).text is source
    moved = source.replace("h0 = np.zeros(8)\nB = 4\n", "B = 4\nh0 = np.zeros(8)\n")
    assert "h0 = np.zeros((B, 8))" in fixed(moved)


def test_parameter_batch_is_reused_inside_the_function():
    source = textwrap.dedent("""\
        import numpy as np
        import keras


        def run(n):
            h0 = np.zeros(8)
            x = np.random.rand(n, 5, 3)
            return keras.layers.GRU(8)(x, initial_state=h0)
        """)
    assert "h0 = np.zeros((n, 8))" in fixed(source)


def test_one_constructor_for_cells_of_different_widths_is_left_alone():
    path = FIXTURE_DIR / "units" / "stacked_cells_reused_state.py"
    if not path.exists():
        pytest.skip("fixture not in the corpus")
    source = read(path)
    assert fix_source(source, unsafe=True).text == source


def test_gru006_keeps_only_what_keras_reads():
    source = HEADER + textwrap.dedent("""\
        x = np.random.rand(BATCH, 5, 3)
        h = np.zeros((BATCH, UNITS))
        g = np.ones((BATCH, UNITS))
        a = keras.layers.GRU(UNITS)(x, initial_state=[h, g])
        b = keras.layers.Bidirectional(keras.layers.GRU(UNITS))(x, initial_state=[h, g, g, h])
        c = keras.layers.GRU(UNITS)(x, initial_state=[h, np.random.rand(BATCH, UNITS)])
        """)
    out = fixed(source)
    assert "initial_state=h)" in out
    assert "initial_state=[h, g])\nc" in out  # forward [h, g] -> h; backward [g, h] -> g
    assert "initial_state=[h, np.random.rand(BATCH, UNITS)]" in out  # dropping it would draw fewer numbers


def test_gru005_unsafe_pair():
    source = HEADER + textwrap.dedent("""\
        x = np.random.rand(BATCH, 5, 3)
        y = keras.layers.LSTM(UNITS)(x, initial_state=np.zeros((BATCH, UNITS)))
        """)
    assert fix_source(source).text is source
    assert "initial_state=[np.zeros((BATCH, UNITS)), np.zeros((BATCH, UNITS))]" in fixed(source, unsafe=True)


def test_lstm_bare_vector_gets_pair_then_batches():
    source = HEADER + textwrap.dedent("""\
        x = np.random.rand(BATCH, 5, 3)
        y = keras.layers.LSTM(UNITS)(x, initial_state=np.zeros(UNITS))
        """)
    out = fixed(source, unsafe=True)
    assert "initial_state=[np.zeros((BATCH, UNITS)), np.zeros((BATCH, UNITS))]" in out
    assert check_source(out) == []


# --------------------------------------------------------------------------- text and bytes

BUGGY = HEADER + ("x = np.random.rand(BATCH, 5, 3)\n"
                  "y = keras.layers.GRU(UNITS)(x, initial_state=np.zeros(UNITS))\n")
BUGGY_FIXED = BUGGY.replace("np.zeros(UNITS)", "np.zeros((BATCH, UNITS))")


def test_crlf_line_endings_round_trip():
    source = BUGGY.replace("\n", "\r\n")
    assert fixed(source) == BUGGY_FIXED.replace("\n", "\r\n")


def test_lone_cr_line_endings_round_trip():
    source = BUGGY.replace("\n", "\r")
    assert fixed(source) == BUGGY_FIXED.replace("\n", "\r")


def test_tab_indentation_round_trips():
    source = HEADER + ("x = np.random.rand(BATCH, 5, 3)\ndef f():\n\tif True:\n"
                       "\t\treturn keras.layers.GRU(UNITS)(x, initial_state=np.zeros(UNITS))\n")
    assert fixed(source) == source.replace("np.zeros(UNITS)", "np.zeros((BATCH, UNITS))")


@pytest.mark.parametrize("prefix", ['label = "é"; ', 'note = "日本語 🙂"; ', "ñ = 1; "])
def test_non_ascii_before_the_edit_on_the_same_line(prefix):
    source = BUGGY.replace("y = keras", prefix + "y = keras")
    assert fixed(source) == BUGGY_FIXED.replace("y = keras", prefix + "y = keras")


def test_form_feed_and_unicode_separators_do_not_shift_edits():
    extra = '\x0c\ns = "a\u2028b\x85c"  # \x1c\nx = np.random'
    source = BUGGY.replace("x = np.random", extra)
    assert fixed(source) == BUGGY_FIXED.replace("x = np.random", extra)


def _via_sourcefile(data: bytes) -> bytes:
    from gru_lint.sourcefile import decode_source, encode

    sf = decode_source(data)
    return encode(sf, fix_source(sf.text).text)


def test_latin1_coding_cookie_round_trips():
    source = "# -*- coding: latin-1 -*-\n# café\n" + BUGGY.replace("y = keras", 'é = "à"; y = keras')
    expected = "# -*- coding: latin-1 -*-\n# café\n" + BUGGY_FIXED.replace("y = keras", 'é = "à"; y = keras')
    assert _via_sourcefile(source.encode("latin-1")) == expected.encode("latin-1")


def test_utf8_bom_round_trips():
    data = b"\xef\xbb\xbf" + BUGGY.replace("y = keras", 'é = 1; y = keras').encode("utf-8")
    expected = b"\xef\xbb\xbf" + BUGGY_FIXED.replace("y = keras", 'é = 1; y = keras').encode("utf-8")
    assert _via_sourcefile(data) == expected
    assert _via_sourcefile(data.replace(b"\n", b"\r\n")) == expected.replace(b"\n", b"\r\n")


# --------------------------------------------------------------------------- the loop


def _diag(start, end, text, line=1, code="GRU001", applicability=Applicability.SAFE):
    return Diagnostic(code, "m", Span(line, 0, line, 1),
                      Fix("t", (Edit(start, end, text),), applicability))


def test_apply_fixes_merges_identical_edits_and_defers_overlaps():
    text = "abcdefgh"
    same_a = _diag(0, 2, "XY", line=1)
    same_b = _diag(0, 2, "XY", line=2)
    overlapping = _diag(1, 3, "Z", line=3)
    same_start = _diag(0, 0, "!", line=4)
    later = _diag(5, 6, "_", line=5)
    new, used = apply_fixes(text, [later, overlapping, same_b, same_start, same_a])
    assert new == "XYcde_gh"
    assert set(map(id, used)) == {id(same_a), id(same_b), id(later)}


def test_a_fix_is_all_or_nothing():
    two = Diagnostic("GRU001", "m", Span(1, 0, 1, 1),
                     Fix("t", (Edit(2, 3, "C"), Edit(6, 7, "G"))))
    blocker = _diag(1, 3, "--", line=2)
    new, used = apply_fixes("abcdefgh", [two, blocker])
    assert new == "a--defgh" and used == [blocker]


def test_output_that_does_not_parse_is_refused(monkeypatch):
    import gru_lint.fixer as fixer

    source = BUGGY
    real = fixer.check_source

    def broken(text, path="<string>", **options):
        found = real(text, path, **options)
        if text == source:
            start = source.index("np.zeros(UNITS)")
            found.append(_diag(start, start + 3, "np.zeros((", line=7))
        return found

    monkeypatch.setattr(fixer, "check_source", broken)
    result = fix_text(source)
    assert result.text is source
    assert result.applied == ()
    assert result.error and "would not parse" in result.error
    assert [d.code for d in result.remaining] == ["GRU001", "GRU001"]


def test_input_that_does_not_parse_raises_syntax_error():
    with pytest.raises(SyntaxError):
        fix_source("import keras\nkeras.layers.GRU(4)(x, initial_state=(\n")


def test_check_path_never_loads_libcst():
    code = (
        "import sys\n"
        "from gru_lint.core import check_source\n"
        f"found = check_source({BUGGY!r})\n"
        "assert found and found[0].fix is not None\n"
        "assert 'libcst' not in sys.modules, 'libcst loaded on the check path'\n"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


# --------------------------------------------------------------------------- front ends


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


@pytest.mark.parametrize("unsafe", [False, True])
def test_libcst_codemod_command(tmp_path, unsafe):
    fixture = FIXTURE_DIR / "fix" / "mixed_up_states.py"
    other = FIXTURE_DIR / "fix" / "seq2seq_numpy_states.py"
    clean = "import keras\nprint(keras.__name__)\n"
    (tmp_path / "pkg").mkdir()
    targets = {tmp_path / "pkg" / fixture.name: read(fixture),
               tmp_path / "pkg" / other.name: read(other),
               tmp_path / "pkg" / "clean.py": clean}
    for path, text in targets.items():
        path.write_bytes(text.encode("utf-8"))
    cmd = [sys.executable, "-m", "libcst.tool", "codemod", "-x", "gru_lint.codemod.FixInitialState",
           "--no-format", "--hide-progress", "-j", "1", "pkg"]
    if unsafe:
        cmd.append("--unsafe-fixes")
    run = subprocess.run(cmd, cwd=tmp_path, env=_env(), capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    for path, text in targets.items():
        assert read(path) == fix_source(text, unsafe=unsafe).text, path.name


def test_cli_fix_writes_the_golden(tmp_path, capsys, monkeypatch):
    cli = pytest.importorskip("gru_lint.cli")
    monkeypatch.chdir(tmp_path)
    fixture = FIXTURE_DIR / "fix" / "seq2seq_numpy_states.py"
    target = tmp_path / fixture.name
    target.write_bytes(fixture.read_bytes())
    code = cli.main([fixture.name, "--fix", "--no-cache", "--jobs", "1"])
    err = capsys.readouterr().err
    assert code == 1  # with --fix: a file was changed
    assert "fixed 6 findings" in err
    assert target.read_bytes() == golden_paths(fixture)[0].read_bytes()


# --------------------------------------------------------------------------- notebooks
#
# ``NAME.fixed.ipynb`` / ``NAME.unsafe.fixed.ipynb``: the notebook with its code cells
# fixed as one program (``tests/fix_goldens.py`` shows and stores them), compared byte
# for byte.

NOTEBOOKS = sorted(p for p in FIXTURE_DIR.rglob("*.ipynb")
                   if not p.name.endswith(".fixed.ipynb") and not p.name.startswith("invalid_"))
NOTEBOOK_GOLDENS = sorted(FIXTURE_DIR.rglob("*.fixed.ipynb"))


def _fix_notebook(data: bytes, unsafe: bool = False) -> bytes:
    from gru_lint.notebook import read_notebook

    notebook = read_notebook(data)
    return notebook.fixed(fix_source(notebook.virtual.text, unsafe=unsafe).text)


def _notebook_fixture_of(golden: Path) -> Path:
    for suffix in (".unsafe.fixed.ipynb", ".fixed.ipynb"):
        if golden.name.endswith(suffix):
            return golden.with_name(golden.name[: -len(suffix)] + ".ipynb")
    raise AssertionError(golden)


def test_enough_notebook_goldens():
    assert len(NOTEBOOK_GOLDENS) >= 3
    assert any(g.name.endswith(".unsafe.fixed.ipynb") for g in NOTEBOOK_GOLDENS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_id)
def test_notebook_fix_matches_golden(path):
    data = path.read_bytes()
    stem = path.name[: -len(".ipynb")]
    safe_golden = path.with_name(stem + ".fixed.ipynb")
    unsafe_golden = path.with_name(stem + ".unsafe.fixed.ipynb")
    safe = safe_golden.read_bytes() if safe_golden.exists() else data
    unsafe = unsafe_golden.read_bytes() if unsafe_golden.exists() else safe
    hint = f"review and store with: python tests/fix_goldens.py --write {path.relative_to(ROOT)}"
    assert _fix_notebook(data) == safe, hint
    assert _fix_notebook(data, unsafe=True) == unsafe, hint


@pytest.mark.parametrize("golden", NOTEBOOK_GOLDENS, ids=_id)
def test_fixing_a_notebook_golden_changes_nothing(golden):
    data = golden.read_bytes()
    assert _fix_notebook(data, unsafe=".unsafe." in golden.name) == data


@pytest.mark.parametrize("golden", NOTEBOOK_GOLDENS, ids=_id)
def test_notebook_fix_touches_only_code_cell_sources(golden):
    """Outputs, counts, metadata, ids, markdown, key order, layout: all byte for byte."""
    import difflib
    import json

    before = _notebook_fixture_of(golden).read_bytes()
    after = golden.read_bytes()
    old, new = json.loads(before), json.loads(after)
    for key in set(old) | set(new):
        if key != "cells":
            assert old.get(key) == new.get(key)
    assert len(old["cells"]) == len(new["cells"])
    for a, b in zip(old["cells"], new["cells"]):
        assert list(a) == list(b)  # key order
        assert {k: v for k, v in a.items() if k != "source"} == {
            k: v for k, v in b.items() if k != "source"}
        if a["cell_type"] != "code":
            assert a["source"] == b["source"]
    old_lines = before.decode("utf-8").splitlines(True)
    new_lines = after.decode("utf-8").splitlines(True)
    assert len(old_lines) == len(new_lines)
    changed = [line for line in difflib.ndiff(old_lines, new_lines) if line[:1] in "+-"]
    assert changed
    for line in changed:  # a line of a source list, or a one-string source
        body = line[2:].strip()
        assert body.startswith('"') and (body.startswith('"source": "') or '": ' not in body), line
    assert after.endswith(b"\n") == before.endswith(b"\n")
    assert after.count(b"\r\n") == before.count(b"\r\n")


@pytest.mark.oracle
@pytest.mark.parametrize("golden", NOTEBOOK_GOLDENS, ids=_id)
def test_notebook_golden_runs_under_keras(golden, tmp_path):
    """The fixed notebook's code cells run as one program; what is still reported fails."""
    from gru_lint.keras_version import detect
    from gru_lint.core import parse
    from gru_lint.notebook import read_notebook
    from oracle import notebook_program, observe, verdict

    notebook = read_notebook(golden.read_bytes())
    program = notebook_program(golden, tmp_path)
    version = detect(parse(notebook.virtual.text))
    markers = {}
    for diag in check_source(notebook.virtual.text):
        markers.setdefault(diag.line, set()).add(diag.code)
    effects = {code: rule.effects_for(version) for code, rule in RULES.items()}
    flavour = "tf_keras" if version == 2 else "keras"
    problems = verdict(observe(program, flavour), markers, effects)
    assert not problems, "\n".join(problems)


@pytest.mark.oracle
def test_count_of_markers_fixed(capsys):
    """``fix_goldens.py --count``: markers gone after the unsafe fixes, credited once the output runs."""
    import fix_goldens

    fixed = FIXTURE_DIR / "fix" / "tensor_steps.py"
    unfixable = FIXTURE_DIR / "decode" / "char_rnn_generate_layer_state.py"
    clean = FIXTURE_DIR / "clean_decode" / "char_rnn_generate_state_rebound.py"
    assert fix_goldens.count([fixed, unfixable, clean, golden_paths(fixed)[0]]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "fix/tensor_steps.py: 3 of 3 fixed",
        "fixed 3 of 4 markers in bug fixtures (--fix --unsafe-fixes, output runs cleanly under "
        "TensorFlow)",
    ]
