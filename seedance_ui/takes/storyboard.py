"""A storyboard: a short film planned as shots, each shot a Plan whose takes go through the Session like any take.

A ``Board`` holds the board's defaults (model, resolution, length, shape, sound, camera) and its ``Shot``s. A shot
starts from its own picture or *continues* from the previous shot's chosen take (its exact last frame); it may give
a last frame, a seed, 1-4 takes and its own settings. The board remembers every take it made (``take_ids``), the one
chosen for the film (the first finished until the person picks), which shots are out of date (a shot they continue
from was taken again) and the film's own take. Boards are kept in the journal as one JSON document each.

``Board.from_file`` reads a BOARD.json; ``check`` and ``plans`` refuse bad input in plain words, naming the shot,
before anything is sent; ``price`` is one price for the shots to render. Nothing here imports gradio.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from .. import catalog, images
from ..errors import InputError, InvalidRequest
from ..plan import Choices, Plan
from ..words.said import Said, kept, said

SETTINGS = ("model_id", "resolution", "duration", "aspect_ratio", "generate_audio", "camera_fixed")
"""What a board sets for every shot and a shot may change for itself."""
SHOT_KEYS = {"image", "continue", "prompt", "last_image", "seed", "takes", *SETTINGS}
FILM_MODEL = "seedance-studio/film"
"""The model id of a film's take: made on this computer from the board's chosen takes, never sent anywhere."""


@dataclass
class Shot:
    image: str | None = None
    """The first frame's path; None when the shot continues."""
    cont: bool = False
    """Starts on the previous shot's chosen take's last frame."""
    prompt: str = ""
    last_image: str | None = None
    seed: int | None = None
    takes: int = 1
    settings: dict[str, Any] = field(default_factory=dict)
    take_ids: list[str] = field(default_factory=list)
    """Every take rendered for this shot, oldest first (retakes add to it)."""
    round_ids: list[str] = field(default_factory=list)
    """The takes of the latest render of this shot."""
    chosen: str | None = None
    stale: bool = False
    """A shot this one continues from was taken again: its first frame is no longer that shot's last frame."""
    started_from: str | None = None
    """The take whose last frame this shot started on (continuing shots)."""
    waiting: Said | None = None
    """Why this shot did not start, as a message (a shot it continues from failed or was cancelled)."""
    problem: Said | None = None
    """Why this shot's latest render gave no video, as a message."""


