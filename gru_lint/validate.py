"""Checking that fixed code still parses, with bounds on what libcst is shown.

Every round of fixes must parse with the standard ``ast`` (the whole file) and with
libcst (so the codemod can parse its own output). libcst cannot be shown just anything:
its native parser segfaults on a boolean chain of about 10,000 terms, aborts the process
when memory runs out (about 600 bytes of memory per byte of source), and is superlinear
in expression nesting. So libcst only sees the *regions* of the file that the fixes
touched -- the smallest run of sibling statements around each edit -- and a region is
given to it only when it is at most ``MAX_REGION_CHARS`` long and its expressions stay
within ``MAX_EXPR_DEPTH`` nesting, ``MAX_CHAIN`` terms in one ``and``/``or``/comparison
chain and ``MAX_ELIF`` ``elif`` branches. Otherwise the round is refused with a message
that says which bound was passed; nothing is ever written that was not checked.

A region nested in a function or class body is parsed under an ``if 1:`` header, which
keeps its own indentation valid.
"""

from __future__ import annotations

import ast
import bisect
import re
from typing import List, Optional, Sequence, Tuple, Union

MAX_REGION_CHARS = 200_000
MAX_EXPR_DEPTH = 200
MAX_CHAIN = 1_000
MAX_ELIF = 1_000

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
Range = Tuple[int, int]


def _line_starts(text: str) -> List[int]:
    return [0] + [m.end() for m in _LINE_BREAK.finditer(text)]


def _first_line(stmt: ast.stmt) -> int:
    decorators = getattr(stmt, "decorator_list", None) or ()
    return min([stmt.lineno] + [d.lineno for d in decorators])


def _child_bodies(stmt: ast.stmt) -> List[List[ast.stmt]]:
    out = []
    for field in ("body", "orelse", "finalbody"):
        value = getattr(stmt, field, None)
        if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
            out.append(value)
    for handler in getattr(stmt, "handlers", None) or ():
        out.append(handler.body)
    for case in getattr(stmt, "cases", None) or ():
        out.append(case.body)
    return out


def _hazard(nodes: Sequence[ast.AST]) -> Optional[str]:
    """Why libcst must not see these statements, or None."""
    # (node, expression depth); the walk is iterative, so depth costs no stack.
    todo: List[Tuple[ast.AST, int]] = [(n, 0) for n in nodes]
    while todo:
        node, depth = todo.pop()
        if isinstance(node, ast.expr):
            depth += 1
            if depth > MAX_EXPR_DEPTH:
                return f"an expression nested more than {MAX_EXPR_DEPTH} levels deep"
            if isinstance(node, ast.BoolOp) and len(node.values) > MAX_CHAIN:
                return f"a boolean chain of {len(node.values)} terms (the limit is {MAX_CHAIN})"
            if isinstance(node, ast.Compare) and len(node.comparators) > MAX_CHAIN:
                return (
                    f"a comparison chain of {len(node.comparators) + 1} terms "
                    f"(the limit is {MAX_CHAIN})"
                )
        else:
            depth = 0
            if isinstance(node, ast.If):
                chain, cur = 0, node
                while len(cur.orelse) == 1 and isinstance(cur.orelse[0], ast.If):
                    chain += 1
                    cur = cur.orelse[0]
                    if chain > MAX_ELIF:
                        return f"an if statement with more than {MAX_ELIF} elif branches"
        todo.extend((child, depth) for child in ast.iter_child_nodes(node))
    return None


