"""What calls build: arrays (``np.zeros((b, 64))``, ``keras.Input``), layers and models.

The constructor half of the evaluator (mixed into ``infer.Evaluator``): a Keras
recurrent layer's call gives a ``LayerVal`` read from the ``keras_facts`` tables, a
model class a ``ModelVal``, an array constructor an ``Array`` with the nodes a fix may
rewrite, and calling a layer gives its output (and states, with ``return_state``).
"""

from __future__ import annotations

import ast
from typing import Optional, Tuple

from gru_lint.analysis.values import (
    UNKNOWN,
    Array,
    Dim,
    LayerVal,
    ModelVal,
    Num,
    Opaque,
    OtherLayer,
    Seq,
    ShapeOf,
    Str,
    Sym,
    Value,
    to_dim,
)
from gru_lint.keras_facts import (
    ARRAY_CONSTRUCTORS,
    BIDIRECTIONAL_FACTOR,
    LAYER_MODULES,
    MERGE_LAYERS,
    SHAPE_KEEPING_LAYERS,
    LAYERS,
    MODELS,
    MODEL_MODULES,
)


def layer_class(qualname: str) -> Optional[str]:
    """``keras.layers.GRU`` -> ``"GRU"`` when the name is a Keras recurrent class."""
    module, _, name = qualname.rpartition(".")
    if name in LAYERS and any(module == m or module.startswith(m + ".") for m in LAYER_MODULES):
        return name
    return None


def model_class(qualname: str) -> Optional[str]:
    module, _, name = qualname.rpartition(".")
    if name in MODELS and (module == "keras" or any(module == m or module.startswith(m + ".")
                                                    for m in MODEL_MODULES)):
        return name
    return None


def other_layer_class(qualname: str) -> Optional[str]:
    module, _, name = qualname.rpartition(".")
    if (name in ("Dense", "Concatenate", "Embedding") or name in SHAPE_KEEPING_LAYERS
            or name in MERGE_LAYERS) and any(module == m or module.startswith(m + ".")
                                             for m in LAYER_MODULES):
        return name
    return None


# Constructor keywords some rules read from the call's text (``initial_state=`` for
# GRU008, ``return_runtime=`` for GRU010): given through ``**``, the layer is not known.
_UNREAD_UNPACKED = frozenset({"initial_state", "return_runtime"})


