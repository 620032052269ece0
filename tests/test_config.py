"""``[tool.gru-lint]`` in pyproject.toml: each key, precedence over it, and its errors.

Runs the command in-process on the fake core of ``test_cli`` (``initial_state=NAME``
is GRU001 with a safe fix, ``u_NAME`` GRU002 with an unsafe one, ``None`` GRU003).
"""

import os

import pytest

from test_cli import fake_core, put, read, run  # noqa: F401  (fake_core is autouse)

THREE = "f(initial_state=h)\nf(initial_state=u_x)\nf(initial_state=None)\n"


def codes(out):
    return [line.split()[1] for line in out.splitlines()]


def config(text, where="pyproject.toml"):
    put(where, "[project]\nname = 'demo'\n\n[tool.gru-lint]\n" + text)


def test_select_ignore_extend_select_from_config(capsys):
    put("a.py", THREE)
    config('select = ["GRU001"]\n')
    assert codes(run(capsys)[1]) == ["GRU001"]
    config('select = ["GRU001"]\nextend-select = ["GRU003"]\n')
    assert codes(run(capsys)[1]) == ["GRU001", "GRU003"]
    config('ignore = ["GRU00"]\n')
    assert run(capsys)[0] == 0
    config('select = ["ALL"]\nignore = ["GRU002"]\n')
    assert codes(run(capsys)[1]) == ["GRU001", "GRU003"]


def test_command_line_overrides_config(capsys):
    put("a.py", THREE)
    config('select = ["GRU001"]\nignore = ["GRU003"]\n')
    assert codes(run(capsys, "--select", "GRU002,GRU003")[1]) == ["GRU002"]  # ignore still applies
    assert codes(run(capsys, "--extend-select", "GRU002")[1]) == ["GRU001", "GRU002"]
    assert codes(run(capsys, "--isolated")[1]) == ["GRU001", "GRU002", "GRU003"]


def test_nearest_pyproject_walking_up(capsys, tmp_path):
    put("pkg/sub/a.py", THREE)
    config('select = ["GRU003"]\n')
    put("pkg/pyproject.toml", "[project]\nname = 'no-table-here'\n")  # skipped: no table
    os.chdir(tmp_path / "pkg" / "sub")
    assert codes(run(capsys)[1]) == ["GRU003"]
    config('select = ["GRU002"]\n')  # now in pkg/sub itself
    assert codes(run(capsys)[1]) == ["GRU002"]


def test_config_flag_names_the_file(capsys):
    put("a.py", THREE)
    put("conf/other.toml", '[tool.gru-lint]\nselect = ["GRU002"]\n')
    config('select = ["GRU001"]\n')
    assert codes(run(capsys, "--config", "conf/other.toml")[1]) == ["GRU002"]


def test_per_file_ignores_globs_relative_to_config_dir(capsys, tmp_path):
    put("proj/tests/test_a.py", THREE)
    put("proj/src/tests/b.py", THREE)
    put("proj/src/model.py", THREE)
    config(
        '[tool.gru-lint.per-file-ignores]\n"tests/*.py" = ["GRU001"]\n"model.py" = ["GRU00"]\n',
        where="proj/pyproject.toml",
    )
    os.chdir(tmp_path / "proj" / "src")
    out = run(capsys, "..")[1]
    by_file = {}
    for line in out.splitlines():
        by_file.setdefault(line.split(":")[0], []).append(line.split()[1])
    # "tests/*.py" is anchored at proj/, so proj/src/tests/b.py keeps its GRU001
    assert by_file == {
        "../src/tests/b.py": ["GRU001", "GRU002", "GRU003"],
        "../tests/test_a.py": ["GRU002", "GRU003"],
    }


def test_unsafe_fixes_key(capsys):
    put("a.py", "f(initial_state=u_x)\n")
    config("unsafe-fixes = true\n")
    assert run(capsys)[1].rstrip().endswith("[*]")
    assert not run(capsys, "--no-unsafe-fixes")[1].rstrip().endswith("[*]")
    run(capsys, "--fix")
    assert read("a.py") == b"f(initial_state=[u_x])\n"


