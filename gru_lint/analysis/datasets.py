"""The batches a ``tf.data`` pipeline built in the file hands to ``fit``/``predict``.

Only the plain pipeline is read: ``tf.data.Dataset.from_tensor_slices(data)``, then any of
``shuffle``/``map``/``cache``/``prefetch``, one ``batch(b[, drop_remainder])``, then
``cache``/``prefetch``/``map``. Anything else (``repeat``, ``filter``, ``take``, ``unbatch``,
a name bound twice, ...) makes the pipeline unknown, and the rules stay silent.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Optional

from gru_lint.keras_facts import DATASET_BATCH_SAFE_METHODS, DATASET_ROW_SAFE_METHODS, DATASET_SOURCES

_MAX_CHAIN = 12


@dataclass(frozen=True)
class Batched:
    """``rows`` rows in batches of ``batch`` (the last one partial unless ``drop_remainder``)."""

    rows: int
    batch: int
    drop_remainder: bool
    call: ast.Call  # the ``.batch(...)`` call

    def sizes(self):
        full = [self.batch] if self.rows >= self.batch else []
        if self.drop_remainder or not self.rows % self.batch:
            return full
        return full + [self.rows % self.batch]


def batched(analysis, node: ast.AST) -> Optional[Batched]:
    """The batches of the dataset ``node`` evaluates to, when the whole pipeline is known."""
    from gru_lint.analysis.dtypes import resolve

    batch_call = None
    for _ in range(_MAX_CHAIN):
        node = resolve(analysis, node)
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            return None
        method = node.func.attr
        if batch_call is None and method == "batch":
            batch_call = node
        elif method in (DATASET_BATCH_SAFE_METHODS if batch_call is None else DATASET_ROW_SAFE_METHODS):
            pass
        elif batch_call is not None and analysis.evaluator.qualname(node.func) in DATASET_SOURCES:
            return _source(analysis, node, batch_call)
        else:
            return None
        node = node.func.value
    return None


def _source(analysis, source: ast.Call, batch_call: ast.Call) -> Optional[Batched]:
    from gru_lint.analysis.runtime import rows
    from gru_lint.analysis.values import Num

    if len(source.args) != 1 or source.keywords:
        return None
    data = source.args[0]
    from gru_lint.analysis.dtypes import resolve

    data = resolve(analysis, data)
    if isinstance(data, (ast.Tuple, ast.List)):
        parts = list(data.elts)
    elif isinstance(data, ast.Dict):
        parts = list(data.values)
    else:
        parts = [data]
    if not parts or any(p is None or isinstance(p, ast.Starred) for p in parts):
        return None
    counts = {rows(analysis, p) for p in parts}
    if len(counts) != 1 or None in counts:
        return None
    n = counts.pop()
    if any(isinstance(a, ast.Starred) for a in batch_call.args) or len(batch_call.args) > 2:
        return None
    kws = {kw.arg: kw.value for kw in batch_call.keywords}
    if None in kws or set(kws) - {"batch_size", "drop_remainder", "num_parallel_calls",
                                  "deterministic", "name"}:
        return None
    size_node = batch_call.args[0] if batch_call.args else kws.get("batch_size")
    drop_node = batch_call.args[1] if len(batch_call.args) > 1 else kws.get("drop_remainder")
    size = analysis.value(size_node) if size_node is not None else None
    if not (isinstance(size, Num) and type(size.value) is int and size.value > 0):
        return None
    drop = False
    if drop_node is not None:
        v = analysis.value(drop_node)
        if not (isinstance(v, Num) and type(v.value) is bool):
            return None
        drop = v.value
    return Batched(n, size.value, drop, batch_call)


# -- the batches fit / predict / evaluate run -----------------------------------------------
DEFAULT_BATCH = 32  # Keras's batch_size when none is given
_SKIP = ("steps_per_epoch", "steps", "validation_steps", "validation_batch_size")


@dataclass(frozen=True)
class Runs:
    """The batch sizes one ``fit``/``predict``/``evaluate`` call runs, and how to say so."""

    sizes: tuple
    rows: int
    batch: int
    given: bool  # batch_size written (arrays) -- always True for a pipeline
    pipeline: Optional[Batched] = None


def runs(analysis, site) -> Optional[Runs]:
    """What ``site`` (a ``runtime.MethodCall``) feeds its model, when every part is known."""
    from gru_lint.analysis.infer import call_argument
    from gru_lint.analysis.runtime import batches, keyword, plain_args, rows
    from gru_lint.analysis.values import Num

    call = site.call
    ok, _ = plain_args(call)
    if not ok or any(keyword(call, k) is not None for k in _SKIP):
        return None
    x_node = call_argument(call, 0, "x")
    if x_node is None:
        return None
    size_node = call_argument(call, 1 if site.method == "predict" else 2, "batch_size")
    split_node = keyword(call, "validation_split")
    n = rows(analysis, x_node)
    if n is None:
        pipeline = batched(analysis, x_node)
        if pipeline is None or size_node is not None or split_node is not None:
            return None
        return Runs(tuple(pipeline.sizes()), pipeline.rows, pipeline.batch, True, pipeline)
    if size_node is None:
        size, given = DEFAULT_BATCH, False
    else:
        v = analysis.value(size_node)
        if not (isinstance(v, Num) and type(v.value) is int and v.value > 0):
            return None
        size, given = v.value, True
    split = 0.0
    if site.method == "fit" and split_node is not None:
        v = analysis.value(split_node.value)
        if not (isinstance(v, Num) and isinstance(v.value, (int, float)) and not isinstance(v.value, bool)):
            return None
        split = float(v.value)
    return Runs(tuple(batches(n, size, split)), n, size, given)
