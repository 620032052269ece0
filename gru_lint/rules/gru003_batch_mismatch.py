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
Safe: the state's first dimension is replaced by the input's batch, which is
the batch the input's own constructor spells, if it is a literal or a name visible
where the state is built (`np.random.rand(BATCH, T, F)` gives `BATCH`); otherwise
`x.shape[0]` for a NumPy input `x`; otherwise, for a tensor input and a state built by a
TensorFlow or Keras constructor, `tf.shape(x)[0]` (or `ops.shape(x)[0]` /
`keras.ops.shape(x)[0]`, whichever the file imports; when none is imported,
`import tensorflow as tf` or `from keras import ops` is added after the module's imports,
only if the file already imports that package and never uses the name).
The state must be built by an array constructor whose shape is written out
(`np.zeros`, `np.random.rand`, `tf.zeros`, `keras.ops.ones`, ..., possibly followed by
`.astype(...)` or a cast), written in the call itself or bound to a name used nowhere
else; a name shared with another layer, or used anywhere else, is never rewritten.
When the state spelled its batch as an expression (`enc_x.shape[0]`), a literal batch is
only the last resort (`dec_x.shape[0]` is preferred to `3`).
A state built transposed, `(units, batch)` (its first dimension is the layer's units, its
last the input's batch), is swapped instead: `np.zeros((UNITS, BATCH))` ->
`np.zeros((BATCH, UNITS))`. Otherwise no fix.

## Known limits
Batches known only at run time (`keras.Input(shape=...)`, `tf.shape(x)[0]` of another
tensor) are never compared. A constant batch baked into a state works until a partial
last batch; that is not reported.
"""

from __future__ import annotations

from gru_lint import fixes
from gru_lint.analysis.values import dim_text, dims_differ
from gru_lint.rules._base import CRASHES, Rule, checkable_slots, diagnostic, found_shape, slot_shape, what
from gru_lint.keras_facts import RECURRENT_NAME_PARTS

RULE = Rule(
    code="GRU003",
    name="state-batch-mismatch",
    summary="An initial state's batch differs from the input's batch or from the other states'.",
    triggers=(b"initial_state",),
    requires=RECURRENT_NAME_PARTS,
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
                                 slot.given.node, plan.layer,
                                 fix=fixes.batch_mismatch(analysis, plan, slot))
            elif first is not None and dims_differ(batch, first[1]) and not dims_differ(
                first[1], plan.input_batch
            ):
                message = (
                    f"{plan.layer.display}: {what(plan, slot)} has batch {dim_text(batch)} but "
                    f"state `{first[0].label}` has batch {dim_text(first[1])} — all states must "
                    f"share the input's batch"
                )
                yield diagnostic(analysis, RULE.code, message, slot.given.node, plan.layer,
                                 fix=fixes.batch_mismatch(analysis, plan, slot))
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
    if batch == 1 and analysis.keras.broadcasts_batch_one:
        message += "; a batch of 1 is broadcast in eager mode but fails under tf.function, fit and predict"
    return message
