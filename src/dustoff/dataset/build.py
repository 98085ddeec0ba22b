"""Paired datasets from clean photographs: ``dustoff dataset build CLEAN_DIR OUT``.

Layout of OUT::

    build.json                      the arguments (a resumed build must use the same ones)
    manifest.json, manifest.csv     one row per pair: split, size, source photo, crop, preset,
                                    seed, damage counts, file paths (relative to OUT)
    splits.json                     which source photos went to which split
    <split>/<size>/clean/<id>.png   ground truth
    <split>/<size>/damaged/<id>.png input
    <split>/<size>/mask/<id>.png    damage opacity (8-bit, 255 = opaque)
    <split>/<size>/labels/<id>.png  class codes (dustoff.damage.CLASSES)
    rows/<id>.json                  per-pair record; a build resumes by skipping these

Every source photo belongs to exactly one split, so no photo leaks from training into
validation or test. Each (photo, crop, size) gets its own damage seed, so the pattern differs for
every target size (Ivanova et al. 2022). Clean-only items (damaged == clean, empty mask) are
added to each split for measuring harm done to undamaged images.
"""
from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from ..damage import preset, synthesize
from ..damage.config import Unstructured
from ..errors import DustoffError
from ..io import read_scan, write_png8

SPLITS = ("train", "val", "test")
PHOTO_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff"}


@dataclass
class BuildOptions:
    """What ``build`` makes: square ``sizes`` in pixels, ``split`` ratios train:val:test,
    ``per_image`` damaged crops per photo and size, ``presets`` cycled over crops,
    ``clean_per_split`` clean-only items per split and size, ``min_crop`` the smallest crop
    side as a fraction of the photo's shorter side, ``structured_only`` leaves out the
    unstructured degradations (noise, blur, fading, JPEG...) so that the damaged and clean
    images differ only inside the damage mask, ``splits`` the splits to make items for (the
    photos are assigned to all three either way, so a test-only build holds the same photos as
    the test split of a full build with the same ratio and seed)."""

    sizes: tuple[int, ...] = (64, 128, 256)
    split: tuple[int, int, int] = (8, 1, 1)
    per_image: int = 2
    presets: tuple[str, ...] = ("slide", "negative", "print", "cine", "painting")
    clean_per_split: int = 8
    seed: int = 0
    min_crop: float = 0.35
    structured_only: bool = False
    splits: tuple[str, ...] = SPLITS

    def as_dict(self) -> dict:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in vars(self).items()}


def assign_splits(photos: list[Path], ratio, seed: int) -> dict[str, list[Path]]:
    """Photos shuffled with ``seed`` and cut by ``ratio``; each photo in exactly one split."""
    order = np.random.default_rng(seed).permutation(len(photos))
    total = sum(ratio)
    n_val = round(len(photos) * ratio[1] / total)
    n_test = round(len(photos) * ratio[2] / total)
    n_train = len(photos) - n_val - n_test
    shuffled = [photos[i] for i in order]
    return {"train": shuffled[:n_train], "val": shuffled[n_train:n_train + n_val],
            "test": shuffled[n_train + n_val:]}


def _seed_for(*parts) -> int:
    digest = hashlib.sha256("/".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "little")


def _crop(image: np.ndarray, rng, size: int, min_crop: float):
    """A random square crop area-resized to ``size``; returns (crop, box, scale)."""
    h, w = image.shape[:2]
    side = int(min(h, w) * rng.uniform(min_crop, 1.0))
    y0, x0 = int(rng.integers(0, h - side + 1)), int(rng.integers(0, w - side + 1))
    crop = cv2.resize(image[y0:y0 + side, x0:x0 + side], (size, size),
                      interpolation=cv2.INTER_AREA if side >= size else cv2.INTER_CUBIC)
    crop = crop.reshape(size, size, image.shape[2])
    # Damage keeps its physical size on the film: pixels of this crop per pixel of a 1-MP frame.
    scale = float(np.sqrt(h * w / 1e6)) * size / side
    return crop, [y0, x0, side], scale


def build(clean_dir: Path, out: Path, options: BuildOptions, *, progress: bool = True) -> dict:
    """Build (or resume building) a dataset; returns the manifest summary."""
    photos = sorted(p for p in Path(clean_dir).iterdir()
                    if p.suffix.lower() in PHOTO_SUFFIXES and not p.name.startswith("."))
    if len(photos) < 3:
        raise DustoffError(f"{clean_dir}: needs at least 3 clean photos, found {len(photos)}")
    out.mkdir(parents=True, exist_ok=True)
    _check_resume(out, options, clean_dir)
    splits = assign_splits(photos, options.split, options.seed)
    (out / "splits.json").write_text(json.dumps(
        {k: [p.name for p in v] for k, v in splits.items()}, indent=1))
    (out / "rows").mkdir(exist_ok=True)
    chosen = [split for split in SPLITS if split in options.splits]
    work = [(split, photo, k) for split in chosen for photo in splits[split]
            for k in range(options.per_image)]
    work += [(split, None, k) for split in chosen for k in range(options.clean_per_split)]
    for split, photo, k in tqdm(work, desc="dataset", unit="item", disable=not progress):
        if photo is None:
            source = splits[split][k % len(splits[split])] if splits[split] else None
            if source is None:
                continue
            _make_items(out, split, source, f"clean{k}", options, clean_only=True)
        else:
            _make_items(out, split, photo, str(k), options, clean_only=False)
    return write_manifest(out)


