"""The abstract values shape inference computes.

A dimension (``Dim``) is an ``int``, a ``Sym`` (an integer known only by where
it comes from: the same ``Sym`` is the same number, two different ones may or
may not be) or ``None`` (unknown). Values that cannot be known are ``UNKNOWN``.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Optional, Tuple, Union

from gru_lint.keras_facts import LayerSpec


class Value:
    __slots__ = ()


class _Unknown(Value):
    __slots__ = ()

    def __repr__(self):
        return "UNKNOWN"


UNKNOWN = _Unknown()


@dataclass(frozen=True)
class Sym:
    """An integer whose value is unknown but whose identity is: ``latent_dim``, ``2 * h``."""

    key: str
    text: str


Dim = Union[int, Sym, None]


@dataclass(frozen=True)
class Num(Value):
    value: object  # int, float, bool or complex


@dataclass(frozen=True)
class Str(Value):
    value: str


@dataclass(frozen=True)
class Opaque(Value):
    """A name bound once to something unknown (a parameter, ``args.units``): same name, same value."""

    key: str
    text: str


@dataclass(frozen=True)
class Ref(Value):
    """An imported module or an attribute of one, canonicalised (``keras.layers.GRU``)."""

    qualname: str


@dataclass(frozen=True)
class Seq(Value):
    """A Python list or tuple literal (of states, of dimensions, ...)."""

    items: Tuple[Value, ...]
    kind: str = "list"
    node: Optional[ast.AST] = None
    # The source node of each item when the literal is written out, for precise spans.
    item_nodes: Tuple[Optional[ast.AST], ...] = ()

    def node_of(self, i: int) -> Optional[ast.AST]:
        return self.item_nodes[i] if i < len(self.item_nodes) else None


@dataclass(frozen=True)
class DictVal(Value):
    """A dict literal with constant keys (``{"units": 64}``, ``dict(units=64)``): a config."""

    keys: Tuple[object, ...]
    items: Tuple[Value, ...]

    def get(self, key) -> Optional[Value]:
        for k, v in zip(self.keys, self.items):
            if k == key and type(k) is type(key):
                return v
        return None


@dataclass(frozen=True)
class Array(Value):
    """A NumPy array or a tensor of known rank (``shape``) or unknown rank (``shape is None``).

    ``origin``: "numpy", "tensor", "input" (``keras.Input``), "layer" (a layer's output).
    ``ctor``: the constructor call when the array was built by a known constructor,
    ``shape_node``: the node that spells its shape there (what a fix rewrites).
    ``key``: identity of the array (a single binding), so that ``tf.shape(x)[0]``
    can be matched with ``x``.
    """

    shape: Optional[Tuple[Dim, ...]]
    origin: str = "numpy"
    ctor: Optional[ast.Call] = None
    shape_node: Optional[ast.AST] = None
    key: Optional[str] = None
    layer: Optional["LayerVal"] = None  # for layer outputs: the layer that produced it
    # The node spelling each dimension in the constructor, when written out (fixes reuse them).
    dim_nodes: Optional[Tuple[Optional[ast.AST], ...]] = None

    @property
    def rank(self) -> Optional[int]:
        return None if self.shape is None else len(self.shape)


@dataclass(frozen=True)
class ShapeOf(Value):
    """``x.shape`` or ``tf.shape(x)``: indexing it yields x's dimensions."""

    array: Value
    key: Optional[str]


@dataclass(frozen=True)
class LayerVal(Value):
    """A Keras layer (or cell) built by a constructor call we can read."""

    spec: LayerSpec
    node: ast.Call
    units: Dim = None
    units_node: Optional[ast.AST] = None
    return_state: Optional[bool] = False
    return_sequences: Optional[bool] = False
    stateful: Optional[bool] = False
    merge_mode: Optional[str] = "concat"
    wrapped: Optional["LayerVal"] = None  # Bidirectional(layer) / RNN(cell)
    cells: Optional[Tuple["LayerVal", ...]] = None  # RNN([cell, cell])
    display: str = ""
    backward: Optional["LayerVal"] = None  # Bidirectional(..., backward_layer=...)

    def states(self) -> Optional[Tuple[Tuple[str, "LayerVal"], ...]]:
        """The flat list of states this layer takes: (label, cell) pairs; None if unknown."""
        kind = self.spec.kind
        if kind in ("rnn", "cell", "conv"):
            return tuple((name, self) for name in self.spec.state_names)
        if kind == "generic_rnn":
            if self.wrapped is not None:
                return self.wrapped.states()
            return None
        if kind == "bidirectional" and self.wrapped is not None:
            inner = self.wrapped.states()
            if inner is None:
                return None
            back = self.backward.states() if self.backward is not None else inner
            if back is None:
                return None
            return tuple((f"forward {n}", c) for n, c in inner) + tuple(
                (f"backward {n}", c) for n, c in back
            )
        return None

    @property
    def innermost(self) -> "LayerVal":
        return self.wrapped.innermost if self.wrapped is not None else self

    @property
    def is_stacked(self) -> bool:
        return self.cells is not None


@dataclass(frozen=True)
class OtherLayer(Value):
    """A non-recurrent Keras layer whose output shape we can follow (Dense, Concatenate, Embedding)."""

    name: str
    node: ast.Call
    units: Dim = None
    axis: int = -1


@dataclass(frozen=True)
class ModelVal(Value):
    """``Sequential(...)`` or ``Model(...)``: calling it with ``initial_state`` ignores the state."""

    kind: str
    node: ast.Call
    layers: Tuple[Tuple[Value, Optional[ast.AST]], ...] = ()


@dataclass(frozen=True)
class UserDefined(Value):
    """A function or class defined in the file: never Keras's, whatever its name."""

    node: ast.AST


@dataclass(frozen=True)
class Instance(Value):
    """An instance of a class defined in the file: ``Encoder(vocab, 256, 1024, 64)``.

    ``init`` is the frame its ``__init__`` ran in (``summaries.Frame``), None when the
    class has none; ``keras``: a subclass of ``keras.Model``/``keras.layers.Layer``,
    whose ``instance(...)`` runs ``call(...)``.
    """

    cls: ast.ClassDef
    init: Optional[object]
    node: ast.Call
    keras: bool = False


def to_dim(value: Value) -> Dim:
    if isinstance(value, Num) and type(value.value) is int:
        return value.value
    if isinstance(value, Sym):
        return value
    if isinstance(value, Opaque):
        return Sym(value.key, value.text)
    return None


def dim_text(dim: Dim) -> str:
    if dim is None:
        return "?"
    if isinstance(dim, Sym):
        return dim.text
    return str(dim)


def shape_text(shape) -> str:
    parts = [dim_text(d) for d in shape]
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


def dims_differ(a: Dim, b: Dim) -> bool:
    """True only when ``a`` and ``b`` are known to be different numbers."""
    return isinstance(a, int) and isinstance(b, int) and a != b


def dims_equal(a: Dim, b: Dim) -> bool:
    """True only when ``a`` and ``b`` are known to be the same number."""
    if a is None or b is None:
        return False
    if isinstance(a, int) and isinstance(b, int):
        return a == b
    return a == b
