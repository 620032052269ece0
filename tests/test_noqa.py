import pytest

from gru_lint.diagnostics import Diagnostic, Span
from gru_lint.noqa import filter_noqa, is_suppressed, parse_noqa, split_lines


def diag(code, line, col=0):
    return Diagnostic(code, f"{code} message", Span(line, col, line, col + 1))


def kept_codes(text, diags):
    return [(d.code, d.span.line) for d in filter_noqa(diags, text)]


@pytest.mark.parametrize(
    "comment",
    [
        "# noqa",
        "# NOQA",
        "# NoQa",
        "#  x  # noqa",
        "# noqa because reasons",
        "# noqa:",
        "# noqa : GRU001",
    ],
)
def test_bare_noqa_suppresses_everything(comment):
    text = f"layer(x, initial_state=h)  {comment}\n"
    assert kept_codes(text, [diag("GRU001", 1), diag("GRU002", 1)]) == []


@pytest.mark.parametrize(
    "comment",
    [
        "# noqa: GRU001",
        "# noqa:GRU001",
        "# NOQA:GRU001",
        "# noqa: GRU001,GRU003",
        "# noqa:GRU001, GRU003",
        "# NOQA:GRU001 GRU003",
        "# noqa: GRU003 GRU001",
        "# noqa: GRU00",  # a prefix, as flake8 allows
        "# noqa: GRU0",
        "# noqa: E501,GRU001",
    ],
)
def test_code_list_suppresses_only_listed_codes(comment):
    text = f"layer(x, initial_state=h)  {comment}\n"
    assert kept_codes(text, [diag("GRU001", 1), diag("GRU101", 1)]) == [("GRU101", 1)]


@pytest.mark.parametrize("comment", ["# noqa: E501", "# noqa: GRU002", "# noqa:GRU0011"])
def test_other_codes_do_not_suppress(comment):
    text = f"x = 1  {comment}\n"
    assert kept_codes(text, [diag("GRU001", 1)]) == [("GRU001", 1)]


@pytest.mark.parametrize("comment", ["#noqa", "# no qa", "# noqa-ish", "# flake8: noqa"])
def test_not_a_noqa_comment(comment):
    # "#noqa" without the space is not recognised by flake8 either; "# noqa-ish"
    # and the file-level "# flake8: noqa" are not inline suppressions here.
    text = f"x = 1  {comment}\n"
    result = kept_codes(text, [diag("GRU001", 1)])
    if comment in ("# noqa-ish",):
        # flake8's expression finds "# noqa" at the start of "# noqa-ish".
        assert result == []
    else:
        assert result == [("GRU001", 1)]


def test_letters_only_list_is_a_blanket_noqa_like_flake8():
    # flake8's expression needs digits in a code, so "# noqa: GRU" reads as bare.
    assert parse_noqa("x  # noqa: GRU") is None
    assert kept_codes("x  # noqa: GRU\n", [diag("GRU001", 1), diag("XYZ9", 1)]) == []


def test_only_the_reporting_line_counts():
    text = "a = 1  # noqa\nlayer(\n    initial_state=h,\n)  # noqa\n"
    diags = [diag("GRU001", 2), diag("GRU001", 3), diag("GRU001", 4), diag("GRU001", 1)]
    assert kept_codes(text, diags) == [("GRU001", 2), ("GRU001", 3)]


def test_order_is_preserved_and_input_untouched():
    diags = [diag("GRU002", 3), diag("GRU001", 1), diag("GRU001", 2)]
    text = "a\nb  # noqa\nc\n"
    assert kept_codes(text, diags) == [("GRU002", 3), ("GRU001", 1)]
    assert len(diags) == 3


@pytest.mark.parametrize("nl", ["\n", "\r\n", "\r"])
def test_line_endings(nl):
    text = nl.join(["a = 1", "b = 2  # noqa: GRU001", "c = 3", ""])
    diags = [diag("GRU001", 1), diag("GRU001", 2), diag("GRU001", 3)]
    assert kept_codes(text, diags) == [("GRU001", 1), ("GRU001", 3)]


def test_form_feed_and_unicode_separators_are_not_line_breaks():
    # str.splitlines() would split on these; the tokenizer does not.
    text = "a = 1\x0c\u2028b = 2\nc = 3  # noqa\n"
    assert split_lines(text) == ["a = 1\x0c\u2028b = 2", "c = 3  # noqa", ""]
    assert kept_codes(text, [diag("GRU001", 2)]) == []


def test_out_of_range_lines_are_kept():
    assert kept_codes("x  # noqa\n", [diag("GRU001", 0), diag("GRU001", 7)]) == [
        ("GRU001", 0),
        ("GRU001", 7),
    ]


def test_no_noqa_anywhere_is_fast_path():
    diags = [diag("GRU001", 1)]
    assert filter_noqa(diags, "x = 1\n") == diags
    assert filter_noqa([], "# noqa") == []
    assert filter_noqa(iter(diags), "x = 1\n") == diags


def test_parse_noqa_values():
    assert parse_noqa("x = 1") == ()
    assert parse_noqa("x = 1  # noqa") is None
    assert parse_noqa("x = 1  # noqa:GRU001,GRU002") == ("GRU001", "GRU002")
    assert parse_noqa("x = 1  # NOQA: GRU001 GRU002") == ("GRU001", "GRU002")
    assert is_suppressed("GRU001", None)
    assert is_suppressed("GRU001", ("GRU",))
    assert not is_suppressed("GRU001", ("GRU002",))
    assert not is_suppressed("GRU001", ())


LINES = [
    "x  # noqa",
    "x  # NOQA:GRU001",
    "x  # noqa: GRU001,GRU002",
    "x  # noqa:GRU001 GRU002",
    "x  # noqa: GRU",
    "x  # noqa: E501",
    "x  # noqa: gru001",
    "x  # noqa: GRU0",
    "x  # noqa:, GRU001",
    "x  #noqa",
    "x  # noqa : GRU001",
    "x",
]


@pytest.mark.parametrize("line", LINES)
@pytest.mark.parametrize("code", ["GRU001", "GRU002", "GRU010"])
def test_agrees_with_flake8(line, code):
    flake8_violation = pytest.importorskip("flake8.violation")
    values = {
        "code": code,
        "filename": "a.py",
        "line_number": 1,
        "column_number": 1,
        "text": "message",
        "physical_line": line,
    }
    cls = flake8_violation.Violation
    violation = cls(**{name: values.get(name) for name in cls._fields})
    expected = violation.is_inline_ignored(disable_noqa=False)
    assert (filter_noqa([diag(code, 1)], line) == []) == expected


def test_file_noqa_forms():
    from gru_lint.noqa import ALL, file_noqa

    assert file_noqa("x = 1\n") == ()
    assert file_noqa("# gru-lint: noqa\nx = 1\n") is ALL
    assert file_noqa("  #gru-lint:noqa  \n") is ALL
    assert file_noqa("# gru-lint: noqa: GRU001, gru002\n") == ("GRU001", "GRU002")
    assert file_noqa("# gru-lint: noqa: GRU001\n# gru-lint: noqa: GRU003\n") == (
        "GRU001",
        "GRU003",
    )
    assert file_noqa("x = 1  # gru-lint: noqa\n") == ()  # must stand on its own line
    assert file_noqa("# gru-lint: noqa: not codes\n") == ()
    assert file_noqa("# flake8: noqa\n") is ALL
    assert file_noqa("# flake8: noqa: E501\n") is ALL  # flake8 skips such a file too
    assert file_noqa("x = 1  # flake8: noqa\n") == ()  # flake8 only warns about this one
