"""The pre-commit hooks (``.pre-commit-hooks.yaml``) and nbQA, run for real.

pre-commit installs a hook repository from a git revision, so these tests first
commit a snapshot of this working tree (tracked and untracked files, minus what
``.gitignore`` excludes) into a throw-away repository. ``pre-commit try-repo``
on this repository itself would not do: with uncommitted changes it snapshots
only staged and modified tracked files, never new ones.

Each ``pre-commit`` run builds a virtualenv and pip-installs gru-lint (and
libcst) into it, so this needs a package index and takes a little while; the
tests share one pre-commit home so the documented configurations build it once.

``pre-commit try-repo`` also runs both hooks on a notebook. The configurations are
the ones in the README, with their
placeholder ``repo:``/``rev:`` pointed at the snapshot.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from readme_snippets import snippet

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

HAVE_PRE_COMMIT = importlib.util.find_spec("pre_commit") is not None or shutil.which("pre-commit")
needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
needs_pre_commit = pytest.mark.skipif(not HAVE_PRE_COMMIT, reason="pre-commit is not installed")

# Every finding here has a safe fix: GRU takes one state, the second is dropped.
BUGGY_MODEL = '''
    import numpy as np
    import keras

    x = np.zeros((4, 5, 3), "float32")
    h = np.zeros((4, 6), "float32")
    y = keras.layers.GRU(6)(x, initial_state=[h, h])
'''
FINDING_LINE = 6


# --------------------------------------------------------------------------- processes


def _env(extra=None):
    env = dict(os.environ)
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "SKIP"):
        env.pop(name, None)  # e.g. when the suite itself runs inside a git hook
    env.update(
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_AUTHOR_NAME="gru-lint tests",
        GIT_AUTHOR_EMAIL="tests@example.invalid",
        GIT_COMMITTER_NAME="gru-lint tests",
        GIT_COMMITTER_EMAIL="tests@example.invalid",
        PYTHONIOENCODING="utf-8",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    env.update(extra or {})
    return env


def git(*args, cwd):
    return subprocess.run(
        ["git", *args], cwd=str(cwd), env=_env(), capture_output=True, text=True, check=True
    ).stdout


def git_repo(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git("init", "-q", cwd=path)
    git("config", "user.name", "gru-lint tests", cwd=path)
    git("config", "user.email", "tests@example.invalid", cwd=path)
    git("config", "commit.gpgsign", "false", cwd=path)
    return path


def commit_all(path: Path) -> str:
    git("add", "-A", cwd=path)
    git("commit", "-q", "--allow-empty", "-m", "snapshot", cwd=path)
    return git("rev-parse", "HEAD", cwd=path).strip()


def pre_commit(*args, cwd, home):
    if importlib.util.find_spec("pre_commit") is not None:
        argv = [sys.executable, "-m", "pre_commit"]
    else:
        argv = [shutil.which("pre-commit")]
    result = subprocess.run(
        [*argv, *args, "--color", "never"],
        cwd=str(cwd),
        env=_env({"PRE_COMMIT_HOME": str(home)}),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=600,
    )
    result.output = result.stdout + result.stderr
    return result


def gru_lint(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "gru_lint", "--no-cache", *args],
        cwd=str(cwd),
        env=_env(),
        capture_output=True,
        text=True,
        encoding="utf-8",
    )


# --------------------------------------------------------------------------- fixtures


def _working_tree_files():
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=str(ROOT), env=_env(), capture_output=True, check=True,
        ).stdout.decode().split("\0")
    except (subprocess.CalledProcessError, OSError):  # not a git checkout: the essentials
        listed = [str(p.relative_to(ROOT)) for p in (ROOT / "gru_lint").rglob("*.py")]
        listed += [n for n in ("pyproject.toml", ".pre-commit-hooks.yaml", "README.md", "LICENSE")]
    return sorted({n for n in listed if n and (ROOT / n).is_file()})


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory):
    """A committed copy of this working tree: (path, revision)."""
    snap = git_repo(tmp_path_factory.mktemp("hook-repo"))
    for name in _working_tree_files():
        target = snap / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    assert (snap / ".pre-commit-hooks.yaml").is_file()
    return snap, commit_all(snap)


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory):
    return tmp_path_factory.mktemp("pre-commit-home")


def make_project(path: Path, files) -> Path:
    git_repo(path)
    for name, text in files.items():
        (path / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    commit_all(path)
    return path


def documented_config(name: str, repo: Path, rev: str) -> str:
    text = snippet(name)
    text, n_repo = re.subn(r"(?m)^(\s*-?\s*repo:\s*)\S+", lambda m: m.group(1) + str(repo), text)
    text, n_rev = re.subn(r"(?m)^(\s*rev:\s*)\S+", lambda m: m.group(1) + rev, text)
    assert n_repo == 1 and n_rev == 1, text
    return text


def expected_fix(tmp_path: Path) -> str:
    """What ``gru-lint --fix`` itself makes of the buggy model."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    (scratch / "model.py").write_text(textwrap.dedent(BUGGY_MODEL).lstrip("\n"), encoding="utf-8")
    result = gru_lint("--fix", "model.py", cwd=scratch)
    fixed = (scratch / "model.py").read_text(encoding="utf-8")
    assert result.returncode == 1 and "error" not in result.stderr.lower(), result.stderr
    assert fixed != textwrap.dedent(BUGGY_MODEL).lstrip("\n"), "gru-lint --fix changed nothing"
    after = gru_lint("model.py", cwd=scratch)
    assert after.returncode == 0, f"a finding has no safe fix:\n{after.stdout}"
    return fixed


