"""Tests of the Keras oracle harness itself (tests/oracle.py)."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import oracle
from oracle import Observation

EFFECTS = {
    "E1": {"raised", "call_raised", "graph_raised"},
    "E2": {"state_ignored"},
    "E3": {"model_state_ignored"},
}

HEADER = """\
import numpy as np
import tensorflow as tf
import keras
from keras import layers

x = np.random.rand(2, 3, 5).astype("float32")
h = np.zeros((2, 4), "float32")
"""


def write(tmp_path: Path, body: str, name: str = "fixture.py") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + textwrap.dedent(body), encoding="utf-8")
    return path


def line_of(path: Path, needle: str) -> int:
    for number, text in enumerate(path.read_text().splitlines(), 1):
        if needle in text:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def kinds_at(observations, line: int) -> set[str]:
    return {o.kind for o in observations if o.stmt[0] <= line <= o.stmt[1]}


# ---------------------------------------------------------------- source helpers


def test_parse_markers_reads_comments_only(tmp_path):
    path = tmp_path / "m.py"
    path.write_text(
        textwrap.dedent(
            '''\
            s = "# error: [GRU001]"
            t = """
            # error: [GRU002]
            """
            a = 1  # error: [GRU003]
            b = 2  # error: [GRU004, GRU005]
            c = 3  # noqa  # error: [GRU006]
            '''
        )
    )
    assert oracle.parse_markers(path) == {
        5: {"GRU003"},
        6: {"GRU004", "GRU005"},
        7: {"GRU006"},
    }


def test_statement_ranges_multiline_and_compound(tmp_path):
    path = tmp_path / "s.py"
    path.write_text(
        textwrap.dedent(
            """\
            def f(a,
                  b):
                y = g(a,
                      b)
                return y
            for i in range(
                    3):
                pass
            """
        )
    )
    ranges = oracle.statement_ranges(path)
    assert oracle.statement_of(4, ranges) == (3, 4)
    assert oracle.statement_of(5, ranges) == (5, 5)
    assert oracle.statement_of(2, ranges) == (1, 2)
    assert oracle.statement_of(7, ranges) == (6, 7)
    assert oracle.statement_of(8, ranges) == (8, 8)


# ---------------------------------------------------------------- verdict rules


def obs(line, kind, seq, case="case_a", last=None):
    return Observation((line, last or line), kind, "", case, seq)


def test_verdict_agreement_and_missing_effect():
    observations = [obs(10, "call_raised", 1), obs(10, "raised", 2)]
    assert oracle.verdict(observations, {10: {"E1"}}, EFFECTS) == []
    problems = oracle.verdict(observations, {10: {"E2"}}, EFFECTS)
    assert len(problems) == 1 and "line 10" in problems[0]


def test_verdict_marker_on_continuation_line():
    observations = [obs(10, "state_ignored", 1, last=12)]
    assert oracle.verdict(observations, {12: {"E2"}}, EFFECTS) == []


def test_verdict_unmarked_fixture_must_be_all_ok():
    assert oracle.verdict([obs(3, "ok", 1)], {}, EFFECTS) == []
    assert oracle.verdict([obs(3, "ok", 1), obs(4, "raised", 2)], {}, EFFECTS)
    assert oracle.verdict([obs(3, "graph_raised", 1)], {}, EFFECTS)


def test_verdict_downstream_raise_tolerated_only_after_marked_failure():
    marked = {10: {"E1"}}
    after = [obs(10, "call_raised", 1), obs(20, "raised", 2)]
    assert oracle.verdict(after, marked, EFFECTS) == []
    before = [obs(20, "raised", 1), obs(10, "call_raised", 2, case="case_b")]
    assert oracle.verdict(before, marked, EFFECTS)
    other_case = [obs(10, "call_raised", 1), obs(20, "raised", 2, case="case_b")]
    assert oracle.verdict(other_case, marked, EFFECTS)
    unmarked_call = [obs(10, "call_raised", 1), obs(20, "graph_raised", 2)]
    assert oracle.verdict(unmarked_call, marked, EFFECTS)


def test_verdict_credits_a_marker_on_the_call_chain():
    inner = Observation((30, 30), "call_raised", "", "case_a", 1, "GRU", ((10, 10),))
    after = Observation((40, 40), "raised", "", "case_a", 2, "", ((10, 10),))
    assert inner.statements == ((10, 10), (30, 30))
    assert oracle.verdict([inner, after], {10: {"E1"}}, EFFECTS) == []
    # a marker on a line outside the chain is not credited, and the inner failure
    # is then an unexplained one
    problems = oracle.verdict([inner, after], {20: {"E1"}}, EFFECTS)
    assert any("line 20 marked" in p for p in problems)
    assert any("unmarked statement" in p and "line 30" in p for p in problems)
    # without a chain the caller's marker proves nothing
    bare = Observation((30, 30), "call_raised", "", "case_a", 1, "GRU")
    assert oracle.verdict([bare], {10: {"E1"}}, EFFECTS)


def test_verdict_unknown_code():
    problems = oracle.verdict([obs(10, "raised", 1)], {10: {"NOPE"}}, EFFECTS)
    assert any("NOPE" in p for p in problems)


# ---------------------------------------------------------------- observations


def test_clean_gru_is_ok(tmp_path):
    path = write(
        tmp_path,
        """
        out = layers.GRU(4)(x, initial_state=h)
        out2 = layers.LSTM(4)(x, initial_state=[h, h])
        assert out.shape == (2, 4)
        """,
    )
    observations = oracle.observe(path)
    assert [(o.kind, o.layer) for o in observations] == [("ok", "GRU"), ("ok", "LSTM")]
    assert oracle.verdict(observations, oracle.parse_markers(path), EFFECTS) == []
    assert oracle.run_fixture(path) == [oracle.CaseResult("<module>", None)]


def test_one_dimensional_and_single_row_states(tmp_path):
    path = write(
        tmp_path,
        """
        def case_vector_default():
            layers.GRU(4)(x, initial_state=np.zeros(4))  # error: [E1]

        def case_vector_impl1():
            layers.GRU(4, implementation=1)(x, initial_state=np.zeros(4))  # error: [E1]

        def case_row():
            layers.GRU(4)(
                x,
                initial_state=np.zeros((1, 4)),  # error: [E1]
            )
        """,
    )
    observations = oracle.observe(path)
    by_case = {}
    for o in observations:
        by_case.setdefault(o.case, set()).add(o.kind)
    assert by_case["case_vector_default"] == {"call_raised", "raised"}
    assert by_case["case_vector_impl1"] == {"graph_raised"}
    assert by_case["case_row"] == {"graph_raised"}
    row = next(o for o in observations if o.case == "case_row")
    assert row.stmt[1] - row.stmt[0] == 3
    assert "enters the loop with shape (1, 4)" in row.detail
    assert oracle.verdict(observations, oracle.parse_markers(path), EFFECTS) == []


def test_gru_uses_only_first_state(tmp_path):
    path = write(
        tmp_path,
        """
        layers.GRU(4)(x, initial_state=[h, h])  # error: [E2]
        layers.GRU(4)(x, h)
        """,
    )
    observations = oracle.observe(path)
    ignored = [o for o in observations if o.kind == "state_ignored"]
    assert len(ignored) == 1 and "[1]" in ignored[0].detail
    assert kinds_at(observations, line_of(path, "layers.GRU(4)(x, h)")) == {"ok"}
    assert oracle.verdict(observations, oracle.parse_markers(path), EFFECTS) == []


def test_sequential_ignores_initial_state(tmp_path):
    path = write(
        tmp_path,
        """
        def case_call():
            model = keras.Sequential([keras.Input((3, 5)), layers.GRU(4)])
            return model(x, initial_state=h)  # error: [E3]

        def case_predict():
            model = keras.Sequential([keras.Input((3, 5)), layers.GRU(4)])
            model.predict(x, initial_state=h, verbose=0)  # error: [E1]
        """,
    )
    observations = oracle.observe(path)
    call_line = line_of(path, "return model(x")
    assert kinds_at(observations, call_line) == {"model_state_ignored"}
    raised = [o for o in observations if o.case == "case_predict"]
    assert [o.kind for o in raised] == ["raised"]
    assert raised[0].detail.startswith("TypeError")
    assert oracle.verdict(observations, oracle.parse_markers(path), EFFECTS) == []


def test_functional_state_input_of_wrong_width(tmp_path):
    path = write(
        tmp_path,
        """
        inputs = keras.Input((3, 5))
        state = keras.Input((5,))
        outputs = layers.GRU(4)(inputs, initial_state=state)  # error: [E1]
        model = keras.Model([inputs, state], outputs)
        model.summary(print_fn=lambda *a, **k: None)
        model.predict([x, np.zeros((2, 5))], verbose=0)
        """,
    )
    observations = oracle.observe(path)
    build = line_of(path, "outputs = layers.GRU")
    predict = line_of(path, "model.predict")
    assert kinds_at(observations, build) == {"call_raised"}
    assert kinds_at(observations, predict) == {"raised"}
    assert oracle.verdict(observations, oracle.parse_markers(path), EFFECTS) == []
    # without the marker the downstream failure is not excused
    assert oracle.verdict(observations, {}, EFFECTS)


def test_functional_correct_model_records_build_call_only(tmp_path):
    path = write(
        tmp_path,
        """
        inputs = keras.Input((3, 5))
        state = keras.Input((4,))
        seq, last = layers.GRU(4, return_sequences=True, return_state=True)(
            inputs, initial_state=state)
        outputs = layers.Bidirectional(layers.LSTM(4))(seq, initial_state=[last, last, last, last])
        model = keras.Model([inputs, state], outputs)
        model.predict([x, h], verbose=0)
        """,
    )
    observations = oracle.observe(path)
    assert [(o.kind, o.layer) for o in observations] == [
        ("ok", "GRU"),
        ("ok", "Bidirectional"),
    ]


def test_short_state_list_for_stacked_cells(tmp_path):
    path = write(
        tmp_path,
        """
        rnn = layers.RNN([layers.GRUCell(4), layers.GRUCell(6)])
        out = rnn(x, initial_state=[h])
        """,
    )
    observations = oracle.observe(path)
    assert [o.kind for o in observations] == ["output_changed"]
    assert "(2, 4)" in observations[0].detail and "(2, 6)" in observations[0].detail


def test_nested_python_list_state(tmp_path):
    path = write(
        tmp_path,
        """
        layers.GRU(4)(x, initial_state=[[0.0] * 4] * 2)
        """,
    )
    kinds = [o.kind for o in oracle.observe(path)]
    assert kinds == ["call_raised", "nonarray_state", "raised"]


def test_cases_run_in_isolation(tmp_path):
    path = write(
        tmp_path,
        """
        def case_a():
            raise RuntimeError("boom")

        def case_b():
            layers.GRU(4)(x, initial_state=h)

        def helper():
            pass
        """,
    )
    observations = oracle.observe(path)
    assert [(o.case, o.kind) for o in observations] == [
        ("case_a", "raised"),
        ("case_b", "ok"),
    ]
    assert observations[0].detail == "RuntimeError: boom"
    assert observations[0].stmt[0] == line_of(path, "raise RuntimeError")
    results = oracle.run_fixture(path)
    assert [r.case for r in results] == ["<module>", "case_a", "case_b"]
    assert results[1].error == "RuntimeError: boom" and results[2].error is None


def test_call_inside_tf_function_maps_to_source_line(tmp_path):
    path = write(
        tmp_path,
        """
        gru = layers.GRU(4)

        @tf.function
        def step(a, s):
            a = a * 2.0
            return gru(a,
                       initial_state=s)

        step(x, np.zeros((1, 4), "float32"))
        """,
    )
    observations = oracle.observe(path)
    call = line_of(path, "return gru(a")
    # autograph-generated frames are mapped back to the fixture source
    assert kinds_at(observations, call) == {"graph_raised", "raised"}
    assert kinds_at(observations, line_of(path, "step(x, np.zeros")) == set()


def test_side_calls_leave_stateful_layer_untouched(tmp_path):
    path = write(
        tmp_path,
        """
        gru = layers.GRU(4, stateful=True)
        first = gru(x, initial_state=h + 0.5)
        np.testing.assert_allclose(gru.states[0].numpy(), first.numpy(), atol=1e-6)
        second = gru(x)
        np.testing.assert_allclose(gru.states[0].numpy(), second.numpy(), atol=1e-6)
        """,
    )
    observations = oracle.observe(path)
    assert [o.kind for o in observations] == ["ok"]


def test_subclassed_model_forwarding_state(tmp_path):
    path = write(
        tmp_path,
        """
        class Encoder(keras.Model):
            def __init__(self):
                super().__init__()
                self.gru = layers.GRU(4)

            def call(self, inputs, initial_state=None):
                return self.gru(inputs, initial_state=initial_state)

        enc = Encoder()
        enc(x, initial_state=h + 1.0)
        """,
    )
    observations = oracle.observe(path)
    assert {(o.kind, o.layer) for o in observations} == {
        ("ok", "Encoder"),
        ("ok", "GRU"),
    }
    assert kinds_at(observations, line_of(path, "return self.gru")) == {"ok"}


def test_traced_call_is_concretised(tmp_path):
    path = write(
        tmp_path,
        """
        gru = layers.GRU(4)

        @tf.function
        def step(a):
            return gru(a, initial_state=[h, h])

        step(x)
        """,
    )
    observations = oracle.observe(path)
    kinds = kinds_at(observations, line_of(path, "return gru(a"))
    assert "state_ignored" in kinds
    assert not any(
        o.kind in {"raised", "call_raised", "graph_raised"} for o in observations
    )


def test_call_chain_of_a_helper_credits_the_callers_line(tmp_path):
    path = write(
        tmp_path,
        """
        def build_decoder(units, states):
            seq = layers.GRU(units, return_sequences=True)
            return seq(x, initial_state=states)

        def decode(units, states):
            return build_decoder(units, states)

        def case_bad():
            decode(4, np.zeros((4,)))  # error: [E1]

        def case_good():
            decode(4, h)
        """,
    )
    observations = oracle.observe(path)
    inner = line_of(path, "return seq(x")
    bad = line_of(path, "decode(4, np.zeros")
    good = line_of(path, "decode(4, h)")
    middle = line_of(path, "return build_decoder")
    failed = [o for o in observations if o.case == "case_bad" and o.kind == "call_raised"]
    assert failed and failed[0].stmt == (inner, inner)
    assert failed[0].chain == ((bad, bad), (middle, middle))
    assert [o.chain for o in observations if o.case == "case_good"] == [
        ((good, good), (middle, middle))
    ]
    raised = [o for o in observations if o.kind == "raised"]
    assert raised and raised[0].stmt == (inner, inner) and raised[0].chain[0] == (bad, bad)
    assert oracle.verdict(observations, oracle.parse_markers(path), EFFECTS) == []
    # the marker on the good call's line is not proven, and the bad call is unexplained
    assert oracle.verdict(observations, {good: {"E1"}}, EFFECTS)

def test_state_list_fed_to_the_next_layer_is_credited_to_its_producer(tmp_path):
    path = write(
        tmp_path,
        """
        def case_add():
            model = keras.Sequential()
            model.add(keras.Input(shape=(3, 5)))
            model.add(layers.GRU(4, return_state=True))
            model.add(layers.Dense(1))

        def case_predict():
            model = keras.Sequential([layers.GRU(4, return_sequences=True, return_state=True),
                                      layers.GRU(4)])
            model.predict(x, verbose=0)

        def case_plain_list():
            return layers.Dense(1)([x[:, 0], x[:, 1]])
        """,
    )
    observations = oracle.observe(path)
    fed = [o for o in observations if o.kind == "state_list_fed"]
    assert {(o.case, o.layer) for o in fed} == {("case_add", "GRU"), ("case_predict", "GRU")}
    add = next(o for o in fed if o.case == "case_add")
    assert add.stmt[0] == line_of(path, "return_state=True))")
    raised = next(o for o in observations if o.case == "case_add" and o.kind == "raised")
    assert raised.stmt[0] == line_of(path, "layers.Dense(1))") and add.seq < raised.seq


def test_state_not_carried_through_a_decode_loop(tmp_path):
    path = write(
        tmp_path,
        """
        gru = layers.GRU(4, return_state=True)
        dense = layers.Dense(5)
        tok_in = keras.Input(shape=(None, 5))
        h_in = keras.Input(shape=(4,))
        seq, h_out = layers.GRU(4, return_state=True)(tok_in, initial_state=h_in)
        model = keras.Model([tok_in, h_in], [layers.Dense(5)(seq), h_out])

        def case_layer_dropped():
            tok = x[:, :1]
            for _ in range(3):
                out, new_h = gru(tok, initial_state=h)  # dropped
                tok = dense(out)[:, None, :]

        def case_layer_carried():
            tok, state = x[:, :1], h
            for _ in range(3):
                out, state = gru(tok, initial_state=state)  # carried
                tok = dense(out)[:, None, :]

        def case_predict_dropped():
            tok = x[:, :1]
            for _ in range(3):
                out, new_h = model.predict([tok, h], verbose=0)  # dropped
                tok = out[:, None, :]

        def case_predict_carried():
            tok, state = x[:, :1], h
            for _ in range(3):
                out, state = model.predict([tok, state], verbose=0)  # carried
                tok = out[:, None, :]

        def case_once():
            out, new_h = gru(x, initial_state=h)  # once
        """,
    )
    observations = oracle.observe(path)
    dropped = [o for o in observations if o.kind == "state_not_carried"]
    assert {(o.case, o.stmt[0]) for o in dropped} == {
        ("case_layer_dropped", line_of(path, "# dropped")),
        ("case_predict_dropped", line_of(path, "model.predict([tok, h]")),
    }
    assert {o.layer for o in dropped} == {"GRU", "Functional"}
    carried = {(o.case, o.stmt[0]) for o in observations if o.detail == "state carried"}
    assert carried == {("case_layer_carried", line_of(path, "# carried")),
                       ("case_predict_carried", line_of(path, "model.predict([tok, state]"))}
    assert kinds_at(observations, line_of(path, "# once")) == {"ok"}
    effects = {**EFFECTS, "E4": {"state_not_carried"}}
    marked = {line_of(path, "# dropped"): {"E4"}, line_of(path, "model.predict([tok, h]"): {"E4"}}
    assert oracle.verdict(observations, marked, effects) == []
    # unmarked, the dropped states are a problem; a marker on a carrying loop is not proven
    assert len(oracle.verdict(observations, {line_of(path, "# once"): {"E1"}}, effects)) >= 2
    problems = oracle.verdict(observations, {**marked, line_of(path, "# carried"): {"E4"}}, effects)
    assert len(problems) == 1 and "state_not_carried" in problems[0]


def test_carried_compares_values_not_identities():
    import numpy as np

    oracle._load()
    h0, h1, h2 = np.zeros((1, 2)), np.ones((1, 2)), np.full((1, 2), 2.0)
    assert oracle._carried(([h0], [h1]), ([h1.copy()], [h2])) == "carried"
    assert "unchanged" in oracle._carried(([h0], [h1]), ([h0.copy()], [h2]))
    # a new array of another shape than the repeated input says nothing
    assert oracle._carried(([h0], [np.ones((3,))]), ([h0], [h2])) is None
    # nothing new returned: nothing to carry
    assert oracle._carried(([h0], [h0.copy()]), ([h0], [h0])) is None
