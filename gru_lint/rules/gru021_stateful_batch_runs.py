"""## What it does
Reports `predict`, `fit` or `evaluate` on a stateful model built for a fixed batch `B`
(`keras.Input(batch_shape=(B, ...))` with a `stateful=True` recurrent layer) when the
batches that really run are not all `B` rows: another `batch_size` (Keras's default is
32), a single-sample `predict`, or data of `N` rows leaving a partial last batch of
`N % B` rows. A `tf.data.Dataset.from_tensor_slices(...).batch(b)` pipeline is read too:
reported when `b != B`, or when its `N` rows leave a partial last batch and `batch` was not
given `drop_remainder=True`.

A stateful layer called directly is checked too: built by its first call on a batch of `B`
rows, it is reported when a later call in the same straight-line block has another batch.

So is a `Sequential` without an Input that holds a stateful layer: it is built lazily, for
good, by the first of `model(x)` (the rows of `x`), `model.build((B, ...))`, `predict` (its
first batch) or `fit`/`evaluate` (their batch size, static only when every batch has it).
Later calls and runs on another batch are reported as above, and so is a first run that
cannot build it: `fit`/`evaluate` whose batches differ (a partial last batch, fewer rows
than `batch_size`) or a `tf.data` pipeline batched without `drop_remainder=True`, and a
first `predict` whose last batch is smaller than its first.

## Why is this bad?
A stateful layer keeps one state row per batch row, so every batch must have exactly
`B` rows. The failure comes from deep inside the training or prediction loop: "If an RNN
is stateful, the batch size of the input sequences must be the same as the batch size of
the initial state", or a bare `Incompatible shapes: [4,64] vs. [8,64]` at the last batch,
possibly after a whole epoch of training. A model built lazily by `fit` on batches that
differ fails at once: "When using `stateful=True` in a RNN, the batch size must be static".

## Example
```python
model = keras.Sequential([
    keras.Input(batch_shape=(8, 20, 1)),
    keras.layers.LSTM(32, stateful=True),
    keras.layers.Dense(1),
])
preds = model.predict(windows)
```

## Use instead
```python
model = keras.Sequential([
    keras.Input(batch_shape=(8, 20, 1)),
    keras.layers.LSTM(32, stateful=True),
    keras.layers.Dense(1),
])
preds = model.predict(windows, batch_size=8)
```
with a number of rows that is a multiple of 8 (trim or pad the data; for generation, copy
the weights into a model built with `batch_shape=(1, ...)`).

## Fix safety
When every batch would have `B` rows with `batch_size=B` (the number of rows is a
multiple of `B`), `batch_size=B` is written into the call: safe for `predict` and
`evaluate`, unsafe for `fit` (training with other batches changes its dynamics). A partial
last batch gets no fix: dropping or padding rows is your decision. A `tf.data` pipeline gets
no fix either: `drop_remainder=True` drops data, and a pipeline's batch size is yours to
choose.

## Known limits
Only models built in the same file are recognised: a `Sequential` whose first entry is the
`keras.Input(batch_shape=...)` and that holds a stateful layer, or a functional `Model`
whose input is such an Input fed directly to a stateful layer. Only arrays whose number of
rows is known are checked. Of `tf.data`, only `from_tensor_slices` of arrays with known rows,
then `shuffle`/`map`/`cache`/`prefetch` and one `batch(b)` with a literal `drop_remainder`, is
followed (`repeat`, `filter`, `take`, a name re-bound along the pipeline make it unknown);
generators, `steps_per_epoch`, `steps` and `validation_data` are not followed (reported:
nothing, when unsure). A `Sequential` built lazily is followed only through the uses, in the
order they run, of a name bound once by `model = keras.Sequential(...)`, in the straight-line
block that binds it, up to the use that builds it: a use in a loop, a branch, another
function or a lambda, or passing the model anywhere, before that leaves its batch unknown.
"""

from __future__ import annotations

import ast

from gru_lint import fixes_runtime
from gru_lint.analysis.builds import build_batch, lazy_stateful_models
from gru_lint.analysis.datasets import batched, runs
from gru_lint.analysis.infer import call_argument
from gru_lint.analysis.runtime import batches, keyword, method_calls, plain_args, rows
from gru_lint.analysis.values import Array, LayerVal, ModelVal, Num
from gru_lint.diagnostics import Diagnostic, Related
from gru_lint.rules._base import Rule
from gru_lint.keras_facts import RECURRENT_NAME_PARTS

