"""## What it does
Reports `fit`, `predict` or `evaluate` on a subclassed `keras.Model` whose `call()` builds
an initial state with a literal batch (`tf.zeros((32, units))`, `np.zeros((1, units))`) when
the batches those methods run are not all of that size: another `batch_size` (Keras's
default is 32), the partial last batch of `N` rows, or a `tf.data` pipeline's `.batch(b)`.

A functional model (`keras.Model(inputs, outputs)`) is checked the same way when a recurrent
layer fed by one of its Inputs is given a constant state of a literal batch
(`keras.ops.zeros((16, units))`, `np.zeros(...)`, `tf.zeros(...)`): the constant is built
into the model, so every batch the model runs must have that many rows.

## Why is this bad?
`fit`, `predict` and `evaluate` trace `call()` with `tf.function`. Keras 3 does not compare
the state's batch with the input's: the loop fails with "Incompatible shapes: [4,64] vs.
[32,64]" at the first batch of another size, often the last batch of the epoch. A batch of
1 is worse: eager calls (`model(x)`) broadcast it over the batch and seem to work, while
every traced call fails ("enters the loop with shape (1, 64), but has shape (32, 64) after
one iteration"). In a functional model the other way round is silent: a batch of 1 row is
broadcast over a constant state of `B` rows, and `B` rows come back (not reported: gru-lint
reports the batches that raise).

## Example
```python
class Forecaster(keras.Model):
    def call(self, inputs):
        h0 = tf.zeros((16, 32))
        return self.head(self.gru(inputs, initial_state=h0))

model.fit(windows, targets, batch_size=16, epochs=5)
```

## Use instead
```python
class Forecaster(keras.Model):
    def call(self, inputs):
        h0 = tf.zeros((tf.shape(inputs)[0], 32))
        return self.head(self.gru(inputs, initial_state=h0))

model.fit(windows, targets, batch_size=16, epochs=5)
```
The batch taken from the input at run time fits every batch, the last one included.

For a functional model, leave `initial_state` out (Keras starts from zeros), or make the
state a model input, `keras.Input(shape=(units,))`, and pass one row per sample to
`fit`/`predict`.

## Fix safety
No fix: the state is built once for every caller of `call()`; rewriting its batch is
GRU003's repair where a call with a known batch proves it. A functional model's constant
state cannot take the batch from a symbolic input without restructuring the model.

## Known limits
Only subclasses of `keras.Model` defined and instantiated in the file, driven by a
`fit`/`predict`/`evaluate` of arrays whose number of rows is known (or a plain `tf.data`
pipeline, as GRU021 reads it), are checked; the state must be built in `call()` itself with
a literal batch, for a layer whose input is `call()`'s own input, directly or through layers
that keep the batch. A file that mentions `run_eagerly` or `run_functions_eagerly` is not
checked (eager execution broadcasts a batch of 1). In a functional model, only states built
by an array constructor with the batch written out are checked, for a layer reached from a
model Input through recurrent, `Dense` or `Embedding` layers and whose output reaches the
model's outputs through such layers; a `keras.Input(batch_shape=(B, units))` state is not
reported (Keras runs it on any batch).
"""

from __future__ import annotations

import ast

from gru_lint.analysis.datasets import runs
from gru_lint.analysis.runtime import functional_constant_states, method_calls
from gru_lint.analysis.values import Instance, LayerVal, ModelVal, OtherLayer
from gru_lint.diagnostics import Diagnostic, Related
from gru_lint.keras_facts import BATCH_PRESERVING_LAYERS, RECURRENT_NAME_PARTS
from gru_lint.rules._base import Rule, checkable_slots, slot_shape

RULE = Rule(
    code="GRU024",
    name="fixed-batch-state-in-call",
    summary="A state with a literal batch, built in a subclassed model's `call()` or into a functional model, that `fit`/`predict` batches do not have.",
    triggers=(b"initial_state",),
    requires=RECURRENT_NAME_PARTS,
    effects=frozenset({"raised", "graph_raised"}),
    fix_safety="none",
    doc=__doc__,
    versions=frozenset({3}),  # measured under Keras 3 only
)

_METHODS = ("fit", "predict", "evaluate")
_EAGER = ("run_eagerly", "run_functions_eagerly")
_MAX_CHAIN = 12


def check(analysis):
    if analysis.evaluator.frame is not None:
        # A batch baked into the model is one no call of it chose: seen in the file's own
        # view, not in the values of one call (``tf.shape(x)[0]`` of a seed's batch there).
        return
    source = analysis.source
    if any(token in source for token in _EAGER) or not any(f".{m}(" in source for m in _METHODS):
        return
    cache = {}
    for method in _METHODS:
        for site in method_calls(analysis, method):
            inst = site.receiver
            if isinstance(inst, ModelVal) and inst.kind == "Model":
                key, cls = id(inst.node), None
                if key not in cache:
                    cache[key] = functional_constant_states(analysis, inst.node)
            elif isinstance(inst, Instance) and inst.keras:
                key, cls = id(inst.cls), inst.cls
                if key not in cache:
                    cache[key] = _fixed_states(analysis, inst.cls)
            else:
                continue
            if not cache[key]:
                continue
            run = runs(analysis, site)
            if run is None:
                continue
            for plan, slot, batch in cache[key]:
                # A functional model broadcasts a batch of 1 over a constant state of B rows,
                # silently (B rows come back): only the batches that raise are reported.
                wrong = [s for s in run.sizes if s != batch and (cls is not None or s != 1 or batch == 1)]
                if wrong:
                    yield _diagnostic(analysis, site, run, plan, slot, batch, wrong[0], cls)
                    break


