"""GRU023 and GRU025 on the sampler idioms: state inputs concatenated or built by a
comprehension, the arrays given as ``[target_seq] + states_value``, and a loop that
re-binds the states for its next step. What is reported, and where it stays silent."""

from __future__ import annotations

import textwrap

import pytest

from gru_lint.core import check_source

HEADER = """\
import numpy as np
import keras

lstm = keras.layers.LSTM(8, return_sequences=True, return_state=True)
tokens = keras.Input(shape=(None, 5))
states_in = [keras.Input(shape=(8,)) for _ in range(2)]
seq, h_out, c_out = lstm(tokens, initial_state=states_in)
step = keras.Model([tokens] + states_in, [seq, h_out, c_out])
target = np.zeros((1, 1, 5))
states = [np.zeros((1, 8)), np.zeros((1, 8))]
"""


def findings(body: str, code: str):
    source = HEADER + textwrap.dedent(body)
    return [d.line - HEADER.count("\n") for d in check_source(source, "t.py") if d.code == code]


def test_comprehension_inputs_and_concatenated_arrays():
    assert findings("step.predict([target] + states[:1], verbose=0)\n", "GRU023") == [1]
    assert findings("step.predict([target] + states, verbose=0)\n", "GRU023") == []


def test_state_inputs_through_names_and_strings():
    body = """
    more = [keras.Input(shape=(8,), name=f"s_{k}") for k in "hc"]
    inputs = [tokens] + more
    out, h2, c2 = lstm(tokens, initial_state=more)
    m = keras.Model(inputs, [out, h2, c2])
    m.predict([target, states[0]], verbose=0)
    """
    assert findings(body, "GRU023") == [6]


def test_loop_rebinding_too_few_states():
    body = """
    for _ in range(3):
        out, h, c = step.predict([target] + states, verbose=0)
        target = out[:, -1:, :]
        states = [h]
    """
    assert findings(body, "GRU023") == [3]


@pytest.mark.parametrize(
    "loop",
    [
        # carried right
        "for _ in range(3):\n    out, h, c = step.predict([target] + states, verbose=0)\n"
        "    states = [h, c]",
        # runs once
        "for _ in range(1):\n    out, h, c = step.predict([target] + states, verbose=0)\n"
        "    states = [h]",
        # re-bound in a branch only
        "for i in range(3):\n    out, h, c = step.predict([target] + states, verbose=0)\n"
        "    if i:\n        states = [h]",
        # a continue may skip the re-binding
        "for i in range(3):\n    out, h, c = step.predict([target] + states, verbose=0)\n"
        "    if i == 1:\n        continue\n    states = [h]",
        # re-bound twice
        "for i in range(3):\n    out, h, c = step.predict([target] + states, verbose=0)\n"
        "    states = [h]\n    states = [h, c]",
        # changed in place afterwards
        "for i in range(3):\n    out, h, c = step.predict([target] + states, verbose=0)\n"
        "    states = [h]\n    states.append(c)",
        # re-bound to something unknown
        "for i in range(3):\n    out, h, c = step.predict([target] + states, verbose=0)\n"
        "    states = list(np.split(h, 1))",
        # a nested list: not counted
        "for i in range(3):\n    out, h, c = step.predict([target] + states, verbose=0)\n"
        "    states = [[h, c]]",
        # re-bound before the call: the same iteration's value, right
        "for i in range(3):\n    states = [np.zeros((1, 8))] * 2\n"
        "    out, h, c = step.predict([target] + states, verbose=0)",
        # the loop's own target
        "for states in [[np.zeros((1, 8))] * 2] * 3:\n"
        "    out, h, c = step.predict([target] + states, verbose=0)\n    states = [h]",
    ],
)
def test_loop_silent(loop):
    assert findings(loop + "\n", "GRU023") == []


@pytest.mark.parametrize(
    "model",
    [
        # a tensor sum is no list of inputs
        "m = keras.Model(tokens + tokens, seq)",
        # a list in the list: a nested structure
        "m = keras.Model([tokens, states_in], [seq, h_out, c_out])",
        # a filtered comprehension: unknown
        "m = keras.Model([tokens] + [s for s in states_in if s is not None], [seq, h_out, c_out])",
    ],
)
def test_model_inputs_silent(model):
    assert findings(model + "\nm.predict([target], verbose=0)\n", "GRU023") == []


def test_comprehension_state_inputs_not_carried():
    body = """
    for _ in range(3):
        out, h, c = step.predict([target] + states, verbose=0)
        target = out[:, -1:, :]
    """
    assert findings(body, "GRU025") == [3]


# -- the text-generation tutorial: call(states=None, return_state=False) and a OneStep wrapper
CALL = """\
        x = self.embedding(inputs, training=training)
        if states is None:
            states = self.gru.get_initial_state(batch_size=tf.shape(x)[0])
        x, states = self.gru(x, initial_state=states, training=training)
        x = self.dense(x, training=training)
        if return_state:
            return x, states
        else:
            return x"""
STEP = """\
        logits, states = self.model(inputs=input_ids, states=states, return_state=True)
        ids = tf.random.categorical(logits[:, -1, :], num_samples=1)
        return ids, states"""
TEXTGEN = """\
import numpy as np
import tensorflow as tf
import keras

h0 = np.zeros((1, 8), "float32")


class MyModel(keras.Model):
    def __init__(self):
        super().__init__()
        self.embedding = keras.layers.Embedding(10, 4)
        self.gru = keras.layers.GRU(8, return_sequences=True, return_state=True)
        self.dense = keras.layers.Dense(10)
        self.cache = None

    def call(self, inputs, states=None, return_state=False, training=False):
{call}


class OneStep(keras.Model):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def generate_one_step(self, input_ids, states=None):
{step}


one_step = OneStep(MyModel())
states = {states}
ids = tf.constant([[3]])
for n in range(5):
    ids, _ = one_step.generate_one_step(ids, states=states)
"""


def textgen(call=CALL, step=STEP, states="h0"):
    source = TEXTGEN.format(call=call, step=step, states=states)
    return [d.line for d in check_source(source, "t.py") if d.code == "GRU025"]


def test_one_step_wrapper_dropping_states():
    assert textgen() == [43]
    # the argument's value unknown: the branch may run, and makes a fresh state
    assert textgen(states='np.load("states.npy")') == [43]


@pytest.mark.parametrize(
    "call, step, states",
    [
        # the step does not ask for the states: call() returns the logits alone
        (CALL, STEP.replace(", return_state=True", ""), "h0"),
        # return_state not known exactly
        (CALL, STEP.replace("return_state=True", "return_state=bool(n)"), "h0"),
        # the state comes from somewhere that may change, when the argument may be None
        (CALL.replace("self.gru.get_initial_state(batch_size=tf.shape(x)[0])", "self.cache"),
         STEP, 'np.load("states.npy")'),
        # passed as None every step: the state is made inside, not followed
        (CALL, STEP, "None"),
        # the wrapper re-binds the states before the step
        (CALL, "        states = tf.stop_gradient(states)\n" + STEP, "h0"),
        # the wrapper returns something else
        (CALL, STEP.replace("return ids, states", "return ids, logits"), "h0"),
        # two returns call()'s arguments do not choose between
        (CALL.replace("if return_state:", "if training:"), STEP, "h0"),
        # the return under a test that is not the arguments'
        (CALL.replace("if return_state:", "if tf.executing_eagerly():"), STEP, "h0"),
    ],
)
def test_one_step_wrapper_silent(call, step, states):
    assert textgen(call, step, states) == []
