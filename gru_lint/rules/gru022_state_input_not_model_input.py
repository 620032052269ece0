"""## What it does
Reports a functional `keras.Model(inputs=..., outputs=...)` whose outputs come from a
recurrent layer called with a `keras.Input` as `initial_state`, when that Input is not among
the model's `inputs`.

## Why is this bad?
A state placeholder is an input of the graph like any other. Keras refuses to build the
model with `ValueError: Output with path `` is not connected to `inputs``, which says
nothing about the state; the inference models of seq2seq tutorials (an encoder's states
fed to a decoder) are where it happens.

## Example
```python
tokens = keras.Input(shape=(None, 32))
state_in = keras.Input(shape=(64,))
seq = keras.layers.GRU(64, return_sequences=True)(tokens, initial_state=state_in)
decoder = keras.Model(tokens, seq)
```

## Use instead
```python
tokens = keras.Input(shape=(None, 32))
state_in = keras.Input(shape=(64,))
seq = keras.layers.GRU(64, return_sequences=True)(tokens, initial_state=state_in)
decoder = keras.Model([tokens, state_in], seq)
```

## Fix safety
No fix: the order of the model's inputs is part of its interface.

## Known limits
Followed only through names bound once and the first argument of each layer call between
the recurrent layer and the model's output; `inputs=` must list `keras.Input`s built in the
same file.
"""

from __future__ import annotations

import ast

from gru_lint.analysis.dtypes import resolve, state_items
from gru_lint.analysis.infer import call_argument
from gru_lint.analysis.runtime import input_ctors, model_constructions, produced_by
from gru_lint.diagnostics import Diagnostic, Related
from gru_lint.keras_facts import INPUT_NAMES, RECURRENT_NAME_PARTS
from gru_lint.rules._base import Rule

RULE = Rule(
    code="GRU022",
    name="state-input-not-model-input",
    summary="A `keras.Input` used as `initial_state` is missing from `keras.Model(inputs=...)`.",
    triggers=(b"initial_state",),
    requires=RECURRENT_NAME_PARTS,
    effects=frozenset({"raised"}),
    fix_safety="none",
    doc=__doc__,
    versions=frozenset({3}),  # measured under Keras 3 only
)


def check(analysis):
    if not analysis.state_calls:
        return
    targets = {id(c.call): c for c in analysis.state_calls}
    for model_call in model_constructions(analysis):
        inputs_node = call_argument(model_call, 0, "inputs")
        outputs_node = call_argument(model_call, 1, "outputs")
        if inputs_node is None or outputs_node is None:
            continue
        listed = input_ctors(analysis, inputs_node)
        if listed is None:
            continue
        outputs = resolve(analysis, outputs_node)
        items = outputs.elts if isinstance(outputs, (ast.List, ast.Tuple)) else [outputs]
        for item in items:
            site = produced_by(analysis, item, targets)
            if site is None:
                continue
            missing = []
            for state in _raw_items(analysis, site.state_node):
                ctor = resolve(analysis, state)
                if not (isinstance(ctor, ast.Call) and analysis.evaluator.qualname(ctor.func) in INPUT_NAMES):
                    continue
                if not any(ctor is c for c in listed):
                    missing.append(state)
            if not missing:
                continue
            names = ", ".join(analysis.text(m) for m in missing)
            what = "is the initial_state" if len(missing) == 1 else "are initial states"
            message = (
                f"{names} {what} of {site.layer.display} but not among this model's inputs: "
                f"Keras raises 'not connected to inputs' — add {names} to inputs=[...]"
            )
            related = tuple(Related(f"`{analysis.text(m)}` used as initial_state here", analysis.span(m))
                            for m in missing)
            yield Diagnostic(RULE.code, message, analysis.span(model_call), None, related)
            break



def _raw_items(analysis, node):
    """The states as written: the items of a list literal (names kept), else ``state_items``."""
    if isinstance(node, (ast.List, ast.Tuple)) and not any(isinstance(e, ast.Starred) for e in node.elts):
        return list(node.elts)
    if isinstance(node, ast.Name) and isinstance(resolve(analysis, node), ast.Call):
        return [node]
    return state_items(analysis, node)
