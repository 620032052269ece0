"""Which assignments reach a use of a name: flow-sensitive, inside one scope.

For a load of ``name`` at a position of the scope that owns it, ``Flow.reaching``
walks that scope's statements in program order, looking only at the statements
that bind or change the name (found by line, with ``bisect``) and at the ones
that hold the use. The result is the tuple of definitions that may reach the
use, or ``None`` when it cannot be known:

- straight-line re-binding replaces the definition;
- after ``if``/``try``/``match`` the branches' definitions are all kept (the
  evaluator keeps a value only when every one gives the same value); a branch
  that ends in ``return``/``raise``/``break``/``continue`` gives none; an ``if``
  whose test the caller's ``decide`` settles (``states is None`` in the frame of
  one call) follows that branch alone;
- a name bound or changed inside a loop is unknown after the loop, and at the top
  of its body (a binding earlier in the same iteration is followed);
- augmented assignment and in-place changes (``states.append(h)``) are
  ``Change`` definitions on top of the previous ones, which the evaluator models
  exactly or makes unknown; ``del``, ``with ... as``, ``except ... as``, match
  captures and for-loop targets are unknown;
- a name written from another scope (``global``/``nonlocal``, walrus in a
  comprehension) or changed in place from a nested function is unknown everywhere.
"""

from __future__ import annotations

import ast
from bisect import bisect_right
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from gru_lint.analysis import scopes as sc

_LOOPS = (ast.For, ast.AsyncFor, ast.While)
_WITHS = (ast.With, ast.AsyncWith)
_TRIES = (ast.Try,) + ((ast.TryStar,) if hasattr(ast, "TryStar") else ())
_MATCH = (ast.Match,) if hasattr(ast, "Match") else ()
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_ENDS = (ast.Return, ast.Raise, ast.Continue, ast.Break)
_VALUE_KINDS = ("assign", "import", "def", "class", "param")

Pos = Tuple[int, int]


@dataclass(frozen=True, eq=False)  # made once per distinct content (``Flow.made``)
class Change:
    """An in-place change of the value the ``before`` definitions give."""

    before: Tuple[object, ...]
    stmt: ast.stmt
    kind: str  # "call" (``x.append(v)``), "aug" (``x += v``), "setitem", "attr", "shape"
    node: Optional[ast.AST] = None  # the call, the AugAssign, the target


@dataclass(frozen=True, eq=False)  # made once per distinct content (``Flow.made``)
class Carried:
    """The value a name has at the start of one iteration of the ``for`` loop ``stmt``."""

    stmt: ast.For


@dataclass(frozen=True, eq=False)  # made once per distinct content (``Flow.made``)
class Loop:
    """A ``for`` loop that changes the name: ``end`` (from ``Carried``) runs once per item."""

    before: Tuple[object, ...]
    stmt: ast.For
    end: Tuple[object, ...]


class _Found(Exception):
    def __init__(self, defs):
        super().__init__()
        self.defs = defs


_DEAD = ()  # no definition reaches (the code path ended)


def position(node: ast.AST) -> Pos:
    return (node.lineno, node.col_offset)


def _start(stmt) -> Pos:
    return (stmt.lineno, stmt.col_offset)


def _end(stmt) -> Pos:
    return (stmt.end_lineno, stmt.end_col_offset)


def _contains(stmt, pos: Pos) -> bool:
    return _start(stmt) <= pos <= _end(stmt)


def _block_contains(block, pos: Pos) -> bool:
    return bool(block) and _start(block[0]) <= pos <= _end(block[-1])


class _Events:
    """Where one scope binds or changes one name, by statement."""

    __slots__ = ("lines", "by_node", "killed")

    def __init__(self):
        self.lines: List[int] = []
        self.by_node: Dict[int, list] = {}
        self.killed = False

    def add(self, node, event):
        self.by_node.setdefault(id(node), []).append(event)
        self.lines.append(node.lineno)

    def within(self, stmt) -> bool:
        i = bisect_right(self.lines, stmt.end_lineno)
        return i > 0 and self.lines[i - 1] >= stmt.lineno

    def within_block(self, block) -> bool:
        return any(self.within(s) for s in block)


