"""What every rule shares: its metadata type and the wording of shapes and layers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import FrozenSet, Optional, Tuple

from gru_lint.analysis.facts import FileAnalysis
from gru_lint.analysis.states import Plan, Slot
from gru_lint.analysis.values import Array, Dim, LayerVal, dim_text, shape_text
from gru_lint.diagnostics import Diagnostic, Fix, Related

# Observations of the TensorFlow oracle that prove a crash.
CRASHES = frozenset({"raised", "call_raised", "graph_raised"})


@dataclass(frozen=True)
class Rule:
    code: str
    name: str  # kebab-case, as ruff names rules
    summary: str  # one line, for tables and --list-rules
    # Byte strings a file must contain for this rule to find anything there (one in lower
    # case and underscores, an argument or method name, as a whole name: ``core.might_matter``).
    triggers: Tuple[bytes, ...]
    # What the TensorFlow oracle must observe on a marked fixture line.
    effects: FrozenSet[str]
    fix_safety: str  # "safe", "unsafe", "sometimes" or "none", with the details in ``doc``
    doc: str
    # The Keras major versions whose code the rule checks (``gru_lint.keras_version``):
    # a rule about migrating to Keras 3 is silent on Keras 2 code.
    versions: FrozenSet[int] = frozenset({2, 3})
    # What the tf_keras oracle must observe on a marked Keras 2 fixture line, when it
    # differs from ``effects`` (tf.keras 2 raises where Keras 3 is silent).
    keras2_effects: Optional[FrozenSet[str]] = None
    # And one of these must be in the file too (empty: nothing more), e.g. a recurrent class
    # name for a rule about a recurrent layer (``keras_facts.RECURRENT_NAME_PARTS``).
    requires: Tuple[bytes, ...] = ()

    def effects_for(self, version: int) -> FrozenSet[str]:
        if version == 2 and self.keras2_effects is not None:
            return self.keras2_effects
        return self.effects


def state_size_note(analysis: FileAnalysis) -> str:
    """For Keras 2 code: when tf.keras 2 reports a state that does not fit the layer."""
    if analysis.keras.checks_state_size:
        return (f"; {analysis.keras.name} raises ValueError when the layer is called "
                f"(not compatible with cell.state_size)")
    return ""


def layer_note(analysis: FileAnalysis, layer: LayerVal) -> Tuple[Related, ...]:
    return (Related(f"`{layer.display}` created here", analysis.span(layer.node)),)


def diagnostic(analysis: FileAnalysis, code: str, message: str, node, layer: Optional[LayerVal] = None,
               fix: Optional[Fix] = None) -> Diagnostic:
    related = layer_note(analysis, layer) if layer is not None else ()
    return Diagnostic(code, message, analysis.span(node), fix, related)


def what(plan: Plan, slot: Slot) -> str:
    """``initial_state`` for one-state layers, ``state `c` `` otherwise."""
    if plan.expected is not None and len(plan.expected) == 1:
        return "initial_state"
    return f"state `{slot.label}`"


def expected_shape(slot: Slot) -> str:
    return f"(batch, {dim_text(slot.units)})"


def found_shape(slot: Slot) -> str:
    value = slot.given.value
    return shape_text(value.shape) if isinstance(value, Array) and value.shape is not None else "?"


def slot_shape(slot: Slot):
    value = slot.given.value
    if isinstance(value, Array):
        return value.shape
    return None


def known_shapes(analysis: FileAnalysis):
    """``(plan, slot, shape)`` for every state, in every call, whose shape is known."""
    for plan in analysis.plans:
        for slot in checkable_slots(plan):
            shape = slot_shape(slot)
            if shape is not None:
                yield plan, slot, shape


def checkable_slots(plan: Plan):
    """Slots of layers whose state shapes gru-lint checks (not ConvLSTM's spatial states)."""
    if plan.layer.innermost.spec.kind == "conv":
        return ()
    return plan.slots


def units_text(units: Dim) -> str:
    return dim_text(units)


def stacked_cells(analysis, node) -> bool:
    """Is ``node`` a ``keras.layers.StackedRNNCells([...])`` built in the file (a name bound once)?"""
    import ast

    from gru_lint.analysis.dtypes import resolve
    from gru_lint.keras_facts import STACKED_CELLS_NAMES

    ctor = resolve(analysis, node)
    return isinstance(ctor, ast.Call) and analysis.evaluator.qualname(ctor.func) in STACKED_CELLS_NAMES
