"""## What it does
Reports Keras 2 spellings of `get_initial_state` on a Keras layer or cell:
`cell.get_initial_state(inputs=x, ...)`, `cell.get_initial_state(batch_size=b, dtype=tf.float32)`
and the positional `get_initial_state(None, batch, dtype)`.

## Why is this bad?
Keras 2 cells took `get_initial_state(inputs=None, batch_size=None, dtype=None)`. Keras 3
takes only the batch size -- `layer.get_initial_state(batch_size)`,
`cell.get_initial_state(batch_size=None)` -- and builds the states in the layer's own dtype.
Keras 2 code (the TensorFlow NMT tutorials, TensorFlow Addons decoders set up by hand) fails
with `TypeError: ... got an unexpected keyword argument 'dtype'` or `takes 2 positional
arguments but 4 were given`.

## Example
```python
decoder_cell = keras.layers.LSTMCell(units)
initial = decoder_cell.get_initial_state(batch_size=BATCH, dtype=tf.float32)
```

## Use instead
```python
decoder_cell = keras.layers.LSTMCell(units)
initial = decoder_cell.get_initial_state(batch_size=BATCH)
```

## Fix safety
Sometimes safe. The arguments become the batch alone: the batch that was written
(`get_initial_state(None, B, tf.float32)` -> `get_initial_state(B)`), or, when only `inputs=`
was given, `batch_size=tf.shape(x)[0]` (`ops.shape(x)[0]` without TensorFlow). Safe when no
`dtype` is given or it is float32 (the layer's dtype under the default policy); unsafe when
another `dtype` is dropped, since the states then come in the layer's dtype.

## Known limits
Only receivers known to be Keras recurrent layers or cells (or a `StackedRNNCells` built in
the file) are checked (TensorFlow Addons'
`AttentionWrapper.get_initial_state(batch_size=, dtype=)` is correct and never reported).
Keras 2 code (`import tf_keras`, ..., or a file naming Keras-2-only APIs such as `CuDNNLSTM`) is not checked. A single tensor argument is GRU013's.
"""

from __future__ import annotations

from gru_lint import fixes_runtime
from gru_lint.analysis.runtime import keras2_names, method_calls, plain_args
from gru_lint.analysis.values import LayerVal
from gru_lint.rules._base import Rule, diagnostic, stacked_cells
from gru_lint.keras_facts import RECURRENT_NAME_PARTS

RULE = Rule(
    code="GRU016",
    name="get-initial-state-old-signature",
    summary="`get_initial_state(inputs=..., dtype=...)` or `(None, batch, dtype)`: Keras 3 takes the batch size only.",
    triggers=(b"get_initial_state",),
    requires=RECURRENT_NAME_PARTS,
    effects=frozenset({"raised"}),
    fix_safety="sometimes",
    doc=__doc__,
    versions=frozenset({3}),  # a Keras 3 migration rule: correct Keras 2 code
)

_KINDS = ("rnn", "cell", "generic_rnn")


def check(analysis):
    if keras2_names(analysis):
        return
    for site in method_calls(analysis, "get_initial_state"):
        layer = site.receiver
        if isinstance(layer, LayerVal) and layer.spec.kind in _KINDS:
            display = layer.display
        elif stacked_cells(analysis, site.call.func.value):
            layer, display = None, "StackedRNNCells"
        else:
            continue
        call = site.call
        ok, count = plain_args(call)
        if not ok:
            continue
        extra = [kw.arg for kw in call.keywords if kw.arg in ("inputs", "dtype")]
        if count < 2 and not extra:
            continue
        wrong = []
        if count > 1:
            wrong.append(f"{count} positional arguments")
        wrong.extend(f"{name}=" for name in extra)
        message = (
            f"{display}.get_initial_state() takes only batch_size in Keras 3, not "
            f"{' and '.join(wrong)} (Keras 2's inputs, batch_size, dtype) — write "
            f"get_initial_state(batch_size=...); the states come in the layer's dtype"
        )
        yield diagnostic(analysis, RULE.code, message, call, layer,
                         fix=fixes_runtime.batch_only(analysis, call))

