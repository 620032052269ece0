"""## What it does
Reports `initial_state=` passed to a `Sequential` or functional `Model` call, or to
`model.predict` / `model.fit` / `model.evaluate`.

## Why is this bad?
Keras 3 models do not forward `initial_state` to their recurrent layers: calling
`model(x, initial_state=s)` on data **silently ignores** `s`, whatever it is, and the model
runs from zero states (on symbolic inputs the call raises a `TypeError`). `predict` and
`fit` reject the keyword with a `TypeError`, `evaluate` with a `ValueError`.

## Example
```python
model = keras.Sequential([keras.layers.GRU(64), keras.layers.Dense(1)])
y = model(x, initial_state=h0)
```

## Use instead
Build the model with the state as an input, in the functional API:
```python
seq = keras.Input(shape=(10, 8))
h_in = keras.Input(shape=(64,))
out = keras.layers.GRU(64)(seq, initial_state=h_in)
model = keras.Model([seq, h_in], keras.layers.Dense(1)(out))
y = model([x, h0])
```
or subclass `keras.Model` and forward the state to the layer in `call()`.

## Fix safety
No fix: the model has to be restructured.

## Known limits
Only models built in the same file (`keras.Sequential(...)`, `keras.Model(...)`) are
recognised; subclassed models, which can forward the state, are never reported.
"""

from __future__ import annotations

from gru_lint.rules._base import Rule, diagnostic
from gru_lint.keras_facts import MODEL_NAME_PARTS

RULE = Rule(
    code="GRU007",
    name="model-initial-state-ignored",
    summary="`initial_state=` passed to a `Sequential`/`Model` call is silently ignored (or rejected by `predict`/`fit`).",
    triggers=(b"initial_state",),
    requires=MODEL_NAME_PARTS,
    effects=frozenset({"model_state_ignored", "raised"}),
    fix_safety="none",
    doc=__doc__,
    keras2_effects=frozenset({"raised", "call_raised"}),  # tf.keras 2 raises TypeError
)


def _keras(analysis) -> str:
    return "Keras" if analysis.keras_version == 3 else analysis.keras.name


def check(analysis):
    for site in analysis.model_state_calls:
        message = (
            f"`initial_state` passed to a {site.model.kind} call never reaches its layers: "
            f"{_keras(analysis)} {analysis.keras.model_call_state} — call the recurrent "
            f"layer with the state in the functional API, or subclass Model and forward it"
        )
        yield diagnostic(analysis, RULE.code, message, site.keyword)
    for site in analysis.model_method_states:
        method = site.call.func.attr
        message = (
            f"{site.model.kind}.{method}() does not take `initial_state` ({_keras(analysis)} raises TypeError) — "
            f"make the state a model input instead"
        )
        yield diagnostic(analysis, RULE.code, message, site.keyword)
