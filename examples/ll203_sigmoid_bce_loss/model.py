"""A GAN for 8x8 images: the discriminator ends in nn.Sigmoid, as in many DCGAN tutorials."""

import torch.nn as nn


def build_generator(latent_dim: int = 16) -> nn.Module:
    return nn.Sequential(
        nn.Linear(latent_dim, 64),
        nn.ReLU(),
        nn.Linear(64, 64),
        nn.Tanh(),
    )


def build_discriminator() -> nn.Module:
    return nn.Sequential(
        nn.Linear(64, 32),
        nn.LeakyReLU(0.2),
        nn.Linear(32, 1),
        nn.Sigmoid(),
    )
