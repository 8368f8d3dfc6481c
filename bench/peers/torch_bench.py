"""The same workloads as bench/run.ts on PyTorch CPU, one thread, for `npm run bench -- --vs torch`.

Prints one JSON object per line: {"suite", "case", "unit", "median", "spreadPct"}; case names match
bench/run.ts's so rows pair up. Needs python3 and torch (Debian: apt-get install python3-torch
libopenblas0-pthread; without OpenBLAS, Debian's torch multiplies with the reference BLAS, 2-6
GFLOP/s). bench/run.ts runs it with OPENBLAS/OMP/MKL_NUM_THREADS=1: one thread, like metagrad.
MAML is Finn et al.'s sinusoid setup written the way metagrad runs it: the meta-batch of 25 tasks
batched (parameters broadcast over a leading task axis, bmm) or looped, one inner step at 0.01.
"""
import json
import math
import statistics
import sys
import time

import torch

torch.set_num_threads(1)
QUICK = "--quick" in sys.argv
TIME = 0.15 if QUICK else 0.6


def measure(fn, work):
    for _ in range(3):
        fn()
    samples = []
    start = time.perf_counter()
    while time.perf_counter() - start < TIME or len(samples) < 5:
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    med = statistics.median(samples)
    mad = statistics.median([abs(s - med) for s in samples])
    return work / med, 100 * mad / med


def emit(suite, case, unit, fn, work):
    median, spread = measure(fn, work)
    print(json.dumps({"suite": suite, "case": case, "unit": unit, "median": median, "spreadPct": spread}), flush=True)


def gemm():
    for n in ([256, 512] if QUICK else [128, 256, 512, 1024]):
        a = torch.randn(n, n)
        b = torch.randn(n, n)
        forms = {"A·B": lambda: a @ b, "Aᵀ·B": lambda: a.t() @ b, "A·Bᵀ": lambda: a @ b.t(), "Aᵀ·Bᵀ": lambda: a.t() @ b.t()}
        for form, fn in forms.items():
            emit("gemm", f"matmul {form} f32 n={n}", "GFLOP/s", fn, 2 * n ** 3 / 1e9)


def conv():
    for c, hw in [(1, 28), (32, 14)]:
        x = torch.randn(25, c, hw, hw)
        w = torch.randn(32, c, 3, 3)
        flops = 2 * 25 * 32 * hw * hw * c * 9 / 1e9
        with torch.no_grad():
            emit("conv", f"conv2d forward 25x{c}x{hw}x{hw} -> 32", "GFLOP/s", lambda: torch.nn.functional.conv2d(x, w, padding=1), flops)


def maml():
    gen = torch.Generator().manual_seed(1)
    T, K = 25, 10

    def tasks():
        amp = torch.rand(T, 1, 1, generator=gen) * 4.9 + 0.1
        phase = torch.rand(T, 1, 1, generator=gen) * math.pi
        xs = torch.rand(T, K, 1, generator=gen) * 10 - 5
        xq = torch.rand(T, K, 1, generator=gen) * 10 - 5
        return xs, amp * torch.sin(xs - phase), xq, amp * torch.sin(xq - phase)

    xs, ys, xq, yq = tasks()
    sizes = [(1, 40), (40, 40), (40, 1)]
    params = []
    for i, o in sizes:
        bound = 1 / math.sqrt(i)
        params += [(torch.rand(o, i) * 2 - 1).mul_(bound).requires_grad_(), (torch.rand(o) * 2 - 1).mul_(bound).requires_grad_()]
    opt = torch.optim.Adam(params, lr=1e-3)

    def forward(ps, x, batched):
        h = x
        for layer in range(3):
            w, b = ps[2 * layer], ps[2 * layer + 1]
            if batched:
                h = torch.bmm(h, w.transpose(1, 2)) + b.unsqueeze(1)
            else:
                h = h @ w.t() + b
            if layer < 2:
                h = torch.relu(h)
        return h

    def step_batched(create_graph, inner_steps=1):
        theta = [p.unsqueeze(0).expand(T, *p.shape) for p in params]
        for _ in range(inner_steps):
            loss = ((forward(theta, xs, True) - ys) ** 2).mean(dim=(1, 2)).sum()
            grads = torch.autograd.grad(loss, theta, create_graph=create_graph)
            theta = [t - 0.01 * g for t, g in zip(theta, grads)]
        meta = ((forward(theta, xq, True) - yq) ** 2).mean(dim=(1, 2)).mean()
        opt.zero_grad()
        meta.backward()
        opt.step()

    def step_looped(create_graph):
        total = 0
        for t in range(T):
            loss = ((forward(params, xs[t], False) - ys[t]) ** 2).mean()
            grads = torch.autograd.grad(loss, params, create_graph=create_graph)
            adapted = [p - 0.01 * g for p, g in zip(params, grads)]
            total = total + ((forward(adapted, xq[t], False) - yq[t]) ** 2).mean()
        opt.zero_grad()
        (total / T).backward()
        opt.step()

    emit("maml", "MAML sinusoid, second order, batched", "meta-steps/s", lambda: step_batched(True), 1)
    emit("maml", "MAML sinusoid, second order, looped", "meta-steps/s", lambda: step_looped(True), 1)
    emit("maml", "MAML sinusoid, first order, batched", "meta-steps/s", lambda: step_batched(False), 1)
    emit("maml", "MAML sinusoid, first order, looped", "meta-steps/s", lambda: step_looped(False), 1)
    emit("maml", "MAML sinusoid, second order, batched, 5 inner steps", "meta-steps/s", lambda: step_batched(True, 5), 1)


