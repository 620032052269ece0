"""The language server's garbage-collection policy: no collection while the user waits.

Checking a file leaves its tree and scopes in reference cycles (a scope's bindings point
back to it), so they are freed by the cyclic garbage collector, not by reference counts.
With the collector on, the pass that frees them runs as the analysis ends (when
``gru_lint.core`` turns the collector back on after a file), that is before the
diagnostics are published: on the 500-line model, 4 to 7 ms of every edit, more when
the pass happens to be a full one.

The long-running server does it differently (:meth:`Collector.start`, called once the
analysis is imported):

- what start-up allocated is frozen out of the collector (``gc.freeze``) and automatic
  collection is turned off for good; ``core`` leaves a collector that is off alone;
- once diagnostics are published and no other analysis is waiting, one pass over the
  youngest objects frees the garbage of the analyses just published: the editor has its
  result, and an edit arriving meanwhile waits at most that pass;
- analyses that follow each other with nothing published in between (typing faster
  than the analysis) still collect before an analysis once more than ``YOUNG_LIMIT``
  objects are pending, so memory stays bounded;
- after ``FULL_IDLE`` seconds without an analysis (or in place of every ``FULL_EVERY``-th
  young pass, for a client that never pauses), one full collection frees the rest
  (objects that survived young passes and died since).

Nothing here imports pygls.
"""

from __future__ import annotations

import gc
from typing import Optional

YOUNG_LIMIT = 100_000  # pending objects (about ten analyses of a 500-line file)
FULL_IDLE = 2.0  # seconds without an analysis before a full collection
FULL_EVERY = 50  # young passes: the next is a full one if no idle moment came meanwhile


class Collector:
    def __init__(self):
        self.active = False  # False: gc as the interpreter has it (tests, in-process use)
        self._full = None  # the pending full collection (an asyncio TimerHandle)
        self.young_passes = 0
        self.full_passes = 0
        self._since_full = 0

    def start(self) -> None:
        """Freeze what exists now and take collection in hand."""
        gc.collect()
        gc.freeze()
        gc.disable()
        self.active = True

    def before_analysis(self) -> None:
        """Called on the worker thread before each analysis."""
        if self.active and gc.get_count()[0] > YOUNG_LIMIT:
            self._young()

    def published(self, loop, waiting: bool) -> None:
        """Diagnostics were just published; ``waiting``: another analysis is due."""
        if not self.active:
            return
        if not waiting:
            self._young()
        self.idle_later(loop)

    def idle_later(self, loop) -> None:
        """(Re)arm the full collection ``FULL_IDLE`` seconds from now."""
        if not self.active:
            return
        self.cancel()
        self._full = loop.call_later(FULL_IDLE, self._full_pass)

    def busy(self) -> None:
        """An analysis starts: no full collection until it is over."""
        self.cancel()

    def cancel(self) -> None:
        if self._full is not None:
            self._full.cancel()
            self._full = None

    def _young(self) -> None:
        if self._since_full >= FULL_EVERY:
            self._full_pass()
            return
        gc.collect(1)  # the new objects, and the survivors of the last young passes
        self.young_passes += 1
        self._since_full += 1

    def _full_pass(self) -> None:
        self._full = None
        gc.collect()
        self.full_passes += 1
        self._since_full = 0


def stats(collector: Optional[Collector]) -> dict:
    """What the collector did (for logs and tests)."""
    if collector is None:
        return {}
    return {
        "active": collector.active,
        "young": collector.young_passes,
        "full": collector.full_passes,
        "pending": gc.get_count()[0],
    }
