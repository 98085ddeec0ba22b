"""The loss-curve figure of a training run."""
from __future__ import annotations

from io import BytesIO
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from ..io import write_bytes  # noqa: E402


def plot_curves(history: list[dict], key: str, path: Path) -> None:
    """Training and validation loss per epoch, and the validation ``key`` figure, as a PNG."""
    epochs = [row["epoch"] for row in history]
    fig, (ax_loss, ax_key) = plt.subplots(1, 2, figsize=(9, 3.4))
    ax_loss.plot(epochs, [r["train_loss"] for r in history], "o-", label="training")
    ax_loss.plot(epochs, [r["val_loss"] for r in history], "o-", label="validation")
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("loss")
    ax_loss.legend()
    ax_key.plot(epochs, [r[key] for r in history], "o-", color="tab:green")
    ax_key.set_xlabel("epoch")
    ax_key.set_ylabel(f"validation {key}")
    fig.tight_layout()
    buffer = BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    plt.close(fig)
    write_bytes(buffer.getvalue(), path)
