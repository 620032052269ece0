"""How a ``Sequential`` model without an ``Input`` gets its batch: its first call, ``build`` or run.

A stateful layer needs a static batch. A ``Sequential`` whose first layer spells no input
shape is built lazily, by the first of ``model(x)``, ``model.build(shape)``, ``fit``,
``predict`` or ``evaluate``, and keeps that batch for good. This module lists, in the order
they run, the uses of such a model bound once by a plain assignment, in the straight-line
block that binds it. Anything it cannot read makes the uses unknown: a use inside a loop or
branch, in another function or a lambda, or any use other than these calls. Rules read the
result and stay silent where it is ``None``.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import List, Optional, Tuple

from gru_lint.analysis import scopes as sc
from gru_lint.analysis.values import LayerVal, ModelVal, OtherLayer

# Uses that neither build the model nor run it.
NEUTRAL_METHODS = frozenset({"compile", "summary", "add", "reset_states"})
RUN_METHODS = ("fit", "predict", "evaluate")
# Keywords of a first layer that give the model an input shape at construction.
INPUT_KEYWORDS = frozenset({"input_shape", "batch_input_shape", "batch_size", "input_dim",
                            "batch_shape", "input_length"})
_SIMPLE = (ast.Expr, ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Return)


@dataclass(frozen=True)
class Use:
    """One use of the model: ``kind`` is "neutral", "call", "build", "run" or "other"."""

    kind: str
    node: ast.AST  # the call (the name itself for "other")
    method: str = ""


@dataclass(frozen=True)
class LazyModel:
    model: ModelVal
    stateful: LayerVal
    uses: Tuple[Use, ...]  # in the order they run


def lazy_stateful_models(analysis) -> List[LazyModel]:
    found = getattr(analysis, "_lazy_stateful_models", None)
    if found is None:
        found = []
        seen = set()
        for model in analysis.sequential_models:
            if id(model.node) in seen:
                continue
            seen.add(id(model.node))
            lazy = _lazy(analysis, model)
            if lazy is not None:
                found.append(lazy)
        analysis._lazy_stateful_models = found
    return found


def _lazy(analysis, model: ModelVal) -> Optional[LazyModel]:
    if model.kind != "Sequential":
        return None
    layers = list(model.layers) + [(a.layer, a.layer_node) for a in analysis.sequential_adds
                                   if a.model.node is model.node]
    if not layers:
        return None
    first = layers[0][0]
    if not isinstance(first, (LayerVal, OtherLayer)) or not isinstance(first.node, ast.Call):
        return None
    if any(kw.arg is None or kw.arg in INPUT_KEYWORDS for kw in first.node.keywords):
        return None
    stateful = next((v for v, _ in layers if isinstance(v, LayerVal) and v.stateful is True), None)
    if stateful is None:
        return None
    uses = _uses(analysis, model.node)
    if uses is None:
        return None
    return LazyModel(model, stateful, tuple(uses))


def _uses(analysis, ctor: ast.Call) -> Optional[List[Use]]:
    statements = analysis.scopes.statements
    binding = None
    for stmt, scope, block in statements:
        if isinstance(stmt, ast.Assign) and stmt.value is ctor:
            binding = (stmt, scope, block)
            break
    if binding is None:
        return None
    stmt0, scope0, block0 = binding
    if len(stmt0.targets) != 1 or not isinstance(stmt0.targets[0], ast.Name):
        return None
    name = stmt0.targets[0].id
    bindings = sc.lookup(scope0, name)
    if not bindings or len(bindings) != 1 or bindings[0].node is not stmt0:
        return None
    uses: List[Use] = []
    for stmt, scope, block in statements:
        if scope is not scope0:
            if _mentions(stmt, name) and _reaches(scope, name, stmt0):
                return None  # another function (or class) uses the model: when, unknown
            continue
        if block != block0 or stmt.lineno <= stmt0.lineno:
            continue
        if not isinstance(stmt, _SIMPLE):
            if _mentions(stmt, name):
                uses.append(Use("other", stmt))
            continue
        found = _statement_uses(analysis, stmt, name)
        if found is None:
            return None
        uses.extend(found)
    return uses


def _mentions(stmt: ast.stmt, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(stmt))


def _reaches(scope, name: str, stmt0) -> bool:
    bindings = sc.lookup(scope, name)
    return bindings is None or any(b.node is stmt0 for b in bindings)


def _statement_uses(analysis, stmt: ast.stmt, name: str) -> Optional[List[Use]]:
    parents = {}
    for node in ast.walk(stmt):
        for child in ast.iter_child_nodes(node):
            parents[id(child)] = node
    loads = [n for n in ast.walk(stmt) if isinstance(n, ast.Name) and n.id == name]
    loads.sort(key=lambda n: (n.lineno, n.col_offset))
    out = []
    for load in loads:
        if not isinstance(load.ctx, ast.Load):
            return None
        up = parents.get(id(load))
        walker = up
        while walker is not None:
            if isinstance(walker, (ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                return None  # runs whenever the lambda does
            walker = parents.get(id(walker))
        if isinstance(up, ast.Call) and up.func is load:
            out.append(Use("call", up))
        elif isinstance(up, ast.Attribute) and up.value is load and isinstance(
                parents.get(id(up)), ast.Call) and parents[id(up)].func is up:
            call = parents[id(up)]
            if up.attr in NEUTRAL_METHODS:
                out.append(Use("neutral", call, up.attr))
            elif up.attr == "build":
                out.append(Use("build", call, "build"))
            elif up.attr in RUN_METHODS:
                out.append(Use("run", call, up.attr))
            else:
                out.append(Use("other", call, up.attr))
        else:
            out.append(Use("other", load))
    return out


def build_batch(analysis, call: ast.Call) -> Optional[int]:
    """The batch of ``model.build((B, ...))`` / ``build(input_shape=[B, ...])``, when written."""
    from gru_lint.analysis.dtypes import resolve
    from gru_lint.analysis.infer import call_argument
    from gru_lint.analysis.values import Num

    if any(isinstance(a, ast.Starred) for a in call.args) or any(kw.arg is None for kw in call.keywords):
        return None
    shape = call_argument(call, 0, "input_shape")
    if shape is None:
        return None
    shape = resolve(analysis, shape)
    if not isinstance(shape, (ast.Tuple, ast.List)) or len(shape.elts) < 2 \
            or isinstance(shape.elts[0], ast.Starred):
        return None
    value = analysis.value(shape.elts[0])
    if isinstance(value, Num) and type(value.value) is int and value.value > 0:
        return value.value
    return None
