"""Show (and with ``--write``, store) the fixer's output for fixtures, to review by eye.

    python tests/fix_goldens.py [--write] [FIXTURE ...]
    python tests/fix_goldens.py --count [FIXTURE ...]

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

``--count`` measures what ``--fix --unsafe-fixes`` repairs: for every bug fixture (a
fixture outside the ``clean*`` folders) it counts the ``# error: [...]`` markers, how many
of them are gone after the fixer ran (per code: markers minus the findings of that code
left in the output), and credits them only when the output runs cleanly under TensorFlow
the way ``test_golden_runs_under_keras`` checks a golden (what gru-lint still reports
there must fail as its rule says, everything else must run). It prints one line per
fixture the fixer changed, then ``fixed N of M markers``. It runs every changed
fixture under TensorFlow: minutes, not seconds.
"""

from __future__ import annotations

import difflib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(1, str(HERE))

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


def _program(path: Path, text: str, directory: Path) -> Path:
    """A file the oracle can run: the fixture's (fixed) text, a notebook's cells as one program."""
    from oracle import notebook_program

    target = directory / path.name
    target.write_bytes(text.encode("utf-8"))
    return notebook_program(target, directory) if path.suffix == ".ipynb" else target


def count(paths) -> int:
    """Markers of bug fixtures gone after ``--fix --unsafe-fixes``, whose output runs cleanly."""
    import collections
    import tempfile

    from oracle import observe, parse_markers, verdict

    from gru_lint.core import check_source, parse
    from gru_lint.keras_version import detect
    from gru_lint.rules import RULES

    total = fixed = 0
    for path in paths:
        if path.parent.name.startswith("clean") or not is_fixture(path):
            continue
        original, _, unsafe = expected(path)
        with tempfile.TemporaryDirectory(prefix="gru-lint-count-") as tmp:
            before = _program(path, original, Path(tmp))
            markers = collections.Counter(c for codes in parse_markers(before).values() for c in codes)
            total += sum(markers.values())
            if unsafe == original or not markers:
                continue
            (Path(tmp) / "fixed").mkdir()
            after = _program(path, unsafe, Path(tmp) / "fixed")
            text = after.read_text(encoding="utf-8")
            remaining = collections.Counter(d.code for d in check_source(text))
            gone = sum(max(0, n - remaining[code]) for code, n in markers.items())
            if not gone:
                continue
            left = {}
            for diag in check_source(text):
                left.setdefault(diag.line, set()).add(diag.code)
            version = detect(parse(text))
            effects = {code: rule.effects_for(version) for code, rule in RULES.items()}
            problems = verdict(observe(after, "tf_keras" if version == 2 else "keras"), left, effects)
        name = path.relative_to(FIXTURE_DIR) if FIXTURE_DIR in path.parents else path
        if problems:
            print(f"{name}: {gone} of {sum(markers.values())} gone, but the output does not run "
                  f"cleanly: {problems[0]}")
            continue
        fixed += gone
        print(f"{name}: {gone} of {sum(markers.values())} fixed")
    print(f"fixed {fixed} of {total} markers in bug fixtures (--fix --unsafe-fixes, output runs "
          f"cleanly under TensorFlow)")
    return 0


def main(argv) -> int:
    do_write = "--write" in argv
    paths = [Path(a).resolve() for a in argv if not a.startswith("--")]
    if not paths:
        paths = sorted(p for p in FIXTURE_DIR.rglob("*") if p.is_file() and is_fixture(p))
    if "--count" in argv:
        return count(paths)
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