# --------------------------------------------------------------------------- tests


def test_hook_manifest():
    yaml = pytest.importorskip("yaml")
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"gru-lint", "gru-lint-fix"}
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert "types" not in hook
        assert hook["types_or"] == ["python", "jupyter"]
        # gru-lint runs its own worker pool; pre-commit must not multiply it.
        assert hook["require_serial"] is True
    assert hooks["gru-lint"]["entry"] == "gru-lint"
    assert shlex.split(hooks["gru-lint-fix"]["entry"]) == ["gru-lint", "--fix"]


@needs_git
@needs_pre_commit
def test_try_repo(hook_repo, tmp_path):
    """``pre-commit try-repo`` with every hook: the check fails, the fix repairs."""
    repo, rev = hook_repo
    fixed = expected_fix(tmp_path)
    project = make_project(tmp_path / "project", {"model.py": BUGGY_MODEL})
    result = pre_commit("try-repo", str(repo), "--all-files", cwd=project, home=tmp_path / "home")
    assert result.returncode == 1, result.output
    assert re.search(r"gru-lint\.+Failed", result.output), result.output
    assert re.search(rf"model\.py:{FINDING_LINE}:\d+: GRU006 ", result.output), result.output
    assert re.search(r"gru-lint \(fix\)\.+Failed", result.output), result.output
    assert "files were modified by this hook" in result.output
    assert (project / "model.py").read_text(encoding="utf-8") == fixed


@needs_git
@needs_pre_commit
def test_try_repo_on_a_notebook(hook_repo, pre_commit_home, tmp_path):
    """Both hooks run on a notebook (``types_or: [python, jupyter]``), with cell positions."""
    repo, rev = hook_repo
    text = json.dumps(NOTEBOOK, indent=1) + "\n"
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    (scratch / "notebook.ipynb").write_text(text, encoding="utf-8")
    assert gru_lint("--fix", "notebook.ipynb", cwd=scratch).returncode == 1
    fixed = (scratch / "notebook.ipynb").read_text(encoding="utf-8")
    assert fixed != text

    project = git_repo(tmp_path / "project")
    (project / "notebook.ipynb").write_text(text, encoding="utf-8")
    commit_all(project)
    result = pre_commit("try-repo", str(repo), "--all-files", cwd=project, home=pre_commit_home)
    assert result.returncode == 1, result.output
    assert re.search(r"gru-lint\.+Failed", result.output), result.output
    assert re.search(r"notebook\.ipynb:cell 3:4:\d+: GRU006 ", result.output), result.output
    assert re.search(r"gru-lint \(fix\)\.+Failed", result.output), result.output
    assert "files were modified by this hook" in result.output
    assert (project / "notebook.ipynb").read_text(encoding="utf-8") == fixed


