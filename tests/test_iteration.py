"""Collections built by iteration, and array functions that change a shape."""

from __future__ import annotations

import textwrap

import pytest

from gru_lint.core import check_source

PRELUDE = """\
import numpy as np
import tensorflow as tf
import keras
x = np.zeros((2, 5, 8))
"""


def found(body: str):
    return sorted((d.line - PRELUDE.count("\n"), d.code)
                  for d in check_source(PRELUDE + textwrap.dedent(body)))


@pytest.mark.parametrize("body, expected", [
    # one state per width, the loop variable bound per item
    ("widths = [4, 6]\n"
     "cells = [keras.layers.GRUCell(w) for w in widths]\n"
     "s = [np.zeros((2, w)) for w in widths]\n"
     "y = keras.layers.RNN(cells)(x, initial_state=s[:1])\n", [(4, "GRU011")]),
    ("s = [np.zeros((2, u)) for u in (16, 16)]\n"
     "y = keras.layers.LSTM(32)(x, initial_state=s)\n", [(2, "GRU002"), (2, "GRU002")]),
    ("s = tuple(np.zeros(u) for u in [8, 8])\n"
     "y = keras.layers.LSTM(8)(x, initial_state=s)\n", [(2, "GRU001"), (2, "GRU001")]),
    ("cells = [keras.layers.LSTMCell(4), keras.layers.LSTMCell(6)]\n"
     "s = [[np.zeros((2, c.units)), np.zeros((2, c.units))] for c in cells]\n"
     "y = keras.layers.RNN(cells)(x, initial_state=s[1:])\n",
     [(3, "GRU002"), (3, "GRU002"), (3, "GRU011")]),
    ("s = [np.zeros((2, u)) for i, u in enumerate([4, 8])]\n"
     "y = keras.layers.RNN([keras.layers.GRUCell(4), keras.layers.GRUCell(4)])(x, initial_state=s)\n",
     [(2, "GRU002")]),
    ("hs = [np.zeros((2, 4))]\ncs = [np.zeros((2, 4))]\n"
     "s = [[h, c] for h, c in zip(hs, cs)]\n"
     "y = keras.layers.RNN([keras.layers.LSTMCell(4), keras.layers.LSTMCell(4)])(x, initial_state=s)\n",
     [(4, "GRU011")]),
    ("y = keras.layers.LSTM(8)(x, initial_state=list([np.zeros(8)] * 2))\n",
     [(1, "GRU001"), (1, "GRU001")]),
    # several ``for`` clauses, item by item; later clauses see the earlier targets
    ("s = [np.zeros(u) for u in [8] for _ in range(2)]\ny = keras.layers.LSTM(8)(x, initial_state=s)\n",
     [(2, "GRU001"), (2, "GRU001")]),
    ("cells = [keras.layers.LSTMCell(4), keras.layers.LSTMCell(6)]\n"
     "s = [np.zeros((2, c.units)) for c in cells for _ in ('h', 'c')]\n"
     "y = keras.layers.RNN(cells)(x, initial_state=s)\n", [(3, "GRU011")]),
    ("groups = ((4, 4), (8,))\ns = tuple(np.zeros((2, w)) for g in groups for w in g)\n"
     "y = keras.layers.RNN([keras.layers.GRUCell(4)] * 3)(x, initial_state=s)\n", [(3, "GRU002")]),
    ("s = [np.zeros((2, 8)) for i in range(3) for _ in range(i)]\n"
     "y = keras.layers.Bidirectional(keras.layers.GRU(8))(x, initial_state=s)\n", [(2, "GRU006")]),
    ("def list(v):\n    return v[:1]\n"
     "y = keras.layers.LSTM(8)(x, initial_state=list([np.zeros((2, 8)), np.zeros((2, 8))]))\n",
     [(3, "GRU005")]),
])
def test_comprehensions_follow_each_item(body, expected):
    assert found(body) == expected


@pytest.mark.parametrize("body", [
    # the right states, built item by item
    "s = [np.zeros((2, 8)) for _ in range(2)]\ny = keras.layers.LSTM(8)(x, initial_state=s)\n",
    "widths = [4, 6]\ncells = [keras.layers.GRUCell(w) for w in widths]\n"
    "s = [np.zeros((2, w)) for w in widths]\ny = keras.layers.RNN(cells)(x, initial_state=s)\n",
    # an iterable nothing knows, a filter, a nested comprehension
    "def f(widths):\n    s = [np.zeros(w) for w in widths]\n"
    "    return keras.layers.GRU(8)(x, initial_state=s)\n",
    "s = [np.zeros(u) for u in [8, 8] if u > 4]\ny = keras.layers.LSTM(8)(x, initial_state=s[:1])\n",
    "s = [np.zeros(u) for u in [8] for _ in range(2) if u > 4]\n"
    "y = keras.layers.LSTM(8)(x, initial_state=s)\n",
    # two ``for`` clauses: one over an iterable nothing knows, or too many items
    "def f(widths):\n    s = [np.zeros(w) for w in [8] for _ in widths]\n"
    "    return keras.layers.LSTM(8)(x, initial_state=s)\n",
    "s = [np.zeros(u) for u in [8] * 8 for _ in range(5)]\n"
    "y = keras.layers.LSTM(8)(x, initial_state=s[:2])\n",
    # the right groups, one per cell, from a comprehension inside a comprehension
    "cells = [keras.layers.LSTMCell(4), keras.layers.LSTMCell(6)]\n"
    "s = [[np.zeros((2, c.units)) for _ in 'hc'] for c in cells]\n"
    "y = keras.layers.RNN(cells)(x, initial_state=s)\n",
    # a comprehension over a list changed later, or over an array's rows
    "ws = [8]\ns = [np.zeros(u) for u in ws]\nws.append(3)\n"
    "def g(ws):\n    pass\ng(ws)\ny = keras.layers.GRU(8)(x, initial_state=s)\n",
    "s = [r for r in np.zeros((2, 8))]\ny = keras.layers.GRU(8)(x, initial_state=s)\n",
])
def test_unknown_or_correct_comprehensions_are_silent(body):
    assert found(body) == []


