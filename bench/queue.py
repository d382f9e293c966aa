"""The queue against the emulator (in its own process) keeping to an account level, its minute shortened:

- Bronze (2 starts a minute, 2 at once): 40 queued takes, wall time against the ideal the level allows, measured
  in the same run: 19 minutes of paced starts plus one take alone (its render, upload and download).
- Silver (500 a minute, 300 at once): 40 queued takes against the slowest take alone (every render the same
  length, so one take alone is the slowest).
Each row also counts the 429s the emulator answered (the goal: none). Both the take alone and the 40 run in one
data folder that has already seen two renders of the kind, as a person's does: the poller then looks near the
expected end of a render rather than on its first-time schedule.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
import time
from pathlib import Path

import httpx

from .common import Row, emulator_process, table

MODEL = "bytedance/seedance-v1-lite-i2v-480p"
TAKES = 40


def emulator(tier: str, minute: float, processing: float) -> contextlib.AbstractContextManager[str]:
    return emulator_process("--render", "stub", "--tier", tier, "--minute-seconds", str(minute),
                            "--processing-seconds", str(processing))  # fmt: skip


def _photo(folder: Path) -> Path:
    from PIL import Image

    path = folder / "photo.jpg"
    Image.new("RGB", (640, 480), (40, 90, 160)).save(path, "JPEG")
    return path


class Folder:
    """One data folder on the emulator: its journal learns render times as takes finish, as a person's does."""

    def __init__(self, url: str, key: str) -> None:
        from seedance_ui import runtime

        self.path = Path(tempfile.mkdtemp(prefix="bench-queue-"))
        self.rt = runtime.start(key=key, base_url=url, data_dir=self.path, demo=False)
        self.photo = _photo(self.path)
        self.made = 0

    def run(self, n: int, tier: str) -> float:
        """Queue ``n`` takes and run them: the wall time from the first claim to the last saved video."""
        from seedance_ui.plan import Choices, Plan
        from seedance_ui.takes.queue_runner import Runner, enqueue

        session = self.rt.session()
        for _ in range(n):
            self.made += 1
            choices = Choices.of(model_id=MODEL, prompt=f"take {self.made}", duration=2, seed=self.made)
            enqueue(session, Plan.make(choices), self.photo)

        async def go() -> float:
            t0 = time.perf_counter()
            try:
                results = await Runner(session, tier=tier).run()
            finally:
                await session.aclose()
            assert len(results) == n and all(hasattr(r, "video_path") for r in results.values()), "every take saved"
            return time.perf_counter() - t0

        return asyncio.run(go())

    def close(self) -> None:
        self.rt.close()


def measured(url: str, tier: str, key: str, minute: float) -> tuple[float, float]:
    """(one take alone, 40 queued takes), in one folder that has already seen two renders of this kind, so both
    poll as a person's app does once it knows how long a render takes."""
    folder = Folder(url, key)
    try:
        folder.run(2, tier)
        time.sleep(window_rest(minute))
        alone = folder.run(1, tier)
        time.sleep(window_rest(minute))
        return alone, folder.run(TAKES, tier)
    finally:
        folder.close()


def window_rest(minute: float) -> float:
    """Let the starts of the warm-up leave the level's window, so they don't delay what is measured."""
    return minute * 1.1 + 0.3


def _refused(url: str) -> int:
    return int(httpx.get(url + "/_emulator/stats").json()["counts"].get("submit_429", 0))


def run(bronze_minute: float = 2.0, render: float = 1.0, silver_render: float = 3.0) -> list[Row]:
    os.environ["SEEDANCE_RATE_MINUTE"] = str(bronze_minute)
    try:
        with emulator("bronze", bronze_minute, render) as url:
            alone, wall = measured(url, "bronze", "bench-bronze", bronze_minute)
            refused = _refused(url)
        ideal = (TAKES // 2 - 1) * bronze_minute + alone
        with emulator("silver", bronze_minute, silver_render) as url:
            slowest, silver = measured(url, "silver", "bench-silver", bronze_minute)
            silver_refused = _refused(url)
    finally:
        os.environ.pop("SEEDANCE_RATE_MINUTE", None)
    return [
        Row(f"{TAKES} queued takes at Bronze (minute = {bronze_minute:g} s), wall", wall, ideal, "s", "<= 1.1x",
            wall <= 1.1 * ideal, "ideal: paced starts + one take alone"),
        Row("  429s answered at Bronze", refused, None, "", "0", refused == 0),
        Row(f"{TAKES} queued takes at Silver, wall", silver, slowest, "s", "<= 1.2x", silver <= 1.2 * slowest,
            "slowest take alone"),
        Row("  429s answered at Silver", silver_refused, None, "", "0", silver_refused == 0),
    ]  # fmt: skip


if __name__ == "__main__":
    print(table(run()))
