"""Edit builders for the rules about what happens when the model runs (GRU014 on).

They reuse the state-constructor machinery of ``gru_lint.fixes``: a state is rewritten only
when it is built by a known array constructor that feeds nothing else.
"""

from __future__ import annotations

import ast
from typing import Optional

from gru_lint.analysis.values import dims_differ
from gru_lint.diagnostics import Applicability, Edit, Fix
from gru_lint.fix_edits import _guarded, _owned, _rewritten, _shape_function, _short, state_array, support


@_guarded
def conv_state_shape(analysis, plan, slot, expected) -> Optional[Fix]:
    """GRU014: every wrong dimension of a constructed ConvLSTM state becomes the expected integer."""
    array = state_array(analysis, plan, slot.given)
    if array is None or array.shape is None or array.dim_nodes is None:
        return None
    if len(array.shape) != len(expected) or len(array.dim_nodes) != len(expected):
        return None
    sup = support(analysis)
    edits = []
    for dim, want, node in zip(array.shape, expected, array.dim_nodes):
        if node is None or not isinstance(dim, int):
            return None
        if dims_differ(dim, want):
            start, end = sup.range(node)
            edits.append(Edit(start, end, str(want)))
        elif dim != want:
            return None  # a dimension we cannot confirm
    if not edits:
        return None
    code = _short(_rewritten(sup, array.ctor, tuple(edits)))
    return Fix(f"Shape the state like the layer's output: {code}", tuple(edits), Applicability.UNSAFE)



@_guarded
def numeric_state(analysis, call, found) -> Optional[Fix]:
    """GRU015: a text state becomes numeric: the quoted fill value unquoted, a text dtype float32."""
    if found.how == "literal" or not _owned(analysis, call.state_node, found.node):
        return None
    sup = support(analysis)
    cause = found.cause
    if found.how == "fill":
        try:
            number = float(cause.value)
        except (TypeError, ValueError):
            return None
        if number != number or number in (float("inf"), float("-inf")):
            return None
        text = repr(number)
        title = f"Fill with the number {text}"
    else:
        text = '"float32"'
        title = "Build the state as float32"
    start, end = sup.range(cause)
    edits = (Edit(start, end, text),)
    code = _short(_rewritten(sup, found.node, edits))
    return Fix(f"{title}: {code}", edits, Applicability.SAFE)


_FLOAT32 = frozenset({"tensorflow.float32", "numpy.float32"})


@_guarded
def batch_only(analysis, call) -> Optional[Fix]:
    """GRU016: ``get_initial_state(None, B, dtype)`` / ``(inputs=x)`` -> ``get_initial_state(B)``."""
    sup = support(analysis)
    kws = {kw.arg: kw.value for kw in call.keywords}
    args = list(call.args)
    batch = kws.get("batch_size", args[1] if len(args) > 1 else None)
    inputs = kws.get("inputs", args[0] if args else None)
    dtype = kws.get("dtype", args[2] if len(args) > 2 else None)
    if len(args) > 3 or set(kws) - {"batch_size", "inputs", "dtype"}:
        return None
    if batch is not None and _is_none(batch):
        batch = None
    if inputs is not None and _is_none(inputs):
        inputs = None
    extra: tuple = ()
    if batch is not None:
        text = ("batch_size=" if "batch_size" in kws else "") + sup.segment(batch)
    elif inputs is not None:
        shape = _shape_function(analysis, call)
        if shape is None:
            return None
        name, extra = shape
        text = f"batch_size={name}({sup.segment(inputs)})[0]"
    else:
        return None
    safe = dtype is None or _is_none(dtype) or _is_float32(analysis, dtype)
    start = sup.range(call.func)[1]
    end = sup.range(call)[1]
    edits = (Edit(start, end, f"({text})"),) + tuple(extra)
    code = _short(_rewritten(sup, call, edits))
    return Fix(f"Pass the batch size only: {code}", edits,
               Applicability.SAFE if safe else Applicability.UNSAFE)


def _is_none(node) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _is_float32(analysis, node) -> bool:
    if isinstance(node, ast.Constant):
        return node.value == "float32"
    return analysis.evaluator.qualname(node) in _FLOAT32


