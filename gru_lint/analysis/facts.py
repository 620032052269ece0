"""The per-file analysis every rule reads: computed once, read-only afterwards.

``FileAnalysis`` parses the source once (with the standard ``ast``), builds the
scopes, and collects the places rules care about -- recurrent layer calls with
``initial_state``, model calls, constructors, unpackings -- each with its
inferred values.
"""

from __future__ import annotations

import ast
import re
from functools import cached_property
from typing import List

from gru_lint.analysis import scopes as sc
from gru_lint.analysis.index import StatementIndex
from gru_lint.analysis.source import SourceText
from gru_lint.analysis.infer import Evaluator, call_argument, layer_class
from gru_lint.analysis.sites import (  # noqa: F401 (re-exported for the rules)
    ConstructorState,
    InitialStateQuery,
    LayerCall,
    ModelMethodState,
    ModelStateCall,
    SequentialAdd,
    StateCall,
    Unpacking,
    batch_of,
    is_python_numbers,
)
from gru_lint.analysis.states import plan_for
from gru_lint.analysis.values import LayerVal, ModelVal, Value
from gru_lint.diagnostics import Span
from gru_lint.keras_facts import CALLABLE_WITH_STATE, KERAS_VERSIONS
from gru_lint.keras_version import resolve

# A statement can hold a site only if its text holds one of these.
SITE_TOKENS = ("initial_state", "return_state", "stateful", "Sequential", ".add(", "GRU", "LSTM",
               "RNN", "Bidirectional")
_SITE_PATTERN = re.compile("|".join(re.escape(t) for t in SITE_TOKENS))

MODEL_METHODS = frozenset({"predict", "fit", "evaluate", "predict_on_batch", "train_on_batch",
                           "test_on_batch"})


