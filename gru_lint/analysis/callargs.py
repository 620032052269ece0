"""The arguments a call passes, with ``*args`` and ``**mapping`` unpacked when exact.

``GRU(**layer_cfg)``, ``GRU(4, **{"stateful": True})``, ``build_decoder(*sizes, **hparams)``:
a starred argument whose value is an exact list or tuple (a ``Seq``: its length is
known) gives its items as positional arguments; a ``**`` argument whose value is a
known dict (a ``DictVal``, trusted only while nothing can change it) whose keys are
all strings gives its items as keywords. Anything else -- a value not known exactly,
a key that is not a string, a keyword given twice (a ``TypeError`` at run time) --
and the call's arguments are not known. An argument that comes out of an unpacking
has no node: there is nothing a fix could edit in the call.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Dict, Optional, Tuple

from gru_lint.analysis.values import UNKNOWN, DictVal, Seq, Value


@dataclass(frozen=True)
class Arg:
    """One argument: its node when written out in the call, else its value (unpacked)."""

    node: Optional[ast.AST] = None
    unpacked: Value = UNKNOWN


@dataclass(frozen=True)
class CallArgs:
    positional: Tuple[Arg, ...]
    keywords: Tuple[Tuple[str, Arg], ...]
    unpacked: bool = False  # some argument came out of ``*`` or ``**``

    def keyword(self, name: str) -> Optional[Arg]:
        for key, arg in self.keywords:
            if key == name:
                return arg
        return None

    def get(self, pos: Optional[int], name: Optional[str]) -> Optional[Arg]:
        """The argument named ``name``, else the one at position ``pos`` (``call_argument``'s order)."""
        if name is not None:
            found = self.keyword(name)
            if found is not None:
                return found
        if pos is not None and pos < len(self.positional):
            return self.positional[pos]
        return None

    def twice(self, pos: Optional[int], name: Optional[str]) -> bool:
        """Whether the parameter at ``pos`` is also given by name (a ``TypeError`` at run time)."""
        return pos is not None and name is not None and pos < len(self.positional) \
            and self.keyword(name) is not None

    def names(self):
        return [key for key, _ in self.keywords]


class CallArguments:
    """Unpacking a call's ``*``/``**`` arguments (mixed into ``infer.Evaluator``)."""

    def call_args(self, call: ast.Call) -> Optional[CallArgs]:
        """The call's arguments, unpacked; None when an unpacking is not exact."""
        memo = self.__dict__.setdefault("_call_args_memo", {})
        key = (id(call), self.frame)
        if key not in memo:
            memo[key] = self._call_args(call)
        return memo[key]

    def arg_value(self, arg: Optional[Arg]) -> Value:
        if arg is None:
            return UNKNOWN
        return self.value(arg.node) if arg.node is not None else arg.unpacked

    def _call_args(self, call: ast.Call) -> Optional[CallArgs]:
        unpacked = False
        positional = []
        for a in call.args:
            if isinstance(a, ast.Starred):
                seq = self.value(a.value)
                if not isinstance(seq, Seq):
                    return None
                positional.extend(Arg(None, v) for v in seq.items)
                unpacked = True
            else:
                positional.append(Arg(a))
        keywords: Dict[str, Arg] = {}
        for kw in call.keywords:
            if kw.arg is not None:
                if kw.arg in keywords:
                    return None
                keywords[kw.arg] = Arg(kw.value)
                continue
            mapping = self.value(kw.value)
            if not isinstance(mapping, DictVal):
                return None
            for name, value in zip(mapping.keys, mapping.items):
                if not isinstance(name, str) or name in keywords:
                    return None  # ``f(**{1: 2})`` and a keyword given twice raise TypeError
                keywords[name] = Arg(None, value)
            unpacked = True
        return CallArgs(tuple(positional), tuple(keywords.items()), unpacked)


__all__ = ["Arg", "CallArgs", "CallArguments"]