class Construction:
    """Arrays, layers and models built by calls (mixed into ``infer.Evaluator``)."""

    def _literal_array(self, node: ast.Call) -> Value:
        arg = self.value(node.args[0])
        shape = _nested_shape(arg)
        if shape is None:
            if isinstance(arg, Array):
                return Array(arg.shape, arg.origin, key=arg.key)
            return UNKNOWN
        return Array(shape, "numpy", ctor=node)

    def _construct_array(self, qualname: str, node: ast.Call) -> Value:
        how, where = ARRAY_CONSTRUCTORS[qualname]
        origin = "numpy" if qualname.startswith("numpy") else "tensor"
        if how == "like":
            if not node.args:
                return UNKNOWN
            src = self.value(node.args[0])
            if isinstance(src, Array):
                return Array(src.shape, origin, ctor=node)
            return UNKNOWN
        if how == "dims":
            if any(isinstance(a, ast.Starred) for a in node.args) or node.keywords and not node.args:
                return UNKNOWN
            return Array(self._dims(node.args), origin, ctor=node,
                         shape_node=node.args[0] if node.args else None,
                         dim_nodes=tuple(node.args))
        shape_node = call_argument(node, where if how == "size" else 0,
                               "size" if how == "size" else (where or "shape"))
        if shape_node is None:
            if how == "size":
                return Array((), origin, ctor=node)  # a scalar sample
            return UNKNOWN
        shape = self._shape_from(shape_node)
        if shape is None:
            return UNKNOWN
        return Array(shape, origin, ctor=node, shape_node=shape_node,
                     dim_nodes=_dim_nodes(shape_node, len(shape)))

    def _shape_from(self, node: Optional[ast.AST]) -> Optional[Tuple[Dim, ...]]:
        """A shape argument: ``(b, 64)``, ``[b, 64]``, ``64`` or ``x.shape``."""
        if node is None:
            return None
        value = self.value(node)
        if isinstance(value, Seq):
            if any(isinstance(i, (Seq, Array, Str)) for i in value.items):
                return None
            return tuple(_dim_or_none(i) for i in value.items)
        if isinstance(value, ShapeOf):
            return value.array.shape if isinstance(value.array, Array) else None
        if isinstance(value, Num) and type(value.value) is int:
            return (value.value,)
        if isinstance(value, (Sym, Opaque)):
            return None  # could be an int or a tuple: unknown rank
        return None

    def _dims(self, nodes) -> Tuple[Dim, ...]:
        return tuple(_dim_or_none(self.value(n)) for n in nodes)

    def _keras_input(self, node: ast.Call) -> Value:
        if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
            return UNKNOWN  # ``**{"batch_size": 4}``: the batch is not where it is looked for
        batch_shape = call_argument(node, None, "batch_shape")
        if batch_shape is not None:
            shape = self._shape_from(batch_shape)
            if not shape:
                return UNKNOWN
            return Array(shape, "input", ctor=node, shape_node=batch_shape,
                         dim_nodes=_dim_nodes(batch_shape, len(shape)))
        shape_node = call_argument(node, 0, "shape")
        if shape_node is None:
            return UNKNOWN
        shape = self._shape_from(shape_node)
        if shape is None:
            return UNKNOWN
        batch_node = call_argument(node, 1, "batch_size")
        batch: Dim = None
        if batch_node is not None:
            batch = _dim_or_none(self.value(batch_node))
        nodes = _dim_nodes(shape_node, len(shape))
        return Array((batch,) + shape, "input", ctor=node, shape_node=shape_node,
                     dim_nodes=(batch_node,) + nodes if nodes is not None else None)

    def _concat(self, list_node: ast.AST, axis: Optional[int]) -> Value:
        parts = self.value(list_node)
        if not isinstance(parts, Seq) or axis is None or not parts.items:
            return UNKNOWN
        shapes = [p.shape if isinstance(p, Array) else None for p in parts.items]
        if any(s is None for s in shapes) or len({len(s) for s in shapes}) != 1:
            return UNKNOWN
        rank = len(shapes[0])
        if not -rank <= axis < rank:
            return UNKNOWN
        axis %= rank
        out = list(shapes[0])
        total: Dim = shapes[0][axis]
        for s in shapes[1:]:
            total = _add_dims(total, s[axis])
        out[axis] = total
        origin = "tensor" if any(p.origin != "numpy" for p in parts.items) else "numpy"
        return Array(tuple(out), origin)

    def _expand_dims(self, node: ast.Call) -> Value:
        base = self.value(node.args[0])
        axis = self.value(node.args[1])
        if not isinstance(base, Array) or base.shape is None or not _is_int(axis):
            return UNKNOWN
        shape = list(base.shape)
        a = axis.value if axis.value >= 0 else len(shape) + 1 + axis.value
        if not 0 <= a <= len(shape):
            return UNKNOWN
        shape.insert(a, 1)
        return Array(tuple(shape), base.origin)

    # -- layers and models -----------------------------------------------------------
    def _build_layer(self, name: str, node: ast.Call) -> Value:
        spec = LAYERS[name]
        args = self.call_args(node)  # ``**layer_cfg`` / ``*args``: their items, when exact
        if args is None or any(k in _UNREAD_UNPACKED and a.node is None for k, a in args.keywords):
            return UNKNOWN
        if args.twice(spec.units_pos, spec.units_arg) or args.twice(spec.wrapped_pos, spec.wrapped_arg):
            return UNKNOWN  # a TypeError at run time
        units, units_node = None, None
        if spec.units_arg is not None:
            found = args.get(spec.units_pos, spec.units_arg)
            units_node = found.node if found is not None else None
            units = _dim_or_none(self.arg_value(found)) if found is not None else None
        wrapped, cells = None, None
        if spec.wrapped_arg is not None:
            inner = self.arg_value(args.get(spec.wrapped_pos, spec.wrapped_arg))
            if isinstance(inner, LayerVal):
                wrapped = inner
            elif spec.kind == "generic_rnn" and isinstance(inner, Seq):
                if not inner.items or not all(isinstance(c, LayerVal) and c.spec.kind == "cell"
                                              for c in inner.items):
                    return UNKNOWN
                cells = tuple(inner.items)
            else:
                return UNKNOWN
            if spec.kind == "generic_rnn" and wrapped is not None and wrapped.spec.kind != "cell":
                return UNKNOWN
            if spec.kind == "bidirectional" and wrapped.spec.kind not in ("rnn", "generic_rnn"):
                return UNKNOWN
        backward = None
        if spec.kind == "bidirectional" and args.keyword("backward_layer") is not None:
            backward = self.arg_value(args.keyword("backward_layer"))
            if not isinstance(backward, LayerVal) or backward.spec.kind not in ("rnn", "generic_rnn"):
                return UNKNOWN
        flags = {}
        for flag in ("return_state", "return_sequences", "stateful"):
            flags[flag] = self._flag(args.keyword(flag))
        if spec.kind == "bidirectional" and wrapped is not None:
            # Bidirectional reads these from the wrapped layer.
            flags["return_state"] = wrapped.return_state
            flags["return_sequences"] = wrapped.return_sequences
            flags["stateful"] = wrapped.stateful
        merge_mode = "concat"
        if args.keyword("merge_mode") is not None:
            mm = self.arg_value(args.keyword("merge_mode"))
            merge_mode = mm.value if isinstance(mm, Str) else None
        display = self._display(name, units_node, wrapped, cells, node)
        if units_node is None and args.unpacked and wrapped is None and cells is None:
            display = _unpacked_display(self, name, node)
        return LayerVal(spec, node, units, units_node, flags["return_state"],
                        flags["return_sequences"], flags["stateful"], merge_mode, wrapped, cells,
                        display, backward)

    def _display(self, name, units_node, wrapped, cells, node) -> str:
        if wrapped is not None:
            return f"{name}({wrapped.display})"
        if cells is not None:
            return f"{name}([{', '.join(c.display for c in cells)}])"
        if units_node is not None:
            text = self.text(units_node)
            if len(text) > 30:
                text = "..."
            return f"{name}({text})"
        return f"{name}(...)"

    def _flag(self, arg) -> Optional[bool]:
        if arg is None:
            return False
        value = self.arg_value(arg)
        if isinstance(value, Num) and isinstance(value.value, bool):
            return value.value
        return None

    def _build_model(self, kind: str, node: ast.Call) -> Value:
        layers = ()
        if kind == "Sequential":
            arg = call_argument(node, 0, "layers")
            if arg is not None and isinstance(arg, (ast.List, ast.Tuple)):
                layers = tuple((self.value(e), e) for e in arg.elts)
        return ModelVal(kind, node, layers)

    def _build_other_layer(self, name: str, node: ast.Call) -> Value:
        if name in SHAPE_KEEPING_LAYERS or name in MERGE_LAYERS:
            return OtherLayer(name, node)
        args = self.call_args(node)
        if args is None:
            return UNKNOWN
        if name in ("Dense", "Embedding"):
            pos, key = (0, "units") if name == "Dense" else (1, "output_dim")
            found = args.get(pos, key)
            units = _dim_or_none(self.arg_value(found)) if found is not None else None
            return OtherLayer(name, node, units)
        found = args.get(0, "axis")
        axis = -1
        if found is not None:
            v = self.arg_value(found)
            if not _is_int(v):
                return UNKNOWN
            axis = v.value
        return OtherLayer(name, node, None, axis)

    def _call_other_layer(self, layer: OtherLayer, node: ast.Call) -> Value:
        if not node.args:
            return UNKNOWN
        if layer.name == "Concatenate":
            return self._concat(node.args[0], layer.axis)
        if layer.name in MERGE_LAYERS:
            return self._merged(node.args[0])
        x = self.value(node.args[0])
        if layer.name in SHAPE_KEEPING_LAYERS:
            if not isinstance(x, Array) or x.shape is None:
                return UNKNOWN
            return Array(x.shape, "layer" if x.origin == "input" else x.origin)
        if not isinstance(x, Array) or x.shape is None or layer.units is None:
            return UNKNOWN
        origin = "layer" if x.origin == "input" else x.origin
        if layer.name == "Embedding":  # token ids (batch, steps) -> vectors (batch, steps, dim)
            return Array(x.shape + (layer.units,), origin)
        return Array(x.shape[:-1] + (layer.units,), origin)

    def _merged(self, node: ast.AST) -> Value:
        """``Average()([a, b])``: the shape every input has (a merge layer broadcasts
        otherwise, which is not followed)."""
        inputs = self.value(node)
        if not isinstance(inputs, Seq) or len(inputs.items) < 2:
            return UNKNOWN
        shapes = {x.shape if isinstance(x, Array) else None for x in inputs.items}
        if len(shapes) != 1 or None in shapes:
            return UNKNOWN
        (shape,) = shapes
        if any(d is None for d in shape):
            return UNKNOWN
        first = inputs.items[0]
        return Array(shape, "layer" if first.origin == "input" else first.origin)

    def _call_layer(self, layer: LayerVal, node: ast.Call) -> Value:
        """What ``layer(x)`` returns: the output, and the states with ``return_state``."""
        if layer.spec.kind in ("cell", "conv") or layer.is_stacked:
            return UNKNOWN
        if layer.return_state is None or layer.return_sequences is None:
            return UNKNOWN
        inner = layer.innermost
        if inner.spec.kind == "generic_rnn" or inner.wrapped is not None:
            cell = inner.wrapped if inner.wrapped is not None else inner
            units = cell.units
        else:
            units = inner.units
        x_node = call_argument(node, 0, "inputs") or call_argument(node, None, "sequences")
        x = self.value(x_node)
        shape = x.shape if isinstance(x, Array) else None
        if shape is not None and len(shape) != 3:
            return UNKNOWN
        batch = shape[0] if shape is not None else None
        if batch is None:
            key = x.key if isinstance(x, (Array, Opaque)) else None
            batch = Sym("batch:" + key, "batch") if key else None
        time = shape[1] if shape is not None else None
        origin = "layer"
        out_units = units
        if layer.backward is not None:
            return UNKNOWN  # two widths: keep it simple and silent
        if layer.spec.kind == "bidirectional":
            if layer.merge_mode == "concat":
                out_units = _mul_dim(units, BIDIRECTIONAL_FACTOR)
            elif layer.merge_mode not in ("sum", "mul", "ave"):
                return UNKNOWN
        out_shape = (batch, time, out_units) if layer.return_sequences else (batch, out_units)
        output = Array(out_shape, origin, layer=layer)
        if not layer.return_state:
            return output
        states = layer.states()
        if states is None:
            return UNKNOWN
        state_arrays = tuple(Array((batch, units), origin, layer=layer) for _ in states)
        return Seq((output,) + state_arrays, "list")



