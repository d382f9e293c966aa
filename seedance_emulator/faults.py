"""Fault injection for the emulator: scripted faults for tests, random faults for load runs.

A fault is a dict. Request faults (``route`` is submit, result, get, delete, bulk_delete, list, upload, put,
binary, balance, price, models or file) act on the next request to that route; ``store`` says whether the request is
handled first (the job stored, the task deleted, ...) and the fault hits the answer after a successful handling:
    {"route": "submit", "action": "status", "status": 502, "store": True}   store the job, then answer 502
    {"route": "submit", "action": "status", "status": 502}                  answer 502 before storing anything
    {"route": "submit", "action": "status", "status": 429, "retry_after": "2"}
    {"route": <any>, "action": "status", "status": 400, "echo_key": True}   the message quotes the caller's key
    {"route": "submit", "action": "drop", "store": True}      store the job, then cut the connection mid-answer
    {"route": "submit", "action": "drop"}                     cut the connection before storing anything
    {"route": "result", "action": "stall", "seconds": 3}      handle the request (store the job), wait, then answer
    {"route": "submit", "action": "stall", "seconds": 3, "store": False}   wait, then handle and answer
    {"route": "submit", "action": "envelope", "body": "code500" | "no_id" | "not_json"}   nothing stored
Task faults (``route`` is "task"), applied to the next submitted job:
    {"route": "task", "fail_code": 1200}          the task fails with that code (and is refunded)
    {"route": "task", "final_status": "cancelled" | "timeout" | "mystery" | "processing"}
    {"route": "task", "empty_outputs": True}      completed with no outputs
    {"route": "task", "expire": "always" | "once"}  output links expired (always, or only the first link)
    {"route": "task", "output": "not_mp4" | "corrupt_mp4" | "huge" | "slow"}
                  not_mp4: HTML; corrupt_mp4: a valid ftyp box, then junk no demuxer opens;
                  huge: 25 MB of zeros after an ftyp box; slow: a drip of 256-byte chunks
    {"route": "task", "revoke_key_after": 0.3}    the submitting key answers 401 on every endpoint that many
                  seconds after the submit, while the job keeps rendering and stays charged
``times`` (default 1) says how many requests or jobs a fault applies to. A slow prediction list is not a fault
but a setting: ``Emulator(list_lag=...)`` or ``POST /_emulator/faults {"list_lag": seconds}``.
"""

from __future__ import annotations

import random
import threading
from typing import Any

REQUEST_ROUTES = ("submit", "result", "get", "delete", "bulk_delete", "list", "upload", "put", "binary", "balance")
ROUTES = frozenset((*REQUEST_ROUTES, "price", "models", "file", "task"))


class FaultPlan:
    """Thread-safe queue of scripted faults plus an optional random fault rate."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[dict[str, Any]] = []
        self._rate = 0.0
        self._rng = random.Random(0)
        self._random_routes: set[str] = set()
        self.fired: list[dict[str, Any]] = []

    def add(self, **fault: Any) -> None:
        if fault.get("route") not in ROUTES:
            raise ValueError(f"route must be one of {sorted(ROUTES)}")
        fault.setdefault("times", 1)
        with self._lock:
            self._faults.append(fault)

    def set_random(self, rate: float, seed: int = 0, routes: tuple[str, ...] = ("submit", "result")) -> None:
        """Inject a random fault (reset, 5xx, 429, short stall) on this share of requests to these routes."""
        with self._lock:
            self._rate = rate
            self._rng = random.Random(seed)
            self._random_routes = set(routes)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self._rate = 0.0
            self.fired.clear()

    def take(self, route: str) -> dict[str, Any] | None:
        """The fault for this request or job, if any, consuming one use of it."""
        with self._lock:
            for f in self._faults:
                if f["route"] == route:
                    f["times"] -= 1
                    if f["times"] <= 0:
                        self._faults.remove(f)
                    self.fired.append(dict(f))
                    return f
            if self._rate and route in self._random_routes and self._rng.random() < self._rate:
                kind = self._rng.choice(["drop", "status500", "status503", "status429", "stall"])
                fault: dict[str, Any]
                if kind == "drop":
                    fault = {"route": route, "action": "drop", "store": True}
                elif kind == "stall":
                    fault = {"route": route, "action": "stall", "seconds": 0.5}
                elif kind == "status429":
                    fault = {"route": route, "action": "status", "status": 429, "retry_after": "1", "store": False}
                else:
                    fault = {"route": route, "action": "status", "status": int(kind[-3:]), "store": True}
                self.fired.append(fault)
                return fault
        return None
