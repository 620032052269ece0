"""Shape inference: evaluates expressions to abstract values, once per node.

The evaluator is lazy and memoised: rules ask for the value of an expression,
and each node is evaluated at most once per file. Names are followed only
through single bindings (``scopes``); everything it does not understand is
``UNKNOWN``.
"""

from __future__ import annotations

import ast
from typing import Dict, Optional, Tuple

from gru_lint.analysis import scopes as sc
from gru_lint.analysis.arrays import ArrayFunctions
from gru_lint.analysis.flow import Flow
from gru_lint.analysis.iteration import Iteration
from gru_lint.analysis.layerattrs import LayerAttributes
from gru_lint.analysis.names import NameResolver
from gru_lint.analysis.source import SourceText
from gru_lint.analysis.summaries import Summaries
from gru_lint.analysis.values import (
    UNKNOWN,
    Array,
    Dim,
    LayerVal,
    ModelVal,
    Num,
    Opaque,
    OtherLayer,
    Ref,
    Seq,
    ShapeOf,
    Instance,
    UserDefined,
    Str,
    Sym,
    Value,
    to_dim,
)
from gru_lint.keras_facts import (
    ARRAY_CONSTRUCTORS,
    BIDIRECTIONAL_FACTOR,
    INPUT_NAMES,
    LAYER_MODULES,
    LAYERS,
    MODELS,
    MODEL_MODULES,
    NUMPY_SCALAR_TYPES,
    SHAPE_FUNCTIONS,
    SHAPE_PRESERVING,
    SHAPE_PRESERVING_METHODS,
)

_MAX_DEPTH = 60
_CONCAT = frozenset({"tensorflow.concat", "keras.ops.concatenate", "numpy.concatenate",
                     "keras.backend.concatenate", "keras.layers.concatenate"})
_RESHAPE = frozenset({"tensorflow.reshape", "numpy.reshape", "keras.ops.reshape"})
_EXPAND = frozenset({"tensorflow.expand_dims", "numpy.expand_dims", "keras.ops.expand_dims"})
_NP_ARRAY = frozenset({"numpy.array", "tensorflow.constant"})


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
    if name in ("Dense", "Concatenate", "Embedding") and any(module == m or module.startswith(m + ".")
                                                for m in LAYER_MODULES):
        return name
    return None


