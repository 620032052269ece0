"""ConvLSTM geometry: the shape of a ConvLSTM layer's states, from its constructor and input.

A ConvLSTM's states are shaped like its output frames: ``(batch, *space, filters)`` in
``channels_last`` (``(batch, filters, *space)`` in ``channels_first``), each spatial size being
what a convolution with the layer's ``kernel_size``, ``padding``, ``strides`` and
``dilation_rate`` makes of the input's. Every part is ``None`` when it cannot be read.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Optional, Tuple

from gru_lint.analysis.values import Array, Dim, LayerVal, Num, Seq, Str
from gru_lint.keras_facts import CONV_ARGS, CONV_DEFAULT_DATA_FORMAT, CONV_SPATIAL_RANK


@dataclass(frozen=True)
class Geometry:
    rank: int  # spatial dimensions: 1, 2 or 3
    filters: Dim
    kernel: Optional[Tuple[int, ...]]
    strides: Optional[Tuple[int, ...]]
    dilation: Optional[Tuple[int, ...]]
    padding: Optional[str]  # "valid", "same" or None
    channels_first: Optional[bool]

    @property
    def state_rank(self) -> int:
        return self.rank + 2


def geometry(evaluator, layer: LayerVal) -> Optional[Geometry]:
    rank = CONV_SPATIAL_RANK.get(layer.spec.name)
    if rank is None or layer.wrapped is not None:
        return None
    args = evaluator.call_args(layer.node)  # ``**conv_cfg`` unpacked when exact
    if args is None:
        return None
    parts = {}
    for name, pos, default in CONV_ARGS:
        arg = args.get(pos, name)
        parts[name] = (evaluator.arg_value(arg) if arg is not None else None, default)
    kernel = _tuple(parts["kernel_size"], rank)
    strides = _tuple(parts["strides"], rank)
    dilation = _tuple(parts["dilation_rate"], rank)
    padding = _text(parts["padding"])
    if padding is not None:
        padding = padding.lower()
        if padding not in ("valid", "same"):
            padding = None
    fmt = parts["data_format"][0]
    if fmt is None or (isinstance(fmt, Num) and fmt.value is None):
        # Keras's global default, unless the file changes it.
        first = None if "image_data_format" in evaluator.source.source else (
            CONV_DEFAULT_DATA_FORMAT == "channels_first")
    elif isinstance(fmt, Str):
        first = {"channels_first": True, "channels_last": False}.get(fmt.value)
    else:
        first = None
    return Geometry(rank, layer.units, kernel, strides, dilation, padding, first)


def _tuple(part, rank: int) -> Optional[Tuple[int, ...]]:
    value, default = part
    if value is None:
        if default is None:
            return None
        return (default,) * rank
    if isinstance(value, Num) and type(value.value) is int and value.value > 0:
        return (value.value,) * rank
    if isinstance(value, Seq) and len(value.items) == rank and all(
            isinstance(i, Num) and type(i.value) is int and i.value > 0 for i in value.items):
        return tuple(i.value for i in value.items)
    return None


def _text(part) -> Optional[str]:
    value, default = part
    if value is None:
        return default
    if isinstance(value, Str):
        return value.value
    return None


def output_size(size: Dim, kernel: int, padding: str, stride: int, dilation: int) -> Dim:
    """Keras's ``conv_output_length`` for one spatial dimension."""
    if not isinstance(size, int):
        return None
    if padding == "same":
        return (size + stride - 1) // stride
    span = (kernel - 1) * dilation + 1
    out = (size - span + stride) // stride
    return out if out > 0 else None


def expected_state(geom: Geometry, inputs) -> Optional[Tuple[Dim, ...]]:
    """The shape of each state for input ``inputs`` (an ``Array``); None when its rank is unknown.

    Individual dimensions are None when they cannot be computed.
    """
    batch: Dim = None
    space: Tuple[Dim, ...] = (None,) * geom.rank
    shape = inputs.shape if isinstance(inputs, Array) else None
    if shape is not None and len(shape) == geom.rank + 3:
        batch = shape[0]
        frame = shape[2:]
        in_space = frame[1:] if geom.channels_first else frame[:-1]
        if geom.channels_first is not None and None not in (geom.kernel, geom.strides, geom.dilation,
                                                             geom.padding):
            space = tuple(output_size(n, k, geom.padding, s, d) for n, k, s, d in
                          zip(in_space, geom.kernel, geom.strides, geom.dilation))
    if geom.channels_first is None:
        return None
    if geom.channels_first:
        return (batch, geom.filters) + space
    return (batch,) + space + (geom.filters,)


def channel_axis(geom: Geometry) -> int:
    return 1 if geom.channels_first else geom.state_rank - 1


def is_conv_plan(plan) -> bool:
    return plan.layer.spec.kind == "conv" and plan.layer.wrapped is None


def node_of_filters(layer: LayerVal) -> Optional[ast.AST]:
    return layer.units_node
