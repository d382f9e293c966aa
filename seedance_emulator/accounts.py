"""WaveSpeed accounts as the emulator keeps them: one per API key (its fingerprint), each with its own balance,
its own concurrency slots (the lowest tier runs 2 at once; extra tasks wait) and, when a fault says so, a time
from which its key stops working.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
from dataclasses import dataclass


def fingerprint(key: str) -> str:
    """The account a bearer key belongs to; the key itself is never stored."""
    return hashlib.sha256(key.encode()).hexdigest()[:12]


@dataclass
class Account:
    fp: str
    balance: float
    slots: asyncio.Semaphore | None = None
    revoked_from: float | None = None
    """``time.monotonic()`` from which the key answers 401 everywhere (a staged "key revoked" fault)."""


class Accounts:
    """Thread-safe accounts, each starting at ``start_balance`` (USD) the first time its key is seen."""

    def __init__(self, start_balance: float) -> None:
        self.start_balance = start_balance
        self._lock = threading.Lock()
        self._accounts: dict[str, Account] = {}

    def _get(self, fp: str) -> Account:
        acc = self._accounts.get(fp)
        if acc is None:
            acc = self._accounts[fp] = Account(fp, self.start_balance)
        return acc

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
        """The account's key answers 401 on every endpoint ``after`` seconds from now."""
        with self._lock:
            self._get(fp).revoked_from = time.monotonic() + after

    def revoked(self, fp: str) -> bool:
        with self._lock:
            acc = self._accounts.get(fp)
            return acc is not None and acc.revoked_from is not None and time.monotonic() >= acc.revoked_from

    def clear(self) -> None:
        with self._lock:
            self._accounts.clear()
