"""## What it does
Reports an initial state built as text: `np.full(shape, "0")`, `np.zeros(shape, dtype=str)`,
`tf.fill(dims, "0")`, `np.array([["0", ...]])`, `h.astype(str)`.

## Why is this bad?
Keras converts each state to the layer's compute dtype and casts any numeric or bool dtype
silently, so dtypes are never the problem -- except text, which fails with
`UnimplementedError: Cast string to float is not supported`, raised from inside `GRU.call()`
without a word about the state. A fill value written in quotes is the usual cause.

## Example
```python
h0 = np.full((batch, 64), "0")
out = keras.layers.GRU(64)(x, initial_state=h0)
```

## Use instead
```python
h0 = np.full((batch, 64), 0.0)
out = keras.layers.GRU(64)(x, initial_state=h0)
```

## Fix safety
Safe, where the text feeds only this state: a quoted fill value that reads as a number
becomes that number (`"0"` -> `0.0`), and a text `dtype=` / `.astype(str)` becomes
`"float32"`. A literal array of text gets no fix.

## Known limits
Only states built in the same file, through names assigned once, are read. `dtype=object`
is not reported.
"""

from __future__ import annotations

from gru_lint import fixes_runtime
from gru_lint.analysis.dtypes import state_items, text_state
from gru_lint.rules._base import CRASHES, Rule, diagnostic
from gru_lint.keras_facts import RECURRENT_NAME_PARTS

RULE = Rule(
    code="GRU015",
    name="string-state",
    summary="An initial state is an array of text, the one dtype Keras cannot cast.",
    triggers=(b"initial_state",),
    requires=RECURRENT_NAME_PARTS,
    effects=CRASHES,
    fix_safety="safe",
    doc=__doc__,
    versions=frozenset({3}),  # measured under Keras 3 only
)

_HOW = {
    "fill": "its fill value is the text {cause}",
    "dtype": "it is built with dtype={cause}",
    "astype": "it is cast with .astype({cause})",
    "literal": "it is a literal array of text such as {cause}",
}


def check(analysis):
    seen = set()
    for call in analysis.state_calls:
        for item in state_items(analysis, call.state_node):
            found = text_state(analysis, item)
            if found is None or id(found.node) in seen:
                continue
            seen.add(id(found.node))
            why = _HOW[found.how].format(cause=analysis.text(found.cause))
            message = (
                f"{call.layer.display}: initial_state is an array of text ({why}) — Keras casts "
                f"states to float and cannot cast strings; build it with a number, e.g. 0.0"
            )
            node = item if _inside(call.state_node, item) else call.state_node
            yield diagnostic(analysis, RULE.code, message, node, call.layer,
                             fix=fixes_runtime.numeric_state(analysis, call, found))


def _inside(outer, inner) -> bool:
    import ast

    return any(n is inner for n in ast.walk(outer))
