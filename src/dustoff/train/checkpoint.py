"""Model and training-state files, all safetensors (no pickle anywhere).

- A *model file* holds the weights and, in the safetensors metadata, ``model`` (registered
  name), ``config`` (JSON: the keyword arguments that rebuild it) and ``info`` (JSON: anything
  the inference side needs, e.g. the detector's operating threshold, and the validation figures).
  :func:`load_model` rebuilds the module from it alone.
- A *training state* (``last.safetensors`` in a run folder) adds the optimizer's tensors under
  ``optimizer/<param>/<name>`` and keeps its hyper-parameters, the scheduler and the loop
  position as JSON in the metadata, so ``dustoff train --resume`` continues exactly.
"""
from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, safe_open, save

from ..errors import DustoffError
from ..io import write_bytes

_OPT = "optimizer/"


def _atomic_save(tensors: dict, path: Path, metadata: dict) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    write_bytes(save({k: v.detach().contiguous().cpu() for k, v in tensors.items()},
                     metadata=metadata), path)


def _unwrap(model):
    return getattr(model, "module", model)


def save_model(model, path, *, info: dict | None = None, half: bool = False) -> Path:
    """Write ``model``'s weights (float16 when ``half``) with its name, config and ``info``."""
    model = _unwrap(model)
    state = {k: (v.half() if half and v.is_floating_point() else v)
             for k, v in model.state_dict().items()}
    _atomic_save(state, path, {"model": model.name, "config": json.dumps(model.config),
                               "info": json.dumps(info or {})})
    return Path(path)


def read_metadata(path) -> dict:
    """The metadata of a model or training-state file, JSON fields decoded."""
    try:
        with safe_open(str(path), framework="pt") as fh:
            meta = fh.metadata() or {}
    except (OSError, SafetensorError) as exc:
        raise DustoffError(f"{path}: not a readable safetensors file ({exc})") from None
    if "model" not in meta:
        raise DustoffError(f"{path}: not a dustoff model file (no model name in its metadata)")
    return {k: (json.loads(v) if k in ("config", "info", "state") else v)
            for k, v in meta.items()}


def load_model(path, *, device="cpu"):
    """Rebuild a registered model from a model (or training-state) file, in float32, eval mode.
    Returns ``(model, info)``."""
    from ..models import create_model

    meta = read_metadata(path)
    model = create_model(meta["model"], **meta["config"])
    tensors = load_file(str(path), device=str(device))
    weights = {k: v.float() if v.is_floating_point() else v
               for k, v in tensors.items() if not k.startswith(_OPT)}
    try:
        model.load_state_dict(weights)
    except RuntimeError as exc:
        raise DustoffError(f"{path}: weights do not fit model {meta['model']!r}: "
                           f"{str(exc).splitlines()[0]}") from None
    return model.to(device).eval(), meta.get("info", {})


def save_state(path, model, optimizer, scheduler, state: dict) -> None:
    """Training state: weights, optimizer tensors, and ``state`` (epoch, step, options...)."""
    model = _unwrap(model)
    tensors = dict(model.state_dict())
    opt = optimizer.state_dict()
    for index, slots in opt["state"].items():
        for name, value in slots.items():
            tensors[f"{_OPT}{index}/{name}"] = torch.as_tensor(value)
    meta = {"model": model.name, "config": json.dumps(model.config),
            "state": json.dumps({**state, "param_groups": opt["param_groups"],
                                 "scheduler": scheduler.state_dict()})}
    _atomic_save(tensors, path, meta)


def load_state(path, model, optimizer, scheduler) -> dict:
    """Restore what :func:`save_state` wrote into the given objects; returns ``state``."""
    meta = read_metadata(path)
    if meta["model"] != _unwrap(model).name or meta["config"] != _unwrap(model).config:
        raise DustoffError(f"{path}: was trained as {meta['model']} {meta['config']}, not as "
                           f"{_unwrap(model).name} {_unwrap(model).config}")
    state = meta["state"]
    tensors = load_file(str(path))
    _unwrap(model).load_state_dict({k: v for k, v in tensors.items() if not k.startswith(_OPT)})
    slots: dict = {}
    for key, value in tensors.items():
        if key.startswith(_OPT):
            index, name = key[len(_OPT):].split("/")
            slots.setdefault(int(index), {})[name] = value
    optimizer.load_state_dict({"state": slots, "param_groups": state.pop("param_groups")})
    scheduler.load_state_dict(state.pop("scheduler"))
    return state


def run_record(run_dir) -> dict:
    """How the run in folder ``run_dir`` was trained, for a shipped file's metadata: its
    options (``run.json``), the epochs done and the training seconds (``last.safetensors``);
    for a weight average (``average.json``, tools/average_weights.py), its sources' records,
    the datasets it was validated on and the sources' seconds summed."""
    run_dir = Path(run_dir)
    if (run_dir / "average.json").is_file():
        record = json.loads((run_dir / "average.json").read_text())
        return {"average_of": record["sources"], "validated_on": record["data"],
                "seconds": sum(s["seconds"] for s in record["sources"])}
    state = read_metadata(run_dir / "last.safetensors")["state"]
    return {"options": json.loads((run_dir / "run.json").read_text()),
            "epochs_done": state["epoch"], "seconds": round(state["seconds"])}
