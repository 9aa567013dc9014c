#!/usr/bin/env python3
"""The GPU kit's peers: febm-gpu's benchmark workloads (R0, MLP, L1, L2, T1,
T2) written the way PyTorch users write them (eager, autograd,
torch.optim.Adam), on CUDA. Each workload is first checked against the
float64 reference shipped in reference.json (written by
kit/peers/reference.ts when the kit was built); a workload whose check fails
is reported and not timed. Prints one JSON line per figure, in the same form
as the benchmark's own lines ("impl": "pytorch-cuda-eager").

Without PyTorch, or without CUDA, it prints one line saying so and exits 0:
the kit's other figures stand without it.

  python3 peers.py reference.json [--quick] [--only GROUP]... [--device cuda|cpu]

--only: r0, mlp, l1, l2, t1 or t2 (repeatable; the bench's group names,
others are ignored). --device cpu runs the same code on PyTorch's CPU build
("impl": "pytorch-cpu-eager"): a test that the peers and their checks run,
not a figure to set beside a GPU's.
"""
import json
import math
import sys
import time

GROUPS = ("r0", "mlp", "l1", "l2", "t1", "t2")
IMPL = "pytorch-cuda-eager"


def say(line):
    print(json.dumps(line), flush=True)


def options(argv):
    """(reference path, quick, groups, device) from the command line; ValueError on a bad one."""
    paths, groups, device, quick = [], [], "cuda", False
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--quick":
            quick = True
        elif a in ("--only", "--device"):
            if i + 1 >= len(argv):
                raise ValueError(f"{a} needs a value")
            i += 1
            if a == "--only":
                groups.append(argv[i].lower())
            elif argv[i] in ("cuda", "cpu"):
                device = argv[i]
            else:
                raise ValueError(f"--device must be cuda or cpu, got {argv[i]!r}")
        elif a.startswith("--"):
            raise ValueError(f"unknown option {a}")
        else:
            paths.append(a)
        i += 1
    if len(paths) != 1:
        raise ValueError("give one reference.json")
    # --only names the bench's groups (t0 too): the peers run those they have, and all of them without --only.
    return paths[0], quick, [g for g in GROUPS if not groups or g in groups], device


def main(argv):
    global IMPL
    try:
        path, quick, groups, device = options(argv)
    except ValueError as e:
        print(f"{e}\n{__doc__}", file=sys.stderr)
        return 2
    IMPL = f"pytorch-{device}-eager"
    if not groups:
        say({"kind": "peers", "impl": IMPL, "status": "skipped", "reason": "--only names none of the peers' groups"})
        return 0
    with open(path) as f:
        ref = json.load(f)
    try:
        import torch
    except ImportError as e:
        say({"kind": "peers", "impl": IMPL, "status": "skipped", "reason": f"PyTorch is not installed ({e})"})
        return 0
    if device == "cuda" and not torch.cuda.is_available():
        say({"kind": "peers", "impl": IMPL, "status": "skipped", "reason": "PyTorch has no CUDA device here", "torch": torch.__version__})
        return 0
    dev = torch.device(device)
    about = {"cuda": torch.version.cuda, "device": torch.cuda.get_device_name(0)} if device == "cuda" else {"threads": torch.get_num_threads()}
    say({"kind": "peers", "impl": IMPL, "status": "running", "torch": torch.__version__, **about, "quick": quick})
    failures = 0
    workloads = {"r0": r0, "mlp": mlp_workload, "l1": langevin, "l2": langevin, "t1": training, "t2": training}
    for g in groups:
        try:
            if workloads[g](torch, dev, ref, quick, g) is False:
                failures += 1
        except Exception as e:  # one workload's failure does not stop the others
            failures += 1
            say({"workload": g.upper(), "impl": IMPL, "value": None, "error": f"{type(e).__name__}: {e}"[:300]})
    return 1 if failures else 0


def sync(torch, dev):
    """Waits for the device's queued work (CUDA runs asynchronously; the CPU does not)."""
    if dev.type == "cuda":
        torch.cuda.synchronize()


