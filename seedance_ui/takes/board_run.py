"""Rendering a storyboard through the Session: every shot is a Plan whose takes are ordinary takes (journaled before
they are sent, one POST each, recoverable, cancellable, with their money line), in the order the board needs.

Shots that start from their own picture begin at once; a shot that continues waits for the previous shot's chosen
take (the first finished, until the person picks) and starts on its exact last frame at full size. A shot that
fails or is cancelled leaves the shots continuing from it waiting, with the reason, and nothing after it is sent.
The board records each take's id the moment the take is journaled (before its POST), so a render cut short by a
closed app picks up where it was: takes WaveSpeed has are finished, none is sent twice. The film is the chosen
takes joined with their sound, saved as a take of its own.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import video
from ..errors import InputError, SeedanceError
from ..journal import Take
from ..words.said import Said, said
from . import film, paced_start, take_run
from .ledger import noted
from .states import OUTCOME_UNKNOWN, TakeState
from .storyboard import FILM_MODEL, Board, BoardStore
from .take_run import Progress, TakeResult

if TYPE_CHECKING:
    from ..session import Session

log = logging.getLogger(__name__)


@dataclass
class ShotProgress:
    """One step of one shot (its take's stage, elapsed and expected time), for a progress line or a card."""

    shot: int
    stage: str
    message: Said | str
    take_id: str | None = None
    elapsed: float = 0.0
    expected: float | None = None
    task_id: str | None = None


ShotProgressFn = Callable[[ShotProgress], Awaitable[None] | None]


class BoardRun:
    def __init__(self, session: Session, board: Board, on_progress: ShotProgressFn | None = None) -> None:
        self.session, self.board, self.on_progress = session, board, on_progress
        self.store = BoardStore(session.studio.journal, session.owner)
        self.ready: list[asyncio.Future[str | None]] = []

    def save(self) -> None:
        self.store.save(self.board)

    async def _tell(self, p: ShotProgress) -> None:
        if self.on_progress is not None:
            out = self.on_progress(p)
            if asyncio.iscoroutine(out):
                await out

    # The render ----------------------------------------------------------------------------------------------

    async def render(self, shots: list[int] | None = None, *, film: bool = True) -> Board:
        """Render ``shots`` (default: every shot without a chosen take, and those out of date), then the film.
        The same call twice while it runs (a double click) shares one run."""
        picked = sorted(self.board.todo() if shots is None else shots)
        key = hashlib.sha256(json.dumps(["board", self.session.owner, self.session.tab, self.board.id, picked])
                             .encode()).hexdigest()  # fmt: skip
        return await self.session.studio.once(key, lambda: self._render(picked, film))

    async def _render(self, picked: list[int], film: bool) -> Board:
        plans = self.board.check()
        self.session.preflight(sum(plans[i].takes for i in picked))
        loop = asyncio.get_running_loop()
        self.ready = [loop.create_future() for _ in self.board.shots]
        for i, shot in enumerate(self.board.shots):
            if i not in picked:
                self.ready[i].set_result(shot.chosen)
        self.board.rendering = True
        self.save()
        runs = [asyncio.create_task(self._shot(i, plans[i])) for i in picked]
        try:
            await asyncio.gather(*runs)
        except asyncio.CancelledError:
            for run in runs:
                run.cancel()
            raise
        else:
            self.board.rendering = False
        finally:
            self.save()
        if film and all(s.chosen and not s.stale for s in self.board.shots) and not self.board.film_current():
            await asyncio.to_thread(make_film, self.session, self.board)
        return self.board

    async def _shot(self, i: int, plan: Any) -> None:
        shot, done = self.board.shots[i], self.ready[i]
        try:
            first = shot.image
            if shot.cont:
                prev = await self.ready[i - 1]
                if prev is None:
                    before = self.board.shots[i - 1]
                    why = before.problem or (said("board.shot_not_started", n=i) if before.waiting else
                                             said("board.shot_no_video", n=i))  # fmt: skip
                    shot.waiting = said("board.shot_waiting", before=i, why=why)
                    await self._tell(ShotProgress(i, "waiting", shot.waiting))
                    return
                first = str(await asyncio.to_thread(self.session.last_frame, prev))
                shot.started_from = prev
            shot.waiting = None
            if await self._resume(i):
                return
            shot.round_ids, shot.chosen, shot.stale, shot.problem = [], None, False, None
            self.save()
            # paced to the account's level (a 3-shot film on Bronze: two start, the third a minute later, no 429)
            results = await paced_start.generate(self.session, plan, first or "", shot.last_image,
                                                 original_size=shot.cont, on_progress=self._hook(i),
                                                 on_wait=lambda words: self._tell(ShotProgress(i, "waiting", words)))  # fmt: skip
            self._settle(i, results)
        except SeedanceError as e:  # refused before its takes began (a picture, the disk): the others go on
            shot.problem = said("board.shot_could_not_start", n=i + 1, why=e.said)
            await self._tell(ShotProgress(i, "failed", shot.problem))
        finally:
            self.save()
            if not done.done():
                done.set_result(shot.chosen)

    def _hook(self, i: int) -> Callable[[Progress], Awaitable[None]]:
        shot = self.board.shots[i]

        async def on(p: Progress) -> None:
            if p.take_id not in shot.round_ids:  # journaled, not yet sent: the board knows it before its POST
                shot.round_ids.append(p.take_id)
                shot.take_ids.append(p.take_id)
                self.save()
            if p.stage == "saved" and not shot.chosen:  # the first finished is chosen until the person picks
                shot.chosen = p.take_id
                self.save()
                if not self.ready[i].done():
                    self.ready[i].set_result(p.take_id)
            await self._tell(ShotProgress(i, p.stage, p.message, p.take_id, p.elapsed, p.expected, p.task_id))

        return on

    def _settle(self, i: int, results: list[TakeResult | SeedanceError]) -> None:
        shot = self.board.shots[i]
        saved = [r.take.id for r in results if isinstance(r, TakeResult)]
        if saved and not shot.chosen:
            shot.chosen = saved[0]
        errors = [r for r in results if isinstance(r, SeedanceError)]
        if not saved and errors:
            states = [t.state for t in (self.session.studio.ledger.get(x) for x in shot.round_ids) if t]
            cancelled = TakeState.CANCELLED in states
            shot.problem = (said("board.shot_cancelled", n=i + 1) if cancelled else
                            said("board.shot_failed", n=i + 1, why=errors[0].said))  # fmt: skip

    async def _resume(self, i: int) -> bool:
        """Carry the shot's takes from an earlier, interrupted render to their end; True when that gave a video
        or one of them still runs. Nothing is sent again: a take never sent is closed as such."""
        shot, ledger = self.board.shots[i], self.session.studio.ledger
        takes = [t for t in (ledger.get(tid) for tid in shot.round_ids) if t is not None]
        if not takes or shot.stale:
            return False
        for t in takes:
            if t.state == TakeState.PREPARING:  # journaled by a process that ended before its POST: nothing was sent
                ledger.never_sent(t.id, said("take.app_closed_before_sent"))
        if any(t.state in OUTCOME_UNKNOWN and not t.task_id for t in takes):
            await self.session.runner().reconcile()
        takes = [ledger.get(t.id) or t for t in takes]
        todo = [t for t in takes if not t.finished and t.task_id]
        await self._tell(ShotProgress(i, "resuming", said("progress.resuming")))
        results = await asyncio.gather(*(self.session._resume(t) for t in todo), return_exceptions=True)
        for r in results:
            if isinstance(r, TakeResult) and not shot.chosen:
                shot.chosen = r.take.id
        videos = [t.id for t in (ledger.get(x.id) or x for x in takes) if t.state == TakeState.DOWNLOADED]
        if videos and shot.chosen not in videos:
            shot.chosen = videos[0]
        unsure = [t for t in (ledger.get(x.id) or x for x in takes) if t.state in OUTCOME_UNKNOWN]
        if unsure and not videos:
            shot.problem = said("board.shot_unsure", n=i + 1)
        return bool(videos or unsure)

    # One shot alone, picks and cancel ------------------------------------------------------------------------

    async def retake(self, i: int) -> Board:
        """Render one shot again by itself; the shots that continue from it are marked out of date."""
        self._index(i)
        self.board.shots[i].stale = True  # a new round, even when the shot has a video
        board = await self.render([i], film=False)
        self.board.refresh_stale()
        self.save()
        return board

    def pick(self, i: int, take_id: str) -> Board:
        shot = self.board.shots[self._index(i)]
        if take_id not in shot.take_ids:
            raise InputError(said("board.not_shot_take", n=i + 1))
        take = self.session.take(take_id)
        if take.state != TakeState.DOWNLOADED:
            raise InputError(said("board.take_not_done"))
        shot.chosen = take_id
        self.board.refresh_stale()
        self.save()
        return self.board

    async def cancel(self, i: int) -> list[str]:
        """Ask WaveSpeed to stop this shot's unfinished takes; the money line for each, as the Session says it."""
        shot = self.board.shots[self._index(i)]
        told = []
        for tid in shot.round_ids:
            take = self.session.studio.ledger.get(tid)
            if take is not None and not take.finished:
                told.append(await self.session.cancel(tid))
        return told or [self.session.say(said("board.nothing_to_cancel"))]

    def _index(self, i: int) -> int:
        if not 0 <= i < len(self.board.shots):
            raise InputError(said("board.no_such_shot", count=len(self.board.shots), n=i + 1))
        return i


# The film --------------------------------------------------------------------------------------------------------


def make_film(session: Session, board: Board) -> Take:
    """Join the chosen takes, in order, with their sound into one MP4, saved as a take of its own: in History,
    upscalable, its shots listed in its facts."""
    takes = [session.take(s.chosen or "") for s in board.shots]
    paths = [t.video_path for t in takes]
    if not all(p and Path(p).exists() for p in paths):
        raise InputError(said("board.film_videos_missing"))
    library = session.studio.library_for(session.owner)
    dest = take_run._claim(library, f"{take_run.readable_name(board.name, 0)}_film")
    try:
        if len(paths) == 1:
            dest.write_bytes(Path(paths[0] or "").read_bytes())
            info = {"frames": video.probe(dest)["frames"], "audio": video.probe(dest)["audio"]}
        elif board.crossfade:
            info = film.crossfade([p or "" for p in paths], dest, board.crossfade)
        else:
            info = video.stitch([p or "" for p in paths], dest)
    except (ValueError, OSError) as e:
        dest.unlink(missing_ok=True)
        raise InputError(said("board.film_failed", why=str(e))) from None
    seconds = round(sum(float(t.settings.get("duration") or 0) for t in takes), 2)
    made = session.studio.ledger.begin(Take(
        id=uuid.uuid4().hex[:16], owner=session.owner, model_id=FILM_MODEL,
        prompt=" / ".join(t.prompt for t in takes)[:1000],
        settings={"board_id": board.id, "board": board.name, "shots": [t.id for t in takes],
                  "join": f"crossfade {board.crossfade:g} s" if board.crossfade else "cut",
                  "resolution": takes[0].settings.get("resolution"), "duration": seconds,
                  "frames": info.get("frames"), "audio": info.get("audio")},
        seed=None, price_usd="", first_image=takes[0].first_image,
        **noted(_film_note(board, takes)),
    ))  # fmt: skip
    poster, sidecar = dest.with_suffix(".jpg"), dest.with_suffix(".json")
    video.save_poster(dest, poster)
    sidecar.write_text(json.dumps(session.facts(made), indent=2))
    made = session.studio.ledger.made_here(made.id, str(dest), str(poster), str(sidecar))
    board.film, board.film_of, board.film_crossfade = made.id, [s.chosen or "" for s in board.shots], board.crossfade
    BoardStore(session.studio.journal, session.owner).save(board)
    return made


async def resume_boards(session: Session, on_progress: ShotProgressFn | None = None) -> list[Board]:
    """Pick up every board of this visitor whose render was cut short (after ``Session.recover`` has finished the
    takes it can): their shots' takes are carried on, none is sent twice, and the film is made."""
    store = BoardStore(session.studio.journal, session.owner)
    picked_up = []
    for board in store.all():
        if not board.rendering:
            continue
        try:
            picked_up.append(await BoardRun(session, board, on_progress).render())
        except SeedanceError as e:
            log.info("board %s could not be picked up: %s", board.id, e.message)
    return picked_up


def _film_note(board: Board, takes: list[Take]) -> Said:
    """What the film is made of: its board, each shot's take, and how the shots are joined."""
    shots = ", ".join(f"{n + 1} ({t.id})" for n, t in enumerate(takes))
    if board.crossfade:
        return said("board.film_note_crossfade", board=board.name, shots=shots, seconds=f"{board.crossfade:g}")
    return said("board.film_note_cuts", board=board.name, shots=shots)
