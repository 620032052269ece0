"""Show (and with ``--write``, store) the fixer's output for fixtures, to review by eye.

    python tests/fix_goldens.py [--write] [FIXTURE ...]

For each fixture (all of ``tests/fixtures`` by default) this prints the diff between
the fixture and what ``fix_source`` makes of it, safe fixes only and then with unsafe
fixes, and says whether the stored goldens agree. Goldens, next to the fixture:

* ``NAME.fixed.py``: the output with safe fixes only, when that changes anything;
* ``NAME.unsafe.fixed.py``: the output with unsafe fixes too, when it differs from
  the safe output.

Notebooks (``NAME.ipynb``) get ``NAME.fixed.ipynb`` and ``NAME.unsafe.fixed.ipynb``
the same way: the notebook with its code cells fixed as one program.

``--write`` stores the current output as the goldens (and deletes goldens that are no
longer needed). Read every diff before committing a golden.
"""

from __future__ import annotations

import difflib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from gru_lint.core import fix_source  # noqa: E402

FIXTURE_DIR = HERE / "fixtures"


def golden_paths(path: Path):
    suffix = path.suffix
    stem = path.name[: -len(suffix)]
    return (path.with_name(stem + ".fixed" + suffix),
            path.with_name(stem + ".unsafe.fixed" + suffix))


def is_fixture(path: Path) -> bool:
    if path.suffix == ".ipynb":
        return not path.name.endswith(".fixed.ipynb") and not path.name.startswith("invalid_")
    return path.suffix == ".py" and not path.name.endswith(".fixed.py")


def read(path: Path) -> str:
    if path.suffix == ".ipynb":  # compared and written byte for byte
        return path.read_bytes().decode("utf-8")
    with open(path, encoding="utf-8", newline="") as fh:
        return fh.read()


def write(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)


def fix_notebook(data: bytes, unsafe: bool = False) -> bytes:
    """A notebook's bytes with its code cells fixed as one program."""
    from gru_lint.notebook import read_notebook

    notebook = read_notebook(data)
    return notebook.fixed(fix_source(notebook.virtual.text, unsafe=unsafe).text)


def expected(path: Path):
    """(input, safe output, unsafe output) of the fixer on ``path``."""
    text = read(path)
    if path.suffix == ".ipynb":
        data = path.read_bytes()
        return (text, fix_notebook(data).decode("utf-8"),
                fix_notebook(data, unsafe=True).decode("utf-8"))
    return text, fix_source(text).text, fix_source(text, unsafe=True).text


def _diff(old: str, new: str, label: str) -> str:
    return "".join(difflib.unified_diff(old.splitlines(True), new.splitlines(True),
                                        f"{label} (before)", f"{label} (fixed)"))


def main(argv) -> int:
    do_write = "--write" in argv
    paths = [Path(a).resolve() for a in argv if not a.startswith("--")]
    if not paths:
        paths = sorted(p for p in FIXTURE_DIR.rglob("*") if p.is_file() and is_fixture(p))
    stale = 0
    for path in paths:
        original, safe, unsafe = expected(path)
        safe_golden, unsafe_golden = golden_paths(path)
        want = {safe_golden: safe if safe != original else None,
                unsafe_golden: unsafe if unsafe != safe else None}
        for golden, text in want.items():
            have = read(golden) if golden.exists() else None
            if have == text:
                continue
            stale += 1
            base = safe if golden == unsafe_golden else original
            print(f"=== {golden.relative_to(HERE.parent)}: "
                  f"{'would remove' if text is None else 'new output'}")
            if text is not None:
                print(_diff(base, text, path.name))
            if do_write:
                if text is None:
                    golden.unlink()
                else:
                    write(golden, text)
    print(f"{stale} golden(s) {'written' if do_write else 'out of date'}")
    return 1 if stale and not do_write else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