def timed(torch, dev, fn, runs):
    """Seconds of each run of fn (after one warm-up), synchronised."""
    fn()
    sync(torch, dev)
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        sync(torch, dev)
        out.append(time.perf_counter() - t0)
    return out


def median(xs):
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2])


def rel_error(got, want, floor=1e-12):
    """max |got - want| / max(floor, max |want|): the repository's relativeError (src/stats.ts)."""
    import torch
    got = torch.as_tensor(got, dtype=torch.float64).flatten().cpu()
    want = torch.as_tensor(want, dtype=torch.float64).flatten().cpu()
    if got.shape != want.shape or not torch.isfinite(got).all():
        return math.inf
    return float((got - want).abs().max() / max(floor, float(want.abs().max())))


def g3(x):
    """A number to 3 significant digits, for the lines."""
    return float(f"{x:.3g}")


# ---- networks as PyTorch users write them


def make_mlp(torch, layers, dev):
    """nn.Sequential of Linear + SiLU from dense layers W[fanOut][fanIn], b[fanOut] (nn.Linear's own layout)."""
    mods = []
    for i, L in enumerate(layers):
        lin = torch.nn.Linear(len(L["W"][0]), len(L["W"]))
        with torch.no_grad():
            lin.weight.copy_(torch.tensor(L["W"], dtype=torch.float32))
            lin.bias.copy_(torch.tensor(L["b"], dtype=torch.float32))
        mods.append(lin)
        if i + 1 < len(layers):
            mods.append(torch.nn.SiLU())
    return torch.nn.Sequential(*mods).to(dev)


def random_mlp(torch, d, width, dev):
    """MLP [d, w, w, 1] SiLU with PyTorch's own initialisation (timing does not depend on the weights)."""
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(d, width), torch.nn.SiLU(), torch.nn.Linear(width, width), torch.nn.SiLU(),
                               torch.nn.Linear(width, 1)).to(dev)


def energy_and_grad(torch, net, x):
    """E(x) per row and dE/dx, by autograd."""
    x = x.detach().requires_grad_(True)
    e = net(x).squeeze(-1)
    (g,) = torch.autograd.grad(e.sum(), x)
    return e.detach(), g


def langevin_step(torch, net, x, u, noise=None):
    """One step of a workload's update: ULA, or Du & Mordatch's (noise, then the clipped gradient step, then the box).
    noise: the step's N(0, I) draws (default: drawn here; the check gives its own)."""
    xi = torch.randn_like(x) if noise is None else noise
    if u["kind"] == "ula":
        _, g = energy_and_grad(torch, net, x)
        return x - 0.5 * u["eta"] * g + math.sqrt(u["eta"]) * xi
    y = x + u["noiseStd"] * xi
    _, g = energy_and_grad(torch, net, y)
    return (y - u["stepSize"] * g.clamp(-u["gradClip"], u["gradClip"])).clamp(*u["box"])


def check_mlp(torch, dev, ref):
    m = ref["mlp"]
    net = make_mlp(torch, m["layers"], dev)
    x = torch.tensor(m["x"], dtype=torch.float32, device=dev)
    e, g = energy_and_grad(torch, net, x)
    errors = {"energy": rel_error(e, m["energy"]), "gradX": rel_error(g, m["gradX"])}
    ok = all(v <= m["tolerance"] for v in errors.values())
    return ok, {k: g3(v) for k, v in errors.items()}


def check_image_langevin(torch, dev, c, u):
    """L2's check: E and dE/dx at the points, and one step of the timed update (langevin_step) with the given noise."""
    net = make_mlp(torch, c["layers"], dev)
    x = torch.tensor(c["x"], dtype=torch.float32, device=dev)
    e, g = energy_and_grad(torch, net, x)
    stepped = langevin_step(torch, net, x, u, noise=torch.tensor(c["noise"], dtype=torch.float32, device=dev))
    want = torch.tensor(c["step"], dtype=torch.float64)
    # The step's move from x: the noise and the clipped gradient step (what the update adds), not x itself.
    errors = {"energy": rel_error(e, c["energy"]), "gradX": rel_error(g, c["gradX"]),
              "step": rel_error(stepped.double().cpu() - x.double().cpu(), want - x.double().cpu())}
    ok = all(v <= c["tolerance"] for v in errors.values())
    return ok, {k: g3(v) for k, v in errors.items()}


