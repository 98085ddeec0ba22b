"""The training loop: ``train(TrainOptions) -> figures``, single-process or under ``torchrun``.

A run folder holds ``run.json`` (the options), ``last.safetensors`` (the training state after
the latest epoch, for ``--resume``), ``best.safetensors`` (the model file of the best validation
epoch, with its figures and, for detectors, the operating threshold), ``log.csv`` (one row per
epoch) and ``loss.png`` (training and validation loss curves).

Under ``torchrun --nproc_per_node N`` (environment variable WORLD_SIZE > 1) each process trains
on its share of every epoch (DistributedDataParallel: gloo on CPU, nccl on CUDA), validation
statistics are summed over processes, and only rank 0 writes files.
"""
from __future__ import annotations

import csv
import json
import math
import os
import time
from dataclasses import asdict, dataclass, field
from io import StringIO
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
from torch.utils.data import DataLoader, DistributedSampler, RandomSampler, SequentialSampler
from tqdm import tqdm

from ..errors import DustoffError
from ..io import write_bytes
from ..models import create_model
from .checkpoint import load_state, save_model, save_state
from .curves import plot_curves
from .data import AUGMENTS, PairDataset
from .tasks import TASKS


@dataclass
class TrainOptions:
    """model : registered model name; data : built dataset folders; out : the run folder.
    sizes : dataset sizes to draw pairs from (default: all); crop : training window side.
    epochs : passes over the training pairs, or samples : total training samples (overrides).
    lr : the one-cycle peak learning rate (AdamW, ``weight_decay``).
    val_limit : at most this many validation pairs (whole pairs, no augmentation).
    model_config : overrides of the model's defaults; task_config : of its task's loss.
    augment : "default" (flips, quarter turns, gamma/gain), "perspective" (Ivanova et al.) or
        "scene" (default plus colour jitter and scene distractors, for detectors).
    init : a model file (e.g. the previous phase's best.safetensors) to start from.
    encoder_weights : for models with a pretrained-able encoder: a checkpoint path, or
    "packaged" for the weights a Python package ships (EfficientNet-Lite0's ImageNet ones);
    None leaves the encoder random, and the log says so.
    freeze_encoder : train everything but the encoder.
    lr_factors : per parameter group of the model (early encoder, late encoder, decoder), a
    factor on ``lr`` (discriminative learning rates), e.g. [0.01, 0.1, 1].
    pct_start : fraction of the one-cycle spent raising the learning rate."""

    model: str
    data: list[str]
    out: str
    sizes: list[int] | None = None
    crop: int = 128
    epochs: int = 10
    samples: int | None = None
    batch: int = 8
    lr: float = 2e-3
    weight_decay: float = 1e-4
    workers: int = 0
    seed: int = 0
    device: str = "auto"
    val_limit: int | None = 200
    model_config: dict = field(default_factory=dict)
    task_config: dict = field(default_factory=dict)
    augment: str = "default"
    init: str | None = None
    encoder_weights: str | None = None
    freeze_encoder: bool = False
    lr_factors: list[float] | None = None
    pct_start: float = 0.2


def _device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


class _Distributed:
    """Rank and world size; initialises the process group under torchrun."""

    def __init__(self, device: torch.device):
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        if self.world > 1 and not dist.is_initialized():
            dist.init_process_group("nccl" if device.type == "cuda" else "gloo")

    @property
    def main(self) -> bool:
        return self.rank == 0

    def sum(self, stats: dict) -> dict:
        if self.world == 1:
            return stats
        out = {}
        for key, value in stats.items():
            tensor = torch.as_tensor(np.asarray(value, dtype=np.float64))
            dist.all_reduce(tensor)
            out[key] = tensor.numpy() if tensor.ndim else float(tensor)
        return out


def _loader(dataset, batch, dist_, *, train: bool, seed: int, workers: int):
    if dist_.world > 1:
        sampler = DistributedSampler(dataset, num_replicas=dist_.world, rank=dist_.rank,
                                     shuffle=train, seed=seed, drop_last=train)
    elif train:
        sampler = RandomSampler(dataset, generator=torch.Generator().manual_seed(seed))
    else:
        sampler = SequentialSampler(dataset)
    return DataLoader(dataset, batch_size=batch, sampler=sampler, drop_last=train,
                      num_workers=workers, persistent_workers=workers > 0)


def _set_epoch(loader, dataset, epoch: int, seed: int) -> None:
    dataset.set_epoch(epoch)
    if isinstance(loader.sampler, DistributedSampler):
        loader.sampler.set_epoch(epoch)
    elif isinstance(loader.sampler, RandomSampler):
        loader.sampler.generator.manual_seed(seed * 100003 + epoch)


