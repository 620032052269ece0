"""Array functions that change a shape in a way that can be computed exactly.

``np.stack``/``tf.stack``/``ops.stack`` (and ``vstack``/``hstack``) of arrays of one
known shape; reductions (``np.mean(x, axis=0)``, ``x.sum(axis=-1)``,
``tf.reduce_mean``, ``ops.max``, with ``keepdims``); ``linspace``/``arange``/``range``
of known lengths; ``tile``, ``repeat``, ``broadcast_to`` and ``squeeze``. So a state
built as ``np.random.rand(4, 64).mean(axis=0)`` or ``np.linspace(0, 1, 64)`` is seen
as 1-D. Any argument that is not known exactly (an axis, a count, a float range
length, a dimension that may be 1) gives an unknown result.
"""

from __future__ import annotations

import ast
from typing import List, Optional, Tuple

from gru_lint.analysis.values import UNKNOWN, Array, Num, Seq, Value, to_dim

_LIBS = ("numpy", "tensorflow", "keras.ops")
STACK = frozenset(f"{m}.stack" for m in _LIBS)
_VHSTACK = frozenset({"numpy.vstack", "numpy.hstack", "keras.ops.vstack", "keras.ops.hstack"})
# Reductions: the array is the first argument, then ``axis`` (positional or keyword), ``keepdims``.
REDUCTIONS = frozenset(
    [f"numpy.{f}" for f in ("mean", "sum", "max", "min", "prod", "std", "var", "amax", "amin",
                            "median", "average")]
    + [f"tensorflow.{p}reduce_{f}" for p in ("", "math.")
       for f in ("mean", "sum", "max", "min", "prod", "std", "variance")]
    + [f"keras.ops.{f}" for f in ("mean", "sum", "max", "min", "prod", "std", "var")]
)
REDUCTION_METHODS = frozenset({"mean", "sum", "max", "min", "prod", "std", "var"})
LINSPACE = {"numpy.linspace": 50, "keras.ops.linspace": 50, "tensorflow.linspace": None}
ARANGE = {"numpy.arange": ("stop", "step"), "keras.ops.arange": ("stop", "step"),
          "tensorflow.range": ("limit", "delta")}
TILE = {"numpy.tile": "numpy", "keras.ops.tile": "numpy", "tensorflow.tile": "exact"}
REPEAT = frozenset(f"{m}.repeat" for m in _LIBS)
BROADCAST = frozenset(f"{m}.broadcast_to" for m in _LIBS)
SQUEEZE = frozenset(f"{m}.squeeze" for m in _LIBS)


def _int(value: Value) -> Optional[int]:
    return value.value if isinstance(value, Num) and type(value.value) is int else None


def _origin(qualname: str, parts) -> str:
    if qualname.startswith("numpy") and all(p.origin == "numpy" for p in parts):
        return "numpy"
    return "tensor"


def _times(a, b):
    """One dimension multiplied by a repeat count (exact, or unknown)."""
    if a == 1:
        return b
    if b == 1:
        return a
    if isinstance(a, int) and isinstance(b, int):
        return a * b
    return None


