"""git's wildmatch for ``.gitignore`` patterns, without backtracking blow-ups.

A repository's ``.gitignore`` is untrusted input, so patterns are not turned into
regular expressions (``*a*a*a*a*a*a*b`` against a long name, or ``**/`` repeated, made
the ``re`` module backtrack for minutes). Instead a pattern is split at ``/`` into
segments and matched segment by segment:

- within a segment, ``*`` and ``?`` never match ``/``, and the classic two-pointer glob
  algorithm (resume after the last ``*``) runs in O(len(name) * len(segment));
- a ``**`` segment matches any number of path segments; runs of them are collapsed,
  and the path is matched by a set-of-states walk, O(segments * pattern segments).

Bracket expressions follow git: ``[abc]``, ``[a-z]``, ``[!a]``/``[^a]``, a leading
``]`` is literal, backslash escapes; a reversed range such as ``[z-a]`` matches
nothing (as in git) instead of being an error; an unclosed ``[`` is a literal.
Matching is case-sensitive.
"""

from __future__ import annotations

from typing import Callable, List, Optional, Sequence, Tuple, Union

__all__ = ["PathPattern", "compile_segment", "segment_matcher", "segment_matches"]

class _Wild:
    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name


_STAR = _Wild("*")
_ANY = _Wild("?")
# A token is _STAR, _ANY, a one-character literal string (an escaped "*" is a
# literal), or a class tuple (negate, chars, ranges).
_Class = Tuple[bool, frozenset, Tuple[Tuple[str, str], ...]]
Token = Union[str, _Class, _Wild]


def _parse_class(seg: str, i: int) -> Optional[Tuple[_Class, int]]:
    """The bracket expression starting at ``seg[i] == "["``: (class, index after it)."""
    j = i + 1
    n = len(seg)
    negate = j < n and seg[j] in "!^"
    if negate:
        j += 1
    items: List[str] = []
    first = True
    while j < n and (seg[j] != "]" or first):
        c = seg[j]
        if c == "\\" and j + 1 < n:
            j += 1
            c = seg[j]
        items.append(c)
        first = False
        j += 1
    if j >= n:
        return None  # no closing bracket
    chars = set()
    ranges = []
    k = 0
    while k < len(items):
        if k + 2 < len(items) and items[k + 1] == "-":
            ranges.append((items[k], items[k + 2]))  # lo > hi simply matches nothing
            k += 3
        else:
            chars.add(items[k])
            k += 1
    return (negate, frozenset(chars), tuple(ranges)), j + 1


def compile_segment(seg: str) -> Tuple[Token, ...]:
    """One ``/``-free segment of a pattern as tokens; consecutive ``*`` are one."""
    out: List[Token] = []
    i, n = 0, len(seg)
    while i < n:
        c = seg[i]
        if c == "\\" and i + 1 < n:
            out.append(seg[i + 1])
            i += 2
        elif c == "*":
            if not out or out[-1] is not _STAR:
                out.append(_STAR)
            i += 1
        elif c == "?":
            out.append(_ANY)
            i += 1
        elif c == "[":
            parsed = _parse_class(seg, i)
            if parsed is None:
                out.append("[")
                i += 1
            else:
                out.append(parsed[0])
                i = parsed[1]
        else:
            out.append(c)
            i += 1
    return tuple(out)


def _one(token: Token, ch: str) -> bool:
    if isinstance(token, tuple):
        negate, chars, ranges = token
        hit = ch in chars or any(lo <= ch <= hi for lo, hi in ranges)
        return hit != negate
    if token is _ANY:
        return True
    return token == ch


def segment_matches(tokens: Sequence[Token], name: str) -> bool:
    """Whether ``name`` (no ``/``) matches the segment; linear memory, no blow-up."""
    p = i = 0
    star = -1
    mark = 0
    np_, n = len(tokens), len(name)
    while i < n:
        if p < np_ and tokens[p] is _STAR:
            star, mark = p, i
            p += 1
        elif p < np_ and _one(tokens[p], name[i]):
            p += 1
            i += 1
        elif star >= 0:
            p = star + 1
            mark += 1
            i = mark
        else:
            return False
    while p < np_ and tokens[p] is _STAR:
        p += 1
    return p == np_


def segment_matcher(tokens: Sequence[Token]) -> Callable[[str], bool]:
    """``segment_matches`` bound to ``tokens``, with the common shapes as one string test.

    Most patterns are a plain name (``.git``, ``node_modules``), ``*.ext`` or ``prefix*``;
    discovery tests every directory and file name against every pattern, so these are a
    single comparison instead of the character-by-character glob.
    """
    literal = [t for t in tokens if isinstance(t, str)]
    if len(literal) == len(tokens):
        return "".join(tokens).__eq__
    if len(literal) == len(tokens) - 1:
        text = "".join(literal)
        if tokens[0] is _STAR:
            return lambda name: name.endswith(text)
        if tokens[-1] is _STAR:
            return lambda name: name.startswith(text)
    return lambda name: segment_matches(tokens, name)


_DSTAR = None  # a ``**`` segment: any number of path segments


class PathPattern:
    """A ``.gitignore`` pattern (already stripped of ``!``, trailing ``/`` and the
    leading ``/``). ``match(rel)`` takes a ``/``-separated path relative to the
    ``.gitignore``'s directory and returns True or None, like ``re.match``."""

    __slots__ = ("segments", "anchored")

    def __init__(self, pattern: str, anchored: bool):
        self.anchored = anchored
        segments: List[Optional[Callable[[str], bool]]] = []  # None is a ``**`` segment
        parts = pattern.split("/") if anchored else [pattern.replace("/", "")]
        if not anchored:  # a bare "**" is "*" here: any name
            self.segments = (segment_matcher(compile_segment(parts[0])),)
            return
        for index, seg in enumerate(parts):
            if seg == "**":
                if index == len(parts) - 1:
                    # A trailing "/**" matches everything inside, not the directory itself.
                    segments.append(segment_matcher((_STAR,)))
                if not segments or segments[-1] is not _DSTAR:
                    segments.append(_DSTAR)
            else:
                segments.append(segment_matcher(compile_segment(seg)))
        self.segments = tuple(segments)

    def match(self, rel: str) -> Optional[bool]:
        parts = rel.split("/")
        if not self.anchored:  # no slash in the pattern: the name at any depth
            (matches,) = self.segments
            return True if matches(parts[-1]) else None
        return True if self._match_parts(parts) else None

    def _closure(self, states):
        out = set()
        todo = list(states)
        while todo:
            i = todo.pop()
            if i in out:
                continue
            out.add(i)
            if i < len(self.segments) and self.segments[i] is _DSTAR:
                todo.append(i + 1)
        return out

    def _match_parts(self, parts: Sequence[str]) -> bool:
        segs = self.segments
        end = len(segs)
        states = self._closure({0})
        for part in parts:
            nxt = set()
            for i in states:
                if i == end:
                    continue
                seg = segs[i]
                if seg is _DSTAR:
                    nxt.add(i)
                elif seg(part):
                    nxt.add(i + 1)
            if not nxt:
                return False
            states = self._closure(nxt)
        return end in states

    def __repr__(self) -> str:
        return f"PathPattern(segments={len(self.segments)}, anchored={self.anchored})"
