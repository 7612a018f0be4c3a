"""The one table of hardware settings (crossbar.terms.TERMS): the CLI's options, --grid and --train-noise words
and config.json's fields are its names; config.json files written before the nested groups still load."""

import dataclasses
import json
from pathlib import Path

import pytest

from spindcgan import HardwareConfig, SpinDCGANError, with_settings
from spindcgan.cli import build_parser, hardware_from_args
from spindcgan.config import RunConfig
from spindcgan.crossbar.config import FLAT_FIELDS, nested_hardware
from spindcgan.crossbar.terms import NOISE_TERMS, TERMS, field_value, option_of, parse_noise, settings_of, with_terms
from spindcgan.sweep import parse_grid

ROOT = Path(__file__).resolve().parents[1]

A_VALUE = {"bits": "5", "array": "32", "signed_scheme": "offset", "adc_bits": "6", "dac_bits": "4", "adc_share": "4",
           "d2d": "0.1",
           "c2c": "0.02", "read_noise": "0.03", "dw_slope": "0.04", "dw_offset": "0.05", "stuck": "0.01",
           "program_error": "0.02", "retention": "1d", "wire": "2", "driver": "50", "sense": "60",
           "wire_solver": "exact", "compensation": "1", "hw_seed": "7"}
"""A value other than the default for every setting (the offset scheme is not wired: tested apart)."""


def test_every_setting_names_a_field_of_the_config_and_has_a_value_here():
    assert set(A_VALUE) == set(TERMS)
    paper = HardwareConfig()
    for name, term in TERMS.items():
        for path in term.fields:
            field_value(paper, path)  # an AttributeError names a path that is no field
        assert term.kind and term.help, name


@pytest.mark.parametrize("name", list(TERMS))
def test_a_setting_reads_the_same_from_the_cli_the_grid_and_the_library(name):
    """`spindcgan train --NAME V`, `--grid NAME=V` and `with_settings(NAME=value)` give one config."""
    other = {"wire": "0", "driver": "0", "sense": "0"} if name == "signed_scheme" else {}
    text = A_VALUE[name]
    args = build_parser().parse_args(["train", option_of(name), text,
                                      *[a for k, v in other.items() for a in (option_of(k), v)]])
    from_cli = hardware_from_args(args)
    from_grid = with_terms(HardwareConfig(), {**other, name: parse_grid([f"{name}={text}"])[name][0]})
    from_library = with_settings(HardwareConfig(), **{k: TERMS[k].parse(v) for k, v in {**other, name: text}.items()})
    assert from_cli == from_grid == from_library != HardwareConfig()
    assert set(settings_of(from_cli)) == {name}
    if name in NOISE_TERMS:
        assert with_terms(HardwareConfig(), parse_noise(f"{name}={text}")) == from_cli


def test_the_former_spellings_of_the_options_still_work(capsys):
    old = build_parser().parse_args(["train", "--d2d-sigma", "0.1", "--array-size", "32", "--wire-resistance", "2",
                                     "--wire-compensation", "--dw-slope-sigma", "0.2"])
    new = build_parser().parse_args(["train", "--d2d", "0.1", "--array", "32", "--wire", "2", "--compensation", "1",
                                     "--dw-slope", "0.2"])
    assert hardware_from_args(old) == hardware_from_args(new)
    with pytest.raises(SystemExit):
        build_parser().parse_args(["train", "--help"])
    shown = capsys.readouterr().out
    assert "--d2d " in shown and "--d2d-sigma" not in shown  # the help shows one name


def test_a_flat_config_of_before_the_groups_loads_into_the_same_config():
    hw = with_settings(HardwareConfig(), **{k: TERMS[k].parse(v) for k, v in A_VALUE.items()
                                           if k not in ("signed_scheme", "adc_share")})  # adc_share: newer
    nested = hw.to_dict()
    flat = {k: v for k, v in nested.items() if not isinstance(v, dict) or k == "synapse"}
    for old, path in FLAT_FIELDS.items():
        group, name = path.split(".")
        flat[old] = nested[group][name]
    assert set(flat) & set(nested) == {"synapse", "seed", "discriminator_on_hardware"}
    newer = {"adc_share"}  # fields added after the groups: a flat file has none, their defaults apply
    assert nested_hardware(flat) == {**nested, "array": {k: v for k, v in nested["array"].items() if k not in newer}}
    assert HardwareConfig.from_dict(json.loads(json.dumps(flat))) == hw
    with pytest.raises(SpinDCGANError, match="unknown field.*d2d_sigma"):  # one layout or the other, not both
        HardwareConfig.from_dict({**nested, "d2d_sigma": 0.1})


def test_a_config_json_written_before_the_groups_still_loads():
    """tests/data/config-before-the-groups.json: the long anime run's config.json as its first legs wrote it."""
    path = ROOT / "tests" / "data" / "config-before-the-groups.json"
    saved = json.loads(path.read_text())["hardware"]
    assert "d2d_sigma" in saved and "variation" not in saved  # written before the groups
    config = RunConfig.load(path)
    assert config.hardware == HardwareConfig(synapse=config.hardware.synapse)
    assert dataclasses.asdict(config.hardware.synapse) == saved["synapse"]


def test_an_unknown_setting_is_one_line_naming_the_known_ones():
    with pytest.raises(SpinDCGANError, match="unknown hardware setting 'd2d_sigma' .*known: bits, array"):
        with_settings(HardwareConfig(), d2d_sigma=0.1)
    with pytest.raises(SpinDCGANError, match="bits: this network has no synapse devices"):
        with_settings(HardwareConfig(synapse=None), bits=4)
