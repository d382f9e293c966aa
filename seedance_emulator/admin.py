"""The emulator's own endpoints for tests and benchmarks (``/_emulator/*``); WaveSpeed has nothing like them.

GET  /_emulator/stats   {counts: {route: n}, jobs, deleted, by_status, submit_keys: {fp: n}, balances: {fp: usd},
                         list_lag}
GET  /_emulator/jobs    {id: {status, completed_at, model, deleted}} (deleted tasks too: they may still render)
POST /_emulator/faults  {clear?: bool, faults?: [fault, ...], random?: {rate, seed?, routes?},
                         processing_seconds?: float, list_lag?: float, list_inputs?: bool}
POST /_emulator/keys    {key, to}: make ``key`` another key of the account that owns the key ``to`` -> {ok}
POST /_emulator/models  {model: entry} or {models: [entry, ...]}: add models (WaveSpeed's catalog format) to this
                        emulator's catalog alone -> {ok, added: [model_id, ...], renderable: [model_id, ...]}
POST /_emulator/reset   forget jobs, accounts, counts, faults and added models; list_lag back to the constructor's
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Protocol

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


class Administered(Protocol):
    """What the test endpoints reach of the server (the ``Emulator``); they receive it, never import it."""

    accounts: Any
    catalog: Any
    faults: Any
    jobs: dict[str, Any]
    deleted: dict[str, Any]
    stats: Counter[str]
    submit_keys: Counter[str]
    list_lag: float
    list_inputs: bool
    processing_seconds: Any

    def add_key(self, key: str, *, to: str) -> None: ...

    def reset(self) -> None: ...


def admin_routes(emu: Administered) -> list[Route]:
    async def stats(request: Request) -> Response:
        jobs = list(emu.jobs.values())
        return JSONResponse({
            "counts": dict(emu.stats), "jobs": len(jobs), "deleted": len(emu.deleted),
            "by_status": dict(Counter(j.status for j in jobs)), "submit_keys": dict(emu.submit_keys),
            "balances": emu.accounts.balances(), "list_lag": emu.list_lag,
        })  # fmt: skip

    async def jobs(request: Request) -> Response:
        """When each job finished, by the server's clock: benchmarks measure how soon clients notice."""
        every = [*emu.jobs.values(), *emu.deleted.values()]
        return JSONResponse({j.id: {"status": j.status, "completed_at": j.completed_at, "model": j.model,
                                    "deleted": j.deleted} for j in every})  # fmt: skip

    async def faults(request: Request) -> Response:
        q = await request.json()
        try:
            if q.get("clear"):
                emu.faults.clear()
            for f in q.get("faults", []):
                emu.faults.add(**f)
            if "random" in q:
                emu.faults.set_random(**q["random"])
            if "processing_seconds" in q:
                emu.processing_seconds = float(q["processing_seconds"])
            if "list_lag" in q:
                emu.list_lag = float(q["list_lag"])
            if "list_inputs" in q:
                emu.list_inputs = bool(q["list_inputs"])
        except (TypeError, ValueError) as e:
            return JSONResponse({"ok": False, "error": str(e)}, 400)
        return JSONResponse({"ok": True})

    async def models(request: Request) -> Response:
        try:
            q = await request.json()
            entries = q["models"] if "models" in q else [q["model"]]
            if not isinstance(entries, list):
                raise TypeError("models must be a list")
            specs = [emu.catalog.add(e) for e in entries]
        except (ValueError, TypeError, KeyError, AttributeError) as e:
            return JSONResponse({"ok": False, "error": str(e)}, 400)
        return JSONResponse({"ok": True, "added": [e["model_id"] for e in entries],
                             "renderable": [s.id for s in specs if s is not None]})  # fmt: skip

    async def keys(request: Request) -> Response:
        q = await request.json()
        if not isinstance(q, dict) or not all(isinstance(q.get(k), str) and q[k] for k in ("key", "to")):
            return JSONResponse({"ok": False, "error": "key and to must be API keys"}, 400)
        emu.add_key(q["key"], to=q["to"])
        return JSONResponse({"ok": True})

    async def reset(request: Request) -> Response:
        emu.reset()
        return JSONResponse({"ok": True})

    return [
        Route("/_emulator/stats", stats, methods=["GET"]),
        Route("/_emulator/jobs", jobs, methods=["GET"]),
        Route("/_emulator/faults", faults, methods=["POST"]),
        Route("/_emulator/models", models, methods=["POST"]),
        Route("/_emulator/keys", keys, methods=["POST"]),
        Route("/_emulator/reset", reset, methods=["POST"]),
    ]
