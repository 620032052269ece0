"""Element-wise arithmetic, element-wise functions and reshapes, with exact shapes.

- **Broadcasting** (NumPy's rule, which TensorFlow and Keras follow): shapes are aligned
  on the right, a missing dimension counts as 1 and a dimension of 1 stretches. A Python
  number and a 0-d array (``x.mean()``) are shape ``()``, so ``(raw - raw.mean()) /
  raw.std()`` keeps ``raw``'s shape. A dimension is exact when both sides agree or one is 1;
  a known size other than 1 wins over one that is not known (that one must be 1 or the
  same size, or the program fails there); two sizes neither of which is known give an
  unknown dimension. Two different known sizes, an operand of unknown rank, or one that
  is neither an array nor a number (a list, a parameter) make the result unknown. ``@``
  is not element-wise: unknown.
- **Element-wise functions** (``keras_facts.ELEMENTWISE``: ``np.sin``, ``tf.math.sigmoid``,
  ``ops.clip``, ``np.maximum``, ...): the broadcast shape of their array arguments.
- **Reshapes** (``x.reshape(12, 8, 1)``, ``np.reshape(x, (12, 8, 1))``, ``tf.reshape``) to
  a shape written out give that shape whatever ``x`` is: a reshape to another size raises.
  A ``-1`` is computed from ``x``'s size when every dimension of both is a known number,
  and is an unknown dimension otherwise.

The result of any of these is a new array: it keeps no constructor a fix could rewrite.
"""

from __future__ import annotations

import ast
from typing import Iterable, List, Optional, Sequence, Tuple

from gru_lint.analysis.values import UNKNOWN, Array, Dim, Num, Opaque, Seq, Value
from gru_lint.keras_facts import ELEMENTWISE, ELEMENTWISE_PARAMETERS

RESHAPE = frozenset({"tensorflow.reshape", "numpy.reshape", "keras.ops.reshape"})
_RESHAPE_SHAPE_KEYWORDS = ("shape", "newshape")
_RESHAPE_PARAMETERS = frozenset({"order", "name", "copy"})
_SYMBOLIC = frozenset({"input", "layer"})
_CLASH = object()


def broadcast_dim(a: Dim, b: Dim):
    """One dimension of a broadcast; ``_CLASH`` when two known sizes cannot broadcast."""
    if a == 1:
        return b
    if b == 1:
        return a
    if isinstance(a, int) and isinstance(b, int):
        return a if a == b else _CLASH
    if isinstance(a, int):
        return a  # b, unknown, is 1 or a
    if isinstance(b, int):
        return b
    if a is not None and a == b:
        return a  # the same symbolic size
    return None


def broadcast_shapes(shapes: Sequence[Tuple[Dim, ...]]) -> Optional[Tuple[Dim, ...]]:
    rank = max(len(s) for s in shapes)
    out: List[Dim] = [1] * rank
    for shape in shapes:
        padded = (1,) * (rank - len(shape)) + tuple(shape)
        for i, d in enumerate(padded):
            dim = broadcast_dim(out[i], d)
            if dim is _CLASH:
                return None
            out[i] = dim
    return tuple(out)


def derived_origin(numpy_op: bool, arrays: Iterable[Array]) -> str:
    """What an array computed from ``arrays`` is: symbolic if one is, NumPy if all are."""
    origins = {a.origin for a in arrays}
    if origins & _SYMBOLIC:
        return "layer"
    if numpy_op and origins <= {"numpy"}:
        return "numpy"
    return "tensor"


def broadcast(values: Sequence[Value], numpy_op: bool) -> Value:
    """The array element-wise arithmetic of ``values`` gives, or UNKNOWN."""
    shapes, arrays = [], []
    for value in values:
        if isinstance(value, Array):
            if value.shape is None:
                return UNKNOWN
            shapes.append(value.shape)
            arrays.append(value)
        elif isinstance(value, Num) and isinstance(value.value, (int, float)):
            shapes.append(())
        else:
            return UNKNOWN
    shape = broadcast_shapes(shapes) if shapes else None
    if shape is None:
        return UNKNOWN
    return Array(shape, derived_origin(numpy_op, arrays))


def _size(shape) -> Optional[int]:
    size = 1
    for d in shape:
        if not isinstance(d, int):
            return None
        size *= d
    return size