class Flow:
    def __init__(self, scopes: sc.ScopeBuilder):
        self.scopes = scopes
        self._events: Dict[Tuple[int, str], _Events] = {}
        self._starts: Dict[int, List[int]] = {}
        self._memo: Dict[tuple, Optional[tuple]] = {}
        self._made: Dict[tuple, object] = {}

    def made(self, cls, *fields):
        """The one ``Change``/``Carried``/``Loop`` with these fields (hash-consed).

        Definitions built from the same parts are the same object, so they compare
        (and hash, as memo keys) by identity, in constant time: comparing them field by
        field went down every chain of earlier changes, once per branch merged."""
        key = (cls,) + tuple(tuple(map(id, f)) if type(f) is tuple else
                             (f if type(f) is str else id(f)) for f in fields)
        found = self._made.get(key)
        if found is None:
            found = self._made[key] = cls(*fields)
        return found

    # -- events --------------------------------------------------------------------
    def events(self, scope: sc.Scope, name: str) -> _Events:
        key = (id(scope), name)
        found = self._events.get(key)
        if found is None:
            found = self._events[key] = self._collect(scope, name)
        return found

    def _collect(self, scope: sc.Scope, name: str) -> _Events:
        events = _Events()
        for binding in scope.bindings.get(name, ()):
            if binding.kind == "param":
                continue
            if binding.where is not None and binding.where is not scope:
                events.killed = True  # global/nonlocal write from elsewhere
            if binding.kind == "other" and isinstance(binding.node, ast.NamedExpr):
                events.killed = True  # walrus: not worth following
            if isinstance(binding.node, ast.AugAssign):
                events.add(binding.node, Change((), binding.node, "aug", binding.node))
            else:
                events.add(binding.node, binding)
        for change in self.scopes.mutations.get(name, ()):
            stmt, where, kind, node = change
            if where is scope:
                events.add(stmt, Change((), stmt, kind, node))
                self.scopes.register_statement(stmt, scope)  # evaluated if the value is asked
            elif sc.lookup(where, name) is scope.bindings.get(name, False):
                events.killed = True  # changed from a nested function: could be any time
        events.lines.sort()
        return events

    def changed_anywhere(self, scope: sc.Scope, name: str) -> bool:
        """Whether the name is changed in place or written from elsewhere (for uses in nested functions)."""
        events = self.events(scope, name)
        return events.killed or any(isinstance(e, Change) for evs in events.by_node.values()
                                    for e in evs)

    # -- the walk --------------------------------------------------------------------
    def reaching(self, scope: sc.Scope, name: str, pos: Pos, decide=None, token=None,
                 first=frozenset()) -> Optional[tuple]:
        """The definitions (``Binding``/``Change``) that may reach a use at ``pos``; None: unknown.

        ``first``: ids of ``for`` statements whose first iteration the use is in (so a name
        the loop re-binds still has its value from before the loop at the top of the body).
        ``decide(test)`` (with ``token`` naming what it depends on, e.g. one call's
        frame) may say which branch of an ``if`` runs: True, False, or None (either)."""
        key = (id(scope), name, pos, token, first)
        if key in self._memo:
            return self._memo[key]
        events = self.events(scope, name)
        result = None
        if not events.killed:
            body = getattr(scope.node, "body", None)
            if isinstance(body, list):
                start = tuple(b for b in scope.bindings.get(name, ()) if b.kind == "param")
                try:
                    _Walk(self, events, pos, scope, decide, first).block(body, start)
                except _Found as found:
                    result = found.defs
        self._memo[key] = result
        return result

    def starts(self, block) -> List[int]:
        found = self._starts.get(id(block))
        if found is None:
            found = self._starts[id(block)] = [s.lineno for s in block]
        return found


