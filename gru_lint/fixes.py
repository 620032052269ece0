"""The fixes the rules attach to their diagnostics (built from :mod:`gru_lint.fix_edits`).

Everything here works on the standard ``ast`` and the analysis values, so building a
fix costs nothing on the check path beyond the few nodes it reads (libcst is only
loaded by the fixer, to validate its output).

Edits are ``(start, end, text)`` *character* offsets into the source text. Positions
are computed (in ``fix_edits``) from the ``ast`` positions (UTF-8 byte columns) with the line breaks
Python itself recognises (``\\r\\n``, ``\\r``, ``\\n``), so that form feeds and other
Unicode line separators inside a line do not shift them.

A fix rewrites a state only where doing so cannot change anything else:

* the state is built by a known array constructor whose shape is written out
  (``np.zeros((64,))``, ``np.random.rand(64)``, ``tf.zeros([B, 64])``), possibly
  followed by a cast (``.astype("float32")``, ``tf.cast``);
* that constructor is written inside the call's state expression, or reaches it only
  through names bound once and used nowhere else (``h0 = np.zeros(64)``,
  ``states = [h0, c0]``); a name another layer (or anything else) reads is never
  rewritten;
* every name the new text mentions resolves, where the text is inserted, to the
  same single binding as where it was read, bound before it runs.
"""

from __future__ import annotations

import ast
from typing import Optional

from gru_lint.analysis.values import Array, dims_equal
from gru_lint.diagnostics import Applicability, Edit, Fix
from gru_lint.fix_edits import (
    _contains,
    _dims_ok,
    _guarded,
    _input_label,
    _lookup,
    _prepend_dim,
    _replace_dim,
    _rewritten,
    _short,
    _units_expression,
    batch_expression,
    state_array,
    support,
)
from gru_lint.keras_facts import ARRAY_CONSTRUCTORS


# Constructors that draw no random numbers: dropping a call to one changes nothing.
_DETERMINISTIC = frozenset(
    q for q, (how, _) in ARRAY_CONSTRUCTORS.items() if ".random." not in q
) | {"tensorflow.fill"}


# -- the fixes -----------------------------------------------------------------------------------
@_guarded
def missing_batch(analysis, plan, slot) -> Optional[Fix]:
    """GRU001: prepend the input's batch to a 1-D constructed state."""
    array = state_array(analysis, plan, slot.given)
    if array is None or not _dims_ok(analysis, array, 1):
        return None
    batch = batch_expression(analysis, plan, array)
    if batch is None:
        return None
    text, extra = batch
    edits = _prepend_dim(analysis, array, text)
    if edits is None:
        return None
    sup = support(analysis)
    code = _short(_rewritten(sup, array.ctor, edits))
    return Fix(f"Prepend the batch of {_input_label(sup, plan)}: {code}", edits + extra,
               Applicability.SAFE)


@_guarded
def batch_mismatch(analysis, plan, slot) -> Optional[Fix]:
    """GRU003: the state's first dimension becomes the input's batch."""
    array = state_array(analysis, plan, slot.given)
    if array is None or not _dims_ok(analysis, array, 2):
        return None
    written = array.dim_nodes[0]
    batch = batch_expression(analysis, plan, array,
                             dynamic_first=not isinstance(written, (ast.Constant, ast.Name)))
    if batch is None:
        return None
    text, extra = batch
    sup = support(analysis)
    first, last = array.shape
    if (dims_equal(first, slot.units) and dims_equal(last, plan.input_batch)
            and not dims_equal(first, last)):
        # Built as (units, batch): swap, keeping the units as written.
        units = sup.segment(array.dim_nodes[0])
        edits = (_replace_dim(analysis, array, 0, text) or ()) + \
            (_replace_dim(analysis, array, 1, units) or ())
        if len(edits) != 2:
            return None
        code = _short(_rewritten(sup, array.ctor, edits))
        return Fix(f"Swap to (batch, units) with the batch of {_input_label(sup, plan)}: {code}",
                   edits + extra, Applicability.SAFE)
    edits = _replace_dim(analysis, array, 0, text)
    if edits is None:
        return None
    code = _short(_rewritten(sup, array.ctor, edits))
    return Fix(f"Use the batch of {_input_label(sup, plan)}: {code}", edits + extra,
               Applicability.SAFE)


@_guarded
def units_mismatch(analysis, plan, slot) -> Optional[Fix]:
    """GRU002: the state's last dimension becomes the layer's ``units`` (unsafe)."""
    array = state_array(analysis, plan, slot.given)
    if array is None or not _dims_ok(analysis, array, 2):
        return None
    for other in plan.slots:  # one constructor feeding states of different widths: no fix
        value = other.given.value
        if isinstance(value, Array) and value.ctor is array.ctor and other.units != slot.units:
            return None
    units = _units_expression(analysis, slot, array.ctor)
    if units is None:
        return None
    edits = _replace_dim(analysis, array, 1, units)
    if edits is None:
        return None
    code = _short(_rewritten(support(analysis), array.ctor, edits))
    return Fix(f"Use the layer's units ({units}) as the last dimension: {code}", edits,
               Applicability.UNSAFE)


