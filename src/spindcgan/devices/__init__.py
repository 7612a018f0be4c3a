"""Device physics: compact models of the skyrmion synapse and the domain-wall activations."""

from .domain_wall import DomainWallTrack, dw_leaky_relu_track, dw_relu_track
from .skyrmion import SkyrmionSynapse, calibrated_synapse

__all__ = ["DomainWallTrack", "SkyrmionSynapse", "calibrated_synapse", "dw_leaky_relu_track", "dw_relu_track"]
