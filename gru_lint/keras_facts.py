"""What Keras 3 does, as data.

Every fact the rules rely on lives here, so that a rule reads a table instead of
testing layer names. Each entry is confirmed by the TensorFlow oracle tests
(``tests/test_oracle.py``) on fixtures under ``tests/fixtures/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional, Tuple


@dataclass(frozen=True)
class LayerSpec:
    """One Keras class that takes (or builds a layer that takes) ``initial_state``.

    ``kind``:
      - ``"rnn"``: a recurrent layer with its own cell (GRU, LSTM, SimpleRNN);
      - ``"cell"``: a cell, usable in ``RNN(cell)`` or ``RNN([cells])``;
      - ``"generic_rnn"``: ``keras.layers.RNN`` wrapping a cell or a list of cells;
      - ``"bidirectional"``: doubles the state list of the layer it wraps;
      - ``"conv"``: ConvLSTM, whose states are shaped like its output (count only).
    """

    name: str
    kind: str
    # Names of the states, in the order Keras expects them ("h", "c").
    state_names: Tuple[str, ...] = ()
    # Where the width sits: keyword name and positional index in the constructor.
    units_arg: Optional[str] = "units"
    units_pos: int = 0
    # Extra states beyond ``len(state_names)`` are silently ignored (GRU reads
    # only ``initial_state[0]``) instead of raising.
    ignores_extra_states: bool = False
    # For wrappers: keyword and position of the wrapped layer / cell(s).
    wrapped_arg: Optional[str] = None
    wrapped_pos: int = 0

    @property
    def state_count(self) -> int:
        return len(self.state_names)


_H = ("h",)
_HC = ("h", "c")

LAYERS: Dict[str, LayerSpec] = {
    spec.name: spec
    for spec in (
        LayerSpec("GRU", "rnn", _H, ignores_extra_states=True),
        LayerSpec("LSTM", "rnn", _HC),
        LayerSpec("SimpleRNN", "rnn", _H),
        LayerSpec("GRUCell", "cell", _H),
        LayerSpec("LSTMCell", "cell", _HC),
        LayerSpec("SimpleRNNCell", "cell", _H),
        LayerSpec("RNN", "generic_rnn", units_arg=None, wrapped_arg="cell"),
        LayerSpec("Bidirectional", "bidirectional", units_arg=None, wrapped_arg="layer"),
        LayerSpec("ConvLSTM1D", "conv", _HC, units_arg="filters"),
        LayerSpec("ConvLSTM2D", "conv", _HC, units_arg="filters"),
        LayerSpec("ConvLSTM3D", "conv", _HC, units_arg="filters"),
    )
}

# Layers that can be called with ``initial_state`` (cells cannot).
CALLABLE_WITH_STATE = frozenset(n for n, s in LAYERS.items() if s.kind != "cell")

# Keras model classes: calling one with ``initial_state=`` ignores it.
MODELS = frozenset({"Sequential", "Model"})

# ``Bidirectional`` returns forward states then backward states.
BIDIRECTIONAL_FACTOR = 2

# Module prefixes that are Keras, canonicalised to ``keras``.
KERAS_PREFIXES = (
    "tensorflow.keras",
    "tensorflow.python.keras",
    "tensorflow.compat.v2.keras",
    "tensorflow.compat.v1.keras",
    "tf_keras",
    "keras",
)

# Where the layer classes live under ``keras`` (``keras.layers.GRU``,
# ``keras.layers.recurrent.GRU`` in Keras 2, ``keras.src.layers.rnn.gru.GRU``).
LAYER_MODULES = ("keras.layers", "keras.src.layers")
# Where the model classes live besides ``keras`` itself (``keras.engine`` in Keras 2).
MODEL_MODULES = ("keras.models", "keras.src.models", "keras.engine")
INPUT_NAMES = frozenset({"keras.Input", "keras.layers.Input", "keras.src.layers.Input"})

# Array constructors: qualified name -> how the shape is given.
#   "shape": first positional or ``shape=`` keyword is the shape
#   "like": first positional is an array whose shape is copied
#   "dims": every positional is one dimension (np.random.rand)
#   "size": ``size=`` keyword (or positional index given) is the shape
ARRAY_CONSTRUCTORS: Dict[str, Tuple[str, object]] = {}
for _mod in ("numpy",):
    for _fn in ("zeros", "ones", "empty", "full"):
        ARRAY_CONSTRUCTORS[f"{_mod}.{_fn}"] = ("shape", "shape")
    for _fn in ("zeros_like", "ones_like", "empty_like", "full_like"):
        ARRAY_CONSTRUCTORS[f"{_mod}.{_fn}"] = ("like", None)
    ARRAY_CONSTRUCTORS[f"{_mod}.random.rand"] = ("dims", None)
    ARRAY_CONSTRUCTORS[f"{_mod}.random.randn"] = ("dims", None)
    ARRAY_CONSTRUCTORS[f"{_mod}.random.random"] = ("size", 0)
    ARRAY_CONSTRUCTORS[f"{_mod}.random.random_sample"] = ("size", 0)
    ARRAY_CONSTRUCTORS[f"{_mod}.random.uniform"] = ("size", 2)
    ARRAY_CONSTRUCTORS[f"{_mod}.random.normal"] = ("size", 2)
for _fn in ("zeros", "ones", "random.normal", "random.uniform"):
    ARRAY_CONSTRUCTORS[f"tensorflow.{_fn}"] = ("shape", "shape")
ARRAY_CONSTRUCTORS["tensorflow.fill"] = ("shape", "dims")
ARRAY_CONSTRUCTORS["tensorflow.zeros_like"] = ("like", None)
ARRAY_CONSTRUCTORS["tensorflow.ones_like"] = ("like", None)
for _fn in ("zeros", "ones", "full"):
    ARRAY_CONSTRUCTORS[f"keras.ops.{_fn}"] = ("shape", "shape")
ARRAY_CONSTRUCTORS["keras.ops.zeros_like"] = ("like", None)
ARRAY_CONSTRUCTORS["keras.ops.ones_like"] = ("like", None)
ARRAY_CONSTRUCTORS["keras.backend.zeros"] = ("shape", "shape")
ARRAY_CONSTRUCTORS["keras.backend.ones"] = ("shape", "shape")

# Functions whose result is "the runtime shape of x" (``tf.shape(x)[0]`` is x's batch).
SHAPE_FUNCTIONS = frozenset(
    {"tensorflow.shape", "keras.ops.shape", "keras.backend.shape", "numpy.shape"}
)
# Functions that return their first argument's shape unchanged (dtype casts and the like).
SHAPE_PRESERVING = frozenset(
    {
        "tensorflow.cast",
        "tensorflow.convert_to_tensor",
        "tensorflow.identity",
        "keras.ops.cast",
        "keras.ops.convert_to_tensor",
        "numpy.asarray",
        "numpy.float32",
    }
)
SHAPE_PRESERVING_METHODS = frozenset({"astype", "copy", "numpy"})