@pytest.mark.parametrize("body, expected", [
    ("h = np.random.rand(4, 8).mean(axis=0)\ny = keras.layers.GRU(8)(x, initial_state=h)\n",
     [(2, "GRU001")]),
    ("h = np.mean(np.zeros((4, 3, 8)), axis=1)\ny = keras.layers.GRU(8)(x, initial_state=h)\n",
     [(2, "GRU003")]),
    ("h = tf.reduce_sum(np.zeros((2, 3, 8)), axis=[0, 1], keepdims=True)\n"
     "y = keras.layers.GRU(8)(x, initial_state=h)\n", [(2, "GRU004")]),
    ("h = np.linspace(0.0, 1.0, 8)\ny = keras.layers.GRU(8)(x, initial_state=h)\n", [(2, "GRU001")]),
    ("h = np.arange(16)\ny = keras.layers.GRU(8)(x, initial_state=h)\n", [(2, "GRU001")]),
    ("h = np.stack([np.zeros(4), np.zeros(4)])\ny = keras.layers.GRU(8)(x, initial_state=h)\n",
     [(2, "GRU002")]),
    ("h = keras.ops.concatenate([np.zeros((1, 8)), np.zeros((1, 8))])\n"
     "y = keras.layers.GRU(8)(x, initial_state=h)\n", []),
    ("h = np.tile(np.zeros((1, 4)), (2, 1))\ny = keras.layers.GRU(8)(x, initial_state=h)\n",
     [(2, "GRU002")]),
    ("h = np.repeat(np.zeros((1, 8)), 3, axis=0)\ny = keras.layers.GRU(8)(x, initial_state=h)\n",
     [(2, "GRU003")]),
    ("h = np.zeros((1, 2, 8)).squeeze()\ny = keras.layers.GRU(8)(x, initial_state=h)\n", []),
    ("h = np.squeeze(np.zeros((1, 1, 8)))\ny = keras.layers.GRU(8)(x, initial_state=h)\n",
     [(2, "GRU001")]),
])
def test_array_functions_change_shapes_exactly(body, expected):
    assert found(body) == expected


@pytest.mark.parametrize("body", [
    "h = np.zeros((2, 3, 8)).mean(axis=1)\ny = keras.layers.GRU(8)(x, initial_state=h)\n",
    "h = tf.tile(tf.zeros((1, 8)), [tf.shape(x)[0], 1])\ny = keras.layers.GRU(8)(x, initial_state=h)\n",
    "h = np.stack([np.zeros(8)] * 2)\ny = keras.layers.GRU(8)(x, initial_state=h)\n",
    # unknown axis, float arange, a dimension that may be 1, an unknown count
    "def f(a):\n    h = np.zeros((2, 3, 8)).mean(axis=a)\n    return keras.layers.GRU(8)(x, initial_state=h)\n",
    "h = np.arange(0.0, 1.0, 0.125)\ny = keras.layers.GRU(8)(x, initial_state=h)\n",
    "def f(b):\n    h = np.squeeze(np.zeros((b, 8)))\n    return keras.layers.GRU(8)(x, initial_state=h)\n",
    "h = tf.zeros((2, 3, 8)).mean(axis=1)\ny = keras.layers.GRU(8)(x, initial_state=h)\n",
])
def test_unknown_array_functions_are_silent(body):
    assert found(body) == []


@pytest.mark.parametrize("body, expected", [
    ("cells = [keras.layers.LSTMCell(4), keras.layers.LSTMCell(6)]\nstates = []\n"
     "for cell in cells:\n    states.append([np.zeros((2, cell.units)), np.zeros((2, cell.units))])\n"
     "y = keras.layers.RNN(cells)(x, initial_state=states[:1])\n", [(5, "GRU011")]),
    ("states = []\nfor _ in range(2):\n    h = np.zeros((8,))\n    states.append(h)\n"
     "y = keras.layers.LSTM(8)(x, initial_state=states)\n", [(5, "GRU001"), (5, "GRU001")]),
    ("states = []\nfor u in [8, 8, 8]:\n    states.append(np.zeros((2, u)))\n"
     "y = keras.layers.LSTM(8)(x, initial_state=states)\n", [(4, "GRU005")]),
    ("states = [np.zeros((2, 8))]\nfor i in range(1, 3):\n    states += [np.zeros((2, 8))]\n"
     "y = keras.layers.Bidirectional(keras.layers.GRU(8))(x, initial_state=states)\n",
     [(4, "GRU006")]),
])
def test_loops_over_exact_iterables_are_unrolled(body, expected):
    assert found(body) == expected


