"""Room for the videos: before anything is paid, each folder a video will be written to must be a folder this
program can write, with room for every take of the click."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from .errors import NotReady
from .words.said import said

ROOM_PER_TAKE = 64 * 1024 * 1024
"""Free disk asked for each take before paying: a 12 s 1080p Seedance MP4 is well under this."""


def check_room(folders: list[Path], takes: int) -> None:
    """NotReady, in plain words, when a folder is a file, can't be written, or has no room for ``takes`` videos."""
    for folder in folders:
        if folder.exists() and not folder.is_dir():
            raise NotReady(said("ready.folder_is_file", folder=str(folder)))
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-check-"):
                pass
            free = shutil.disk_usage(folder).free
        except OSError as e:
            raise NotReady(said("ready.cant_write", folder=str(folder), why=str(e.strerror or e))) from None
        if free < takes * ROOM_PER_TAKE:
            raise NotReady(said("ready.disk_low", free=free // 2**20, folder=str(folder),
                                needed=ROOM_PER_TAKE // 2**20))  # fmt: skip
