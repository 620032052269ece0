"""The notebook module: IPython masking, the cell map, and byte-exact write-back."""

from __future__ import annotations

import codecs
import json

import pytest

from gru_lint.core import check_source, fix_source
from gru_lint.notebook import (
    Cell,
    NotebookError,
    is_notebook_path,
    mask_cell,
    read_notebook,
    virtual_source,
)

BUG = (
    "x = np.zeros((4, 5, 3), 'float32')\n"
    "h = np.zeros((6,), 'float32')\n"
    "y = keras.layers.GRU(6)(x, initial_state=h)"
)


def notebook(*cells, indent=1, **kw):
    doc = {"cells": list(cells), "metadata": {"language_info": {"name": "python"}},
           "nbformat": 4, "nbformat_minor": 5}
    doc.update(kw)
    return (json.dumps(doc, indent=indent, ensure_ascii=False) + "\n").encode("utf-8")


def code(source, as_list=True, **extra):
    lines = source.splitlines(True)
    cell = {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": []}
    cell.update(extra)
    cell["source"] = lines if as_list else source
    return cell


def markdown(source):
    return {"cell_type": "markdown", "metadata": {}, "source": source.splitlines(True)}


IMPORTS = code("import numpy as np\nimport keras\n")


# --------------------------------------------------------------------------- masking


@pytest.mark.parametrize("line, masked", [
    ("%matplotlib inline\n", "pass\n"),
    ("!pip install keras\n", "pass\n"),
    ("!!ls\n", "pass\n"),
    ("files = !ls *.csv\n", "files = get_ipython()\n"),
    ("a, b = %sx echo 1\n", "a, b = get_ipython()\n"),
    ("np.zeros?\n", "pass\n"),
    ("keras.layers.GRU??\n", "pass\n"),
    ("?np.zeros\n", "pass\n"),
    ("    %time y = f(x)\n", "    pass\n"),
    ("x = 1\n", "x = 1\n"),
    ("x != y\n", "x != y\n"),
    ("# %matplotlib inline\n", "# %matplotlib inline\n"),
])
def test_masked_lines(line, masked):
    lines, whole = mask_cell(line)
    assert lines == [masked] and not whole


def test_magic_like_lines_inside_strings_and_brackets_are_python():
    source = 'doc = """\n%not a magic\n!nor this\n"""\nratio = (a\n         % b)\ns = "x" \\\n    "y"\n'
    lines, _ = mask_cell(source)
    assert "".join(lines) == source


def test_backslash_continued_magic_masks_its_lines():
    lines, _ = mask_cell("%time f(1, \\\n    2)\nx = 1\n")
    assert lines == ["pass\n", "\n", "x = 1\n"]


def test_cell_magic_masks_the_whole_cell_keeping_lines():
    lines, whole = mask_cell("\n%%writefile helpers.py\nimport os\nx = 1")
    assert whole and lines == ["\n", "\n", "\n", ""]


# --------------------------------------------------------------------------- the program


def test_cells_are_one_program_with_positions_per_cell():
    nb = read_notebook(notebook(markdown("# Title\n"), IMPORTS, markdown("text\n"),
                                code("%matplotlib inline\n" + BUG)))
    virtual = nb.virtual
    (diag,) = check_source(virtual.text)
    assert diag.code == "GRU001"
    assert virtual.locate(diag.line) == (4, 4)  # cell 4 of 4, counting markdown
    assert virtual.locate(1) is None  # a marker line
    assert virtual.cell_lines(4)[0] == "%matplotlib inline\n"


def test_every_line_maps_back():
    cells = [Cell(1, "code", "a = 1\nb = 2"), Cell(2, "markdown", "x"), Cell(3, "code", ""),
             Cell(4, "code", "c = 3\n")]
    virtual = virtual_source(cells)
    mapped = [virtual.locate(n) for n in range(1, virtual.text.count("\n") + 1)]
    assert mapped == [None, (1, 1), (1, 2), None, None, (4, 1)]


def test_no_code_cells_is_an_empty_program():
    nb = read_notebook(notebook(markdown("# nothing\n")))
    assert nb.virtual.text == "" and check_source(nb.virtual.text) == []


def test_other_kernel_languages_are_not_analysed():
    data = notebook(IMPORTS, code(BUG), metadata={"language_info": {"name": "R"}})
    assert read_notebook(data).virtual.text == ""


# --------------------------------------------------------------------------- writing back


def fixed(data: bytes, unsafe=False) -> bytes:
    nb = read_notebook(data)
    return nb.fixed(fix_source(nb.virtual.text, unsafe=unsafe).text)


@pytest.mark.parametrize("indent", [1, 2, 4])
@pytest.mark.parametrize("as_list", [True, False])
def test_fix_rewrites_only_the_cell_source(indent, as_list):
    data = notebook(markdown("# Ümlaut — 日本語\n"), IMPORTS,
                    code(BUG, as_list, execution_count=3, id="abc",
                         outputs=[{"output_type": "stream", "name": "stdout", "text": ["ok\n"]}]),
                    indent=indent)
    out = fixed(data)
    assert out != data
    assert out.replace(b"(4, 6)", b"(6,)") == data
    assert fixed(out) == out


def test_crlf_json_and_bom_are_kept():
    data = codecs.BOM_UTF8 + notebook(IMPORTS, code(BUG)).replace(b"\n", b"\r\n")
    out = fixed(data)
    assert out.startswith(codecs.BOM_UTF8)
    assert out.replace(b"(4, 6)", b"(6,)") == data


def test_ascii_escaped_notebooks_stay_escaped():
    doc = notebook(markdown("caf\u00e9\n"), IMPORTS, code(BUG + "  # \u00e9t\u00e9\n"))
    data = json.dumps(json.loads(doc), indent=1, ensure_ascii=True).encode()
    out = fixed(data)
    assert out.isascii() and out.replace(b"(4, 6)", b"(6,)") == data


def test_fix_adding_a_line_stays_in_its_cell():
    data = notebook(code("import numpy as np\nimport tensorflow as tf\nimport keras\n"),
                    code("inputs = keras.Input((5, 3))\n"
                         "h = np.zeros((6,), 'float32')\n"
                         "y = keras.layers.GRU(6)(inputs, initial_state=h)\n"))
    nb = read_notebook(data)
    new = fix_source(nb.virtual.text).text
    assert nb.virtual.split(new).keys() <= {1, 2}
    assert fixed(fixed(data)) == fixed(data)


def test_masked_lines_come_back():
    data = notebook(IMPORTS, code("%time z = 1\n!echo hi\n" + BUG + "\nfiles = !ls\n"))
    out = fixed(data)
    cell = json.loads(out)["cells"][1]["source"]
    assert cell[:2] == ["%time z = 1\n", "!echo hi\n"] and cell[-1] == "files = !ls\n"


def test_nothing_to_fix_returns_the_same_bytes():
    data = notebook(IMPORTS, code("x = 1\n"))
    assert fixed(data) is read_notebook(data).data or fixed(data) == data


def test_a_change_across_cells_is_refused():
    nb = read_notebook(notebook(IMPORTS, code(BUG)))
    broken = nb.virtual.text.replace("# gru-lint notebook cell 2\n", "")
    with pytest.raises(NotebookError):
        nb.virtual.split(broken)


def test_a_change_to_a_magic_line_is_refused():
    nb = read_notebook(notebook(IMPORTS, code("%time z = 1\n" + BUG)))
    with pytest.raises(NotebookError):
        nb.virtual.split(nb.virtual.text.replace("pass\n", "z = 2\n", 1))


# --------------------------------------------------------------------------- reading


@pytest.mark.parametrize("data, words", [
    (b'{"cells": [', "invalid JSON"),
    (b"\xff\xfe{}", "cannot decode"),
    (b"[]", "no list of cells"),
    (b'{"nbformat": 3, "worksheets": []}', "format 3"),
    (b'{"cells": [1]}', "cell 1 is not an object"),
    (b'{"cells": [{"cell_type": "code", "source": 3}]}', "not text"),
])
def test_invalid_notebooks_give_one_line(data, words):
    with pytest.raises(NotebookError) as info:
        read_notebook(data, "x.ipynb")
    assert words in str(info.value) and "\n" not in str(info.value)


def test_duplicate_keys_read_as_json_does():
    text = ('{"cells": [{"cell_type": "code", "source": "a = 1", "source": "b = 2"}],'
            ' "metadata": {}, "nbformat": 4}')
    nb = read_notebook(text.encode())
    assert nb.cells[0].source == "b = 2"
    assert nb.with_sources({1: "c = 3"}) == text.replace('"b = 2"', '"c = 3"').encode()


def test_notebook_paths():
    assert is_notebook_path("a/b.ipynb") and is_notebook_path("B.IPYNB")
    assert not is_notebook_path("a.py")
