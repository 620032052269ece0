"""Functions and classes of the file, followed where they are called."""

from __future__ import annotations

import textwrap

import pytest

from gru_lint.core import check_source

PRELUDE = """\
import numpy as np
import tensorflow as tf
from tensorflow import keras
x = np.zeros((2, 5, 8))
"""

ENCODER = """\
class Encoder(keras.Model):
    def __init__(self, vocab_size, embedding_dim, enc_units, batch_sz):
        super().__init__()
        self.batch_sz = batch_sz
        self.enc_units = enc_units
        self.embedding = keras.layers.Embedding(vocab_size, embedding_dim)
        self.gru = keras.layers.GRU(self.enc_units, return_sequences=True, return_state=True)

    def call(self, x, hidden):
        x = self.embedding(x)
        output, state = self.gru(x, initial_state=hidden)
        return output, state

    def initialize_hidden_state(self):
        return tf.zeros((self.batch_sz, self.enc_units))
"""


def found(body: str):
    return sorted((d.line - PRELUDE.count("\n"), d.code)
                  for d in check_source(PRELUDE + textwrap.dedent(body)))


def test_a_helper_called_with_literals_returns_what_it_builds():
    body = ("def make_states(batch, units):\n"
            "    return [np.zeros((batch, units)), np.zeros((batch, units))]\n"
            "s = make_states(2, 16)\n"
            "y = keras.layers.LSTM(32)(x, initial_state=s)\n"
            "t = make_states(units=32, batch=2)\n"
            "z = keras.layers.LSTM(32)(x, initial_state=t)\n")
    assert found(body) == [(4, "GRU002"), (4, "GRU002")]


@pytest.mark.parametrize(
    "helper, call",
    [
        # an argument nothing knows
        ("def make(units):\n    return np.zeros((2, units))\n", "make(len(x))"),
        # two returns that differ
        ("def make(units, wide=False):\n    if wide:\n        return np.zeros((2, 2 * units))\n"
         "    return np.zeros((2, units))\n", "make(16)"),
        # a generator, a decorated function
        ("def make(units):\n    yield np.zeros((2, units))\n", "make(16)"),
        ("import functools\n@functools.lru_cache()\ndef make(units):\n    return np.zeros((2, units))\n",
         "make(16)"),
        # recursion
        ("def make(units):\n    return make(units)\n", "make(16)"),
        # arguments that do not bind
        ("def make(units):\n    return np.zeros((2, units))\n", "make(16, 2)"),
        ("def make(units):\n    return np.zeros((2, units))\n", "make(*[16, 2])"),
        ("def make(units):\n    return np.zeros((2, units))\n", "make(16, **{'units': 16})"),
        ("def make(units):\n    return np.zeros((2, units))\n", "make(**{'units': 16, 'b': 2})"),
    ],
)
def test_helpers_that_cannot_be_followed_exactly_are_silent(helper, call):
    body = helper + f"keras.layers.GRU(32)(x, initial_state={call})\n"
    assert found(body) == []


def test_the_nmt_encoder_hidden_state_and_forwarded_call():
    body = ENCODER + (
        "encoder = Encoder(100, 8, 64, 2)\n"
        "hidden = encoder.initialize_hidden_state()\n"
        "y = keras.layers.GRU(32)(x, initial_state=hidden)\n"
        "out, state = encoder(np.zeros((2, 5)), hidden)\n"
        "z = keras.layers.GRU(32)(x, initial_state=state)\n"
        "w = keras.layers.GRU(64)(x, initial_state=state)\n"
    )
    lines = ENCODER.count("\n")
    assert found(body) == [(lines + 3, "GRU002"), (lines + 5, "GRU002")]


@pytest.mark.parametrize(
    "change",
    [
        # the attribute is set again in another method
        "    def reset(self):\n        self.enc_units = 32\n",
        # or from outside the class
        "pass\nencoder = None\n",
    ],
)
def test_attributes_set_elsewhere_are_unknown(change):
    cls = ENCODER + change
    outside = "encoder.enc_units = 32\n" if change.startswith("pass") else ""
    body = cls.replace("pass\nencoder = None\n", "") + (
        "encoder = Encoder(100, 8, 64, 2)\n" + outside +
        "hidden = encoder.initialize_hidden_state()\n"
        "y = keras.layers.GRU(32)(x, initial_state=hidden)\n"
    )
    assert found(body) == []


