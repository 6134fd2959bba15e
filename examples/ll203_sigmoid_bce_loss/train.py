"""Acceptable but unstable, LL203: Sigmoid then BCELoss. Same loss as BCEWithLogitsLoss
in the normal range, but in float32 sigmoid(z) == 1.0 from z >= 16.64: a confidently
wrong discriminator then gets loss 100 and gradient 0. CUDA autocast refuses BCELoss."""

import torch
import torch.nn as nn

from model import build_discriminator, build_generator


def main() -> None:
    torch.manual_seed(0)
    generator, discriminator = build_generator(), build_discriminator()
    adversarial_loss = nn.BCELoss()
    opt_g = torch.optim.Adam(generator.parameters(), lr=2e-4)
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=2e-4)
    real_images = torch.rand(8, 64) * 2 - 1
    valid, fake = torch.ones(8, 1), torch.zeros(8, 1)
    for step in range(3):
        opt_g.zero_grad()
        generated = generator(torch.randn(8, 16))
        g_loss = adversarial_loss(discriminator(generated), valid)
        g_loss.backward()
        opt_g.step()

        opt_d.zero_grad()
        real_loss = adversarial_loss(discriminator(real_images), valid)
        fake_loss = adversarial_loss(discriminator(generated.detach()), fake)
        d_loss = (real_loss + fake_loss) / 2
        d_loss.backward()
        opt_d.step()
        print(f"step {step}: d_loss {d_loss.item():.4f} g_loss {g_loss.item():.4f}")


if __name__ == "__main__":
    main()
