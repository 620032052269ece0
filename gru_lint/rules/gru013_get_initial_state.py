"""## What it does
Reports `layer.get_initial_state(x)` called with a tensor or array (on a recurrent layer, a
cell, or a `StackedRNNCells`).

## Why is this bad?
Keras 3 changed the signature: `get_initial_state(batch_size)` takes the batch size.
Code written for Keras 2 (`get_initial_state(inputs)`) fails with an error deep in
`ops.zeros` about a shape that is a tensor.

## Example
```python
states = gru.get_initial_state(x)
```

## Use instead
```python
states = gru.get_initial_state(batch_size=keras.ops.shape(x)[0])
```

## Keras 2
`get_initial_state(inputs)` is the Keras 2 signature (and `batch_size=` raises
`TypeError` there), so the rule is silent on code written for Keras 2 (`import tf_keras`,
`tensorflow.python.keras`, ..., or `--keras-version 2`).

## Fix safety
Safe: the tensor becomes its batch, spelled with the shape function the file already
imports (`gru.get_initial_state(x)` -> `gru.get_initial_state(batch_size=tf.shape(x)[0])`,
`ops.shape(x)[0]` without TensorFlow), adding the import only when trivially safe. A
dynamic batch keeps working under `tf.function`.

## Known limits
Reported only when the argument is known to be an array or tensor, on a Keras recurrent
layer or cell, or on a `keras.layers.StackedRNNCells([...])` built in the file.
"""

from __future__ import annotations

import ast

from gru_lint import fixes_runtime
from gru_lint.analysis.runtime import method_calls
from gru_lint.analysis.sites import InitialStateQuery
from gru_lint.analysis.values import Array, Opaque
from gru_lint.rules._base import Rule, diagnostic, stacked_cells
from gru_lint.keras_facts import RECURRENT_NAME_PARTS

RULE = Rule(
    code="GRU013",
    name="get-initial-state-tensor",
    summary="`layer.get_initial_state(x)` given a tensor: Keras 3 takes a batch size.",
    triggers=(b"get_initial_state",),
    requires=RECURRENT_NAME_PARTS,
    effects=frozenset({"raised"}),
    fix_safety="safe",
    doc=__doc__,
    versions=frozenset({3}),  # a Keras 3 migration rule: correct Keras 2 code
)


def _is_tensor(analysis, value) -> bool:
    """An array of rank >= 1, or a name that the same file feeds to a layer as its input."""
    if isinstance(value, Array):
        return value.shape is not None and len(value.shape) >= 1
    if isinstance(value, Opaque):
        return any(call.inputs == value for call in analysis.state_calls)
    return False


def check(analysis):
    for site in analysis.state_queries:
        if not _is_tensor(analysis, site.value):
            continue
        yield diagnostic(analysis, RULE.code, _message(site.layer.display), site.arg, site.layer,
                         fix=fixes_runtime.batch_of_tensor(analysis, site))
    if "StackedRNNCells" not in analysis.source:
        return
    # ``StackedRNNCells`` (not a value the engine models) has the same Keras 3 signature.
    for found in method_calls(analysis, "get_initial_state"):
        call = found.call
        if len(call.args) != 1 or call.keywords or isinstance(call.args[0], ast.Starred):
            continue
        if not stacked_cells(analysis, call.func.value):
            continue
        site = InitialStateQuery(call, None, call.args[0], analysis.value(call.args[0]))
        if _is_tensor(analysis, site.value):
            yield diagnostic(analysis, RULE.code, _message("StackedRNNCells"), site.arg,
                             fix=fixes_runtime.batch_of_tensor(analysis, site))


def _message(display: str) -> str:
    return (f"{display}.get_initial_state() takes a batch size in Keras 3, not a tensor — "
            f"use get_initial_state(batch_size=keras.ops.shape(x)[0])")
