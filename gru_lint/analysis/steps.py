"""Step calls: a call that takes states and returns new ones, at places gru-lint knows.

A *step* is an assignment ``a, b, ... = CALL`` whose call is

- a recurrent layer built with ``return_state=True`` and called with a state
  (``out, h = gru(x, initial_state=h0)``): it takes ``initial_state`` and returns
  ``[output, *states]``;
- a functional ``keras.Model(inputs, outputs)`` of the file, driven by ``predict``,
  ``predict_on_batch`` or a call, whose outputs hold states a recurrent layer returns and
  whose inputs hold the ``keras.Input`` states that layer was given
  (``decoder_model.predict([target_seq] + states_value)``, keras.io's seq2seq sampler);
- an instance of a ``keras.Model`` subclass of the file whose ``call()`` passes one
  parameter as ``initial_state`` to a layer returning states, and returns one of those
  states at a fixed place of a tuple (``predictions, hidden, attention = decoder(x,
  hidden, enc_out)``, the NMT tutorial's decoder), or a method of a class of the file that
  does the same with such a step (``OneStep.generate_one_step`` of the text-generation
  tutorial, calling ``self.model(inputs=ids, states=states, return_state=True)``). Of
  several returns, the one the call's arguments select is read (``if return_state:``).

``step_of`` gives the expressions fed as states and as other inputs, and the targets
bound to the returned states and to the other outputs; anything it cannot line up is
None.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import List, Optional, Tuple

from gru_lint.analysis import scopes as sc
from gru_lint.analysis.dtypes import resolve, state_items
from gru_lint.analysis.flow import position
from gru_lint.analysis.infer import call_argument
from gru_lint.analysis.values import Instance, LayerVal, ModelVal, Num
from gru_lint.keras_facts import CALLABLE_WITH_STATE

_PREDICT = frozenset({"predict", "predict_on_batch"})


@dataclass(frozen=True)
class Step:
    """One step call: what it is fed and what it returns, as source nodes."""

    stmt: ast.Assign
    call: ast.Call
    what: str  # how the callee reads in messages
    states: Tuple[ast.AST, ...]  # the expressions given for the states
    inputs: Tuple[ast.AST, ...]  # the expressions given for everything else
    returned: Tuple[ast.AST, ...]  # the targets the returned states are bound to
    outputs: Tuple[ast.AST, ...]  # the other targets


def step_of(analysis, stmt: ast.Assign) -> Optional[Step]:
    call = stmt.value
    targets = stmt.targets[0].elts
    if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        return None
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr in _PREDICT:
        model = analysis.value(func.value)
        if isinstance(model, ModelVal) and model.kind == "Model":
            x = call_argument(call, 0, "x")
            return _model_step(analysis, stmt, model, x, targets, analysis.text(func.value))
        return None
    if isinstance(func, ast.Attribute):
        owner = analysis.value(func.value)
        if isinstance(owner, Instance) and _is_method(owner, func.attr):
            return _subclass_step(analysis, stmt, owner, targets, func.attr)
    callee = analysis.value(func)
    if isinstance(callee, LayerVal):
        return _layer_step(analysis, stmt, callee, targets)
    if isinstance(callee, ModelVal) and callee.kind == "Model" and len(call.args) == 1 \
            and not call.keywords:
        return _model_step(analysis, stmt, callee, call.args[0], targets, analysis.text(func))
    if isinstance(callee, Instance) and callee.keras:
        return _subclass_step(analysis, stmt, callee, targets)
    return None


def _layer_step(analysis, stmt, layer: LayerVal, targets) -> Optional[Step]:
    call = stmt.value
    if layer.spec.name not in CALLABLE_WITH_STATE or layer.return_state is not True:
        return None
    expected = layer.states()
    state = call_argument(call, None, "initial_state")
    if state is None and len(call.args) >= 2:
        state = call.args[1]
    x = call_argument(call, 0, "inputs")
    if state is None or x is None or expected is None:
        return None
    if isinstance(state, ast.Constant) or len(targets) != 1 + len(expected):
        return None
    if any(isinstance(t, ast.Starred) for t in targets):
        return None
    return Step(stmt, call, layer.display, (state,), (x,), tuple(targets[1:]), (targets[0],))


def _model_step(analysis, stmt, model: ModelVal, x, targets, what: str) -> Optional[Step]:
    if x is None:
        return None
    inputs_node = call_argument(model.node, 0, "inputs")
    outputs_node = call_argument(model.node, 1, "outputs")
    if inputs_node is None or outputs_node is None:
        return None
    from gru_lint.analysis.runtime import input_ctors

    inputs, outputs = input_ctors(analysis, inputs_node), _flat(analysis, outputs_node)
    if not inputs or not outputs or len(outputs) != len(targets):
        return None
    if any(isinstance(t, ast.Starred) for t in targets):
        return None
    returns_state = [_is_returned_state(analysis, item) for item in outputs]
    if None in returns_state or not any(returns_state):
        return None
    state_ctors = set()
    for producer in filter(None, returns_state):
        state = call_argument(producer, None, "initial_state")
        if state is None and len(producer.args) >= 2:
            state = producer.args[1]
        for item in state_items(analysis, state) if state is not None else ():
            state_ctors.add(id(resolve(analysis, item)))
    fed_states = [id(ctor) in state_ctors for ctor in inputs]
    if not any(fed_states):
        return None
    segments = _segments(x, len(inputs))
    if segments is None:
        return None
    states, others = [], []
    for node, first, count in segments:
        kinds = set(fed_states[first:first + count])
        if len(kinds) != 1:
            return None  # one expression for states and sequences: not followed
        (states if kinds.pop() else others).append(node)
    returned = tuple(t for t, s in zip(targets, returns_state) if s is not False)
    outs = tuple(t for t, s in zip(targets, returns_state) if s is False)
    return Step(stmt, stmt.value, what, tuple(states), tuple(others), returned, outs)


def _subclass_step(analysis, stmt, inst: Instance, targets, name: str = "call",
                   parent=None, depth: int = 0) -> Optional[Step]:
    """``model(x, states)`` of a ``keras.Model`` subclass (its ``call()``), or
    ``wrapper.method(x, states=states)`` of a class of the file, whose body feeds one
    parameter as the state of a step (a layer, or another such call) and returns the new
    states at a fixed place of a tuple."""
    from gru_lint.analysis.runtime import _own_method

    call = stmt.value
    method = _own_method(inst.cls, name)
    if method is None or method.args.vararg is not None or method.args.posonlyargs or depth > 2:
        return None
    if name != "call" and any(isinstance(s, ast.FunctionDef) and s.name in ("__getattr__", "__call__")
                              for s in inst.cls.body):
        return None
    params = [a.arg for a in method.args.args[1:]] + [a.arg for a in method.args.kwonlyargs]
    given = {}
    for param, arg in zip(method.args.args[1:], call.args):
        given[param.arg] = arg
    if len(call.args) > len(method.args.args) - 1:
        return None
    for kw in call.keywords:
        if kw.arg not in params or kw.arg in given:
            return None
        given[kw.arg] = kw.value
    ev = analysis.evaluator
    frame = ev.run_in(parent if parent is not None else ev.frame, ev.bind_call, method, call, inst)
    if frame is None:
        return None
    inner = _inner_state(analysis, inst, method, frame, depth)
    if inner is None:
        return None
    param, position_in_return, count = inner
    if param not in given or len(targets) != count or any(isinstance(t, ast.Starred) for t in targets):
        return None
    returned = tuple(targets[i] for i in position_in_return)
    outs = tuple(t for i, t in enumerate(targets) if i not in position_in_return)
    others = tuple(v for k, v in given.items() if k != param)
    return Step(stmt, call, f"{inst.cls.name}.{name}()", (given[param],), others, returned, outs)


def _inner_state(analysis, inst: Instance, method: ast.FunctionDef, frame, depth: int = 0):
    """(parameter, positions of the returned tuple holding its new states, tuple length)
    when ``method``, run in ``frame``, passes one parameter as a step's state and returns
    the new states. The return is the one the call's own arguments select (``if
    return_state: return x, states``), and the parameter reaches the step unchanged (a
    re-binding under ``if states is None:`` counts only when the argument decides it away)."""
    scope = analysis.scopes.scope_by_node.get(id(method))
    if scope is None or any(isinstance(n, _NESTED) for n in ast.walk(method) if n is not method):
        return None
    ev, flow = analysis.evaluator, analysis.evaluator.flow

    token = ("steps", frame)  # these walks also decide ``if return_state:``: memoised apart

    def decide(test):
        return ev.run_in(frame, _decide, analysis, scope, test, frame, decide)

    chosen = _chosen_return(method.body, decide)
    if not isinstance(chosen, ast.Return) or not isinstance(chosen.value, ast.Tuple):
        return None
    found = None
    for stmt in method.body:
        if stmt.lineno > chosen.lineno:
            break
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], (ast.Tuple, ast.List)) and isinstance(stmt.value, ast.Call)):
            continue
        analysis.scopes.register_statement(stmt, scope)
        step = ev.run_in(frame, _inner_step, analysis, stmt, frame, depth)
        if step is None:
            continue
        state = step.states[0]
        if not isinstance(state, ast.Name) or found is not None:
            return None
        defs = flow.reaching(scope, state.id, position(state), decide, token)
        if not defs or not _param_or_fresh(analysis, scope, method, state.id, defs):
            return None  # the parameter is re-bound before the step
        if flow.changed_anywhere(scope, state.id):
            return None
        found = (state.id, step.returned, stmt)
    if found is None:
        return None
    param, returned, step_stmt = found
    names = [t.id for t in returned if isinstance(t, ast.Name)]
    if len(names) != len(returned):
        return None
    elts = chosen.value.elts
    positions = []
    for i, elt in enumerate(elts):
        if isinstance(elt, ast.Starred):
            return None
        held = elt.elts if isinstance(elt, (ast.List, ast.Tuple)) else [elt]  # ``[h, c]``
        read = [n for n in held if isinstance(n, ast.Name) and n.id in names]
        if not read:
            continue
        if len(read) != len(held) or (elt is not held[0] and [n.id for n in read] != names):
            return None
        for n in read:
            defs = flow.reaching(scope, n.id, position(n), decide, token)
            if not defs or len(defs) != 1 or getattr(defs[0], "node", None) is not step_stmt:
                return None
        positions.append(i)
    if not positions:
        return None
    return param, tuple(positions), len(elts)


def _param_or_fresh(analysis, scope, method, name: str, defs) -> bool:
    """The parameter itself reaches the step, or a fresh initial state made in place of a
    ``None`` argument (``if states is None: states = self.gru.get_initial_state(...)``):
    either way every call with the same argument feeds the step the same state."""
    params = [d for d in defs if getattr(d, "kind", None) == "param"]
    if len(params) != 1:
        return False
    for d in defs:
        if d is params[0]:
            continue
        if getattr(d, "kind", None) != "assign" or d.index is not None or d.starred \
                or not isinstance(d.value, ast.Call):
            return False
        guard = next((s for s in method.body if isinstance(s, ast.If) and d.node in s.body), None)
        test = guard.test if guard is not None else None
        if guard is None or guard.orelse or not (
                isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Is)
                and isinstance(test.left, ast.Name) and test.left.id == name
                and isinstance(test.comparators[0], ast.Constant) and test.comparators[0].value is None):
            return False
        func = d.value.func
        if isinstance(func, ast.Attribute) and func.attr == "get_initial_state":
            continue
        analysis.scopes.register_statement(d.node, scope)
        if analysis.evaluator.qualname(func) not in _ZEROS:
            return False
    return True


_ZEROS = frozenset({"tensorflow.zeros", "numpy.zeros", "keras.ops.zeros"})
_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_NO_RETURN = object()


def _inner_step(analysis, stmt, frame, depth):
    """The step ``stmt`` (in ``frame``) is: a layer returning states, or a call of a class of
    the file that is one itself."""
    func = stmt.value.func
    targets = stmt.targets[0].elts
    if any(isinstance(a, ast.Starred) for a in stmt.value.args) or any(
            k.arg is None for k in stmt.value.keywords):
        return None
    if isinstance(func, ast.Attribute):
        owner = analysis.value(func.value)
        if isinstance(owner, Instance) and _is_method(owner, func.attr):
            return _subclass_step(analysis, stmt, owner, targets, func.attr, frame, depth + 1)
    callee = analysis.value(func)
    if isinstance(callee, LayerVal):
        return _layer_step(analysis, stmt, callee, targets)
    if isinstance(callee, Instance) and callee.keras:
        return _subclass_step(analysis, stmt, callee, targets, "call", frame, depth + 1)
    return None


def _is_method(inst: Instance, name: str) -> bool:
    return any(isinstance(s, ast.FunctionDef) and s.name == name for s in inst.cls.body)


def _chosen_return(block, decide):
    """The ``return`` a run of ``block`` ends at, following the ``if``s ``decide`` settles;
    ``_NO_RETURN`` when it falls through, None when it cannot be told."""
    for stmt in block:
        if isinstance(stmt, ast.Return):
            return stmt
        if isinstance(stmt, ast.If):
            taken = decide(stmt.test)
            if taken is None:
                if _holds_return(stmt):
                    return None
                continue
            found = _chosen_return(stmt.body if taken else stmt.orelse, decide)
            if found is not _NO_RETURN:
                return found
        elif isinstance(stmt, (ast.Raise, ast.Break, ast.Continue)) or _holds_return(stmt):
            return None
    return _NO_RETURN


def _holds_return(stmt) -> bool:
    return any(isinstance(n, (ast.Return, ast.Raise)) for n in ast.walk(stmt))


def _decide(analysis, scope, test, frame, decide):
    """``if states is None:`` as the evaluator decides it in ``frame``; ``if return_state:``
    on a parameter not re-bound before the test whose argument is exactly True or False."""
    ev = analysis.evaluator
    if isinstance(test, ast.Compare):
        return ev._decide(scope, test, frame)
    if not isinstance(test, ast.Name):
        return None
    defs = ev.flow.reaching(scope, test.id, position(test), decide, ("steps", frame))
    if not defs or len(defs) != 1 or getattr(defs[0], "kind", None) != "param" \
            or defs[0].scope is not scope:
        return None
    value = frame.get(test.id)
    if isinstance(value, Num) and type(value.value) is bool:
        return value.value
    return None


def _flat(analysis, node) -> Optional[List[ast.AST]]:
    """The items of a list written out (``[a] + b``, names bound to lists), else None."""
    node = _reached(analysis, node)
    if isinstance(node, (ast.List, ast.Tuple)):
        if any(isinstance(e, ast.Starred) for e in node.elts):
            return None
        return list(node.elts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _flat(analysis, node.left), _flat(analysis, node.right)
        if left is None or right is None:
            return None
        return left + right
    return [node] if not isinstance(node, ast.BinOp) else None


def _reached(analysis, node):
    """The value a name has where it is read, when one plain assignment reaches it."""
    for _ in range(8):
        if not isinstance(node, ast.Name):
            return node
        binding = _binding(analysis, node)
        if binding is None or binding.kind != "assign" or binding.value is None or \
                binding.index is not None or binding.starred:
            return node
        analysis.scopes.register(binding.value, binding.where or binding.scope)
        node = binding.value
    return node


def _binding(analysis, name: ast.Name):
    """The one binding that reaches this load of a name, or None."""
    scope = analysis.evaluator.scope_of(name)
    if scope is None:
        return None
    owner, bindings, direct = sc.resolve(scope, name.id)
    if owner is None or not bindings:
        return None
    if len(bindings) == 1:
        return bindings[0]
    if not direct:
        return None
    defs = analysis.evaluator.flow.reaching(owner, name.id, position(name))
    if defs and len(defs) == 1 and isinstance(defs[0], sc.Binding):
        return defs[0]
    return None


def _is_returned_state(analysis, node):
    """The layer call a model output is a returned state of; False for another output,
    None when it cannot be told."""
    if not isinstance(node, ast.Name):
        return False
    binding = _binding(analysis, node)
    if binding is None:
        return None
    if binding.kind != "assign" or binding.value is None:
        return None
    value = binding.value
    if binding.index is None or not isinstance(value, ast.Call):
        return False
    layer = analysis.value(value.func)
    if isinstance(layer, LayerVal) and layer.return_state is True and not binding.starred:
        return value if binding.index >= 1 else False
    return False


def _segments(x, count: int):
    """[(expression, first input, number of inputs)] for the data given to ``count`` inputs:
    a list written out, ``[a] + b`` (one part of unknown length), or one array."""
    parts = []

    def split(node):
        if isinstance(node, (ast.List, ast.Tuple)):
            for elt in node.elts:
                if isinstance(elt, ast.Starred):
                    parts.append((elt.value, None))
                else:
                    parts.append((elt, 1))
            return True
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return split(node.left) and split(node.right)
        parts.append((node, None))
        return True

    if count == 1:
        return [(x, 0, 1)]
    split(x)
    unknown = [i for i, (_, n) in enumerate(parts) if n is None]
    known = sum(n for _, n in parts if n is not None)
    if len(unknown) > 1 or known > count or (not unknown and known != count):
        return None
    out, first = [], 0
    for node, n in parts:
        n = count - known if n is None else n
        if n == 0:
            return None
        out.append((node, first, n))
        first += n
    return out
