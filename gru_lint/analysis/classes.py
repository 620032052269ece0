"""Classes of the file: their instances, attributes and methods, through single inheritance.

A class defined in the file gives an ``Instance``: the frame of the ``__init__`` that
ran holds the constructor's arguments, ``self.x = ...`` assigned once, in ``__init__``
or ``build`` and never from outside the class, is known in every method, and calling
an instance of a Keras ``Model``/``Layer`` subclass runs its ``call``.

Methods are looked up the way Python does, along single inheritance inside the file:
a method the class does not define comes from its one base, when that base is a class
of the file (``class ScaledDecoder(Decoder)`` overriding only ``call``, or
``class MyDecoder(Decoder): pass``), at most ``MAX_FRAMES`` classes up. A class without
the method whose bases are Keras's ``Model``/``Layer`` or ``object`` does not define it
(its ``__init__`` is Keras's). Several bases, a metaclass, a base that is neither, or a
name bound twice in a class body make the method unknown.

An attribute is found in the class that sets it, walking up the bases: through a
class without ``__init__`` the inherited ``__init__`` runs with the same arguments;
through one with its own, only a lone ``super().__init__(...)`` at the top of its body
reaches the base, with the base's parameters bound to that call's arguments. An
attribute set in two classes of the chain, or set in a method another class overrides,
is unknown.
"""

from __future__ import annotations

import ast
from typing import Optional

from gru_lint.analysis.values import UNKNOWN, Instance, Ref, UserDefined, Value

_KERAS_BASES = frozenset({"Model", "Layer"})
_KERAS_BASE_MODULES = ("keras", "keras.models", "keras.layers", "keras.src.models", "keras.src.layers",
                       "keras.engine", "keras.src.engine")
_AMBIGUOUS = object()  # a name bound twice in a class body, or bases not followed


