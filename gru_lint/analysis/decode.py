"""Decode loops: is a step's state carried from one iteration to the next?

For a step (``steps.step_of``) standing straight in the body of a ``for``/``while``
loop (no branch between them), ``decode_steps`` says whether the loop provably feeds
every iteration the same states: the expressions given for the states read only names
the loop never binds, changes, hands to another call or reads elsewhere; the names the
returned states are bound to are never read in the loop (nor by a function of the
file); and the step is part of a decode loop: one of its other inputs is computed, in
the loop, from what the step returns, or it reads the time steps of one batch
(``x[:, t]``) at the loop's index. Anything else is silent.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import List, Optional, Tuple

from gru_lint.analysis import scopes as sc
from gru_lint.analysis.steps import Step, step_of

_LOOPS = (ast.For, ast.While)
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_ENDS = (ast.Return, ast.Raise, ast.Break)


@dataclass(frozen=True)
class NotCarried:
    step: Step
    loop: ast.stmt
    state_names: Tuple[str, ...]  # the names the states are read from
    returned_names: Tuple[str, ...]  # the names the new states are bound to ("_" left out)


def decode_steps(analysis) -> List[NotCarried]:
    found = []
    for stmt, scope, _block in analysis.examined:
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], (ast.Tuple, ast.List))
                and isinstance(stmt.value, ast.Call)):
            continue
        loop = _enclosing_loop(scope.node, stmt)
        if loop is None:
            continue
        step = step_of(analysis, stmt)
        if step is None:
            continue
        result = not_carried(analysis, step, loop, scope)
        if result is not None:
            found.append(result)
    return found


# -- the loop ------------------------------------------------------------------------------
def rebound_for_next_step(analysis, stmt, scope, name: str):
    """``(loop, assignment)`` when ``stmt`` stands straight in a loop that runs more than once
    and whose body, after ``stmt``, re-binds ``name`` by one plain ``name = ...`` standing
    straight in it, the loop's only write of ``name``: every iteration after the first reads
    that assignment's value. No ``continue`` may skip it; None otherwise."""
    loop = _enclosing_loop(scope.node, stmt)
    if loop is None or _runs_once(analysis, loop) or isinstance(loop, ast.For) and any(
            isinstance(n, ast.Name) and n.id == name for n in ast.walk(loop.target)):
        return None
    found = []
    for node in ast.walk(loop):
        if isinstance(node, ast.Continue) or isinstance(node, (ast.Global, ast.Nonlocal)):
            return None
        if isinstance(node, ast.Name) and node.id == name and not isinstance(node.ctx, ast.Load):
            found.append(node)
        elif isinstance(node, _DEFS) and node is not loop:
            return None  # a nested function or class: not followed
    if len(found) != 1:
        return None
    body = loop.body
    assign = next((s for s in body if isinstance(s, ast.Assign) and len(s.targets) == 1
                   and s.targets[0] is found[0]), None)
    if assign is None or not any(s.lineno <= stmt.lineno and stmt.end_lineno <= s.end_lineno
                                 for s in body[:body.index(assign)]):
        return None
    owner, bindings, _direct = sc.resolve(scope, name)
    if owner is not scope or not bindings or analysis.evaluator.flow.changed_anywhere(owner, name):
        return None
    return loop, assign


def _enclosing_loop(root, stmt):
    """The innermost loop whose body holds ``stmt`` straight (through ``with`` blocks only)."""
    path = _path(getattr(root, "body", []), stmt)
    if not path:
        return None
    for holder, field in reversed(path):
        if isinstance(holder, _LOOPS):
            return holder if field == "body" else None
        if not isinstance(holder, (ast.With, ast.AsyncWith)):
            return None
    return None


def _path(block, stmt):
    """[(compound statement, field)] from ``block`` down to ``stmt``; [] at top level, None if absent."""
    for node in block:
        if node is stmt:
            return []
        if isinstance(node, _DEFS) or not (node.lineno <= stmt.lineno <= node.end_lineno):
            continue
        for field in ("body", "orelse", "finalbody"):
            inner = getattr(node, field, None)
            if isinstance(inner, list):
                found = _path(inner, stmt)
                if found is not None:
                    return [(node, field)] + found
        for handler in getattr(node, "handlers", ()) or ():
            found = _path(handler.body, stmt)
            if found is not None:
                return [(node, "handlers")] + found
    return None


def not_carried(analysis, step: Step, loop, scope) -> Optional[NotCarried]:
    if _runs_once(analysis, loop):
        return None
    state_names = []
    for node in step.states:
        names = _plain_names(node)
        if names is None:
            return None
        state_names.extend(names)
    if not state_names:
        return None
    returned_names = []
    for target in step.returned:
        if not isinstance(target, ast.Name):
            return None
        returned_names.append(target.id)
    state_loads = {id(n) for node in step.states for n in ast.walk(node) if isinstance(n, ast.Name)}
    stored, loads = _loop_names(loop)
    flow = analysis.evaluator.flow
    for name in set(state_names):
        if name in stored or name in returned_names:
            return None  # re-bound in the loop (``states = [h, c]``)
        if any(id(n) not in state_loads for n in loads.get(name, ())):
            return None  # read elsewhere in the loop: maybe handed to a helper
        owner, bindings, _direct = sc.resolve(scope, name)
        if owner is None or bindings is None or flow.changed_anywhere(owner, name):
            return None  # changed in place, or written from another function
    for name in returned_names:
        if name != "_" and (name in loads or name in _free_names(analysis)):
            return None  # the new states are read: carried some other way
    if not _decoded(step, loop):
        return None
    return NotCarried(step, loop, tuple(dict.fromkeys(state_names)),
                      tuple(n for n in returned_names if n != "_"))


