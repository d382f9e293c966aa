"""The engine every visitor shares: the journal and its ledger, the library, one WaveSpeed client per event loop,
and the bookkeeping that keeps one click to one POST. Visitors reach it only through a ``Session``, which a
``runtime.Runtime`` makes for each visitor (``Runtime.session(owner, key)``) and which binds their key and ownership
once; the Studio itself knows nothing of sessions.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
import uuid
import weakref
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from .client import WaveSpeedClient
from .downloads import clean_stale_parts
from .errors import NotReady
from .journal import Journal
from .takes.ledger import Ledger
from .words.said import said

T = TypeVar("T")


class Studio:
    def __init__(
        self,
        journal: Journal,
        library: Path,
        *,
        client_factory: Callable[[], WaveSpeedClient],
        demo: bool = False,
        reconcile_delay: float = 2.0,
        list_lag: float = 60.0,
        window_before: float = 30.0,
        window_after: float = 120.0,
    ) -> None:
        self.journal = journal
        self.ledger = Ledger(journal)
        self.library = Path(library)
        self.library.mkdir(parents=True, exist_ok=True)
        clean_stale_parts(self.library)
        self._client_factory = client_factory
        self.demo = demo
        self.reconcile_delay = reconcile_delay
        """Pause before each look at WaveSpeed's job list after an ambiguous submit."""
        self.list_lag = list_lag
        """How long after a submit its job may still be missing from the list (WaveSpeed's list lags)."""
        self.window_before, self.window_after = window_before, window_after
        """The time window around a submit in which a listed job may be that submit's (clock skew, queueing)."""
        # An httpx client belongs to one event loop; the app's loop and a recovery thread's loop each get one.
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, WaveSpeedClient] = (
            weakref.WeakKeyDictionary()
        )
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()
        self._picture_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )
        self.inflight: dict[str, asyncio.Future] = {}
        self._submits_in_flight = 0
        self._submitting_now: set[str] = set()

    def client(self) -> WaveSpeedClient:
        """This event loop's client, made on first use and taught the render times the journal knows."""
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            client = self._clients[loop] = self._client_factory()
            for key, seconds in self.journal.render_times():
                client.eta.observe(key, seconds)
        return client

    async def aclose(self) -> None:
        """Close this event loop's client (call it before the loop ends)."""
        client = self._clients.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client.aclose()

    def picture_slots(self) -> asyncio.Semaphore:
        """Pictures are decoded and resized one per core at a time: twenty at once only share the same cores and
        multiply the memory (a 9 MB photo decodes to ~120 MB)."""
        loop = asyncio.get_running_loop()
        slots = self._picture_slots.get(loop)
        if slots is None:
            slots = self._picture_slots[loop] = asyncio.Semaphore(max(1, os.cpu_count() or 1))
        return slots

    def reconcile_lock(self) -> asyncio.Lock:
        """One reconciliation at a time per loop: two takes must never adopt the same job."""
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        return lock

    @contextmanager
    def submitting(self, take_id: str) -> Iterator[None]:
        """Around a take's submit POST: the only place the counts of submits in flight change. Reconciliation
        waits for them (``quiet_submits``) and leaves their takes alone (``is_submitting``)."""
        self._submits_in_flight += 1
        self._submitting_now.add(take_id)
        try:
            yield
        finally:
            self._submits_in_flight -= 1
            self._submitting_now.discard(take_id)

    @property
    def submits_in_flight(self) -> int:
        return self._submits_in_flight

    def is_submitting(self, take_id: str) -> bool:
        return take_id in self._submitting_now

    async def quiet_submits(self, limit: float = 30.0) -> None:
        """Wait (boundedly) until no submit POST of ours is in flight, so a job whose answer is still on its way
        is not mistaken for another take's."""
        until = time.monotonic() + limit
        while self._submits_in_flight > 0 and time.monotonic() < until:
            await asyncio.sleep(0.05)

    def library_for(self, owner: str) -> Path:
        """The desktop's library, or a visitor's own folder (named by their owner id) on a Space."""
        path = self.library if owner == "local" else self.library / "sessions" / re.sub(r"[^A-Za-z0-9_-]", "", owner)
        (path / "inputs").mkdir(parents=True, exist_ok=True)
        return path

    def keep_pictures(
        self, owner: str, first: Any, last: Any = None, *, then: Any = ""
    ) -> tuple[str, Path, Path | None]:
        """Copies of a take's prepared pictures in the owner's library (the journal points at them, so nothing
        depends on the original files staying put): a stamp for the takes' ids, and the two paths. ``then`` ends
        the refusal when the folder can't be written (a message: "Nothing was queued.")."""
        stamp = uuid.uuid4().hex[:16]
        inputs = self.library_for(owner) / "inputs"
        first_copy = inputs / f"{stamp}_first{first.extension}"
        last_copy = inputs / f"{stamp}_last{last.extension}" if last else None
        try:
            first_copy.write_bytes(first.data)
            if last_copy and last:
                last_copy.write_bytes(last.data)
        except OSError as e:
            raise NotReady(
                said("ready.cant_keep_pictures", folder=str(inputs), why=str(e.strerror or e), then=then)
            ) from None
        return stamp, first_copy, last_copy

    async def once(self, key: str, make: Callable[[], Awaitable[T]]) -> T:
        """Run ``make()`` unless a run under the same key is under way, whose outcome is then shared: the same
        click twice while it runs is one POST and one charge."""
        running = self.inflight.get(key)
        if running is not None:
            return await asyncio.shield(running)
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.inflight[key] = fut
        try:
            result = await make()
            fut.set_result(result)
            return result
        except BaseException as e:
            if isinstance(e, asyncio.CancelledError):
                fut.cancel()
            else:
                fut.set_exception(e)
                fut.exception()  # a lone caller's error is not an unhandled one
            raise
        finally:
            self.inflight.pop(key, None)
