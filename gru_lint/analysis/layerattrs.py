"""Layers as values: what ``layer.cell`` and ``layer.get_initial_state(...)`` give.

Measured under Keras 3 (TF 2.21 / Keras 3.15.1):

- ``GRU(u).cell`` / ``LSTM(u).cell`` / ``SimpleRNN(u).cell`` is the matching cell with
  ``u`` units; ``RNN(cell).cell`` is ``cell``; ``RNN([cells]).cell`` is a
  ``StackedRNNCells`` and ``Bidirectional`` has no ``cell`` (both unknown here).
- ``get_initial_state(batch_size)`` (keyword or positional) returns a *list* of zero
  tensors of shape ``(batch_size, units)``: one for GRU/SimpleRNN and their cells, two
  for LSTM; a stacked ``RNN([cells])`` returns one such list per cell. ``Bidirectional``
  has none; ConvLSTM states are shaped like its output (not followed).
- ``layer.states`` is None unless the layer is stateful *and* already built: whether it
  was built is not known here, so it stays unknown.

Keras 2 (tf_keras) takes ``get_initial_state(inputs)``: nothing is followed there.
"""

from __future__ import annotations

import ast
from dataclasses import replace

from gru_lint.analysis.values import UNKNOWN, Array, LayerVal, Seq, Value, to_dim
from gru_lint.keras_facts import CELL_OF, LAYERS


class LayerAttributes:
    """The layer-attribute half of the evaluator (mixed into ``infer.Evaluator``)."""

    keras_version = 3

    def layer_attr(self, layer: LayerVal, attr: str) -> Value:
        if attr == "cell":
            return cell_of(layer)
        return UNKNOWN

    def layer_method(self, layer: LayerVal, method: str, node: ast.Call) -> Value:
        if method != "get_initial_state" or self.keras_version != 3:
            return UNKNOWN
        if any(isinstance(a, ast.Starred) for a in node.args) or len(node.args) > 1:
            return UNKNOWN
        if node.args:
            if node.keywords:
                return UNKNOWN
            arg = node.args[0]
        else:
            if len(node.keywords) != 1 or node.keywords[0].arg != "batch_size":
                return UNKNOWN  # dtype=, inputs=: Keras 3 rejects them (GRU016)
            arg = node.keywords[0].value
        batch = to_dim(self.value(arg))
        if batch is None:
            return UNKNOWN  # a tensor (GRU013) or a batch nothing knows
        return initial_states(layer, batch)


def cell_of(layer: LayerVal) -> Value:
    kind = layer.spec.kind
    if kind == "rnn" and layer.spec.name in CELL_OF:
        spec = LAYERS[CELL_OF[layer.spec.name]]
        units = layer.units
        display = f"{spec.name}({units})" if isinstance(units, int) else f"{layer.display}.cell"
        return replace(layer, spec=spec, units_node=None, return_state=False,
                       return_sequences=False, stateful=False, display=display)
    if kind == "generic_rnn" and layer.wrapped is not None:
        return layer.wrapped
    return UNKNOWN


def initial_states(layer: LayerVal, batch) -> Value:
    kind = layer.spec.kind
    if kind in ("rnn", "cell"):
        if layer.units is None:
            return UNKNOWN
        return Seq(tuple(Array((batch, layer.units), "tensor") for _ in layer.spec.state_names),
                   "list")
    if kind == "generic_rnn":
        if layer.wrapped is not None:
            return initial_states(layer.wrapped, batch)
        if layer.cells is not None:
            groups = [initial_states(cell, batch) for cell in layer.cells]
            if any(g is UNKNOWN for g in groups):
                return UNKNOWN
            return Seq(tuple(groups), "list")
    return UNKNOWN
