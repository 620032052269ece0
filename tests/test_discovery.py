import os

import pytest

from gru_lint.discovery import (
    ExcludeMatcher,
    compile_gitignore_line,
    is_ignored,
    iter_python_files,
    parse_gitignore,
)
from gru_lint.sourcefile import SourceError

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
needs_symlinks = pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")


def make(root, *names, content="x = 1\n"):
    for name in names:
        path = root / name
        if name.endswith("/"):
            path.mkdir(parents=True, exist_ok=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content)


def found(paths, **kw):
    files, errors = [], []
    for item in iter_python_files([str(p) for p in paths], **kw):
        if isinstance(item, SourceError):
            errors.append((item.path, item.message))
        else:
            files.append(item)
    return files, errors


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def rel_files(*args, **kw):
    files, errors = found(*args, **kw)
    assert errors == []
    return files


# --------------------------------------------------------------------------- walking


def test_walk_finds_py_files_sorted(in_tmp):
    make(
        in_tmp,
        "b.py",
        "a.py",
        "pkg/z.py",
        "pkg/a.py",
        "pkg/sub/m.py",
        "notes.txt",
        "stub.pyi",
        "c.pyc",
    )
    assert rel_files(["."]) == ["a.py", "b.py", "pkg/a.py", "pkg/sub/m.py", "pkg/z.py"]


def test_walk_paths_keep_the_given_prefix(in_tmp):
    make(in_tmp, "pkg/a.py")
    assert rel_files(["pkg"]) == [os.path.join("pkg", "a.py")]
    assert rel_files(["./pkg"]) == [os.path.join("./pkg", "a.py")]
    assert rel_files([in_tmp / "pkg"]) == [str(in_tmp / "pkg" / "a.py")]


def test_explicit_files_are_checked_whatever_the_suffix(in_tmp):
    make(in_tmp, "script", "notes.txt", "a.py")
    assert rel_files(["script", "notes.txt"]) == ["script", "notes.txt"]


def test_each_file_once(in_tmp):
    make(in_tmp, "pkg/a.py", "pkg/b.py")
    assert rel_files(["pkg/a.py", "pkg", "pkg/a.py"]) == ["pkg/a.py", "pkg/b.py"]


@pytest.mark.parametrize(
    "skipped",
    [
        ".git",
        ".hg",
        "__pycache__",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        "node_modules",
        ".gru_lint_cache",
        ".ipynb_checkpoints",
        "site-packages",
        ".direnv",
    ],
)
def test_default_skipped_directories(in_tmp, skipped):
    make(in_tmp, "keep.py", f"{skipped}/inner.py", f"pkg/{skipped}/deep.py")
    assert rel_files(["."]) == ["keep.py"]


