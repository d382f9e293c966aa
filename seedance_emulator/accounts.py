"""WaveSpeed accounts as the emulator keeps them. As on WaveSpeed, an account owns several API keys (and its web
playground): its balance, its job list and its limits (concurrency slots: the lowest tier runs 2 at once; extra
tasks wait) belong to the account, not to a key. A key seen for the first time opens an account of its own; a test
adds a key to an existing account with ``add_key`` (WaveSpeed: "create another key" in the dashboard). A key, not
its account, can be revoked (a staged fault): it answers 401 from then on while the account's other keys work.
Keys are known by their fingerprint only; the key itself is never stored.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
from dataclasses import dataclass, field


def fingerprint(key: str) -> str:
    """The account a bearer key belongs to; the key itself is never stored."""
    return hashlib.sha256(key.encode()).hexdigest()[:12]


@dataclass
class Account:
    fp: str
    """The account's id: the fingerprint of the first key it was seen with."""
    balance: float
    slots: asyncio.Semaphore | None = None
    keys: set[str] = field(default_factory=set)
    """Fingerprints of the keys it owns."""


class Accounts:
    """Thread-safe accounts, each starting at ``start_balance`` (USD) the first time its key is seen."""

    def __init__(self, start_balance: float) -> None:
        self.start_balance = start_balance
        self._lock = threading.Lock()
        self._accounts: dict[str, Account] = {}
        self._owner: dict[str, str] = {}
        """Key fingerprint -> account id."""
        self._revoked_from: dict[str, float] = {}
        """Key fingerprint -> ``time.monotonic()`` from which that key answers 401 everywhere."""

    def _get(self, fp: str) -> Account:
        """The account owning the key ``fp``: a new account of its own the first time the key is seen."""
        acc = self._accounts.get(self._owner.get(fp, fp))
        if acc is None:
            acc = self._accounts[fp] = Account(fp, self.start_balance, keys={fp})
            self._owner[fp] = fp
        return acc

    def account_of(self, fp: str) -> str:
        """The id of the account that owns the key ``fp``."""
        with self._lock:
            return self._get(fp).fp

    def add_key(self, fp: str, *, to: str) -> str:
        """Make the key ``fp`` one of the keys of the account that owns the key ``to``; that account's id. A key
        that already had an account of its own keeps its jobs there (tests add keys before using them)."""
        with self._lock:
            acc = self._get(to)
            acc.keys.add(fp)
            self._owner[fp] = acc.fp
            return acc.fp

    def balance(self, fp: str) -> float:
        with self._lock:
            return self._get(fp).balance

    def charge(self, fp: str, amount: float) -> None:
        with self._lock:
            self._get(fp).balance -= amount

    def refund(self, fp: str, amount: float) -> None:
        with self._lock:
            self._get(fp).balance += amount

    def balances(self) -> dict[str, float]:
        with self._lock:
            return {fp: round(a.balance, 4) for fp, a in self._accounts.items()}

    def net_spent(self) -> float:
        """What all accounts together have been charged, less refunds."""
        with self._lock:
            return sum(self.start_balance - a.balance for a in self._accounts.values())

    def slots(self, fp: str, size: int) -> asyncio.Semaphore:
        """The account's render slots: ``size`` tasks at once, the rest wait their turn."""
        with self._lock:
            acc = self._get(fp)
            if acc.slots is None:
                acc.slots = asyncio.Semaphore(size)
            return acc.slots

    def revoke(self, fp: str, after: float) -> None:
        """The key ``fp`` answers 401 on every endpoint ``after`` seconds from now (its account's other keys don't)."""
        with self._lock:
            self._revoked_from[fp] = time.monotonic() + after

    def revoked(self, fp: str) -> bool:
        with self._lock:
            since = self._revoked_from.get(fp)
            return since is not None and time.monotonic() >= since

    def clear(self) -> None:
        with self._lock:
            self._accounts.clear()
            self._owner.clear()
            self._revoked_from.clear()