@_guarded
def lstm_pair(analysis, plan) -> Optional[Fix]:
    """GRU005: an LSTM given one constructed tensor gets ``[h, c]`` from the same constructor."""
    layer = plan.layer
    if not plan.bare or layer.is_stacked or layer.spec.kind not in ("rnn", "generic_rnn"):
        return None
    inner = layer.innermost
    if inner.spec.kind == "conv" or inner.spec.state_names != ("h", "c"):
        return None
    value, node = plan.call.state, plan.call.state_node
    if not isinstance(value, Array) or value.ctor is None:
        return None
    sup = support(analysis)
    if isinstance(node, ast.Name):
        text = f"[{node.id}, {node.id}]"
        title = f"Pass `{text}`: the same array as h and c"
    elif isinstance(node, ast.Call) and _contains(node, value.ctor):
        written = sup.segment(node)
        text = f"[{written}, {written}]"
        title = f"Pass [h, c] built by the same constructor: {_short(text)}"
    else:
        return None
    start, end = sup.range(node)
    return Fix(title, (Edit(start, end, text),), Applicability.UNSAFE)


_KEEPABLE = (ast.Name, ast.Attribute, ast.Subscript, ast.Call, ast.Constant)


@_guarded
def drop_ignored(analysis, plan) -> Optional[Fix]:
    """GRU006: keep only the states Keras reads (``[h, c]`` -> ``h``)."""
    node = plan.call.state_node
    if not isinstance(node, (ast.List, ast.Tuple)) or plan.given is None:
        return None
    elts = node.elts
    if len(elts) != len(plan.given) or any(isinstance(e, ast.Starred) for e in elts):
        return None
    keep = [0, len(elts) // 2] if plan.layer.spec.kind == "bidirectional" else [0]
    if not all(isinstance(elts[i], _KEEPABLE) for i in keep):
        return None
    if not all(_pure(analysis, e) for i, e in enumerate(elts) if i not in keep):
        return None
    sup = support(analysis)
    written = sup.segment(node)
    if "#" in written:
        return None
    kept = [sup.segment(elts[i]) for i in keep]
    if len(kept) == 1:
        text = kept[0] if isinstance(plan.given[0].value, Array) else f"[{kept[0]}]"
    else:
        opening, closing = ("(", ")") if isinstance(node, ast.Tuple) else ("[", "]")
        text = opening + ", ".join(kept) + closing
    start, end = sup.range(node)
    return Fix(f"Drop the ignored states, keeping what Keras reads: {_short(text)}",
               (Edit(start, end, text),),
               Applicability.SAFE)


def _pure(analysis, node: ast.AST) -> bool:
    """Evaluating ``node`` has no effect worth keeping (dropping it changes nothing)."""
    if isinstance(node, (ast.Name, ast.Constant)):
        return True
    if isinstance(node, ast.Attribute):
        return _pure(analysis, node.value)
    if isinstance(node, ast.Subscript):
        return _pure(analysis, node.value) and _pure(analysis, node.slice)
    if isinstance(node, ast.Slice):
        return all(p is None or _pure(analysis, p) for p in (node.lower, node.upper, node.step))
    if isinstance(node, (ast.Tuple, ast.List)):
        return all(_pure(analysis, e) for e in node.elts)
    if isinstance(node, ast.UnaryOp):
        return _pure(analysis, node.operand)
    if isinstance(node, ast.Call):
        if analysis.evaluator.qualname(node.func) not in _DETERMINISTIC:
            return False
        return all(_pure(analysis, a) for a in node.args) and all(
            k.arg is not None and _pure(analysis, k.value) for k in node.keywords)
    return False


def _numpy_alias(analysis, at: ast.AST) -> Optional[str]:
    """A module-level name for NumPy that means NumPy at ``at``."""
    for name, bindings in analysis.scopes.module_scope.bindings.items():
        if len(bindings) == 1 and bindings[0].kind == "import" and bindings[0].qualname == "numpy":
            if _lookup(analysis, at, name) is bindings:
                return name
    return None


@_guarded
def complete_cells(analysis, plan) -> Optional[Fix]:
    """GRU011: give the cells Keras would drop a zero state, as each cell's width (unsafe:
    the layer's output changes, to what a full stack computes)."""
    from gru_lint.analysis.states import misnested_groups

    node, layer = plan.call.state_node, plan.layer
    if not layer.is_stacked or not isinstance(node, (ast.List, ast.Tuple)) or not plan.groups:
        return None
    if len(plan.groups) >= len(layer.cells) or misnested_groups(plan):
        return None
    call = plan.call.call
    numpy = _numpy_alias(analysis, call)
    if numpy is None:
        return None
    batch = batch_expression(analysis, plan, Array((None, None), "numpy", ctor=call))
    if batch is None or batch[1]:
        return None
    groups = []
    for cell in layer.cells[len(plan.groups):]:
        units = _units_expression(analysis, _CellSlot(cell), call)
        if units is None:
            return None
        zero = f"{numpy}.zeros(({batch[0]}, {units}))"
        groups.append(zero if cell.spec.state_count == 1 else "[" + ", ".join([zero] * cell.spec.state_count) + "]")
    sup = support(analysis)
    start, end = sup.range(node)
    written = sup.source[start:end]
    if "#" in written or written[:1] not in "([" or written[-1:] not in ")]":
        return None
    inner = written[1:-1].rstrip()
    text = written[0] + inner + (" " if inner.endswith(",") else ", ") + ", ".join(groups) + written[-1]
    return Fix(f"Give the dropped cells zero states: {_short(text)}", (Edit(start, end, text),),
               Applicability.UNSAFE)


class _CellSlot:
    """What ``_units_expression`` reads of a slot, for a cell that has none."""

    def __init__(self, cell):
        self.cell = cell
        self.units = cell.units