def test_virtualenv_detected_by_pyvenv_cfg(in_tmp):
    make(in_tmp, "keep.py", "myenv/lib/site.py")
    (in_tmp / "myenv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    assert rel_files(["."]) == ["keep.py"]


def test_explicit_directory_is_walked_even_if_its_name_is_skipped(in_tmp):
    make(in_tmp, "build/gen.py")
    assert rel_files(["build"]) == [os.path.join("build", "gen.py")]


def test_missing_path_is_an_error_and_the_rest_continues(in_tmp):
    make(in_tmp, "a.py")
    files, errors = found(["missing.py", "a.py", "nodir/"])
    assert files == ["a.py"]
    assert errors == [
        ("missing.py", "no such file or directory"),
        ("nodir/", "no such file or directory"),
    ]


def test_empty_directory(in_tmp):
    (in_tmp / "empty").mkdir()
    assert found(["empty"]) == ([], [])


@pytest.mark.skipif(IS_ROOT or os.name == "nt", reason="root lists directories regardless of mode")
def test_unreadable_directory(in_tmp):
    make(in_tmp, "a.py", "locked/b.py")
    (in_tmp / "locked").chmod(0)
    try:
        files, errors = found(["."])
    finally:
        (in_tmp / "locked").chmod(0o755)
    assert files == ["a.py"]
    assert errors == [("locked", "cannot list directory: permission denied")]


# --------------------------------------------------------------------------- symlinks


@needs_symlinks
def test_symlink_cycle_is_reported_not_followed_forever(in_tmp):
    make(in_tmp, "pkg/a.py", "pkg/sub/b.py")
    os.symlink("..", in_tmp / "pkg" / "sub" / "up")
    files, errors = found(["pkg"])
    assert files == ["pkg/a.py", "pkg/sub/b.py"]
    assert len(errors) == 1
    path, message = errors[0]
    assert path == os.path.join("pkg", "sub", "up")
    assert "symbolic link loop" in message


@needs_symlinks
def test_symlink_to_an_outer_directory_terminates(in_tmp):
    make(in_tmp, "pkg/a.py", "top.py")
    os.symlink("..", in_tmp / "pkg" / "out")
    files, errors = found(["pkg"])
    # pkg/out is the temporary directory itself, so it is walked once; inside it,
    # "pkg" leads back to where the walk started.
    assert files == ["pkg/a.py", "pkg/out/top.py"]
    assert [p for p, _ in errors] == [os.path.join("pkg", "out", "pkg")]


@needs_symlinks
def test_self_referencing_symlink(in_tmp):
    make(in_tmp, "a.py")
    os.symlink(".", in_tmp / "me")
    files, errors = found(["."])
    assert files == ["a.py"]
    assert [e[0] for e in errors] == ["me"]


@needs_symlinks
def test_symlinked_directory_is_followed_once(in_tmp):
    make(in_tmp, "real/a.py")
    os.symlink("real", in_tmp / "alias")
    # "alias" sorts first, so its name is the one reported.
    assert rel_files(["."]) == ["alias/a.py"]


@needs_symlinks
def test_symlinked_file_deduplicated(in_tmp):
    make(in_tmp, "a.py")
    os.symlink("a.py", in_tmp / "b.py")
    assert rel_files(["."]) == ["a.py"]


@needs_symlinks
def test_broken_symlink_is_an_error(in_tmp):
    make(in_tmp, "a.py")
    os.symlink("gone.py", in_tmp / "b.py")
    files, errors = found(["."])
    assert files == ["a.py"]
    assert errors == [("b.py", "broken symbolic link")]
    assert found(["b.py"])[1] == [("b.py", "broken symbolic link")]


# --------------------------------------------------------------------------- --exclude


def test_exclude_names_and_globs(in_tmp):
    make(in_tmp, "a.py", "test_a.py", "gen/x.py", "pkg/gen/y.py", "pkg/ok.py")
    assert rel_files(["."], exclude=["gen", "test_*.py"]) == ["a.py", "pkg/ok.py"]


def test_exclude_comma_list(in_tmp):
    make(in_tmp, "a.py", "b.py", "c.py")
    assert rel_files(["."], exclude=["a.py,b.py"]) == ["c.py"]


def test_exclude_relative_path_pattern(in_tmp):
    make(in_tmp, "pkg/gen/x.py", "other/gen/y.py", "pkg/z.py")
    assert rel_files(["."], exclude=["pkg/gen"]) == ["other/gen/y.py", "pkg/z.py"]
    assert rel_files(["."], exclude=["./pkg/gen/"]) == ["other/gen/y.py", "pkg/z.py"]
    assert rel_files(["."], exclude=["*/gen/*.py"]) == ["pkg/z.py"]


def test_exclude_absolute_path_pattern(in_tmp):
    make(in_tmp, "pkg/gen/x.py", "pkg/z.py")
    assert rel_files(["pkg"], exclude=[str(in_tmp / "pkg" / "gen")]) == ["pkg/z.py"]


def test_explicit_paths_are_checked_unless_force_exclude(in_tmp):
    make(in_tmp, "gen/x.py", "a.py")
    assert rel_files(["gen/x.py", "a.py"], exclude=["gen"]) == ["gen/x.py", "a.py"]
    assert rel_files(["gen"], exclude=["gen"]) == ["gen/x.py"]
    assert rel_files(["gen/x.py", "a.py"], exclude=["gen"], force_exclude=True) == ["a.py"]
    assert rel_files(["gen"], exclude=["gen"], force_exclude=True) == []
    assert rel_files(["."], exclude=[".*"]) == ["a.py", "gen/x.py"]  # "." is not a name


def test_build_and_dist_skipped_only_beside_project_metadata(in_tmp):
    make(in_tmp, "build/out.py", "dist/out.py", "src/build/code.py", "src/dist/code.py")
    assert rel_files(["."]) == [
        "build/out.py", "dist/out.py", "src/build/code.py", "src/dist/code.py"
    ]
    (in_tmp / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    assert rel_files(["."]) == ["src/build/code.py", "src/dist/code.py"]


def test_exclude_matcher_unit():
    m = ExcludeMatcher(["*.pyc, gen", "a/b"])
    assert m.match_name("gen") and m.match_name("x.pyc") and not m.match_name("a.py")
    assert m.match_path("a/b") and m.match_path("./a/b") and not m.match_path("a/bc")
    assert m.match_explicit("x/gen/y.py")
    assert not ExcludeMatcher([])


# --------------------------------------------------------------------------- gitignore


def gitignore(directory, text):
    (directory / ".gitignore").write_text(text)


def test_gitignore_basic(in_tmp):
    make(in_tmp, "a.py", "secret.py", "gen/x.py", "keep/x.py")
    gitignore(in_tmp, "# comment\n\nsecret.py\ngen/\n")
    assert rel_files(["."]) == ["a.py", "keep/x.py"]
    assert rel_files(["."], respect_gitignore=False) == [
        "a.py",
        "gen/x.py",
        "keep/x.py",
        "secret.py",
    ]


def test_gitignore_negation(in_tmp):
    make(in_tmp, "a.py", "b.py", "c.py")
    gitignore(in_tmp, "*.py\n!b.py\n")
    assert rel_files(["."]) == ["b.py"]


def test_gitignore_last_rule_wins(in_tmp):
    make(in_tmp, "a.py", "b.py")
    gitignore(in_tmp, "!a.py\n*.py\n")
    assert rel_files(["."]) == []


def test_gitignore_cannot_reinclude_inside_ignored_directory(in_tmp):
    make(in_tmp, "out/a.py")
    gitignore(in_tmp, "out/\n!out/a.py\n")
    assert rel_files(["."]) == []


def test_gitignore_reinclude_with_directory_star(in_tmp):
    make(in_tmp, "out/a.py", "out/b.py")
    gitignore(in_tmp, "out/*\n!out/a.py\n")
    assert rel_files(["."]) == ["out/a.py"]


def test_gitignore_dir_only_pattern_does_not_match_files(in_tmp):
    make(in_tmp, "tmp.py", "pkg/tmp.py/inner.py")
    gitignore(in_tmp, "tmp.py/\n")
    assert rel_files(["."]) == ["tmp.py"]


def test_gitignore_anchored_vs_floating(in_tmp):
    make(in_tmp, "gen.py", "pkg/gen.py", "pkg/sub/gen.py", "docs/x.py", "pkg/docs/x.py")
    gitignore(in_tmp, "/gen.py\npkg/sub/gen.py\ndocs\n")
    assert rel_files(["."]) == ["pkg/gen.py"]


def test_gitignore_double_star(in_tmp):
    make(
        in_tmp,
        "a/gen/x.py",
        "a/b/gen/y.py",
        "gen/z.py",
        "a/keep.py",
        "lib/deep/er/m.py",
        "lib/n.py",
    )
    gitignore(in_tmp, "a/**/gen\nlib/**\n")
    assert rel_files(["."]) == ["a/keep.py", "gen/z.py"]


def test_gitignore_leading_double_star(in_tmp):
    make(in_tmp, "x/y/cfg.py", "cfg.py", "other.py")
    gitignore(in_tmp, "**/cfg.py\n")
    assert rel_files(["."]) == ["other.py"]


def test_nested_gitignore_is_relative_and_overrides(in_tmp):
    make(in_tmp, "a.py", "pkg/a.py", "pkg/b.py", "pkg/sub/b.py", "other/b.py")
    gitignore(in_tmp, "b.py\n")
    gitignore(in_tmp / "pkg", "!b.py\n/a.py\n")
    assert rel_files(["."]) == ["a.py", "pkg/b.py", "pkg/sub/b.py"]


def test_nested_gitignore_does_not_leak_to_siblings(in_tmp):
    make(in_tmp, "one/x.py", "two/x.py")
    gitignore(in_tmp / "one", "x.py\n")
    assert rel_files(["."]) == ["two/x.py"]


def test_gitignore_of_parent_applies_inside_a_git_repo(in_tmp):
    (in_tmp / ".git").mkdir()
    make(in_tmp, "src/gen/x.py", "src/ok.py")
    gitignore(in_tmp, "gen/\n")
    assert rel_files(["src"]) == ["src/ok.py"]


def test_git_info_exclude(in_tmp):
    (in_tmp / ".git" / "info").mkdir(parents=True)
    (in_tmp / ".git" / "info" / "exclude").write_text("local.py\n")
    make(in_tmp, "local.py", "ok.py")
    assert rel_files(["."]) == ["ok.py"]


def test_gitignore_above_the_walk_is_ignored_outside_a_repo(in_tmp):
    make(in_tmp, "src/gen/x.py")
    gitignore(in_tmp, "gen/\n")
    assert rel_files(["src"]) == ["src/gen/x.py"]


def test_explicit_file_bypasses_gitignore(in_tmp):
    make(in_tmp, "secret.py")
    gitignore(in_tmp, "secret.py\n")
    assert rel_files(["secret.py"]) == ["secret.py"]


@pytest.mark.parametrize(
    "pattern, path, is_dir, expected",
    [
        ("*.py", "a.py", False, True),
        ("*.py", "d/a.py", False, True),
        ("/*.py", "d/a.py", False, False),
        ("d/*.py", "d/a.py", False, True),
        ("d/*.py", "d/e/a.py", False, False),
        ("a?.py", "ab.py", False, True),
        ("a?.py", "a/.py", False, False),
        ("[ab].py", "b.py", False, True),
        ("[!ab].py", "c.py", False, True),
        ("[!ab].py", "a.py", False, False),
        ("[a-c]x.py", "bx.py", False, True),
        ("\\#hash.py", "#hash.py", False, True),
        ("\\!bang.py", "!bang.py", False, True),
        ("trailing.py   ", "trailing.py", False, True),
        ("space\\ ", "space ", False, True),
        ("build/", "build", True, True),
        ("build/", "build", False, False),
        ("**/x", "a/b/x", True, True),
        ("**/x", "x", False, True),
        ("a/**/b", "a/b", False, True),
        ("a/**/b", "a/x/y/b", False, True),
        ("a/**", "a/x/y", False, True),
        ("a/**", "a", True, False),
        ("**", "anything/at/all", False, True),
        ("a**b.py", "axxb.py", False, True),
        ("a**b.py", "ax/b.py", False, False),
        ("weird[", "weird[", False, True),
        ("*.PY", "a.py", False, False),
    ],
)
def test_gitignore_pattern_semantics(pattern, path, is_dir, expected):
    rule = compile_gitignore_line(pattern)
    assert rule is not None
    stack = (("/base", (rule,)),)
    assert is_ignored(stack, "/base/" + path, is_dir) is expected


@pytest.mark.parametrize("line", ["", "# comment", "   ", "/", "!"])
def test_gitignore_lines_without_rules(line):
    assert compile_gitignore_line(line) is None


def test_parse_gitignore_handles_crlf():
    rules = parse_gitignore("a.py\r\n!b.py\r\n")
    assert [(r.negate, r.regex.match("b.py") is not None) for r in rules] == [
        (False, False),
        (True, True),
    ]


def test_unlistable_directory_even_as_root(in_tmp, monkeypatch):
    make(in_tmp, "a.py", "locked/b.py")
    real_scandir = os.scandir

    def scandir(path="."):
        if os.path.basename(os.fspath(path)) == "locked":
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    files, errors = found(["."])
    assert files == ["a.py"]
    assert errors == [("locked", "cannot list directory: permission denied")]
