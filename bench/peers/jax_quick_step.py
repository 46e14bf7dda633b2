"""JAX peer of misalign's quick numeric training step, for `npm run bench -- train`.

The same step as src/experiments/numeric/ builds for the quick preset, jit-compiled as one XLA
program on one CPU thread:

  data    s ~ N(0, I_ns), m_x, m_t ~ N(0, I_nm) drawn inside the step; x = g_x([s, m_x]),
          t = g_t([s[:d], m_t]), each g a 3-layer invertible MLP (LeakyReLU 0.2 between layers)
  towers  f_x: ns+nm -> w -> w -> w -> d, f_t: d+nm -> w_t -> w_t -> w_t -> d, LeakyReLU `slope`
  loss    symmetric LpSimCLR, squared distances, in-batch negatives (self pair left out),
          log-mean-exp over the B-1 negatives and the positive (docs/losses.md), tau, alpha
  then    clip to global norm `clip`, Adam at `lr`

usage: jax_quick_step.py --dim 5 [--batch 512] [--width 60] [--text-width 40] [--slope 0.01]
                         [--tau 1] [--alpha 0.5] [--clip 2] [--lr 1e-2] [--steps 2000] [--warmup 50]
prints one JSON line: {"jax": version, "ms": mean ms per step, "steps": N, "threads": 1}

One thread: the script sets XLA_FLAGS (Eigen's thread pool off, one intra-op thread) before JAX
loads; pin the process to a core (taskset) to keep XLA's runtime threads there too.
"""
import argparse
import json
import os
import time

os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1").strip()

import jax  # noqa: E402  (after XLA_FLAGS)
import jax.numpy as jnp  # noqa: E402

NS, NM = 10, 5  # content and modality-specific latents (the quick preset's world)


def dense_stack(key, sizes):
    """Weights U(-1, 1)/sqrt(fan-in) and zero biases for a chain of dense layers."""
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        key, sub = jax.random.split(key)
        layers.append((jax.random.uniform(sub, (fan_in, fan_out), minval=-1.0, maxval=1.0) / jnp.sqrt(fan_in), jnp.zeros(fan_out)))
    return layers


def run_stack(layers, h, slope):
    for i, (w, b) in enumerate(layers):
        h = h @ w + b
        if i + 1 < len(layers):
            h = jnp.where(h > 0, h, slope * h)
    return h


def lpsimclr(a, c, pos, tau, alpha):
    """One direction: anchors a, in-batch negatives c = the other rows, positive distances pos."""
    B = a.shape[0]
    sq = jnp.sum(a * a, axis=1)
    neg = sq[:, None] + jnp.sum(c * c, axis=1)[None, :] - 2.0 * (a @ c.T)
    scores = jnp.concatenate([jnp.where(jnp.eye(B, dtype=bool), -jnp.inf, -neg / tau), -pos[:, None] / tau], axis=1)
    lme = jax.nn.logsumexp(scores, axis=1) - jnp.log(B)  # K = B: B - 1 negatives and the positive
    return jnp.mean(2.0 * (alpha * pos / tau + (1.0 - alpha) * lme))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--dim", type=int, required=True, help="encoding size d (= |I_theta|)")
    p.add_argument("--batch", type=int, default=512)
    p.add_argument("--width", type=int, default=60, help="f_x's hidden width")
    p.add_argument("--text-width", type=int, default=40, help="f_t's hidden width")
    p.add_argument("--slope", type=float, default=0.01, help="the towers' LeakyReLU slope")
    p.add_argument("--tau", type=float, default=1.0)
    p.add_argument("--alpha", type=float, default=0.5)
    p.add_argument("--clip", type=float, default=2.0)
    p.add_argument("--lr", type=float, default=1e-2)
    p.add_argument("--steps", type=int, default=2000, help="timed steps")
    p.add_argument("--warmup", type=int, default=50, help="untimed steps first (the first compiles)")
    a = p.parse_args()
    d, B = a.dim, a.batch

    keys = jax.random.split(jax.random.PRNGKey(0), 5)
    mix_x = dense_stack(keys[0], [NS + NM] * 4)
    mix_t = dense_stack(keys[1], [d + NM] * 4)
    params = (dense_stack(keys[2], [NS + NM, a.width, a.width, a.width, d]), dense_stack(keys[3], [d + NM, a.text_width, a.text_width, a.text_width, d]))

    def loss_of(params, x, t):
        hx, ht = run_stack(params[0], x, a.slope), run_stack(params[1], t, a.slope)
        pos = jnp.sum((hx - ht) ** 2, axis=1)
        return 0.5 * (lpsimclr(hx, hx, pos, a.tau, a.alpha) + lpsimclr(ht, ht, pos, a.tau, a.alpha))

    @jax.jit
    def step(params, m, v, count, key):
        key, ks, kx, kt = jax.random.split(key, 4)
        s = jax.random.normal(ks, (B, NS))
        x = run_stack(mix_x, jnp.concatenate([s, jax.random.normal(kx, (B, NM))], axis=1), 0.2)
        t = run_stack(mix_t, jnp.concatenate([s[:, :d], jax.random.normal(kt, (B, NM))], axis=1), 0.2)
        loss, g = jax.value_and_grad(loss_of)(params, x, t)
        leaves = jax.tree_util.tree_leaves(g)
        norm = jnp.sqrt(sum(jnp.sum(leaf * leaf) for leaf in leaves))
        g = jax.tree_util.tree_map(lambda leaf: leaf * jnp.minimum(1.0, a.clip / (norm + 1e-6)), g)
        count = count + 1
        m = jax.tree_util.tree_map(lambda mi, gi: 0.9 * mi + 0.1 * gi, m, g)
        v = jax.tree_util.tree_map(lambda vi, gi: 0.999 * vi + 0.001 * gi * gi, v, g)
        rate = a.lr * jnp.sqrt(1 - 0.999**count) / (1 - 0.9**count)
        params = jax.tree_util.tree_map(lambda pi, mi, vi: pi - rate * mi / (jnp.sqrt(vi) + 1e-8), params, m, v)
        return params, m, v, count, key, loss

    zeros = jax.tree_util.tree_map(jnp.zeros_like, params)
    state = (params, zeros, zeros, jnp.array(0.0), keys[4])
    for _ in range(a.warmup):
        *state, loss = step(*state)
    loss.block_until_ready()
    t0 = time.perf_counter()
    for _ in range(a.steps):
        *state, loss = step(*state)
    loss.block_until_ready()
    ms = (time.perf_counter() - t0) * 1e3 / a.steps
    print(json.dumps({"jax": jax.__version__, "ms": ms, "steps": a.steps, "threads": 1, "loss": float(loss)}))


if __name__ == "__main__":
    main()