class ArrayFunctions:
    """The array-function half of the evaluator (mixed into ``infer.Evaluator``)."""

    def array_call(self, qualname: str, node: ast.Call) -> Value:
        if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None
                                                                     for k in node.keywords):
            return UNKNOWN
        if qualname in STACK or qualname in _VHSTACK:
            return self._stack(qualname, node)
        if qualname in REDUCTIONS:
            return self._reduce(qualname, node)
        if qualname in LINSPACE:
            return self._linspace(qualname, node)
        if qualname in ARANGE:
            return self._arange(qualname, node)
        if qualname in TILE:
            return self._tile(qualname, node)
        if qualname in REPEAT:
            return self._repeat(qualname, node)
        if qualname in BROADCAST:
            shape = self._shape_from(self._arg(node, 1, "shape"))
            base = self.value(self._arg(node, 0, None))
            if shape is None or not isinstance(base, Array):
                return UNKNOWN
            return Array(shape, _origin(qualname, [base]))
        if qualname in SQUEEZE:
            return self._squeeze(qualname, node)
        return UNKNOWN

    def array_method(self, base: Array, method: str, node: ast.Call) -> Value:
        """``x.mean(axis=0)``, ``x.squeeze()`` on a NumPy array."""
        if base.origin != "numpy":
            return UNKNOWN  # tensors have no such methods
        if method in REDUCTION_METHODS:
            return self._reduced(base, node.args, node.keywords, "numpy")
        if method == "squeeze":
            return self._squeezed(base, node.args[0] if node.args else self._kw(node, "axis"),
                                  "numpy")
        return UNKNOWN

    # -- helpers -------------------------------------------------------------------
    @staticmethod
    def _kw(node: ast.Call, name: str) -> Optional[ast.AST]:
        for kw in node.keywords:
            if kw.arg == name:
                return kw.value
        return None

    def _arg(self, node: ast.Call, pos: Optional[int], name: Optional[str]):
        found = self._kw(node, name) if name else None
        if found is None and pos is not None and pos < len(node.args):
            found = node.args[pos]
        return found

    def _axes(self, node: Optional[ast.AST], rank: int) -> Optional[Tuple[int, ...]]:
        """The axes an ``axis=`` argument names, normalised; () for None; None if unknown."""
        if node is None:
            return tuple(range(rank))
        value = self.value(node)
        if isinstance(value, Num) and value.value is None:
            return tuple(range(rank))
        items = value.items if isinstance(value, Seq) else (value,)
        axes = []
        for item in items:
            a = _int(item)
            if a is None or not -rank <= a < rank:
                return None
            axes.append(a % rank)
        if len(set(axes)) != len(axes):
            return None
        return tuple(axes)

    def _parts(self, node: Optional[ast.AST]) -> Optional[List[Array]]:
        if node is None:
            return None
        items = self.iteration_items(node)
        if not items or not all(isinstance(p, Array) and p.shape is not None for p in items):
            return None
        return items

    # -- shapes --------------------------------------------------------------------
    def _stack(self, qualname: str, node: ast.Call) -> Value:
        parts = self._parts(self._arg(node, 0, None))
        if parts is None or len({p.shape for p in parts}) != 1:
            return UNKNOWN
        shape = parts[0].shape
        origin = _origin(qualname, parts)
        if qualname in _VHSTACK:
            if len(shape) == 0:
                return UNKNOWN
            if qualname.endswith("vstack"):
                if len(shape) == 1:
                    return Array((len(parts),) + shape, origin)
                return Array((_sum_dim(shape[0], len(parts)),) + shape[1:], origin)
            axis = 0 if len(shape) == 1 else 1
            return Array(shape[:axis] + (_sum_dim(shape[axis], len(parts)),) + shape[axis + 1:],
                         origin)
        axis_node = self._arg(node, 1, "axis")
        axis = _int(self.value(axis_node)) if axis_node is not None else 0
        rank = len(shape) + 1
        if axis is None or not -rank <= axis < rank:
            return UNKNOWN
        axis %= rank
        return Array(shape[:axis] + (len(parts),) + shape[axis:], origin)

    def _reduce(self, qualname: str, node: ast.Call) -> Value:
        base = self.value(node.args[0]) if node.args else UNKNOWN
        if not isinstance(base, Array) or base.shape is None:
            return UNKNOWN
        return self._reduced(base, node.args[1:], node.keywords, _origin(qualname, [base]))

    def _reduced(self, base: Array, args, keywords, origin: str) -> Value:
        if base.shape is None or len(args) > 1:
            return UNKNOWN
        kws = {k.arg: k.value for k in keywords}
        if set(kws) - {"axis", "keepdims", "dtype"}:
            return UNKNOWN
        axis_node = args[0] if args else kws.get("axis")
        if args and "axis" in kws:
            return UNKNOWN
        rank = len(base.shape)
        axes = self._axes(axis_node, rank)
        if axes is None:
            return UNKNOWN
        keep = False
        if "keepdims" in kws:
            flag = self.value(kws["keepdims"])
            if not (isinstance(flag, Num) and isinstance(flag.value, bool)):
                return UNKNOWN
            keep = flag.value
        shape = tuple(1 if i in axes else d for i, d in enumerate(base.shape)) if keep else \
            tuple(d for i, d in enumerate(base.shape) if i not in axes)
        return Array(shape, origin)

    def _linspace(self, qualname: str, node: ast.Call) -> Value:
        if set(k.arg for k in node.keywords) - {"num", "endpoint", "dtype"} or len(node.args) > 4:
            return UNKNOWN
        start, stop = (self.value(self._arg(node, i, n)) for i, n in ((0, "start"), (1, "stop")))
        if not all(isinstance(v, Num) and isinstance(v.value, (int, float)) for v in (start, stop)):
            return UNKNOWN  # array bounds give a 2-D result
        num_node = self._arg(node, 2, "num")
        num = LINSPACE[qualname] if num_node is None else _int(self.value(num_node))
        if num is None or num < 0:
            return UNKNOWN
        return Array((num,), "numpy" if qualname.startswith("numpy") else "tensor")

    def _arange(self, qualname: str, node: ast.Call) -> Value:
        stop_name, step_name = ARANGE[qualname]
        kws = {k.arg: k.value for k in node.keywords}
        if set(kws) - {"start", stop_name, step_name, "dtype"} or len(node.args) > 3:
            return UNKNOWN
        nodes = list(node.args) + [None] * (3 - len(node.args))
        start, stop, step = (kws.get(n, nodes[i]) for i, n in
                             enumerate(("start", stop_name, step_name)))
        if stop is None:
            start, stop = None, start
        values = [_int(self.value(n)) if n is not None else d
                  for n, d in ((start, 0), (stop, None), (step, 1))]
        if any(v is None for v in values) or values[2] == 0:
            return UNKNOWN  # float ranges: the length depends on rounding
        return Array((len(range(*values)),), "numpy" if qualname.startswith("numpy") else "tensor")

    def _tile(self, qualname: str, node: ast.Call) -> Value:
        base = self.value(self._arg(node, 0, None))
        reps_value = self.value(self._arg(node, 1, None))
        if not isinstance(base, Array) or base.shape is None or node.keywords:
            return UNKNOWN
        items = reps_value.items if isinstance(reps_value, Seq) else (reps_value,)
        reps = [to_dim(v) for v in items]
        if any(r is None for r in reps):
            return UNKNOWN
        shape = list(base.shape)
        if TILE[qualname] == "exact":
            if len(reps) != len(shape):
                return UNKNOWN  # tf.tile raises
        else:
            shape = [1] * (len(reps) - len(shape)) + shape
            reps = [1] * (len(shape) - len(reps)) + reps
        return Array(tuple(_times(d, r) for d, r in zip(shape, reps)), _origin(qualname, [base]))

    def _repeat(self, qualname: str, node: ast.Call) -> Value:
        base = self.value(self._arg(node, 0, None))
        count = _int(self.value(self._arg(node, 1, "repeats")))
        axis_node = self._arg(node, 2, "axis")
        if not isinstance(base, Array) or base.shape is None or count is None or axis_node is None:
            return UNKNOWN  # no axis: flattened
        axes = self._axes(axis_node, len(base.shape))
        if axes is None or len(axes) != 1:
            return UNKNOWN
        shape = list(base.shape)
        shape[axes[0]] = _times(shape[axes[0]], count)
        return Array(tuple(shape), _origin(qualname, [base]))

    def _squeeze(self, qualname: str, node: ast.Call) -> Value:
        base = self.value(self._arg(node, 0, None))
        if not isinstance(base, Array):
            return UNKNOWN
        return self._squeezed(base, self._arg(node, 1, "axis"), _origin(qualname, [base]))

    def _squeezed(self, base: Array, axis_node, origin: str) -> Value:
        if base.shape is None:
            return UNKNOWN
        if axis_node is None:
            if any(not isinstance(d, int) for d in base.shape):
                return UNKNOWN  # a dimension that may be 1
            return Array(tuple(d for d in base.shape if d != 1), origin)
        axes = self._axes(axis_node, len(base.shape))
        if axes is None or any(base.shape[a] != 1 for a in axes):
            return UNKNOWN
        return Array(tuple(d for i, d in enumerate(base.shape) if i not in axes), origin)


def _sum_dim(dim, count: int):
    if isinstance(dim, int):
        return dim * count
    return None if count != 1 else dim