RULE = Rule(
    code="GRU021",
    name="stateful-batch-runs",
    summary="A stateful model built for batch B is run by `predict`/`fit`/`evaluate` on batches of another size.",
    triggers=(b"stateful=",),
    requires=RECURRENT_NAME_PARTS,
    effects=frozenset({"raised"}),
    fix_safety="sometimes",
    doc=__doc__,
    versions=frozenset({3}),  # measured under Keras 3 only
)

_METHODS = ("predict", "fit", "evaluate")
_DEFAULT_BATCH = 32
_SKIP = ("steps_per_epoch", "steps", "validation_steps", "validation_batch_size")


def check(analysis):
    for method in _METHODS:
        for site in method_calls(analysis, method):
            model = site.receiver
            if not isinstance(model, ModelVal):
                continue
            found = _static_batch(analysis, model)
            if found is None:
                continue
            batch, input_node, stateful = found
            diag = _check_call(analysis, site, batch, input_node, stateful)
            if diag is not None:
                yield diag
    yield from _rebatched_calls(analysis)
    yield from _lazily_built(analysis)


def _check_call(analysis, site, batch, input_node, stateful, broadcast=True):
    call = site.call
    ok, _ = plain_args(call)
    if not ok or any(keyword(call, k) is not None for k in _SKIP):
        return None
    x_node = call_argument(call, 0, "x")
    n = rows(analysis, x_node) if x_node is not None else None
    if n is None:
        pipeline = batched(analysis, x_node) if x_node is not None else None
        if pipeline is None or call_argument(call, 1 if site.method == "predict" else 2, "batch_size") \
                is not None or keyword(call, "validation_split") is not None:
            return None
        return _check_dataset(analysis, site, pipeline, batch, input_node, stateful)
    size_node = call_argument(call, 1 if site.method == "predict" else 2, "batch_size")
    if size_node is None:
        size, given = _DEFAULT_BATCH, False
    else:
        v = analysis.value(size_node)
        if not (isinstance(v, Num) and type(v.value) is int):
            return None
        size, given = v.value, True
    split = 0.0
    split_node = keyword(call, "validation_split")
    if site.method == "fit" and split_node is not None:
        v = analysis.value(split_node.value)
        if not (isinstance(v, Num) and isinstance(v.value, (int, float)) and not isinstance(v.value, bool)):
            return None
        split = float(v.value)
    sizes = batches(n, size, split)
    wrong = [s for s in sizes if s != batch]
    if not wrong:
        return None
    bad = wrong[0]
    if bad == size and n >= size:
        how = (f"batches of {size} (batch_size={size})" if given
               else f"batches of {size} (Keras's default batch_size)")
    elif n < size:
        how = f"a single batch of {n} row{'s' if n != 1 else ''} (the whole input)"
    else:
        how = f"a last batch of {bad} rows (from {n} rows in batches of {size})"
    message = (
        f"{site.method}() on a stateful model built for batch {batch} runs {how} — every batch "
        f"must have exactly {batch} rows"
    )
    if bad == 1 and broadcast:
        message += (f" (once the model has run on a batch of {batch}, a single row is broadcast "
                    f"instead, and {batch} rows come back silently)")
    fix = None
    if not [s for s in batches(n, batch, split) if s != batch]:
        message += f"; pass batch_size={batch}"
        fix = fixes_runtime.set_batch_size(analysis, call, size_node, batch, site.method != "fit")
    else:
        message += f"; {n} row{'s' if n != 1 else ''} cannot be split into batches of {batch}"
    related = (Related(f"stateful {stateful.display} built for batch {batch} here",
                       analysis.span(input_node)),)
    return Diagnostic(RULE.code, message, analysis.span(call), fix, related)


