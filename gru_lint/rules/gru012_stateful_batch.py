"""## What it does
Reports a `stateful=True` recurrent layer called on a `keras.Input` that has no fixed batch
size (`keras.Input(shape=...)` without `batch_size=` or `batch_shape=`).

## Why is this bad?
A stateful layer keeps one state per batch row between calls, so it needs a static batch.
Keras raises at build time with an error about the layer's state that does not say which
input lacks a batch size.

## Example
```python
inputs = keras.Input(shape=(10, 8))
out = keras.layers.GRU(64, stateful=True)(inputs)
```

## Use instead
```python
inputs = keras.Input(batch_shape=(32, 10, 8))
out = keras.layers.GRU(64, stateful=True)(inputs)
```

## Fix safety
No fix: the batch size is the user's choice.

## Known limits
Only inputs built with `keras.Input` in the same file are checked, and only layers
whose keyword is written `stateful=...` (as PEP 8 spells keyword arguments) or given by
a known dict unpacked into the constructor (`GRU(64, **{"stateful": True})`). A file is
read for this rule only when it spells `stateful=` (`dict(stateful=True)` does) or another
rule's token: a quoted `"stateful"` key alone does not make it read, since every Keras
layer's `get_config` holds one.
"""

from __future__ import annotations

from gru_lint.analysis.values import Array, LayerVal
from gru_lint.rules._base import Rule, diagnostic
from gru_lint.keras_facts import RECURRENT_NAME_PARTS

RULE = Rule(
    code="GRU012",
    name="stateful-without-batch",
    summary="A `stateful=True` layer is called on a `keras.Input` without a fixed batch size.",
    triggers=(b"stateful=",),
    requires=RECURRENT_NAME_PARTS,
    effects=frozenset({"raised", "call_raised"}),
    fix_safety="none",
    doc=__doc__,
)


def check(analysis):
    for site in analysis.stateful_calls:
        x = site.inputs
        if not isinstance(x, Array) or x.origin != "input" or not x.shape or x.shape[0] is not None:
            continue
        message = (
            f"{site.layer.display} is stateful=True but its input has no fixed batch size — "
            f"use keras.Input(batch_shape=(batch, ...)) or keras.Input(..., batch_size=batch)"
        )
        yield diagnostic(analysis, RULE.code, message, site.call, site.layer)
    for model in analysis.sequential_models:
        if not model.layers:
            continue
        first = model.layers[0][0]
        if not isinstance(first, Array) or first.origin != "input" or not first.shape:
            continue
        if first.shape[0] is not None:
            continue
        for value, node in model.layers[1:]:
            if isinstance(value, LayerVal) and value.stateful is True:
                message = (
                    f"{value.display} is stateful=True but the Sequential's keras.Input has no fixed "
                    f"batch size — use keras.Input(batch_shape=(batch, ...))"
                )
                yield diagnostic(analysis, RULE.code, message, node, value)