class Classes:
    """The class half of the evaluator (mixed into ``infer.Evaluator``)."""

    def instantiate(self, cls: ast.ClassDef, call: ast.Call) -> Value:
        from gru_lint.analysis.summaries import Frame

        made = self.dataclass_instance(cls, call)
        if made is not None:
            return made
        keras = self.keras_class(cls)
        if keras is None:
            return UNKNOWN  # a base of unknown kind may set attributes or define methods
        init = self.lookup_method(cls, "__init__")
        if init is _AMBIGUOUS:
            return UNKNOWN
        frame = None
        if init is not None:
            if self.returns_of_init(init) is None:
                return UNKNOWN
            frame = self.bind_call(init, call, Instance(cls, None, call, keras))
            if frame is None:
                return UNKNOWN
            frame = Frame(init, frame.args, None, None, 1)
        elif call.args or call.keywords:
            if not keras:
                return UNKNOWN  # ``object()`` takes no arguments
        return Instance(cls, frame, call, keras)

    def returns_of_init(self, init):
        if not isinstance(init, ast.FunctionDef):
            return None
        return () if not init.decorator_list else None

    def keras_class(self, cls: ast.ClassDef) -> Optional[bool]:
        """True for a Keras Model/Layer subclass, False for a plain class, None when unknown."""
        scope = self.scopes.scope_by_node.get(id(cls))
        if scope is None or scope.parent is None:
            return None
        found = False
        for base in cls.bases:
            self.scopes.register(base, scope.parent)
            value = self.run_in(None, self.value, base)
            if isinstance(value, Ref):
                module, _, name = value.qualname.rpartition(".")
                if name in _KERAS_BASES and module in _KERAS_BASE_MODULES:
                    found = True
                    continue
                if value.qualname == "builtins.object":
                    continue
                return None
            if isinstance(value, UserDefined) and isinstance(value.node, ast.ClassDef):
                inner = self.keras_class(value.node) if value.node is not cls else None
                if inner is None:
                    return None
                found = found or inner
                continue
            if isinstance(base, ast.Name) and base.id == "object":
                continue
            return None
        return found

    # -- methods ---------------------------------------------------------------------
    def lookup_method(self, cls: ast.ClassDef, name: str):
        """The function ``cls.name`` runs: defined in ``cls`` or inherited through its one
        base of the file; None when no class of the file defines it (Keras's or
        ``object``'s), ``_AMBIGUOUS`` when that cannot be told."""
        from gru_lint.analysis.summaries import MAX_FRAMES

        for _ in range(MAX_FRAMES):
            found = _own_method(cls, name)
            if found is not None:
                return found
            base = self._sole_base(cls)
            if base is None or base is _AMBIGUOUS:
                return base
            cls = base
        return _AMBIGUOUS

    def method(self, cls: ast.ClassDef, name: str):
        """``lookup_method``, None for unknown too."""
        found = self.lookup_method(cls, name)
        return None if found is _AMBIGUOUS else found

    def _sole_base(self, cls: ast.ClassDef):
        """The class of the file ``cls`` inherits from, if it is its only base; None when
        its bases are Keras's ``Model``/``Layer`` or ``object`` only; else ``_AMBIGUOUS``."""
        if cls.keywords:
            return _AMBIGUOUS  # a metaclass
        users = self._user_bases(cls)
        if users:
            return users[0] if len(users) == 1 and len(cls.bases) == 1 else _AMBIGUOUS
        return None if self.keras_class(cls) is not None else _AMBIGUOUS

    def instance_call_method(self, inst: Instance):
        """What ``instance(...)`` runs: ``__call__``, or ``call`` for a Keras layer or model."""
        method = self.method(inst.cls, "__call__")
        if method is None and inst.keras and self.lookup_method(inst.cls, "__call__") is None:
            method = self.method(inst.cls, "call")
        return method

    def call_instance(self, inst: Instance, call: ast.Call) -> Value:
        method = self.instance_call_method(inst)
        if method is None:
            return UNKNOWN
        return self.call_function(method, call, inst)

    def call_instance_method(self, inst: Instance, name: str, call: ast.Call) -> Value:
        method = self.method(inst.cls, name)
        if method is None:
            return UNKNOWN
        return self.call_function(method, call, inst)

    # -- attributes ------------------------------------------------------------------
    def instance_attr(self, inst: Instance, attr: str) -> Value:
        from gru_lint.analysis.summaries import MAX_FRAMES, Frame

        if attr in self.attrs_set_outside():
            return UNKNOWN
        cls = inst.cls
        init = inst.init.func if inst.init is not None else None
        init_args = inst.init.args if inst.init is not None else ()
        for _ in range(MAX_FRAMES):
            scope = self.scopes.scope_by_node.get(id(cls))
            if scope is None:
                return UNKNOWN
            bindings = scope.attrs.get(attr)
            if bindings:
                break
            found = self._base_level(cls, init, init_args, inst)
            if found is None:
                return UNKNOWN
            cls, init, init_args = found
        else:
            return UNKNOWN
        if len(bindings) > 1 or self._set_in_bases(cls, attr):
            return UNKNOWN
        binding = bindings[0]
        method = binding.where.node if binding.where is not None else None
        if not isinstance(method, ast.FunctionDef) or method.name not in ("__init__", "build"):
            return UNKNOWN  # set in another method: depends on which ran first
        if method.name == "__init__":
            if method is not init:
                return UNKNOWN
            args = init_args
        else:
            if cls is not inst.cls and self.lookup_method(inst.cls, "build") is not method:
                return UNKNOWN  # a subclass's own ``build`` runs instead
            args = ()
        frame = Frame(method, args, inst, None, 1)
        return self.run_in(frame, self._binding_value, binding, "self." + attr)

    def _base_level(self, cls: ast.ClassDef, init, init_args, inst: Instance):
        """(base, the ``__init__`` that ran for it, its arguments) one class up; None: unknown."""
        own = _own_method(cls, "__init__")
        if own is _AMBIGUOUS:
            return None
        if own is None:  # the inherited ``__init__`` runs, with the same arguments
            base = self._sole_base(cls)
            if base is None or base is _AMBIGUOUS:
                return None
            return base, init, init_args
        if own is not init:
            return None
        found = self._super_init(cls, init_args, inst)
        if found is None:
            return None
        return found

    def _set_in_bases(self, cls, attr) -> bool:
        """Whether a base class of the file also sets ``attr`` (then which one wins is not followed)."""
        from gru_lint.analysis.summaries import MAX_FRAMES

        todo, seen = self._user_bases(cls), set()
        while todo:
            base = todo.pop()
            if id(base) in seen:
                continue
            seen.add(id(base))
            scope = self.scopes.scope_by_node.get(id(base))
            if scope is None or attr in scope.attrs or len(seen) > MAX_FRAMES:
                return True
            todo.extend(self._user_bases(base))
        return False

    def _user_bases(self, cls: ast.ClassDef):
        """The bases of ``cls`` defined in the file."""
        scope = self.scopes.scope_by_node.get(id(cls))
        if scope is None or scope.parent is None:
            return []
        found = []
        for base in cls.bases:
            self.scopes.register(base, scope.parent)
            value = self.run_in(None, self.value, base)
            if isinstance(value, UserDefined) and isinstance(value.node, ast.ClassDef) \
                    and value.node is not cls:
                found.append(value.node)
        return found

    def _user_base(self, cls: ast.ClassDef) -> Optional[ast.ClassDef]:
        """The one base of ``cls`` defined in the file, if there is exactly one."""
        found = self._user_bases(cls)
        return found[0] if len(found) == 1 else None

    def _super_init(self, cls: ast.ClassDef, init_args, inst: Instance):
        """(base, the ``__init__`` it runs, its arguments) when ``cls.__init__`` runs
        ``super().__init__(...)``.

        The call must stand alone at the top of ``__init__``'s body, once; the base is
        the one class of the file among ``cls``'s bases, with an ``__init__`` of its own
        or inherited from a class of the file."""
        from gru_lint.analysis.summaries import Frame

        base = self._user_base(cls)
        init = _own_method(cls, "__init__")
        if base is None or init is None or init is _AMBIGUOUS or self.returns_of_init(init) is None:
            return None
        base_init = self.method(base, "__init__")
        if base_init is None or self.returns_of_init(base_init) is None:
            return None
        calls = [n for n in ast.walk(init) if isinstance(n, ast.Call) and _is_super_init(n, cls, init)]
        if len(calls) != 1 or not any(isinstance(s, ast.Expr) and s.value is calls[0] for s in init.body):
            return None
        frame = Frame(init, init_args, inst, None, 1)
        bound = self.run_in(frame, self.bind_call, base_init, calls[0], inst)
        if bound is None:
            return None
        return base, base_init, bound.args

    def attrs_set_outside(self) -> frozenset:
        found = self.__dict__.get("_outside_attrs")
        if found is None:
            found = frozenset(node.attr for changes in self.scopes.mutations.values()
                              for _, _, kind, node in changes if kind in ("attr", "shape"))
            self._outside_attrs = found
        return found


