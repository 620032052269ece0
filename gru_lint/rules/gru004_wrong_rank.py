"""## What it does
Checks that every initial state is a 2-D `(batch, units)` array: not a scalar, not a 3-D
tensor (such as a `return_sequences=True` output or a `keras.Input(shape=(T, units))`), and
not a nested Python list, which Keras reads as a *list of states* rather than one array.

## Why is this bad?
Keras 3 converts each state with `convert_to_tensor` and never checks its rank. A 3-D
state usually fails inside the loop with an error about shapes that never mentions the
state -- or, for `SimpleRNN` with a `(batch, 1, units)` state, runs eagerly and returns a
3-D output, failing only under `tf.function`. A nested list `[[0.0] * 64] * 32` becomes
32 * 64 separate scalar states.

## Example
```python
seq = keras.layers.GRU(64, return_sequences=True)(x)
out = keras.layers.GRU(64)(y, initial_state=seq)
```

## Use instead
```python
_, h = keras.layers.GRU(64, return_state=True)(x)
out = keras.layers.GRU(64)(y, initial_state=h)
```

## Fix safety
No fix: which slice of a 3-D tensor was meant cannot be known. For a nested Python list,
wrap it in `np.array(...)` yourself.

## Known limits
Only states whose rank gru-lint can infer are checked.
"""

from __future__ import annotations

from gru_lint.rules._base import (CRASHES, Rule, checkable_slots, diagnostic, expected_shape, found_shape,
                               slot_shape, state_size_note, what)
from gru_lint.keras_facts import RECURRENT_NAME_PARTS

RULE = Rule(
    code="GRU004",
    name="state-wrong-rank",
    summary="An initial state is not 2-D: a scalar, a 3-D tensor, or a nested Python list.",
    triggers=(b"initial_state",),
    requires=RECURRENT_NAME_PARTS,
    effects=CRASHES | {"state_ignored", "nonarray_state"},
    fix_safety="none",
    doc=__doc__,
)


def _keras(analysis) -> str:
    return "Keras" if analysis.keras_version == 3 else analysis.keras.name


def check(analysis):
    for plan in analysis.plans:
        if plan.numbers:
            count = len(plan.given) if plan.given is not None else 0
            message = (
                f"{plan.layer.display}: initial_state is a nested Python list of numbers; "
                f"{_keras(analysis)} {analysis.keras.nested_list_state.format(count=count)} — "
                f"wrap it in np.array(...)"
            )
            yield diagnostic(analysis, RULE.code, message, plan.call.state_node, plan.layer)
            continue
        for slot in checkable_slots(plan):
            shape = slot_shape(slot)
            if shape is None or len(shape) in (1, 2):
                continue
            problem = "a scalar" if not shape else f"a {len(shape)}-D tensor"
            message = (
                f"{plan.layer.display} expects {what(plan, slot)} of shape {expected_shape(slot)}; "
                f"found {found_shape(slot)} — {problem}, but a state is 2-D"
                f"{state_size_note(analysis)}"
            )
            yield diagnostic(analysis, RULE.code, message, slot.given.node, plan.layer)
