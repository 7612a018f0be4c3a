"""Training: run config, the GAN loop with exact resume, checkpoints."""

from ..config import RunConfig, TrainConfig
from .checkpoint import load_checkpoint, loop_state_values, resume_loop_state, save_loop_state
from .loop import GAN, TrainingDiverged, train, train_step

__all__ = [
    "GAN",
    "RunConfig",
    "TrainConfig",
    "TrainingDiverged",
    "load_checkpoint",
    "loop_state_values",
    "resume_loop_state",
    "save_loop_state",
    "train",
    "train_step",
]
