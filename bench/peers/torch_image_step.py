"""PyTorch peer of misalign's image-text training step, for `npm run bench -- image`.

The same two towers, loss, clipping and optimiser as src/experiments/image-text/model.ts
builds, on one CPU thread, timed step by step:

  images  (B, 3, S, S) uniform in [0, 1)  -> f_img: conv 4x4 stride 2 pad 1 per filter count
          (LeakyReLU 0.2 after each; S halves each time) -> dense 100 -> LeakyReLU -> dense d
  tokens  (B, V, L) one-hot               -> f_txt: conv 1x3 64 (no padding) -> LeakyReLU
          -> conv 1x3 64 -> LeakyReLU -> mean over the L - 4 positions -> dense d
  loss    cosine InfoNCE at temperature tau, in-batch negatives:
          'clip'   logits = zx zt^T / tau, (CE(logits) + CE(logits^T)) / 2
          'ntxent' the 2B unit vectors against each other (self left out), partner as target
  then    clip_grad_norm_ over both towers at `clip`, Adam at `lr`

PyTorch is channels-first, so the images are drawn as (B, 3, S, S) rather than misalign's NHWC
(B, S, S, 3); the captions as (B, V, L) rather than (B, 1, L, V). The inputs are drawn before
the clock starts (a pool of a few batches, cycled): the time is the network's step only.

usage: torch_image_step.py --batch 128 --length 21 --vocab 47 --dim 5 --tau 0.02 [--form clip]
                           [--clip 2.0] [--lr 1e-3] [--filters 16,32,64] [--image-size 32]
                           [--steps 40] [--warmup 20]
prints one JSON line: {"torch": version, "ms": median ms per step, "steps": N, ...}
"""
import argparse
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

SLOPE = 0.2  # LeakyReLU slope of both towers (image-text/model.ts)
POOL = 4  # input batches drawn ahead of the timing, cycled


def image_tower(size: int, filters: list[int], d: int) -> nn.Module:
    """Strided 4x4 convolutions, each halving the image, then 100 units, then the encoding."""
    layers: list[nn.Module] = []
    channels = 3
    for f in filters:
        layers += [nn.Conv2d(channels, f, 4, stride=2, padding=1), nn.LeakyReLU(SLOPE)]
        channels = f
        size //= 2
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(channels * size * size, 100), nn.LeakyReLU(SLOPE), nn.Linear(100, d))


class TextTower(nn.Module):
    """Two 1x3 convolutions over the one-hot tokens (V channels, L positions), the mean over positions, the encoding."""

    def __init__(self, vocab: int, d: int):
        super().__init__()
        self.conv1 = nn.Conv1d(vocab, 64, 3)
        self.conv2 = nn.Conv1d(64, 64, 3)
        self.out = nn.Linear(64, d)

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        h = F.leaky_relu(self.conv1(t), SLOPE)
        h = F.leaky_relu(self.conv2(h), SLOPE)
        return self.out(h.mean(-1))


def infonce(zx: torch.Tensor, zt: torch.Tensor, tau: float, form: str) -> torch.Tensor:
    """Cosine InfoNCE of unit embeddings (B, d) each, in-batch negatives (docs/losses.md)."""
    B = zx.shape[0]
    if form == "clip":
        logits = zx @ zt.T / tau
        y = torch.arange(B)
        return (F.cross_entropy(logits, y) + F.cross_entropy(logits.T, y)) / 2
    u = torch.cat([zx, zt])
    g = (u @ u.T / tau).masked_fill(torch.eye(2 * B, dtype=torch.bool), float("-inf"))
    partner = torch.cat([torch.arange(B, 2 * B), torch.arange(B)])
    return F.cross_entropy(g, partner)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--length", type=int, required=True, help="caption length L (tokens)")
    p.add_argument("--vocab", type=int, required=True, help="vocabulary size V")
    p.add_argument("--dim", type=int, required=True, help="encoding size d")
    p.add_argument("--tau", type=float, required=True)
    p.add_argument("--form", choices=["clip", "ntxent"], default="clip")
    p.add_argument("--clip", type=float, default=2.0, help="global gradient norm clip")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--filters", default="16,32,64", help="image convolutions' filters, comma-separated")
    p.add_argument("--image-size", type=int, default=32)
    p.add_argument("--steps", type=int, default=40, help="timed steps")
    p.add_argument("--warmup", type=int, default=20, help="untimed steps first")
    a = p.parse_args()

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    torch.manual_seed(0)
    filters = [int(f) for f in a.filters.split(",")]
    B, L, V, S = a.batch, a.length, a.vocab, a.image_size

    img = image_tower(S, filters, a.dim)
    txt = TextTower(V, a.dim)
    params = list(img.parameters()) + list(txt.parameters())
    opt = torch.optim.Adam(params, lr=a.lr)

    pool = [
        (torch.rand(B, 3, S, S), F.one_hot(torch.randint(0, V, (B, L)), V).float().transpose(1, 2).contiguous())
        for _ in range(POOL)
    ]

    def step(i: int) -> None:
        x, t = pool[i % POOL]
        zx = F.normalize(img(x), dim=1)
        zt = F.normalize(txt(t), dim=1)
        loss = infonce(zx, zt, a.tau, a.form)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, a.clip)
        opt.step()

    for i in range(a.warmup):
        step(i)
    samples = []
    for i in range(a.steps):
        t0 = time.perf_counter()
        step(i)
        samples.append((time.perf_counter() - t0) * 1e3)
    samples.sort()
    print(json.dumps({"torch": torch.__version__, "ms": samples[len(samples) // 2], "steps": a.steps, "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