class Evaluator(Iteration, ArrayFunctions, LayerAttributes, Summaries, NameResolver):
    def __init__(self, scopes: sc.ScopeBuilder, source: SourceText, flow: Optional[Flow] = None):
        self.scopes = scopes
        self.source = source
        self.flow = flow if flow is not None else Flow(scopes)
        self._memo: Dict[tuple, Value] = {}
        self._binding_memo: Dict[Tuple[int, Optional[int]], Value] = {}
        self._active: set = set()
        self._depth = 0

    # -- entry points --------------------------------------------------------------
    def value(self, node: Optional[ast.AST]) -> Value:
        if node is None:
            return UNKNOWN
        key = (id(node), self.frame)
        cached = self._memo.get(key)
        if cached is not None:
            return cached
        if key in self._active or self._depth > _MAX_DEPTH:
            return UNKNOWN
        self._active.add(key)
        self._depth += 1
        try:
            result = self._eval(node)
        except (RecursionError, ValueError, TypeError, OverflowError, ZeroDivisionError,
                IndexError, AttributeError):
            result = UNKNOWN
        finally:
            self._depth -= 1
            self._active.discard(key)
        self._memo[key] = result
        return result

    def scope_of(self, node: ast.AST) -> Optional[sc.Scope]:
        return self.scopes.scope_of(node)

    def text(self, node: ast.AST) -> str:
        segment = self.source.segment(node)
        return segment if segment is not None else ast.unparse(node)

    def qualname(self, node: ast.AST) -> Optional[str]:
        value = self.value(node)
        return value.qualname if isinstance(value, Ref) else None

    # -- dispatch -----------------------------------------------------------------
    def _eval(self, node: ast.AST) -> Value:
        method = getattr(self, "_eval_" + type(node).__name__, None)
        return method(node) if method is not None else UNKNOWN

    def _eval_Constant(self, node: ast.Constant) -> Value:
        value = node.value
        if isinstance(value, (bool, int, float, complex)):
            return Num(value)
        if isinstance(value, str):
            return Str(value)
        if value is None:
            return Num(None)
        return UNKNOWN

    def _eval_UnaryOp(self, node: ast.UnaryOp) -> Value:
        operand = self.value(node.operand)
        if isinstance(operand, Num) and isinstance(operand.value, (int, float)) and not isinstance(
            operand.value, bool
        ):
            if isinstance(node.op, ast.USub):
                return Num(-operand.value)
            if isinstance(node.op, ast.UAdd):
                return operand
        return UNKNOWN

    def _eval_Tuple(self, node) -> Value:
        return self._sequence(node, "tuple")

    def _eval_List(self, node) -> Value:
        return self._sequence(node, "list")

    def _sequence(self, node, kind) -> Value:
        items, nodes = [], []
        for elt in node.elts:
            if isinstance(elt, ast.Starred):
                inner = self.value(elt.value)
                if not isinstance(inner, Seq):
                    return UNKNOWN
                items.extend(inner.items)
                nodes.extend([None] * len(inner.items))
            else:
                items.append(self.value(elt))
                nodes.append(elt)
        return Seq(tuple(items), kind, node, tuple(nodes))

    def _eval_Attribute(self, node: ast.Attribute) -> Value:
        if isinstance(node.value, ast.Name):
            attr = self._self_attribute(node)
            if attr is not None:
                return attr
        base = self.value(node.value)
        if isinstance(base, Instance):
            return self.instance_attr(base, node.attr)
        if isinstance(base, Ref):
            return Ref(sc.canonical_module(f"{base.qualname}.{node.attr}"))
        if isinstance(base, Array) and node.attr == "shape":
            return ShapeOf(base, base.key)
        if isinstance(base, Opaque) and node.attr == "shape":
            return ShapeOf(base, base.key)
        if isinstance(base, LayerVal) and node.attr == "units" and base.units is not None:
            return base.units if isinstance(base.units, Sym) else Num(base.units)
        if isinstance(base, LayerVal):
            return self.layer_attr(base, node.attr)
        return UNKNOWN

    def _self_attribute(self, node: ast.Attribute) -> Optional[Value]:
        """``self.gru`` in a method: the single ``self.gru = ...`` of the class."""
        if self.frame is not None and self.frame.instance is not None:
            return None  # ``self`` is the instance: ``instance_attr`` follows it
        func = self.scope_of(node)
        while func is not None and not isinstance(func.node, sc.FUNCTION_NODES):
            func = func.parent
        if func is None or func.self_name != node.value.id:
            return None
        if func.self_name in func.bindings and len(func.bindings[func.self_name]) > 1:
            return UNKNOWN
        cls = func.parent
        if cls is None or not cls.is_class:
            return None
        bindings = cls.attrs.get(node.attr)
        if not bindings or len(bindings) > 1 or node.attr in self.attrs_set_outside():
            return UNKNOWN
        return self._binding_value(bindings[0], "self." + node.attr)

    def _eval_Subscript(self, node: ast.Subscript) -> Value:
        base = self.value(node.value)
        index = node.slice
        if isinstance(base, Seq):
            return _index_seq(base, self._index_value(index))
        if isinstance(base, ShapeOf):
            return self._index_shape(base, self._index_value(index))
        if isinstance(base, Array):
            return self._index_array(base, index)
        return UNKNOWN

    def _index_value(self, index: ast.AST):
        if isinstance(index, ast.Slice):
            parts = []
            for part in (index.lower, index.upper, index.step):
                if part is None:
                    parts.append(None)
                else:
                    v = self.value(part)
                    if not (isinstance(v, Num) and type(v.value) is int):
                        return UNKNOWN
                    parts.append(v.value)
            return slice(*parts)
        v = self.value(index)
        if isinstance(v, Num) and type(v.value) is int:
            return v.value
        return UNKNOWN

    @staticmethod
    def _index_shape(base: ShapeOf, index) -> Value:
        if not isinstance(index, int):
            return UNKNOWN
        array = base.array
        shape = array.shape if isinstance(array, Array) else None
        if shape is not None and -len(shape) <= index < len(shape):
            dim = shape[index]
            if isinstance(dim, int):
                return Num(dim)
            if isinstance(dim, Sym):
                return dim
        if index == 0 and base.key is not None:
            return Sym("batch:" + base.key, "batch")
        return UNKNOWN

    def _index_array(self, base: Array, index: ast.AST) -> Value:
        if base.shape is None:
            return UNKNOWN
        parts = index.elts if isinstance(index, ast.Tuple) else [index]
        shape = list(base.shape)
        out = []
        pos = 0
        for part in parts:
            if isinstance(part, ast.Slice):
                if part.lower is None and part.upper is None and part.step is None:
                    if pos >= len(shape):
                        return UNKNOWN
                    out.append(shape[pos])
                else:
                    out.append(None)
                pos += 1
                continue
            if isinstance(part, ast.Constant) and part.value is Ellipsis:
                return UNKNOWN  # rare: not worth the bookkeeping
            if _is_newaxis(self, part):
                out.append(1)
                continue
            v = self.value(part)
            if isinstance(v, Num) and type(v.value) is int:
                if pos >= len(shape):
                    return UNKNOWN
                pos += 1
                continue
            return UNKNOWN  # fancy indexing, masks, tensors
        out.extend(shape[pos:])
        return Array(tuple(out), base.origin)

    def _eval_BinOp(self, node: ast.BinOp) -> Value:
        left, right = self.value(node.left), self.value(node.right)
        if isinstance(node.op, ast.Mult):
            if isinstance(left, Seq) and _is_int(right):
                return Seq(left.items * right.value, left.kind)
            if isinstance(right, Seq) and _is_int(left):
                return Seq(right.items * left.value, right.kind)
        if isinstance(node.op, ast.Add) and isinstance(left, Seq) and isinstance(right, Seq):
            return Seq(left.items + right.items, left.kind, node,
                       _nodes_or_none(left) + _nodes_or_none(right))
        if isinstance(left, Array) or isinstance(right, Array):
            return _broadcast(left, right)
        return _arith(node.op, left, right, self.text(node))

    # -- calls --------------------------------------------------------------------
    def _eval_Call(self, node: ast.Call) -> Value:
        func = node.func
        if isinstance(func, ast.Name):
            built = self.builtin_call(node)
            if built is not None:
                return built
        callee = self.value(func)
        if isinstance(callee, Ref):
            return self._call_ref(callee.qualname, node)
        if isinstance(callee, LayerVal):
            return self._call_layer(callee, node)
        if isinstance(callee, OtherLayer):
            return self._call_other_layer(callee, node)
        if isinstance(callee, UserDefined):
            return self.call_user(callee, node)
        if isinstance(callee, Instance):
            return self.call_instance(callee, node)
        if isinstance(func, ast.Attribute):
            return self._call_method(func, node)
        return UNKNOWN

    def _call_method(self, func: ast.Attribute, node: ast.Call) -> Value:
        base = self.value(func.value)
        if isinstance(base, Instance):
            return self.call_instance_method(base, func.attr, node)
        if isinstance(base, LayerVal):
            return self.layer_method(base, func.attr, node)
        if not isinstance(base, Array):
            return UNKNOWN
        if func.attr in SHAPE_PRESERVING_METHODS:
            return _same_shape(base)
        if func.attr == "reshape":
            shape_node = node.args[0] if len(node.args) == 1 else None
            shape = self._shape_from(shape_node) if shape_node is not None else None
            if shape is None and node.args and len(node.args) > 1:
                shape = self._dims(node.args)
            return Array(shape, base.origin) if shape is not None else UNKNOWN
        return self.array_method(base, func.attr, node)

    def _call_ref(self, qualname: str, node: ast.Call) -> Value:
        name = layer_class(qualname)
        if name is not None:
            return self._build_layer(name, node)
        if qualname in ARRAY_CONSTRUCTORS:
            return self._construct_array(qualname, node)
        if qualname in INPUT_NAMES:
            return self._keras_input(node)
        if qualname in SHAPE_FUNCTIONS and node.args:
            arg = self.value(node.args[0])
            return ShapeOf(arg, getattr(arg, "key", None))
        if qualname in NUMPY_SCALAR_TYPES and len(node.args) == 1 and not node.keywords and \
                isinstance(self.value(node.args[0]), Num):
            return Array((), "numpy")  # np.float32(0.0): a 0-d scalar, not an array
        if qualname in SHAPE_PRESERVING and node.args:
            arg = self.value(node.args[0])
            return _same_shape(arg) if isinstance(arg, Array) else UNKNOWN
        if qualname in _NP_ARRAY and node.args:
            return self._literal_array(node)
        if qualname in _CONCAT and node.args:
            return self._concat(node.args[0], _axis(self, node, 1))
        if qualname in _RESHAPE and len(node.args) >= 2:
            shape = self._shape_from(node.args[1])
            return Array(shape, "tensor") if shape is not None else UNKNOWN
        if qualname in _EXPAND and len(node.args) >= 2:
            return self._expand_dims(node)
        model = model_class(qualname)
        if model is not None:
            return self._build_model(model, node)
        other = other_layer_class(qualname)
        if other is not None:
            return self._build_other_layer(other, node)
        return self.array_call(qualname, node)

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
        kwargs = {k.arg: k.value for k in node.keywords if k.arg is not None}
        if any(k.arg is None for k in node.keywords) or any(isinstance(a, ast.Starred) for a in node.args):
            return UNKNOWN  # **config / *args: cannot know what was passed
        units, units_node = None, None
        if spec.units_arg is not None:
            units_node = call_argument(node, spec.units_pos, spec.units_arg)
            units = _dim_or_none(self.value(units_node)) if units_node is not None else None
        wrapped, cells = None, None
        if spec.wrapped_arg is not None:
            inner_node = call_argument(node, spec.wrapped_pos, spec.wrapped_arg)
            inner = self.value(inner_node)
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
        if spec.kind == "bidirectional" and "backward_layer" in kwargs:
            backward = self.value(kwargs["backward_layer"])
            if not isinstance(backward, LayerVal) or backward.spec.kind not in ("rnn", "generic_rnn"):
                return UNKNOWN
        flags = {}
        for flag in ("return_state", "return_sequences", "stateful"):
            flags[flag] = self._flag(kwargs.get(flag))
        if spec.kind == "bidirectional" and wrapped is not None:
            # Bidirectional reads these from the wrapped layer.
            flags["return_state"] = wrapped.return_state
            flags["return_sequences"] = wrapped.return_sequences
            flags["stateful"] = wrapped.stateful
        merge_mode = "concat"
        if "merge_mode" in kwargs:
            mm = self.value(kwargs["merge_mode"])
            merge_mode = mm.value if isinstance(mm, Str) else None
        display = self._display(name, units_node, wrapped, cells, node)
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

    def _flag(self, node) -> Optional[bool]:
        if node is None:
            return False
        value = self.value(node)
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
        if name == "Dense":
            units_node = call_argument(node, 0, "units")
            return OtherLayer(name, node, _dim_or_none(self.value(units_node)) if units_node else None)
        if name == "Embedding":
            dim_node = call_argument(node, 1, "output_dim")
            return OtherLayer(name, node, _dim_or_none(self.value(dim_node)) if dim_node else None)
        axis_node = call_argument(node, 0, "axis")
        axis = -1
        if axis_node is not None:
            v = self.value(axis_node)
            if not _is_int(v):
                return UNKNOWN
            axis = v.value
        return OtherLayer(name, node, None, axis)

    def _call_other_layer(self, layer: OtherLayer, node: ast.Call) -> Value:
        if not node.args:
            return UNKNOWN
        if layer.name == "Concatenate":
            return self._concat(node.args[0], layer.axis)
        x = self.value(node.args[0])
        if not isinstance(x, Array) or x.shape is None or layer.units is None:
            return UNKNOWN
        origin = "layer" if x.origin == "input" else x.origin
        if layer.name == "Embedding":  # token ids (batch, steps) -> vectors (batch, steps, dim)
            return Array(x.shape + (layer.units,), origin)
        return Array(x.shape[:-1] + (layer.units,), origin)

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
def _with_key(array: Array, key: str) -> Array:
    return Array(array.shape, array.origin, array.ctor, array.shape_node, key, array.layer,
                 array.dim_nodes)