# -- small helpers ------------------------------------------------------------------
def _unpacked_display(ev, name: str, node: ast.Call) -> str:
    """``GRU(**layer_cfg)``: the call's arguments as written, when short."""
    text = ", ".join(ev.text(a) for a in node.args) if node.args else ""
    rest = ", ".join(("**" + ev.text(k.value)) if k.arg is None else f"{k.arg}={ev.text(k.value)}"
                     for k in node.keywords)
    inside = ", ".join(t for t in (text, rest) if t)
    return f"{name}({inside if len(inside) <= 30 else '...'})"


def _dim_nodes(shape_node: Optional[ast.AST], rank: int):
    """The nodes of a written-out shape: ``(B, 64)`` -> (B, 64); ``64`` -> (64,)."""
    if isinstance(shape_node, (ast.Tuple, ast.List)):
        if len(shape_node.elts) == rank and not any(isinstance(e, ast.Starred) for e in shape_node.elts):
            return tuple(shape_node.elts)
        return None
    if shape_node is not None and rank == 1 and not isinstance(shape_node, (ast.Attribute, ast.Call)):
        return (shape_node,)
    return None


def call_argument(node: ast.Call, pos: Optional[int], name: Optional[str]) -> Optional[ast.AST]:
    if name is not None:
        for kw in node.keywords:
            if kw.arg == name:
                return kw.value
    if pos is not None and pos < len(node.args) and not any(
        isinstance(a, ast.Starred) for a in node.args[: pos + 1]
    ):
        return node.args[pos]
    return None