def _runs_once(analysis, loop) -> bool:
    last = loop.body[-1]
    if isinstance(last, _ENDS):
        return True
    if isinstance(loop, ast.For):
        items = analysis.evaluator.iteration_items(loop.iter) if _is_range(loop.iter) else None
        return items is not None and len(items) <= 1
    return False


def _is_range(node) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "range"


def _plain_names(node) -> Optional[List[str]]:
    """The names an expression of names, lists, ``+`` and constant subscripts reads; None
    for anything else (attributes, calls: their value may change between steps)."""
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, (ast.List, ast.Tuple)):
        out = []
        for elt in node.elts:
            inner = _plain_names(elt.value if isinstance(elt, ast.Starred) else elt)
            if inner is None:
                return None
            out.extend(inner)
        return out
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _plain_names(node.left), _plain_names(node.right)
        return None if left is None or right is None else left + right
    if isinstance(node, ast.Subscript):
        if not all(isinstance(n, (ast.Constant, ast.Slice, ast.UnaryOp, ast.Tuple, ast.USub, ast.Load))
                   for n in ast.walk(node.slice)):
            return None
        return _plain_names(node.value)
    return None


def _loop_names(loop):
    """(names stored anywhere in the loop, {name: its loads}), over the whole statement."""
    stored, loads = set(), {}
    for node in ast.walk(loop):
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                loads.setdefault(node.id, []).append(node)
            else:
                stored.add(node.id)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            stored.update(node.names)
    return stored, loads


def _free_names(analysis) -> frozenset:
    """Names some function or lambda of the file reads without binding them itself."""
    found = analysis.__dict__.get("_decode_free_names")
    if found is None:
        names = set()
        for func in ast.walk(analysis.tree):
            if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                continue
            scope = analysis.scopes.scope_by_node.get(id(func))
            own = set(scope.bindings) if scope is not None else set()
            for node in ast.walk(func):
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in own:
                    names.add(node.id)
        found = frozenset(names)
        analysis._decode_free_names = found
    return found


# -- is it a decode loop? --------------------------------------------------------------------
def _decoded(step: Step, loop) -> bool:
    """One of the step's other inputs comes, in the loop, from what the step returns, or
    reads one time step of a batch at the loop's index (``x[:, t]``)."""
    seeds = {t.id for t in step.outputs if isinstance(t, ast.Name) and t.id != "_"}
    index = {n.id for n in ast.walk(loop.target) if isinstance(n, ast.Name)} \
        if isinstance(loop, ast.For) else set()
    tainted = _spread(loop, set(seeds), index)
    return any(_reads(node, tainted, index) for node in step.inputs)


def _time_step(node, index) -> bool:
    """``x[:, t]``, ``x[:, t - 1:t]``: every row of a batch, at a step the loop index picks."""
    if not index or not isinstance(node, ast.Subscript) or not isinstance(node.slice, ast.Tuple):
        return False
    elts = node.slice.elts
    if len(elts) < 2:
        return False
    first = elts[0]
    if not (isinstance(first, ast.Slice) and first.lower is None and first.upper is None
            and first.step is None):
        return False
    return any(isinstance(n, ast.Name) and n.id in index for n in ast.walk(elts[1]))


def _spread(loop, tainted: set, index) -> set:
    """Names the loop computes from ``tainted`` ones (or from time steps), to a fixed point."""
    statements = [n for n in ast.walk(loop) if isinstance(n, ast.stmt) and n is not loop]
    for _ in range(10):
        before = len(tainted)
        for stmt in statements:
            if isinstance(stmt, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                reads = [stmt.value] if stmt.value is not None else []
                reads += [t.slice for t in targets if isinstance(t, ast.Subscript)]
                if isinstance(stmt, ast.AugAssign):
                    reads.append(stmt.target)
                if any(_reads(r, tainted, index) for r in reads):
                    for target in targets:
                        tainted.update(_bound_names(target))
            elif isinstance(stmt, ast.For) and _reads(stmt.iter, tainted, index):
                tainted.update(_bound_names(stmt.target))
            elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
                func = stmt.value.func
                if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and any(
                        _reads(a, tainted, index) for a in stmt.value.args):
                    tainted.add(func.value.id)
        if len(tainted) == before:
            break
    return tainted


def _reads(node, tainted, index) -> bool:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load) and sub.id in tainted:
            return True
        if _time_step(sub, index):
            return True
    return False


def _bound_names(target) -> List[str]:
    """The name a target binds or changes: ``a``, ``a, b``, ``a[i]`` (its base), ``a.x`` (not)."""
    while isinstance(target, ast.Subscript):
        target = target.value
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [n for elt in target.elts for n in _bound_names(
            elt.value if isinstance(elt, ast.Starred) else elt)]
    return []
