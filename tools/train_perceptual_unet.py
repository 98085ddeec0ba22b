"""Train Ivanova et al.'s U-Net with one of its losses, following the paper's recipe.

    python tools/train_perceptual_unet.py LOSS --data DATASET -o RUN_ROOT [--schedule reduced]
        [--model unet_efficientnet_lite0] [--encoder-weights packaged|PATH]

LOSS is mse, model1, model2 or model3 (:mod:`dustoff.losses`). DATASET is a ``dustoff dataset
build`` folder with sizes 64, 128 and 256. The recipe (VISAPP 2022, section 3.4): progressive
resizing 64 -> 128 -> 256 with the encoder frozen (one-cycle, learning rate rising for 80% of
the steps), then the encoder unfrozen at 256 with lower learning rates for the earlier layers
(one-cycle rising for 50%); Adam with weight decay 1e-3 (decoupled, as fast.ai applies it);
the paper's augmentation; ImageNet-pretrained encoder.

``--schedule paper`` is the paper's 10 + 10 + 10 epochs frozen and 20 unfrozen (a GPU job);
``--schedule reduced`` is the CPU schedule every variant in docs/BENCHMARKS.md was trained with.
Each phase is a ``dustoff train`` run in RUN_ROOT/<phase>/ starting from the previous phase's
model; RUN_ROOT/final.safetensors is the last phase's best model and RUN_ROOT/schedule.json
records the phases, their figures and times.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

from dustoff.train import TrainOptions, train

LR = 1e-3
#: (name, size, frozen, epochs or None, samples or None, pct_start)
SCHEDULES = {
    "paper": [("64", 64, True, 10, None, 0.8), ("128", 128, True, 10, None, 0.8),
              ("256", 256, True, 10, None, 0.8), ("256-unfrozen", 256, False, 20, None, 0.5)],
    "smoke": [("64", 64, True, None, 16, 0.8), ("128", 128, True, None, 16, 0.8),
              ("256", 256, True, None, 8, 0.8), ("256-unfrozen", 256, False, None, 8, 0.5)],
    "reduced": [("64", 64, True, None, 1288, 0.8), ("128", 128, True, None, 512, 0.8),
                ("256", 256, True, None, 128, 0.8), ("256-unfrozen", 256, False, None, 128, 0.5)],
}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("loss", choices=("mse", "model1", "model2", "model3"))
    p.add_argument("--data", required=True)
    p.add_argument("-o", "--output", required=True, type=Path)
    p.add_argument("--model", default="unet_efficientnet_lite0",
                   choices=("unet_efficientnet_lite0", "unet_resnet34"))
    p.add_argument("--encoder-weights", default="packaged",
                   help="'packaged' (EfficientNet-Lite0's ImageNet weights), a torchvision "
                        "ResNet34 checkpoint, or 'none' for random")
    p.add_argument("--schedule", choices=sorted(SCHEDULES), default="reduced")
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--val-limit", type=int, default=40)
    p.add_argument("--device", default="auto")
    args = p.parse_args(argv)
    record = {"loss": args.loss, "model": args.model, "schedule": args.schedule,
              "encoder_weights": args.encoder_weights, "command": " ".join(sys.argv),
              "phases": []}
    init = None
    for name, size, frozen, epochs, samples, pct in SCHEDULES[args.schedule]:
        options = TrainOptions(
            model=args.model, data=[args.data], out=str(args.output / name), sizes=[size],
            crop=size, epochs=epochs or 1, samples=samples, batch=args.batch,
            lr=LR, weight_decay=1e-3, seed=0, device=args.device, val_limit=args.val_limit,
            task_config={"loss": args.loss}, augment="perspective", init=init,
            encoder_weights=None if init or args.encoder_weights == "none"
            else args.encoder_weights,
            freeze_encoder=frozen, lr_factors=None if frozen else [0.01, 0.1, 1.0],
            pct_start=pct)
        started = time.time()
        best = train(options, progress=False)
        record["phases"].append({"phase": name, "size": size, "frozen": frozen,
                                 "epochs": epochs, "samples": samples,
                                 "seconds": round(time.time() - started, 1), **best})
        init = str(args.output / name / "best.safetensors")
        (args.output / "schedule.json").write_text(json.dumps(record, indent=1))
    shutil.copyfile(init, args.output / "final.safetensors")
    total = sum(ph["seconds"] for ph in record["phases"])
    print(f"{args.loss}: {total / 60:.1f} min; final {init}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
