"""## What it does
Checks that the last dimension of every initial state equals the layer's `units`
(for `LSTM`, both `h` and `c`; for `Bidirectional`, each direction; for stacked cells,
each cell's own width).

## Why is this bad?
A state of the wrong width fails inside the recurrent step with a matrix-multiplication
error (`Matrix size-incompatible`, `Incompatible shapes`) that names neither the layer's
units nor `initial_state`. A common cause is feeding an encoder's states into a decoder
of another width, or the states of a `Bidirectional` encoder (concatenated, `2 * units`
wide) into a decoder of `units`.

## Example
```python
_, h, c = keras.layers.LSTM(128, return_state=True)(encoder_inputs)
out = keras.layers.LSTM(256)(decoder_inputs, initial_state=[h, c])
```

## Use instead
```python
_, h, c = keras.layers.LSTM(256, return_state=True)(encoder_inputs)
out = keras.layers.LSTM(256)(decoder_inputs, initial_state=[h, c])
```

## Fix safety
Unsafe: gru-lint cannot know whether the state or the layer is wrong. The fix rewrites the
state's last dimension to the layer's `units` as written in the layer (a literal, or a name
visible where the state is built; otherwise its value).
The state must be built by an array constructor whose shape is written out
(`np.zeros`, `np.random.rand`, `tf.zeros`, `keras.ops.ones`, ..., possibly followed by
`.astype(...)` or a cast), written in the call itself or bound to a name used nowhere
else; a name shared with another layer, or used anywhere else, is never rewritten.
No fix when one constructor feeds states of different widths (stacked cells of different
sizes given the same array).

## Known limits
Widths known only by name are compared by name: `latent_dim` matches `latent_dim`, and
two different names are never reported.
"""

from __future__ import annotations

from gru_lint import fixes
from gru_lint.analysis.values import dim_text, dims_differ
from gru_lint.rules._base import (CRASHES, Rule, diagnostic, expected_shape, found_shape, known_shapes,
                               state_size_note, what)
from gru_lint.keras_facts import RECURRENT_NAME_PARTS

RULE = Rule(
    code="GRU002",
    name="state-units-mismatch",
    summary="An initial state's last dimension is not the layer's `units`.",
    triggers=(b"initial_state",),
    requires=RECURRENT_NAME_PARTS,
    effects=CRASHES,
    fix_safety="unsafe",
    doc=__doc__,
)


def check(analysis):
    for plan, slot, shape in known_shapes(analysis):
        if len(shape) != 2 or not dims_differ(shape[-1], slot.units):
            continue
        message = (
            f"{plan.layer.display} expects {what(plan, slot)} of shape {expected_shape(slot)}; "
            f"found {found_shape(slot)} — the last dimension must equal units "
            f"({dim_text(slot.units)}){state_size_note(analysis)}"
        )
        yield diagnostic(analysis, RULE.code, message, slot.given.node, plan.layer,
                         fix=fixes.units_mismatch(analysis, plan, slot))