def _same_shape(array: Array) -> Array:
    """A cast or copy of ``array``: same shape, and still rewritable through its constructor."""
    return Array(array.shape, array.origin, array.ctor, array.shape_node, array.key,
                 dim_nodes=array.dim_nodes)


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


def _axis(ev: Evaluator, node: ast.Call, pos: int) -> Optional[int]:
    axis_node = call_argument(node, pos, "axis")
    if axis_node is None:
        return 0 if ev.qualname(node.func) in ("numpy.concatenate", "keras.ops.concatenate") else None
    v = ev.value(axis_node)
    return v.value if _is_int(v) else None


def _is_int(value: Value) -> bool:
    return isinstance(value, Num) and type(value.value) is int


def _is_newaxis(ev: Evaluator, node: ast.AST) -> bool:
    if isinstance(node, ast.Constant) and node.value is None:
        return True
    return ev.qualname(node) in ("numpy.newaxis", "tensorflow.newaxis")


def _dim_or_none(value: Value) -> Dim:
    return to_dim(value)


def _index_seq(seq: Seq, index) -> Value:
    if isinstance(index, int):
        if -len(seq.items) <= index < len(seq.items):
            return seq.items[index]
        return UNKNOWN
    if isinstance(index, slice):
        items = seq.items[index]
        nodes = _nodes_or_none(seq)[index]
        return Seq(items, seq.kind, None, nodes)
    return UNKNOWN


