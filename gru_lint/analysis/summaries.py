"""Functions and classes of the file, followed where they are called.

A call of a function defined in the file binds its parameters to the values of the
arguments (positional, keyword, defaults, ``*args`` and ``**kwargs``; ``*seq`` and
``**mapping`` unpacked when exact, see ``callargs``) in a ``Frame``, and evaluates its
``return`` values there; the evaluator memoises every node per frame, so a function is
summarised once per distinct argument values, and only when a call needs it. Frames nest at most ``MAX_FRAMES`` deep and never recurse.

Classes of the file, their instances and methods (inherited too), are followed in
``classes``. Values a summary returns lose the nodes a fix would edit: an edit inside
a helper would change every caller.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, replace
from typing import Optional, Tuple

from gru_lint.analysis.values import UNKNOWN, Array, DictVal, Instance, LayerVal, Seq, UserDefined, Value
from gru_lint.analysis.classes import method_of  # noqa: F401  (re-exported: a class body's own method)

MAX_FRAMES = 6
_CALL_KEYWORDS = frozenset({"training", "mask"})  # Keras passes these only if call() takes them
_SCOPE_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
# What holds statements (a ``return``, ``global``, ``nonlocal``): statements, handlers, cases.
_STATEMENT_NODES = tuple(t for t in (ast.stmt, ast.excepthandler, getattr(ast, "match_case", None))
                         if t is not None)


@dataclass(frozen=True)
class Frame:
    """One call of a function (or one item of a comprehension): its parameters' values."""

    func: ast.AST
    args: Tuple[Tuple[str, Value], ...]
    instance: Optional[Instance] = None
    parent: Optional["Frame"] = None
    depth: int = 1
    first: bool = False  # the first iteration of a loop (``analysis.loops``)

    def __hash__(self) -> int:
        # Frames key every memo of the evaluator: hash the values once, not per lookup.
        cached = self.__dict__.get("_hash")
        if cached is None:
            cached = hash((self.func, self.args, self.instance, self.parent, self.depth, self.first))
            object.__setattr__(self, "_hash", cached)
        return cached

    def get(self, name: str) -> Optional[Value]:
        for key, value in self.args:
            if key == name:
                return value
        return None


