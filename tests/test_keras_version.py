"""Which Keras a file targets, and what the rules say for Keras 2 code."""

from __future__ import annotations

import ast

import pytest

from gru_lint.core import check_source
from gru_lint.keras_facts import KERAS2_MODULES
from gru_lint.keras_version import detect, resolve
from gru_lint.rules import RULES


@pytest.mark.parametrize("source", [
    "import tf_keras",
    "import tf_keras as keras",
    "from tf_keras import layers",
    "from tf_keras.layers import GRU",
    "from tensorflow.python.keras.layers import GRU",
    "from tensorflow.python import keras",
    "import keras.engine",
    "from keras.engine import training",
    "from keras.layers.recurrent import GRU",
    "from keras.layers import recurrent",
    "from keras.layers.cudnn_recurrent import CuDNNGRU",
    "import os\nos.environ['TF_USE_LEGACY_KERAS'] = '1'\nimport tensorflow as tf",
    "import os\nos.environ.setdefault('TF_USE_LEGACY_KERAS', '1')",
    "try:\n    import tf_keras as keras\nexcept ImportError:\n    import keras",
    "import keras\nimport tf_keras",
    "def f():\n    import tf_keras\n",
])
def test_keras2_code(source):
    assert detect(ast.parse(source)) == 2
    assert detect(ast.parse(source), source) == 2  # the text shortcut agrees


def _spellings(module):
    prefix, _, last = module.rpartition(".")
    yield f"import {module}"
    yield f"from {module} import x"
    if prefix:
        yield f"from {prefix} import {last}"


@pytest.mark.parametrize("module", KERAS2_MODULES)
def test_the_text_shortcut_never_hides_a_keras2_import(module):
    for source in _spellings(module):
        assert detect(ast.parse(source)) == 2, source
        assert detect(ast.parse(source), source) == 2, source


@pytest.mark.parametrize("source", [
    "import keras",
    "from tensorflow import keras",
    "import tensorflow as tf\nmodel = tf.keras.Sequential()",
    "from keras.layers import GRU",
    "from keras.src.layers import GRU",
    "import os\nos.environ['TF_USE_LEGACY_KERAS'] = '0'",
    "import os\nos.environ['KERAS_BACKEND'] = 'jax'",
    "s = 'import tf_keras'",
    "from .tf_keras import x",
])
def test_keras3_code(source):
    assert detect(ast.parse(source)) == 3


def test_setting_overrides_the_guess():
    tree = ast.parse("import tf_keras")
    assert resolve("auto", tree) == 2 and resolve(None, tree) == 2
    assert resolve(3, tree) == 3 and resolve("3", tree) == 3
    assert resolve(2, ast.parse("import keras")) == 2
    with pytest.raises(ValueError):
        resolve(4, tree)


QUERY = """
import keras
x = keras.random.normal((4, 5, 3))
gru = keras.layers.GRU(6)
states = gru.get_initial_state(x)
y = gru(x, initial_state=states)
"""


def test_get_initial_state_rule_is_for_keras3_code_only():
    assert [d.code for d in check_source(QUERY)] == ["GRU013"]
    assert check_source(QUERY, keras_version=2) == []
    assert check_source(QUERY.replace("import keras", "import tf_keras as keras")) == []
    assert RULES["GRU013"].versions == frozenset({3})


RUNTIME = """
import tf_keras as keras
import tensorflow as tf
x = tf.zeros((4, 5, 3))
out, runtime = keras.layers.GRU(6, return_runtime=True)(x)
a, b, c = keras.layers.LSTM(6, return_runtime=True)(x)
o, h = keras.layers.GRU(6, return_runtime=True, return_state=True)(x)
"""


def test_return_runtime_is_understood_in_keras2_code():
    (diag,) = check_source(RUNTIME)
    assert diag.code == "GRU010" and diag.line == 6
    assert "return_runtime=True returns 2 values [output, runtime] in Keras 2" in diag.message


def test_return_runtime_in_keras3_code_is_not_misread():
    assert check_source(RUNTIME.replace("import tf_keras as keras", "import keras")) == []


GRU_TWO_STATES = """
import keras
inputs = keras.Input((5, 3))
_, h, c = keras.layers.LSTM(6, return_state=True)(inputs)
y = keras.layers.GRU(6)(inputs, initial_state=[h, c])
"""


def test_messages_say_which_keras():
    (k3,) = check_source(GRU_TWO_STATES)
    (k2,) = check_source(GRU_TWO_STATES, keras_version=2)
    assert k3.code == k2.code == "GRU006"
    assert "Keras silently ignores 1 of them" in k3.message
    assert "Keras 2 raises ValueError" in k2.message and "silently" not in k2.message


def test_batch_of_one_broadcast_note_is_keras3_only():
    source = ("import keras\nimport numpy as np\nx = np.zeros((4, 5, 3), 'float32')\n"
              "y = keras.layers.GRU(6)(x, initial_state=np.zeros((1, 6), 'float32'))\n")
    (k3,) = check_source(source)
    (k2,) = check_source(source, keras_version=2)
    assert "broadcast" in k3.message and "broadcast" not in k2.message


def test_every_rule_has_keras2_effects():
    for rule in RULES.values():
        assert rule.effects_for(2) and rule.effects_for(3) == rule.effects
