"""String-typed states: the one dtype Keras cannot cast.

Keras 3 converts every state with ``convert_to_tensor(state, dtype=cell.compute_dtype)``,
which casts any numeric (and bool) dtype; only text fails ("Cast string to float is not
supported"). This module reads, syntactically, whether a state expression builds text:
``np.full(shape, "0")``, ``np.zeros(shape, dtype=str)``, ``tf.fill(dims, "0")``,
``np.array([["0", ...]])``, ``x.astype(str)``. Names are followed through single
assignments; anything else is "not known to be text".
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import List, Optional

from gru_lint.analysis import scopes as sc
from gru_lint.keras_facts import ARRAY_CONSTRUCTORS, STRING_DTYPE_NAMES, STRING_DTYPE_PREFIXES

_FILLED = {"numpy.full": (1, "fill_value"), "tensorflow.fill": (1, "value"),
           "keras.ops.full": (1, "fill_value"), "numpy.full_like": (1, "fill_value")}
_LITERAL = frozenset({"numpy.array", "numpy.asarray", "tensorflow.constant",
                      "tensorflow.convert_to_tensor", "keras.ops.convert_to_tensor"})
_MAX_HOPS = 8


@dataclass(frozen=True)
class TextState:
    """A state expression that builds text, and the node to rewrite to make it numeric."""

    node: ast.AST  # the expression building the text (a call)
    cause: ast.AST  # the ``dtype=`` value, the fill value or the literal that is text
    how: str  # "dtype", "fill", "literal" or "astype"


def resolve(analysis, node: ast.AST) -> ast.AST:
    """Follow a name through plain assignments to the expression it is bound to.

    A name bound once is followed to that binding; a name bound several times in its own
    scope, to the one assignment that reaches this use (``flow``), when only one does.
    """
    for _ in range(_MAX_HOPS):
        if not isinstance(node, ast.Name):
            return node
        binding = _reaching_binding(analysis, node)
        if binding is None:
            return node
        if binding.kind != "assign" or binding.value is None or binding.starred:
            return node
        value = binding.value
        if binding.index is not None:  # ``a, b = x, y``: only this name's own element
            if not isinstance(value, (ast.Tuple, ast.List)) or len(value.elts) != binding.count \
                    or any(isinstance(e, ast.Starred) for e in value.elts):
                return node
            value = value.elts[binding.index]
        analysis.scopes.register(value, binding.where or binding.scope)
        node = value
    return node


def _reaching_binding(analysis, node: ast.Name):
    scope = analysis.evaluator.scope_of(node)
    if scope is None:
        return None
    owner, bindings, direct = sc.resolve(scope, node.id)
    if not bindings or node.id in analysis.scopes.mutations:
        return None  # ``inputs.append(c_in)``: the literal is not what the name holds later
    if len(bindings) == 1:
        return bindings[0]
    if not direct or owner is None:
        return None
    from gru_lint.analysis.flow import position

    defs = analysis.evaluator.flow.reaching(owner, node.id, position(node))
    if not defs or len(defs) != 1 or not isinstance(defs[0], sc.Binding):
        return None
    return defs[0]


def state_items(analysis, node: ast.AST) -> List[ast.AST]:
    """The expressions of each state: the items of a list or tuple, else the state itself."""
    node = resolve(analysis, node)
    if isinstance(node, (ast.List, ast.Tuple)):
        out = []
        for elt in node.elts:
            if isinstance(elt, ast.Starred):
                return []
            out.extend(state_items(analysis, elt) if isinstance(elt, (ast.List, ast.Tuple, ast.Name))
                       else [elt])
        return out
    return [node]


def text_state(analysis, node: ast.AST) -> Optional[TextState]:
    node = resolve(analysis, node)
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr == "astype" and len(node.args) == 1:
        kind = dtype_kind(analysis, node.args[0])
        if kind == "text":
            return TextState(node, node.args[0], "astype")
        return None
    qualname = analysis.evaluator.qualname(func)
    if qualname is None:
        return None
    if qualname not in ARRAY_CONSTRUCTORS and qualname not in _FILLED and qualname not in _LITERAL:
        return None
    dtype = _keyword(node, "dtype")
    if dtype is not None:
        kind = dtype_kind(analysis, dtype)
        if kind == "text":
            return TextState(node, dtype, "dtype")
        if kind != "absent":
            return None  # numeric, or unknown: not text (or not known to be)
    if qualname in _FILLED:
        pos, name = _FILLED[qualname]
        fill = _keyword(node, name)
        if fill is None and len(node.args) > pos and not any(
                isinstance(a, ast.Starred) for a in node.args[:pos + 1]):
            fill = node.args[pos]
        if fill is not None and isinstance(fill, ast.Constant) and isinstance(fill.value, str):
            return TextState(node, fill, "fill")
        return None
    if qualname in _LITERAL and node.args:
        leaf = _first_leaf(node.args[0])
        if leaf is not None and isinstance(leaf, ast.Constant) and isinstance(leaf.value, str):
            return TextState(node, leaf, "literal")
    return None


def dtype_kind(analysis, node: ast.AST) -> str:
    """"text", "absent" (``dtype=None``), or "other" for a dtype expression."""
    if isinstance(node, ast.Constant):
        if node.value is None:
            return "absent"
        if isinstance(node.value, str):
            text = node.value.lstrip("<>|=")
            if text in STRING_DTYPE_NAMES or (text[:1] in STRING_DTYPE_PREFIXES and text[1:].isdigit()):
                return "text"
        return "other"
    if isinstance(node, ast.Name) and node.id in ("str", "bytes"):
        scope = analysis.evaluator.scope_of(node)
        if scope is not None and sc.lookup(scope, node.id) == []:
            return "text"  # the builtin
        return "other"
    qualname = analysis.evaluator.qualname(node)
    if qualname in ("numpy.str_", "numpy.bytes_", "numpy.unicode_", "numpy.string_",
                    "tensorflow.string"):
        return "text"
    return "other"


def _keyword(node: ast.Call, name: str) -> Optional[ast.AST]:
    for kw in node.keywords:
        if kw.arg == name:
            return kw.value
    return None


def _first_leaf(node: ast.AST) -> Optional[ast.AST]:
    for _ in range(8):
        if isinstance(node, (ast.List, ast.Tuple)):
            if not node.elts:
                return None
            node = node.elts[0]
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult) and isinstance(
                node.left, (ast.List, ast.Tuple)):
            node = node.left
        else:
            return node
    return None
