"""The POST requests a worker is serving: one slot each, taken once the whole body has arrived.

A slot belongs to its connection until it is released, and releasing it twice is harmless. The
connection layer releases a request's slot when its app call ends, whatever way it ends, and every
slot still held when the connection is lost: no exit path can keep one (serving/http/connection.py).
"""

import time
from collections.abc import Callable


class Slot:
    """One admitted request. `release` gives the slot back once; later calls do nothing."""

    __slots__ = ("admission", "owner")

    def __init__(self, admission: "Admission", owner: set["Slot"]) -> None:
        self.admission = admission
        self.owner: set[Slot] | None = owner
        owner.add(self)

    def release(self) -> None:
        if self.owner is None:
            return
        self.owner.discard(self)
        self.owner = None
        self.admission.give_back()


class Admission:
    """How many slots this worker holds against its limit, and whether a full house makes progress."""

    def __init__(self, limit: int = 100, stall_s: float = 20.0) -> None:
        self.limit = limit
        self.stall_s = stall_s
        self.held = 0
        # When it last became full or gave a slot back: how long a full house has made no progress.
        self.progress = time.monotonic()
        self.on_change: Callable[[int], None] = lambda held: None

    def configure(self, limit: int, stall_s: float, on_change: Callable[[int], None]) -> None:
        self.limit, self.stall_s, self.on_change = limit, stall_s, on_change
        on_change(self.held)

    def take(self, owner: set[Slot]) -> Slot | None:
        """A slot for a request of the connection that owns `owner`, or None at the limit."""
        if self.held >= self.limit:
            return None
        self.held += 1
        if self.held == self.limit:
            self.progress = time.monotonic()
        self.on_change(self.held)
        return Slot(self, owner)

    def give_back(self) -> None:
        self.held -= 1
        self.progress = time.monotonic()
        self.on_change(self.held)

    def stalled(self) -> bool:
        """Full, with no slot given back for stall_s: every admitted request ends within the request
        timeout, so this is a wedged worker (or a leak), never load. Readiness then fails."""
        return self.held >= self.limit and time.monotonic() - self.progress > self.stall_s


# One per worker process: uvicorn's connection layer takes slots, the app reports readiness from it.
ADMISSION = Admission()
