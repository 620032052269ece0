"""The language server's garbage-collection policy, and what it relies on: a checked
file leaves no scope cycles for the collector (no timings are asserted)."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from gru_lint import core
from gru_lint.lsp import collector as collector_module
from gru_lint.lsp.collector import Collector
from gru_lint.analysis.scopes import Binding, Scope

MODEL = Path(__file__).resolve().parent.parent / "benchmarks" / "model_500.py"
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "engine_rebind" / "text_generation_initial_state.py"


def test_a_checked_file_leaves_no_scope_cycles_to_the_collector():
    # The benchmark's model: its scopes and bindings (and the tree they reach) are freed by
    # reference counts. (Files with helper calls still leave other cycles behind.)
    text = MODEL.read_text(encoding="utf-8")
    core.check_source(text)
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        core.check_source(text)
        gc.collect()
        left = [o for o in gc.garbage if isinstance(o, (Scope, Binding))]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if was_enabled:
            gc.enable()
    assert left == []


def test_the_release_does_not_change_findings():
    text = FIXTURE.read_text(encoding="utf-8")
    first = core.check_source(text)
    assert first  # a fixture with findings
    assert core.check_source(text) == first


class FakeLoop:
    def __init__(self):
        self.timers = []

    def call_later(self, delay, callback):
        timer = FakeTimer(delay, callback)
        self.timers.append(timer)
        return timer


class FakeTimer:
    def __init__(self, delay, callback):
        self.delay, self.callback, self.cancelled = delay, callback, False

    def cancel(self):
        self.cancelled = True


@pytest.fixture
def started():
    was_enabled = gc.isenabled()
    c = Collector()
    c.start()
    try:
        yield c
    finally:
        c.cancel()
        gc.unfreeze()
        if was_enabled:
            gc.enable()


def test_an_inactive_collector_leaves_gc_alone():
    c = Collector()
    loop = FakeLoop()
    enabled = gc.isenabled()
    c.before_analysis()
    c.published(loop, waiting=False)
    assert gc.isenabled() == enabled
    assert (c.young_passes, c.full_passes, loop.timers) == (0, 0, [])


def test_started_the_collector_is_off_and_collects_after_publishing(started):
    assert not gc.isenabled()
    loop = FakeLoop()
    started.published(loop, waiting=False)
    assert started.young_passes == 1
    started.published(loop, waiting=True)  # another analysis is due: not now
    assert started.young_passes == 1
    # One full collection armed at a time, once nothing happens for FULL_IDLE seconds.
    assert [t.cancelled for t in loop.timers] == [True, False]
    assert loop.timers[-1].delay == collector_module.FULL_IDLE
    started.busy()
    assert loop.timers[-1].cancelled
    loop.timers[-1].callback()
    assert started.full_passes == 1


def test_pending_garbage_is_bounded_without_publishing(started, monkeypatch):
    monkeypatch.setattr(collector_module, "YOUNG_LIMIT", 10)
    junk = [[i] for i in range(100)]  # noqa: F841  (objects the collector tracks)
    started.before_analysis()
    assert started.young_passes == 1


def test_every_so_often_a_young_pass_is_a_full_one(started, monkeypatch):
    monkeypatch.setattr(collector_module, "FULL_EVERY", 3)
    loop = FakeLoop()
    for _ in range(4):
        started.published(loop, waiting=False)
    assert (started.young_passes, started.full_passes) == (3, 1)
