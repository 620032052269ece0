"""Lines up the states a call passes with the states its layer expects.

Computed once per ``StateCall`` (``FileAnalysis.plan``) and read by the shape and
count rules, so the rules never re-derive what Keras expects.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Optional, Tuple

from gru_lint.analysis.sites import StateCall, batch_of, is_python_numbers
from gru_lint.analysis.values import Array, Dim, LayerVal, Num, Seq, Value


@dataclass(frozen=True)
class Given:
    """One state as passed: its value and the node that spells it."""

    value: Value
    node: ast.AST


@dataclass(frozen=True)
class Slot:
    """An expected state lined up with the state given for it."""

    label: str  # "h", "c", "forward h", "cell 2 h"
    units: Dim
    cell: LayerVal
    given: Given


@dataclass(frozen=True)
class Plan:
    call: StateCall
    # What Keras expects, flat: (label, cell) pairs. None: not known.
    expected: Optional[Tuple[Tuple[str, LayerVal], ...]]
    # What was given, flat; None when the structure is not known.
    given: Optional[Tuple[Given, ...]]
    bare: bool  # a single array rather than a list of states
    numbers: bool  # a nested Python list of numbers (Keras reads it as several states)
    slots: Tuple[Slot, ...]  # pairs whose shapes can be compared
    input_batch: Dim
    # Stacked cells only: the groups given, one per cell (None when flat or unknown).
    groups: Optional[Tuple[Given, ...]] = None

    @property
    def layer(self) -> LayerVal:
        return self.call.layer

    @property
    def count_matches(self) -> bool:
        return self.expected is not None and self.given is not None and len(self.expected) == len(
            self.given
        )


def plan_for(call: StateCall) -> Plan:
    layer = call.layer
    state = call.state
    input_batch = batch_of(call.inputs)
    numbers = isinstance(state, Seq) and is_python_numbers(state)
    given, bare = _given(state, call.state_node)
    if layer.is_stacked:
        return _stacked_plan(call, given, bare, input_batch)
    expected = layer.states()
    slots: Tuple[Slot, ...] = ()
    if expected is not None and given is not None and not numbers:
        if len(expected) == len(given):
            slots = tuple(_slot(label, cell, g) for (label, cell), g in zip(expected, given))
        elif layer.spec.ignores_extra_states and len(given) > len(expected):
            slots = (_slot(expected[0][0], expected[0][1], given[0]),)
    return Plan(call, expected, given, bare, numbers, slots, input_batch)


def _slot(label: str, cell: LayerVal, given: Given) -> Slot:
    return Slot(label, cell.units, cell, given)


def _given(state: Value, node: ast.AST):
    if isinstance(state, Seq):
        # Point at the item only when the list is written in the call itself.
        inline = state.node is node
        return tuple(
            Given(_as_array(v), (state.node_of(i) if inline else None) or node)
            for i, v in enumerate(state.items)
        ), False
    state = _as_array(state)
    if isinstance(state, Array):
        return (Given(state, node),), True
    return None, False


def _as_array(value: Value) -> Value:
    """A Python number passed as a state is a scalar to Keras."""
    if isinstance(value, Num) and isinstance(value.value, (int, float)) and not isinstance(
        value.value, bool
    ):
        return Array((), "python")
    return value


def _stacked_plan(call: StateCall, groups, bare, input_batch) -> Plan:
    """One group per cell: slots for the groups whose structure is known and right."""
    layer = call.layer
    expected = tuple(
        (f"cell {i + 1} {name}", cell)
        for i, cell in enumerate(layer.cells)
        for name in cell.spec.state_names
    )
    if groups is None or bare:
        return Plan(call, expected, None, bare, False, (), input_batch, groups)
    slots = []
    flat = []
    for i, (group, cell) in enumerate(zip(groups, layer.cells)):
        items = _group_items(group)
        if items is None or len(items) != cell.spec.state_count:
            continue
        slots.extend(Slot(f"cell {i + 1} {name}", cell.units, cell, item)
                     for name, item in zip(cell.spec.state_names, items))
    for group in groups:
        items = _group_items(group)
        flat.extend(items if items is not None else (group,))
    return Plan(call, expected, tuple(flat), False, False, tuple(slots), input_batch, groups)


def misnested_groups(plan: Plan):
    """Indices of the groups whose structure is known and does not fit their cell."""
    bad = []
    for i, (group, cell) in enumerate(zip(plan.groups or (), plan.layer.cells or ())):
        items = _group_items(group)
        if items is not None and len(items) != cell.spec.state_count:
            bad.append(i)
    return bad


def _group_items(group: Given):
    value = group.value
    if isinstance(value, Array):
        return (group,)
    if isinstance(value, Seq):
        return tuple(Given(v, value.node_of(i) or group.node) for i, v in enumerate(value.items))
    return None