# ---- R0: matmul rate (the ALU peak has no PyTorch form)


def r0(torch, dev, ref, quick, group):
    ok = True
    for m, k, n in ([(256, 256, 256)] if quick else [(1024, 1024, 1024), (4096, 128, 128)]):
        torch.manual_seed(1)
        a = torch.rand(m, k, device=dev) * 2 - 1
        b = torch.rand(k, n, device=dev) * 2 - 1
        err = rel_error((a @ b), a.double() @ b.double())
        if not err <= 1e-5:
            say({"workload": "R0", "name": f"matmul_{m}x{k}x{n}", "impl": IMPL, "value": None, "error": f"check: relative error {err:.3g} > 1e-5"})
            ok = False
            continue
        runs = timed(torch, dev, lambda: a @ b, 3 if quick else 20)
        s = min(runs)
        say({"workload": "R0", "name": f"matmul_{m}x{k}x{n}", "impl": IMPL, "m": m, "k": k, "n": n, "value": round(2 * m * k * n / s / 1e9, 3),
             "unit": "GFLOP/s", "runs": len(runs), "seconds": round(s, 6), "check_rel_err": g3(err),
             "tf32": bool(torch.backends.cuda.matmul.allow_tf32), **quick_mark(quick)})
    return ok


def quick_mark(quick):
    """--quick lines say so, as the bench's own do: a smoke test, not a figure."""
    return {"quick": True} if quick else {}


# ---- MLP: forward + input gradient, batch 4096, [2, 128, 128, 1]


def mlp_workload(torch, dev, ref, quick, group):
    ok, errors = check_mlp(torch, dev, ref)
    base = {"workload": "MLP", "impl": IMPL, "n": 4096, "width": 128, "check": errors, **quick_mark(quick)}
    if not ok:
        say({**base, "value": None, "error": f"check against float64 failed: {errors}"})
        return False
    net = make_mlp(torch, ref["mlp"]["layers"], dev)
    x = torch.randn(4096, 2, device=dev)
    runs = timed(torch, dev, lambda: energy_and_grad(torch, net, x), 3 if quick else 20)
    s = median(runs)
    flops = 2 * ref["mlp"]["flopsPerSample"] * 4096  # forward + input gradient, as the benchmark counts them
    say({**base, "value": round(flops / s / 1e9, 3), "unit": "GFLOP/s", "samples_per_s": round(4096 / s, 1), "runs": len(runs), "seconds": round(s, 6)})
    return True


# ---- L1, L2: K Langevin steps of N chains on an MLP energy, timed to the samples' readback


def langevin(torch, dev, ref, quick, group):
    L = ref[group]
    d, steps, u = L["d"], L["steps"], L["update"]
    if group == "l2":
        ok, errors = check_image_langevin(torch, dev, L["check"], u)
        what = f"input gradient and one step at {len(L['check']['x'])} points, width {L['check']['width']}"
    else:
        ok, errors = check_mlp(torch, dev, ref)
        what = "input gradient"
    ns, widths = (L["quick"]["ns"], L["quick"]["widths"]) if quick else (L["ns"], L["widths"])
    for n in ns:
        for w in widths:
            base = {"workload": group.upper(), "impl": IMPL, "n": n, "width": w, "unit": "chain-steps/s", "check": what, "check_errors": errors,
                    **quick_mark(quick)}
            if not ok:
                say({**base, "value": None, "error": f"check against float64 failed: {errors}"})
                continue
            net = random_mlp(torch, d, w, dev)
            for p in net.parameters():
                p.requires_grad_(False)

            def run():
                x = torch.randn(n, d, device=dev) if L["start"] == "normal" else torch.rand(n, d, device=dev)
                for _ in range(steps):
                    x = langevin_step(torch, net, x, u)
                return x.cpu()

            runs = timed(torch, dev, run, 3 if quick else 5)
            s = median(runs)
            say({**base, "value": round(n * steps / s, 1), "runs": len(runs), "median_s": round(s, 6),
                 "gflops": round(n * steps * L["flopsPerChainStep"][str(w)] / s / 1e9, 3)})
    return ok


