"""Jupyter notebooks as one Python program, and back.

Pure functions on text, no I/O, standard library only (``json``; nbformat's import
alone costs more than checking a file):

* :func:`read_notebook` reads a notebook's bytes into a :class:`Notebook`: its cells
  and, for each code cell, where its ``source`` value sits in the JSON text.
* :func:`virtual_source` joins code cells, in order, into one program (a name imported
  in cell 2 is known in cell 7), with IPython syntax masked line for line so that
  every line keeps its number: ``%magic`` and ``!shell`` lines become ``pass``,
  ``x = !cmd`` becomes ``x = get_ipython()`` (an unknown value), ``obj?`` help
  becomes ``pass``, and a ``%%cell`` magic (``%%writefile``, ``%%bash``, ...) masks its
  whole cell. Each cell is preceded by one marker comment line.
* :meth:`VirtualSource.locate` maps a line of that program to ``(cell, line)``, cells
  numbered from 1 over *all* cells, markdown included, as ruff reports them.
* :meth:`VirtualSource.split` maps a fixed program back to the cells it changed, with
  the masked lines restored, and :meth:`Notebook.with_sources` writes new cell sources
  into the original JSON text: everything outside the changed ``source`` values
  (outputs, metadata, ids, key order, indentation, line endings, non-ASCII text)
  stays byte for byte, and unchanged lines inside them too.
"""

from __future__ import annotations

import codecs
import difflib
import json
import json.decoder
import json.scanner
import re
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

__all__ = [
    "Cell",
    "CodeCell",
    "Notebook",
    "NotebookError",
    "VirtualSource",
    "is_notebook_path",
    "mask_cell",
    "read_notebook",
    "virtual_source",
]

NOTEBOOK_SUFFIX = ".ipynb"
# One line before every code cell in the virtual program: never a line of a cell.
MARKER = "# gru-lint notebook cell "
_MARKER_RE = re.compile(r"^# gru-lint notebook cell (\d+)\n", re.MULTILINE)
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


class NotebookError(ValueError):
    """Not a notebook gru-lint can read (or write back); ``str()`` is one line."""


def is_notebook_path(path: str) -> bool:
    return str(path).lower().endswith(NOTEBOOK_SUFFIX)


def _lines(text: str) -> List[str]:
    return _LINE.findall(text)


# --------------------------------------------------------------------------- IPython syntax

# IPython's own patterns (IPython.core.inputtransformer2): ``x = !cmd`` / ``x = %magic``
# and ``obj?`` / ``obj??`` help.
_ASSIGN_MAGIC = re.compile(r"^(\s*)([\w.,\s\[\]*]+?)\s*=\s*[!%]")
_HELP_END = re.compile(r"^%{0,2}(?!\d)[\w*]+(?:\.(?!\d)[\w*]+)*\?{1,2}$")
_ESCAPES = ("%", "!", "?")


def _masked_line(line: str) -> Optional[str]:
    """The replacement for one logical-line start, or None when it is plain Python."""
    body = line.rstrip("\r\n")
    ending = line[len(body):]
    stripped = body.strip()
    if not stripped:
        return None
    indent = body[: len(body) - len(body.lstrip())]
    if stripped.startswith(_ESCAPES) or _HELP_END.match(stripped):
        return indent + "pass" + ending
    match = _ASSIGN_MAGIC.match(body)
    if match and not stripped.startswith("#"):
        return f"{match.group(1)}{match.group(2).strip()} = get_ipython()" + ending
    return None


class _Lexer:
    """Just enough of Python's lexer to know whether a line starts a logical line."""

    def __init__(self):
        self.depth = 0  # open brackets
        self.quote: Optional[str] = None  # an open triple-quoted string's delimiter
        self.continued = False  # the previous line ended with a backslash

    @property
    def at_statement_start(self) -> bool:
        return self.depth == 0 and self.quote is None and not self.continued

    def feed(self, line: str) -> None:
        text = line.rstrip("\r\n")
        i, n = 0, len(text)
        self.continued = False
        while i < n:
            if self.quote is not None:
                end = text.find(self.quote, i)
                back = text.find("\\", i)
                if back != -1 and (end == -1 or back < end):
                    i = back + 2
                    continue
                if end == -1:
                    return
                i = end + 3
                self.quote = None
                continue
            c = text[i]
            if c == "#":
                return
            if c in "([{":
                self.depth += 1
            elif c in ")]}":
                self.depth = max(0, self.depth - 1)
            elif c in "'\"":
                if text.startswith(c * 3, i):
                    self.quote = c * 3
                    i += 3
                    continue
                j = i + 1
                while j < n and text[j] != c:
                    j += 2 if text[j] == "\\" else 1
                i = j + 1
                continue
            elif c == "\\" and i == n - 1:
                self.continued = True
            i += 1


