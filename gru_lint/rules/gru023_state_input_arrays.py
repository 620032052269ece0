"""## What it does
Reports `predict`, `fit` or `evaluate` on a functional model that takes states as inputs
(a `keras.Input` it passes as `initial_state`) when the arrays given for its inputs do not
match them: fewer or more arrays than the model has inputs, or state arrays whose number of
rows differs from the sequences'.

## Why is this bad?
Each state row belongs to one sequence, so the state arrays need exactly as many rows as
the sequence array, and one array per input. Keras fails in its data handling with
"Data cardinality is ambiguous" or "expects 2 named input(s) ... but it received 1 input
tensors", before the state is ever used; a state array built for a single example
(`np.zeros((1, units))`) next to a batch of sequences is the usual cause.

## Example
```python
model = keras.Model([tokens, state_in], seq)
model.predict([x, np.zeros((1, 64))])
```

## Use instead
```python
model = keras.Model([tokens, state_in], seq)
model.predict([x, np.zeros((len(x), 64))])
```

## Fix safety
No fix: which rows the states should have is for the author to decide.

## Known limits
Only models built in the same file whose `inputs=` lists `keras.Input`s, called with a list
or tuple of arrays whose numbers of rows are known, are checked; dicts, datasets and
generators are not.
"""

from __future__ import annotations

import ast

from gru_lint.analysis.dtypes import resolve, state_items
from gru_lint.analysis.infer import call_argument
from gru_lint.analysis.runtime import input_ctors, method_calls, plain_args, rows
from gru_lint.analysis.values import Array, ModelVal
from gru_lint.diagnostics import Diagnostic, Related
from gru_lint.rules._base import Rule
from gru_lint.keras_facts import RECURRENT_NAME_PARTS

RULE = Rule(
    code="GRU023",
    name="state-input-arrays",
    summary="Arrays given for a model's state inputs: wrong count, or rows that differ from the sequences'.",
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
    state_ctors = set()
    for call in analysis.state_calls:
        for item in state_items(analysis, call.state_node):
            state_ctors.add(id(resolve(analysis, item)))
    if not state_ctors:
        return
    for method in ("predict", "fit", "evaluate"):
        for site in method_calls(analysis, method):
            model = site.receiver
            if not isinstance(model, ModelVal) or model.kind != "Model":
                continue
            inputs_node = call_argument(model.node, 0, "inputs")
            listed = input_ctors(analysis, inputs_node) if inputs_node is not None else None
            if not listed or len(listed) < 2 or not any(id(c) in state_ctors for c in listed):
                continue
            ok, _ = plain_args(site.call)
            x_node = call_argument(site.call, 0, "x")
            if not ok or x_node is None:
                continue
            message = _problem(analysis, x_node, listed, state_ctors)
            if message is None:
                continue
            related = (Related("the model's inputs, with its states", analysis.span(inputs_node)),)
            yield Diagnostic(RULE.code, f"{method}(): {message}", analysis.span(x_node), None, related)


def _problem(analysis, x_node, listed, state_ctors):
    x = resolve(analysis, x_node)
    if isinstance(x, (ast.List, ast.Tuple)):
        if any(isinstance(e, ast.Starred) for e in x.elts):
            return None
        items = list(x.elts)
    elif isinstance(analysis.value(x_node), Array):
        items = [x_node]
    else:
        return None
    if len(items) != len(listed):
        return (f"the model takes {len(listed)} inputs (sequences and states) but {len(items)} "
                f"array{'s are' if len(items) != 1 else ' is'} given — pass one array per input, "
                f"in the order of inputs=[...]")
    counts = [rows(analysis, item) for item in items]
    sequences = [n for n, c in zip(counts, listed) if id(c) not in state_ctors and n is not None]
    for n, ctor, item in zip(counts, listed, items):
        if id(ctor) in state_ctors and n is not None and sequences and n != sequences[0]:
            return (f"the state array `{analysis.text(item)}` has {n} row{'s' if n != 1 else ''} "
                    f"but the sequences have {sequences[0]} — give every sequence its state row "
                    f"(Keras: 'Data cardinality is ambiguous')")
    return None
