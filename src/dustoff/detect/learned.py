"""The learned damage detector: the ``dust_detector`` network with its shipped weights.

The network sees the whole tile and scores every pixel; the operating threshold was chosen on
the validation split (best pixel F1) and is stored in the weight file; ``sensitivity`` moves
around it (0.5 is the stored operating point, 1 flags fainter damage, 0 only blatant damage).
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ..registry import detectors
from ..weights import load, packaged
from .classical import POLARITIES, luminance
from .label_stats import label_mean

WEIGHTS = "dust_detector"
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
    """

    polarity: str = "both"
    sensitivity: float = 0.5
    weights: str | None = None
    context: int = 96  # tile overlap in pixels: the network's useful receptive field

    def __post_init__(self):
        if self.polarity not in POLARITIES:
            raise ValueError(f"polarity must be one of {POLARITIES}, got {self.polarity!r}")
        if not 0.0 <= self.sensitivity <= 1.0:
            raise ValueError(f"sensitivity must be in [0, 1], got {self.sensitivity}")
        import torch

        self.model, info = load(str(self.weights or packaged(WEIGHTS)))
        # channels-last runs this network's small convolutions about 1.4x faster on CPU
        self.model.to(memory_format=torch.channels_last)
        self.threshold = threshold_for(info.get("threshold", 0.5), self.sensitivity)

    def probability(self, image: np.ndarray) -> np.ndarray:
        """Damage probability, float32 (H, W) in [0, 1], of a float32 image (H, W, C)."""
        import torch

        if image.shape[2] == 1:
            image = np.repeat(image, 3, axis=2)
        # an (H, W, 3) array seen as (1, 3, H, W) is channels-last without a copy; unsqueeze
        # (not [None]) gives the batch axis the full stride that oneDNN's fast path checks for
        x = torch.from_numpy(np.ascontiguousarray(image[:, :, :3], np.float32)).unsqueeze(0)
        with torch.inference_mode():
            logits = self.model(x.permute(0, 3, 1, 2))
        return torch.sigmoid(logits)[0, 0].numpy()

    def __call__(self, image: np.ndarray) -> np.ndarray:
        """float32 (H, W, C) in [0, 1] -> float32 (H, W) in {0, 1}, 1 = damaged."""
        found = self.probability(image) >= self.threshold
        if self.polarity != "both" and found.any():
            found = _keep_polarity(luminance(image), found, self.polarity)
        return found.astype(np.float32)


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
                  weights: str | None = None) -> LearnedDetector:
    return LearnedDetector(polarity, sensitivity, weights)
