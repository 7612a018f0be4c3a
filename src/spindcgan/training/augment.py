"""Differentiable augmentation of everything the discriminator sees (DiffAugment, Zhao et al., NeurIPS 2020,
arXiv:2006.10738).

A discriminator trained on a small set (the anime faces are 19,969 images) learns to recognise the training
images themselves; its outputs on real and generated images drift apart and the generator stops learning
(in the anime runs of ``results/cpu-anime-w32`` D's mean output on real images climbs over the epochs while
the FID stalls). Transforming real *and* generated images the same random way before the discriminator, with
transforms that gradients pass through, keeps it from memorising without teaching the generator the
transforms. The transforms run in CMOS before the discriminator's first crossbar; the generator and what it
puts on the modelled hardware are unchanged.

Policy: a comma-separated subset of ``color``, ``translation``, ``cutout``, applied in that order, each with
the paper's strength. Random draws come from torch's global generator, which the checkpoint saves, so a
resumed run draws the same augmentations.

Probability: each transform is applied to each image with probability p (1: always, DiffAugment's way). Adaptive
discriminator augmentation (ADA, Karras et al., NeurIPS 2020, arXiv:2006.06676) sets p as training goes:
``AdaptiveProbability`` raises it while the discriminator's sign on real images, r_t = E[sign(D(x))], stays
above a target (it is growing sure of the training images) and lowers it below.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

TRANSLATION_RATIO = 1 / 8  # the paper's: shifts up to 1/8 of the image side
CUTOUT_RATIO = 1 / 2  # the paper's: a square of half the image side


def random_color(x: torch.Tensor) -> torch.Tensor:
    """Per image: brightness + U(-0.5, 0.5), saturation x U(0, 2), contrast x U(0.5, 1.5) (images in [-1, 1])."""
    n = x.shape[0]
    x = x + (torch.rand(n, 1, 1, 1, device=x.device) - 0.5)
    grey = x.mean(dim=1, keepdim=True)
    x = (x - grey) * (torch.rand(n, 1, 1, 1, device=x.device) * 2) + grey
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) * (torch.rand(n, 1, 1, 1, device=x.device) + 0.5) + mean


def translate(x: torch.Tensor, dy: torch.Tensor, dx: torch.Tensor, bound: int | None = None) -> torch.Tensor:
    """Image i moved down by ``dy[i]`` and right by ``dx[i]`` pixels (integers); what comes in is zero. ``bound``,
    if given, is at least every |shift| (it spares reading the shifts back from a GPU; the result is the same)."""
    n, _, h, w = x.shape
    pad = int(max(dy.abs().max(), dx.abs().max(), 0)) if bound is None else bound
    padded = torch.nn.functional.pad(x, (pad, pad, pad, pad))
    rows = torch.arange(h, device=x.device)[None, :] + pad - dy[:, None]  # [n, h]
    cols = torch.arange(w, device=x.device)[None, :] + pad - dx[:, None]  # [n, w]
    picked = padded[torch.arange(n, device=x.device)[:, None, None], :, rows[:, :, None], cols[:, None, :]]
    return picked.permute(0, 3, 1, 2)  # advanced indexing put the channels last


def random_translation(x: torch.Tensor, ratio: float = TRANSLATION_RATIO) -> torch.Tensor:
    """Each image shifted by a uniform integer in [-ratio * side, ratio * side] along each axis."""
    n, _, h, w = x.shape
    sy, sx = round(h * ratio), round(w * ratio)
    dy = torch.randint(-sy, sy + 1, (n,), device=x.device)
    dx = torch.randint(-sx, sx + 1, (n,), device=x.device)
    return translate(x, dy, dx, max(sy, sx))


def random_cutout(x: torch.Tensor, ratio: float = CUTOUT_RATIO) -> torch.Tensor:
    """Each image with a zeroed square of side ``ratio * side`` centred anywhere in it (clipped at the border)."""
    n, _, h, w = x.shape
    size_y, size_x = round(h * ratio), round(w * ratio)
    top = torch.randint(0, h, (n, 1, 1), device=x.device) - size_y // 2
    left = torch.randint(0, w, (n, 1, 1), device=x.device) - size_x // 2
    rows = torch.arange(h, device=x.device)[None, :, None]
    cols = torch.arange(w, device=x.device)[None, None, :]
    inside = (rows >= top) & (rows < top + size_y) & (cols >= left) & (cols < left + size_x)
    return x * (~inside)[:, None].to(x.dtype)


TRANSFORMS = {"color": random_color, "translation": random_translation, "cutout": random_cutout}


def augment(x: torch.Tensor, policy: tuple[str, ...], p: float = 1.0) -> torch.Tensor:
    """``x`` through the policy's transforms (``parse_policy``), each applied to each image with probability
    ``p`` (at 1 always, drawing nothing more); the empty policy returns ``x`` itself."""
    for name in policy:
        transformed = TRANSFORMS[name](x)
        if p < 1:
            chosen = torch.rand(x.shape[0], 1, 1, 1, device=x.device) < p
            transformed = torch.where(chosen, transformed, x)
        x = transformed
    return x


ADA_TARGET = 0.6
"""r_t that ``--augment-p auto`` holds: StyleGAN2-ADA's choice for its datasets."""
ADA_INTERVAL = 4
"""Optimiser steps between two adjustments of p (StyleGAN2-ADA's)."""
ADA_SPEED_IMAGES = 500_000
"""Images over which p can move all the way from 0 to 1 (StyleGAN2-ADA's 500k)."""


@dataclass
class AdaptiveProbability:
    """The augmentation probability of an ADA run: every ``ADA_INTERVAL`` steps p moves by
    batch * ADA_INTERVAL / ADA_SPEED_IMAGES towards more augmentation if the interval's mean r_t is above
    ``target``, towards less if below, within [0, 1]. Saved in the checkpoint, so a resume continues it exactly."""

    p: float
    target: float
    signs: float = 0.0
    steps: int = 0

    def observe(self, sign_of_real: float, batch_size: int) -> None:
        """One step's mean sign of the discriminator's logits on real images."""
        self.signs += sign_of_real
        self.steps += 1
        if self.steps < ADA_INTERVAL:
            return
        r_t = self.signs / self.steps
        direction = (r_t > self.target) - (r_t < self.target)
        self.p = min(1.0, max(0.0, self.p + direction * batch_size * ADA_INTERVAL / ADA_SPEED_IMAGES))
        self.signs, self.steps = 0.0, 0

    def state_dict(self) -> dict[str, Any]:
        return {"p": self.p, "target": self.target, "signs": self.signs, "steps": self.steps}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.p, self.target, self.signs, self.steps = state["p"], state["target"], state["signs"], state["steps"]