@pytest.mark.parametrize("body", [
    "cells = [keras.layers.LSTMCell(4), keras.layers.LSTMCell(6)]\nstates = []\n"
    "for cell in cells:\n    states.append([np.zeros((2, cell.units)), np.zeros((2, cell.units))])\n"
    "y = keras.layers.RNN(cells)(x, initial_state=states)\n",
    # an iterable nothing knows, a break, a branch that depends on the item
    "def f(cells):\n    states = []\n    for cell in cells:\n        states.append(np.zeros(4))\n"
    "    return keras.layers.GRU(4)(x, initial_state=states)\n",
    "states = []\nfor u in [8, 8, 8]:\n    states.append(np.zeros((2, u)))\n    if len(states) == 2:\n"
    "        break\ny = keras.layers.LSTM(8)(x, initial_state=states)\n",
    "import random\nstates = []\nfor u in [8, 8]:\n    if random.random() > 0.5:\n"
    "        states.append(np.zeros((2, u)))\ny = keras.layers.LSTM(8)(x, initial_state=states)\n",
    # the list read inside the loop, a while loop, too many items
    "states = [np.zeros((2, 8))]\nfor _ in range(1):\n    states.append(states[-1])\n"
    "y = keras.layers.GRU(8)(x, initial_state=states[0])\n",
    "states = []\nwhile len(states) < 2:\n    states.append(np.zeros(8))\n"
    "y = keras.layers.LSTM(8)(x, initial_state=states)\n",
    "states = []\nfor _ in range(1000):\n    states.append(np.zeros(8))\n"
    "y = keras.layers.LSTM(8)(x, initial_state=states[:2])\n",
])
def test_loops_that_cannot_be_unrolled_are_silent(body):
    assert found(body) == []


@pytest.mark.parametrize("body, expected", [
    ("enc = keras.layers.GRU(8)\ns = enc.get_initial_state(batch_size=2)\n"
     "y = keras.layers.LSTM(8)(x, initial_state=s)\n", [(3, "GRU005")]),
    ("enc = keras.layers.LSTM(4)\n"
     "y = keras.layers.LSTM(8)(x, initial_state=enc.get_initial_state(2))\n",
     [(2, "GRU002"), (2, "GRU002")]),
    ("gru = keras.layers.GRU(4)\ntied = keras.layers.RNN(gru.cell)\n"
     "y = tied(x, initial_state=np.zeros((2, 8)))\n", [(3, "GRU002")]),
    ("rnn = keras.layers.RNN([keras.layers.LSTMCell(4), keras.layers.GRUCell(4)])\n"
     "s = rnn.get_initial_state(batch_size=2)\n"
     "y = keras.layers.RNN([keras.layers.GRUCell(4), keras.layers.LSTMCell(4)])(x, initial_state=s)\n",
     [(3, "GRU011")]),
])
def test_layers_give_their_cells_and_initial_states(body, expected):
    assert found(body) == expected


@pytest.mark.parametrize("body", [
    "dec = keras.layers.LSTM(8)\ny = dec(x, initial_state=dec.get_initial_state(batch_size=2))\n",
    "dec = keras.layers.LSTM(8)\ny = dec(x, initial_state=dec.get_initial_state(batch_size=tf.shape(x)[0]))\n",
    "gru = keras.layers.GRU(8)\ny = keras.layers.RNN(gru.cell)(x, initial_state=gru.cell.get_initial_state(2))\n",
    # states of a stateful layer (None until it is built), Bidirectional, unknown batches
    "enc = keras.layers.GRU(8, stateful=True)\ny = keras.layers.LSTM(8)(x, initial_state=enc.states)\n",
    "bi = keras.layers.Bidirectional(keras.layers.GRU(8))\n"
    "y = keras.layers.LSTM(8)(x, initial_state=bi.cell.get_initial_state(2))\n",
    "def f(b):\n    enc = keras.layers.GRU(8)\n"
    "    return keras.layers.GRU(8)(x, initial_state=enc.get_initial_state(b))\n",
])
def test_layer_values_that_match_or_are_unknown_are_silent(body):
    assert found(body) == []


def test_keras2_get_initial_state_is_not_followed():
    body = ("enc = keras.layers.GRU(8)\ns = enc.get_initial_state(batch_size=2)\n"
            "y = keras.layers.LSTM(8)(x, initial_state=s)\n")
    source = PRELUDE.replace("import keras", "import tf_keras as keras") + body
    assert [d.code for d in check_source(source, keras_version=2)] == []
