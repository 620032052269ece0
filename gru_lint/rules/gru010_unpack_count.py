"""## What it does
Checks that unpacking a recurrent layer's result uses as many names as it returns:
with `return_state=True`, `GRU` and `SimpleRNN` return `[output, h]`, `LSTM` returns
`[output, h, c]`, `Bidirectional(GRU)` returns `[output, h_fw, h_bw]` and
`Bidirectional(LSTM)` `[output, h_fw, c_fw, h_bw, c_bw]`. Without `return_state`, a layer
returns one tensor.

## Why is this bad?
Unpacking the wrong count raises `ValueError: too many values to unpack` -- or, worse,
without `return_state` Python unpacks the output tensor along its *batch* axis: with a
batch that happens to equal the number of names, `out, h = GRU(8)(x)` runs and `h` is
a row of the output, not a state.

## Example
```python
out, h = keras.layers.LSTM(64, return_state=True)(x)
```

## Use instead
```python
out, h, c = keras.layers.LSTM(64, return_state=True)(x)
```

## Keras 2
tf.keras 2's `GRU` and `LSTM` take a test-only `return_runtime=True` flag: without
`return_state` the layer then returns `(output, runtime)`, two values. In Keras 2 code
(`import tf_keras`, ...) that is understood; in Keras 3 code the flag is not an argument
and the unpacking is not checked.

## Fix safety
No fix: which names the following code expects cannot be known.

## Known limits
Stacked `RNN([cells])` and `Bidirectional(merge_mode=None)` results are not checked.
"""

from __future__ import annotations

import ast

from gru_lint.rules._base import Rule, diagnostic
from gru_lint.keras_facts import RECURRENT_NAME_PARTS

RULE = Rule(
    code="GRU010",
    name="unpack-count-mismatch",
    summary="Unpacking a recurrent layer's result into the wrong number of names.",
    # ``out, h = GRU(8)(x)`` mentions no state keyword: any recurrent constructor qualifies.
    triggers=(b"return_state", b"initial_state", b"GRU(", b"LSTM(", b"RNN("),
    requires=RECURRENT_NAME_PARTS,
    effects=frozenset({"raised"}),
    fix_safety="none",
    doc=__doc__,
)


def _return_runtime(analysis, layer):
    """``return_runtime=`` of the layer's constructor: True, False, None (unknown), or
    "absent" when it is not given."""
    for kw in layer.node.keywords:
        if kw.arg == "return_runtime":
            if isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, bool):
                return kw.value.value
            return None
    return "absent"


def check(analysis):
    for site in analysis.unpackings:
        layer = site.layer
        if layer.is_stacked or layer.return_state is None or layer.merge_mode is None:
            continue
        targets = site.target.elts
        starred = any(isinstance(t, ast.Starred) for t in targets)
        names = len(targets)
        runtime = _return_runtime(analysis, layer)
        if runtime != "absent":
            if runtime is None or layer.spec.name not in analysis.keras.return_runtime_layers:
                continue  # unknown, or not a flag of this Keras: another problem
        if runtime is True and not layer.return_state:
            if (names - 1 <= 2) if starred else (names == 2):
                continue
            message = (
                f"{layer.display} with return_runtime=True returns 2 values [output, runtime] "
                f"in {analysis.keras.name}; unpacked into {names} names"
            )
        elif layer.return_state:
            states = layer.states()
            if states is None:
                continue
            returned = 1 + len(states)
            labels = ", ".join(["output"] + [label for label, _ in states])
            if (names - 1 <= returned) if starred else (names == returned):
                continue
            message = (
                f"{layer.display} with return_state=True returns {returned} values [{labels}]; "
                f"unpacked into {names} names"
            )
        else:
            message = (
                f"{layer.display} returns a single tensor (return_state is not set); unpacking it "
                f"into {names} names splits the batch — pass return_state=True"
            )
        yield diagnostic(analysis, RULE.code, message, site.target, layer)
