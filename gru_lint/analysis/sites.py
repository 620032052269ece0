"""The places rules care about, as data: one record per site ``FileAnalysis`` finds."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Optional

from gru_lint.analysis.values import Array, LayerVal, ModelVal, Num, Opaque, Seq, Sym, Value


@dataclass(frozen=True)
class StateCall:
    """``layer(x, initial_state=state)`` where ``layer`` is a known Keras recurrent layer."""

    call: ast.Call
    layer: LayerVal
    state_node: ast.AST
    state: Value
    inputs: Value
    inputs_node: Optional[ast.AST]


@dataclass(frozen=True)
class ModelStateCall:
    """``model(x, initial_state=...)`` where ``model`` is a ``Sequential`` or functional ``Model``."""

    call: ast.Call
    model: ModelVal
    keyword: ast.keyword


@dataclass(frozen=True)
class ConstructorState:
    """``GRU(64, initial_state=h)``: the keyword is not a constructor argument."""

    call: ast.Call
    name: str  # how the layer reads in messages: ``GRU(64)``
    keyword: ast.keyword


@dataclass(frozen=True)
class ModelMethodState:
    """``model.predict(x, initial_state=...)``: Keras rejects the keyword with a TypeError."""

    call: ast.Call
    model: ModelVal
    keyword: ast.keyword


@dataclass(frozen=True)
class SequentialAdd:
    """``model.add(layer)`` on a ``Sequential`` built in the same file, in statement order."""

    call: ast.Call
    model: ModelVal
    layer: Value
    layer_node: ast.AST
    block: int  # id of the statement list holding the call: adds in one block run in order


@dataclass(frozen=True)
class LayerCall:
    """``layer(x)`` for a stateful recurrent layer: what it is called on."""

    call: ast.Call
    layer: LayerVal
    inputs: Value


@dataclass(frozen=True)
class InitialStateQuery:
    """``layer.get_initial_state(arg)``."""

    call: ast.Call
    layer: LayerVal
    arg: ast.AST
    value: Value


@dataclass(frozen=True)
class Unpacking:
    """``a, b = layer(x)``: the targets and what the call returns."""

    assign: ast.Assign
    target: ast.AST
    call: ast.Call
    layer: LayerVal


def batch_of(value: Value) -> Optional[object]:
    """The batch dimension of a call's input: an int, a ``Sym`` or None."""
    if isinstance(value, Array):
        if value.shape is not None and len(value.shape) >= 1 and value.shape[0] is not None:
            return value.shape[0]
        if value.key is not None:
            return Sym("batch:" + value.key, "batch")
        return None
    if isinstance(value, Opaque):
        return Sym("batch:" + value.key, "batch")
    return None


def is_python_numbers(value: Value) -> bool:
    """A (nested) Python list of numbers, which Keras reads as a list of states."""
    if isinstance(value, Num):
        return isinstance(value.value, (int, float)) and value.value is not None
    if isinstance(value, Seq):
        return bool(value.items) and all(is_python_numbers(i) for i in value.items)
    return False