def test_a_class_with_an_unknown_base_is_unknown():
    body = ENCODER.replace("class Encoder(keras.Model)", "import mylib\nclass Encoder(mylib.Base)") + (
        "encoder = Encoder(100, 8, 64, 2)\n"
        "y = keras.layers.GRU(32)(x, initial_state=encoder.initialize_hidden_state())\n"
        "out, state = encoder(np.zeros((2, 5)), np.zeros((2, 64)))\n"
        "z = keras.layers.GRU(32)(x, initial_state=state)\n"
    )
    # the base may set the attributes or define the methods: nothing is known
    assert found(body) == []


def test_a_finding_inside_a_helper_is_reported_at_the_call_that_proves_it():
    body = ("def build_decoder(units, states):\n"
            "    y = keras.Input(shape=(5, 8))\n"
            "    return keras.layers.GRU(units)(y, initial_state=states)\n"
            "build_decoder(32, np.zeros((4,)))\n"
            "build_decoder(32, np.zeros((2, 32)))\n"
            "def unknown(units, states):\n"
            "    return build_decoder(units, states)\n")
    diags = check_source(PRELUDE + body)
    assert [(d.line - PRELUDE.count("\n"), d.code) for d in diags] == [(4, "GRU001")]
    assert diags[0].fix is None
    assert diags[0].related[0].span.line - PRELUDE.count("\n") == 3


def test_a_subclassed_model_call_forwarding_a_wrong_state():
    body = ("class Decoder(keras.Model):\n"
            "    def __init__(self, units):\n"
            "        super().__init__()\n"
            "        self.gru = keras.layers.GRU(units, return_state=True)\n"
            "    def call(self, x, hidden, training=False):\n"
            "        return self.gru(x, initial_state=hidden)\n"
            "decoder = Decoder(32)\n"
            "decoder(x, np.zeros((2, 16)), training=True)\n"
            "decoder(x, np.zeros((2, 32)))\n"
            "Decoder(16)(x, np.zeros((2, 16)))\n"
            "Decoder(16)(x, np.zeros((2, 32)))\n")
    # an instance called where it is built is followed too
    assert found(body) == [(8, "GRU002"), (11, "GRU002")]


def test_arguments_passed_on_by_a_function_are_followed_one_level_up():
    body = ENCODER + (
        "encoder = Encoder(100, 8, 64, 2)\n"
        "def train_step(inp, enc_hidden):\n"
        "    enc_output, enc_hidden = encoder(inp, enc_hidden)\n"
        "    return enc_output\n"
        "def unknown_step(inp, enc_hidden):\n"
        "    return encoder(inp, enc_hidden)\n"
        "train_step(np.zeros((2, 5)), np.zeros((2, 32)))\n"
        "train_step(np.zeros((2, 5)), np.zeros((2, 64)))\n"
        "out, _ = encoder(np.zeros((2, 5)), np.zeros((2, 16)))\n"
    )
    lines = ENCODER.count("\n")
    diags = check_source(PRELUDE + textwrap.dedent(body))
    assert found(body) == [(lines + 7, "GRU002"), (lines + 9, "GRU002")]
    outer = next(d for d in diags if d.line - PRELUDE.count("\n") == lines + 7)
    assert [r.span.line - PRELUDE.count("\n") for r in outer.related][:2] == [lines + 3, 11]


NESTED = """\
def gru_block(y, units, state):
    return keras.layers.GRU(units, return_sequences=True)(y, initial_state=state)

def build_decoder(units, state_units):
    h0 = tf.zeros((2, state_units))
    return gru_block(x, units, h0)

def build_model(units):
    return build_decoder(units, 8)
"""


@pytest.mark.parametrize("call, expected", [
    ("build_decoder(16, 8)", [(10, "GRU002")]),
    ("build_model(16)", [(10, "GRU002")]),
    ("build_decoder(8, 8)", []),
    ("build_model(8)", []),
    ("build_decoder(len(x), 8)", []),
])
def test_a_helper_called_by_a_helper_is_reported_at_the_outer_call(call, expected):
    assert found(NESTED + call + "\n") == expected


def test_the_outer_call_notes_the_inner_call_and_the_site():
    diags = check_source(PRELUDE + NESTED + "build_model(16)\n")
    assert [d.code for d in diags] == ["GRU002"]
    lines = [r.span.line - PRELUDE.count("\n") for r in diags[0].related[:2]]
    assert lines == [6, 2]


def test_a_helper_call_in_a_branch_of_the_outer_helper_is_not_reported_there():
    body = ("def gru_block(y, units, state):\n"
            "    return keras.layers.GRU(units, return_sequences=True)(y, initial_state=state)\n"
            "def build(units, width, use_state):\n"
            "    if use_state:\n"
            "        return gru_block(x, units, tf.zeros((2, width)))\n"
            "    return gru_block(x, units, None)\n"
            "build(16, 8, False)\n")
    assert found(body) == []
