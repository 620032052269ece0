"""``ast.iter_child_nodes`` and ``ast.walk``, faster, without expression contexts.

The standard ones go through ``ast.iter_fields`` generators; these read each node
type's fields from a table built once. They yield the same nodes in the same order,
except the ``Load``/``Store``/``Del`` markers of names, attributes and subscripts
(read as ``node.ctx`` where needed): a third of all nodes, and never a site. They run
over every expression the analysis registers or searches.
"""

from __future__ import annotations

import ast
from collections import deque
from typing import Dict, Iterator, List, Tuple

_AST = ast.AST
_FIELDS: Dict[type, Tuple[str, ...]] = {}


def _fields(cls: type) -> Tuple[str, ...]:
    found = _FIELDS[cls] = tuple(name for name in cls._fields if name != "ctx")
    return found


def child_nodes(node: ast.AST) -> List[ast.AST]:
    """What ``ast.iter_child_nodes(node)`` yields (expression contexts left out), as a list."""
    out = []
    cls = type(node)
    fields = _FIELDS.get(cls)
    if fields is None:
        fields = _fields(cls)
    for name in fields:
        value = getattr(node, name, None)
        if isinstance(value, _AST):
            out.append(value)
        elif type(value) is list:
            for item in value:
                if isinstance(item, _AST):
                    out.append(item)
    return out


def walk(node: ast.AST) -> Iterator[ast.AST]:
    """What ``ast.walk(node)`` yields (expression contexts left out), in the same order."""
    todo = deque([node])
    while todo:
        node = todo.popleft()
        todo.extend(child_nodes(node))
        yield node
