"""The two networks of a DCGAN with their optimisers and EMAs (``GAN``), and one training step of them.

``train_step`` is the whole step the loop takes (``training.loop``); it returns its losses as 0-d tensors on
request, which ``host_values`` reads back in one transfer.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F

from ..config import RunConfig, ema_key
from ..models import Discriminator, Generator
from .augment import augment
from .checkpoint import EMAS_KEY, EVALUATED_EMA


@dataclass
class GAN:
    """The two networks, their optimisers and the generator's EMAs."""

    generator: Generator
    discriminator: Discriminator
    opt_g: torch.optim.Adam
    opt_d: torch.optim.Adam
    generator_ema: Generator | None = None
    replicas: tuple[torch.nn.Module, torch.nn.Module] | None = None
    """The generator and discriminator as trained across ranks (``distributed.replicate``); None: one process."""

    emas: dict[float, Generator] = field(default_factory=dict)
    """Further EMA generators by half-life in epochs (``TrainConfig.ema_half_lives``), kept beside the evaluated one."""

    @classmethod
    def build(cls, config: RunConfig, device: str) -> GAN:
        """The run's networks, freshly initialised from the global RNG, with Adam at the configured rates and the
        EMA generators the run keeps (copies of the generator)."""
        g = Generator(config.model, config.hardware).to(device)
        d = Discriminator(config.model, config.hardware).to(device)
        t = config.train
        betas = (t.beta1, t.beta2)
        ema = copy.deepcopy(g).requires_grad_(False) if t.ema > 0 else None
        emas = {h: copy.deepcopy(g).requires_grad_(False) for h in t.ema_half_lives}
        return cls(g, d, torch.optim.Adam(g.parameters(), t.lr, betas),
                   torch.optim.Adam(d.parameters(), t.discriminator_lr, betas), ema, emas=emas)

    @property
    def evaluated_generator(self) -> Generator:
        """The generator that is sampled and measured: the EMA one when training keeps it."""
        return self.generator_ema if self.generator_ema is not None else self.generator

    @torch.no_grad()
    def update_ema(self, decay: float, half_life_decays: dict[float, float] | None = None) -> None:
        """Move each EMA's shadow weights towards the trained ones (``generator_ema`` by ``decay``, each of ``emas``
        by its entry in ``half_life_decays``); copy BatchNorm statistics."""
        averages = [(self.generator_ema, decay)] if self.generator_ema is not None else []
        averages += [(self.emas[h], rate) for h, rate in (half_life_decays or {}).items()]
        params = list(self.generator.parameters())
        for average, rate in averages:
            ema_params = list(average.parameters())
            if len(ema_params) != len(params):
                raise ValueError("the EMA generator and the generator have different parameters")
            torch._foreach_lerp_(ema_params, params, 1 - rate)  # one call for all: per-tensor lerp_ on a CPU
            for ema_b, b in zip(average.buffers(), self.generator.buffers(), strict=True):
                ema_b.copy_(b)  # the trained generator's statistics: experiments/standing_statistics.py weighs them

    def state_dict(self) -> dict[str, Any]:
        """The networks, Adam's moments and the EMA generators, as a checkpoint keeps them."""
        state = {
            "generator": self.generator.state_dict(),
            "discriminator": self.discriminator.state_dict(),
            "opt_g": self.opt_g.state_dict(),
            "opt_d": self.opt_d.state_dict(),
        }
        if self.generator_ema is not None:
            state[EVALUATED_EMA] = self.generator_ema.state_dict()
        if self.emas:
            state[EMAS_KEY] = {ema_key(h): g.state_dict() for h, g in self.emas.items()}
        return state

    def load_state_dict(self, state: dict[str, Any], optimisers: bool = True) -> list[str]:
        """Load a checkpoint's networks (and, with ``optimisers``, Adam's moments); returns the EMA generators the
        checkpoint lacks (a pack that left them out, or half-lives added on a resume), by name: ``EVALUATED_EMA``
        starts from the trained generator, each of ``emas`` (``ema_key``) from the evaluated one."""
        self.generator.load_state_dict(state["generator"])
        self.discriminator.load_state_dict(state["discriminator"])
        if optimisers:
            self.opt_g.load_state_dict(state["opt_g"])
            self.opt_d.load_state_dict(state["opt_d"])
        started = []
        if self.generator_ema is not None:
            if EVALUATED_EMA in state:
                self.generator_ema.load_state_dict(state[EVALUATED_EMA])
            else:
                self.generator_ema.load_state_dict(state["generator"])
                started.append(EVALUATED_EMA)
        saved = state.get(EMAS_KEY, {})
        for half_life, average in self.emas.items():
            if ema_key(half_life) in saved:
                average.load_state_dict(saved[ema_key(half_life)])
            else:
                average.load_state_dict(self.evaluated_generator.state_dict())
                started.append(ema_key(half_life))
        return started