class Summaries:
    """The function and class half of the evaluator (mixed into ``infer.Evaluator``)."""

    frame: Optional[Frame] = None

    def frame_key(self, binding):
        return self.frame

    def frame_of(self, scope_node) -> Optional[Frame]:
        frame = self.frame
        while frame is not None:
            if frame.func is scope_node:
                return frame
            frame = frame.parent
        return None

    def param_value(self, binding, default: Value) -> Value:
        frame = self.frame_of(binding.scope.node)
        if frame is None:
            return default
        name = binding.node.arg
        if name == binding.scope.self_name and frame.instance is not None:
            return frame.instance
        value = frame.get(name)
        return UNKNOWN if value is None else value

    def run_in(self, frame: Optional[Frame], fn, *args):
        saved = self.frame
        self.frame = frame
        try:
            return fn(*args)
        finally:
            self.frame = saved

    # -- calls -------------------------------------------------------------------------
    def call_user(self, defined: UserDefined, call: ast.Call) -> Value:
        node = defined.node
        if isinstance(node, ast.ClassDef):
            return self.instantiate(node, call)
        return self.call_function(node, call, None)

    def call_function(self, func, call: ast.Call, instance: Optional[Instance]) -> Value:
        returns = self.returns_of(func)
        if returns is None:
            return UNKNOWN
        frame = self.bind_call(func, call, instance)
        if frame is None:
            return UNKNOWN
        return self.returned(func, frame, returns)

    def returned(self, func, frame: Frame, returns) -> Value:
        scope = self.scopes.scope_by_node.get(id(func))
        if scope is None:
            return UNKNOWN
        values = []
        for ret in returns:
            self.scopes.register(ret.value, scope)
            value = self.run_in(frame, self.value, ret.value)
            if value is UNKNOWN:
                return UNKNOWN
            if value not in values:
                values.append(value)
        from gru_lint.analysis.names import join

        return detach(values[0] if len(values) == 1 else join(values))

    def returns_of(self, func):
        """The ``return`` statements of a plain function; None when it cannot be summarised.

        Syntax only: memoised per file (on the scopes every call's evaluator shares)."""
        memo = self.scopes.__dict__.setdefault("_returns_memo", {})
        key = id(func)
        if key not in memo:
            memo[key] = self._returns(func)
        return memo[key]

    def _returns(self, func):
        if not isinstance(func, ast.FunctionDef):
            return None
        for decorator in func.decorator_list:
            if not (isinstance(decorator, ast.Name) and decorator.id == "staticmethod"):
                return None  # tf.function and friends keep the value, but others need not
        # ``yield`` and ``await`` are expressions: only a function whose text holds one
        # needs its expressions walked; the others' statements are enough.
        text = self.source.segment(func)
        walk_all = text is None or "yield" in text or "await" in text
        wanted = None if walk_all else _STATEMENT_NODES
        returns = []
        stack = list(func.body)
        while stack:
            node = stack.pop()
            if isinstance(node, (ast.Yield, ast.YieldFrom, ast.Await, ast.Global, ast.Nonlocal)):
                return None
            if isinstance(node, ast.Return):
                if node.value is None:
                    return None
                returns.append(node)
            if not isinstance(node, _SCOPE_NODES):
                if wanted is None:
                    stack.extend(ast.iter_child_nodes(node))
                else:
                    stack.extend(c for c in ast.iter_child_nodes(node) if isinstance(c, wanted))
        return returns or None

    def bind_call(self, func, call: ast.Call, instance: Optional[Instance]) -> Optional[Frame]:
        """The frame of ``func`` called by ``call``; None when the binding is not exact."""
        parent = self.frame
        depth = parent.depth + 1 if parent is not None else 1
        if depth > MAX_FRAMES:
            return None
        f = parent
        while f is not None:
            if f.func is func:
                return None  # recursion
            f = f.parent
        args = self.call_args(call)  # ``*args`` / ``**mapping`` unpacked when exact
        if args is None:
            return None
        spec = func.args
        positional = spec.posonlyargs + spec.args
        static = any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in func.decorator_list)
        own = None
        if instance is not None and not static:
            if not positional:
                return None
            own, positional = positional[0].arg, positional[1:]
        values = {}
        given = args.positional
        if len(given) > len(positional) and spec.vararg is None:
            return None
        for param, arg in zip(positional, given):
            values[param.arg] = self.arg_value(arg)
        if spec.vararg is not None:
            values[spec.vararg.arg] = Seq(tuple(self.arg_value(a) for a in given[len(positional):]),
                                          "tuple")
        by_name = {p.arg for p in positional} - {p.arg for p in spec.posonlyargs}
        kwonly = {p.arg for p in spec.kwonlyargs}
        extra = []
        for name, arg in args.keywords:
            if name == own:
                return None  # ``self`` given twice: a TypeError
            if name in by_name or name in kwonly:
                if name in values:
                    return None
                values[name] = self.arg_value(arg)
            elif spec.kwarg is not None:
                extra.append((name, self.arg_value(arg)))
            elif instance is not None and instance.keras and name in _CALL_KEYWORDS:
                continue
            else:
                return None
        if spec.kwarg is not None:  # a new dict of the other keywords
            values[spec.kwarg.arg] = DictVal(tuple(n for n, _ in extra), tuple(v for _, v in extra))
        everything = spec.posonlyargs + spec.args
        defaults = dict(zip([p.arg for p in everything[len(everything) - len(spec.defaults):]],
                            spec.defaults))
        defaults.update({p.arg: d for p, d in zip(spec.kwonlyargs, spec.kw_defaults) if d is not None})
        for param in positional + spec.kwonlyargs:
            if param.arg not in values:
                if param.arg not in defaults:
                    return None  # a TypeError at run time
                values[param.arg] = self._default(func, defaults[param.arg])
        return Frame(func, tuple(sorted(values.items(), key=lambda kv: kv[0])), instance, parent, depth)

    def _default(self, func, node) -> Value:
        scope = self.scopes.scope_by_node.get(id(func))
        if scope is None or scope.parent is None:
            return UNKNOWN
        self.scopes.register(node, scope.parent)
        return self.run_in(None, self.value, node)


def detach(value: Value) -> Value:
    """A value leaving a summary: no nodes a fix could edit inside the function."""
    if isinstance(value, Array):
        if value.ctor is None and value.shape_node is None and value.dim_nodes is None:
            return value
        return Array(value.shape, value.origin, None, None, value.key, value.layer, None)
    if isinstance(value, LayerVal) and value.units_node is not None:
        return replace(value, units_node=None)
    if isinstance(value, Seq):
        return Seq(tuple(detach(v) for v in value.items), value.kind)
    return value