class FileAnalysis:
    def __init__(self, source: str, tree: ast.Module, keras_version=3):
        self.source = source
        self.tree = tree
        self.scopes = sc.build_scopes(tree, source)
        # The Keras the file is written for (``gru_lint.keras_version``: 2, 3, or None/"auto"
        # to decide from the imports, read off the statements the scopes listed), and its facts.
        keras_version = resolve(keras_version, tree, source, self.scopes.statements)
        self.keras_version = keras_version
        self.keras = KERAS_VERSIONS[keras_version]
        self.positions = SourceText(source)
        self.index = StatementIndex(source, self.positions.starts, self.scopes)
        self.evaluator = Evaluator(self.scopes, self.positions)
        self.evaluator.keras_version = keras_version
        self.state_calls: List[StateCall] = []
        self.model_state_calls: List[ModelStateCall] = []
        self.constructor_states: List[ConstructorState] = []
        self.unpackings: List[Unpacking] = []
        self.model_method_states: List[ModelMethodState] = []
        self.sequential_adds: List[SequentialAdd] = []
        self.stateful_calls: List[LayerCall] = []
        self.state_queries: List[InitialStateQuery] = []
        self.sequential_models: List[ModelVal] = []
        self._stateful_candidates: List[ast.Call] = []
        # The statements examined, in order (a context re-examines its function's share).
        self.examined: List[tuple] = []
        self._collect()

    loop_view = False  # the sites of one loop iteration (``analysis.loops``)
    _root = None

    @property
    def root(self) -> "FileAnalysis":
        """The file's own view (a call's or a loop iteration's view points to it; the file's
        view does not hold itself, which would be a reference cycle)."""
        return self._root if self._root is not None else self

    def within(self, func: ast.FunctionDef, frame) -> "FileAnalysis":
        """The sites of ``func``'s own statements, evaluated in ``frame`` (one call of it)."""
        evaluator = self.fork_evaluator()
        evaluator.frame = frame
        return self.in_frame(evaluator, [e for e in self.examined if e[1].node is func])

    def fork_evaluator(self) -> Evaluator:
        """A fresh evaluator over the same scopes and flow (its own memo, its own frame)."""
        evaluator = Evaluator(self.scopes, self.positions, self.evaluator.flow)
        evaluator.keras_version = self.keras_version
        return evaluator

    def in_frame(self, evaluator: Evaluator, statements, loop_view=False) -> "FileAnalysis":
        """The sites of ``statements`` (examined ``(stmt, scope, block)``), seen by ``evaluator``."""
        sub = object.__new__(FileAnalysis)
        sub.__dict__.update({k: v for k, v in self.__dict__.items()
                             if k in ("source", "tree", "keras_version", "keras", "scopes",
                                      "positions", "index")})
        sub.evaluator = evaluator
        sub.loop_view = loop_view
        sub._root = self.root
        for name in ("state_calls", "model_state_calls", "constructor_states", "unpackings",
                     "model_method_states", "sequential_adds", "stateful_calls", "state_queries",
                     "sequential_models", "_stateful_candidates", "examined"):
            setattr(sub, name, [])
        calls: List[ast.Call] = []
        for stmt, scope, block in statements:
            sub._examine(stmt, scope, block, calls)
        if any(sub._is_stateful(c) for c in sub._stateful_candidates):
            for node in calls:
                sub._visit_stateful_call(node)
        return sub

    def value(self, node) -> Value:
        return self.evaluator.value(node)

    def span(self, node: ast.AST) -> Span:
        return self.positions.span(node)

    def text(self, node: ast.AST) -> str:
        return self.evaluator.text(node)

    # -- collection ------------------------------------------------------------------
    def _collect(self):
        """Find the sites rules read, looking only at statements that can hold one.

        A statement is examined when its text holds a token some site needs
        (``SITE_TOKENS``), or it unpacks a call, or it calls a name bound to a
        recurrent layer (``gru(x, h)``, found in a second pass). Everything else is
        never walked.
        """
        calls: List[ast.Call] = []
        layer_names = set()
        seen = set()
        statements = self.scopes.statements
        wanted = self.index.ordinals_on(self._lines_matching(_SITE_PATTERN))
        wanted.update(i for i, (stmt, _, _) in enumerate(statements) if _is_call_unpacking(stmt))
        for i in sorted(wanted):
            stmt, scope, block = statements[i]
            seen.add(id(stmt))
            self._examine(stmt, scope, block, calls)
            layer_names.update(self._layer_names(stmt))
        if layer_names:
            wanted = re.compile("|".join(re.escape(f"{name}(") for name in sorted(layer_names)))
            for stmt, scope, block in self.index.statements_on(self._lines_matching(wanted)):
                if id(stmt) not in seen:
                    self._examine(stmt, scope, block, calls)
        if any(self._is_stateful(c) for c in self._stateful_candidates):
            for node in calls:
                self._visit_stateful_call(node)

    def _lines_matching(self, pattern) -> frozenset:
        """The 1-based lines on which ``pattern`` matches, from one scan of the source."""
        return self.index.lines_matching(pattern)

    def _examine(self, stmt, scope, block, calls):
        self.examined.append((stmt, scope, block))
        self.scopes.register_statement(stmt, scope)
        for node in self.index.calls(stmt):
            calls.append(node)
            self._visit_call(node)
        if _is_call_unpacking(stmt):
            self._visit_unpacking(stmt)
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            self._visit_add(stmt, block)

    def _layer_names(self, stmt):
        """Names (and ``self.`` attributes) a statement binds to a recurrent layer."""
        if not isinstance(stmt, ast.Assign) or not isinstance(stmt.value, ast.Call):
            return ()
        if not isinstance(self.value(stmt.value), LayerVal):
            return ()
        names = []
        for target in stmt.targets:
            if isinstance(target, ast.Name):
                names.append(target.id)
            elif isinstance(target, ast.Attribute):
                names.append("." + target.attr)
        return names

    def _visit_call(self, node: ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "get_initial_state" and node.args:
            self._visit_query(node)
        if _called_name(func) == "Sequential":
            model = self.value(node)
            if isinstance(model, ModelVal):
                self.sequential_models.append(model)
        state_kw = None
        for kw in node.keywords:
            if kw.arg == "initial_state":
                state_kw = kw
            elif kw.arg == "stateful" or kw.arg is None:  # ``**{"stateful": True}`` too
                self._stateful_candidates.append(node)
        if state_kw is None:
            self._visit_positional_state(node)
            return
        if isinstance(func, ast.Attribute) and func.attr in MODEL_METHODS:
            model = self.value(func.value)
            if isinstance(model, ModelVal):
                self.model_method_states.append(ModelMethodState(node, model, state_kw))
                return
        callee = self.value(node.func)
        if isinstance(callee, LayerVal):
            if callee.spec.name not in CALLABLE_WITH_STATE:
                return
            x_node = call_argument(node, 0, "inputs") or call_argument(node, None, "sequences")
            self.state_calls.append(
                StateCall(node, callee, state_kw.value, self.value(state_kw.value),
                          self.value(x_node), x_node)
            )
        elif isinstance(callee, ModelVal):
            self.model_state_calls.append(ModelStateCall(node, callee, state_kw))
        else:
            qualname = self.evaluator.qualname(node.func)
            name = layer_class(qualname) if qualname else None
            if name is not None:
                built = self.value(node)
                display = built.display if isinstance(built, LayerVal) else f"{name}(...)"
                self.constructor_states.append(ConstructorState(node, display, state_kw))

    def _visit_positional_state(self, node: ast.Call):
        """``layer(x, h)``: a recurrent layer's second positional argument is its initial_state."""
        if len(node.args) < 2 or any(isinstance(a, ast.Starred) for a in node.args[:2]):
            return
        if not isinstance(node.func, (ast.Name, ast.Attribute, ast.Call)):
            return
        callee = self.value(node.func)
        if isinstance(callee, LayerVal) and callee.spec.name in CALLABLE_WITH_STATE:
            state_node = node.args[1]
            self.state_calls.append(StateCall(node, callee, state_node, self.value(state_node),
                                              self.value(node.args[0]), node.args[0]))

    def _visit_query(self, node: ast.Call):
        layer = self.value(node.func.value)
        if isinstance(layer, LayerVal):
            arg = node.args[0]
            self.state_queries.append(InitialStateQuery(node, layer, arg, self.value(arg)))

    def _visit_add(self, stmt: ast.Expr, block: int):
        node = stmt.value
        func = node.func
        if not (isinstance(func, ast.Attribute) and func.attr == "add" and len(node.args) == 1):
            return
        model = self.value(func.value)
        if isinstance(model, ModelVal) and model.kind == "Sequential":
            self.sequential_adds.append(
                SequentialAdd(node, model, self.value(node.args[0]), node.args[0], block))

    def _is_stateful(self, node: ast.Call) -> bool:
        layer = self.value(node)
        return isinstance(layer, LayerVal) and layer.stateful is True

    def _visit_stateful_call(self, node: ast.Call):
        callee = self.value(node.func)
        if isinstance(callee, LayerVal) and callee.stateful and node.args:
            self.stateful_calls.append(LayerCall(node, callee, self.value(node.args[0])))

    def _visit_unpacking(self, node: ast.Assign):
        if len(node.targets) != 1 or not isinstance(node.targets[0], (ast.Tuple, ast.List)):
            return
        callee = self.value(node.value.func)
        if isinstance(callee, LayerVal) and callee.spec.name in CALLABLE_WITH_STATE:
            self.unpackings.append(Unpacking(node, node.targets[0], node.value, callee))

    # -- shared derived facts -----------------------------------------------------------
    @cached_property
    def plans(self):
        """Each state call lined up with what its layer expects (``states.Plan``)."""
        return tuple(plan_for(call) for call in self.state_calls)


def _is_call_unpacking(stmt) -> bool:
    return (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], (ast.Tuple, ast.List))
            and isinstance(stmt.value, ast.Call))


def _called_name(func: ast.AST):
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None