def _is_int(value: Value) -> bool:
    return isinstance(value, Num) and type(value.value) is int


def _dim_or_none(value: Value) -> Dim:
    return to_dim(value)


def _nested_shape(value: Value) -> Optional[Tuple[int, ...]]:
    """The shape of a nested list of numbers, as ``np.array`` would see it."""
    if isinstance(value, Num) and isinstance(value.value, (int, float, bool)):
        return ()
    if isinstance(value, Seq) and value.items:
        inner = [_nested_shape(i) for i in value.items]
        if any(s is None for s in inner) or len(set(inner)) != 1:
            return None
        return (len(value.items),) + inner[0]
    return None


def _key(dim) -> str:
    return dim.key if isinstance(dim, Sym) else str(dim)


def _add_dims(a: Dim, b: Dim) -> Dim:
    if isinstance(a, int) and isinstance(b, int):
        return a + b
    if a is None or b is None:
        return None
    ka, kb = sorted((_key(a), _key(b)))
    if ka == kb:
        return _mul_dim(a, 2)
    return Sym(f"({ka}+{kb})", f"{_text(a)} + {_text(b)}")


def _mul_dim(a: Dim, k: int) -> Dim:
    if isinstance(a, int):
        return a * k
    if a is None:
        return None
    ka, kb = sorted((_key(a), str(k)))
    return Sym(f"({ka}*{kb})", f"{k} * {_text(a)}")


def _text(dim) -> str:
    return dim.text if isinstance(dim, Sym) else str(dim)
