"""The energy and latency ledger: what the modelled hardware spends per image, layer by layer, for inference and
training.

Everything is counted on the actual mapped model: its crossbar layers (shapes, tiling, the
conductances actually programmed), the inputs actually applied (traced with forward hooks on a
real batch; a zero input draws no read current) and, for training, the gradients actually
propagated (backward hooks) and the synapse state changes training actually made. The cost of one layer in one
pass is ``energy.layers``'; this module traces networks and sums.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..crossbar.config import HardwareConfig
from ..nn import CrossbarLayerMixin
from ..tracing import trace_leaves
from .area import AreaConfig, ChipArea, model_area
from .constants import PeripheralCosts
from .layers import (
    COMPONENTS,
    DEVICE_COMPONENTS,
    MAPPINGS,
    PERIPHERAL_COMPONENTS,
    Inputs,
    Mapping,
    PassCost,
    crossbar_backward,
    crossbar_forward,
    elementwise_backward,
    elementwise_forward,
)

# --- whole networks -------------------------------------------------------------------------------------

def priced_for(hardware: HardwareConfig, costs: PeripheralCosts) -> PeripheralCosts:
    """The peripheral costs of ``hardware``: its ADC resolution when it models one (``array.adc_bits``), else the
    costed default of an ideal read-out (``PeripheralCosts.adc_bits``)."""
    return costs if hardware.array.adc_bits is None else replace(costs, adc_bits=hardware.array.adc_bits)


def network_passes(model: nn.Module, inputs: Inputs, loss_fn, hardware: HardwareConfig, mapping: Mapping,
                   costs: PeripheralCosts, image_gradient: bool = False) -> tuple[list[PassCost], list[PassCost]]:
    """(forward costs, backward costs) of every layer of ``model`` on ``inputs`` (per image); without a
    ``loss_fn`` only the forward pass is traced and the backward list is empty. ``image_gradient``: the first
    crossbar layer also reads transposed, for the gradient of the input image (the G step)."""
    forward, backward = [], []
    first_crossbar = not image_gradient
    costs = priced_for(hardware, costs)
    for record in trace_leaves(model, inputs, loss_fn):
        name, module, x, out, grad = record.name, record.module, record.input, record.output, record.grad_output
        if isinstance(module, CrossbarLayerMixin):
            forward.append(crossbar_forward(module, x, hardware, mapping, costs, name))
            if loss_fn is not None:
                g = grad if grad is not None else torch.zeros_like(out)
                backward.append(crossbar_backward(module, forward[-1], g, hardware, mapping, costs,
                                                  input_gradient=not first_crossbar))
            first_crossbar = False
        else:
            cost = elementwise_forward(module, out, costs, name)
            if cost is not None:
                forward.append(cost)
                if loss_fn is not None:
                    backward.append(elementwise_backward(cost, costs))
    return forward, backward


def generation_cost(generator: nn.Module, hardware: HardwareConfig, z: Inputs, mapping: Mapping = "zero-padded",
                    costs: PeripheralCosts | None = None) -> list[PassCost]:
    """Per-layer cost of generating one image (the generator forward alone; no discriminator needed)."""
    was_training = generator.training
    try:
        return network_passes(generator.eval(), z, None, hardware, mapping, costs or PeripheralCosts())[0]
    finally:
        generator.train(was_training)


@dataclass
class Ledger:
    """Per-layer costs and per-image totals, for inference (generator forward) and training."""

    mapping: str
    include_peripherals: bool
    generator_forward: list[PassCost]
    generator_backward: list[PassCost]
    discriminator_forward: list[PassCost]
    discriminator_backward: list[PassCost]
    discriminator_backward_to_image: list[PassCost]
    state_changes_per_image: float
    write_energy_per_state: float
    updates_source: str
    r1_penalty: bool = False
    """Whether each D step also pays the R1 penalty (``TrainConfig.r1``): see ``training``."""
    area: ChipArea | None = None
    """The inference chip's area: the generator's (or the network's) arrays, periphery and buffer (``energy.area``)."""
    discriminator_area: ChipArea | None = None
    """The discriminator's, which a chip that also trains holds beside the generator's."""

    def _sum(self, passes: list[PassCost], times: float = 1.0) -> dict[str, float]:
        out = dict.fromkeys(COMPONENTS, 0.0)
        for p in passes:
            for k, v in p.energy.items():
                out[k] += v * times
        return out

    def _counted(self, totals: dict[str, float]) -> dict[str, float]:
        return {k: v for k, v in totals.items() if self.include_peripherals or k in DEVICE_COMPONENTS}

    @property
    def inference(self) -> dict[str, float]:
        """Energy per generated image (generator forward), by component."""
        return self._counted(self._sum(self.generator_forward))

    @property
    def training(self) -> dict[str, float]:
        """Energy per training image: G fwd + bwd; D fwd on real and twice on fake (D step, G step);
        D bwd for real and fake (D step) and to the image (G step); weight gradients; synapse writes.

        With the R1 penalty, a double backward per real image on top: D's gradient to the image (one more D
        backward to the image) and that gradient's own backward to D's weights, which reads the arrays in the
        forward direction (a D forward) and back again with weight gradients (a D backward). The count of
        array passes of PyTorch's double backward, priced like the passes above; not a measured circuit."""
        parts = [
            self._sum(self.generator_forward),
            self._sum(self.generator_backward),
            self._sum(self.discriminator_forward, 3 + self.r1_penalty),
            self._sum(self.discriminator_backward, 2 + self.r1_penalty),
            self._sum(self.discriminator_backward_to_image, 1 + self.r1_penalty),
        ]
        total = {k: sum(p[k] for p in parts) for k in COMPONENTS}
        # in the G step (and R1's gradient to the image) D's weight gradients are not needed
        g_step_d = self.discriminator_backward_to_image
        total["cmos_weight_gradient"] -= (1 + self.r1_penalty) * sum(p.energy["cmos_weight_gradient"] for p in g_step_d)
        total["synapse_write"] = self.state_changes_per_image * self.write_energy_per_state
        return self._counted(total)

    @property
    def inference_latency(self) -> float:
        return sum(p.latency for p in self.generator_forward)

    @property
    def training_latency(self) -> float:
        r1 = int(self.r1_penalty)  # R1: one more D forward and two more D backwards per image (``training``)
        return (sum(p.latency for p in self.generator_forward + self.generator_backward)
                + (3 + r1) * sum(p.latency for p in self.discriminator_forward)
                + (3 + 2 * r1) * sum(p.latency for p in self.discriminator_backward_to_image))

    def merit(self) -> dict[str, float]:
        """The inference chip's figures of merit: useful operations (2 per MAC, structural zeros left out) per
        image, TOPS/W, and with its area TOPS/mm^2, images/s/mm^2 and the ADCs' share of the area."""
        ops = 2 * sum(p.macs - p.zero_macs for p in self.generator_forward)
        energy, latency = sum(self.inference.values()), self.inference_latency
        figures = {"ops_per_image": ops, "tops_per_w": ops / energy / 1e12}
        if self.area is not None:
            mm2 = self.area.total / 1e6
            figures |= {"area_mm2": mm2, "tops_per_mm2": ops / latency / 1e12 / mm2,
                        "images_per_s_per_mm2": 1 / latency / mm2, "adc_share_of_area": self.area.adc.value /
                        self.area.total}
        return figures

    def to_dict(self) -> dict:
        rows = lambda passes: [{**asdict(p), "total_energy": p.total_energy} for p in passes]  # noqa: E731
        inf, tr = self.inference, self.training
        return {
            "mapping": self.mapping,
            "include_peripherals": self.include_peripherals,
            "units": {"energy": "J per image", "latency": "s per image", "throughput": "images/s"},
            "inference": {"energy": inf, "total": sum(inf.values()), "latency": self.inference_latency,
                          "throughput": 1 / self.inference_latency,
                          "pipelined_throughput": 1 / max(p.latency for p in self.generator_forward)},
            "training": {"energy": tr, "total": sum(tr.values()), "latency": self.training_latency,
                         "r1_penalty": self.r1_penalty,
                         "throughput": 1 / self.training_latency},
            "synapse_updates": {"state_changes_per_image": self.state_changes_per_image,
                                "energy_per_state": self.write_energy_per_state, "source": self.updates_source},
            "generator_forward": rows(self.generator_forward),
            "generator_backward": rows(self.generator_backward),
            "discriminator_forward": rows(self.discriminator_forward),
            "discriminator_backward": rows(self.discriminator_backward),
            "merit": self.merit(),
            **({"area": {"units": "um^2", "inference_chip": self.area.to_dict(),
                         "discriminator": self.discriminator_area and self.discriminator_area.to_dict()}}
               if self.area is not None else {}),
        }


def build_ledger(generator: nn.Module, discriminator: nn.Module, hardware: HardwareConfig, z: torch.Tensor,
                 real: torch.Tensor, mapping: Mapping = "zero-padded", costs: PeripheralCosts | None = None,
                 state_changes_per_image: float = 0.0, updates_source: str = "not measured",
                 include_peripherals: bool = True, r1_penalty: bool = False, area: AreaConfig | None = None) -> Ledger:
    """The ledger of a GAN on ``hardware``: traces G on ``z`` and D on generated and ``real`` images; with
    ``r1_penalty`` its training steps pay the R1 penalty's double backward (``Ledger.training``); the chip areas of
    both networks as ``area`` builds them (``energy.area``; default a 32 nm chip)."""
    if hardware is None or hardware.synapse is None:
        raise ValueError("the energy ledger needs a hardware config with a synapse model")
    if mapping not in MAPPINGS:
        raise ValueError(f"mapping must be one of {MAPPINGS}")
    costs = costs or PeripheralCosts()
    bce = F.binary_cross_entropy_with_logits
    was = generator.training, discriminator.training
    generator.eval(), discriminator.eval()
    try:
        fake = generator(z).detach()
        g_fwd, g_bwd = network_passes(generator, z, lambda img: bce(discriminator(img), torch.ones(len(img))),
                                      hardware, mapping, costs)
        d_fwd, d_bwd = network_passes(discriminator, torch.cat([real, fake]),
                                      lambda y: bce(y, torch.cat([torch.ones(len(real)), torch.zeros(len(fake))])),
                                      hardware, mapping, costs)
        fake_in = fake.clone().requires_grad_(True)  # G step: D's backward reaches the image
        _, d_bwd_img = network_passes(discriminator, fake_in, lambda y: bce(y, torch.ones(len(y))), hardware,
                                      mapping, costs, image_gradient=True)
    finally:
        generator.train(was[0]), discriminator.train(was[1])
    return Ledger(mapping, include_peripherals, g_fwd, g_bwd, d_fwd, d_bwd, d_bwd_img, state_changes_per_image,
                  hardware.synapse.write_energy_per_state, updates_source, r1_penalty,
                  model_area(generator, z[:1], hardware, area, costs=costs, mapping=mapping),
                  model_area(discriminator, real[:1], hardware, area, costs=costs, mapping=mapping))


def build_network_ledger(model: nn.Module, example: Inputs, hardware: HardwareConfig,
                         mapping: Mapping = "zero-padded", costs: PeripheralCosts | None = None,
                         state_changes_per_image: float = 0.0, updates_source: str = "not measured",
                         include_peripherals: bool = True, area: AreaConfig | None = None) -> Ledger:
    """The ledger of any network on ``hardware`` from its own trace on ``example``: inference is its forward,
    training one forward and backward per image (a stand-in loss, the mean square of the output, carries a gradient
    to every layer; the first crossbar layer reads no input gradient) plus the synapse writes. ``example``: one
    input batch, or a tuple of the model's arguments. The discriminator lists of a GAN ledger stay empty."""
    if hardware is None or hardware.synapse is None:
        raise ValueError("the energy ledger needs a hardware config with a synapse model")
    if mapping not in MAPPINGS:
        raise ValueError(f"mapping must be one of {MAPPINGS}")
    was_training = model.training
    model.eval()
    try:
        forward, backward = network_passes(model, example, lambda out: out.float().square().mean(), hardware,
                                           mapping, costs or PeripheralCosts())
    finally:
        model.train(was_training)
    return Ledger(mapping, include_peripherals, forward, backward, [], [], [], state_changes_per_image,
                  hardware.synapse.write_energy_per_state, updates_source,
                  area=model_area(model, example, hardware, area, costs=costs, mapping=mapping))


def inference_ledger(model: nn.Module, example: Inputs, hardware: HardwareConfig, mapping: Mapping = "zero-padded",
                     costs: PeripheralCosts | None = None, area: AreaConfig | None = None) -> Ledger:
    """A ledger of ``model``'s forward pass alone on ``example`` (inference: no backward pass, no synapse writes),
    carrying the area of its chip (``area``): what ``Ledger.merit`` needs for TOPS/W and TOPS/mm^2."""
    passes = generation_cost(model, hardware, example, mapping, costs)
    one = example[:1] if isinstance(example, torch.Tensor) else example
    chip = model_area(model, one, hardware, area, costs=costs, mapping=mapping)
    return Ledger(mapping, True, passes, [], [], [], [], 0.0, 0.0, "not measured", area=chip)


def format_ledger(ledger: Ledger) -> str:
    """Per-layer table and totals, in readable units."""
    def pj(j: float) -> str:
        return f"{j * 1e12:10.3f}"

    header = (f"{'pass':<9} {'layer':<12} {'kind':<18} {'arrays':>6} {'reads':>9} {'MACs':>11} {'zero MACs':>11} "
              f"{'synapse pJ':>10} {'DW pJ':>10} {'periph pJ':>10} {'latency ns':>10}")
    lines = [f"energy ledger: mapping {ledger.mapping}, per image"
             + ("" if ledger.include_peripherals else " (devices only)"), header, "-" * len(header)]
    gan = bool(ledger.discriminator_forward)  # a network ledger (build_network_ledger) has one network
    for label, passes in (("G fwd" if gan else "fwd", ledger.generator_forward),
                          ("D fwd", ledger.discriminator_forward),
                          ("G bwd" if gan else "bwd", ledger.generator_backward),
                          ("D bwd", ledger.discriminator_backward)):
        for p in passes:
            periph = sum(p.energy[k] for k in PERIPHERAL_COMPONENTS) if ledger.include_peripherals else 0.0
            lines.append(
                f"{label:<9} {p.layer:<12} {p.kind:<18} {p.arrays or '':>6} {p.crossbar_reads or '':>9} "
                f"{int(p.macs) or '':>11} {int(p.zero_macs) or '':>11} {pj(p.energy['synapse_read'])} "
                f"{pj(p.energy['dw_activation'])} {pj(periph)} {p.latency * 1e9:10.1f}"
            )
    lines.append("-" * len(header))
    inference = "inference (generate one image)" if gan else "inference (one forward per input)"
    for title, totals, latency in ((inference, ledger.inference, ledger.inference_latency),
                                   ("training (per training image)", ledger.training, ledger.training_latency)):
        lines.append(f"{title}: {sum(totals.values()) * 1e9:.4f} nJ, latency {latency * 1e6:.3f} us "
                     f"({1 / latency:,.0f} images/s)")
        for k, v in totals.items():
            if k != "wire" or v:  # ideal arrays have no wires to show
                lines.append(f"    {k:<22} {v * 1e9:12.5f} nJ")
    lines.append(f"synapse state changes per training image: {ledger.state_changes_per_image:,.1f} "
                 f"({ledger.updates_source})")
    merit = ledger.merit()
    if ledger.area is not None:
        band, d = ledger.area.band, ledger.discriminator_area
        lines.append(f"area: {merit['area_mm2']:.4f} mm^2 the inference chip ({band.low / 1e6:.4f} - "
                     f"{band.high / 1e6:.4f} with the ADCs at their lowest / highest model), ADCs "
                     f"{merit['adc_share_of_area']:.1%} of it" + (f"; {d.total / 1e6:.4f} mm^2 more for the "
                                                                 f"discriminator's arrays" if d else ""))
        lines.append(f"figures of merit (inference): {merit['tops_per_w']:.3g} TOPS/W, {merit['tops_per_mm2']:.3g} "
                     f"TOPS/mm^2, {merit['images_per_s_per_mm2']:,.0f} images/s/mm^2 "
                     f"({merit['ops_per_image']:,.0f} useful ops per image)")
    return "\n".join(lines)
