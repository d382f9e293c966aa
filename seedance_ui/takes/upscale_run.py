"""Upscaling one of a visitor's saved takes: priced before anything is sent, journaled as a take of its own
(so it is recoverable, shown in History and never paid twice), then carried by ``take_run`` like any take."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from .. import upscale, video
from ..errors import InputError, NotReady, SeedanceError
from ..journal import Take
from ..words.said import Said, Usd, said, say
from .ledger import noted
from .take_run import ProgressFn, TakeResult, reporter

if TYPE_CHECKING:
    from ..door import VisitorDoor


@dataclass(frozen=True)
class UpscalePrice:
    take_id: str
    target: str
    width: int
    height: int
    seconds: float
    usd: Decimal | None
    """None in demo mode, or when the price could not be had (``problem`` says why)."""
    kind: str
    """'formula' (the catalog's formula, evaluated here), 'wavespeed' (asked of WaveSpeed) or 'demo'."""
    published: bool = False
    problem: str = ""

    @property
    def said(self) -> Said:
        """What upscaling costs, as a message (``words.say`` renders it for the visitor)."""
        size, seconds = f"{self.target} ({self.width} × {self.height})", round(self.seconds)
        if self.kind == "demo":
            return said("upscale.quote_demo", seconds=seconds, size=size)
        if self.usd is None:
            return said("upscale.quote_unpriced", size=size, problem=self.problem)
        if self.kind == "wavespeed":
            return said("upscale.quote_wavespeed", seconds=seconds, size=size, price=Usd(self.usd))
        return said("upscale.quote_estimate", seconds=seconds, size=size, price=Usd(self.usd))

    @property
    def text(self) -> str:
        """The price in English (the CLI's and the logs')."""
        return say(self.said)


def _video_of(session: VisitorDoor, take_id: str) -> tuple[Take, Path]:
    take = session.take(take_id)
    if not take.video_path or not Path(take.video_path).exists():
        raise InputError(said("upscale.no_video"))
    return take, Path(take.video_path)


async def price(session: VisitorDoor, take_id: str, target: str) -> UpscalePrice:
    """What upscaling this take to ``target`` costs, before anything is sent; InputError for a size it can't take."""
    take, path = _video_of(session, take_id)
    return await _price(session, take, path, None, target)


async def _price(session: VisitorDoor, take: Take, path: Path, data: bytes | None, target: str) -> UpscalePrice:
    """``price`` for a take in hand; ``data`` is its video when already read (it is uploaded only if WaveSpeed
    must price it)."""
    try:
        info = await asyncio.to_thread(video.probe, path)
    except Exception:  # PyAV raises many kinds for a damaged file
        raise InputError(said("upscale.unreadable")) from None
    up = upscale.current()
    problem = up.problem(target, min(info["width"], info["height"]))
    if problem:
        raise InputError(problem)
    w, h = upscale.target_size(info["width"], info["height"], target)
    base = dict(take_id=take.id, target=target, width=w, height=h, seconds=info["seconds"])
    if session.demo:
        return UpscalePrice(**base, usd=None, kind="demo")
    usd = up.price(target, info["seconds"])
    if usd is not None:
        return UpscalePrice(**base, usd=usd, kind="formula")
    try:  # a formula only WaveSpeed can evaluate: it needs the video itself (uploads are free)
        client = session.wavespeed
        url = await client.upload(data or path.read_bytes(), "take.mp4", "video/mp4")
        usd = await client.quote(up.id, up.inputs(url, target))
    except SeedanceError as e:
        return UpscalePrice(**base, usd=None, kind="wavespeed", problem=session.say(e.said))
    return UpscalePrice(**base, usd=usd, kind="wavespeed", published=True)


async def run(session: VisitorDoor, take_id: str, target: str, on_progress: ProgressFn | None = None) -> TakeResult:
    """Upscale a take: the same click twice while it runs shares one run (one POST, one charge)."""
    key = hashlib.sha256(f"upscale|{session.owner}|{session.tab}|{take_id}|{target}".encode()).hexdigest()
    return await session.studio.once(key, lambda: _run(session, take_id, target, on_progress))


async def _run(session: VisitorDoor, take_id: str, target: str, on_progress: ProgressFn | None) -> TakeResult:
    session.preflight(1)
    source, path = _video_of(session, take_id)
    data = path.read_bytes()
    q = await _price(session, source, path, data, target)
    if q.usd is None and not session.demo:
        raise NotReady(said("upscale.refused_unpriced", problem=q.problem))
    up = upscale.current()
    take = session.studio.ledger.begin(Take(
        id=uuid.uuid4().hex[:16], owner=session.owner, model_id=up.id, prompt=source.prompt,
        settings={**source.settings, "target_resolution": target, "source_take": source.id,
                  "source_model": source.model_id},
        seed=source.seed, price_usd=f"{q.usd:.2f}" if q.usd is not None else "", price_published=q.published,
        first_image=source.first_image, last_image=source.last_image,
        **noted(said("note.upscaled", size=target, width=str(q.width), height=str(q.height), take=source.id)),
    ))  # fmt: skip
    report = reporter(take.id, 0, on_progress)
    await report("uploading", said("progress.sending_video"))
    try:
        url = await session.wavespeed.upload(data, "take.mp4", "video/mp4")
        result = await session.runner().start(take, up.inputs(url, target), report)
    except SeedanceError as e:
        raise await session.ended(take, e, report) from None
    await report("saved", said("progress.saved"), task_id=result.take.task_id, video=result.video_path)
    return result