# ---- T1, T2: one f-EBM iteration (Jensen-Shannon, Adam on E and H, the covariance term)


class TrainingModel:
    """Algorithm 1 as a PyTorch user writes it: autograd for every gradient, torch.optim.Adam, detach() for the covariance weights."""

    def __init__(self, torch, dev, layers_e, layers_h, adam):
        self.torch = torch
        self.E = make_mlp(torch, layers_e, dev)
        self.H = make_mlp(torch, layers_h, dev)
        kw = dict(lr=adam["lr"], betas=(adam["beta1"], adam["beta2"]), eps=adam["eps"])
        self.optE = torch.optim.Adam(self.E.parameters(), **kw)
        self.optH = torch.optim.Adam(self.H.parameters(), **kw)

    @staticmethod
    def objective(torch, v, B):
        # Jensen-Shannon: g(v) = log 2 - softplus(-v), c(v) = softplus(v) - log 2.
        g = math.log(2) - torch.nn.functional.softplus(-v[:B])
        c = torch.nn.functional.softplus(v[B:]) - math.log(2)
        return g.mean() - c.mean()

    def step(self, data, samples):
        torch = self.torch
        B = data.shape[0]
        x = torch.cat([data, samples])
        # H step: ascend L(v), v = H(x) + E(x), E(x) held constant.
        e_const = self.E(x).squeeze(-1).detach()
        self.optH.zero_grad()
        lH = self.objective(torch, self.H(x).squeeze(-1) + e_const, B)
        (-lH).backward()
        self.optH.step()
        # E step with the updated H: descend L plus the covariance term, whose weights carry no gradient.
        h_const = self.H(x).squeeze(-1).detach()
        self.optE.zero_grad()
        e = self.E(x).squeeze(-1)
        v = h_const + e
        lE = self.objective(torch, v, B)
        c = (torch.nn.functional.softplus(v[B:]) - math.log(2)).detach()
        (lE + ((c - c.mean()) * e[B:]).mean()).backward()
        self.optE.step()
        return lH.detach(), lE.detach()


def dense_of(net):
    """The network's parameters as dense layers (W, b per Linear)."""
    return [{"W": m.weight.detach().double().cpu(), "b": m.bias.detach().double().cpu()} for m in net if hasattr(m, "weight")]


def grads_of(net):
    return [{"W": m.weight.grad.detach().double().cpu(), "b": m.bias.grad.detach().double().cpu()} for m in net if hasattr(m, "weight")]


def flat(torch, layers):
    return torch.cat([torch.cat([torch.as_tensor(L["W"], dtype=torch.float64).flatten(), torch.as_tensor(L["b"], dtype=torch.float64).flatten()]) for L in layers])


def step_error(torch, after, before, ref_after, ref_grad):
    """As bench/training/check.ts: Adam steps compared where |g| > 1e-3 max |g|."""
    a, b0, ra, rg = (flat(torch, x) for x in (after, before, ref_after, ref_grad))
    keep = rg.abs() > 1e-3 * rg.abs().max()
    return rel_error(a[keep] - b0[keep], ra[keep] - b0[keep])


