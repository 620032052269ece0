"""## What it does
Checks that every state passed as `initial_state` to a Keras recurrent layer has a batch
dimension: a state for `GRU(64)` is shaped `(batch, 64)`, not `(64,)`.

## Why is this bad?
Keras 3 does not check state shapes. Depending on the layer and the mode, a 1-D state
either fails deep inside the recurrent loop with an error that never mentions
`initial_state` (`GRU`, `RNN(GRUCell)`), or -- for `SimpleRNN`, `LSTM`, `RNN(LSTMCell)`,
`Bidirectional(SimpleRNN)` and `GRU(implementation=1)` in eager mode -- is silently
broadcast over the batch and then fails once the same code runs under `tf.function`,
`model.fit` or `model.predict`.

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
Safe: the input's batch is prepended to the state's shape (`np.zeros((64,))` ->
`np.zeros((BATCH, 64))`, `np.random.rand(64)` -> `np.random.rand(BATCH, 64)`). The batch is
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
No fix when the batch cannot be spelled there (a symbolic `keras.Input` without
`batch_size`, a NumPy state for a symbolic batch, a name bound after the state).

## Known limits
Only shapes gru-lint can infer statically are checked; a state from a function parameter,
a loop or another module is not.
"""

from __future__ import annotations

from gru_lint import fixes
from gru_lint.rules._base import (CRASHES, Rule, diagnostic, expected_shape, found_shape, known_shapes,
                               state_size_note, what)
from gru_lint.keras_facts import RECURRENT_NAME_PARTS

RULE = Rule(
    code="GRU001",
    name="state-missing-batch",
    summary="An initial state has no batch dimension: `(units,)` instead of `(batch, units)`.",
    triggers=(b"initial_state",),
    requires=RECURRENT_NAME_PARTS,
    effects=CRASHES,
    fix_safety="safe",
    doc=__doc__,
)


def check(analysis):
    for plan, slot, shape in known_shapes(analysis):
        if len(shape) != 1:
            continue
        message = (
            f"{plan.layer.display} expects {what(plan, slot)} of shape {expected_shape(slot)}; "
            f"found {found_shape(slot)} — the batch dimension is missing"
            f"{state_size_note(analysis)}"
        )
        yield diagnostic(analysis, RULE.code, message, slot.given.node, plan.layer,
                         fix=fixes.missing_batch(analysis, plan, slot))
