"""gru-lint over real Keras code bases: it must never crash, and must stay quiet.

The corpora (pinned releases of keras 3, tf-keras and Keras 2.3.1) are fetched from
PyPI by ``benchmarks/corpus.py`` into its cache directory on first use.  A failed
download skips these tests; anything gru-lint does wrong fails them.

Run them with ``pytest -m corpus``.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def _load_corpus_module():
    """Import benchmarks/corpus.py by path: ``benchmarks`` is not a package."""
    name = "gru_lint_benchmarks_corpus"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, REPO_ROOT / "benchmarks" / "corpus.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


corpus = _load_corpus_module()

pytestmark = pytest.mark.corpus

CORPORA = ("keras3", "tf-keras", "keras2")

# Findings that are correct and expected: places where a package's own tests pass a
# wrong initial state on purpose (e.g. to check the error message).  Each entry is
# (path relative to the corpus cache directory, code), the path starting with the
# corpus name, e.g. "keras3/keras/src/layers/rnn/gru_test.py".  Every entry needs a
# comment saying why the state there is deliberately wrong.
ALLOWED_FINDINGS: frozenset = frozenset(
    {
        # test_Bidirectional_state_reuse passes one tensor (state[0]) as the initial state of a
        # Bidirectional(LSTM) inside `pytest.raises(ValueError)`: it checks that Keras rejects it.
        ("keras2/tests/keras/layers/wrappers_test.py", "GRU005"),
        # Keras 2.3.1's own ConvLSTM2D test calls layer.get_initial_state(x) with its Input, the
        # Keras 2 signature; under Keras 3 that call fails, which is what GRU013 reports (found
        # once names re-bound in a function are followed: `layer` is bound four times there).
        ("keras2/tests/keras/layers/convolutional_recurrent_test.py", "GRU013"),
        # Keras 2.3.1's stateful-LSTM example calls model.reset_states() on a Sequential (plain
        # `import keras`, so it reads as Keras 3); Keras 3 models have no reset_states(), which is
        # what GRU018 reports.
        ("keras2/examples/lstm_stateful.py", "GRU018"),
    }
)

FINDING = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<code>GRU\d{3})\b(?P<message>.*)$")
CRASH_MARKERS = ("Traceback (most recent call last)", "No module named")
TIMEOUT = 900  # seconds for one corpus; a run that hangs is a failure too


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def _corpus_root(name: str) -> Path:
    try:
        return corpus.ensure(name)
    except corpus.DownloadError as exc:
        pytest.skip(f"could not download the {name} corpus (offline or PyPI unreachable): {exc}")


def _relative(path_text: str, cwd: Path, base: Path) -> str:
    path = Path(path_text)
    if not path.is_absolute():
        path = cwd / path
    try:
        return path.resolve().relative_to(base).as_posix()
    except ValueError:
        return path_text  # outside the corpus: reported as is, and never allowed


def test_allowlist_entries_are_well_formed():
    for entry in ALLOWED_FINDINGS:
        assert isinstance(entry, tuple) and len(entry) == 2, entry
        path, code = entry
        assert path.split("/", 1)[0] in corpus.PINS, f"{entry}: path must start with a corpus name"
        assert re.fullmatch(r"GRU\d{3}", code), f"{entry}: not a gru-lint code"


@pytest.mark.parametrize("name", CORPORA)
def test_gru_lint_on_corpus(name, tmp_path):
    root = _corpus_root(name)
    base = root.parent.resolve()
    cmd = [sys.executable, "-m", "gru_lint", "--no-cache", str(root)]
    try:
        proc = subprocess.run(
            cmd, cwd=tmp_path, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=TIMEOUT
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"gru-lint did not finish on {name} within {TIMEOUT}s")

    where = f"gru-lint on {name} ({len(corpus.corpus_files(name))} files)"
    stderr_tail = "\n".join(proc.stderr.strip().splitlines()[-40:])
    assert proc.returncode != 2, f"{where} exited 2 (error):\n{stderr_tail}"
    assert proc.returncode in (0, 1), f"{where} exited {proc.returncode}:\n{stderr_tail}"
    crashed = [marker for marker in CRASH_MARKERS if marker in proc.stderr]
    assert not crashed, f"{where} crashed:\n{stderr_tail}"

    findings = []
    for line in proc.stdout.splitlines():
        match = FINDING.match(line)
        if match:
            rel = _relative(match["path"], tmp_path, base)
            text = f"{rel}:{match['line']}:{match['col']}: {match['code']}{match['message']}"
            findings.append((rel, match["code"], text))
    if proc.returncode == 1:
        assert findings, f"{where} exited 1 but printed no finding:\n{proc.stdout[-2000:]}\n{stderr_tail}"
    else:
        assert not findings, f"{where} exited 0 but printed findings:\n{proc.stdout[-2000:]}"

    unexpected = sorted(text for rel, code, text in findings if (rel, code) not in ALLOWED_FINDINGS)
    assert not unexpected, (
        f"{where}: {len(unexpected)} finding(s) outside ALLOWED_FINDINGS "
        "(a false positive to fix, or a deliberate wrong state to allowlist with a reason):\n" + "\n".join(unexpected)
    )
