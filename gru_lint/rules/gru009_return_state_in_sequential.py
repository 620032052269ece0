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
straight-line code; there the finding is reported on the `add` that follows the layer,
which is where Keras fails.
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
        # Layers written in the constructor's list: report the return_state layer itself.
        for value, node in model.layers[:-1]:
            if _returns_state(value) and id(node) not in seen:
                seen.add(id(node))
                yield diagnostic(analysis, RULE.code, _message(value), node)
        adds = [a for a in analysis.sequential_adds if a.model.node is model.node]
        if not adds or len({a.block for a in adds}) != 1:
            continue
        # ``model.add(...)``: Keras fails at the add that follows, so that is where it is reported.
        layers = [(v, n) for v, n in model.layers] + [(a.layer, a.call) for a in adds]
        for (value, _), (_, node) in zip(layers, layers[1:]):
            if _returns_state(value) and node in {a.call for a in adds} and id(node) not in seen:
                seen.add(id(node))
                message = (
                    f"this layer would receive [output, *states] from {value.display}, added before "
                    f"it with return_state=True — drop return_state or use the functional API"
                )
                yield diagnostic(analysis, RULE.code, message, node, value)


def _returns_state(value) -> bool:
    return isinstance(value, LayerVal) and value.return_state is True


def _models(analysis):
    by_node = {}
    for add in analysis.sequential_adds:
        by_node.setdefault(id(add.model.node), add.model)
    for model in analysis.sequential_models:
        by_node.setdefault(id(model.node), model)
    return list(by_node.values())
