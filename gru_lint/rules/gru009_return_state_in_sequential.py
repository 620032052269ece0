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
Unsafe: `return_state=True` is removed from the layer's constructor, so that the next layer
gets the output alone. Offered only when the layer is built inline in the `Sequential` (its
list entry or its `model.add(...)`), the keyword is written `return_state=True`, and the
next layer can take the output (it is not recurrent, or the layer returns sequences).
Unsafe because the states may have been wanted: then the functional API is the repair.

## Known limits
Layers added with `model.add(...)` are followed only when the adds sit in one block of
straight-line code. The finding is on the layer with `return_state=True`; Keras fails at
the layer after it (`model.add` of that layer, or the first call of the model), which a
note points at.
"""

from __future__ import annotations

import ast

from gru_lint import fixes_runtime
from gru_lint.analysis.values import LayerVal, OtherLayer
from gru_lint.diagnostics import Diagnostic, Related
from gru_lint.rules._base import Rule
from gru_lint.keras_facts import RECURRENT_NAME_PARTS

RULE = Rule(
    code="GRU009",
    name="return-state-in-sequential",
    summary="A layer with `return_state=True` is followed by another layer in a `Sequential`.",
    triggers=(b"return_state",),
    requires=RECURRENT_NAME_PARTS,
    effects=frozenset({"raised", "state_list_fed"}),
    fix_safety="unsafe",
    doc=__doc__,
)


def _message(layer: LayerVal, after) -> str:
    nxt = f"the next layer ({after})" if after else "the next layer"
    return (
        f"{layer.display} has return_state=True but is not the last layer of a Sequential: "
        f"{nxt} would receive [output, *states] — drop return_state or use the functional API"
    )


def check(analysis):
    seen = set()
    for model in _models(analysis):
        layers = list(model.layers)
        adds = [a for a in analysis.sequential_adds if a.model.node is model.node]
        if adds and len({a.block for a in adds}) == 1:
            layers += [(a.layer, a.layer_node) for a in adds]
        for (value, node), (following, next_node) in zip(layers, layers[1:]):
            if not _returns_state(value) or node is None or id(node) in seen:
                continue
            seen.add(id(node))
            after = _display(analysis, following, next_node)
            related = (Related(f"the next layer{f' ({after})' if after else ''} receives "
                               f"[output, *states] here", analysis.span(next_node)),) \
                if next_node is not None else ()
            yield Diagnostic(RULE.code, _message(value, after), analysis.span(node),
                             _fix(analysis, value, node, following), related)


def _display(analysis, value, node) -> str:
    if isinstance(value, LayerVal):
        return value.display
    if isinstance(value, OtherLayer):
        return f"{value.name}(...)"
    return ""


def _fix(analysis, value: LayerVal, node, following):
    """Drop ``return_state=True`` where the layer is built inline and the next layer takes the output."""
    if node is not value.node:
        return None
    if isinstance(following, LayerVal):
        if value.return_sequences is not True:
            return None
    elif not isinstance(following, OtherLayer):
        return None
    ctor = value.node
    if value.spec.kind == "bidirectional":
        inner = value.wrapped
        if inner is None or not any(inner.node is n for n in ast.walk(value.node)):
            return None
        ctor = inner.node
    return fixes_runtime.drop_keyword(analysis, ctor, "return_state", "Drop return_state")


def _returns_state(value) -> bool:
    return isinstance(value, LayerVal) and value.return_state is True


def _models(analysis):
    by_node = {}
    for add in analysis.sequential_adds:
        by_node.setdefault(id(add.model.node), add.model)
    for model in analysis.sequential_models:
        by_node.setdefault(id(model.node), model)
    return list(by_node.values())
