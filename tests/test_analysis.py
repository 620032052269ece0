"""Name resolution and silence: what gru-lint must and must not take for Keras."""

from __future__ import annotations

import textwrap

import pytest

from gru_lint.core import check_source

BAD_CALL = "y = {gru}(4)(np.zeros((2, 3, 5)), initial_state=np.zeros((4,)))\n"


def codes(source: str):
    return [d.code for d in check_source(textwrap.dedent(source))]


@pytest.mark.parametrize(
    "imports, gru",
    [
        ("import keras", "keras.layers.GRU"),
        ("from tensorflow import keras", "keras.layers.GRU"),
        ("import tensorflow as tf", "tf.keras.layers.GRU"),
        ("from keras import layers", "layers.GRU"),
        ("from keras import layers as kl", "kl.GRU"),
        ("import keras.layers as L", "L.GRU"),
        ("from tensorflow.keras.layers import GRU as G", "G"),
        ("from tensorflow.keras import layers", "layers.GRU"),
        ("import tf_keras", "tf_keras.layers.GRU"),
        ("from keras.src.layers import GRU", "GRU"),
        ("try:\n    from tensorflow import keras\nexcept ImportError:\n    import keras", "keras.layers.GRU"),
    ],
)
def test_keras_is_recognised_through_its_imports(imports, gru):
    source = f"import numpy as np\n{imports}\n" + BAD_CALL.format(gru=gru)
    assert codes(source) == ["GRU001"]


@pytest.mark.parametrize(
    "prelude",
    [
        # a user's own class or function called GRU
        "class GRU:\n    def __init__(self, units): pass\n    def __call__(self, x, initial_state=None): pass\n",
        "def GRU(units):\n    return lambda x, initial_state=None: x\n",
        # the Keras name rebound to something else
        "from keras.layers import GRU\nGRU = object\n",
        # imported twice from different places
        "from keras.layers import GRU\nfrom mylib import GRU\n",
        # a relative import of the user's own module
        "from .layers import GRU\n",
        # a star import may bring anything
        "from keras.layers import *\n",
    ],
)
def test_names_that_are_not_keras_stay_silent(prelude):
    source = "import numpy as np\nimport keras\n" + prelude + BAD_CALL.format(gru="GRU")
    assert codes(source) == []


@pytest.mark.parametrize(
    "state_setup",
    [
        "h = np.zeros((4,))\nh = np.zeros((2, 4))\n",  # rebound
        "h = np.zeros((4,))\nfor _ in range(2):\n    h = np.zeros((2, 4))\n",  # rebound in a loop
        "h = np.zeros((4,))\nh.shape = (1, 4)\n",  # reshaped in place
        "h = np.zeros((4,))\nh += 1\n",  # augmented
        "h = np.zeros((4,))\ndel h\nh = np.zeros((2, 4))\n",
        "def make():\n    global h\n    h = np.zeros((2, 4))\nh = np.zeros((4,))\n",
        "h = np.zeros((4,))\nwith open('f') as h:\n    pass\n",
    ],
)
def test_rebound_names_are_unknown(state_setup):
    source = "import numpy as np\nimport keras\n" + state_setup + (
        "y = keras.layers.GRU(4)(np.zeros((2, 3, 5)), initial_state=h)\n")
    assert codes(source) == []


def test_shadowed_numpy_is_not_numpy():
    source = """
        import keras
        import numpy as np
        def f(np):
            return keras.layers.GRU(4)(x, initial_state=np.zeros((4,)))
    """
    assert codes(source) == []


def test_function_parameters_are_unknown_and_helpers_are_followed():
    source = """
        import keras
        import numpy as np
        def decode(x, h, units):
            return keras.layers.GRU(units)(x, initial_state=h)
        def zeros_like_state(n):
            return np.zeros((n,))
        y = keras.layers.GRU(4)(np.zeros((2, 3, 5)), initial_state=zeros_like_state(4))
    """
    # the helper's 1-D state is followed into the call that uses it; ``decode``'s
    # parameters are unknown where it is defined
    assert codes(source) == ["GRU001"]


def test_same_symbolic_width_matches_and_different_names_say_nothing():
    source = """
        import keras
        import numpy as np
        def build(x, latent_dim, other_dim):
            a = keras.layers.GRU(latent_dim)(x, initial_state=np.zeros((2, latent_dim)))
            b = keras.layers.GRU(2 * latent_dim)(x, initial_state=np.zeros((2, latent_dim * 2)))
            c = keras.layers.GRU(latent_dim)(x, initial_state=np.zeros((2, other_dim)))
            return a, b, c
    """
    assert codes(source) == []