def train(options: TrainOptions, *, progress: bool = True, resume: bool = False) -> dict:
    """Train ``options.model``; returns the best epoch's validation figures."""
    device = _device(options.device)
    dist_ = _Distributed(device)
    out = Path(options.out)
    torch.manual_seed(options.seed)
    model = create_model(options.model, **options.model_config)
    _initialise(model, options, log=dist_.main)
    model = model.to(device)
    task = TASKS[model.task](**options.task_config)
    if options.augment not in AUGMENTS:
        raise DustoffError(f"augment must be one of {sorted(AUGMENTS)}, got {options.augment!r}")
    train_set = PairDataset(options.data, "train", sizes=options.sizes, crop=options.crop,
                            augment=AUGMENTS[options.augment](), seed=options.seed)
    val_set = validation_set(options.data, sizes=options.sizes, limit=options.val_limit)
    loader = _loader(train_set, options.batch, dist_, train=True, seed=options.seed,
                     workers=options.workers)
    val_loader = _loader(val_set, _validation_batch(val_set, options.batch), dist_,
                         train=False, seed=0, workers=0)
    steps = len(loader)
    if steps == 0:
        raise DustoffError(f"{options.data}: fewer training pairs than one batch per process")
    epochs = options.epochs
    if options.samples is not None:
        per_step = options.batch * dist_.world
        epochs = max(1, math.ceil(options.samples / (steps * per_step)))
        # Fewer samples than one pass: one shortened epoch on a random subset.
        steps = min(steps, max(1, math.ceil(options.samples / per_step)))
    groups = _param_groups(model, options)
    optimizer = torch.optim.AdamW(groups, lr=options.lr, weight_decay=options.weight_decay)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=[g["lr"] for g in groups], total_steps=epochs * steps,
        pct_start=_warm_up_fraction(options.pct_start, epochs * steps))
    state = {"epoch": 0, "best": None, "seconds": 0.0, "history": []}
    if resume and (out / "last.safetensors").is_file():
        state = load_state(out / "last.safetensors", model, optimizer, scheduler)
        if dist_.main:
            print(f"resuming {out} after epoch {state['epoch']} of {epochs}")
    elif dist_.main:
        out.mkdir(parents=True, exist_ok=True)
        (out / "run.json").write_text(json.dumps({**asdict(options), "epochs": epochs,
                                                  "world_size": dist_.world}, indent=1))
    net = model
    if dist_.world > 1:
        net = torch.nn.parallel.DistributedDataParallel(model)
    for epoch in range(state["epoch"], epochs):
        started = time.time()
        model.train()
        _set_epoch(loader, train_set, epoch, options.seed)
        losses = []
        bar = tqdm(loader, desc=f"epoch {epoch + 1}/{epochs}", unit="batch", leave=False, total=steps,
                   disable=not (progress and dist_.main))
        for step, batch in enumerate(bar):
            if step >= steps:
                break
            batch = {k: v.to(device) for k, v in batch.items()}
            loss = task.loss(net, batch)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()
            losses.append(float(loss.detach()))
            bar.set_postfix(loss=f"{np.mean(losses[-50:]):.4f}")
        figures = _validate(model, task, val_loader, device, dist_)
        row = {"epoch": epoch + 1, "train_loss": float(np.mean(losses)),
               "lr": scheduler.get_last_lr()[0], "seconds": time.time() - started,
               "samples": (epoch + 1) * steps * options.batch * dist_.world, **figures}
        state["seconds"] += row["seconds"]
        state["history"].append(row)
        state["epoch"] = epoch + 1
        if dist_.main:
            improved = state["best"] is None or figures[task.key] > state["best"][task.key]
            if improved:
                state["best"] = row
                save_model(model, out / "best.safetensors",
                           info={**figures, "epoch": epoch + 1, "run": str(out)})
            save_state(out / "last.safetensors", model, optimizer, scheduler, state)
            _write_log(out, state["history"])
            plot_curves(state["history"], task.key, out / "loss.png")
            print(f"epoch {epoch + 1}/{epochs}: loss {row['train_loss']:.4f}, " + ", ".join(
                f"{k} {v:.4f}" for k, v in figures.items()) + f" ({row['seconds']:.0f} s)",
                flush=True)
    if dist_.world > 1:
        dist.barrier()
        dist.destroy_process_group()
    return state["best"] or {}


def _warm_up_fraction(pct: float, total_steps: int) -> float:
    """``pct``, nudged off the one value at which torch's OneCycleLR divides by zero (a
    warm-up ending exactly on the first step, possible in very short runs)."""
    if abs(pct * total_steps - 1) < 1e-9:
        pct += 0.25 / total_steps
    return pct