@_guarded
def reset_each_layer(analysis, site) -> Optional[Fix]:
    """GRU018: the statement ``model.reset_states()`` becomes a loop over the model's layers."""
    stmt, call = site.stmt, site.call
    if not (isinstance(stmt, ast.Expr) and stmt.value is call and not call.args and not call.keywords):
        return None
    sup = support(analysis)
    model = sup.segment(call.func.value)
    line = sup.text.lines[stmt.lineno - 1]
    indent = line[: len(line) - len(line.lstrip(" \t"))]
    if stmt.lineno != stmt.end_lineno or sup.text.col(stmt.lineno, stmt.col_offset) != len(indent):
        return None
    rest = line[sup.text.col(stmt.end_lineno, stmt.end_col_offset):].rstrip("\r\n")
    if rest.strip() and not rest.strip().startswith("#"):  # ``model.reset_states(); other()``
        return None
    name = next((n for n in ("layer", "rnn_layer", "_layer") if n not in sup.identifiers), None)
    if name is None:
        return None
    step = "    " if "\t" not in indent else "\t"
    _, brk = sup.line_end(stmt.lineno)
    brk = brk or "\n"
    text = (f"for {name} in {model}.layers:{brk}{indent}{step}if hasattr({name}, \"reset_state\"):"
            f"{brk}{indent}{step}{step}{name}.reset_state()")
    start, end = sup.range(stmt)
    return Fix(f"Reset each layer of {model}", (Edit(start, end, text),), Applicability.UNSAFE)


@_guarded
def set_batch_size(analysis, call, size_node, batch: int, safe: bool) -> Optional[Fix]:
    """GRU021: ``batch_size=B`` in a ``predict``/``fit``/``evaluate`` call."""
    sup = support(analysis)
    if size_node is not None:
        start, end = sup.range(size_node)
        edits = (Edit(start, end, str(batch)),)
    else:
        last = max(list(call.args) + [kw.value for kw in call.keywords],
                   key=lambda n: (n.end_lineno, n.end_col_offset), default=None)
        if last is None:
            return None
        end = sup.range(last)[1]
        closing = sup.range(call)[1]
        between = sup.source[end:closing]
        if between.strip() not in (")", ",)") or "#" in between:
            return None
        edits = (Edit(end, end, f", batch_size={batch}"),)
    code = _short(_rewritten(sup, call, edits))
    return Fix(f"Run batches of {batch}: {code}", edits,
               Applicability.SAFE if safe else Applicability.UNSAFE)


@_guarded
def batch_of_tensor(analysis, site) -> Optional[Fix]:
    """GRU013: ``layer.get_initial_state(x)`` -> ``layer.get_initial_state(batch_size=tf.shape(x)[0])``."""
    call = site.call
    if len(call.args) != 1 or call.keywords or isinstance(call.args[0], ast.Starred):
        return None
    shape = _shape_function(analysis, call)
    if shape is None:
        return None
    name, extra = shape
    sup = support(analysis)
    start, end = sup.range(site.arg)
    edits = (Edit(start, end, f"batch_size={name}({sup.segment(site.arg)})[0]"),) + tuple(extra)
    code = _short(_rewritten(sup, call, edits))
    return Fix(f"Pass the batch size: {code}", edits, Applicability.SAFE)


@_guarded
def drop_keyword(analysis, ctor: ast.Call, name: str, title: str) -> Optional[Fix]:
    """GRU009: remove the keyword ``name=True`` from a constructor call (unsafe)."""
    found = [kw for kw in ctor.keywords if kw.arg == name]
    if len(found) != 1:
        return None
    kw = found[0]
    if not (isinstance(kw.value, ast.Constant) and kw.value.value is True):
        return None
    sup = support(analysis)
    parts = sorted(list(ctor.args) + list(ctor.keywords),
                   key=lambda n: (n.lineno, n.col_offset))
    i = next(j for j, p in enumerate(parts) if p is kw)
    kw_start, kw_end = sup.range(kw)
    if i > 0:
        start, end = sup.range(parts[i - 1])[1], kw_end
    elif i + 1 < len(parts):
        start, end = kw_start, sup.range(parts[i + 1])[0]
    else:
        start, end = kw_start, kw_end
        rest = sup.source[end:sup.range(ctor)[1]]
        if rest.lstrip().startswith(","):
            end += rest.index(",") + 1
    removed = sup.source[start:end]
    if "#" in removed or "\\" in removed:
        return None
    edits = (Edit(start, end, ""),)
    code = _short(_rewritten(sup, ctor, edits))
    return Fix(f"{title}: {code}", edits, Applicability.UNSAFE)
