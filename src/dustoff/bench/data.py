"""What ``dustoff bench`` scores: the damaged and the clean inputs of a benchmark folder.

Two layouts are read:

- a dataset made by ``dustoff dataset build`` (it has ``manifest.json``): the pairs of one split
  and one size; its damaged items are the damaged inputs and its clean-only items the clean
  inputs;
- any folder with ``clean/``, ``damaged/`` and optionally ``mask/`` sub-folders of images
  matched by file stem: each damaged image (with the clean image of the same stem) is a damaged
  input, and every clean image is also a clean input, as in Ivanova et al.'s test on clean images.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..errors import DustoffError

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff"}


@dataclass(frozen=True)
class BenchItem:
    """One input: ``kind`` "damaged" or "clean"; ``source`` the image given to a method,
    ``clean`` its ground truth, ``mask`` the ground-truth damage opacity (None when there is
    none: clean inputs, or a triplet folder without a mask for this stem)."""

    id: str
    kind: str
    source: Path
    clean: Path
    mask: Path | None


def load_items(root: str | Path, *, split: str = "test", size: int | None = None,
               limit: int | None = None) -> list[BenchItem]:
    """The benchmark inputs under ``root``, damaged ones first, each group sorted by id.

    ``split`` and ``size`` pick the part of a built dataset (default: its largest size);
    ``limit`` keeps the first N damaged and the first N clean inputs.
    """
    root = Path(root)
    if not root.is_dir():
        raise DustoffError(f"{root}: not a folder")
    if (root / "manifest.json").is_file():
        items = _from_manifest(root, split, size)
    elif (root / "clean").is_dir() and (root / "damaged").is_dir():
        items = _from_triplets(root)
    else:
        raise DustoffError(f"{root}: neither a built dataset (manifest.json) nor a folder with "
                           "clean/ and damaged/ sub-folders")
    damaged = [i for i in items if i.kind == "damaged"][:limit]
    clean = [i for i in items if i.kind == "clean"][:limit]
    if not damaged and not clean:
        raise DustoffError(f"{root}: no benchmark inputs found")
    return damaged + clean


def _from_manifest(root: Path, split: str, size: int | None) -> list[BenchItem]:
    try:
        rows = json.loads((root / "manifest.json").read_text())["pairs"]
    except (ValueError, KeyError, TypeError):
        raise DustoffError(f"{root / 'manifest.json'}: not a dustoff dataset manifest")
    rows = [r for r in rows if r["split"] == split]
    sizes = sorted({r["size"] for r in rows})
    if not sizes:
        raise DustoffError(f"{root}: no items in split {split!r}")
    size = sizes[-1] if size is None else size
    if size not in sizes:
        raise DustoffError(f"{root}: split {split!r} has sizes {sizes}, not {size}")
    items = []
    for r in sorted((r for r in rows if r["size"] == size), key=lambda r: r["id"]):
        files = {k: root / v for k, v in r["files"].items()}
        damaged = r["kind"] == "damaged"
        items.append(BenchItem(r["id"], r["kind"], files["damaged" if damaged else "clean"],
                               files["clean"], files["mask"] if damaged else None))
    return items


def _images(folder: Path) -> dict[str, Path]:
    if not folder.is_dir():
        return {}
    return {p.stem: p for p in sorted(folder.iterdir())
            if p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith(".")}


def _from_triplets(root: Path) -> list[BenchItem]:
    clean, damaged, masks = (_images(root / k) for k in ("clean", "damaged", "mask"))
    unmatched = sorted(set(damaged) - set(clean))
    if unmatched:
        raise DustoffError(f"{root}: damaged images without a clean image of the same name: "
                           f"{', '.join(unmatched[:5])}")
    items = [BenchItem(stem, "damaged", path, clean[stem], masks.get(stem))
             for stem, path in damaged.items()]
    items += [BenchItem(f"clean-{stem}", "clean", path, path, None)
              for stem, path in clean.items()]
    return items
