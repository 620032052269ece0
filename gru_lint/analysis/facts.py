"""The per-file analysis every rule reads: computed once, read-only afterwards.

``FileAnalysis`` parses the source once (with the standard ``ast``), builds the
scopes, and collects the places rules care about -- recurrent layer calls with
``initial_state``, model calls, constructors, unpackings -- each with its
inferred values.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cached_property
from typing import List, Optional

from gru_lint.analysis import scopes as sc
from gru_lint.analysis.infer import Evaluator, _argument, layer_class
from gru_lint.analysis.values import Array, LayerVal, ModelVal, Opaque, Seq, Sym, Value
from gru_lint.diagnostics import Span


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
    name: str
    keyword: ast.keyword


@dataclass(frozen=True)
class Unpacking:
    """``a, b = layer(x)``: the targets and what the call returns."""

    assign: ast.Assign
    target: ast.AST
    call: ast.Call
    layer: LayerVal


class Positions:
    """Converts ``ast`` positions (UTF-8 byte columns) to character spans."""

    def __init__(self, source: str):
        self.lines = source.splitlines(True)

    def col(self, line: int, byte_col: int) -> int:
        if not 0 < line <= len(self.lines):
            return byte_col
        text = self.lines[line - 1]
        if text.isascii():
            return byte_col
        return len(text.encode("utf-8")[:byte_col].decode("utf-8", "replace"))

    def span(self, node: ast.AST) -> Span:
        line = node.lineno
        end_line = getattr(node, "end_lineno", None) or line
        end_col = getattr(node, "end_col_offset", None)
        return Span(
            line,
            self.col(line, node.col_offset),
            end_line,
            self.col(end_line, end_col if end_col is not None else node.col_offset),
        )

    def offset(self, line: int, col: int) -> int:
        """Character offset of (1-based line, 0-based character column) in the source."""
        return sum(len(t) for t in self.lines[: line - 1]) + col


class FileAnalysis:
    def __init__(self, source: str, tree: ast.Module):
        self.source = source
        self.tree = tree
        self.scopes = sc.build_scopes(tree)
        self.evaluator = Evaluator(self.scopes, source)
        self.positions = Positions(source)
        self.state_calls: List[StateCall] = []
        self.model_state_calls: List[ModelStateCall] = []
        self.constructor_states: List[ConstructorState] = []
        self.unpackings: List[Unpacking] = []
        self._collect()

    def value(self, node) -> Value:
        return self.evaluator.value(node)

    def span(self, node: ast.AST) -> Span:
        return self.positions.span(node)

    def text(self, node: ast.AST) -> str:
        return self.evaluator.text(node)

    # -- collection ------------------------------------------------------------------
    def _collect(self):
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call):
                self._visit_call(node)
            elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
                self._visit_unpacking(node)

    def _visit_call(self, node: ast.Call):
        state_kw = next((k for k in node.keywords if k.arg == "initial_state"), None)
        if state_kw is None:
            return
        callee = self.value(node.func)
        if isinstance(callee, LayerVal):
            if callee.spec.kind == "cell":
                return
            x_node = _argument(node, 0, "inputs") or _argument(node, None, "sequences")
            self.state_calls.append(
                StateCall(node, callee, state_kw.value, self.value(state_kw.value),
                          self.value(x_node), x_node)
            )
        elif isinstance(callee, ModelVal):
            self.model_state_calls.append(ModelStateCall(node, callee, state_kw))
        else:
            qualname = self.evaluator.qualname(node.func)
            name = layer_class(qualname) if qualname else None
            if name is not None:
                self.constructor_states.append(ConstructorState(node, name, state_kw))

    def _visit_unpacking(self, node: ast.Assign):
        if len(node.targets) != 1 or not isinstance(node.targets[0], (ast.Tuple, ast.List)):
            return
        callee = self.value(node.value.func)
        if isinstance(callee, LayerVal) and callee.spec.kind != "cell":
            self.unpackings.append(Unpacking(node, node.targets[0], node.value, callee))

    # -- shared derived facts -----------------------------------------------------------
    @cached_property
    def plans(self):
        """Each state call lined up with what its layer expects (``states.Plan``)."""
        from gru_lint.analysis.states import plan_for

        return tuple(plan_for(call) for call in self.state_calls)


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
    from gru_lint.analysis.values import Num

    if isinstance(value, Num):
        return isinstance(value.value, (int, float)) and value.value is not None
    if isinstance(value, Seq):
        return bool(value.items) and all(is_python_numbers(i) for i in value.items)
    return False
