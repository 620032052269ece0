"""Edit builders for the rules about what happens when the model runs (GRU014 on).

They reuse the state-constructor machinery of ``gru_lint.fixes``: a state is rewritten only
when it is built by a known array constructor that feeds nothing else.
"""

from __future__ import annotations

from typing import Optional

from gru_lint.analysis.values import dims_differ
from gru_lint.diagnostics import Applicability, Edit, Fix
from gru_lint.fixes import _guarded, _owned, _rewritten, _short, state_array, support


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
