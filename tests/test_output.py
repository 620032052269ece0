"""Every --output-format, parsed; SARIF checked against the official 2.1.0 schema; colour."""

import io
import json
import os
import sys
from xml.etree import ElementTree as ET

import pytest

from gru_lint.cli import main
from gru_lint.rules import RULES

TESTS = os.path.dirname(os.path.abspath(__file__))

# GRU001 (safe fix, related location) and GRU005 (an LSTM given one tensor)
BAD = (
    "import numpy as np\n"
    "import keras\n"
    "x = np.zeros((4, 10, 8), \"float32\")\n"
    "h0 = np.zeros((64,))\n"
    "y = keras.layers.GRU(64)(x, initial_state=h0)\n"
    "hb = np.zeros((4, 32))\n"
    "z = keras.layers.LSTM(32)(x, initial_state=hb)\n"
)


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("GRU_LINT_OUTPUT_FORMAT", "NO_COLOR", "FORCE_COLOR", "GRU_LINT_CACHE_DIR"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "model.py").write_text(BAD)
    (tmp_path / "clean.py").write_text("print('hi')\n")
    return tmp_path


def lint(capsys, *args):
    code = main(["--no-cache", "--jobs", "1", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_concise_default(capsys, project):
    code, out, _ = lint(capsys)
    assert code == 1
    lines = out.splitlines()
    assert [line.split()[1] for line in lines] == ["GRU001", "GRU005"]
    assert lines[0].startswith("pkg/model.py:5:") and lines[0].endswith("[*]")


def test_env_var_and_flag_precedence(capsys, project, monkeypatch):
    monkeypatch.setenv("GRU_LINT_OUTPUT_FORMAT", "pylint")
    out = lint(capsys)[1]
    assert out.splitlines()[0].startswith("pkg/model.py:5: [GRU001] ")
    assert lint(capsys, "--output-format", "concise")[1].startswith("pkg/model.py:5:")
    monkeypatch.setenv("GRU_LINT_OUTPUT_FORMAT", "bogus")
    code, out, err = lint(capsys)
    assert code == 2 and "unknown format 'bogus'" in err


def test_full_shows_source_and_carets(capsys, project):
    out = lint(capsys, "--output-format", "full")[1]
    assert "  5 | y = keras.layers.GRU(64)(x, initial_state=h0)" in out
    assert "^^" in out and "help:" in out
    assert lint(capsys, "--show-source")[1] == out


@pytest.mark.parametrize("fmt", ["json", "json-lines"])
def test_json_has_ruffs_fields(capsys, project, fmt):
    out = lint(capsys, "--output-format", fmt)[1]
    items = json.loads(out) if fmt == "json" else [json.loads(line) for line in out.splitlines()]
    assert [i["code"] for i in items] == ["GRU001", "GRU005"]
    first = items[0]
    assert set(first) >= {"code", "message", "filename", "location", "end_location", "fix", "url"}
    assert first["filename"] == str(project / "pkg" / "model.py")
    assert first["location"]["row"] == 5 and first["location"]["column"] >= 1
    assert first["end_location"]["column"] > first["location"]["column"]
    fix = first["fix"]
    assert fix["applicability"] == "safe" and fix["message"]
    edit = fix["edits"][0]
    assert set(edit) == {"content", "location", "end_location"}
    # applying the edit at its reported position gives the fixed file
    lines = BAD.splitlines(keepends=True)
    row, col = edit["location"]["row"], edit["location"]["column"]
    erow, ecol = edit["end_location"]["row"], edit["end_location"]["column"]
    assert row == erow
    line = lines[row - 1]
    lines[row - 1] = line[: col - 1] + edit["content"] + line[ecol - 1 :]
    (project / "fixed.py").write_text("".join(lines))
    (project / "pkg" / "model.py").write_text("".join(lines))
    lint(capsys, "--fix")
    assert (project / "pkg" / "model.py").read_text() == "".join(lines)


def test_github_annotations(capsys, project):
    out = lint(capsys, "--output-format", "github")[1]
    first = out.splitlines()[0]
    assert first.startswith("::error title=gru-lint (GRU001),file=pkg/model.py,line=5,col=")
    props, _, message = first[len("::error "):].partition("::")
    keys = dict(p.split("=", 1) for p in props.split(","))
    assert set(keys) == {"title", "file", "line", "col", "endLine", "endColumn"}
    assert message.startswith("pkg/model.py:5:") and "GRU001" in message


def test_gitlab_code_quality_and_stable_fingerprints(capsys, project):
    items = json.loads(lint(capsys, "--output-format", "gitlab")[1])
    assert [i["check_name"] for i in items] == ["GRU001", "GRU005"]
    for item in items:
        assert set(item) >= {"description", "check_name", "fingerprint", "severity", "location"}
        assert item["location"]["path"] == "pkg/model.py"
        assert item["severity"] in ("info", "minor", "major", "critical", "blocker")
    assert len({i["fingerprint"] for i in items}) == 2
    # moving the code down keeps the fingerprints
    (project / "pkg" / "model.py").write_text("\n\n# comment\n" + BAD)
    moved = json.loads(lint(capsys, "--output-format", "gitlab")[1])
    assert [i["fingerprint"] for i in moved] == [i["fingerprint"] for i in items]
    assert moved[0]["location"]["lines"]["begin"] == items[0]["location"]["lines"]["begin"] + 3


def test_sarif_is_valid_against_the_official_schema(capsys, project):
    jsonschema = pytest.importorskip("jsonschema")
    with open(os.path.join(TESTS, "schemas", "sarif-schema-2.1.0.json"), encoding="utf-8") as f:
        schema = json.load(f)
    log = json.loads(lint(capsys, "--output-format", "sarif")[1])
    jsonschema.Draft4Validator(schema).validate(log)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules][:2] == ["GRU001", "GRU002"] and len(rules) == len(RULES)
    assert all(r["help"]["text"] and r["shortDescription"]["text"] for r in rules)
    results = run["results"]
    assert [r["ruleId"] for r in results] == ["GRU001", "GRU005"]
    first = results[0]
    assert rules[first["ruleIndex"]]["id"] == "GRU001"
    loc = first["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "pkg/model.py" and loc["region"]["startLine"] == 5
    assert first["fixes"][0]["artifactChanges"][0]["replacements"]
    # an empty run is valid too
    (project / "pkg" / "model.py").write_text("print(1)\n")
    empty = json.loads(lint(capsys, "--output-format", "sarif")[1])
    jsonschema.Draft4Validator(schema).validate(empty)
    assert empty["runs"][0]["results"] == []


def test_junit(capsys, project):
    root = ET.fromstring(lint(capsys, "--output-format", "junit")[1])
    assert root.tag == "testsuites" and root.get("failures") == "2"
    cases = root.findall("./testsuite/testcase")
    assert [c.get("name") for c in cases] == ["org.gru-lint.GRU001", "org.gru-lint.GRU005"]
    assert cases[0].find("failure").get("type") == "GRU001"
    (project / "pkg" / "model.py").write_text("print(1)\n")
    root = ET.fromstring(lint(capsys, "--output-format", "junit")[1])
    assert root.get("failures") == "0" and root.findall("./testsuite/testcase")


def test_pylint(capsys, project):
    lines = lint(capsys, "--output-format", "pylint")[1].splitlines()
    assert lines[0].startswith("pkg/model.py:5: [GRU001] ")
    assert lines[1].startswith("pkg/model.py:7: [GRU005] ")


def test_statistics_exit_zero(capsys, project):
    code, out, _ = lint(capsys, "--statistics")
    assert code == 1
    assert [line.split("\t")[:2] for line in out.splitlines()] == [["1", "GRU001"], ["1", "GRU005"]]
    assert out.splitlines()[0].split("\t")[2].startswith("[*]")
    assert lint(capsys, "--exit-zero")[0] == 0


def test_list_rules_json_and_explain_by_name(capsys):
    assert main(["--list-rules", "--output-format", "json"]) == 0
    rules = json.loads(capsys.readouterr().out)
    assert rules[0]["code"] == "GRU001" and rules[0]["fix"] == "safe"
    assert main(["--explain", rules[0]["name"]]) == 0
    assert capsys.readouterr().out.startswith("GRU001 (")
    assert main(["--list-rules"]) == 0
    assert " safe " in capsys.readouterr().out.splitlines()[0]


def test_help_points_at_explain(capsys):
    assert main(["--help"]) == 0
    assert "--explain GRU001" in " ".join(capsys.readouterr().out.split())


class Tty(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.parametrize(
    "args, env, tty, coloured",
    [
        ([], {}, False, False),
        ([], {}, True, True),
        ([], {"NO_COLOR": "1"}, True, False),
        ([], {"FORCE_COLOR": "1"}, False, True),
        (["--color", "always"], {}, False, True),
        (["--color", "never"], {"FORCE_COLOR": "1"}, True, False),
        (["--output-format", "json"], {}, True, False),
    ],
)
def test_colour(project, monkeypatch, args, env, tty, coloured):
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    stream = Tty() if tty else io.StringIO()
    monkeypatch.setattr(sys, "stdout", stream)
    main(["--no-cache", "--jobs", "1", *args])
    assert ("\x1b[" in stream.getvalue()) == coloured


def test_no_files_to_check_is_said(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty").mkdir()
    code, out, err = lint(capsys, "empty")
    assert (code, out) == (0, "")
    assert "no Python files found to check" in err
