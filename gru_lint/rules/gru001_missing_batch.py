"""## What it does
Checks that every state passed as `initial_state` to a Keras recurrent layer has a batch
dimension: a state for `GRU(64)` is shaped `(batch, 64)`, not `(64,)`.

## Why is this bad?
Keras 3 does not check state shapes. Depending on the layer and the mode, a 1-D state
either fails deep inside the recurrent loop with an error that never mentions
`initial_state`, or -- for `SimpleRNN`, `LSTM` and `GRU(implementation=1)` in eager mode --
is silently broadcast over the batch and then fails once the same code runs under
`tf.function`, `model.fit` or `model.predict`.

## Example
```python
x = np.random.rand(32, 10, 8)
h0 = np.zeros((64,))
out = keras.layers.GRU(64)(x, initial_state=h0)
```

## Use instead
```python
x = np.random.rand(32, 10, 8)
h0 = np.zeros((x.shape[0], 64))
out = keras.layers.GRU(64)(x, initial_state=h0)
```

## Fix safety
Safe when the state is built by an array constructor and the input's batch is known
(the literal batch, or `x.shape[0]` / `tf.shape(x)[0]` of the call's input): the batch is
prepended to the shape. No fix when the state comes from anywhere else.

## Known limits
Only shapes gru-lint can infer statically are checked; a state from a function parameter,
a loop or another module is not.
"""

from __future__ import annotations

from gru_lint.rules._base import CRASHES, Rule, checkable_slots, diagnostic, expected_shape, found_shape, slot_shape, what

RULE = Rule(
    code="GRU001",
    name="state-missing-batch",
    summary="An initial state has no batch dimension: `(units,)` instead of `(batch, units)`.",
    triggers=(b"initial_state",),
    effects=CRASHES,
    fix_safety="safe",
    doc=__doc__,
)


def check(analysis):
    for plan in analysis.plans:
        for slot in checkable_slots(plan):
            shape = slot_shape(slot)
            if shape is None or len(shape) != 1:
                continue
            message = (
                f"{plan.layer.display} expects {what(plan, slot)} of shape {expected_shape(slot)}; "
                f"found {found_shape(slot)} — the batch dimension is missing"
            )
            yield diagnostic(analysis, RULE.code, message, slot.given.node, plan.layer)
