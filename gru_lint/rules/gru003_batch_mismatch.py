"""## What it does
Checks that every initial state has the same batch as the layer's input, and that the
states of one call (`h` and `c`, forward and backward) agree with each other.

## Why is this bad?
Keras 3 does not compare batches. A state whose batch differs from the input's fails
inside the recurrent loop with a shape error. A state with a batch of 1 is worse: eager
Keras broadcasts it over the batch and the code seems to work, then it fails under
`tf.function`, `model.fit` and `model.predict` ("enters the loop with shape (1, 64), but
has shape (32, 64) after one iteration").

## Example
```python
x = np.random.rand(32, 10, 8)
h0 = np.zeros((16, 64))
out = keras.layers.GRU(64)(x, initial_state=h0)
```

## Use instead
```python
x = np.random.rand(32, 10, 8)
h0 = np.zeros((x.shape[0], 64))
out = keras.layers.GRU(64)(x, initial_state=h0)
```

## Fix safety
Safe when the state is built by an array constructor and the input's batch is known:
the state's first dimension is replaced by the input's batch.

## Known limits
Batches known only at run time (`keras.Input(shape=...)`, `tf.shape(x)[0]` of another
tensor) are never compared. A constant batch baked into a state works until a partial
last batch; that is not reported.
"""

from __future__ import annotations

from gru_lint.analysis.values import dim_text, dims_differ
from gru_lint.rules._base import CRASHES, Rule, checkable_slots, diagnostic, found_shape, slot_shape, what

RULE = Rule(
    code="GRU003",
    name="state-batch-mismatch",
    summary="An initial state's batch differs from the input's batch or from the other states'.",
    triggers=(b"initial_state",),
    effects=CRASHES,
    fix_safety="safe",
    doc=__doc__,
)


def check(analysis):
    for plan in analysis.plans:
        first = None  # (slot, batch) of the first 2-D state with a known batch
        for slot in checkable_slots(plan):
            shape = slot_shape(slot)
            if shape is None or len(shape) != 2:
                continue
            batch = shape[0]
            if dims_differ(batch, plan.input_batch):
                yield diagnostic(analysis, RULE.code, _input_message(analysis, plan, slot, batch),
                                 slot.given.node, plan.layer)
            elif first is not None and dims_differ(batch, first[1]) and not dims_differ(
                first[1], plan.input_batch
            ):
                message = (
                    f"{plan.layer.display}: {what(plan, slot)} has batch {dim_text(batch)} but "
                    f"state `{first[0].label}` has batch {dim_text(first[1])} — all states must "
                    f"share the input's batch"
                )
                yield diagnostic(analysis, RULE.code, message, slot.given.node, plan.layer)
            if first is None and isinstance(batch, int):
                first = (slot, batch)


def _input_message(analysis, plan, slot, batch) -> str:
    source = plan.call.inputs_node
    name = f"`{analysis.text(source)}`" if source is not None and len(analysis.text(source)) < 40 else "the input"
    message = (
        f"{plan.layer.display}: {what(plan, slot)} has shape {found_shape(slot)} but {name} has "
        f"batch {dim_text(plan.input_batch)} — expected ({dim_text(plan.input_batch)}, "
        f"{dim_text(slot.units)})"
    )
    if batch == 1:
        message += "; a batch of 1 is broadcast in eager mode but fails under tf.function, fit and predict"
    return message