def _diagnostic(analysis, site, run, plan, slot, batch, bad, cls):
    if bad == run.batch:
        if run.pipeline is not None:
            how = f"batches of {bad} (the tf.data pipeline's .batch({bad}))"
        elif run.given:
            how = f"batches of {bad} (batch_size={bad})"
        else:
            how = f"batches of {bad} (Keras's default batch_size)"
    elif run.rows < run.batch:
        how = f"a single batch of {run.rows} row{'s' if run.rows != 1 else ''}"
    else:
        how = f"a last batch of {bad} rows ({run.rows} rows in batches of {run.batch})"
    if cls is not None:
        message = (
            f"{site.method}() traces {cls.name}.call() on {how}, but call() gives {plan.layer.display} "
            f"an initial_state of batch {batch} — build it from the input's batch "
            f"(tf.shape(inputs)[0])"
        )
    else:
        message = (
            f"{site.method}() runs the functional model on {how}, but {plan.layer.display} has a "
            f"constant initial_state built into the model — expected a state of batch {bad}, found "
            f"batch {batch}; make the state a model input (keras.Input(shape=(units,))) fed one row "
            f"per sample, or leave initial_state out for zeros"
        )
    if batch == 1:
        message += "; a batch of 1 is broadcast only in eager calls, never in traced ones"
    related = (
        Related(f"state of batch {batch} built here", analysis.span(slot.given.node)),
        Related(f"`{plan.layer.display}` created here", analysis.span(plan.layer.node)),
    )
    return Diagnostic(RULE.code, message, analysis.span(site.call), None, related)


def _fixed_states(analysis, cls: ast.ClassDef):
    """(plan, slot, batch) for states of a literal batch built in ``cls.call`` for its input."""
    from gru_lint.analysis.runtime import _own_method

    method = _own_method(cls, "call")
    if method is None:
        return ()
    params = method.args.posonlyargs + method.args.args
    if len(params) < 2:
        return ()
    inputs = params[1].arg
    inside = {id(n) for n in ast.walk(method) if isinstance(n, ast.Call)}
    out = []
    for plan in analysis.plans:
        if id(plan.call.call) not in inside or plan.call.inputs_node is None:
            continue
        if not _from_input(analysis, plan.call.inputs_node, inputs, method, cls):
            continue
        for slot in checkable_slots(plan):
            shape = slot_shape(slot)
            if shape is not None and len(shape) == 2 and isinstance(shape[0], int) \
                    and slot.given.node is not None and _inside(slot.given.node, method):
                out.append((plan, slot, shape[0]))
    return tuple(out)


def _inside(node, method) -> bool:
    return method.lineno <= getattr(node, "lineno", 0) <= (method.end_lineno or 0)


def _from_input(analysis, node, name: str, method, cls) -> bool:
    """Is ``node`` ``call()``'s input ``name``, or its image through batch-keeping layers?"""
    from gru_lint.analysis import scopes as sc
    from gru_lint.analysis.dtypes import resolve

    for _ in range(_MAX_CHAIN):
        node = resolve(analysis, node)
        if isinstance(node, ast.Name):
            if node.id != name:
                return False
            scope = analysis.evaluator.scope_of(node)
            bindings = sc.lookup(scope, node.id) if scope is not None else None
            return bool(bindings) and len(bindings) == 1 and bindings[0].kind == "param" \
                and bindings[0].scope.node is method
        if not isinstance(node, ast.Call) or not node.args or node.keywords and any(
                kw.arg is None for kw in node.keywords):
            return False
        if not _keeps_batch(analysis, node.func, cls):
            return False
        node = node.args[0]
    return False


def _keeps_batch(analysis, func, cls) -> bool:
    """A Keras layer that maps each batch row to one row: a recurrent layer, Dense, Embedding..."""
    value = analysis.value(func)
    if isinstance(value, (LayerVal, OtherLayer)):
        return True
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
            and func.value.id == "self"):
        return False
    ctors = [s.value for s in ast.walk(cls)
             if isinstance(s, ast.Assign) and any(
                 isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name)
                 and t.value.id == "self" and t.attr == func.attr for t in s.targets)]
    if len(ctors) != 1 or not isinstance(ctors[0], ast.Call):
        return False
    if any(isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name == func.attr
           for s in cls.body):
        return False
    qualname = analysis.evaluator.qualname(ctors[0].func)
    return qualname is not None and qualname in BATCH_PRESERVING_LAYERS

