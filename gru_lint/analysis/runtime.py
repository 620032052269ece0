"""Sites for the rules about how a model is driven: method calls on layers and models.

Collected on first use, and only in files whose text names one of the methods, so the
other rules pay nothing. Each site carries the receiver's value as the evaluator sees it
(a ``LayerVal`` or ``ModelVal`` when known); rules stay silent on anything else.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Dict, List, Tuple

from gru_lint.analysis import scopes as sc
from gru_lint.analysis.values import Value

METHODS = ("get_initial_state", "reset_states", "predict", "fit", "evaluate")
_PATTERN = re.compile(r"\.(" + "|".join(METHODS) + r")\b")


@dataclass(frozen=True)
class MethodCall:
    """``receiver.method(...)``."""

    call: ast.Call
    method: str
    receiver: Value
    stmt: ast.stmt


def method_calls(analysis, method: str) -> List[MethodCall]:
    found = getattr(analysis, "_runtime_methods", None)
    if found is None:
        found = _collect(analysis)
        analysis._runtime_methods = found
    return found.get(method, [])


def _collect(analysis) -> Dict[str, List[MethodCall]]:
    if not _PATTERN.search(analysis.source):
        return {}
    index = analysis.index
    out: Dict[str, List[MethodCall]] = {}
    for stmt, scope, _block in index.statements_on(index.lines_matching(_PATTERN)):
        analysis.scopes.register_statement(stmt, scope)
        for node in index.calls(stmt):
            if isinstance(node.func, ast.Attribute) and node.func.attr in METHODS:
                receiver = analysis.value(node.func.value)
                out.setdefault(node.func.attr, []).append(
                    MethodCall(node, node.func.attr, receiver, stmt))
    return out


def keyword(call: ast.Call, name: str):
    for kw in call.keywords:
        if kw.arg == name:
            return kw
    return None


def plain_args(call: ast.Call) -> Tuple[bool, int]:
    """(no ``*args``/``**kwargs``, number of positional arguments)."""
    ok = not any(isinstance(a, ast.Starred) for a in call.args) and all(
        kw.arg is not None for kw in call.keywords)
    return ok, len(call.args)


# -- subclassed models ------------------------------------------------------------------
@dataclass(frozen=True)
class SubclassCall:
    """``model(x, initial_state=s)`` where ``model`` is an instance of a ``keras.Model``
    subclass defined in the file, whose own ``call`` method is ``method``."""

    call: ast.Call
    keyword: ast.keyword
    cls: ast.ClassDef
    method: ast.FunctionDef


def subclass_state_calls(analysis) -> List[SubclassCall]:
    found = getattr(analysis, "_runtime_subclass_calls", None)
    if found is None:
        found = _subclass_calls(analysis) if "initial_state" in analysis.source else []
        analysis._runtime_subclass_calls = found
    return found


def _subclass_calls(analysis) -> List[SubclassCall]:
    from gru_lint.analysis.dtypes import resolve
    from gru_lint.analysis.values import UserDefined

    out = []
    for node in _keyword_calls(analysis, "initial_state"):
        if not isinstance(node.func, ast.Name):
            continue
        kw = keyword(node, "initial_state")
        if kw is None:
            continue
        if analysis.evaluator.scope_of(node.func) is None:
            continue
        built = resolve(analysis, node.func)
        if not isinstance(built, ast.Call) or built is node:
            continue
        cls = analysis.value(built.func)
        if not isinstance(cls, UserDefined) or not isinstance(cls.node, ast.ClassDef):
            continue
        if not _is_keras_model_class(analysis, cls.node, built.func):
            continue
        method = _own_method(cls.node, "call")
        if method is not None:
            out.append(SubclassCall(node, kw, cls.node, method))
    return out


def _keyword_calls(analysis, name: str) -> List[ast.Call]:
    """The calls, in source order, of the statements whose text holds ``name``: every call
    that can pass ``name=`` (a call outside any statement's header, in a decorator or a
    default value, has no scope the evaluator knows). The statements are registered."""
    index = analysis.index
    found = []
    for stmt, scope, _block in index.statements_on(index.lines_matching(re.compile(re.escape(name)))):
        analysis.scopes.register_statement(stmt, scope)
        found.extend(index.calls(stmt))
    return found


def _is_keras_model_class(analysis, cls: ast.ClassDef, ref: ast.AST) -> bool:
    from gru_lint.analysis.infer import model_class

    if cls.decorator_list or cls.keywords or len(cls.bases) != 1:
        return False
    scope = analysis.evaluator.scope_of(ref) if isinstance(ref, ast.Name) else None
    bindings = sc.lookup(scope, ref.id) if scope is not None else None
    if not bindings or len(bindings) != 1 or bindings[0].node is not cls:
        return False
    analysis.scopes.register(cls.bases[0], bindings[0].where or bindings[0].scope)
    qualname = analysis.evaluator.qualname(cls.bases[0])
    return qualname is not None and model_class(qualname) == "Model"


def _own_method(cls: ast.ClassDef, name: str):
    found = [s for s in cls.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))
             and s.name == name]
    if len(found) != 1 or found[0].decorator_list:
        return None
    if any(isinstance(s, (ast.Assign, ast.AnnAssign)) and any(
            isinstance(t, ast.Name) and t.id == name for t in getattr(s, "targets", [getattr(s, "target", None)]))
            for s in cls.body):
        return None
    return found[0]


def parameter(method: ast.FunctionDef, name: str):
    """The parameter ``name`` of ``method`` ("kwargs" when only ``**kwargs`` could take it)."""
    args = method.args
    for a in args.posonlyargs:
        if a.arg == name:
            return None  # positional-only: the keyword would not bind it
    for a in args.args + args.kwonlyargs:
        if a.arg == name:
            return a
    if args.kwarg is not None:
        return "kwargs"
    return None


def reads(method: ast.FunctionDef, name: str) -> bool:
    """Does the body ever read ``name`` (or hand ``locals()``/``vars()`` around)?"""
    for node in ast.walk(method):
        if isinstance(node, ast.Name) and node.id == name and not isinstance(node.ctx, ast.Store):
            return True
        if isinstance(node, ast.Name) and node.id in ("locals", "vars", "eval", "exec"):
            return True
        if isinstance(node, (ast.Global, ast.Nonlocal)) and name in node.names:
            return True
    return False


# -- the batches a model really runs ------------------------------------------------------
def rows(analysis, node) -> "int | None":
    """The number of rows of the array ``node``, when known (``X``, ``X[:60]``, ``X[-1:]``)."""
    from gru_lint.analysis.values import Array, Num

    value = analysis.value(node)
    if isinstance(value, Array) and value.shape and isinstance(value.shape[0], int):
        return value.shape[0]
    if isinstance(node, ast.Name):
        from gru_lint.analysis.dtypes import resolve

        node = resolve(analysis, node)
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
        base = analysis.value(node.value)
        if not (isinstance(base, Array) and base.shape and isinstance(base.shape[0], int)):
            return None
        parts = []
        for part in (node.slice.lower, node.slice.upper, node.slice.step):
            if part is None:
                parts.append(None)
                continue
            v = analysis.value(part)
            if not (isinstance(v, Num) and type(v.value) is int):
                return None
            parts.append(v.value)
        return len(range(base.shape[0])[slice(*parts)])
    return None


def batches(rows_: int, batch: int, validation_split: float = 0.0):
    """The batch sizes Keras runs over ``rows_`` rows (``validation_split``: train and validation)."""
    import math

    if rows_ <= 0 or batch <= 0:
        return []
    parts = [rows_]
    if validation_split:
        train = int(math.floor(rows_ * (1.0 - validation_split)))
        parts = [p for p in (train, rows_ - train) if p > 0]
    sizes = []
    for n in parts:
        if n >= batch:
            sizes.append(batch)
        if n % batch:
            sizes.append(n % batch)
    return sizes


def keras2_names(analysis) -> bool:
    """The file spells an API only Keras 2 has (``keras_facts.KERAS2_ONLY_NAMES``)."""
    from gru_lint.keras_facts import KERAS2_ONLY_NAMES

    found = getattr(analysis, "_runtime_keras2", None)
    if found is None:
        found = any(name in analysis.source for name in KERAS2_ONLY_NAMES)
        analysis._runtime_keras2 = found
    return found


# -- functional models -------------------------------------------------------------------
_MAX_CHAIN = 12
_MODEL_CALL = re.compile(r"Model\(")


def produced_by(analysis, node: ast.AST, targets, through=None) -> "ast.Call | None":
    """The call among ``targets`` (a dict id -> call) whose result ``node`` is built from,
    following names bound once and the first argument of layer calls (of the calls
    ``through(analysis, call)`` accepts, when given); None if none is reached."""
    from gru_lint.analysis.dtypes import resolve

    for _ in range(_MAX_CHAIN):
        node = resolve(analysis, node)
        if isinstance(node, ast.Call):
            if id(node) in targets:
                return targets[id(node)]
            if not node.args or not isinstance(node.func, (ast.Call, ast.Name, ast.Attribute)):
                return None
            if through is not None and not through(analysis, node):
                return None
            node = node.args[0]
        elif isinstance(node, ast.Subscript):
            node = node.value
        else:
            return None
    return None


def input_ctors(analysis, node: ast.AST):
    """The ``keras.Input(...)`` calls a model's ``inputs=`` lists, one per input; None if any
    is not one. The list may be written out, a name bound to one, ``[tokens] + states_in``
    (lists the evaluator knows are concatenated), or hold a comprehension of Inputs
    (``[keras.Input(shape=(u,)) for _ in range(2)]``), which stands, once per item it
    makes, for all of them: those inputs are told apart only by their places."""
    from gru_lint.analysis.dtypes import resolve
    from gru_lint.keras_facts import INPUT_NAMES

    items = input_items(analysis, node)
    if items is None:
        return None
    out = []
    for item in items:
        ctor = resolve(analysis, item)
        if isinstance(ctor, ast.ListComp):
            out.append(ctor)  # checked by ``input_items``: every item an Input
            continue
        if not (isinstance(ctor, ast.Call) and analysis.evaluator.qualname(ctor.func) in INPUT_NAMES):
            return None
        out.append(ctor)
    return out


def input_items(analysis, node: ast.AST, depth: int = 0):
    """The expressions given for each input: the items of lists written out, concatenated
    with ``+`` or bound to names; a comprehension of Inputs once per item. None if unsure."""
    from gru_lint.analysis.dtypes import resolve
    from gru_lint.analysis.values import Array, Seq

    node = resolve(analysis, node)
    if depth > 8:
        return None
    if isinstance(node, (ast.List, ast.Tuple)):
        if any(isinstance(e, ast.Starred) or isinstance(resolve(analysis, e), ast.ListComp)
               for e in node.elts):
            return None  # a list in the list: a nested structure, not followed
        return list(node.elts)
    if isinstance(node, ast.BinOp):
        if not isinstance(node.op, ast.Add) or not isinstance(analysis.value(node), Seq):
            return None  # ``a + b`` of tensors is no list of inputs
        left = input_items(analysis, node.left, depth + 1)
        right = input_items(analysis, node.right, depth + 1) if left is not None else None
        return None if right is None else left + right
    if isinstance(node, ast.ListComp):
        value = analysis.value(node)
        if not isinstance(value, Seq) or not value.items or not all(
                isinstance(v, Array) and v.origin == "input" for v in value.items):
            return None
        return [node] * len(value.items)
    return [node]


def model_constructions(analysis) -> List[ast.Call]:
    """``keras.Model(...)`` calls (functional models), from statements whose text holds ``Model(``."""
    found = getattr(analysis, "_runtime_models", None)
    if found is not None:
        return found
    from gru_lint.analysis.infer import model_class

    found = []
    if "Model(" in analysis.source:
        index = analysis.index
        for stmt, scope, _block in index.statements_on(index.lines_matching(_MODEL_CALL)):
            analysis.scopes.register_statement(stmt, scope)
            for node in index.calls(stmt):
                qualname = analysis.evaluator.qualname(node.func)
                if qualname is not None and model_class(qualname) == "Model":
                    found.append(node)
    analysis._runtime_models = found
    return found


def functional_constant_states(analysis, model: ast.Call):
    """(plan, slot, batch) for the constant states of a literal batch built into the functional
    model ``model`` (``keras.Model(inputs, outputs)``): an array constructor's state, given to a
    recurrent layer fed by one of the model's Inputs through batch-keeping layers and feeding
    its outputs. A state the Input's own static batch contradicts is GRU003's, and left out."""
    from gru_lint.analysis.dtypes import resolve
    from gru_lint.analysis.infer import call_argument
    from gru_lint.analysis.values import Array
    from gru_lint.keras_facts import ARRAY_CONSTRUCTORS

    ok, _ = plain_args(model)
    inputs_node = call_argument(model, 0, "inputs")
    outputs_node = call_argument(model, 1, "outputs")
    if not ok or inputs_node is None or outputs_node is None:
        return ()
    ctors = input_ctors(analysis, inputs_node)
    if not ctors:
        return ()
    outputs = resolve(analysis, outputs_node)
    outputs = list(outputs.elts) if isinstance(outputs, (ast.List, ast.Tuple)) else [outputs]
    if any(isinstance(o, ast.Starred) for o in outputs):
        return ()
    found = []
    for plan in analysis.plans:
        call = plan.call.call
        if plan.call.inputs_node is None or not any(
                produced_by(analysis, o, {id(call): call}, keeps_batch) is call for o in outputs):
            continue
        source = produced_by(analysis, plan.call.inputs_node, {id(c): c for c in ctors}, keeps_batch)
        if source is None:
            continue
        input_value = analysis.value(source)
        input_batch = input_value.shape[0] if isinstance(input_value, Array) and input_value.shape else None
        for slot in plan.slots:
            value = slot.given.value
            if not (isinstance(value, Array) and value.origin in ("numpy", "tensor")
                    and value.ctor is not None and value.shape is not None and len(value.shape) == 2
                    and type(value.shape[0]) is int and slot.given.node is not None):
                continue
            qualname = analysis.evaluator.qualname(value.ctor.func)
            kind = ARRAY_CONSTRUCTORS.get(qualname) if qualname is not None else None
            if kind is None or kind[0] == "like":
                continue
            if input_batch is not None and input_batch != value.shape[0]:
                continue
            found.append((plan, slot, value.shape[0]))
    return tuple(found)


def keeps_batch(analysis, call: ast.Call) -> bool:
    """A Keras layer called on one tensor, mapping each batch row to one row."""
    from gru_lint.analysis.values import LayerVal, OtherLayer
    from gru_lint.keras_facts import BATCH_PRESERVING_LAYERS

    if any(kw.arg is None for kw in call.keywords) or any(isinstance(a, ast.Starred) for a in call.args):
        return False
    value = analysis.value(call.func)
    if isinstance(value, LayerVal):
        return True
    if isinstance(value, OtherLayer):
        return value.name in ("Dense", "Embedding")
    func = call.func
    if isinstance(func, ast.Call):
        qualname = analysis.evaluator.qualname(func.func)
        return qualname is not None and qualname in BATCH_PRESERVING_LAYERS
    return False
