"""gru-lint never crashes: real code, generated code, pathological code."""

from __future__ import annotations

import ast
import sys
import sysconfig
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gru_lint.core import _run_rules, analyse, check_source, might_matter


def _analyse_everything(source: str):
    """The whole pipeline without the prefilter, so that every file exercises the rules."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return []
    try:
        return _run_rules(analyse(source, tree))
    except RecursionError:
        return []


def _python_files(root: Path):
    for path in root.rglob("*.py"):
        try:
            yield path, path.read_bytes()
        except OSError:
            continue


def test_crawl_stdlib_and_site_packages():
    """Every installed file that could matter is checked without an exception."""
    roots = {Path(sysconfig.get_paths()["stdlib"]), Path(sysconfig.get_paths()["purelib"])}
    checked = candidates = 0
    for root in roots:
        for path, data in _python_files(root):
            checked += 1
            if not might_matter(data):
                continue
            candidates += 1
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                continue
            try:
                check_source(text, str(path))
            except SyntaxError:
                pass  # a few test files in the stdlib are broken on purpose
    assert checked > 500
    assert candidates > 0


@pytest.mark.parametrize("root", ["stdlib"])
def test_rules_run_on_every_stdlib_file_without_prefilter(root):
    """Bypass the prefilter: the analysis itself must survive any real module."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    for path in sorted(stdlib.glob("*.py"))[:400]:
        _analyse_everything(path.read_text(encoding="utf-8", errors="replace"))


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_grammar_generated_programs(data):
    hypothesmith = pytest.importorskip("hypothesmith")
    source = data.draw(hypothesmith.from_grammar())
    _analyse_everything(source)


# -- Keras-shaped programs, generated from parts ------------------------------------------------
_LAYERS = ["GRU({u})", "LSTM({u})", "SimpleRNN({u})", "Bidirectional(GRU({u}))",
           "Bidirectional(LSTM({u}, return_state=True))", "RNN(GRUCell({u}))",
           "RNN([LSTMCell({u}), GRUCell({u})])", "ConvLSTM2D({u}, 3)", "GRU(units={u}, return_state=True)"]
_STATES = ["np.zeros(({b}, {u}))", "np.zeros(({u},))", "np.zeros({u})", "[np.zeros(({b}, {u}))] * {n}",
           "tf.zeros([{b}, {u}])", "keras.Input(shape=({u},))", "[[0.0] * {u}] * {b}", "h", "[h, c]",
           "states", "states[1:]", "np.ones(({b}, {t}, {u}))", "0.0", "None", "[]", "()",
           "np.zeros((x.shape[0], {u}))", "tf.zeros((tf.shape(x)[0], {u}))", "np.random.rand({b}, {u})"]
_INPUTS = ["x", "np.zeros(({b}, {t}, {u}))", "keras.Input(shape=({t}, {u}))", "keras.Input(batch_shape=({b}, {t}, {u}))"]
_PRELUDE = """import numpy as np
import tensorflow as tf
import keras
from keras.layers import *
from keras import layers
x = np.zeros(({b}, {t}, {u}))
out, h, c = layers.LSTM({u}, return_state=True)(x)
_, *states = layers.GRU({u}, return_state=True)(x)
"""


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    layer=st.sampled_from(_LAYERS),
    state=st.sampled_from(_STATES),
    inputs=st.sampled_from(_INPUTS),
    sizes=st.fixed_dictionaries({
        "u": st.sampled_from(["0", "1", "64", "-3", "UNITS", "2 * UNITS", "units", "x.shape[0]"]),
        "b": st.sampled_from(["1", "4", "None", "B", "-1"]),
        "t": st.sampled_from(["3", "None"]),
        "n": st.sampled_from(["0", "1", "2", "5"]),
    }),
    wrap=st.sampled_from(["{}", "def f(units, B):\n    {}\n", "for i in range(3):\n    {}\n",
                          "class M(keras.Model):\n    def call(self, x):\n        {}\n"]),
)
def test_generated_keras_programs(layer, state, inputs, sizes, wrap):
    line = f"y = layers.{layer.format(**sizes)}({inputs.format(**sizes)}, initial_state={state.format(**sizes)})"
    source = _PRELUDE.format(**sizes) + "UNITS = 8\n" + wrap.format(line) + "\n"
    first = check_source(source)
    assert check_source(source) == first  # deterministic
    for diag in first:
        assert diag.code.startswith("GRU") and diag.message
        assert 1 <= diag.span.line <= source.count("\n") + 1


@pytest.mark.parametrize("depth", [50, 500, 5000])
def test_deep_nesting_does_not_blow_the_stack(depth):
    source = "import keras\ninitial_state = " + "[" * depth + "]" * depth + "\n"
    try:
        check_source(source)
    except SyntaxError:
        pass  # "too many nested parentheses": reported as a parse error, not a crash
    chain = "import keras\nx = keras.layers.GRU(4)(x, initial_state=" + " + ".join(["h"] * depth) + ")\n"
    try:
        check_source(chain)
    except SyntaxError:
        pass


def test_huge_file_is_linear():
    block = "h{i} = np.zeros((4, 8))\nout{i} = keras.layers.GRU(8)(np.zeros((4, 3, 2)), initial_state=h{i})\n"
    source = "import numpy as np\nimport keras\n" + "".join(block.format(i=i) for i in range(2000))
    assert check_source(source) == []
    bad = source + "bad = keras.layers.GRU(8)(np.zeros((4, 3, 2)), initial_state=np.zeros((8,)))\n"
    assert [d.code for d in check_source(bad)] == ["GRU001"]


def test_empty_and_whitespace_files():
    for source in ("", "\n", "   \n\t\n", "# keras initial_state\n"):
        assert check_source(source) == []


@pytest.mark.skipif(sys.version_info < (3, 10), reason="match statements")
def test_match_statement_bindings_are_unknown():
    source = """import numpy as np
import keras
match np.zeros((8,)):
    case h:
        pass
out = keras.layers.GRU(8)(np.zeros((4, 3, 2)), initial_state=h)
"""
    assert check_source(source) == []
