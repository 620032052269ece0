"""## What it does
Reports `initial_state=` given to a recurrent layer's *constructor*.

## Why is this bad?
`initial_state` is an argument of the layer *call*, not of the layer. Keras 3 raises
`ValueError: Unrecognized keyword arguments passed to GRU: {'initial_state': ...}`.

## Example
```python
decoder = keras.layers.GRU(64, initial_state=h)
out = decoder(x)
```

## Use instead
```python
decoder = keras.layers.GRU(64)
out = decoder(x, initial_state=h)
```

## Fix safety
No fix: moving the state to every call of the layer is not always a local edit.

## Known limits
None known.
"""

from __future__ import annotations

from gru_lint.rules._base import Rule, diagnostic
from gru_lint.keras_facts import RECURRENT_NAME_PARTS

RULE = Rule(
    code="GRU008",
    name="initial-state-in-constructor",
    summary="`initial_state=` given to a layer constructor instead of the layer call.",
    triggers=(b"initial_state",),
    requires=RECURRENT_NAME_PARTS,
    effects=frozenset({"raised"}),
    fix_safety="none",
    doc=__doc__,
)


def _keras(analysis) -> str:
    return "Keras" if analysis.keras_version == 3 else analysis.keras.name


def check(analysis):
    for site in analysis.constructor_states:
        message = (
            f"`initial_state` is not an argument of the {site.name} constructor "
            f"({_keras(analysis)} raises {analysis.keras.constructor_state_error}) — pass it when "
            f"calling the layer: "
            f"layer(x, initial_state=...)"
        )
        yield diagnostic(analysis, RULE.code, message, site.keyword)
