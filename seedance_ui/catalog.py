"""Every Seedance image-to-video model on WaveSpeed, as data.

Adding a model is one ``ModelSpec`` entry in ``MODELS``. Facts come from WaveSpeed's model pages and
price pages and from ByteDance's ModelArk documentation; where a fact is not published, the entry says so
(``PriceRule.published`` is False and ``source`` explains how the number was derived).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

FPS = 24
"""Every Seedance model renders at 24 frames per second."""

ASPECT_RATIOS: tuple[str, ...] = ("21:9", "16:9", "4:3", "1:1", "3:4", "9:16")
"""The six output shapes Seedance offers; no aspect ratio means 'follow the first image'."""

ASPECT_RATIO_VALUES: dict[str, float] = {a: int(a.split(":")[0]) / int(a.split(":")[1]) for a in ASPECT_RATIOS}

SEED_MIN, SEED_MAX = -1, 2147483647
PROMPT_MAX_CHARS = 2000

RETIREMENT_NOTICE = (
    "WaveSpeed is retiring the Seedance 1.0 models and says they may be switched to other models "
    "without notice. Prefer Seedance V1.5 Pro for new work."
)

# Output pixel sizes by generation, resolution and aspect ratio (ByteDance ModelArk tables).
_SIZES_V1: dict[str, dict[str, tuple[int, int]]] = {
    "480p": {"16:9": (864, 480), "4:3": (736, 544), "1:1": (640, 640), "3:4": (544, 736),
             "9:16": (480, 864), "21:9": (960, 416)},
    "720p": {"16:9": (1248, 704), "4:3": (1120, 832), "1:1": (960, 960), "3:4": (832, 1120),
             "9:16": (704, 1248), "21:9": (1504, 640)},
    "1080p": {"16:9": (1920, 1088), "4:3": (1664, 1248), "1:1": (1440, 1440), "3:4": (1248, 1664),
              "9:16": (1088, 1920), "21:9": (2176, 928)},
}  # fmt: skip
_SIZES_V15: dict[str, dict[str, tuple[int, int]]] = {
    "480p": {"16:9": (864, 496), "4:3": (752, 560), "1:1": (640, 640), "3:4": (560, 752),
             "9:16": (496, 864), "21:9": (992, 432)},
    "720p": {"16:9": (1280, 720), "4:3": (1112, 834), "1:1": (960, 960), "3:4": (834, 1112),
             "9:16": (720, 1280), "21:9": (1470, 630)},
    "1080p": {"16:9": (1920, 1080), "4:3": (1664, 1248), "1:1": (1440, 1440), "3:4": (1248, 1664),
              "9:16": (1080, 1920), "21:9": (2206, 946)},
}  # fmt: skip


@dataclass(frozen=True)
class PriceRule:
    """How WaveSpeed charges for one model at one resolution."""

    per_second: Decimal | None = None
    """Flat USD per second of video, silent (None when the price is token based)."""
    usd_per_million_tokens: Decimal | None = None
    """Token pricing: tokens = width * height * 24 * seconds / 1024, priced per million."""
    audio_multiplier: Decimal = Decimal(1)
    """Factor applied when the model also generates sound."""
    published: bool = True
    """True when WaveSpeed publishes this price; False when it is our estimate."""
    source: str = ""
    """Where the number comes from, in a sentence."""


@dataclass(frozen=True)
class ModelSpec:
    """One Seedance model on WaveSpeed: what it takes, its limits and defaults, and its price."""

    id: str
    name: str
    family: str
    generation: str
    """'1.0' or '1.5': picks the output size table."""
    prompt_required: bool
    accepts_last_image: bool
    accepts_aspect_ratio: bool
    accepts_audio: bool
    resolutions: tuple[str, ...]
    default_resolution: str
    sends_resolution: bool
    """False for models whose resolution is part of the model id."""
    duration_min: int
    duration_max: int
    duration_default: int
    audio_default: bool = False
    camera_fixed_default: bool = False
    seed_default: int = -1
    prompt_max_chars: int = PROMPT_MAX_CHARS
    prices: dict[str, PriceRule] = field(default_factory=dict)
    retiring: bool = False
    summary: str = ""

    @property
    def durations(self) -> list[int]:
        return list(range(self.duration_min, self.duration_max + 1))

    def output_size(self, resolution: str, aspect_ratio: str) -> tuple[int, int]:
        """Width and height of the video for a resolution and one of the six aspect ratios."""
        table = _SIZES_V15 if self.generation == "1.5" else _SIZES_V1
        return table[resolution][aspect_ratio]

    def frame_count(self, duration: int) -> int:
        """Frames in a clip: 24 per second plus the first frame (a 5 s clip has 121)."""
        return duration * FPS + 1

    @property
    def notice(self) -> str:
        return RETIREMENT_NOTICE if self.retiring else ""


def nearest_aspect_ratio(width: int, height: int) -> str:
    """The preset closest to an image's shape, compared on a log scale so 2:1 and 1:2 are equally far from 1:1."""
    import math

    ratio = math.log(width / height)
    return min(ASPECT_RATIOS, key=lambda a: abs(math.log(ASPECT_RATIO_VALUES[a]) - ratio))