def check_training(torch, dev, c, adam):
    """One update (H step, then E step, fresh Adam) against the float64 reference; the errors by name, those over their tolerance."""
    model = TrainingModel(torch, dev, c["layersE"], c["layersH"], adam)
    data = torch.tensor(c["data"], dtype=torch.float32, device=dev)
    samples = torch.tensor(c["samples"], dtype=torch.float32, device=dev)
    lH, lE = model.step(data, samples)
    ex = c["expected"]
    close = lambda a, b: abs(float(a) - b) / max(1.0, abs(b))
    errors = {
        "objective": max(close(lH, ex["hObjective"]), close(lE, ex["eObjective"])),
        # H's gradient of -L was taken: the reference's is the ascent direction, +dL.
        "gradH": rel_error(-flat(torch, grads_of(model.H)), flat(torch, ex["gradH"])),
        "gradE": rel_error(flat(torch, grads_of(model.E)), flat(torch, ex["gradE"])),
        "stepH": step_error(torch, dense_of(model.H), c["layersH"], ex["paramsH"], ex["gradH"]),
        "stepE": step_error(torch, dense_of(model.E), c["layersE"], ex["paramsE"], ex["gradE"]),
    }
    return errors, [k for k, v in errors.items() if not v <= c["tolerance"][k]]


def training(torch, dev, ref, quick, group):
    T = ref[group]
    c, w = T["check"], T["workload"]
    errors, over = check_training(torch, dev, c, w["adam"])
    size = w["quick"] if quick else w
    base = {"workload": group.upper(), "impl": IMPL, "n": size["chains"], "width": size["width"], "batch": size["batch"], "steps": size["steps"],
            "unit": "iterations/s", "check": {k: g3(v) for k, v in errors.items()}, "check_size": {"width": c["width"], "batch": len(c["data"])},
            **quick_mark(quick)}
    if over:
        say({**base, "value": None, "error": f"check against float64 failed: {over[0]} {errors[over[0]]:.3g} > {c['tolerance'][over[0]]}"})
        return False
    # The workload: fresh networks of the workload's width, its data, persistent chains started in its box.
    torch.manual_seed(3)
    d, B, N, K, u = w["d"], size["batch"], size["chains"], size["steps"], w["update"]
    model = TrainingModel(torch, dev, dense_layers(torch, d, size["width"], 10), dense_layers(torch, d, size["width"], 11), w["adam"])
    dataset = eight_gaussians(torch, w["dataRows"], dev) if w["data"] == "8gaussians" else torch.rand(w["dataRows"], d, device=dev)
    lo, hi = w["startBox"]
    chains = lo + (hi - lo) * torch.rand(N, d, device=dev)
    def iteration():
        nonlocal chains
        batch = dataset[torch.randint(0, dataset.shape[0], (B,), device=dev)]
        x = chains
        for _ in range(K):
            x = langevin_step(torch, model.E, x, u)
        chains = x.detach()
        model.step(batch, chains)

    blocks, per_block = size["blocks"], size["blockIterations"]
    iteration()
    sync(torch, dev)
    seconds = []
    for _ in range(blocks):
        t0 = time.perf_counter()
        for _ in range(per_block):
            iteration()
        sync(torch, dev)
        seconds.append((time.perf_counter() - t0) / per_block)
    s = median(seconds)
    say({**base, "value": round(1 / s, 4), "runs": blocks, "block_iterations": per_block,
         "gflops": round(size["flopsPerIteration"] / s / 1e9, 3)})
    return True


def dense_layers(torch, d, width, seed):
    """Layers of an MLP [d, w, w, 1] drawn as nn.Linear draws them (uniform in +-1/sqrt(fan-in)), from their own generator."""
    g = torch.Generator().manual_seed(seed)
    sizes = [d, width, width, 1]
    out = []
    for a, b in zip(sizes, sizes[1:]):
        bound = 1 / math.sqrt(a)
        out.append({"W": ((torch.rand(b, a, generator=g) * 2 - 1) * bound).tolist(), "b": ((torch.rand(b, generator=g) * 2 - 1) * bound).tolist()})
    return out


def eight_gaussians(torch, n, dev):
    """The 8-Gaussians toy set: means on a circle of radius 2, standard deviation 0.1 (src/data/toy.ts)."""
    k = torch.randint(0, 8, (n,), device=dev)
    ang = k.float() * (2 * math.pi / 8)
    centres = torch.stack([2 * torch.cos(ang), 2 * torch.sin(ang)], 1)
    return centres + 0.1 * torch.randn(n, 2, device=dev)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
