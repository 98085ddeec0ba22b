"""One file through the pipeline, and many files through it with a progress bar, in parallel if
asked; a file that fails is reported and the batch goes on."""
from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ..errors import DustoffError
from ..io import EXTENSIONS, read_scan, write_png8, write_scan
from ..pipeline import RestoreOptions, detect_samples, repair_samples
from ..whole_image import restore_samples

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff"}
BIG_FILE_PIXELS = 8_000_000  # files above this get their own detect/repair progress bars


@dataclass
class Job:
    """Where one input goes. ``output`` is the restored image, ``mask_out`` the mask (or None)."""

    input: Path
    output: Path
    mask_in: Path | None = None
    mask_out: Path | None = None


@dataclass
class FileSettings:
    """Settings shared by every file of a batch."""

    options: RestoreOptions = field(default_factory=RestoreOptions)
    overwrite: bool = False
    output_format: str | None = None
    infrared: bool = False
    max_pixels: int = 400_000_000
    repair: bool = True  # False: detect only, write the mask


def collect_inputs(inputs: list[str], *, recursive: bool) -> list[tuple[Path, Path]]:
    """(file, path relative to the folder it was found in) for every image among ``inputs``.

    Files named directly are taken whatever their extension (their content decides); folders
    contribute their files with image extensions, sub-folders too with ``recursive``.
    """
    found = []
    for name in inputs:
        path = Path(name)
        if path.is_dir():
            pattern = "**/*" if recursive else "*"
            for child in sorted(path.glob(pattern)):
                if child.is_file() and child.suffix.lower() in IMAGE_SUFFIXES \
                        and not child.name.startswith("."):
                    found.append((child, child.relative_to(path)))
        else:
            found.append((path, Path(path.name)))
    return found


def plan_jobs(found: list[tuple[Path, Path]], out_dir: Path, *, save_mask: bool,
              mask: Path | None, output_format: str | None) -> list[Job]:
    """Output paths for every input: ``OUT/<relative path>``; masks as ``<stem>.mask.png``."""
    jobs = []
    for src, rel in found:
        dst = out_dir / rel
        if output_format:
            dst = dst.with_suffix(EXTENSIONS[output_format])
        mask_in = _mask_for(src, mask) if mask is not None else None
        mask_out = dst.with_name(dst.stem + ".mask.png") if save_mask else None
        jobs.append(Job(src, dst, mask_in, mask_out))
    return jobs


def _mask_for(src: Path, mask: Path) -> Path:
    """The user's mask for ``src``: the file itself, or a same-stem file in a mask folder."""
    if not mask.is_dir():
        return mask
    for candidate in sorted(mask.iterdir()):
        if candidate.stem in (src.stem, src.stem + ".mask") and candidate.is_file():
            return candidate
    return mask / (src.stem + ".png")


def read_mask(path: Path, shape: tuple[int, int], max_pixels: int) -> np.ndarray:
    """A user's mask file as float32 (H, W) in [0, 1]; must match the image's size."""
    scan = read_scan(path, max_pixels=max_pixels)
    if scan.shape != shape:
        raise DustoffError(f"{path}: mask is {scan.shape[1]}x{scan.shape[0]} but the image is "
                           f"{shape[1]}x{shape[0]}")
    return scan.color_float()[:, :, 0] if scan.color.shape[2] == 1 else \
        scan.color_float().max(axis=2)


def process(job: Job, settings: FileSettings, *, progress: bool = False) -> dict:
    """Restore (or only detect) one file. Returns a summary dict; raises DustoffError."""
    start = time.perf_counter()
    for target in (job.output if settings.repair else None, job.mask_out):
        if target is None:
            continue
        if target.exists() and job.input.exists() and target.samefile(job.input):
            raise DustoffError(f"{target}: output path is the input file; choose another output")
        if target.exists() and not settings.overwrite:
            raise DustoffError(f"{target}: already exists (use --overwrite to replace it)")
    scan = read_scan(job.input, infrared=settings.infrared, max_pixels=settings.max_pixels)
    big = progress and scan.shape[0] * scan.shape[1] > BIG_FILE_PIXELS
    restored = None
    if settings.repair and settings.options.whole_image:
        restored, mask = restore_samples(scan.color, settings.options.method,
                                         weights=settings.options.weights, progress=big)
    elif job.mask_in is not None:
        mask = read_mask(job.mask_in, scan.shape, settings.max_pixels)
    else:
        mask = detect_samples(scan.color, settings.options, progress=big)
    summary = {"input": str(job.input), "status": "ok",
               "damaged_fraction": float((mask >= 0.5).mean()),
               "width": scan.shape[1], "height": scan.shape[0], "bit_depth": scan.bit_depth}
    if settings.repair:
        job.output.parent.mkdir(parents=True, exist_ok=True)
        if restored is None:
            restored = repair_samples(scan.color, mask, settings.options, progress=big)
        write_scan(scan.with_color(restored), job.output, format=settings.output_format,
                   overwrite=settings.overwrite)
        summary["output"] = str(job.output)
    if job.mask_out is not None:
        job.mask_out.parent.mkdir(parents=True, exist_ok=True)
        write_png8(mask, job.mask_out, overwrite=settings.overwrite)
        summary["mask"] = str(job.mask_out)
    summary["seconds"] = round(time.perf_counter() - start, 3)
    return summary


def _process_safely(job: Job, settings: FileSettings, progress: bool) -> dict:
    try:
        return process(job, settings, progress=progress)
    except DustoffError as exc:
        return {"input": str(job.input), "status": "failed", "error": str(exc)}
    except MemoryError:
        return {"input": str(job.input), "status": "failed", "error": f"{job.input}: out of memory"}
    except Exception as exc:  # keep the batch going; the message names the file and the cause
        if os.environ.get("DUSTOFF_DEBUG"):
            raise
        return {"input": str(job.input), "status": "failed",
                "error": f"{job.input}: unexpected error: {type(exc).__name__}: {exc}"}


def _init_worker() -> None:
    import cv2

    cv2.setNumThreads(1)  # one process per core already


def run_batch(jobs: list[Job], settings: FileSettings, *, workers: int = 1) -> list[dict]:
    """Process every job; returns one summary per job, in input order."""
    show = len(jobs) > 1
    results: list[dict | None] = [None] * len(jobs)
    bar = tqdm(total=len(jobs), desc="restore" if settings.repair else "detect", unit="file",
               disable=not show)
    if workers <= 1 or len(jobs) <= 1:
        for i, job in enumerate(jobs):
            results[i] = _process_safely(job, settings, progress=True)
            bar.update()
    else:
        # Workers are spawned, not forked: a fork of a process whose OpenMP or PyTorch thread
        # pools have run (the Python API inside a notebook, the test suite after LPIPS) can
        # deadlock in the child.
        with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker,
                                 mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = {pool.submit(_process_safely, job, settings, False): i
                       for i, job in enumerate(jobs)}
            for future in as_completed(futures):
                results[futures[future]] = future.result()
                bar.update()
    bar.close()
    return results  # type: ignore[return-value]