def _nodes_or_none(seq: Seq) -> Tuple[Optional[ast.AST], ...]:
    if len(seq.item_nodes) == len(seq.items):
        return seq.item_nodes
    return (None,) * len(seq.items)


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


def _broadcast(left: Value, right: Value) -> Value:
    """``h + 0.1``, ``h * mask``: elementwise arithmetic keeps a shape both sides agree on."""
    shapes = [v.shape for v in (left, right) if isinstance(v, Array)]
    others = [v for v in (left, right) if not isinstance(v, Array)]
    if any(s is None for s in shapes) or len(set(shapes)) != 1:
        return UNKNOWN
    if any(not (isinstance(v, Num) and isinstance(v.value, (int, float))) for v in others):
        return UNKNOWN
    origin = "numpy" if all(v.origin == "numpy" for v in (left, right) if isinstance(v, Array)) else "tensor"
    return Array(shapes[0], origin)


def _arith(op: ast.operator, left: Value, right: Value, text: str) -> Value:
    if _is_int(left) and _is_int(right):
        a, b = left.value, right.value
        if isinstance(op, ast.Add):
            return Num(a + b)
        if isinstance(op, ast.Sub):
            return Num(a - b)
        if isinstance(op, ast.Mult):
            return Num(a * b)
        if isinstance(op, ast.FloorDiv) and b:
            return Num(a // b)
        return UNKNOWN
    a, b = to_dim(left), to_dim(right)
    if a is None or b is None or not isinstance(op, (ast.Add, ast.Sub, ast.Mult, ast.FloorDiv)):
        return UNKNOWN
    sym = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.FloorDiv: "//"}[type(op)]
    ka, kb = _key(a), _key(b)
    if sym in "+*" and kb < ka:  # commutative: one key for ``2*h`` and ``h*2``
        ka, kb = kb, ka
    return Sym(f"({ka}{sym}{kb})", text)


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
