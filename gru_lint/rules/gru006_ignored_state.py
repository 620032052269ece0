"""## What it does
Reports states that Keras silently ignores: `GRU` reads only `initial_state[0]`, so a
`GRU` given `[h, h]` or `[h, something_else]` runs and drops everything after the first
state. `Bidirectional(GRU)` splits its list in half and each direction does the same:
given 3 or 4 states, it runs and ignores all but the first of each half.

## Why is this bad?
Nothing fails: the model trains with states you did not intend. This usually means an
LSTM's `[h, c]` was passed to a GRU, or the states of two layers were mixed up.

## Example
```python
_, h, c = keras.layers.LSTM(64, return_state=True)(x)
out = keras.layers.GRU(64)(y, initial_state=[h, c])
```

## Use instead
```python
_, h, c = keras.layers.LSTM(64, return_state=True)(x)
out = keras.layers.GRU(64)(y, initial_state=h)
```

## Fix safety
Safe: the ignored states are removed, which keeps exactly what Keras computes today:
`initial_state=[h, c]` becomes `initial_state=h` for a `GRU`, and a `Bidirectional(GRU)`
keeps the first state of each half (`[fh, fc, bh, bc]` -> `[fh, bh]`). Only for a list or
tuple written in the call, without comments, whose dropped items have no effect worth
keeping (names, attributes, subscripts, constants and non-random array constructors); a
dropped `np.random.rand(...)` would change the random numbers drawn later, so that is not
fixed.

## Known limits
Only lists whose length is known statically are reported.
"""

from __future__ import annotations

from gru_lint import fixes
from gru_lint.rules._base import CRASHES, Rule, diagnostic
from gru_lint.rules.gru005_state_count import expected_text, silently_ignored
from gru_lint.keras_facts import RECURRENT_NAME_PARTS

RULE = Rule(
    code="GRU006",
    name="state-silently-ignored",
    summary="`GRU` given more states than it takes: Keras silently ignores the extra ones.",
    triggers=(b"initial_state",),
    requires=RECURRENT_NAME_PARTS,
    effects=frozenset({"state_ignored"}),
    fix_safety="safe",
    doc=__doc__,
    keras2_effects=CRASHES,  # tf.keras 2 checks the count against cell.state_size
)


def check(analysis):
    for plan in analysis.plans:
        if plan.expected is None or plan.given is None or plan.numbers or plan.layer.is_stacked:
            continue
        if not silently_ignored(plan):
            continue
        extra = len(plan.given) - len(plan.expected)
        message = (
            f"{plan.layer.display} takes {expected_text(plan.expected)}; found {len(plan.given)} — "
            f"{analysis.keras.gru_extra_states.format(extra=extra)}"
        )
        yield diagnostic(analysis, RULE.code, message, plan.call.state_node, plan.layer,
                         fix=fixes.drop_ignored(analysis, plan))
