"""## What it does
Reports `model.reset_states()` on a Keras `Sequential` or functional `Model`.

## Why is this bad?
Keras 2 models had `reset_states()`, which reset every stateful layer. Keras 3 models do
not: the call fails with `AttributeError: 'Sequential' object has no attribute
'reset_states'`, typically between epochs or before generating text with a stateful model,
long after training started.

## Example
```python
model.fit(x, y, batch_size=32, epochs=1, shuffle=False)
model.reset_states()
```

## Use instead
```python
model.fit(x, y, batch_size=32, epochs=1, shuffle=False)
for layer in model.layers:
    if hasattr(layer, "reset_state"):
        layer.reset_state()
```

## Fix safety
Unsafe: a statement `model.reset_states()` becomes the loop above (Keras 3's layers,
recurrent ones and `Bidirectional`, have `reset_state()`). Unlike Keras 2 it does not reach
layers nested in an inner model, hence unsafe.

## Known limits
Only models built in the same file (`keras.Sequential(...)`, `keras.Model(...)`) are
recognised; Keras 2 code (by its imports, or Keras-2-only names such as `CuDNNLSTM`) is
not checked.
"""

from __future__ import annotations

from gru_lint import fixes_runtime
from gru_lint.analysis.runtime import keras2_names, method_calls
from gru_lint.analysis.values import ModelVal
from gru_lint.rules._base import Rule, diagnostic
from gru_lint.keras_facts import MODEL_NAME_PARTS

RULE = Rule(
    code="GRU018",
    name="model-reset-states-removed",
    summary="`model.reset_states()`: Keras 3 models have none; reset each layer's state.",
    triggers=(b"reset_states",),
    requires=MODEL_NAME_PARTS,
    effects=frozenset({"raised"}),
    fix_safety="unsafe",
    doc=__doc__,
    versions=frozenset({3}),  # a Keras 3 migration rule: correct Keras 2 code
)


def check(analysis):
    if keras2_names(analysis):
        return
    for site in method_calls(analysis, "reset_states"):
        model = site.receiver
        if not isinstance(model, ModelVal):
            continue
        message = (
            f"a Keras 3 {model.kind} has no reset_states() (AttributeError) — reset each "
            f"layer: for layer in model.layers: if hasattr(layer, \"reset_state\"): layer.reset_state()"
        )
        yield diagnostic(analysis, RULE.code, message, site.call,
                         fix=fixes_runtime.reset_each_layer(analysis, site))
