"""The learned damage detector: the ``dust_detector`` network with its shipped weights.

The network sees the whole tile and scores every pixel; the operating threshold was chosen on
the validation split (best pixel F1) and is stored in the weight file; ``sensitivity`` moves
around it (0.5 is the stored operating point, 1 flags fainter damage, 0 only blatant damage).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from ..precision import use_bfloat16
from ..registry import detectors
from ..weights import load, packaged
from .classical import POLARITIES, luminance
from .label_stats import label_mean
from .views import PASSES, dihedral_views

WEIGHTS = "dust_detector"
#: The narrower network shipped before the default (0.36 M parameters, widths 16-96): finds
#: less, 1.2-2.1 s faster on a 24-megapixel scan (docs/MODELS.md).
FAST_WEIGHTS = "dust_detector_fast"
#: The registered detectors that are this class, and so take ``passes`` and ``precision``.
LEARNED_DETECTORS = ("learned", "learned-fast")
_SPREAD = 4.0  # logit shift from sensitivity 0.5 to 0 or 1


def threshold_for(base: float, sensitivity: float) -> float:
    """Probability threshold: ``base`` at sensitivity 0.5, lower (more found) toward 1."""
    logit = np.log(base / (1 - base)) - _SPREAD * (sensitivity - 0.5) * 2
    return float(1 / (1 + np.exp(-logit)))


@dataclass
class LearnedDetector:
    """Learned detector of dust, dirt, hairs, scratches, blotches, holes and paint loss.

    Parameters
    ----------
    polarity : {"both", "dark", "light"}
        Keep damage darker than its surroundings, lighter, or both (default: both, the network
        learned both polarities).
    sensitivity : float in [0, 1]
    weights : path of a dustoff model file (default: the shipped one).
    passes : 1, 2, 4 or 8: the network's logits are averaged over this many mirrored and
        turned views of the image (2: plus the mirror image; 4: plus the upside-down views;
        8: plus the quarter turns). Finds more and fewer false hits, at that many times the
        cost of detection.
    precision : {"auto", "float32", "bfloat16"}
        Number format of the network's stages below full resolution. "auto" (default):
        bfloat16 where the CPU has bfloat16 instructions (AVX512-BF16 or AMX), 1.25-1.45x
        faster there with the same benchmark figures, float32 elsewhere. Masks from the two
        can differ in a few pixels at the threshold; "float32" takes the float32 path on any
        CPU.
    """

    polarity: str = "both"
    sensitivity: float = 0.5
    weights: str | None = None
    passes: int = 1
    precision: str = "auto"
    context: int = 96  # tile overlap in pixels: the network's useful receptive field

    def __post_init__(self):
        if self.polarity not in POLARITIES:
            raise ValueError(f"polarity must be one of {POLARITIES}, got {self.polarity!r}")
        if not 0.0 <= self.sensitivity <= 1.0:
            raise ValueError(f"sensitivity must be in [0, 1], got {self.sensitivity}")
        if self.passes not in PASSES:
            raise ValueError(f"passes must be one of {PASSES}, got {self.passes}")
        bfloat16 = use_bfloat16(self.precision)
        self.model, info = _inference_model(str(self.weights or packaged(WEIGHTS)), bfloat16)
        self.threshold = threshold_for(info.get("threshold", 0.5), self.sensitivity)

    def probability(self, image: np.ndarray) -> np.ndarray:
        """Damage probability, float32 (H, W) in [0, 1], of a float32 image (H, W, C)."""
        import torch

        if image.shape[2] == 1:
            image = np.repeat(image, 3, axis=2)
        total = None
        for view, undo in dihedral_views(self.passes):
            # an (H, W, 3) array seen as (1, 3, H, W) is channels-last without a copy; unsqueeze
            # (not [None]) gives the batch axis the full stride that oneDNN's fast path checks
            x = torch.from_numpy(np.ascontiguousarray(view(image[:, :, :3]), np.float32))
            with torch.inference_mode():
                logits = undo(self.model(x.unsqueeze(0).permute(0, 3, 1, 2))[0, 0].numpy())
            total = logits if total is None else total + logits
        if self.passes > 1:
            total /= self.passes
        # torch's sigmoid: numpy's 1 / (1 + exp(-x)) warns of overflow for logits below -88
        return torch.sigmoid(torch.from_numpy(np.ascontiguousarray(total))).numpy()

    def __call__(self, image: np.ndarray) -> np.ndarray:
        """float32 (H, W, C) in [0, 1] -> float32 (H, W) in {0, 1}, 1 = damaged."""
        found = self.probability(image) >= self.threshold
        if self.polarity != "both" and found.any():
            found = _keep_polarity(luminance(image), found, self.polarity)
        return found.astype(np.float32)


@lru_cache(maxsize=8)
def _inference_model(path: str, bfloat16: bool):
    """The detector in ``path`` made ready for CPU inference, once per process and format:
    unshuffle folded, stages below full resolution in bfloat16 if asked, channels-last (this
    network's small convolutions run about 1.4x faster so). Returns ``(model, info)``."""
    import torch

    from ..models.detector import DustDetector

    model, info = load(path)  # shared by every user of the file: changed only where exact
    if isinstance(model, DustDetector):
        model.fold_unshuffle()
        if bfloat16:
            model = copy.deepcopy(model).core_to(torch.bfloat16)
    return model.to(memory_format=torch.channels_last), info


def _keep_polarity(luma: np.ndarray, found: np.ndarray, polarity: str) -> np.ndarray:
    """Keep the components of ``found`` darker (or lighter) than their undamaged surroundings."""
    valid = (~found).astype(np.float32)
    background = cv2.blur(luma * valid, (31, 31)) / np.maximum(cv2.blur(valid, (31, 31)), 1e-3)
    n, labels = cv2.connectedComponents(found.view(np.uint8), connectivity=8)
    ids = np.arange(1, n)
    contrast = label_mean(luma - background, labels, ids)
    keep = contrast < 0 if polarity == "dark" else contrast > 0
    return np.concatenate([[False], keep])[labels]


@detectors.register("learned", "trained segmentation network (dust_detector): all damage "
                               "types, both polarities; the default")
def _make_learned(polarity: str = "both", sensitivity: float = 0.5,
                  weights: str | None = None, passes: int = 1,
                  precision: str = "auto") -> LearnedDetector:
    return LearnedDetector(polarity, sensitivity, weights, passes=passes, precision=precision)


@detectors.register("learned-fast", "the narrower network shipped before (0.36 M parameters): "
                                    "finds less, 1.2-2.1 s faster on a 24-MP scan")
def _make_learned_fast(weights: str | None = None, **options) -> LearnedDetector:
    return _make_learned(weights=weights or str(packaged(FAST_WEIGHTS)), **options)
