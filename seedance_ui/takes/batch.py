"""A batch: a folder of pictures with one prompt, or a CSV with one row per render, read and checked row by row.

Each row gets a picture check, a settings check (the same ``Plan.make`` as a click) and a price; a refused row
says its row number (as a spreadsheet numbers it: the header is row 1), the column and the reason in plain
words. A problem with the whole file (not UTF-8, empty, too many rows, unknown columns, a folder without
pictures) refuses the batch before anything is queued or sent. ``write_results`` writes a row per take back as
CSV, every cell that a spreadsheet would read as a formula kept as text.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from .. import images
from ..errors import ImageRejected, InputError, InvalidRequest
from ..plan import Choices, Plan
from ..words.said import Said, said

COLUMNS = ("image", "prompt", "model_id", "duration", "resolution", "aspect_ratio", "generate_audio", "camera_fixed",
           "seed", "last_image", "takes")  # fmt: skip
MAX_ROWS = 1000
"""Rows in one batch: even a silver account starts 500 a minute; a bigger list is split on purpose."""
PICTURES = {".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff", ".heic", ".heif", ".avif"}
_INTS = ("duration", "seed", "takes")
_BOOLS = ("generate_audio", "camera_fixed")
_YES, _NO = {"true", "yes", "y", "1", "on"}, {"false", "no", "n", "0", "off"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class BatchRow:
    number: int
    """The row as a spreadsheet numbers it (the header is row 1); for a folder, the picture's place (1, 2, …)."""
    image: str
    """The picture as the row names it."""
    prompt: str = ""
    plan: Plan | None = None
    image_path: Path | None = None
    last_path: Path | None = None
    problems: list[tuple[str, Said]] = field(default_factory=list)
    """(column, reason) for each problem, the reason a message (said in the visitor's language at the edge); none
    means the row is queued."""

    @property
    def ok(self) -> bool:
        return not self.problems and self.plan is not None

    @property
    def price(self) -> Decimal | None:
        return self.plan.price.total if self.ok and self.plan else None

    def to_dict(self) -> dict[str, Any]:
        q = self.plan.price if self.plan else None
        return {"row": self.number, "image": self.image, "prompt": self.prompt, "ok": self.ok,
                "takes": self.plan.takes if self.plan else None, "price_usd": str(q.total) if q and self.ok else None,
                "problems": [{"row": self.number, "column": c, "reason": str(r)} for c, r in self.problems]}  # fmt: skip


def read(source: str | Path, prompt: str | None = None) -> list[BatchRow]:
    """The checked rows of a CSV file or a folder of pictures; InputError when the whole source is refused."""
    path = Path(source)
    if path.is_dir():
        return _folder(path, prompt or "")
    if not path.exists():
        raise InputError(said("batch.nothing_at", path=str(path)))
    if path.suffix.lower() != ".csv":
        raise InputError(said("batch.not_csv", name=path.name))
    return _csv(path, prompt)


def _folder(folder: Path, prompt: str) -> list[BatchRow]:
    pictures = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in PICTURES)
    if not pictures:
        raise InputError(said("batch.no_pictures", folder=str(folder)))
    if len(pictures) > MAX_ROWS:
        raise InputError(said("batch.too_many_pictures", count=len(pictures), most=MAX_ROWS))
    return [check_row(i, p.name, {"image": p.name, "prompt": prompt}, folder) for i, p in enumerate(pictures, start=1)]


def _csv(path: Path, prompt: str | None) -> list[BatchRow]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(said("batch.not_utf8", name=path.name)) from None
    except OSError as e:
        raise InputError(said("board.cant_read", path=path.name, why=str(e.strerror or e))) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in (reader.fieldnames or []) if h is not None]
    if not header:
        raise InputError(said("batch.empty", name=path.name))
    unknown = [h for h in header if h and h not in COLUMNS]
    if unknown:
        raise InputError(said("batch.unknown_columns", name=path.name, unknown=", ".join(unknown),
                              columns=", ".join(COLUMNS)))  # fmt: skip
    if "image" not in header or ("prompt" not in header and not prompt):
        raise InputError(said("batch.needs_columns", name=path.name))
    reader.fieldnames = [h.strip().lower() for h in reader.fieldnames or []]
    rows: list[dict[str, Any]] = []
    for raw in reader:
        if any((v or "").strip() for k, v in raw.items() if k):
            rows.append({k: (v or "").strip() for k, v in raw.items() if k})
            rows[-1]["_line"] = reader.line_num
        if len(rows) > MAX_ROWS:
            raise InputError(said("batch.too_many_rows", name=path.name, most=MAX_ROWS))
    if not rows:
        raise InputError(said("batch.no_rows", name=path.name))
    return [check_row(r["_line"], r.get("image", ""), r | {"prompt": r.get("prompt") or prompt or ""}, path.parent)
            for r in rows]  # fmt: skip


def _values(cells: dict[str, Any], problems: list[tuple[str, Said]]) -> dict[str, Any]:
    """The row's settings, typed; a cell that can't be read is a problem naming its column."""
    values: dict[str, Any] = {}
    for name in ("prompt", "model_id", "resolution", "aspect_ratio"):
        if cells.get(name):
            values[name] = cells[name]
    for name in _INTS:
        if cells.get(name):
            try:
                values[name] = int(cells[name])
            except ValueError:
                problems.append((name, said("batch.not_whole_number", value=cells[name])))
    for name in _BOOLS:
        cell = str(cells.get(name) or "").lower()
        if cell in _YES or cell in _NO:
            values[name] = cell in _YES
        elif cell:
            problems.append((name, said("batch.not_yes_or_no", value=cells[name])))
    return values


def check_row(number: int, image: str, cells: dict[str, Any], base: Path) -> BatchRow:
    row = BatchRow(number, image, prompt=str(cells.get("prompt") or ""))
    values = _values(cells, row.problems)
    try:
        row.plan = Plan.make(Choices.of(**values))
    except InvalidRequest as e:
        row.problems += [(col if col != "settings" else "model_id", why) for col, why in e.said_problems]
    if not image:
        row.problems.append(("image", said("batch.no_picture")))
        return row
    row.image_path = (base / image).resolve()
    row.last_path = (base / cells["last_image"]).resolve() if cells.get("last_image") else None
    for column, path in (("image", row.image_path), ("last_image", row.last_path)):
        if path is None:
            continue
        try:
            side = row.plan.upload_side if row.plan else None
            img = images.prepare(path, max_side=side)
        except ImageRejected as e:
            row.problems.append((column, e.said))
            continue
        if column == "image" and row.plan is not None:
            row.plan = row.plan.for_image((img.width, img.height))
    return row


def safe_cell(value: Any) -> str:
    """A cell a spreadsheet shows as text: anything it would read as a formula gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def write_results(path: Path, rows: list[dict[str, Any]]) -> None:
    """One line per take (or refused row) with its outcome; every cell written as text."""
    head = ["row", "image", "prompt", "state", "video", "task_id", "reason"]
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(head)
        for r in rows:
            w.writerow([safe_cell(r.get(k)) for k in head])
