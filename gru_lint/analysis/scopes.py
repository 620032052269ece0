"""Name bindings per scope, from one walk of the ``ast``.

A name resolves to a value only when it is bound exactly once in the scope that
owns it (or every binding is the same import). Anything else -- rebinding in a
loop or a branch, ``global`` writes from functions, star imports, parameters --
makes the name unknown, and unknown means silent.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Dict, List, Optional

from gru_lint.analysis.astutil import child_nodes
from gru_lint.keras_facts import KERAS_PREFIXES

FUNCTION_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


@dataclass(frozen=True, eq=False)  # one per place: identity is equality
class Binding:
    """One place where a name gets a value.

    ``kind``: "assign" (``value`` is the right-hand side; ``index`` is the
    position in a tuple target, ``starred`` when it is ``*name``; ``count`` the
    number of targets), "import" (``qualname``), "def", "class", "param",
    "for" (a ``for`` target: known only in one unrolled iteration), or "other"
    (with/except/augmented/...: value unknown).
    """

    kind: str
    node: ast.AST
    scope: "Scope"
    value: Optional[ast.AST] = None
    qualname: Optional[str] = None
    index: Optional[int] = None
    count: Optional[int] = None
    starred: bool = False
    # The scope the statement runs in (where ``value`` is evaluated); ``scope`` is
    # the scope that owns the name (they differ for ``global``/``nonlocal``).
    where: Optional["Scope"] = None


class Scope:
    __slots__ = ("node", "parent", "bindings", "globals", "nonlocals", "attrs", "self_name")

    def __init__(self, node: ast.AST, parent: "Optional[Scope]"):
        self.node = node
        self.parent = parent
        self.bindings: Dict[str, List[Binding]] = {}
        self.globals: set = set()
        self.nonlocals: set = set()
        # For classes: ``self.<attr>`` bindings made in its methods.
        self.attrs: Dict[str, List[Binding]] = {}
        # For methods: the name of the first parameter (``self``).
        self.self_name: Optional[str] = None

    @property
    def is_class(self) -> bool:
        return isinstance(self.node, ast.ClassDef)

    def __repr__(self):  # pragma: no cover - debugging aid
        return f"<Scope {type(self.node).__name__} {sorted(self.bindings)}>"


def canonical_module(qualname: str) -> str:
    """``tensorflow.keras.layers.GRU`` -> ``keras.layers.GRU``; ``np`` aliases are already resolved."""
    for prefix in KERAS_PREFIXES:
        if qualname == prefix or qualname.startswith(prefix + "."):
            return "keras" + qualname[len(prefix):]
    if qualname == "tf" or qualname.startswith("tf."):  # ``import tensorflow as tf`` resolves anyway
        return qualname
    return qualname


# Methods that change a list (or an array's shape) in place.
MUTATORS = frozenset({"append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse",
                      "resize", "update", "setdefault", "popitem"})

_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
COMPREHENSIONS = _COMPREHENSIONS
# The expression fields of compound statements (their bodies are statements of their own).
_HEADER_FIELDS = ("test", "iter", "items", "subject")


class ScopeBuilder:
    """Builds the scope tree and records every binding, walking statements only.

    Bindings are made by statements (plus the rare walrus, scanned only when the
    source has one), so the build never descends into expressions. Expressions get
    their scope on demand (``register``), for the few statements the rules look at
    and the few binding values the evaluator follows: no work scales with code
    that has nothing to do with recurrent layers.
    """

    def __init__(self, module: ast.Module, has_walrus: bool = True):
        self.module_scope = Scope(module, None)
        self.all_scopes: List[Scope] = [self.module_scope]  # every scope made, for ``release``
        # id(expression node) -> the scope it is evaluated in (filled by ``register``).
        self.node_scope: Dict[int, Scope] = {}
        # Every statement, in source order, with its scope and the id of its block.
        self.statements: List[tuple] = []
        self.current = self.module_scope
        self.class_stack: List[Scope] = []
        # name -> [(statement, scope it runs in, kind, node)]: in-place changes (``flow``).
        self.mutations: Dict[str, list] = {}
        # id(def or class node) -> the scope it opens.
        self.scope_by_node: Dict[int, Scope] = {}
        self._walrus = has_walrus
        self._all_registered = False
        self._block(module.body)

    # -- helpers ---------------------------------------------------------------
    def _bind(self, name: str, kind: str, node: ast.AST, value=None, qualname=None, index=None,
              count=None, starred=False):
        """Bind ``name`` where it is made: the current scope, or the one a ``global`` or
        ``nonlocal`` names (the binding still runs in the current one)."""
        scope = self.current
        if name in scope.globals:
            scope = self.module_scope
        elif name in scope.nonlocals:
            scope = self._nonlocal_owner(name) or scope
        scope.bindings.setdefault(name, []).append(
            Binding(kind, node, scope, value, qualname, index, count, starred, self.current)
        )

    def _nonlocal_owner(self, name):
        scope = self.current.parent
        while scope is not None and not isinstance(scope.node, ast.Module):
            if not scope.is_class and name in scope.bindings:
                return scope
            scope = scope.parent
        return None

    def _bind_target(self, target: ast.AST, value: Optional[ast.AST], kind="assign",
                     index=None, count=None, starred=False, stmt=None):
        stmt = stmt or target
        if isinstance(target, ast.Name):
            self._bind(target.id, kind, stmt, value, None, index, count, starred)
        elif isinstance(target, (ast.Tuple, ast.List)):
            n = len(target.elts)
            for i, elt in enumerate(target.elts):
                if isinstance(elt, ast.Starred):
                    self._bind_target(elt.value, value, kind, i, n, True, stmt)
                elif kind == "assign" and index is None:
                    self._bind_target(elt, value, kind, i, n, False, stmt)
                else:  # nested unpacking: give up on the value (a loop frame binds by name)
                    self._bind_target(elt, None, "for" if kind == "for" else "other", stmt=stmt)
        elif isinstance(target, ast.Starred):
            self._bind_target(target.value, None, "other", stmt=stmt)
        elif isinstance(target, ast.Attribute):
            if isinstance(target.value, ast.Name) and target.value.id != self.current.self_name:
                # ``h.shape = (1, 64)`` reshapes ``h`` in place; ``gru.stateful = True`` changes a layer.
                self._change(target.value.id, stmt, "shape" if target.attr == "shape" else "attr",
                             target)
            self._bind_attr(target, value if kind == "assign" and index is None else None,
                            stmt, index=index, count=count, starred=starred)
        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            # ``states[0] = h`` / ``del states[0]`` changes the value in place.
            self._change(target.value.id, stmt, "setitem", target)

    def _bind_attr(self, target: ast.Attribute, value, stmt, index=None, count=None, starred=False):
        """Record ``self.x = ...`` inside a method of a class."""
        func = self.current
        if not isinstance(target.value, ast.Name) or func.self_name is None:
            return
        if target.value.id != func.self_name or not self.class_stack:
            return
        cls = func.parent
        if cls is None or not cls.is_class:
            return
        kind = "assign" if value is not None or index is not None else "other"
        cls.attrs.setdefault(target.attr, []).append(
            Binding(kind, stmt, func, value, None, index, count, starred, func)
        )

    # -- statements ------------------------------------------------------------------
    def _block(self, body):
        block = id(body)
        for stmt in body:
            self.statements.append((stmt, self.current, block))
            handler = _HANDLERS.get(type(stmt))
            if handler is not None:
                handler(self, stmt)
            if self._walrus and not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                      ast.ClassDef)):
                self._walrus_scan(stmt)

    def _walrus_scan(self, stmt):
        """``(h := ...)`` binds in the enclosing scope: its value is not followed."""
        roots = header_expressions(stmt)
        for root in roots:
            for node in ast.walk(root):
                if isinstance(node, ast.NamedExpr) and isinstance(node.target, ast.Name):
                    self._bind(node.target.id, "other", node)

    def _import(self, node: ast.Import):
        for alias in node.names:
            if alias.asname:
                self._bind(alias.asname, "import", node, qualname=canonical_module(alias.name))
            else:
                top = alias.name.split(".")[0]
                self._bind(top, "import", node, qualname=canonical_module(top))

    def _import_from(self, node: ast.ImportFrom):
        if node.level:  # relative import: the user's own module
            for alias in node.names:
                if alias.name != "*":
                    self._bind(alias.asname or alias.name, "other", node)
            return
        module = node.module or ""
        for alias in node.names:
            if alias.name == "*":
                self.current.bindings.setdefault("*", []).append(
                    Binding("import", node, self.current, qualname=canonical_module(module)))
                continue
            self._bind(alias.asname or alias.name, "import", node,
                       qualname=canonical_module(f"{module}.{alias.name}"))

    def _assign(self, node: ast.Assign):
        for target in node.targets:
            self._bind_target(target, node.value, stmt=node)

    def _ann_assign(self, node: ast.AnnAssign):
        if node.value is not None:
            self._bind_target(node.target, node.value, stmt=node)

    def _aug_assign(self, node: ast.AugAssign):
        self._bind_target(node.target, None, "other", stmt=node)

    def _for(self, node):
        self._bind_target(node.target, None, "for", stmt=node)
        self._block(node.body)
        self._block(node.orelse)

    def _while_if(self, node):
        self._block(node.body)
        self._block(node.orelse)

    def _with(self, node):
        for item in node.items:
            if item.optional_vars is not None:
                self._bind_target(item.optional_vars, None, "other", stmt=node)
        self._block(node.body)

    def _try(self, node):
        self._block(node.body)
        for handler in node.handlers:
            if handler.name:
                self._bind(handler.name, "other", handler)
            self._block(handler.body)
        self._block(node.orelse)
        self._block(node.finalbody)

    def _match(self, node):  # 3.10+: every capture binds a name to an unknown value
        for case in node.cases:
            for child in ast.walk(case.pattern):
                name = getattr(child, "name", None) or getattr(child, "rest", None)
                if isinstance(name, str):
                    self._bind(name, "other", child)
            self._block(case.body)

    def _delete(self, node: ast.Delete):
        for target in node.targets:
            self._bind_target(target, None, "other", stmt=node)

    def _expr(self, node: ast.Expr):
        """``states.append(h)``: a call that changes a name's value in place makes it unknown."""
        call = node.value
        if (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                and call.func.attr in MUTATORS and isinstance(call.func.value, ast.Name)):
            self._change(call.func.value.id, node, "call", call)

    def _change(self, name, stmt, kind, node):
        """An in-place change of a name's value (not a binding: the name stays where it is)."""
        self.mutations.setdefault(name, []).append((stmt, self.current, kind, node))

    def _global(self, node: ast.Global):
        self.current.globals.update(node.names)
        for name in node.names:  # a function may rebind it: the module binding is no longer single
            self.module_scope.bindings.setdefault(name, []).append(Binding("other", node, self.current))

    def _nonlocal(self, node: ast.Nonlocal):
        self.current.nonlocals.update(node.names)

    def _function(self, node):
        self._bind(node.name, "def", node)
        outer = self.current
        scope = Scope(node, outer)
        self.all_scopes.append(scope)
        self.scope_by_node[id(node)] = scope
        params = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
        if outer.is_class and params and not _is_static(node):
            scope.self_name = params[0].arg
        self.current = scope
        for arg in params + [a for a in (node.args.vararg, node.args.kwarg) if a]:
            self._bind(arg.arg, "param", arg)
        self._block(node.body)
        self.current = outer

    def _class(self, node: ast.ClassDef):
        self._bind(node.name, "class", node)
        outer = self.current
        self.current = Scope(node, outer)
        self.all_scopes.append(self.current)
        self.scope_by_node[id(node)] = self.current
        self.class_stack.append(self.current)
        self._block(node.body)
        self.class_stack.pop()
        self.current = outer

    # -- expressions, on demand ------------------------------------------------------------
    def register(self, root: ast.AST, scope: Scope):
        """Give ``root`` and the expressions below it their scope (lambdas and
        comprehensions open scopes of their own)."""
        if id(root) in self.node_scope:
            return
        stack = [(root, scope)]
        while stack:
            node, where = stack.pop()
            if node is not root and id(node) in self.node_scope:
                continue
            self.node_scope[id(node)] = where
            if isinstance(node, ast.Lambda):
                inner = Scope(node, where)
                self.all_scopes.append(inner)
                args = node.args
                for arg in args.posonlyargs + args.args + args.kwonlyargs + [
                        a for a in (args.vararg, args.kwarg) if a]:
                    inner.bindings.setdefault(arg.arg, []).append(Binding("param", arg, inner, where=inner))
                stack.extend((d, where) for d in args.defaults + [d for d in args.kw_defaults if d])
                stack.append((node.body, inner))
            elif isinstance(node, _COMPREHENSIONS):
                inner = Scope(node, where)
                self.all_scopes.append(inner)
                for i, gen in enumerate(node.generators):
                    stack.append((gen.iter, where if i == 0 else inner))
                    for name in ast.walk(gen.target):
                        if isinstance(name, ast.Name):
                            inner.bindings.setdefault(name.id, []).append(
                                Binding("other", gen, inner, where=inner))
                    stack.extend((cond, inner) for cond in gen.ifs)
                for field in ("elt", "key", "value"):
                    part = getattr(node, field, None)
                    if part is not None:
                        stack.append((part, inner))
            else:
                stack.extend((child, where) for child in child_nodes(node))

    def register_statement(self, stmt: ast.stmt, scope: Scope):
        for root in header_expressions(stmt):
            self.register(root, scope)

    def register_all(self):
        """Every expression of the file: only needed off the hot path (building fixes)."""
        if self._all_registered:
            return
        self._all_registered = True
        for stmt, scope, _ in self.statements:
            self.register_statement(stmt, scope)

    def scope_of(self, node: ast.AST) -> Optional[Scope]:
        scope = self.node_scope.get(id(node))
        if scope is None and not self._all_registered:
            self.register_all()
            scope = self.node_scope.get(id(node))
        return scope


