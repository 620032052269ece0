"""## What it does
Reports a recurrent layer with `return_state=True` that is not the last layer of a
`Sequential` model.

## Why is this bad?
With `return_state=True` the layer returns `[output, *states]`, and `Sequential` hands that
whole list to the next layer, which fails with "Layer "gru_1" expects 1 input(s), but it
received 2 input tensors". `Sequential` cannot route states; the error does not say so.

## Example
```python
model = keras.Sequential([
    keras.layers.GRU(64, return_sequences=True, return_state=True),
    keras.layers.GRU(64),
])
```

## Use instead
```python
model = keras.Sequential([
    keras.layers.GRU(64, return_sequences=True),
    keras.layers.GRU(64),
])
```
or the functional API, where the states can be routed explicitly.

## Fix safety
No fix: whether the states were needed decides between removing `return_state` and
moving to the functional API.

## Known limits
Layers added with `model.add(...)` are followed only when the adds sit in one block of
straight-line code.
"""

from __future__ import annotations

from gru_lint.analysis.values import LayerVal
from gru_lint.rules._base import Rule, diagnostic

RULE = Rule(
    code="GRU009",
    name="return-state-in-sequential",
    summary="A layer with `return_state=True` is followed by another layer in a `Sequential`.",
    triggers=(b"return_state",),
    effects=frozenset({"raised"}),
    fix_safety="none",
    doc=__doc__,
)


def _message(layer: LayerVal) -> str:
    return (
        f"{layer.display} has return_state=True but is not the last layer of a Sequential: the "
        f"next layer would receive [output, *states] — drop return_state or use the functional API"
    )


def check(analysis):
    seen = set()
    for model in _models(analysis):
        layers = list(model.layers)
        adds = [a for a in analysis.sequential_adds if a.model is model or a.model.node is model.node]
        if adds and len({a.block for a in adds}) == 1:
            layers += [(a.layer, a.layer_node) for a in adds]
        for value, node in layers[:-1]:
            if isinstance(value, LayerVal) and value.return_state is True and id(node) not in seen:
                seen.add(id(node))
                yield diagnostic(analysis, RULE.code, _message(value), node)


def _models(analysis):
    by_node = {}
    for add in analysis.sequential_adds:
        by_node.setdefault(id(add.model.node), add.model)
    for model in analysis.sequential_models:
        by_node.setdefault(id(model.node), model)
    return list(by_node.values())