@needs_git
@needs_pre_commit
def test_documented_configs(hook_repo, pre_commit_home, tmp_path):
    repo, rev = hook_repo
    fixed = expected_fix(tmp_path)
    project = make_project(tmp_path / "project", {"model.py": BUGGY_MODEL})
    for name in ("pre-commit-check", "pre-commit-fix"):
        (project / f"{name}.yaml").write_text(documented_config(name, repo, rev), encoding="utf-8")

    def run(name):
        return pre_commit("run", "--config", f"{name}.yaml", "--all-files", cwd=project, home=pre_commit_home)

    check = run("pre-commit-check")
    assert check.returncode == 1, check.output
    assert re.search(rf"model\.py:{FINDING_LINE}:\d+: GRU006 ", check.output), check.output
    assert "Traceback" not in check.output

    fix = run("pre-commit-fix")
    assert fix.returncode == 1, fix.output
    assert "files were modified by this hook" in fix.output
    assert (project / "model.py").read_text(encoding="utf-8") == fixed

    for name in ("pre-commit-check", "pre-commit-fix"):
        again = run(name)
        assert again.returncode == 0, again.output
        assert "Passed" in again.output


@needs_git
@needs_pre_commit
def test_documented_configs_without_python_files(hook_repo, pre_commit_home, tmp_path):
    repo, rev = hook_repo
    project = make_project(tmp_path / "project", {"README.md": "# nothing to lint\n"})
    for name in ("pre-commit-check", "pre-commit-fix"):
        (project / f"{name}.yaml").write_text(documented_config(name, repo, rev), encoding="utf-8")
        result = pre_commit("run", "--config", f"{name}.yaml", "--all-files", cwd=project, home=pre_commit_home)
        assert result.returncode == 0, result.output
        assert "(no files to check)Skipped" in result.output, result.output


# --------------------------------------------------------------------------- nbQA

NOTEBOOK = {
    "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": ["# A recurrent model\n"]},
        {
            "cell_type": "code",
            "execution_count": None,
            "metadata": {},
            "outputs": [],
            "source": ["import numpy as np\n", "import keras\n"],
        },
        {
            "cell_type": "code",
            "execution_count": None,
            "metadata": {},
            "outputs": [],
            "source": [
                "%matplotlib inline\n",
                'x = np.zeros((4, 5, 3), "float32")\n',
                'h = np.zeros((4, 6), "float32")\n',
                "y = keras.layers.GRU(6)(x, initial_state=[h, h])",
            ],
        },
    ],
    "metadata": {"language_info": {"name": "python"}},
    "nbformat": 4,
    "nbformat_minor": 5,
}


def nbqa(command: str, cwd: Path):
    args = shlex.split(command)
    assert args[0] == "nbqa"
    return subprocess.run(
        [sys.executable, "-m", "nbqa", *args[1:]],
        cwd=str(cwd), env=_env(), capture_output=True, text=True, encoding="utf-8", timeout=300,
    )


@pytest.mark.skipif(importlib.util.find_spec("nbqa") is None, reason="nbqa is not installed")
def test_documented_nbqa_commands(tmp_path):
    notebook = tmp_path / "notebook.ipynb"
    notebook.write_text(json.dumps(NOTEBOOK, indent=1), encoding="utf-8")
    check = nbqa(snippet("nbqa-check").strip(), tmp_path)
    assert check.returncode == 1, check.stdout + check.stderr
    assert re.search(r"notebook\.ipynb:cell_2:4:\d+: GRU006 ", check.stdout), check.stdout + check.stderr

    fix = nbqa(snippet("nbqa-fix").strip(), tmp_path)
    assert fix.returncode == 1, fix.stdout + fix.stderr
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    assert cells[0] == NOTEBOOK["cells"][0]
    assert "".join(cells[2]["source"]).startswith("%matplotlib inline\n")
    assert "".join(cells[2]["source"]) != "".join(NOTEBOOK["cells"][2]["source"])

    again = nbqa(snippet("nbqa-check").strip(), tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