def _check_resume(out: Path, options: BuildOptions, clean_dir: Path) -> None:
    record = {"clean_dir": str(Path(clean_dir).resolve()), **options.as_dict()}
    path = out / "build.json"
    if path.exists():
        # Options added after a build was made take their defaults, so old builds still resume.
        previous = {**BuildOptions().as_dict(), **json.loads(path.read_text())}
        if {k: v for k, v in previous.items() if k != "clean_dir"} != \
                {k: v for k, v in record.items() if k != "clean_dir"}:
            raise DustoffError(f"{out}: holds a dataset built with other options; "
                               "use a new folder or the same options to resume")
    else:
        path.write_text(json.dumps(record, indent=1))


def _item_id(split: str, size: int, photo: Path, tag: str) -> str:
    return f"{split}-{size}-{photo.stem.replace(' ', '_')}-{tag}"


def _make_items(out: Path, split: str, photo: Path, tag: str, options: BuildOptions, *,
                clean_only: bool) -> None:
    pending = [s for s in options.sizes
               if not (out / "rows" / f"{_item_id(split, s, photo, tag)}.json").exists()]
    if not pending:
        return
    image = read_scan(photo).color_float()
    if image.shape[2] == 1:
        image = np.repeat(image, 3, axis=2)
    for size in pending:
        item = _item_id(split, size, photo, tag)
        seed = _seed_for(options.seed, photo.name, tag, size)
        rng = np.random.default_rng(seed)
        crop, box, scale = _crop(image, rng, size, options.min_crop)
        name = options.presets[_seed_for(photo.name, tag) % len(options.presets)]
        row = {"id": item, "split": split, "size": size, "source": photo.name, "crop": box,
               "kind": "clean" if clean_only else "damaged", "seed": seed}
        if clean_only:
            damaged, mask = crop, np.zeros((size, size), np.float32)
            labels = np.zeros((size, size), np.uint8)
        else:
            config = preset(name)
            if options.structured_only:
                config = replace(config, unstructured=Unstructured())
            # Small crops can draw no damage at all; a "damaged" item must have some, so draw
            # again with derived seeds (deterministic) until it does.
            for attempt in range(16):
                result = synthesize(crop, config, seed=seed + attempt, scale=scale)
                if (result.mask >= 0.1).any():
                    break
            damaged, mask, labels = result.damaged, result.mask, result.labels
            row["damage_seed"] = seed + attempt
            row.update(preset=name, counts=result.params["counts"],
                       ageing=result.params["ageing"], capture=result.params["capture"])
        folder = out / split / str(size)
        files = {}
        for kind, data in (("clean", crop), ("damaged", damaged), ("mask", mask),
                           ("labels", labels)):
            path = folder / kind / f"{item}.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            write_png8(data, path)
            files[kind] = str(path.relative_to(out))
        row["files"] = files
        row["damaged_fraction"] = round(float((mask > 0).mean()), 5)
        (out / "rows" / f"{item}.json").write_text(json.dumps(row))


def read_rows(out: Path) -> list[dict]:
    rows = [json.loads(p.read_text()) for p in sorted((out / "rows").glob("*.json"))]
    order = {s: i for i, s in enumerate(SPLITS)}
    return sorted(rows, key=lambda r: (order[r["split"]], r["size"], r["id"]))


def write_manifest(out: Path) -> dict:
    """Compile rows/ into manifest.json and manifest.csv; returns counts per split and size."""
    rows = read_rows(out)
    summary: dict = {}
    for row in rows:
        key = f"{row['split']}/{row['size']}"
        summary.setdefault(key, {"damaged": 0, "clean": 0})[row["kind"]] += 1
    (out / "manifest.json").write_text(json.dumps({"summary": summary, "pairs": rows}, indent=0))
    columns = ["id", "split", "size", "kind", "source", "preset", "seed", "damage_seed", "crop",
               "damaged_fraction", "counts", "ageing", "capture"]
    with open(out / "manifest.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: json.dumps(row[k]) if isinstance(row.get(k), (list, dict))
                             else row.get(k, "") for k in columns})
    return summary