@dataclass
class Board:
    id: str
    owner: str = "local"
    name: str = "Untitled board"
    defaults: dict[str, Any] = field(default_factory=dict)
    shots: list[Shot] = field(default_factory=list)
    film: str | None = None
    """The film's take id, while it is made of the chosen takes in ``film_of``."""
    film_of: list[str] = field(default_factory=list)
    crossfade: float = 0.0
    """Seconds of crossfade at each join of the film; 0 is a cut."""
    film_crossfade: float = 0.0
    rendering: bool = False
    """A render is under way, or was cut short (a closed app): ``seedance recover`` and reopening pick it up."""
    source: str = ""
    """A fingerprint of the BOARD.json it was read from: rendering the same file again picks an unfinished board up."""
    created_at: float = field(default_factory=time.time)
    updated_at: float = field(default_factory=time.time)

    # Reading and writing ---------------------------------------------------------------------------------------

    @classmethod
    def new(cls, owner: str = "local", name: str = "Untitled board", **kw: Any) -> Board:
        return cls(id=uuid.uuid4().hex[:12], owner=owner, name=name, **kw)

    @classmethod
    def from_file(cls, path: str | Path, owner: str = "local") -> Board:
        """A board from a BOARD.json; pictures are paths relative to the file. Bad JSON is refused plainly."""
        path = Path(path)
        try:
            raw = path.read_bytes()
            doc = json.loads(raw)
        except OSError as e:
            raise InputError(said("board.cant_read", path=str(path), why=str(e.strerror or e))) from None
        except ValueError as e:
            raise InputError(said("board.not_json", name=path.name, why=str(e))) from None
        board = cls.from_spec(doc, base=path.parent, owner=owner, name=path.stem)
        board.source = hashlib.sha256(str(path.resolve()).encode() + b"\0" + raw).hexdigest()[:24]
        return board

    @classmethod
    def from_spec(cls, doc: Any, *, base: Path, owner: str = "local", name: str = "") -> Board:
        if not isinstance(doc, dict) or not isinstance(doc.get("shots"), list) or not doc["shots"]:
            raise InputError(said("board.shape"))
        unknown = sorted(set(doc) - {"shots", "name", "crossfade", *SETTINGS})
        if unknown:
            raise InputError(said("board.unknown_settings", names=", ".join(unknown)))
        shots = [_shot_from_spec(i + 1, s, base) for i, s in enumerate(doc["shots"])]
        defaults = {k: doc[k] for k in SETTINGS if k in doc}
        fade = doc.get("crossfade", 0) or 0
        if not isinstance(fade, (int, float)) or isinstance(fade, bool) or not 0 <= fade <= 2:
            raise InputError('"crossfade" is the seconds each join of the film blends over: 0 (a cut) to 2.')
        return cls.new(owner, str(doc.get("name") or name or "Untitled board"), defaults=defaults, shots=shots,
                       crossfade=float(fade))  # fmt: skip

    def to_spec(self) -> dict[str, Any]:
        """The board as a BOARD.json (absolute picture paths), for export."""
        shots = []
        for s in self.shots:
            d: dict[str, Any] = {"continue": True} if s.cont else {"image": s.image}
            d["prompt"] = s.prompt
            d |= {k: v for k, v in (("last_image", s.last_image), ("seed", s.seed)) if v is not None}
            d |= ({"takes": s.takes} if s.takes != 1 else {}) | s.settings
            shots.append(d)
        fade = {"crossfade": self.crossfade} if self.crossfade else {}
        return {"name": self.name, **self.defaults, **fade, "shots": shots}

    def to_json(self) -> str:
        """The board as kept in the journal: a shot's messages as ids and parameters, never as rendered text."""
        d = asdict(self)
        for shot, row in zip(self.shots, d["shots"], strict=True):
            row["waiting"], row["problem"] = _message_json(shot.waiting), _message_json(shot.problem)
        return json.dumps(d, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Board:
        d = json.loads(text)
        shots = []
        for s in d.get("shots", []):
            s["waiting"], s["problem"] = _message_of(s.get("waiting")), _message_of(s.get("problem"))
            shots.append(Shot(**s))
        d["shots"] = shots
        return cls(**d)

    # Checks, plans and price ---------------------------------------------------------------------------------

    def choices(self, index: int) -> Choices:
        shot = self.shots[index]
        values = {**self.defaults, **shot.settings, "prompt": shot.prompt, "takes": shot.takes}
        if shot.seed is not None:
            values["seed"] = shot.seed
        return Choices.of(**values)

    def check(self) -> list[Plan]:
        """Every shot's Plan, or InputError naming the first shot that can't be rendered (nothing is sent)."""
        if not self.shots:
            raise InputError(said("board.no_shots"))
        plans: list[Plan] = []
        for i, shot in enumerate(self.shots):
            n = i + 1
            if shot.cont and i == 0:
                raise InputError(said("board.first_cant_continue"))
            if not shot.cont and not shot.image:
                raise InputError(
                    said("board.no_first_frame", n=n, before=n - 1) if i else said("board.first_no_picture")
                )
            try:
                plan = Plan.make(self.choices(i))
            except InvalidRequest as e:
                raise InputError(said("board.shot_problem", n=n, problem=e.said)) from None
            if shot.last_image and not plan.spec.accepts_last_image:
                raise InputError(said("board.no_last_frame", n=n, model=plan.spec.name))
            size = plans[-1].output_size if shot.cont else _picture_size(n, "picture", shot.image)
            if shot.last_image:
                _picture_size(n, "last frame", shot.last_image)
            plans.append(plan.for_image(size))
        return plans

    def todo(self) -> list[int]:
        """The shots a render would make: those without a chosen take, and those out of date."""
        return [i for i, s in enumerate(self.shots) if s.stale or not s.chosen]

    def price(self, plans: list[Plan], shots: list[int] | None = None) -> Decimal:
        picked = range(len(plans)) if shots is None else shots
        return sum((plans[i].price.total for i in picked), Decimal(0))

    def continuing_after(self, index: int) -> list[int]:
        """The shots that start, directly or through each other, on shot ``index``'s last frame."""
        out = []
        for j in range(index + 1, len(self.shots)):
            if not self.shots[j].cont:
                break
            out.append(j)
        return out

    def refresh_stale(self) -> list[int]:
        """Mark out of date every continuing shot whose video no longer starts on the previous shot's chosen take
        (a retake, a new pick, a move or a delete), and those continuing from an out-of-date shot."""
        for j, shot in enumerate(self.shots):
            if not shot.cont or not shot.chosen:
                continue
            if j == 0:  # moved to the front: there is no shot before it to start on
                shot.stale = True
                continue
            before = self.shots[j - 1]
            if shot.started_from != before.chosen or before.stale or not before.chosen:
                shot.stale = True
        return [j for j, s in enumerate(self.shots) if s.stale]

    # Editing (the Storyboard page) ---------------------------------------------------------------------------

    def add(self, shot: Shot, at: int | None = None) -> int:
        at = len(self.shots) if at is None else at
        self.shots.insert(at, shot)
        self.refresh_stale()
        return at

    def duplicate(self, i: int) -> int:
        s = self.shots[i]
        copy = Shot(image=s.image, cont=s.cont, prompt=s.prompt, last_image=s.last_image, seed=s.seed,
                    takes=s.takes, settings=dict(s.settings))  # fmt: skip
        return self.add(copy, i + 1)

    def move(self, i: int, step: int) -> None:
        j = i + step
        if 0 <= j < len(self.shots):
            self.shots[i], self.shots[j] = self.shots[j], self.shots[i]
            self.refresh_stale()

    def remove(self, i: int) -> None:
        del self.shots[i]
        self.refresh_stale()

    def film_current(self) -> bool:
        return (
            bool(self.film) and self.film_of == [s.chosen for s in self.shots] and self.film_crossfade == self.crossfade
        )


def _shot_from_spec(n: int, spec: Any, base: Path) -> Shot:
    if not isinstance(spec, dict):
        raise InputError(said("board.shot_shape", n=n))
    unknown = sorted(set(spec) - SHOT_KEYS)
    if unknown:
        raise InputError(said("board.shot_unknown_settings", n=n, names=", ".join(unknown)))
    cont = spec.get("continue") is True
    image = spec.get("image")
    if cont and image:
        raise InputError(said("board.shot_both", n=n))
    if not cont and not image:
        raise InputError(said("board.shot_neither", n=n))

    def where(p: Any) -> str | None:
        return str((base / str(p)).resolve()) if p else None

    takes = spec.get("takes", 1)
    if not isinstance(takes, int) or isinstance(takes, bool):
        raise InputError(said("board.shot_takes", n=n))
    seed = spec.get("seed")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise InputError(said("board.shot_seed", n=n))
    return Shot(image=where(image), cont=cont, prompt=str(spec.get("prompt") or ""), seed=seed,
                last_image=where(spec.get("last_image")), takes=takes,
                settings={k: spec[k] for k in SETTINGS if k in spec})  # fmt: skip


def _picture_size(n: int, what: str, path: str | None) -> tuple[int, int]:
    """The picture's size once it passes the checks; otherwise InputError naming the shot."""
    try:
        images.check_file(path or "")
        check = images.inspect(path or "")
    except InputError as e:
        raise InputError(_picture_problem(n, what, e.said)) from None
    except OSError as e:
        raise InputError(_picture_problem(n, what, str(e.strerror or e))) from None
    if not check.ok:
        raise InputError(_picture_problem(n, what, check.summary_said()))
    return check.width, check.height


def _picture_problem(n: int, what: str, problem: Any) -> Said:
    if what == "picture":
        return said("board.picture_problem", n=n, problem=problem)
    return said("board.last_frame_problem", n=n, problem=problem)


class BoardStore:
    """One owner's boards in the journal: saved whole on every change, so a closed app loses nothing."""

    def __init__(self, journal: Any, owner: str) -> None:
        self.journal, self.owner = journal, owner

    def save(self, board: Board) -> Board:
        board.updated_at = time.time()
        self.journal.save_board(board.id, self.owner, board.name, board.to_json(), board.created_at)
        return board

    def get(self, board_id: str) -> Board:
        doc = self.journal.board(str(board_id or "").strip(), self.owner)
        if doc is None:
            raise InputError(said("board.not_found_cli", board=str(board_id)))
        return Board.from_json(doc)

    def all(self) -> list[Board]:
        return [Board.from_json(d) for d in self.journal.boards(self.owner)]

    def rename(self, board_id: str, name: str) -> Board:
        name = " ".join(str(name or "").split())
        if not name:
            raise InputError(said("board.give_name"))
        board = self.get(board_id)
        board.name = name[:120]
        return self.save(board)

    def delete(self, board_id: str) -> None:
        if not self.journal.delete_board(str(board_id or "").strip(), self.owner):
            raise InputError(said("board.not_found", board=str(board_id)))

    def unfinished_from(self, source: str) -> Board | None:
        """The newest board read from the same file whose film isn't made yet: rendering the file again picks
        it up instead of paying for its shots twice."""
        for board in self.all():
            if source and board.source == source and not board.film_current():
                return board
        return None


def money_text(total: Decimal, demo: bool) -> str:
    return "demo preview, free" if demo else f"${total:.2f}"


def model_name(model_id: str) -> str:
    spec = catalog.MODELS_BY_ID.get(model_id)
    return spec.name if spec else model_id


def _message_json(message: Said | None) -> dict[str, Any] | None:
    return message.to_json() if message else None


def _message_of(stored: Any) -> Said | None:
    """A shot's message read back; a board kept before messages had ids holds English text, shown as it is."""
    if isinstance(stored, dict):
        return kept(stored.get("id"), stored.get("params"), None)
    return kept(None, None, stored if isinstance(stored, str) else None)