def convmaml():
    """Finn et al.'s Omniglot net as bench/run.ts builds it: four blocks of 3x3 conv (64 filters,
    stride 2, padding 1), batch norm by the batch, ReLU; a linear 5-way head on 256 features.
    5-way 1-shot, 5 query images a task, one inner step at 0.4, tasks looped (as metagrad runs a
    conv meta-batch), Adam."""
    F = torch.nn.functional
    gen = torch.Generator().manual_seed(0)

    def init(shape, fan_in):
        bound = 1 / math.sqrt(fan_in)
        return ((torch.rand(*shape, generator=gen) * 2 - 1) * bound).requires_grad_()

    params = []
    for cin in [1, 64, 64, 64]:
        params += [init((64, cin, 3, 3), cin * 9), init((64,), cin * 9), torch.ones(64, requires_grad=True), torch.zeros(64, requires_grad=True)]
    params += [init((5, 256), 256), init((5,), 256)]

    def forward(ps, x):
        h = x
        for k in range(4):
            w, b, g, beta = ps[4 * k: 4 * k + 4]
            h = F.relu(F.batch_norm(F.conv2d(h, w, b, stride=2, padding=1), None, None, g, beta, training=True))
        return F.linear(h.flatten(1), ps[16], ps[17])

    labels = torch.arange(5)
    for T in ([4] if QUICK else [4, 32]):
        tasks = [(torch.randn(5, 1, 28, 28, generator=gen), torch.randn(5, 1, 28, 28, generator=gen)) for _ in range(T)]
        opt = torch.optim.Adam(params, lr=1e-3)

        def step(create_graph):
            total = 0
            for xs, xq in tasks:
                grads = torch.autograd.grad(F.cross_entropy(forward(params, xs), labels), params, create_graph=create_graph)
                adapted = [p - 0.4 * g for p, g in zip(params, grads)]
                total = total + F.cross_entropy(forward(adapted, xq), labels)
            opt.zero_grad()
            (total / T).backward()
            opt.step()

        def forward_only():
            with torch.no_grad():
                for xs, xq in tasks:
                    forward(params, xs)
                    forward(params, xq)

        emit("convmaml", f"MAML conv 4x64, 5-way 1-shot, second order, meta-batch {T}", "meta-steps/s", lambda: step(True), 1)
        emit("convmaml", f"MAML conv 4x64, 5-way 1-shot, first order, meta-batch {T}", "meta-steps/s", lambda: step(False), 1)
        emit("convmaml", f"conv 4x64 forward of a meta-batch's {2 * T} batches of 5 (no tape)", "meta-steps/s", forward_only, 1)


suites = [a.split("=", 1)[1] for a in sys.argv if a.startswith("--suites=")]
wanted = suites[0].split(",") if suites else ["gemm", "conv", "maml"]
for name, fn in [("gemm", gemm), ("conv", conv), ("maml", maml), ("convmaml", convmaml)]:
    if name in wanted:
        fn()