def _check_dataset(analysis, site, pipeline, batch, input_node, stateful):
    """``fit``/``predict`` of a ``tf.data`` pipeline: its batch size, and its last batch."""
    wrong = [s for s in pipeline.sizes() if s != batch]
    if not wrong:
        return None
    size, n = pipeline.batch, pipeline.rows
    if wrong[0] == size:
        how = f"batches of {size} from the tf.data pipeline's .batch({size})"
    else:
        how = (f"a last batch of {wrong[0]} rows ({n} rows in batches of {size}, and "
               f".batch({size}) keeps the remainder without drop_remainder=True)")
    message = (f"{site.method}() on a stateful model built for batch {batch} runs {how} — every "
               f"batch must have exactly {batch} rows")
    related = (Related(f"stateful {stateful.display} built for batch {batch} here",
                       analysis.span(input_node)),
               Related("the dataset is batched here", analysis.span(pipeline.call)))
    return Diagnostic(RULE.code, message, analysis.span(site.call), None, related)


def _static_batch(analysis, model: ModelVal):
    """(B, the Input's node, the stateful layer) for a model with a static batch and a stateful layer."""
    if model.kind == "Sequential":
        layers = [(v, n) for v, n in model.layers]
        layers += [(a.layer, a.layer_node) for a in analysis.sequential_adds if a.model.node is model.node]
        if not layers:
            return None
        first, node = layers[0]
        batch = _input_batch(first)
        if batch is None:
            return None
        for value, _ in layers[1:]:
            if isinstance(value, LayerVal) and value.stateful is True:
                return batch, node, value
        return None
    inputs_node = call_argument(model.node, 0, "inputs")
    if inputs_node is None:
        return None
    inputs = analysis.value(inputs_node)
    batch = _input_batch(inputs)
    if batch is None:
        return None
    for site in analysis.stateful_calls:
        if site.inputs == inputs and site.layer.stateful is True:
            return batch, inputs_node, site.layer
    return None


def _input_batch(value):
    if isinstance(value, Array) and value.origin == "input" and value.shape and isinstance(value.shape[0], int):
        return value.shape[0]
    return None


def _rebatched_calls(analysis):
    """A stateful layer called again, in the block that built it, on another known batch."""
    by_layer = {}
    for site in analysis.stateful_calls:
        by_layer.setdefault(id(site.layer.node), []).append(site)
    for sites in by_layer.values():
        if len(sites) < 2:
            continue
        located = [(_block_of(analysis, s.call), s) for s in sites]
        blocks = {b for b, _ in located}
        if None in blocks or len(blocks) != 1:
            continue
        located.sort(key=lambda p: (p[1].call.lineno, p[1].call.col_offset))
        first = located[0][1]
        built = _batch(first.inputs)
        if built is None:
            continue
        for _, site in located[1:]:
            batch = _batch(site.inputs)
            if batch is None:
                break
            if batch != built:
                message = (
                    f"{site.layer.display} is stateful=True and was built by its first call for "
                    f"batch {built}; this call has batch {batch} — a stateful layer keeps one state "
                    f"row per batch row, so every call needs {built} rows (use a separate layer, "
                    f"or copy the weights into one built for batch {batch})"
                )
                related = (Related(f"built for batch {built} by this call", analysis.span(first.call)),)
                yield Diagnostic(RULE.code, message, analysis.span(site.call), None, related)
                break


def _batch(value):
    if isinstance(value, Array) and value.shape and isinstance(value.shape[0], int):
        return value.shape[0]
    return None


def _block_of(analysis, call):
    """(scope, block) of the straight-line statement holding ``call``, if it is not in a loop."""
    for stmt, scope, block in analysis.examined:
        if isinstance(stmt, (ast.For, ast.AsyncFor, ast.While, ast.If, ast.With, ast.Try)):
            continue
        if stmt.lineno <= call.lineno <= (stmt.end_lineno or stmt.lineno) and any(
                n is call for n in ast.walk(stmt)):
            if _in_loop(analysis, stmt):
                return None
            return (id(scope), block)
    return None


def _in_loop(analysis, stmt) -> bool:
    return any(node is not stmt and start < stmt.lineno <= end
               for node, start, end in _loops(analysis))


def _loops(analysis):
    """``(loop, first line, last line)`` of every loop statement of the file, found once."""
    found = analysis.__dict__.get("_loop_lines")
    if found is None:
        found = analysis.__dict__["_loop_lines"] = [
            (stmt, stmt.lineno, stmt.end_lineno or stmt.lineno)
            for stmt, _scope, _block in analysis.scopes.statements
            if isinstance(stmt, (ast.For, ast.AsyncFor, ast.While))
        ]
    return found