def mask_cell(source: str) -> Tuple[List[str], bool]:
    """``(lines, whole)``: the cell's lines with IPython syntax masked, one for one.

    ``whole`` is True for a cell magic (``%%...`` on the first non-blank line): all its
    lines are blanked, since its body is not Python (or not run as this program).
    """
    lines = _lines(source)
    first = next((ln for ln in lines if ln.strip()), "")
    if first.lstrip().startswith("%%"):
        return [line[len(line.rstrip("\r\n")):] or "" for line in lines], True
    out: List[str] = []
    lexer = _Lexer()
    masking = False  # inside a backslash-continued magic
    for line in lines:
        if masking:
            masking = line.rstrip("\r\n").endswith("\\")
            out.append(line[len(line.rstrip("\r\n")):])
            continue
        if lexer.at_statement_start:
            masked = _masked_line(line)
            if masked is not None:
                out.append(masked)
                masking = line.rstrip("\r\n").endswith("\\")
                continue
        lexer.feed(line)
        out.append(line)
    return out, False


# --------------------------------------------------------------------------- cells


@dataclass(frozen=True)
class Cell:
    """One cell of a notebook: ``number`` counts from 1 over all cells."""

    number: int
    kind: str  # "code", "markdown", "raw"
    source: str


@dataclass(frozen=True)
class CodeCell:
    """A code cell's place in the virtual program."""

    number: int
    first_line: int  # line of the program holding the cell's first line
    original: Tuple[str, ...]  # the cell's lines, with their endings
    masked: Tuple[str, ...]  # the same lines as the program holds them
    whole_masked: bool  # a cell magic: nothing of it is analysed
    added_newline: bool  # the program ends the cell with a line break it lacked

    @property
    def line_count(self) -> int:
        return len(self.original)

    @property
    def program(self) -> Tuple[str, ...]:
        """The masked lines exactly as the program holds them."""
        return _with_final_newline(self.masked, self.added_newline)

    @property
    def original_program(self) -> Tuple[str, ...]:
        """The cell's own lines, ended as the program ends them."""
        return _with_final_newline(self.original, self.added_newline)


def _with_final_newline(lines: Tuple[str, ...], added: bool) -> Tuple[str, ...]:
    if not added or not lines:
        return lines
    return lines[:-1] + (lines[-1] + "\n",)


class VirtualSource:
    """The code cells of a notebook as one program, and the map back to cells."""

    def __init__(self, text: str, cells: Sequence[CodeCell]):
        self.text = text
        self.cells: Tuple[CodeCell, ...] = tuple(cells)
        self._by_number = {c.number: c for c in self.cells}

    def locate(self, line: int) -> Optional[Tuple[int, int]]:
        """``(cell number, line in cell)`` for a 1-based program line; None for a marker."""
        lo, hi = 0, len(self.cells) - 1
        found = None
        while lo <= hi:  # the last cell starting at or before ``line``
            mid = (lo + hi) // 2
            if self.cells[mid].first_line <= line:
                found, lo = self.cells[mid], mid + 1
            else:
                hi = mid - 1
        if found is None:
            return None
        row = line - found.first_line + 1
        if row > found.line_count:
            return None
        return found.number, row

    def cell(self, number: int) -> Optional[CodeCell]:
        return self._by_number.get(number)

    def cell_lines(self, number: int) -> Tuple[str, ...]:
        cell = self._by_number.get(number)
        return cell.original if cell is not None else ()

    def split(self, new_text: str) -> Dict[int, str]:
        """The new source of every code cell that ``new_text`` (a fixed program) changes.

        Masked lines get their IPython text back. Raises :class:`NotebookError` when the
        change cannot be put back into cells (a marker or a masked line was edited).
        """
        if new_text == self.text:
            return {}
        marks = list(_MARKER_RE.finditer(new_text))
        if [int(m.group(1)) for m in marks] != [c.number for c in self.cells]:
            raise NotebookError("a fix crossed a cell boundary; notebook left unchanged")
        changed: Dict[int, str] = {}
        prefix = new_text[: marks[0].start()] if marks else ""
        for i, (cell, mark) in enumerate(zip(self.cells, marks)):
            end = marks[i + 1].start() if i + 1 < len(marks) else len(new_text)
            body = new_text[mark.end():end]
            if i == 0:
                body = prefix + body
            new_lines = _lines(body)
            if tuple(new_lines) == cell.program:
                continue
            if cell.whole_masked:
                raise NotebookError(f"a fix edited cell {cell.number}, a cell magic")
            restored = _restore(cell, new_lines)
            text = "".join(restored)
            if cell.added_newline and text.endswith("\n"):
                text = text[:-1]
            if text != "".join(cell.original):
                changed[cell.number] = text
        return changed