def _initialise(model, options: TrainOptions, *, log: bool) -> None:
    """Starting weights: a previous model file, pretrained encoder weights, a frozen encoder."""
    lines = []
    if options.init is not None:
        from .checkpoint import load_model

        source, _ = load_model(options.init)
        if source.name == model.name and source.config == model.config:
            model.load_state_dict(source.state_dict())
            lines.append(f"weights: starting from {options.init}")
        elif source.name == model.name and getattr(model, "widenable", False):
            from ..models.widen import widen_from

            try:
                widen_from(model, source)
            except ValueError as error:
                raise DustoffError(f"{options.init}: cannot widen {source.config} to "
                                   f"{model.config}: {error}") from None
            lines.append(f"weights: widened from {options.init} {source.config} (the new "
                         "channels start disconnected: same output)")
        else:
            raise DustoffError(f"{options.init}: holds {source.name} {source.config}, not "
                               f"{model.name} {model.config}")
    elif hasattr(model, "load_encoder"):
        if options.encoder_weights is None:
            lines.append("encoder: RANDOM initialisation (no --encoder-weights given), not "
                         "pretrained")
        else:
            path = None if options.encoder_weights == "packaged" else options.encoder_weights
            lines.append(model.load_encoder(path))
    elif options.encoder_weights is not None:
        raise DustoffError(f"{options.model} has no pretrained-able encoder; drop "
                           "--encoder-weights")
    if options.freeze_encoder:
        if not hasattr(model, "freeze_encoder"):
            raise DustoffError(f"{options.model} has no encoder to freeze")
        model.freeze_encoder(True)
        lines.append("encoder: frozen")
    if log:
        for line in lines:
            print(line, flush=True)


def _param_groups(model, options: TrainOptions) -> list[dict]:
    """Optimizer groups of the trainable parameters, with ``lr_factors`` when given."""
    if options.lr_factors is None:
        return [{"params": [p for p in model.parameters() if p.requires_grad], "lr": options.lr}]
    if not hasattr(model, "param_groups"):
        raise DustoffError(f"{options.model} has no parameter groups for lr_factors")
    groups = model.param_groups()
    if len(groups) != len(options.lr_factors):
        raise DustoffError(f"lr_factors needs {len(groups)} values for {options.model}, got "
                           f"{len(options.lr_factors)}")
    return [{"params": [p for p in g if p.requires_grad], "lr": options.lr * f}
            for g, f in zip(groups, options.lr_factors) if any(p.requires_grad for p in g)]


def validation_set(data, *, sizes=None, limit: int | None = 200) -> PairDataset:
    """The validation pairs of the datasets ``data`` that training validates on: whole pairs,
    no augmentation, at most ``limit`` of them."""
    val_set = PairDataset(data, "val", sizes=sizes, crop=None)
    if limit is not None and len(val_set.rows) > limit:
        # An even spread over the datasets, sizes and presets, not the first few of one.
        pick = np.linspace(0, len(val_set.rows) - 1, limit).round().astype(int)
        val_set.rows = [val_set.rows[i] for i in pick]
    return val_set


def validate(model, data, *, sizes=None, limit: int | None = 200, batch: int = 8,
             device: str = "cpu", task_config: dict | None = None) -> dict:
    """Score ``model`` on the validation pairs of ``data`` exactly as training does each epoch
    (for detectors: best F1, its threshold, precision, recall, and the validation loss)."""
    val_set = validation_set(data, sizes=sizes, limit=limit)
    if len(val_set) == 0:
        raise DustoffError(f"{data}: no validation pairs")
    dist_ = _Distributed(torch.device(device))
    loader = _loader(val_set, _validation_batch(val_set, batch), dist_, train=False, seed=0,
                     workers=0)
    model = model.to(device)
    task = TASKS[model.task](**(task_config or {}))
    return _validate(model, task, loader, torch.device(device), dist_)


def _validation_batch(val_set: PairDataset, batch: int) -> int:
    """Pairs of several sizes cannot share a batch."""
    return batch if len({r["size"] for r in val_set.rows}) == 1 else 1


def _validate(model, task, loader, device, dist_) -> dict:
    model.eval()
    stats = task.start_validation()
    with torch.no_grad():
        for batch in loader:
            task.validate(model, {k: v.to(device) for k, v in batch.items()}, stats)
    return task.figures(dist_.sum(stats))


def _write_log(out: Path, history: list[dict]) -> None:
    text = StringIO(newline="")
    writer = csv.DictWriter(text, fieldnames=list(history[0]))
    writer.writeheader()
    writer.writerows(history)
    write_bytes(text.getvalue().encode(), out / "log.csv")