def _lazily_built(analysis):
    """A stateful ``Sequential`` without an Input: built by its first call, ``build`` or run
    with some batch, then run or called on another (or its first run has no static batch)."""
    for lazy in lazy_stateful_models(analysis):
        sites = {id(s.call): s for m in _METHODS for s in method_calls(analysis, m)}
        built, built_at = None, None
        for use in lazy.uses:
            if use.kind == "neutral":
                continue
            if built is None:
                if use.kind == "call":
                    built, built_at = _call_batch(analysis, use.node), use.node
                elif use.kind == "build":
                    built, built_at = build_batch(analysis, use.node), use.node
                elif use.kind == "run" and id(use.node) in sites:
                    site = sites[id(use.node)]
                    built, diag = _first_run(analysis, site, lazy.stateful)
                    built_at = use.node
                    if diag is not None:
                        yield diag
                        break
                if built is None:
                    break
                continue
            if use.kind == "call":
                batch = _call_batch(analysis, use.node)
                if batch is not None and batch != built:
                    message = (
                        f"the model holds stateful {lazy.stateful.display} and was built for batch "
                        f"{built}; this call has batch {batch} — expected {built} rows, found {batch} "
                        f"(a stateful layer keeps one state row per batch row; copy the weights into "
                        f"a model built for batch {batch})"
                    )
                    related = (Related(f"built for batch {built} here", analysis.span(built_at)),)
                    yield Diagnostic(RULE.code, message, analysis.span(use.node), None, related)
            elif use.kind == "run" and id(use.node) in sites:
                diag = _check_call(analysis, sites[id(use.node)], built, built_at, lazy.stateful,
                                   broadcast=False)
                if diag is not None:
                    yield diag


def _call_batch(analysis, call):
    if len(call.args) != 1 or isinstance(call.args[0], ast.Starred) or any(
            kw.arg is None for kw in call.keywords):
        return None
    return rows(analysis, call.args[0])


def _first_run(analysis, site, stateful):
    """(the batch the first run builds the model for, or None; a finding when that run fails)."""
    run = runs(analysis, site)
    if run is None or not run.sizes:
        return None, None
    first = run.sizes[0]
    if site.method == "predict":
        # predict builds the model on its first batch: a later batch of another size fails.
        if run.pipeline is not None:
            return None, None
        wrong = [s for s in run.sizes if s != first]
        if not wrong:
            return first, None
        how = f"a last batch of {wrong[0]} rows ({run.rows} rows in batches of {run.batch})"
        message = (f"predict() builds the model holding stateful {stateful.display} on its first "
                   f"batch of {first} rows, then runs {how} — expected {first} rows, found {wrong[0]}")
        return None, Diagnostic(RULE.code, message, analysis.span(site.call), None, ())
    # fit/evaluate build the model from the data's batch dimension, static only when every
    # batch has the same rows.
    if run.pipeline is not None:
        if run.pipeline.drop_remainder and run.rows >= run.batch:
            return run.batch, None
        message = (
            f"{site.method}() builds the model holding stateful {stateful.display} from a tf.data "
            f"pipeline batched by .batch({run.batch}) without drop_remainder=True — a stateful layer "
            f"needs a static batch, expected {run.batch}, found an unknown batch (use "
            f".batch({run.batch}, drop_remainder=True), or start the model with "
            f"keras.Input(batch_shape=({run.batch}, ...)))")
        related = (Related("the dataset is batched here", analysis.span(run.pipeline.call)),)
        return None, Diagnostic(RULE.code, message, analysis.span(site.call), None, related)
    if run.rows >= run.batch and all(s == run.batch for s in run.sizes) and not run.rows % run.batch:
        return run.batch, None
    if run.rows < run.batch:
        how = (f"a single batch of {run.rows} row{'s' if run.rows != 1 else ''}, fewer than "
               f"batch_size={run.batch}")
        found = run.rows
    else:
        found = next(s for s in run.sizes if s != run.batch)
        how = f"{run.rows} rows in batches of {run.batch}, the last of {found} rows"
    message = (
        f"{site.method}() builds the model holding stateful {stateful.display} from {how} — a "
        f"stateful layer needs a static batch, and Keras sees none unless every batch has "
        f"batch_size rows: expected {run.batch}, found {found} (pass a batch_size that divides "
        f"the rows, or start the model with keras.Input(batch_shape=(B, ...)))")
    return None, Diagnostic(RULE.code, message, analysis.span(site.call), None, ())
