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
Only models built in the same file whose `inputs=` lists `keras.Input`s are checked: written
out, through names, `[decoder_inputs] + decoder_states_inputs`, or a comprehension of
Inputs (`[keras.Input(shape=(u,)) for _ in range(2)]`). The arrays must be a list the
evaluator knows item by item (`[target_seq] + states_value`), or a loop's next steps: a
sampling loop that re-binds, straight in its body after the call and nowhere else in it,
a list given in `[target_seq] + states_value` (`states_value = [h]`) is checked for the
steps after the first; a `continue`, a re-binding in a branch, or a loop that runs once is
silent. Rows are compared only when known; dicts, datasets and generators are not checked. A
state array whose rank, or known width, differs from its `keras.Input`'s is reported too
(Keras: "incompatible with the layer", or "Data cardinality is ambiguous" for a 1-D one).
"""

from __future__ import annotations


import ast

from gru_lint.analysis.decode import rebound_for_next_step
from gru_lint.analysis.dtypes import resolve, state_items
from gru_lint.analysis.infer import call_argument
from gru_lint.analysis.runtime import input_ctors, method_calls, plain_args, rows
from gru_lint.analysis.values import Array, DictVal, ModelVal, Seq, shape_text
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
    # The state Inputs are those of the file's own layer calls (in a loop iteration's view,
    # the calls in the loop are all its sites; the model was built before it).
    calls = analysis.root.state_calls if analysis.loop_view else analysis.state_calls
    if not calls:
        return
    state_ctors = set()
    for call in calls:
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
            related = (Related("the model's inputs, with its states", analysis.span(inputs_node)),)
            if message is None:
                later = _next_steps(analysis, site, x_node, len(listed))
                if later is None:
                    continue
                message, assign = later
                related += (Related(f"`{analysis.text(assign.targets[0])}` re-bound for the next step",
                                    analysis.span(assign)),)
            yield Diagnostic(RULE.code, f"{method}(): {message}", analysis.span(x_node), None, related)


def _problem(analysis, x_node, listed, state_ctors):
    items = _given(analysis, x_node)
    if items is None:
        return None
    if len(items) != len(listed):
        return (f"the model takes {len(listed)} inputs (sequences and states) but {len(items)} "
                f"array{'s are' if len(items) != 1 else ' is'} given — pass one array per input, "
                f"in the order of inputs=[...]")
    for ctor, (node, value) in zip(listed, items):
        if id(ctor) in state_ctors and node is not None:
            clash = _shape_clash(analysis, ctor, value)
            if clash is not None:
                return (f"the state array `{analysis.text(node)}` has shape {shape_text(clash[1])}, but "
                        f"its Input expects {shape_text(clash[0])} — give it a batch dimension "
                        f"and the state's width (Keras: 'incompatible with the layer')")
    counts = [_rows(analysis, node, value) for node, value in items]
    sequences = [n for n, c in zip(counts, listed) if id(c) not in state_ctors and n is not None]
    for n, ctor, (node, _value) in zip(counts, listed, items):
        if id(ctor) in state_ctors and n is not None and sequences and n != sequences[0] \
                and node is not None:
            return (f"the state array `{analysis.text(node)}` has {n} row{'s' if n != 1 else ''} "
                    f"but the sequences have {sequences[0]} — give every sequence its state row "
                    f"(Keras: 'Data cardinality is ambiguous')")
    return None


def _shape_clash(analysis, ctor, value):
    """(the Input's shape, the array's) when an array given for a state Input cannot fit it:
    another rank, or a known width that differs from the Input's. None when it fits or is
    not known."""
    if not isinstance(value, Array) or value.shape is None:
        return None
    expected = analysis.value(ctor)
    if not isinstance(expected, Array) or expected.shape is None:
        return None
    want, got = expected.shape, value.shape
    if len(want) != len(got):
        return (("batch",) + tuple(want[1:]), got) if all(isinstance(d, int) for d in want[1:]) \
            else None
    for w, g in zip(want[1:], got[1:]):
        if isinstance(w, int) and isinstance(g, int) and w != g:
            return ("batch",) + tuple(want[1:]), got
    return None


def _given(analysis, x_node):
    """[(node or None, value)] for each array given: the items of the list the evaluator
    knows ``x`` is (written out, ``[target_seq] + states_value``, a name bound to one), or
    ``x`` itself when it is one array; None when unsure (a list in the list, a dict)."""
    value = analysis.value(x_node)
    if isinstance(value, Array):
        return [(x_node, value)]
    if not isinstance(value, Seq) or any(isinstance(v, (Seq, DictVal)) for v in value.items):
        return None
    return [(value.node_of(i), v) for i, v in enumerate(value.items)]


def _rows(analysis, node, value):
    if node is not None:
        return rows(analysis, node)
    if isinstance(value, Array) and value.shape and type(value.shape[0]) is int:
        return value.shape[0]
    return None


def _next_steps(analysis, site, x_node, count):
    """(message, assignment) when a loop re-binds a list given in ``x`` for its next step
    (``states_value = [h]``) so that every step after the first gives a wrong number of
    arrays: ``x`` is a list written out and ``+`` of lists, the re-bound name a part of it."""
    scope = analysis.evaluator.scope_of(site.call)
    parts = _parts(x_node)
    if scope is None or parts is None:
        return None
    total, found = 0, None
    for node, one in parts:
        if one:
            total += 1
            continue
        value = analysis.value(node)
        if isinstance(value, Seq) and isinstance(node, (ast.List, ast.Tuple)):
            total += len(value.items)
            continue
        if not isinstance(node, ast.Name) or found is not None:
            return None
        carried = rebound_for_next_step(analysis, site.stmt, scope, node.id)
        if carried is None:
            return None
        later = analysis.value(carried[1].value)
        if not isinstance(later, Seq) or any(isinstance(v, (Seq, DictVal)) for v in later.items):
            return None
        total += len(later.items)
        found = carried[1]
    if found is None or total == count:
        return None
    name = analysis.text(found.targets[0])
    return (f"from the loop's second step on, `{name}` is `{analysis.text(found.value)}` and "
            f"{total} array{'s are' if total != 1 else ' is'} given, but the model takes {count} "
            f"inputs (sequences and states) — re-bind `{name}` to every state the step returns"), found


def _parts(node):
    """[(expression, stands for one array)] of a list written out and ``+`` of such parts."""
    if isinstance(node, (ast.List, ast.Tuple)):
        if any(isinstance(e, ast.Starred) for e in node.elts):
            return None
        return [(e, True) for e in node.elts]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _parts(node.left), _parts(node.right)
        if left is None or right is None:
            return None
        return left + right
    return [(node, False)]
