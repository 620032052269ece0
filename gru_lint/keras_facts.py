"""What Keras 3 (and, where it differs, Keras 2) does, as data.

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

# Every recurrent class name holds one of these (a test checks it against ``LAYERS``;
# ``Bidirectional`` only wraps a layer built from one of them): a file that names none
# cannot build a recurrent layer, whatever it imports (``from keras.layers import LSTM as L``
# still spells it). The rules about such a layer require one (``Rule.requires``).
RECURRENT_NAME_PARTS = (b"GRU", b"LSTM", b"RNN")

# ``layer.cell`` of a recurrent layer (Keras 3: the cell it was built with, same units).
CELL_OF = {"GRU": "GRUCell", "LSTM": "LSTMCell", "SimpleRNN": "SimpleRNNCell"}

# Layers that can be called with ``initial_state`` (cells cannot).
CALLABLE_WITH_STATE = frozenset(n for n, s in LAYERS.items() if s.kind != "cell")

# Keras model classes: calling one with ``initial_state=`` ignores it.
MODELS = frozenset({"Sequential", "Model"})
# Text a file must hold to build one of them, or to subclass ``Model``/``Layer``.
MODEL_NAME_PARTS = (b"Sequential", b"Model")
SUBCLASS_NAME_PARTS = (b"Model", b"Layer")

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
    ARRAY_CONSTRUCTORS[f"{_mod}.random.randint"] = ("size", 2)
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

# Keras layers (besides Dense, Concatenate and Embedding) whose output a state can pass
# through: those that return their input's shape, and the merge layers, which return the
# shape their inputs share (``Average()([h_fw, h_bw])``).
SHAPE_KEEPING_LAYERS = frozenset({
    "Dropout", "AlphaDropout", "GaussianDropout", "GaussianNoise", "LayerNormalization",
    "BatchNormalization", "UnitNormalization", "Activation", "ReLU", "LeakyReLU", "ELU",
    "PReLU", "Softmax", "Identity",
})
MERGE_LAYERS = frozenset({"Average", "Add", "Maximum", "Minimum", "Multiply", "Subtract"})

# Element-wise functions: qualified name -> the arguments, as (position, keyword), whose
# shapes broadcast to the result's shape (a number counts as shape ``()``). Keywords other
# than those and ``ELEMENTWISE_PARAMETERS`` (``out=``, ``where=``) make the result unknown.
_UNARY = ((0, "x"),)
_UNARY_MATH = ("sin", "cos", "tan", "exp", "expm1", "log", "log1p", "sqrt", "square", "abs",
               "tanh", "negative", "floor", "ceil", "sign")
ELEMENTWISE: Dict[str, Tuple[Tuple[int, str], ...]] = {}
for _fn in _UNARY_MATH + ("log2", "log10", "absolute"):
    ELEMENTWISE[f"numpy.{_fn}"] = _UNARY
    ELEMENTWISE[f"keras.ops.{_fn}"] = _UNARY
for _fn in _UNARY_MATH + ("sigmoid",):
    ELEMENTWISE[f"tensorflow.math.{_fn}"] = _UNARY
for _fn in ("sin", "cos", "tan", "exp", "sqrt", "square", "abs", "tanh", "sigmoid", "negative",
            "floor", "sign"):
    ELEMENTWISE[f"tensorflow.{_fn}"] = _UNARY
for _fn in ("tanh", "sigmoid"):
    ELEMENTWISE[f"tensorflow.nn.{_fn}"] = _UNARY
    ELEMENTWISE[f"keras.activations.{_fn}"] = _UNARY
ELEMENTWISE["keras.ops.sigmoid"] = _UNARY
ELEMENTWISE["numpy.clip"] = ((0, "a"), (1, "a_min"), (2, "a_max"))
ELEMENTWISE["keras.ops.clip"] = ((0, "x"), (1, "x_min"), (2, "x_max"))
ELEMENTWISE["tensorflow.clip_by_value"] = ((0, "t"), (1, "clip_value_min"), (2, "clip_value_max"))
for _mod in ("numpy", "keras.ops"):
    for _fn in ("maximum", "minimum"):
        ELEMENTWISE[f"{_mod}.{_fn}"] = ((0, "x1"), (1, "x2"))
for _mod in ("tensorflow", "tensorflow.math"):
    for _fn in ("maximum", "minimum"):
        ELEMENTWISE[f"{_mod}.{_fn}"] = ((0, "x"), (1, "y"))
ELEMENTWISE_PARAMETERS = frozenset({"dtype", "name"})


# --------------------------------------------------------------------------- Keras versions

# Imports that mark code written for Keras 2 (tf_keras, or tf.keras before TF 2.16):
# a module named here, or anything below it.
KERAS2_MODULES = (
    "tf_keras",
    "tensorflow.python.keras",
    "keras.layers.recurrent",
    "keras.layers.recurrent_v2",
    "keras.layers.cudnn_recurrent",
    "keras.engine",
)
# ``os.environ["TF_USE_LEGACY_KERAS"] = "1"`` makes ``tf.keras`` tf_keras (TF >= 2.16).
LEGACY_KERAS_VARIABLE = "TF_USE_LEGACY_KERAS"
LEGACY_KERAS_VALUES = frozenset({"1", "true", "True", "TRUE"})


@dataclass(frozen=True)
class KerasVersion:
    """What one Keras major version does with the code the rules look at.

    Keras 2 facts were measured under tf_keras 2.21 by the second oracle
    (``tests/fixtures/keras2``, ``tests/fixtures/clean_keras2``).
    """

    major: int
    name: str  # how messages name it
    # tf.keras 2 checks every initial_state against ``cell.state_size`` when the layer is
    # called (eager or symbolic) and raises ValueError; Keras 3 checks nothing.
    checks_state_size: bool
    # What happens to the states GRU does not take (Keras 3 reads only ``initial_state[0]``);
    # ``{extra}`` is their number.
    gru_extra_states: str
    # What a stacked RNN([cells]) does with a short state list: ``{missing}`` cells get
    # no state, ``{given}`` do.
    short_stacked_states: str
    # What a nested Python list of numbers as a state does.
    nested_list_state: str
    # What ``model(x, initial_state=...)`` on a Sequential/functional model does.
    model_call_state: str
    # The error of ``GRU(64, initial_state=h)``.
    constructor_state_error: str
    # A batch-1 state is broadcast over the batch in eager mode (and fails in graphs).
    broadcasts_batch_one: bool
    # ``layer.get_initial_state(x)`` with the inputs is the right call.
    get_initial_state_takes_inputs: bool
    # Layers whose ``return_runtime=True`` makes them return ``(output, runtime)``
    # (without ``return_state``); elsewhere the keyword is rejected.
    return_runtime_layers: frozenset


KERAS3 = KerasVersion(
    major=3,
    name="Keras 3",
    checks_state_size=False,
    gru_extra_states="Keras silently ignores {extra} of them",
    short_stacked_states=("Keras silently drops the {missing} cell(s) without a state: the "
                          "layer's output comes from cell {given}"),
    nested_list_state="reads it as {count} separate states, not as one array",
    model_call_state="ignores it silently (or raises TypeError on symbolic inputs)",
    constructor_state_error="'Unrecognized keyword arguments'",
    broadcasts_batch_one=True,
    get_initial_state_takes_inputs=False,
    return_runtime_layers=frozenset(),
)

KERAS2 = KerasVersion(
    major=2,
    name="Keras 2",
    checks_state_size=True,
    gru_extra_states=("Keras 2 raises ValueError when the layer is called (not compatible "
                      "with cell.state_size)"),
    short_stacked_states=("Keras 2 raises ValueError when the layer is called (not compatible "
                          "with cell.state_size)"),
    nested_list_state="fails on it (AttributeError: 'float' object has no attribute 'shape')",
    model_call_state="raises TypeError (call() got an unexpected keyword argument)",
    constructor_state_error="TypeError 'Keyword argument not understood'",
    broadcasts_batch_one=False,
    get_initial_state_takes_inputs=True,
    return_runtime_layers=frozenset({"GRU", "LSTM"}),
)

KERAS_VERSIONS = {2: KERAS2, 3: KERAS3}
# ConvLSTM constructors: spatial rank, and where each geometry argument sits
# (``ConvLSTM2D(filters, kernel_size, strides=1, padding="valid", data_format=None,
# dilation_rate=1, ...)``). Its states are shaped like its output: ``(batch, *space, filters)``
# (``channels_last``, Keras's default) or ``(batch, filters, *space)``; each spatial size is
# ``conv_output_length(size, kernel, padding, stride, dilation)``.
CONV_SPATIAL_RANK = {"ConvLSTM1D": 1, "ConvLSTM2D": 2, "ConvLSTM3D": 3}
CONV_ARGS = (("kernel_size", 1, None), ("strides", 2, 1), ("padding", 3, "valid"),
             ("data_format", 4, None), ("dilation_rate", 5, 1))
CONV_DEFAULT_DATA_FORMAT = "channels_last"

# dtypes that make an array of text: the only states Keras cannot cast (``Cast string to
# float is not supported``). Every numeric and bool dtype is cast silently.
STRING_DTYPE_NAMES = frozenset({"str", "string", "unicode", "bytes", "U", "S", "str_", "bytes_",
                                "unicode_", "string_"})
STRING_DTYPE_PREFIXES = ("U", "S")
# NumPy scalar types: called on a number they build a 0-d scalar, not an array.
NUMPY_SCALAR_TYPES = frozenset({"numpy.float16", "numpy.float32", "numpy.float64", "numpy.int32",
                                "numpy.int64", "numpy.double", "numpy.single"})

# Names only Keras 2 has, beyond the imports ``keras_version`` reads: a file that spells one
# is Keras 2 code (Keras 2.3's own tests import plain ``keras``), and the Keras 3 migration
# rules stay silent there.
KERAS2_ONLY_NAMES = ("CuDNNGRU", "CuDNNLSTM", "tensorflow_backend", "keras.utils.test_utils",
                     "keras.legacy", "wrappers.scikit_learn", "keras.layers.recurrent")

# ``tf.data`` pipelines (``gru_lint.analysis.datasets``): where a dataset of known rows comes
# from, and the methods that keep its rows (before ``batch``) or its batches (after it).
DATASET_SOURCES = frozenset({"tensorflow.data.Dataset.from_tensor_slices"})
DATASET_BATCH_SAFE_METHODS = frozenset({"shuffle", "map", "cache", "prefetch"})
DATASET_ROW_SAFE_METHODS = frozenset({"shuffle", "map", "cache", "prefetch"})
# Layers that map each batch row to one output row (so their output has their input's batch).
BATCH_PRESERVING_LAYERS = frozenset(
    f"keras.layers.{name}" for name in ("Embedding", "Dense", "Dropout", "LayerNormalization",
                                        "BatchNormalization", "Masking", "TimeDistributed",
                                        "Conv1D", "GRU", "LSTM", "SimpleRNN", "Bidirectional")
)
# ``keras.layers.StackedRNNCells``: a cell stack the value engine does not model; its
# ``get_initial_state(batch_size=None)`` has the Keras 3 signature of the other cells.
STACKED_CELLS_NAMES = frozenset({"keras.layers.StackedRNNCells", "keras.src.layers.StackedRNNCells"})