def reshaped(base: Value, shape: Optional[Tuple[Dim, ...]], origin: str) -> Value:
    """``base`` reshaped to ``shape`` (one ``-1`` allowed), or UNKNOWN."""
    if shape is None or any(isinstance(d, int) and d < -1 for d in shape):
        return UNKNOWN
    holes = [i for i, d in enumerate(shape) if isinstance(d, int) and d == -1]
    if len(holes) > 1:
        return UNKNOWN
    if holes:
        rest = _size(d for i, d in enumerate(shape) if i != holes[0])
        size = _size(base.shape) if isinstance(base, Array) and base.shape is not None else None
        dim: Dim = None
        if rest is not None and size is not None:
            if rest == 0 or size % rest:
                return UNKNOWN  # NumPy and TensorFlow raise
            dim = size // rest
        shape = shape[:holes[0]] + (dim,) + shape[holes[0] + 1:]
    elif isinstance(base, Array) and base.shape is not None:
        size, new = _size(base.shape), _size(shape)
        if size is not None and new is not None and size != new:
            return UNKNOWN  # raises
    return Array(shape, origin)


class Elementwise:
    """The element-wise half of the evaluator (mixed into ``infer.Evaluator``)."""

    def elementwise_call(self, qualname: str, node: ast.Call) -> Value:
        """``np.sin(x)``, ``ops.clip(x, 0.0, 1.0)``: the broadcast of the array arguments."""
        params = ELEMENTWISE[qualname]
        if len(node.args) > len(params) or any(isinstance(a, ast.Starred) for a in node.args):
            return UNKNOWN
        given = {pos: arg for pos, arg in enumerate(node.args)}
        names = {name: pos for pos, name in params}
        for kw in node.keywords:
            if kw.arg in names and names[kw.arg] not in given:
                given[names[kw.arg]] = kw.value
            elif kw.arg not in ELEMENTWISE_PARAMETERS:
                return UNKNOWN  # out=, where=, **kwargs, an argument given twice
        if len(given) != len(params):
            return UNKNOWN
        values = [self.value(given[pos]) for pos, _ in params]
        return broadcast(values, qualname.startswith("numpy."))

    def reshape_call(self, qualname: str, node: ast.Call) -> Value:
        """``np.reshape(x, (12, 8, 1))``, ``tf.reshape(x, [-1, 8])``."""
        if any(isinstance(a, ast.Starred) for a in node.args) or not node.args:
            return UNKNOWN
        shape_node = node.args[1] if len(node.args) > 1 else None
        for kw in node.keywords:
            if kw.arg in _RESHAPE_SHAPE_KEYWORDS and shape_node is None:
                shape_node = kw.value
            elif kw.arg not in _RESHAPE_PARAMETERS:
                return UNKNOWN
        if shape_node is None or len(node.args) > 3:
            return UNKNOWN
        base = self.value(node.args[0])
        if isinstance(base, Array):
            origin = derived_origin(qualname.startswith("numpy."), [base])
        else:
            origin = "numpy" if qualname.startswith("numpy.") and isinstance(base, Seq) else "tensor"
        return reshaped(base, self._shape_from(shape_node), origin)

    def reshape_method(self, base: Value, node: ast.Call) -> Value:
        """``x.reshape(12, 8, 1)`` / ``x.reshape((12, 8, 1))`` of an array (or of an unknown
        value: only arrays have that method, and the result has the shape written out)."""
        if not isinstance(base, (Array, Opaque)) and base is not UNKNOWN:
            return UNKNOWN
        if not node.args or any(isinstance(a, ast.Starred) for a in node.args) \
                or any(kw.arg not in ("order", "copy") for kw in node.keywords):
            return UNKNOWN
        if len(node.args) == 1:
            shape = self._shape_from(node.args[0])
        else:
            shape = self._dims(node.args)
        origin = base.origin if isinstance(base, Array) else "tensor"
        return reshaped(base, shape, origin)

    def negated(self, operand: Value) -> Value:
        """``-x``, ``+x``, ``~x`` of an array: its shape."""
        if isinstance(operand, Array) and operand.shape is not None:
            return Array(operand.shape, derived_origin(True, [operand]))
        return UNKNOWN