def header_expressions(stmt: ast.stmt):
    """The expressions a statement evaluates itself (not those of its nested body)."""
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return ()
    if not any(hasattr(stmt, f) for f in ("body", "handlers", "cases")):
        return (stmt,)  # a simple statement: all its children are expressions
    roots = []
    for field in _HEADER_FIELDS:
        value = getattr(stmt, field, None)
        if isinstance(value, list):
            roots.extend(item.context_expr if isinstance(item, ast.withitem) else item for item in value)
        elif value is not None:
            roots.append(value)
    if isinstance(stmt, (ast.For, ast.AsyncFor)):
        roots.append(stmt.target)
    return tuple(roots)


def _is_static(node) -> bool:
    return any(isinstance(d, ast.Name) and d.id in ("staticmethod", "classmethod")
               for d in getattr(node, "decorator_list", ()))


_HANDLERS = {
    ast.Import: ScopeBuilder._import,
    ast.ImportFrom: ScopeBuilder._import_from,
    ast.Assign: ScopeBuilder._assign,
    ast.AnnAssign: ScopeBuilder._ann_assign,
    ast.AugAssign: ScopeBuilder._aug_assign,
    ast.For: ScopeBuilder._for,
    ast.AsyncFor: ScopeBuilder._for,
    ast.While: ScopeBuilder._while_if,
    ast.If: ScopeBuilder._while_if,
    ast.With: ScopeBuilder._with,
    ast.AsyncWith: ScopeBuilder._with,
    ast.Try: ScopeBuilder._try,
    ast.Delete: ScopeBuilder._delete,
    ast.Expr: ScopeBuilder._expr,
    ast.Global: ScopeBuilder._global,
    ast.Nonlocal: ScopeBuilder._nonlocal,
    ast.FunctionDef: ScopeBuilder._function,
    ast.AsyncFunctionDef: ScopeBuilder._function,
    ast.ClassDef: ScopeBuilder._class,
}
if hasattr(ast, "TryStar"):  # 3.11+
    _HANDLERS[ast.TryStar] = ScopeBuilder._try
