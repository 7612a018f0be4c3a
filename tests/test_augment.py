"""DiffAugment (training.augment): each transform does what it says, gradients pass, bad policies are named."""

import pytest
import torch

from spindcgan import SpinDCGANError
from spindcgan.config import parse_policy
from spindcgan.training import TrainConfig
from spindcgan.training.augment import augment, random_cutout, random_translation, translate


def test_policy_is_parsed_in_the_order_applied_and_unknown_names_are_named():
    assert parse_policy("cutout, color") == ("color", "cutout")
    assert parse_policy("") == ()
    with pytest.raises(SpinDCGANError, match="train.augment: unknown colour"):
        TrainConfig(augment="colour,cutout")


def test_empty_policy_returns_the_images_themselves():
    x = torch.randn(2, 3, 8, 8)
    assert augment(x, ()) is x


def test_translate_moves_every_image_by_its_own_shift_and_fills_with_zero():
    x = torch.arange(2 * 1 * 5 * 5, dtype=torch.float32).reshape(2, 1, 5, 5)
    out = translate(x, torch.tensor([1, -2]), torch.tensor([0, 1]))
    expected0 = torch.zeros(5, 5)
    expected0[1:, :] = x[0, 0, :-1, :]  # down by 1
    expected1 = torch.zeros(5, 5)
    expected1[:-2, 1:] = x[1, 0, 2:, :-1]  # up by 2, right by 1
    assert torch.equal(out[0, 0], expected0) and torch.equal(out[1, 0], expected1)
    assert torch.equal(translate(x, torch.tensor([1, -2]), torch.tensor([0, 1]), bound=4), out)  # a wider pad


def test_random_translation_keeps_shifts_within_an_eighth_of_the_side():
    torch.manual_seed(0)
    x = torch.zeros(200, 1, 16, 16)
    x[:, :, 8, 8] = 1.0  # one lit pixel per image: where it lands is the shift
    out = random_translation(x)
    where = out.flatten(1).argmax(1)
    dy, dx = where // 16 - 8, where % 16 - 8
    assert out.flatten(1).sum(1).eq(1).all()  # a 2-pixel shift never drops the centre pixel
    assert dy.abs().max() == 2 and dx.abs().max() == 2 and dy.min() == -2  # the whole range [-2, 2] is drawn


def test_random_cutout_zeroes_at_most_a_quarter_of_each_image():
    torch.manual_seed(0)
    out = random_cutout(torch.ones(500, 3, 16, 16))
    zeroed = (out == 0).float().mean(dim=(1, 2, 3))
    assert zeroed.max() == pytest.approx(0.25)  # an 8x8 square inside the image
    assert 0 < zeroed.min() < 0.25  # clipped at the border
    assert ((out == 0).all(dim=1) | (out == 1).all(dim=1)).all()  # all channels of a pixel alike


def test_gradients_pass_through_every_transform():
    torch.manual_seed(0)
    x = torch.randn(4, 3, 16, 16, requires_grad=True)
    augment(x, parse_policy("color,translation,cutout")).square().sum().backward()
    assert torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0


def test_train_step_shows_the_discriminator_augmented_images():
    import copy

    from spindcgan.models import ModelConfig
    from spindcgan.training import GAN, RunConfig, train_step

    config = RunConfig(model=ModelConfig.preset("fashion-mnist", width=4))
    torch.manual_seed(0)
    gan = GAN.build(config, "cpu")
    twins = [copy.deepcopy(gan) for _ in range(3)]
    real, z = torch.rand(8, 1, 28, 28) * 2 - 1, torch.randn(8, 100)
    outputs = []
    for twin, policy in zip(twins, ["", "", "translation,cutout"], strict=True):
        torch.manual_seed(1)
        outputs.append(train_step(twin, real, z, parse_policy(policy))["d_real"])
    assert outputs[0] == outputs[1]  # same state, same step: the difference below is the augmentation's
    assert outputs[2] != outputs[0]


def test_probability_zero_keeps_the_images_and_one_draws_as_before():
    x = torch.rand(64, 3, 16, 16)
    policy = parse_policy("color,translation,cutout")
    assert torch.equal(augment(x, policy, 0.0), x)
    torch.manual_seed(3)
    always = augment(x, policy)
    torch.manual_seed(3)
    assert torch.equal(augment(x, policy, 1.0), always)


def test_each_transform_reaches_about_p_of_the_images():
    torch.manual_seed(0)
    x = torch.ones(4000, 1, 8, 8)
    out = augment(x, ("cutout",), 0.25)
    cut = (out == 0).flatten(1).any(dim=1).float().mean().item()
    assert cut == pytest.approx(0.25, abs=0.03)


def test_adaptive_probability_moves_by_the_ada_step_towards_its_target():
    from spindcgan.training.augment import ADA_INTERVAL, ADA_SPEED_IMAGES, AdaptiveProbability

    ada = AdaptiveProbability(p=0.0, target=0.6)
    step = 128 * ADA_INTERVAL / ADA_SPEED_IMAGES  # 0.001024
    for _ in range(ADA_INTERVAL):  # D sure of the reals: more augmentation
        ada.observe(0.9, 128)
    assert ada.p == pytest.approx(step)
    for _ in range(ADA_INTERVAL - 1):
        ada.observe(0.0, 128)
    assert ada.p == pytest.approx(step) and ada.steps == ADA_INTERVAL - 1  # not yet the interval's end
    ada.observe(0.0, 128)
    assert ada.p == 0.0  # back down, and never below 0
    for _ in range(2 * ADA_INTERVAL):
        ada.observe(-1.0, 128)
    assert ada.p == 0.0
    twin = AdaptiveProbability(p=0.5, target=0.1)
    twin.load_state_dict(ada.state_dict())
    assert twin == ada


@pytest.mark.parametrize("kwargs,match", [({"augment_p": 1.5, "augment": "color"}, "augment_p must be in"),
                                          ({"augment_p": 0.5}, "need an augmentation policy"),
                                          ({"augment_target": 1.0, "augment": "color"}, "augment_target")])
def test_bad_probabilities_are_one_line_errors(kwargs, match):
    with pytest.raises(SpinDCGANError, match=match):
        TrainConfig(**kwargs)
