"""Element-wise arithmetic and functions (broadcasting), and reshapes, with exact shapes."""

from __future__ import annotations

import textwrap

import pytest

from gru_lint.analysis.elementwise import broadcast_shapes
from gru_lint.analysis.values import Sym
from gru_lint.core import check_source
from gru_lint.keras_facts import ELEMENTWISE

PRELUDE = """\
import numpy as np
import tensorflow as tf
import keras
from keras import ops
x = np.zeros((2, 5, 8))
"""


def found(body: str):
    return sorted((d.line - PRELUDE.count("\n"), d.code)
                  for d in check_source(PRELUDE + textwrap.dedent(body)))


GRU = "y = keras.layers.GRU(8)(x, initial_state=h)\n"


@pytest.mark.parametrize("body, expected", [
    # arithmetic with numbers and 0-d arrays keeps the array's shape
    ("raw = np.random.rand(2, 16)\nh = (raw - raw.mean()) / raw.std()\n" + GRU, [(3, "GRU002")]),
    ("h = (np.random.rand(2, 16) - 0.5) * 2\n" + GRU, [(2, "GRU002")]),
    ("h = -np.ones((2, 16))\n" + GRU, [(2, "GRU002")]),
    # broadcasting stretches dimensions of 1 and prepends missing ones
    ("h = np.zeros((2, 1)) + np.linspace(0.0, 1.0, 16)\n" + GRU, [(2, "GRU002")]),
    ("f = np.random.rand(2, 16)\nh = (f - f.mean(axis=0)) / (f.std(axis=0) + 1e-6)\n" + GRU,
     [(3, "GRU002")]),
    ("h = np.maximum(np.zeros((1, 8)), np.ones((4, 1)))\n" + GRU, [(2, "GRU003")]),
    # element-wise functions, in each module's spelling
    ("h = np.tanh(np.random.rand(8))\n" + GRU, [(2, "GRU001")]),
    ("h = tf.math.sigmoid(tf.zeros((2, 16)))\n" + GRU, [(2, "GRU002")]),
    ("h = tf.nn.tanh(tf.zeros((2, 16)))\n" + GRU, [(2, "GRU002")]),
    ("h = ops.exp(ops.zeros((2, 16)))\n" + GRU, [(2, "GRU002")]),
    ("h = np.sqrt(np.abs(np.log1p(np.zeros((2, 16)))))\n" + GRU, [(2, "GRU002")]),
    ("h = np.clip(np.random.rand(2, 16), 0.0, 1.0)\n" + GRU, [(2, "GRU002")]),
    ("h = ops.clip(np.zeros((2, 16)), x_min=-1, x_max=1)\n" + GRU, [(2, "GRU002")]),
    ("h = tf.clip_by_value(tf.zeros((2, 16)), -1.0, 1.0)\n" + GRU, [(2, "GRU002")]),
    # reshapes to a shape written out, whatever the array is; a -1 from a known size
    ("h = np.zeros(32).reshape(2, 16)\n" + GRU, [(2, "GRU002")]),
    ("h = np.zeros(32).reshape(-1, 16)\n" + GRU, [(2, "GRU002")]),
    ("h = np.reshape(np.zeros((4, 8)), (-1, 8))\n" + GRU, [(2, "GRU003")]),
    ("h = np.zeros((2, 8)).reshape(4, -1)\n" + GRU, [(2, "GRU002"), (2, "GRU003")]),
    ("import json\nh = np.asarray(json.load(open('h.json'))).reshape(2, 16)\n" + GRU,
     [(3, "GRU002")]),
    ("def load():\n    return np.load('h.npy')\nh = load().reshape((2, 16))\n" + GRU,
     [(4, "GRU002")]),
    ("h = tf.reshape(tf.zeros((4, 8)), [4, 8])\n" + GRU, [(2, "GRU003")]),
])
def test_element_wise_results_keep_their_exact_shape(body, expected):
    assert found(body) == expected


@pytest.mark.parametrize("body", [
    # the right state, computed element-wise
    "raw = np.random.rand(2, 8)\nh = (raw - raw.mean()) / raw.std()\n" + GRU,
    "h = np.clip(np.tanh(np.random.rand(2, 8)), -0.5, 0.5).astype('float32')\n" + GRU,
    "h = np.zeros((2, 1)) * np.ones((8,))\n" + GRU,
    # shapes that cannot broadcast (the program fails there), an operand of unknown shape
    "h = np.zeros((2, 16)) + np.zeros((3,))\n" + GRU,
    "def f(scale):\n    h = np.zeros((2, 16)) * scale\n"
    "    return keras.layers.GRU(8)(x, initial_state=h)\n",
    "def f(lo):\n    h = np.clip(np.zeros((2, 16)), lo, 1.0)\n"
    "    return keras.layers.GRU(8)(x, initial_state=h)\n",
    "h = np.zeros((2, 16)) + [1.0] * 16\n" + GRU,
    # two unknown sizes: unknown, not a batch mismatch
    "def f(a, b):\n    h = np.zeros((a, 8)) + np.zeros((b, 8))\n"
    "    return keras.layers.GRU(8)(x, initial_state=h)\n",
    # ``@`` is not element-wise: (8, 8) @ (8,) is (8,)
    "h = np.ones((8, 8)) @ np.ones((8,))\n" + GRU,
    # out=/where= keywords, unknown arguments, starred arguments
    "h = np.sin(np.zeros((2, 16)), out=np.zeros((2, 8)))\n" + GRU,
    "args = [np.zeros((2, 16))]\nh = np.sin(*args)\n" + GRU,
    # reshapes the engine cannot compute: two -1, another size, a shape nothing knows
    "h = np.zeros(32).reshape(-1, -1)\n" + GRU,
    "h = np.zeros((2, 8)).reshape(3, 5)\n" + GRU,
    "h = np.zeros((2, 8)).reshape(3, -1)\n" + GRU,
    "def f(shape):\n    h = np.zeros(16).reshape(shape)\n"
    "    return keras.layers.GRU(8)(x, initial_state=h)\n",
    "def f(b):\n    h = np.zeros((b, 8)).reshape(-1, 8)\n"
    "    return keras.layers.GRU(8)(x, initial_state=h)\n",
    # a reshape method of something that is not an array
    "class Grid:\n    def reshape(self, *dims):\n        return np.zeros((2, 8))\n"
    "h = Grid().reshape(2, 16)\n" + GRU,
    # a user function called like NumPy's
    "def sin(v):\n    return np.zeros((2, 8))\nh = sin(np.zeros(16))\n" + GRU,
])
def test_unknown_or_correct_element_wise_results_are_silent(body):
    assert found(body) == []


def test_broadcast_shapes_is_exact_only_when_sizes_agree():
    b = Sym("b", "b")
    assert broadcast_shapes([(2, 1), (16,)]) == (2, 16)
    assert broadcast_shapes([(b, 8), ()]) == (b, 8)
    assert broadcast_shapes([(b, 1), (1, 8)]) == (b, 8)
    assert broadcast_shapes([(None, 8), (4, 8)]) == (4, 8)  # None is 1 or 4
    assert broadcast_shapes([(None, 8), (b, 8)]) == (None, 8)
    assert broadcast_shapes([(2, 8), (3, 8)]) is None


def test_element_wise_functions_exist_in_their_modules():
    np = pytest.importorskip("numpy")  # a test extra: gru-lint itself never imports it

    for qualname in ELEMENTWISE:
        module, _, name = qualname.rpartition(".")
        if module == "numpy":
            assert callable(getattr(np, name)), qualname
