"""The batches models really run: what GRU021 (stateful Sequential built lazily) and GRU024
(functional models with constant states) may take as known, and where they stay silent."""

from __future__ import annotations

import textwrap

import pytest

from gru_lint.core import check_source

PRELUDE = """\
import numpy as np
import keras

X = np.random.rand(40, 5, 3).astype("float32")
Y = np.random.rand(40, 1).astype("float32")
"""
LAZY = 'model = keras.Sequential([keras.layers.LSTM(8, stateful=True), keras.layers.Dense(1)])\n'


def findings(body: str):
    return [(d.line - PRELUDE.count("\n"), d.code)
            for d in check_source(PRELUDE + textwrap.dedent(body))]


@pytest.mark.parametrize("build", [
    "model(X[:8])",
    "model.build((8, 5, 3))",
    "model.build(input_shape=[8, 5, 3])",
    "model.fit(X, Y, batch_size=8)",
    "model.evaluate(X, Y, 8)",
    "model.predict(X[:8])",
])
def test_the_first_use_that_builds_the_model_fixes_its_batch(build):
    assert findings(LAZY + "model.compile('adam', 'mse')\n" + build + "\nmodel.predict(X)\n") \
        == [(4, "GRU021")]
    assert findings(LAZY + build + "\nmodel.predict(X, batch_size=8)\n") == []


@pytest.mark.parametrize("before", [
    "def train(m):\n    m.fit(X, Y, batch_size=4)\n\n\ntrain(model)",   # passed to a function
    "for _ in range(2):\n    model.fit(X, Y, batch_size=4)",          # a loop
    "if len(X) > 3:\n    model.fit(X, Y, batch_size=4)",              # a branch
    "run = lambda: model.predict(X[:4])",                               # a lambda
    "model.load_weights('w.weights.h5')",                                # a use not followed
    "model.build((None, 5, 3))",                                         # no batch written
    "model.fit(x=np.random.rand(n, 5, 3), y=Y)",                         # rows unknown
])
def test_a_use_gru_lint_cannot_read_leaves_the_batch_unknown(before):
    assert findings(LAZY + before + "\nmodel.predict(X)\n") == []


def test_a_model_named_in_another_function_is_not_followed():
    body = LAZY + "model(X[:8])\nmodel.predict(X)\n\n\ndef later():\n    return model.predict(X[:1])\n"
    assert findings(body) == []
    other = LAZY + "model(X[:8])\nmodel.predict(X)\n\n\ndef later(model):\n    return model.predict(X)\n"
    assert findings(other) == [(3, "GRU021")]


@pytest.mark.parametrize("layers", [
    "[keras.layers.LSTM(8, stateful=True, input_shape=(5, 3))]",   # built at construction
    "[keras.Input(batch_shape=(8, 5, 3)), keras.layers.LSTM(8)]",   # not stateful
    "[keras.layers.LSTM(8), keras.layers.Dense(1)]",
])
def test_models_not_built_lazily_with_a_stateful_layer_are_not_this_check(layers):
    assert findings(f"model = keras.Sequential({layers})\nmodel(X[:8])\nmodel.predict(X)\n") == []


def test_first_runs_that_cannot_build_a_stateful_model():
    assert findings(LAZY + "model.fit(X, Y)\n") == [(2, "GRU021")]            # 32 + 8
    assert findings(LAZY + "model.fit(X[:16], Y[:16])\n") == [(2, "GRU021")]  # one batch of 16 < 32
    assert findings(LAZY + "model.predict(X, batch_size=16)\n") == [(2, "GRU021")]
    assert findings(LAZY + "model.predict(X[:5])\nmodel.predict(X[:5])\n") == []
    assert findings(LAZY + "model.fit(X, Y, batch_size=8, validation_split=0.2)\n") == []


FUNCTIONAL = """\
inputs = keras.Input(shape=(5, 3))
h0 = {state}
x = keras.layers.GRU(8)(inputs, initial_state=h0)
model = keras.Model(inputs, keras.layers.Dense(1)(x))
"""


@pytest.mark.parametrize("state, run, expected", [
    ("keras.ops.zeros((16, 8))", "model.predict(X)", [(5, "GRU024")]),
    ("keras.ops.zeros((16, 8))", "model.predict(X[:32], batch_size=16)", []),
    ("np.zeros((8, 8))", "model.fit(X, Y, batch_size=8)", []),
    ("np.zeros((8, 8))", "model.fit(X[:36], Y[:36], batch_size=8)", [(5, "GRU024")]),
    ("np.zeros((16, 8))", "model.predict(X[:1])", []),      # broadcast: silent in Keras, not reported
    ("np.zeros((1, 8))", "model.predict(X[:1])", []),
    ("np.zeros((1, 8))", "model.predict(X, batch_size=4)", [(5, "GRU024")]),
    ("keras.layers.Dense(8)(inputs[:, 0, :])", "model.predict(X)", []),
])
def test_functional_constant_states(state, run, expected):
    assert findings(FUNCTIONAL.format(state=state) + run + "\n") == expected


def test_functional_state_off_the_output_path_is_not_reported():
    body = FUNCTIONAL.format(state="np.zeros((16, 8))").replace(
        "keras.layers.Dense(1)(x)", "keras.layers.Dense(1)(keras.layers.Flatten()(inputs))")
    assert findings(body + "model.predict(X)\n") == []


def test_a_state_input_with_a_batch_shape_runs_on_any_batch():
    body = FUNCTIONAL.format(state="keras.Input(batch_shape=(16, 8))").replace(
        "keras.Model(inputs,", "keras.Model([inputs, h0],")
    assert findings(body + "model.predict([X, np.zeros((40, 8))])\n") == []