def _restore(cell: CodeCell, new_lines: List[str]) -> List[str]:
    out: List[str] = []
    program, original = cell.program, cell.original_program
    matcher = difflib.SequenceMatcher(None, list(program), new_lines, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.extend(original[i1:i2])
            continue
        if any(program[k] != original[k] for k in range(i1, i2)):
            raise NotebookError(f"a fix edited an IPython line of cell {cell.number}")
        out.extend(new_lines[j1:j2])
    return out


def virtual_source(cells: Iterable[Cell]) -> VirtualSource:
    """Join the code cells of ``cells`` into one program (see the module doc)."""
    parts: List[str] = []
    code: List[CodeCell] = []
    line = 1
    for cell in cells:
        if cell.kind != "code":
            continue
        original = _lines(cell.source)
        masked, whole = mask_cell(cell.source)
        added = bool(original) and not original[-1].endswith(("\n", "\r"))
        parts.append(f"{MARKER}{cell.number}\n")
        entry = CodeCell(cell.number, line + 1, tuple(original), tuple(masked), whole, added)
        parts.extend(entry.program)
        code.append(entry)
        line += 1 + len(original)
    return VirtualSource("".join(parts), code)


# --------------------------------------------------------------------------- JSON


_WS = re.compile(r"[ \t\n\r]*")


class _Scanner:
    """Positions of values in JSON text, using the standard library's own scanner."""

    def __init__(self, text: str):
        self.text = text
        self.value = json.scanner.make_scanner(json.JSONDecoder())

    def ws(self, i: int) -> int:
        return _WS.match(self.text, i).end()

    def expect(self, i: int, char: str) -> int:
        if self.text[i : i + 1] != char:
            raise NotebookError(f"expected {char!r} at offset {i}")
        return i + 1

    def skip(self, i: int) -> int:
        try:
            _, end = self.value(self.text, i)
        except StopIteration:
            raise NotebookError(f"expected a JSON value at offset {i}") from None
        return end

    def members(self, i: int):
        """Yield ``(key, value_start)`` of an object at ``i``; the caller must set ``self.end``
        to where each value ends. The object's end is in ``self.close`` afterwards."""
        i = self.expect(self.ws(i), "{")
        i = self.ws(i)
        if self.text[i : i + 1] == "}":
            self.close = i + 1
            return
        while True:
            i = self.expect(i, '"')
            key, i = json.decoder.scanstring(self.text, i)
            i = self.expect(self.ws(i), ":")
            start = self.ws(i)
            self.end = None
            yield key, start
            i = self.ws(self.end if self.end is not None else self.skip(start))
            if self.text[i : i + 1] == "}":
                self.close = i + 1
                return
            i = self.ws(self.expect(i, ","))

    def elements(self, i: int):
        """Yield the start of each element of an array at ``i`` (caller sets ``self.end``)."""
        i = self.expect(self.ws(i), "[")
        i = self.ws(i)
        if self.text[i : i + 1] == "]":
            self.close = i + 1
            return
        while True:
            self.end = None
            yield i
            i = self.ws(self.end if self.end is not None else self.skip(i))
            if self.text[i : i + 1] == "]":
                self.close = i + 1
                return
            i = self.ws(self.expect(i, ","))


def _source_spans(text: str, count: int) -> List[Optional[Tuple[int, int]]]:
    """Where each cell's ``source`` value lies in ``text`` (the last one, for duplicate keys)."""
    scan = _Scanner(text)
    spans: List[Optional[Tuple[int, int]]] = []
    for key, start in scan.members(0):
        if key != "cells":
            continue
        spans = []
        for cell_start in scan.elements(start):
            span = None
            for cell_key, value_start in scan.members(cell_start):
                if cell_key == "source":
                    scan.end = scan.skip(value_start)
                    span = (value_start, scan.end)
            scan.end = scan.close
            spans.append(span)
        scan.end = scan.close
    if len(spans) != count:  # pragma: no cover - json.loads and the scanner disagree
        raise NotebookError("could not locate the cells in the JSON text")
    return spans


@dataclass(frozen=True)
class _Element:
    start: int
    end: int
    value: str


def _list_elements(text: str, start: int) -> List[_Element]:
    scan = _Scanner(text)
    out = []
    for i in scan.elements(start):
        value, end = scan.value(text, i)
        scan.end = end
        out.append(_Element(i, end, value))
    return out


class Notebook:
    """A notebook as read: its JSON text, its cells and where their sources lie."""

    def __init__(self, path: str, data: bytes, text: str, bom: bool, cells: Sequence[Cell],
                 spans: Sequence[Optional[Tuple[int, int]]], language: Optional[str]):
        self.path = path
        self.data = data
        self.text = text
        self.bom = bom
        self.cells: Tuple[Cell, ...] = tuple(cells)
        self._spans = list(spans)
        self.language = language  # the kernel's language, when the notebook says
        self._virtual: Optional[VirtualSource] = None

    @property
    def is_python(self) -> bool:
        return self.language is None or self.language.lower() in ("python", "python3", "ipython")

    @property
    def virtual(self) -> VirtualSource:
        if self._virtual is None:
            cells = self.cells if self.is_python else ()
            self._virtual = virtual_source(cells)
        return self._virtual

    def _ensure_ascii(self) -> bool:
        """Write new text as the file already does: raw UTF-8 (Jupyter's way) unless the
        file spells non-ASCII characters only as ``\\u`` escapes."""
        return self.text.isascii() and "\\u" in self.text

    def _encode_value(self, number: int, source: str) -> str:
        span = self._spans[number - 1]
        if span is None:
            raise NotebookError(f"cell {number} has no source to rewrite")
        start, end = span
        ascii_only = self._ensure_ascii()
        if self.text[start] == '"':
            return json.dumps(source, ensure_ascii=ascii_only)
        old = _list_elements(self.text, start)
        new_lines = _lines(source)
        matcher = difflib.SequenceMatcher(None, [e.value for e in old], new_lines, autojunk=False)
        items: List[str] = []
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal":
                items.extend(self.text[e.start : e.end] for e in old[i1:i2])
            else:
                items.extend(json.dumps(line, ensure_ascii=ascii_only) for line in new_lines[j1:j2])
        if not items:
            return "[]"
        if not old:
            return "[" + ", ".join(items) + "]"
        opening = self.text[start + 1 : old[0].start]
        closing = self.text[old[-1].end : end - 1]
        if len(old) >= 2:
            separator = self.text[old[0].end : old[1].start]
        else:
            separator = "," + (opening if opening else " ")
        return "[" + opening + separator.join(items) + closing + "]"

    def fixed(self, new_program: str) -> bytes:
        """The notebook's bytes once its program (``virtual.text``) became ``new_program``.

        The very input bytes when no cell changed; :class:`NotebookError` when the change
        cannot be put back into cells.
        """
        sources = self.virtual.split(new_program)
        return self.with_sources(sources) if sources else self.data

    def with_sources(self, sources: Dict[int, str]) -> bytes:
        """The notebook's bytes with the given cells' sources replaced, nothing else touched."""
        text = self.text
        for number in sorted(sources, reverse=True):
            start, end = self._spans[number - 1] or (0, 0)
            text = text[:start] + self._encode_value(number, sources[number]) + text[end:]
        data = text.encode("utf-8")
        return codecs.BOM_UTF8 + data if self.bom else data


def _one_line(message: str) -> str:
    return " ".join(str(message).split())


def read_notebook(data: bytes, path: str = "<notebook>") -> Notebook:
    """Parse a notebook's bytes; :class:`NotebookError` (one line) when it is not one."""
    bom = data.startswith(codecs.BOM_UTF8)
    try:
        text = data[3:].decode("utf-8") if bom else data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotebookError(
            f"not a valid notebook: cannot decode as utf-8: {exc.reason} (offset {exc.start})"
        ) from None
    try:
        doc = json.loads(text)
    except ValueError as exc:  # json.JSONDecodeError
        msg = getattr(exc, "msg", str(exc))
        where = f" (line {exc.lineno}, column {exc.colno})" if hasattr(exc, "lineno") else ""
        raise NotebookError(f"not a valid notebook: invalid JSON: {_one_line(msg)}{where}") from None
    except RecursionError:
        raise NotebookError("not a valid notebook: JSON nested too deeply") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("cells"), list):
        nbformat = doc.get("nbformat") if isinstance(doc, dict) else None
        if isinstance(nbformat, int) and nbformat < 4:
            raise NotebookError(f"unsupported notebook format {nbformat} (only version 4 is read)")
        raise NotebookError("not a valid notebook: no list of cells")
    cells: List[Cell] = []
    for i, raw in enumerate(doc["cells"], 1):
        if not isinstance(raw, dict):
            raise NotebookError(f"not a valid notebook: cell {i} is not an object")
        kind = raw.get("cell_type")
        source = raw.get("source", "")
        if isinstance(source, list) and all(isinstance(s, str) for s in source):
            source = "".join(source)
        elif not isinstance(source, str):
            raise NotebookError(f"not a valid notebook: cell {i} has a source that is not text")
        cells.append(Cell(i, kind if isinstance(kind, str) else "", source))
    metadata = doc.get("metadata")
    language = None
    if isinstance(metadata, dict):
        info = metadata.get("language_info")
        spec = metadata.get("kernelspec")
        if isinstance(info, dict) and isinstance(info.get("name"), str):
            language = info["name"]
        elif isinstance(spec, dict) and isinstance(spec.get("language"), str):
            language = spec["language"]
    spans = _source_spans(text, len(cells))
    return Notebook(path, data, text, bom, cells, spans, language)