def _v15_prices() -> dict[str, PriceRule]:
    src = (
        "WaveSpeed's published Seedance 1.5 Pro prices follow tokens = W*H*24*s/1024 at $1.2 per million "
        "tokens silent and $2.4 with sound"
    )
    return {
        "480p": PriceRule(usd_per_million_tokens=Decimal("1.2"), audio_multiplier=Decimal(2), source=src),
        "720p": PriceRule(usd_per_million_tokens=Decimal("1.2"), audio_multiplier=Decimal(2), source=src),
        "1080p": PriceRule(
            usd_per_million_tokens=Decimal("1.2"),
            audio_multiplier=Decimal(2),
            published=False,
            source=src + "; 1080p is not published, so this is the same rule applied to 1080p",
        ),
    }


def _v1_model(tier: str, tier_name: str, resolution: str, per_second: str, published: bool, source: str) -> ModelSpec:
    return ModelSpec(
        id=f"bytedance/seedance-v1-{tier}-i2v-{resolution}",
        name=f"Seedance V1 {tier_name} {resolution}",
        family=f"Seedance V1 {tier_name}",
        generation="1.0",
        prompt_required=False,
        accepts_last_image=True,
        accepts_aspect_ratio=True,
        accepts_audio=False,
        resolutions=(resolution,),
        default_resolution=resolution,
        sends_resolution=False,
        duration_min=2,
        duration_max=12,
        duration_default=5,
        prices={resolution: PriceRule(per_second=Decimal(per_second), published=published, source=source)},
        retiring=True,
        summary=f"Seedance 1.0 {tier_name}: first and optional last frame, silent, {resolution}.",
    )


MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        id="bytedance/seedance-v1.5-pro/image-to-video",
        name="Seedance V1.5 Pro",
        family="Seedance V1.5 Pro",
        generation="1.5",
        prompt_required=True,
        accepts_last_image=True,
        accepts_aspect_ratio=True,
        accepts_audio=True,
        resolutions=("480p", "720p", "1080p"),
        default_resolution="720p",
        sends_resolution=True,
        duration_min=4,
        duration_max=12,
        duration_default=5,
        audio_default=True,
        prices=_v15_prices(),
        summary="The newest Seedance: cinematic motion, optional sound, first and optional last frame.",
    ),
    _v1_model("pro", "Pro", "480p", "0.03", True, "WaveSpeed price page: 5 s $0.15, 10 s $0.30"),
    _v1_model(
        "pro", "Pro", "720p", "0.06", False,
        "Not published by WaveSpeed; third parties report $0.06 per second",
    ),
    _v1_model("pro", "Pro", "1080p", "0.12", True, "WaveSpeed product page: 5 s $0.60, 10 s $1.20"),
    _v1_model("lite", "Lite", "480p", "0.016", True, "WaveSpeed price page: 5 s $0.08"),
    _v1_model("lite", "Lite", "720p", "0.032", True, "WaveSpeed price page: 5 s $0.16"),
    _v1_model(
        "lite", "Lite", "1080p", "0.064", False,
        "Not published; estimated as the Lite 720p rate doubled, as Pro 1080p is Pro 720p doubled",
    ),
    ModelSpec(
        id="bytedance/seedance-v1-pro-fast/image-to-video",
        name="Seedance V1 Pro Fast",
        family="Seedance V1 Pro Fast",
        generation="1.0",
        prompt_required=False,
        accepts_last_image=False,
        accepts_aspect_ratio=False,
        accepts_audio=False,
        resolutions=("480p", "720p", "1080p"),
        default_resolution="720p",
        sends_resolution=True,
        duration_min=2,
        duration_max=12,
        duration_default=5,
        prices={
            r: PriceRule(
                per_second=Decimal(p),
                published=False,
                source="Not published; estimated at the V1 Pro rate for the same resolution so it never under-quotes",
            )
            for r, p in (("480p", "0.03"), ("720p", "0.06"), ("1080p", "0.12"))
        },
        retiring=True,
        summary="Faster Seedance 1.0 Pro: first frame only, silent, output shape follows the image (its length "
        "range is taken from V1 Pro: WaveSpeed does not publish it).",
    ),
)  # fmt: skip

MODELS_BY_ID: dict[str, ModelSpec] = {m.id: m for m in MODELS}
DEFAULT_MODEL_ID = "bytedance/seedance-v1.5-pro/image-to-video"


def get_model(model_id: str) -> ModelSpec:
    """The spec for a model id; a plain-language KeyError names the choices when the id is unknown."""
    try:
        return MODELS_BY_ID[model_id]
    except KeyError:
        raise KeyError(
            f"'{model_id}' is not a Seedance model this app knows. Choose one of: " + ", ".join(MODELS_BY_ID)
        ) from None


def families() -> list[str]:
    """Model families in catalog order (one entry each), for a two-step picker: family, then resolution."""
    seen: dict[str, None] = {}
    for m in MODELS:
        seen.setdefault(m.family, None)
    return list(seen)


def resolutions_for_family(family: str) -> list[str]:
    out: list[str] = []
    for m in MODELS:
        if m.family == family:
            out.extend(r for r in m.resolutions if r not in out)
    return out


def model_for(family: str, resolution: str) -> ModelSpec:
    """The model of a family that renders a resolution (V1 models have one id per resolution)."""
    for m in MODELS:
        if m.family == family and resolution in m.resolutions:
            return m
    raise KeyError(f"{family} does not render {resolution}. Choose one of: {', '.join(resolutions_for_family(family))}")
