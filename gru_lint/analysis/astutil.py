"""``ast.iter_child_nodes`` and ``ast.walk``, the same nodes in the same order, faster.

The standard ones go through ``ast.iter_fields`` generators; these read ``_fields``
directly. They run over every expression the analysis registers or searches.
"""

from __future__ import annotations

import ast
from collections import deque
from typing import Iterator, List

_AST = ast.AST


def child_nodes(node: ast.AST) -> List[ast.AST]:
    """What ``ast.iter_child_nodes(node)`` yields, as a list."""
    out = []
    for name in node._fields:
        value = getattr(node, name, None)
        if isinstance(value, _AST):
            out.append(value)
        elif type(value) is list:
            for item in value:
                if isinstance(item, _AST):
                    out.append(item)
    return out


def walk(node: ast.AST) -> Iterator[ast.AST]:
    """What ``ast.walk(node)`` yields, in the same (breadth-first) order."""
    todo = deque([node])
    while todo:
        node = todo.popleft()
        todo.extend(child_nodes(node))
        yield node