def train_step(gan: GAN, real: torch.Tensor, z: torch.Tensor, policy: tuple[str, ...] = (),
               as_tensors: bool = False, r1: float = 0.0, augment_p: float = 1.0,
               sign_of_real: bool = False) -> dict[str, Any]:
    """One DCGAN step: discriminator on real + fake, then the non-saturating generator loss; ``policy``
    (``config.parse_policy``) augments every image the discriminator sees, each transform with probability
    ``augment_p``; ``sign_of_real`` adds r_t = E[sign(D(x))] on the real images as ``d_real_sign`` (what
    adaptive augmentation steers by, ``augment.AdaptiveProbability``); ``r1`` > 0 adds the R1 penalty
    r1 / 2 * E||grad_x D(x)||^2 on the (augmented) real images to the discriminator's loss (``TrainConfig.r1``;
    logged as ``r1_penalty``). Returns the losses and the discriminator's mean outputs as floats, or
    (``as_tensors``) as 0-d tensors on the training device, which the loop reads back all at once
    (``host_values``): each read of a CUDA value waits for the device."""
    g, discriminator = gan.replicas or (gan.generator, gan.discriminator)

    def d(x: torch.Tensor) -> torch.Tensor:
        return discriminator(augment(x, policy, augment_p))

    fake = g(z)
    gan.opt_d.zero_grad(set_to_none=True)
    # the real images as D sees them, where R1 takes its gradient (a data batch: detaching it drops nothing)
    seen = augment(real, policy, augment_p).detach().requires_grad_(r1 > 0)
    logits_real, penalty = discriminator(seen), None
    if r1 > 0:
        (grad,) = torch.autograd.grad(logits_real.float().sum(), seen, create_graph=True)
        penalty = r1 / 2 * grad.float().square().sum(dim=tuple(range(1, grad.dim()))).mean()
    logits_fake = d(fake.detach())
    loss_d = F.binary_cross_entropy_with_logits(logits_real, torch.ones_like(logits_real)) + (
        F.binary_cross_entropy_with_logits(logits_fake, torch.zeros_like(logits_fake))
    )
    (loss_d if penalty is None else loss_d + penalty).backward()
    gan.opt_d.step()

    gan.opt_g.zero_grad(set_to_none=True)
    logits_gen = d(fake)
    loss_g = F.binary_cross_entropy_with_logits(logits_gen, torch.ones_like(logits_gen))
    loss_g.backward()
    gan.opt_g.step()
    stats = {
        "loss_d": loss_d.detach(),
        "loss_g": loss_g.detach(),
        "d_real": torch.sigmoid(logits_real.detach()).mean(),
        "d_fake": torch.sigmoid(logits_fake.detach()).mean(),
    }
    if penalty is not None:
        stats["r1_penalty"] = penalty.detach()
    if sign_of_real:
        stats["d_real_sign"] = torch.sign(logits_real.detach()).float().mean()
    return stats if as_tensors else host_values(stats)


def host_values(stats: dict[str, Any]) -> dict[str, Any]:
    """``stats`` with its tensor values read back as floats in one transfer (one wait for a CUDA device, not
    one per value); values exact (read through float64)."""
    tensors = {k: v for k, v in stats.items() if isinstance(v, torch.Tensor)}
    if not tensors:
        return dict(stats)
    values = torch.stack([v.detach().to(torch.float64) for v in tensors.values()]).tolist()
    return {**stats, **dict(zip(tensors, values, strict=True))}
