"""Every parameter of synthetic damage in one documented dataclass, with presets per medium.

Sizes are in pixels of a 1-megapixel rendering of the whole frame and scale with the image
(``sqrt(megapixels)`` for a whole frame); counts (``per_mp``) are per whole frame, whatever its
resolution, so a 64-pixel thumbnail and a 24-megapixel scan of the same slide carry the same dust,
and a crop carries the share of the frame it covers. Ranges are ``(low, high)``; probabilities
are in [0, 1].
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, is_dataclass, replace
from pathlib import Path

# Class labels written in the label mask (uint8).
CLASSES = {
    0: "clean", 1: "speck", 2: "hair", 3: "scratch", 4: "blotch", 5: "hole", 6: "crack",
    7: "paint_loss", 8: "overlay",
}
LABEL = {name: code for code, name in CLASSES.items()}
POLARITIES = ("dark", "light", "mixed")


@dataclass
class Specks:
    """Dust and dirt: irregular blobs, gamma-distributed diameters, clustered by a density field."""

    per_mp: float = 120.0
    size_shape: float = 1.6        # gamma shape of the diameter distribution (heavy tail)
    size_scale: float = 2.2        # gamma scale, pixels at 1 MP
    max_size: float = 40.0
    opacity: tuple[float, float] = (0.5, 1.0)
    softness: tuple[float, float] = (0.3, 1.2)  # edge blur sigma, pixels
    clustering: float = 0.7        # 0: uniform placement, 1: strongly clustered


@dataclass
class Hairs:
    """Hairs and fibres: thin curved strands, partly translucent."""

    per_mp: float = 3.0
    length: tuple[float, float] = (40.0, 300.0)
    width: tuple[float, float] = (1.0, 3.0)
    curl: float = 0.25             # SD of the direction change per step, radians
    opacity: tuple[float, float] = (0.4, 1.0)


@dataclass
class Scratches:
    """Long thin lines: near-vertical and straight (cine) or curved (handled prints), broken."""

    per_mp: float = 0.5
    vertical: float = 0.0          # probability that a scratch is a cine-style vertical one
    length: tuple[float, float] = (0.2, 1.0)   # fraction of the frame's diagonal
    width: tuple[float, float] = (1.0, 2.5)
    curvature: float = 0.15
    gaps: float = 0.3              # fraction of the length missing (broken scratches)
    opacity: tuple[float, float] = (0.3, 0.9)


@dataclass
class Blotches:
    """Stains and blotches: large, soft, semi-transparent, tinted."""

    per_mp: float = 0.0
    size: tuple[float, float] = (40.0, 200.0)
    opacity: tuple[float, float] = (0.15, 0.5)


@dataclass
class Holes:
    """Holes and tears: opaque, hard-edged, jagged."""

    per_mp: float = 0.0
    size: tuple[float, float] = (10.0, 60.0)


@dataclass
class Cracks:
    """Cracks and creases: branching networks, as on old prints and paintings."""

    per_mp: float = 0.0
    length: tuple[float, float] = (80.0, 400.0)
    branching: float = 0.35
    width: tuple[float, float] = (1.0, 2.0)
    opacity: tuple[float, float] = (0.5, 1.0)


@dataclass
class PaintLoss:
    """Whitish paint loss on paintings: flaky, hard-edged islands exposing the ground."""

    per_mp: float = 0.0
    size: tuple[float, float] = (6.0, 40.0)
    colour: tuple[float, float, float] = (0.93, 0.91, 0.86)


@dataclass
class Overlay:
    """The recipe of Ivanova et al. (2022): random square patches of a dust overlay texture,
    warped, inverted and applied ``count`` times. Textures come from a procedural library or
    ``folder`` (grey images, dust light on dark as scanned overlays are)."""

    probability: float = 0.0
    count: int = 2
    folder: str | None = None
    warp: float = 0.25             # symmetric perspective warp magnitude
    strength: tuple[float, float] = (0.6, 1.0)


@dataclass
class Unstructured:
    """Degradations without a mask (Wan et al. 2020), each with a probability, in random order."""

    gaussian_noise: float = 0.0
    noise_sigma: tuple[float, float] = (0.005, 0.04)
    speckle_noise: float = 0.0
    salt_pepper: float = 0.0
    salt_pepper_amount: tuple[float, float] = (0.0005, 0.004)
    grain: float = 0.0
    grain_sigma: tuple[float, float] = (0.01, 0.04)
    blur: float = 0.0
    blur_sigma: tuple[float, float] = (0.4, 1.5)
    downscale: float = 0.0
    downscale_factor: tuple[float, float] = (0.4, 0.9)
    jpeg: float = 0.0
    jpeg_quality: tuple[int, int] = (40, 90)
    fade: float = 0.0
    fade_amount: tuple[float, float] = (0.1, 0.4)
    colour_cast: float = 0.0
    cast_strength: tuple[float, float] = (0.03, 0.12)
    sepia: float = 0.0
    greyscale: float = 0.0


@dataclass
class DamageConfig:
    """All damage parameters. ``level`` 0..3 scales every count (0: none, 1: light, 2: the
    preset's own amount, 3: heavy); ``polarity`` picks dark, light or mixed damage;
    ``tinted`` is the share of dark damage drawn as brownish dirt instead of black."""

    name: str = "slide"
    polarity: str = "dark"
    tinted: float = 0.15
    level: int = 2
    specks: Specks = field(default_factory=Specks)
    hairs: Hairs = field(default_factory=Hairs)
    scratches: Scratches = field(default_factory=Scratches)
    blotches: Blotches = field(default_factory=Blotches)
    holes: Holes = field(default_factory=Holes)
    cracks: Cracks = field(default_factory=Cracks)
    paint_loss: PaintLoss = field(default_factory=PaintLoss)
    overlay: Overlay = field(default_factory=Overlay)
    unstructured: Unstructured = field(default_factory=Unstructured)

    @property
    def amount(self) -> float:
        """Multiplier of every count for ``level``."""
        return (0.0, 0.4, 1.0, 2.5)[self.level]

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1)


def _merge(base, overrides: dict):
    """``base`` (a dataclass) with ``overrides`` applied, recursing into nested dataclasses."""
    changes = {}
    names = {f.name for f in fields(base)}
    for key, value in overrides.items():
        if key not in names:
            raise ValueError(f"unknown damage parameter {key!r} in {type(base).__name__}")
        current = getattr(base, key)
        if is_dataclass(current) and isinstance(value, dict):
            changes[key] = _merge(current, value)
        elif isinstance(current, tuple):
            changes[key] = tuple(value)
        else:
            changes[key] = value
    return replace(base, **changes)


PRESETS: dict[str, dict] = {
    # Kodachrome/Ektachrome slides: dark dust and hairs, a few scratches (Ivanova's data).
    "slide": {"polarity": "dark", "overlay": {"probability": 0.5}},
    # Colour or B&W negatives scanned and inverted: dust appears light.
    "negative": {"polarity": "light", "tinted": 0.0,
                 "specks": {"per_mp": 160.0}, "unstructured": {"grain": 0.5}},
    # Old prints: scratches, cracks, creases, stains, holes, fading (Wan et al.'s old photos).
    "print": {"polarity": "mixed", "specks": {"per_mp": 60.0},
              "scratches": {"per_mp": 2.0, "curvature": 0.4},
              "blotches": {"per_mp": 0.6}, "holes": {"per_mp": 0.15},
              "cracks": {"per_mp": 3.0},
              "unstructured": {"fade": 0.5, "sepia": 0.3, "greyscale": 0.3, "blur": 0.3,
                               "gaussian_noise": 0.4, "jpeg": 0.3}},
    # Cine frames: long vertical scratches, dirt, grain.
    "cine": {"polarity": "mixed", "specks": {"per_mp": 80.0},
             "scratches": {"per_mp": 2.5, "vertical": 0.85, "length": (0.6, 1.0),
                           "curvature": 0.02},
             "unstructured": {"grain": 0.8}},
    # Paintings: whitish paint loss, craquelure.
    "painting": {"polarity": "light", "tinted": 0.0, "specks": {"per_mp": 20.0},
                 "hairs": {"per_mp": 0.5}, "scratches": {"per_mp": 0.2},
                 "cracks": {"per_mp": 10.0, "opacity": (0.3, 0.7)},
                 "paint_loss": {"per_mp": 30.0}},
}


def preset(name: str, *, level: int = 2, **overrides) -> DamageConfig:
    """The named preset (see :data:`PRESETS`) at ``level``, with ``overrides`` applied."""
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
    if level not in (0, 1, 2, 3):
        raise ValueError(f"level must be 0, 1, 2 or 3, got {level}")
    config = _merge(DamageConfig(name=name, level=level), PRESETS[name])
    return _merge(config, overrides) if overrides else config


def load_config(path: str | Path) -> DamageConfig:
    """A config from a JSON file: ``{"preset": "print", ...overrides}``."""
    data = json.loads(Path(path).read_text())
    name = data.pop("preset", data.get("name", "slide"))
    level = data.pop("level", 2)
    return preset(name, level=level, **data)