def test_values_flow_through_self_attributes_in_a_subclassed_model():
    source = """
        import keras
        import numpy as np
        class Decoder(keras.Model):
            def __init__(self):
                super().__init__()
                self.gru = keras.layers.GRU(8)
            def call(self, x):
                return self.gru(x, initial_state=np.zeros((8,)))
    """
    assert codes(source) == ["GRU001"]


def test_an_embedding_keeps_the_batch_of_its_token_ids():
    source = """
        import numpy as np
        import tensorflow as tf
        tokens = np.random.randint(1, 30, size=(4, 6))
        embed = tf.keras.layers.Embedding(30, output_dim=8)
        gru = tf.keras.layers.GRU(16)
        gru(embed(tokens), initial_state=tf.zeros((64, 16)))
        gru(embed(tokens), initial_state=tf.zeros((4, 16)))
        gru(tf.keras.layers.Embedding(30, 8)(tf.keras.Input((None,))), initial_state=tf.zeros((1, 8)))
    """
    assert codes(source) == ["GRU003", "GRU002"]


def test_other_apis_with_an_initial_state_keyword_stay_silent():
    source = """
        import keras
        import numpy as np
        import tensorflow as tf
        cell = tf.compat.v1.nn.rnn_cell.GRUCell(8)
        out = tf.compat.v1.nn.dynamic_rnn(cell, x, initial_state=np.zeros((8,)))
        decoder = tfa.seq2seq.BasicDecoder(cell, sampler, initial_state=np.zeros((8,)))
    """
    assert codes(source) == []


def test_files_without_keras_are_not_even_parsed():
    assert check_source("this is not python initial_state") == []
    with pytest.raises(SyntaxError):
        check_source("import keras\nthis is not python: GRU initial_state")


@pytest.mark.parametrize(
    "build",
    [
        "states = []\nstates.append(h)\nstates.append(c)\n",
        "states = [h]\nstates.extend([c])\n",
        "states = [h, h]\nstates[1] = c\n",
        "states = [h, c, c]\nstates.pop()\n",
        "states = [h, c, c]\ndel states[2]\n",
    ],
)
def test_a_list_changed_in_place_is_not_read_as_its_first_literal(build):
    source = (
        "import numpy as np\nimport keras\n"
        "h = np.zeros((2, 32))\nc = np.zeros((2, 32))\n" + build
        + "y = keras.layers.LSTM(32)(np.zeros((2, 3, 5)), initial_state=states)\n"
    )
    assert codes(source) == []


def test_fast_walk_is_ast_walk_without_expression_contexts():
    import ast

    from gru_lint.analysis.astutil import child_nodes, walk

    tree = ast.parse(
        "import keras\n"
        "x = [a.b[c] for c in d if c]\n"
        "del x[0]\n"
        "def f(*a, k=1, **kw):\n"
        "    lambda y: (y := 2)\n"
        "    return f'{x!r:>{w}}'\n"
    )
    contexts = (ast.Load, ast.Store, ast.Del)
    expected = [n for n in ast.walk(tree) if not isinstance(n, contexts)]
    assert list(walk(tree)) == expected
    for node in expected:
        assert child_nodes(node) == [c for c in ast.iter_child_nodes(node)
                                     if not isinstance(c, contexts)]


def test_statements_on_lines_agrees_with_a_line_by_line_map():
    import ast

    from gru_lint.analysis import scopes as sc
    from gru_lint.analysis.index import StatementIndex, header_lines
    from gru_lint.analysis.source import SourceText

    source = (
        "import keras\n"
        "table = {\n    'a': 1,\n    'b': 2,\n}\n"
        "@decorator(\n    1)\n"
        "def f(x,\n      y):\n"
        "    if x: y = 1\n"
        "    for i in (1,\n              2):\n"
        "        pass\n"
        "    else:\n        z = 3\n"
        "    try:\n        w = 1\n    except E:\n        w = 2\n    finally:\n        v = 0\n"
        "    return [\n        y]\n"
        "class C(\n    Base):\n    a = 1\n"
        "with open(p) as f, \\\n     open(q) as g: h = 1\n"
    )
    tree = ast.parse(source)
    scopes = sc.build_scopes(tree, source)
    index = StatementIndex(source, SourceText(source).starts, scopes)
    by_line = {}
    for i, (stmt, _, _) in enumerate(scopes.statements):
        for line in header_lines(stmt) or ():
            by_line.setdefault(line, set()).add(i)
    firsts = [stmt.lineno for stmt, _, _ in scopes.statements]
    assert firsts == sorted(firsts)
    last = source.count("\n") + 1
    for line in range(0, last + 2):
        assert index.ordinals_on({line}) == by_line.get(line, set()), line
    assert index.ordinals_on(set(range(last + 1))) == set().union(*by_line.values())