def test_exclude_and_extend_exclude(capsys):
    put("a.py", THREE)
    put("gen/b.py", THREE)
    put("node_modules/c.py", THREE)
    files = lambda out: sorted({line.split(":")[0] for line in out.splitlines()})  # noqa: E731
    config('extend-exclude = ["gen"]\n')
    assert files(run(capsys)[1]) == ["a.py"]
    config('exclude = ["gen/"]\n')  # replaces the defaults: node_modules is walked
    assert files(run(capsys)[1]) == ["a.py", "node_modules/c.py"]
    assert files(run(capsys, "gen/b.py")[1]) == ["gen/b.py"]  # named: checked anyway
    code, out, err = run(capsys, "--force-exclude", "gen/b.py")
    assert (code, out) == (0, "")
    assert "no Python files found to check" in err


def test_keras_version_and_jobs_and_cache_dir(capsys, monkeypatch):
    put("a.py", THREE)
    config('keras-version = "2"\njobs = 1\ncache-dir = "cachehere"\n')
    seen = {}
    from gru_lint import core

    original = core.check_source

    def spy(source, path="<string>", keras_version=None):
        seen["keras"] = keras_version
        return original(source, path)

    monkeypatch.setattr(core, "check_source", spy)
    assert run(capsys, cache=True, jobs=None)[0] == 1
    assert seen["keras"] == 2
    assert os.path.isdir("cachehere")
    run(capsys, "--keras-version", "3", "--isolated")
    assert seen["keras"] == 3


@pytest.mark.parametrize(
    "body, key, words",
    [
        ("selct = ['GRU001']\n", "selct", "unknown key"),
        ("select = 'GRU001'\n", "select", "list of strings"),
        ("select = ['GRU999']\n", "select", "unknown rule selector 'GRU999'"),
        ("ignore = ['XYZ']\n", "ignore", "valid: ALL, GRU001"),
        ("unsafe-fixes = 'yes'\n", "unsafe-fixes", "true or false"),
        ("keras-version = '4'\n", "keras-version", '"2", "3" or "auto"'),
        ("jobs = 0\n", "jobs", "at least 1"),
        ("cache-dir = 3\n", "cache-dir", "a path"),
        ("exclude = [1]\n", "exclude", "list of strings"),
        ("[tool.gru-lint.per-file-ignores]\n'a.py' = ['GRU777']\n", 'per-file-ignores."a.py"',
         "GRU777"),
        ("output-format = 'xml'\n", "output-format", "unknown format"),
    ],
)
def test_config_errors_name_file_and_key(capsys, body, key, words):
    put("a.py", THREE)
    config(body)
    code, out, err = run(capsys)
    assert (code, out) == (2, "")
    assert f"pyproject.toml: [tool.gru-lint] {key}: " in err
    assert words in err


def test_invalid_toml_is_an_error(capsys):
    put("pyproject.toml", "[tool.gru-lint]\nselect = [\n")
    code, _, err = run(capsys)
    assert code == 2 and "pyproject.toml: [tool.gru-lint]: not valid TOML" in err


def test_keras_version_accepts_numbers(capsys):
    put("a.py", THREE)
    config("keras-version = 3\n")
    assert run(capsys)[0] == 1


def test_max_file_size_key(capsys):
    put("a.py", THREE + "#" * 2000 + "\n")
    config('max-file-size = "1k"\n')
    code, out, err = run(capsys)
    assert code == 2 and "a.py" in err and "--max-file-size" in err and out == ""
    config("max-file-size = 0\n")  # no limit
    assert run(capsys)[0] == 1
    config('max-file-size = "1k"\n')
    assert run(capsys, "--max-file-size", "1M")[0] == 1  # the flag wins


@pytest.mark.parametrize("value", ["'big'", "-1", "true", "'1x'"])
def test_max_file_size_errors(capsys, value):
    put("a.py", THREE)
    config(f"max-file-size = {value}\n")
    code, out, err = run(capsys)
    assert (code, out) == (2, "")
    assert "pyproject.toml: [tool.gru-lint] max-file-size: " in err
