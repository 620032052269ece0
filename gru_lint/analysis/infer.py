"""Shape inference: evaluates expressions to abstract values, once per node.

The evaluator is lazy and memoised: rules ask for the value of an expression,
and each node is evaluated at most once per file (per call frame inside a followed
function). It is assembled from mixins: names through the flow analysis
(``names``), calls of the file's functions and classes (``summaries``), loops and
comprehensions (``iteration``), array functions (``arrays``), element-wise
arithmetic and reshapes (``elementwise``), layer attributes
(``layerattrs``) and what calls construct (``construct``). Everything it does not
understand is ``UNKNOWN``. ``call_argument``, ``layer_class`` and ``model_class`` are
re-exported from ``construct`` for the rules.
"""

from __future__ import annotations

import ast
from typing import Dict, Optional, Tuple

from gru_lint.analysis import scopes as sc
from gru_lint.analysis.arrays import ArrayFunctions
from gru_lint.analysis.callargs import CallArguments
from gru_lint.analysis.classes import Classes
from gru_lint.analysis.elementwise import RESHAPE, Elementwise, broadcast
from gru_lint.analysis.construct import (
    Construction,
    _is_int,
    _key,
    call_argument,
    layer_class,
    model_class,
    other_layer_class,
)
from gru_lint.analysis.flow import Flow
from gru_lint.analysis.iteration import Iteration
from gru_lint.analysis.layerattrs import LayerAttributes
from gru_lint.analysis.names import NameResolver
from gru_lint.analysis.source import SourceText
from gru_lint.analysis.summaries import Summaries
from gru_lint.analysis.records import Record, Records
from gru_lint.analysis.values import (
    UNKNOWN,
    Array,
    DictVal,
    LayerVal,
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
    ELEMENTWISE,
    INPUT_NAMES,
    NUMPY_SCALAR_TYPES,
    SHAPE_FUNCTIONS,
    SHAPE_PRESERVING,
    SHAPE_PRESERVING_METHODS,
)

_MAX_DEPTH = 60
_CONCAT = frozenset({"tensorflow.concat", "keras.ops.concatenate", "numpy.concatenate",
                     "keras.backend.concatenate", "keras.layers.concatenate"})
_EXPAND = frozenset({"tensorflow.expand_dims", "numpy.expand_dims", "keras.ops.expand_dims"})
_NP_ARRAY = frozenset({"numpy.array", "tensorflow.constant"})


class Evaluator(Construction, Iteration, ArrayFunctions, Elementwise, LayerAttributes, Summaries,
                Classes, Records, CallArguments, NameResolver):
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
        if isinstance(operand, Array) and isinstance(node.op, (ast.USub, ast.UAdd, ast.Invert)):
            return self.negated(operand)
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

    def _eval_Dict(self, node: ast.Dict) -> Value:
        """A dict with constant keys, each once; ``**other`` or a computed key: unknown."""
        keys = []
        for key in node.keys:
            if not isinstance(key, ast.Constant) or not isinstance(key.value, (str, int)) \
                    or isinstance(key.value, bool) or key.value in keys:
                return UNKNOWN
            keys.append(key.value)
        return DictVal(tuple(keys), tuple(self.value(v) for v in node.values))

    def _eval_Attribute(self, node: ast.Attribute) -> Value:
        if isinstance(node.value, ast.Name):
            attr = self._self_attribute(node)
            if attr is not None:
                return attr
        base = self.value(node.value)
        if isinstance(base, Instance):
            return self.instance_attr(base, node.attr)
        if isinstance(base, Record):
            return self.record_attr(base, node.attr)
        if isinstance(base, UserDefined) and isinstance(base.node, ast.ClassDef):
            return self.class_attr(base.node, node.attr)
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
        if isinstance(base, DictVal):
            return _dict_item(base, self.value(index))
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
                else:  # ``x[:50]``, ``x[8::8]`` of a known size: the slice's length
                    bounds = self._index_value(part)
                    known = isinstance(bounds, slice) and pos < len(shape) \
                        and isinstance(shape[pos], int)
                    out.append(len(range(shape[pos])[bounds]) if known else None)
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
            if isinstance(node.op, ast.MatMult):
                return UNKNOWN  # not element-wise
            return broadcast((left, right), True)
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
        if isinstance(base, DictVal):
            return _dict_get(self, base, func.attr, node)
        if func.attr == "reshape":
            return self.reshape_method(base, node)
        if not isinstance(base, Array):
            return UNKNOWN
        if func.attr in SHAPE_PRESERVING_METHODS:
            return _same_shape(base)
        return self.array_method(base, func.attr, node)

    def _call_ref(self, qualname: str, node: ast.Call) -> Value:
        name = layer_class(qualname)
        if name is not None:
            return self._build_layer(name, node)
        made = self.namespace(qualname, node)
        if made is not None:
            return made
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
        if qualname in RESHAPE:
            return self.reshape_call(qualname, node)
        if qualname in ELEMENTWISE:
            return self.elementwise_call(qualname, node)
        if qualname in _EXPAND and len(node.args) >= 2:
            return self._expand_dims(node)
        model = model_class(qualname)
        if model is not None:
            return self._build_model(model, node)
        other = other_layer_class(qualname)
        if other is not None:
            return self._build_other_layer(other, node)
        return self.array_call(qualname, node)

# -- small helpers ------------------------------------------------------------------
def _with_key(array: Array, key: str) -> Array:
    return Array(array.shape, array.origin, array.ctor, array.shape_node, key, array.layer,
                 array.dim_nodes)


def _same_shape(array: Array) -> Array:
    """A cast or copy of ``array``: same shape, and still rewritable through its constructor."""
    return Array(array.shape, array.origin, array.ctor, array.shape_node, array.key,
                 dim_nodes=array.dim_nodes)


def _axis(ev: Evaluator, node: ast.Call, pos: int) -> Optional[int]:
    axis_node = call_argument(node, pos, "axis")
    if axis_node is None:
        return 0 if ev.qualname(node.func) in ("numpy.concatenate", "keras.ops.concatenate") else None
    v = ev.value(axis_node)
    return v.value if _is_int(v) else None


def _is_newaxis(ev: Evaluator, node: ast.AST) -> bool:
    if isinstance(node, ast.Constant) and node.value is None:
        return True
    return ev.qualname(node) in ("numpy.newaxis", "tensorflow.newaxis")


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


def _dict_item(base: DictVal, key: Value) -> Value:
    """``config["units"]``; a missing key raises at run time: nothing to say about it here."""
    if isinstance(key, (Str, Num)) and isinstance(key.value, (str, int)) \
            and not isinstance(key.value, bool):
        found = base.get(key.value)
        if found is not None:
            return found
    return UNKNOWN


def _dict_get(ev, base: DictVal, method: str, node: ast.Call) -> Value:
    """``config.get("units", 64)``: the item, or the default when the key is absent."""
    if method != "get" or node.keywords or not 1 <= len(node.args) <= 2 \
            or any(isinstance(a, ast.Starred) for a in node.args):
        return UNKNOWN
    key = ev.value(node.args[0])
    if not (isinstance(key, (Str, Num)) and isinstance(key.value, (str, int))
            and not isinstance(key.value, bool)):
        return UNKNOWN
    found = base.get(key.value)
    if found is not None:
        return found
    return ev.value(node.args[1]) if len(node.args) == 2 else Num(None)