def _own_method(cls: ast.ClassDef, name: str):
    """The method ``name`` defined in the body of ``cls``; None when the body does not
    bind the name; ``_AMBIGUOUS`` when it binds it twice or not with a ``def``."""
    found = None
    for stmt in cls.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name == name:
            if found is not None:
                return _AMBIGUOUS
            found = stmt
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)) and any(
                isinstance(t, ast.Name) and t.id == name
                for t in (stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target])):
            return _AMBIGUOUS
        elif not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Assign,
                                   ast.AnnAssign, ast.Expr, ast.Pass)) and name in ast.dump(stmt):
            return _AMBIGUOUS  # bound some other way (an ``if``, an import...)
    return found


def method_of(cls: ast.ClassDef, name: str):
    """The method ``name`` defined in the body of ``cls``, None when not exactly one."""
    found = _own_method(cls, name)
    return None if found is _AMBIGUOUS else found


def _is_super_init(call: ast.Call, cls: ast.ClassDef, init) -> bool:
    """``super().__init__(...)`` or ``super(Cls, self).__init__(...)``."""
    func = call.func
    if not (isinstance(func, ast.Attribute) and func.attr == "__init__"):
        return False
    sup = func.value
    if not (isinstance(sup, ast.Call) and isinstance(sup.func, ast.Name) and sup.func.id == "super"):
        return False
    if not sup.args and not sup.keywords:
        return True
    params = init.args.posonlyargs + init.args.args
    return (len(sup.args) == 2 and not sup.keywords and isinstance(sup.args[0], ast.Name)
            and sup.args[0].id == cls.name and isinstance(sup.args[1], ast.Name)
            and bool(params) and sup.args[1].id == params[0].arg)