class _Walk:
    def __init__(self, flow: Flow, events: _Events, pos: Pos, scope=None, decide=None,
                 first=frozenset()):
        self.flow = flow
        self.events = events
        self.pos = pos
        self.scope = scope
        self.decide = decide
        self.first = first

    def relevant(self, block):
        """The statements of ``block`` that hold an event or the use, in order."""
        starts = self.flow.starts(block)
        lines = self.events.lines
        lo, hi = block[0].lineno, block[-1].end_lineno
        wanted = [line for line in lines[bisect_right(lines, lo - 1):bisect_right(lines, hi)]]
        if lo <= self.pos[0] <= hi:
            wanted.append(self.pos[0])
        picked = set()
        for line in wanted:
            j = bisect_right(starts, line) - 1
            while j >= 0 and block[j].end_lineno >= line:
                picked.add(j)
                j -= 1
        return [block[j] for j in sorted(picked)]

    def block(self, block, defs):
        """The definitions after running ``block`` from ``defs``; raises ``_Found`` at the use."""
        if not block:
            return defs
        for stmt in self.relevant(block):
            if _contains(stmt, self.pos):
                self.at(stmt, defs)
            defs = self.step(stmt, defs)
        if isinstance(block[-1], _ENDS):
            return _DEAD
        return defs

    # -- statements that do not hold the use ------------------------------------------
    def step(self, stmt, defs):
        own = self.events.by_node.get(id(stmt), ())
        if not own and not self.events.within(stmt):
            return defs
        if isinstance(stmt, ast.If):
            taken = self.decide(stmt.test) if self.decide is not None else None
            if taken is True:
                return self.block(stmt.body, defs)
            if taken is False:
                return self.block(stmt.orelse, defs)
            return _merge(self.block(stmt.body, defs), self.block(stmt.orelse, defs))
        if isinstance(stmt, _LOOPS):
            return self._loop(stmt, defs, own)
        if isinstance(stmt, _WITHS):
            return self.block(stmt.body, None if own else defs)
        if isinstance(stmt, _TRIES):
            return self._try(stmt, defs)
        if _MATCH and isinstance(stmt, _MATCH):
            return None
        for event in own:
            defs = self._apply(event, defs)
        return defs

    def _loop(self, stmt, defs, own):
        """After a loop that binds or changes the name: a ``Loop`` the evaluator may unroll."""
        if not isinstance(stmt, ast.For) or own or defs is None or defs == _DEAD:
            return None
        if self.events.within_block(stmt.orelse) or _jumps(stmt.body):
            return None
        end = self.block(stmt.body, (self.flow.made(Carried, stmt),))
        if end is None or end == _DEAD:
            return None
        if self.scope is not None:  # its iterable is evaluated where the loop stands
            self.flow.scopes.register_statement(stmt, self.scope)
        return (self.flow.made(Loop, defs, stmt, end),)

    def _apply(self, event, defs):
        if isinstance(event, Change):
            if defs is None or defs == _DEAD:
                return None
            return (self.flow.made(Change, defs, event.stmt, event.kind, event.node),)
        if event.kind in _VALUE_KINDS:
            return (event,)
        return None

    def _handler_start(self, stmt, defs):
        return None if any(self.events.within(s) for s in stmt.body) else defs

    def _try(self, stmt, defs):
        body = self.block(stmt.body, defs)
        outs = [self.block(stmt.orelse, body)]
        start = self._handler_start(stmt, defs)
        for handler in stmt.handlers:
            bound = id(handler) in self.events.by_node
            outs.append(self.block(handler.body, None if bound else start))
        merged = _merge(*outs)
        if stmt.finalbody:
            return self.block(stmt.finalbody, merged)
        return merged

    # -- the statement that holds the use ---------------------------------------------
    def at(self, stmt, defs):
        pos = self.pos
        if isinstance(stmt, ast.If):
            if _block_contains(stmt.body, pos):
                self.block(stmt.body, defs)
            elif _block_contains(stmt.orelse, pos):
                self.block(stmt.orelse, defs)
        elif isinstance(stmt, _LOOPS):
            # A name the loop binds or changes is unknown at the top of every iteration
            # (it may come from the previous one); bindings earlier in the same
            # iteration are still followed.
            head = None if self.events.within(stmt) and id(stmt) not in self.first else defs
            target = _loop_target(stmt, self.events)
            if _block_contains(stmt.body, pos):
                if target is not None:
                    head = (target,)  # bound afresh at the top of every iteration
                self.block(stmt.body, head)
            elif _block_contains(stmt.orelse, pos):
                self.block(stmt.orelse, head)
            elif isinstance(stmt, ast.While):
                raise _Found(head)
        elif isinstance(stmt, _WITHS):
            if _block_contains(stmt.body, pos):
                own = id(stmt) in self.events.by_node
                self.block(stmt.body, None if own else defs)
        elif isinstance(stmt, _TRIES):
            self._at_try(stmt, defs)
        elif _MATCH and isinstance(stmt, _MATCH):
            if any(_block_contains(c.body, pos) or _contains(c.pattern, pos) for c in stmt.cases):
                raise _Found(None if self.events.within(stmt) else defs)
        raise _Found(None if _in_body(stmt, pos) else defs)

    def _at_try(self, stmt, defs):
        pos = self.pos
        if _block_contains(stmt.body, pos):
            self.block(stmt.body, defs)
        for handler in stmt.handlers:
            if _contains(handler, pos):
                bound = id(handler) in self.events.by_node
                self.block(handler.body, None if bound else self._handler_start(stmt, defs))
        if _block_contains(stmt.orelse, pos):
            self.block(stmt.orelse, self.block(stmt.body, defs))
        if _block_contains(stmt.finalbody, pos):
            if self.events.within(stmt):
                raise _Found(None)
            self.block(stmt.finalbody, defs)
        raise _Found(None)


def _loop_target(stmt, events):
    """The binding a ``for`` statement's target makes of the name, if it makes one."""
    if not isinstance(stmt, (ast.For, ast.AsyncFor)):
        return None
    for event in events.by_node.get(id(stmt), ()):
        if not isinstance(event, Change) and event.kind == "for":
            return event
    return None


def _jumps(body) -> bool:
    """Whether a loop body holds a ``break`` or ``continue`` of its own."""
    stack = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Break, ast.Continue)):
            return True
        if isinstance(node, _LOOPS):
            stack.extend(node.orelse)
        elif not isinstance(node, _DEFS) and isinstance(node, ast.stmt):
            for field in ("body", "orelse", "finalbody", "handlers"):
                stack.extend(getattr(node, field, ()) or ())
            for case in getattr(node, "cases", ()) or ():
                stack.extend(case.body)
        elif isinstance(node, ast.excepthandler):
            stack.extend(node.body)
    return False


def _in_body(stmt, pos: Pos) -> bool:
    """A use inside a compound statement but in none of its blocks we followed: unknown."""
    body = getattr(stmt, "body", None)
    if isinstance(stmt, _DEFS):
        return False  # decorators, defaults, bases: evaluated where the def stands
    if isinstance(body, list) and body:
        return pos >= _start(body[0])
    return False


def _merge(*outs):
    """Definitions reaching the end of several paths: unknown if any path's is."""
    merged = []
    for defs in outs:
        if defs is None:
            return None
        for d in defs:
            if d not in merged:
                merged.append(d)
    return tuple(merged)
