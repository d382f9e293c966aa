"""What the app runs on (``AppContext``, one per process) and what it knows of one visitor (``Visitor``, kept in
``gr.State``: server memory, per browser tab, never sent to the page and never recorded by run history).

The pages reach the core only through ``ctx.session(visitor)``: a Session bound to the visitor's key (or demo
mode) and the owner of their takes.
"""

from __future__ import annotations

import asyncio
import secrets
import tempfile
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from .. import keys
from ..catalog import ModelSpec
from ..runtime import Runtime
from ..session import Session
from ..words.said import Said, said


@dataclass
class Visitor:
    """One visitor's state. The key lives here only (server side) and is dropped when the session ends."""

    token: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    """A random id for this visitor's demo takes on a Space; kept in their browser, never a key."""
    key: str | None = field(default=None, repr=False)
    balance: str | None = None
    """The balance WaveSpeed reported when the key was checked (shown in the banner)."""
    last_seed: int | None = None
    running: dict[int, str] = field(default_factory=dict)
    """Take slot -> take id, while a click's takes run (for each take's own Cancel)."""
    cancelled: set[int] = field(default_factory=set)
    saved: dict[int, str] = field(default_factory=dict)
    """Take slot -> the take saved there by the last click (for its "Use this seed")."""
    fixed: dict[str, str] = field(default_factory=dict)
    """Fixed picture file name -> what was done, so the re-check can say it."""
    locale: str = "en"
    """The visitor's language (one of ``words.LOCALES``): set when the page opens (their choice kept in the browser,
    else their browser's Accept-Language) and when they switch in Settings. Per visitor, never the process's."""


class FairShare:
    """Demo renders use the Space's own CPU: a few at a time, first come first served, one run per visitor."""

    def __init__(self, slots: int = 2) -> None:
        self.slots = slots
        self.running: set[str] = set()
        self.waiting: list[str] = []
        self.lock = threading.RLock()
        """The queue's runners take turns from their own threads (``queue_share.ShareGate``)."""

    BUSY = said("share.busy")

    def busy(self, token: str) -> bool:
        with self.lock:
            return token in self.running or token in self.waiting

    def join(self, token: str) -> None:
        with self.lock:
            self.waiting.append(token)

    def ahead(self, token: str) -> int | None:
        """How many wait before this visitor, or None once it is their turn (and they take a slot)."""
        with self.lock:
            place = self.waiting.index(token)
            if place == 0 and len(self.running) < self.slots:
                self.waiting.pop(0)
                self.running.add(token)
                return None
            return place + max(0, len(self.running) - self.slots + 1)

    async def turn(self, token: str) -> AsyncIterator[Said]:
        """A line to show each second while this visitor (joined already) waits, until a slot is theirs."""
        while (ahead := self.ahead(token)) is not None:
            yield said("share.waiting", ahead=ahead)
            await asyncio.sleep(1.0)

    def leave(self, token: str) -> None:
        with self.lock:
            self.running.discard(token)
            if token in self.waiting:
                self.waiting.remove(token)


@dataclass
class AppContext:
    """A demo runtime (built-in emulator) and/or a live one (WaveSpeed), and how this app is hosted."""

    demo: Runtime | None
    live: Runtime | None
    on_space: bool = False
    owner_key: bool = False
    """A key came from the environment (the desktop's, or a Space owner's)."""
    shared_key_allowed: bool = False
    spend_threshold: float = 2.0
    work_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="seedance-ui-")))
    live_factory: object = None
    """Builds the live Runtime on first use (a Space with no owner key, when a visitor pastes one)."""
    owner_salt: str = field(default_factory=lambda: secrets.token_hex(16), repr=False)
    """Salt for naming a key's takes by fingerprint; kept in the data folder so a key finds its takes again."""
    fair_share: FairShare = field(default_factory=FairShare)
    browser_secret: str = field(default_factory=lambda: secrets.token_hex(16), repr=False)
    """Secret of the visitor token kept in the browser (gr.BrowserState); kept so a restart doesn't forget it."""

    def uses_owner_key(self) -> bool:
        return self.live is not None and self.owner_key and (not self.on_space or self.shared_key_allowed)

    def is_demo(self, visitor: Visitor) -> bool:
        return not visitor.key and not self.uses_owner_key()

    def catalog_slot(self, visitor: Visitor | None) -> tuple[str | None, str | None]:
        """(key, base URL) of the catalog this visitor sees: their own key's, the owner's, or none (demo: the
        built-in list). Never the process's: each visitor is shown and checked against their own."""
        if self.live is not None and visitor is not None and visitor.key:
            return visitor.key, self.live.base_url
        if self.uses_owner_key():
            assert self.live is not None
            return self.live.key, self.live.base_url
        return None, None

    def models(self, visitor: Visitor | None) -> tuple[ModelSpec, ...]:
        """The models this visitor sees, prices against and is checked against."""
        from .. import catalog, catalog_live

        key, base = self.catalog_slot(visitor)
        return catalog_live.models_for(key, base) if key else catalog.MODELS

    def session(self, visitor: Visitor) -> Session:
        """The visitor's door into the core: their own key, the owner's key (desktop, or a Space that allows
        sharing it), or demo mode. It speaks the visitor's language."""
        locale = getattr(visitor, "locale", "en")
        if visitor.key:
            if self.live is None and callable(self.live_factory):
                self.live = self.live_factory()
            assert self.live is not None
            owner = keys.fingerprint(visitor.key, self.owner_salt) if self.on_space else "local"
            return self.live.session(owner=owner, key=visitor.key, tab=visitor.token, locale=locale)
        if self.uses_owner_key():
            assert self.live is not None
            return self.live.session(tab=visitor.token, locale=locale)
        if self.demo is None:
            from ..errors import AuthenticationError
            from ..words.said import said

            raise AuthenticationError(said("key.add_to_start"))
        return self.demo.session(owner=visitor.token if self.on_space else "local", tab=visitor.token, locale=locale)