if hasattr(ast, "Match"):  # 3.10+
    _HANDLERS[ast.Match] = ScopeBuilder._match


def release(builder: "ScopeBuilder") -> None:
    """Break the reference cycles of a file's scopes once it is done with.

    A binding names its scope, which lists the binding: without this, the scopes, the
    bindings and the whole tree they reach are freed only by a pass of the cyclic garbage
    collector (several milliseconds for a 500-line file). Cleared, they go at once, by
    reference counting. Only for a file whose analysis is over: lookups find nothing after.
    """
    for scope in builder.all_scopes:
        scope.bindings.clear()
        scope.attrs.clear()
        scope.parent = None
    builder.all_scopes = []


def build_scopes(module: ast.Module, source: str = None) -> ScopeBuilder:
    return ScopeBuilder(module, has_walrus=source is None or ":=" in source)


def lookup(scope: Scope, name: str) -> Optional[List[Binding]]:
    """The bindings a load of ``name`` in ``scope`` can see (Python's LEGB rules)."""
    if name in scope.globals:
        scope = _module_of(scope)
    first = True
    while scope is not None:
        if (first or not scope.is_class) and name in scope.bindings:
            return scope.bindings[name]
        if (first or not scope.is_class) and "*" in scope.bindings:
            return None  # a star import may or may not define it
        first = False
        scope = scope.parent
    return []  # a builtin or an undefined name


def _module_of(scope: Scope) -> Scope:
    while scope.parent is not None:
        scope = scope.parent
    return scope


def resolve(scope: Scope, name: str):
    """``(owner, bindings, direct)`` for a load of ``name`` in ``scope``.

    ``owner`` is the scope whose bindings the load sees (None for a builtin or an
    undefined name, and for a name a star import may define: then ``bindings`` is
    None); ``direct`` is False when the load runs later than the owner's code
    (from a nested function, lambda or class), True when it runs in place
    (in the owner itself or in a comprehension there).
    """
    if name in scope.globals:
        owner = _module_of(scope)
        return owner, owner.bindings.get(name, []), False
    first = True
    direct = True
    while scope is not None:
        if first or not scope.is_class:
            if name in scope.bindings:
                return scope, scope.bindings[name], direct
            if "*" in scope.bindings:
                return None, None, False
        if not isinstance(scope.node, _COMPREHENSIONS):
            direct = False
        first = False
        scope = scope.parent
    return None, [], False
