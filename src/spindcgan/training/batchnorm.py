"""Standing BatchNorm statistics of an EMA generator (a measurement, not the default).

The EMA generator's weights are an average of the trained generator's recent weights, but the running
BatchNorm statistics it carries (``GAN.update_ema`` copies them) are the trained generator's: the statistics
of other weights. Recomputing them from the EMA generator's own activations (BigGAN's "standing statistics")
makes its eval-mode images visibly higher in contrast; whether it lowers FID is an empirical question that
experiments/standing_statistics.py answers per checkpoint, so the training loop keeps the copied statistics
that every recorded FID of this project was measured with.
"""

from __future__ import annotations

import torch

STANDING_BATCHES = 20  # 2,560 latent vectors: the running means settle far below the images' quantisation step
STANDING_SEED = 20251  # a private stream: the training's global RNG is never touched


@torch.no_grad()
def standing_statistics(generator: torch.nn.Module, z_dim: int, batches: int = STANDING_BATCHES,
                        batch_size: int = 128, seed: int = STANDING_SEED) -> None:
    """Replace every BatchNorm's running mean and variance with the plain average of its batch statistics
    over ``batches`` batches of fresh latent vectors (fixed seed: the same generator always gets the same
    statistics). Parameters are untouched; the generator is left in eval mode."""
    norms = [m for m in generator.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    if not norms:
        return
    momenta = [m.momentum for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # cumulative average over the batches below
    device = next(generator.parameters()).device
    gen = torch.Generator().manual_seed(seed)
    generator.train()
    try:
        with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
            for _ in range(batches):
                generator(torch.randn(batch_size, z_dim, generator=gen).to(device))
    finally:
        for m, momentum in zip(norms, momenta, strict=True):
            m.momentum = momentum
        generator.eval()