def _regions(text: str, tree: ast.Module, ranges: Sequence[Range]) -> Union[str, List[str]]:
    """The snippets libcst must accept for ``ranges`` (offsets in ``text``), or why not."""
    starts = _line_starts(text)

    def line_of(offset: int) -> int:
        return bisect.bisect_right(starts, offset)  # 1-based

    def spans(rs: Sequence[Range]) -> List[Tuple[int, int]]:
        return [(line_of(a), line_of(max(a, b - 1))) for a, b in rs]

    snippets: List[str] = []
    # (statements, ranges, wrapped): statements are siblings in one block.
    todo = [(tree.body, [r for r in ranges], False)]
    while todo:
        stmts, rs, wrapped = todo.pop()
        stmt_spans = [(_first_line(s), s.end_lineno or s.lineno, s) for s in stmts]
        ends = [s_hi for _, s_hi, _ in stmt_spans]  # ascending: siblings are in order
        clusters: List[List] = []  # [lo, hi, statements, ranges, ids]
        for r, (lo, hi) in sorted(zip(rs, spans(rs)), key=lambda item: item[1]):
            members = []
            k = bisect.bisect_left(ends, lo)
            while k < len(stmt_spans) and stmt_spans[k][0] <= hi:
                members.append(stmt_spans[k][2])
                hi = max(hi, stmt_spans[k][1])  # a statement sharing the last line joins
                k += 1
            if members:
                lo = min(lo, _first_line(members[0]))
            if clusters and lo <= clusters[-1][1]:
                last = clusters[-1]
                last[1] = max(last[1], hi)
                last[2].extend(m for m in members if id(m) not in last[4])
                last[4].update(id(m) for m in members)
                last[3].append(r)
            else:
                clusters.append([lo, hi, members, [r], {id(m) for m in members}])
        for lo, hi, members, crs, _ids in clusters:
            start = starts[lo - 1]
            end = starts[hi] if hi < len(starts) else len(text)
            if end - start <= MAX_REGION_CHARS:
                why = _hazard(members)
                if why is not None:
                    return f"the code around the fix has {why}, which libcst cannot parse safely"
                snippet = text[start:end]
                snippets.append("if 1:\n" + snippet if wrapped else snippet)
                continue
            # Too long: descend into the one compound statement that holds the edits.
            inner = None
            if len(members) == 1:
                for body in _child_bodies(members[0]):
                    b_lo = _first_line(body[0])
                    b_hi = body[-1].end_lineno or body[-1].lineno
                    if all(b_lo <= a and b <= b_hi for a, b in spans(crs)):
                        inner = body
                        break
            if inner is None:
                return (
                    f"the code around the fix is {end - start} characters long, too long "
                    f"for libcst to check safely (the limit is {MAX_REGION_CHARS})"
                )
            todo.append((inner, crs, True))
    return snippets


def edit_ranges(edits) -> Tuple[List[Range], List[Range]]:
    """For non-overlapping ``edits`` sorted by start: their ranges before and after."""
    old, new = [], []
    delta = 0
    for e in edits:
        old.append((e.start, e.end))
        start = e.start + delta
        new.append((start, start + len(e.text)))
        delta += len(e.text) - (e.end - e.start)
    return old, new


def _libcst_fails(snippets: Sequence[str]) -> Optional[BaseException]:
    import libcst

    for snippet in snippets:
        try:
            libcst.parse_module(snippet)
        except Exception as exc:  # libcst.ParserSyntaxError, or its own limits
            return exc
    return None


def parse_problem(new_text: str, old_text: str, edits) -> Optional[str]:
    """Why ``new_text`` (``old_text`` with ``edits`` applied) is not acceptable output."""
    try:
        new_tree = ast.parse(new_text)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        return f"the fixed code would not parse ({' '.join(str(getattr(exc, 'msg', exc)).split())})"
    old_ranges, new_ranges = edit_ranges(edits)
    snippets = _regions(new_text, new_tree, new_ranges)
    if isinstance(snippets, str):
        return snippets
    exc = _libcst_fails(snippets)
    if exc is None:
        return None
    # Does libcst read the same place before the fix? If not (syntax newer than the
    # installed libcst), ast is the judge.
    try:
        old_snippets = _regions(old_text, ast.parse(old_text), old_ranges)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    if isinstance(old_snippets, str) or _libcst_fails(old_snippets) is not None:
        return None
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return f"the fixed code would not parse with libcst ({first})"
