"""Whole-experiment references for `npm run bench` (bench/experiments.ts): the trials claimcheck's
search judged (their values and initial parameters, on stdin as JSON) run again in NumPy/SciPy, twice:
(i) one trial at a time, as a per-trial script would (SciPy's solve_ivp RK45 for gradient flows), and
(ii) all trials as one array (the batched idiom: vectorized over seeds). Single thread: the caller sets
OMP/OPENBLAS/MKL_NUM_THREADS=1. Prints one JSON object: per experiment, the best of `repeats` times of
each side and its per-trial final metrics (for the agreement check), and a measured single-core flop rate."""
import json
import sys
import time

import numpy as np


BUDGET_S = [float("inf")]


def best_of(f, repeats):
    """Best of `repeats` runs, fewer once BUDGET_S seconds are spent (at least one): (best, last result, runs)."""
    best, out, spent, runs = float("inf"), None, 0.0, 0
    while runs < repeats and (runs == 0 or spent < BUDGET_S[0]):
        t0 = time.perf_counter()
        out = f()
        dt = time.perf_counter() - t0
        best, spent, runs = min(best, dt), spent + dt, runs + 1
    return best, out, runs


def flop_rate(n=512, repeats=5):
    """Flops per second of one core on a dense float64 product (dgemm: about the best a core does)."""
    rng = np.random.default_rng(0)
    A, B = rng.standard_normal((n, n)), rng.standard_normal((n, n))
    return 2 * n**3 / best_of(lambda: A @ B, repeats)[0]


def both(loop, batched, repeats):
    loop_s, loop_out, loop_runs = best_of(loop, repeats)
    batched_s, batched_out, batched_runs = best_of(batched, repeats)
    return {"loop_s": loop_s, "loop_runs": loop_runs, "loop": loop_out, "batched_s": batched_s, "batched_runs": batched_runs, "batched": batched_out}


# --- Timor et al. Sec. 3.2: x -> W2 relu(W1 x), loss ½Σ‖N(x_i) − y_i‖², gradient descent -------------

def timor_loop(X, Y, inits, eta, steps):
    out = []
    for W1, W2 in inits:
        W1, W2 = W1.copy(), W2.copy()
        for _ in range(steps):
            Z = X @ W1.T
            A = np.maximum(Z, 0)
            R = A @ W2.T - Y
            G2 = R.T @ A
            G1 = ((R @ W2) * (Z > 0)).T @ X
            W1 -= eta * G1
            W2 -= eta * G2
        R = np.maximum(X @ W1.T, 0) @ W2.T - Y
        s = np.linalg.svd(W1, compute_uv=False)
        out.append({"lossT": 0.5 * float(np.sum(R * R)), "sr1": float(np.sum(s * s) / s[0] ** 2)})
    return out


def timor_batched(X, Y, inits, eta, steps):
    W1 = np.array([a for a, _ in inits])  # B × h × d
    W2 = np.array([b for _, b in inits])  # B × out × h
    for _ in range(steps):
        Z = X @ W1.transpose(0, 2, 1)  # B × n × h
        A = np.maximum(Z, 0)
        R = A @ W2.transpose(0, 2, 1) - Y
        G2 = R.transpose(0, 2, 1) @ A
        G1 = ((R @ W2) * (Z > 0)).transpose(0, 2, 1) @ X
        W1 -= eta * G1
        W2 -= eta * G2
    R = np.maximum(X @ W1.transpose(0, 2, 1), 0) @ W2.transpose(0, 2, 1) - Y
    s = np.linalg.svd(W1, compute_uv=False)
    loss = 0.5 * np.sum(R * R, axis=(1, 2))
    sr = np.sum(s * s, axis=1) / s[:, 0] ** 2
    return [{"lossT": float(a), "sr1": float(b)} for a, b in zip(loss, sr)]


def timor_flops(n, d, h, o):
    """Floating-point operations of one gradient step of one trial, as written above (a multiply-add is 2)."""
    products = 2 * (n * h * d + n * o * h + o * n * h + n * o * h + h * n * d)
    elementwise = 3 * n * h + n * o + 2 * (h * d + o * h)  # relu, mask, mask product; residual; update
    return products + elementwise


def timor(e, repeats):
    X, Y = np.array(e["X"], float), np.array(e["Y"], float)
    inits = [(np.array(t["W1"], float), np.array(t["W2"], float)) for t in e["trials"]]
    eta, steps = e["eta"], e["steps"]
    out = both(lambda: timor_loop(X, Y, inits, eta, steps), lambda: timor_batched(X, Y, inits, eta, steps), repeats)
    n, d = X.shape
    h, o = inits[0][0].shape[0], inits[0][1].shape[0]
    out["flops"] = timor_flops(n, d, h, o) * steps * len(inits)
    return out


# --- Dormand–Prince, all trials as one array ------------------------------------------------------------
# The tableau and the step control of claimcheck's integrateDopri (src/numeric/dynamics.ts): max-norm
# error, h0 = min(T, 1e-3), growth in [0.2, 5], stop once the loss at the start of a step is < stop_loss.
DP_A = [[], [1 / 5], [3 / 40, 9 / 40], [44 / 45, -56 / 15, 32 / 9],
        [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
        [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
        [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84]]
DP_B5 = np.array([35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0])
DP_B4 = np.array([5179 / 57600, 0, 7571 / 16695, 393 / 640, -92097 / 339200, 187 / 2100, 1 / 40])


def dopri_batched(F, y0, T, rtol, atol, max_steps, stop_loss, observe=None):
    """F(Y, rows) -> (loss, dY) for the trials `rows`; every trial keeps its own t, h and step count
    (accept/reject is a mask). observe(rows, Y, loss) sees every accepted point (and the start)."""
    B, n = y0.shape
    y = y0.copy()
    t = np.zeros(B)
    h = np.minimum(T, 1e-3)
    steps = np.zeros(B, int)
    rows = np.arange(B)
    loss, k0 = F(y, rows)
    K = np.empty((7, B, n))
    K[0] = k0
    if observe:
        observe(rows, y, loss)
    while True:
        active = (t < T) & ~(loss < stop_loss) & (steps < max_steps)
        rows = np.nonzero(active)[0]
        if rows.size == 0:
            return y, loss, steps
        ya, ta = y[rows], t[rows]
        ha = np.minimum(h[rows], T[rows] - ta)
        Ka = K[:, rows]
        lossEnd = None
        for s in range(1, 7):
            tmp = ya + ha[:, None] * np.tensordot(np.array(DP_A[s]), Ka[:s], axes=1)
            lossEnd, Ka[s] = F(tmp, rows)
        a5 = np.tensordot(DP_B5, Ka, axes=1)
        a4 = np.tensordot(DP_B4, Ka, axes=1)
        y5 = ya + ha[:, None] * a5
        sc = atol + rtol * np.maximum(np.abs(ya), np.abs(y5))
        err = np.max(ha[:, None] * np.abs(a5 - a4) / sc, axis=1)
        if not np.all(np.isfinite(err)):
            raise FloatingPointError("diverged")
        acc = err <= 1
        ar = rows[acc]
        y[ar] = y5[acc]
        t[ar] = ta[acc] + ha[acc]
        steps[ar] += 1
        loss[ar] = lossEnd[acc]
        Ka[0, acc] = Ka[6, acc]
        K[:, rows] = Ka
        with np.errstate(divide="ignore"):
            grow = np.where(err == 0, 5.0, np.clip(0.9 * err ** -0.2, 0.2, 5.0))
        h[rows] = ha * grow
        if observe and ar.size:
            observe(ar, y[ar], loss[ar])


# --- Razin & Cohen c3: deep matrix factorization, 2×2 completion, gradient flow ------------------------

MASK = np.array([[0.0, 1.0], [1.0, 1.0]])
TARGET = np.array([[0.0, 1.0], [1.0, 0.0]])


def deep_linear_grad(Ws):
    """Ws: ... × L × 2 × 2 (W_1 first). Returns (loss ½Σ observed residuals², gradient, product W)."""
    L = Ws.shape[-3]
    prefix = [np.broadcast_to(np.eye(2), Ws.shape[:-3] + (2, 2))]
    for j in range(L):
        prefix.append(Ws[..., j, :, :] @ prefix[-1])
    P = prefix[-1]
    R = MASK * (P - TARGET)
    G = np.empty_like(Ws)
    S = np.broadcast_to(np.eye(2), P.shape)  # W_L ⋯ W_{j+2}
    for j in range(L - 1, -1, -1):
        G[..., j, :, :] = np.swapaxes(S, -1, -2) @ R @ np.swapaxes(prefix[j], -1, -2)
        S = S @ Ws[..., j, :, :]
    return 0.5 * np.sum(R * R, axis=(-1, -2)), G, P


def path_terms(P, loss):
    """Per point: det/‖W‖_F², |W₁₁|·√(2ℓ), σ₂/σ₁/√(2ℓ) of the 2×2 product W."""
    fro2 = np.sum(P * P, axis=(-1, -2))
    det = P[..., 0, 0] * P[..., 1, 1] - P[..., 0, 1] * P[..., 1, 0]
    s1 = np.sqrt((fro2 + np.sqrt(np.maximum(fro2 * fro2 - 4 * det * det, 0))) / 2)
    s2 = np.abs(det) / s1
    q = np.sqrt(2 * loss)
    return det / fro2, np.abs(P[..., 0, 0]) * q, s2 / s1 / q


def razin_metrics(Ps, losses):
    detr, growth, ratio = path_terms(Ps, losses)
    low = losses < 0.01
    return {"detmin": float(np.min(detr)), "growth": float(np.min(growth[low])) if low.any() else None,
            "rank_ratio": float(np.max(ratio[low])) if low.any() else None,
            "w11": float(Ps[-1, 0, 0]), "lossT": float(losses[-1])}


def razin_loop(trials, o):
    from scipy.integrate import solve_ivp

    out = []
    for tr in trials:
        L = tr["L"]

        def rhs(_t, y, L=L):
            return -deep_linear_grad(y.reshape(L, 2, 2))[1].ravel()

        def reached(_t, y, L=L, target=tr["target_loss"]):
            return deep_linear_grad(y.reshape(L, 2, 2))[0] - target
        reached.terminal = True
        sol = solve_ivp(rhs, (0, o["time"]), np.array(tr["theta0"], float), method="RK45", rtol=o["rtol"], atol=o["atol"], events=reached)
        Ws = sol.y.T.reshape(-1, L, 2, 2)
        loss, _, P = deep_linear_grad(Ws)
        m = razin_metrics(P, loss)
        m["steps"] = sol.t.size - 1
        out.append(m)
    return out


def razin_batched(trials, o):
    out = [None] * len(trials)
    for L in sorted({t["L"] for t in trials}):
        idx = [i for i, t in enumerate(trials) if t["L"] == L]
        y0 = np.array([trials[i]["theta0"] for i in idx], float)
        B = len(idx)
        stop = np.array([trials[i]["target_loss"] for i in idx])
        detmin, growth, ratio = np.full(B, np.inf), np.full(B, np.inf), np.full(B, -np.inf)

        def F(Y, rows, L=L):
            loss, G, _ = deep_linear_grad(Y.reshape(-1, L, 2, 2))
            return loss, -G.reshape(len(rows), -1)

        def observe(rows, Y, loss, L=L):
            Ws = Y.reshape(-1, L, 2, 2)
            P = Ws[:, 0]
            for j in range(1, L):
                P = Ws[:, j] @ P
            d, g, r = path_terms(P, loss)
            low = loss < 0.01
            detmin[rows] = np.minimum(detmin[rows], d)
            growth[rows] = np.where(low, np.minimum(growth[rows], g), growth[rows])
            ratio[rows] = np.where(low, np.maximum(ratio[rows], r), ratio[rows])

        y, loss, steps = dopri_batched(F, y0, np.full(B, o["time"]), o["rtol"], o["atol"], o["max_steps"], stop, observe)
        _, _, P = deep_linear_grad(y.reshape(-1, L, 2, 2))
        for k, i in enumerate(idx):
            out[i] = {"detmin": float(detmin[k]), "growth": float(growth[k]) if np.isfinite(growth[k]) else None,
                      "rank_ratio": float(ratio[k]) if np.isfinite(ratio[k]) else None,
                      "w11": float(P[k, 0, 0]), "lossT": float(loss[k]), "steps": int(steps[k])}
    return out


def razin(e, repeats):
    return both(lambda: razin_loop(e["trials"], e), lambda: razin_batched(e["trials"], e), repeats)


# --- Vardi & Shamir Thm 3: one ReLU neuron (σ'(0) = 1) from w = 0, ½Σ loss, gradient flow ------------

def neuron_grad(w, X, y):
    z = X @ w if w.ndim == 1 else np.einsum("bij,bj->bi", X, w)
    r = np.maximum(z, 0) - y
    c = r * (z >= 0)
    g = c @ X if w.ndim == 1 else np.einsum("bi,bij->bj", c, X)
    return 0.5 * np.sum(r * r, axis=-1), g


def vardi_setup(tr):
    g, a = tr["gamma"], tr["alpha"]
    X = np.array([[3.0, -1.0, 0.0], [4.0, 2.0, 0.0], [0.0, g, g]])
    return X, a * np.array([16.0, 18.0, 0.0]), 60 / a**2


def vardi_loop(trials, o):
    from scipy.integrate import solve_ivp

    out = []
    for tr in trials:
        X, y, T = vardi_setup(tr)

        def reached(_t, w, X=X, y=y):
            return neuron_grad(w, X, y)[0] - o["stop_loss"]
        reached.terminal = True
        sol = solve_ivp(lambda _t, w: -neuron_grad(w, X, y)[1], (0, T), np.zeros(3), method="RK45", rtol=o["rtol"], atol=o["atol"], events=reached)
        w = sol.y[:, -1]
        out.append({"s": float(w[2] / tr["alpha"]), "lossT": float(neuron_grad(w, X, y)[0]), "steps": sol.t.size - 1})
    return out


def vardi_batched(trials, o):
    setups = [vardi_setup(t) for t in trials]
    X = np.array([s[0] for s in setups])
    Y = np.array([s[1] for s in setups])
    T = np.array([s[2] for s in setups])

    def F(W, rows):
        loss, g = neuron_grad(W, X[rows], Y[rows])
        return loss, -g

    w, loss, steps = dopri_batched(F, np.zeros((len(trials), 3)), T, o["rtol"], o["atol"], o["max_steps"], np.full(len(trials), o["stop_loss"]))
    return [{"s": float(w[k, 2] / t["alpha"]), "lossT": float(loss[k]), "steps": int(steps[k])} for k, t in enumerate(trials)]


def vardi(e, repeats):
    return both(lambda: vardi_loop(e["trials"], e), lambda: vardi_batched(e["trials"], e), repeats)


# --- Frei et al. t2 + e: two-layer leaky-ReLU net, d = 4000 in full coordinates, logistic loss (mean), GD ---
# Exact-Gram data as claimcheck's exact-gram block builds it (unit norms, off-diagonal ρ = 1/(κn) with
# random signs, X = [chol(G), 0]), W(0) ~ N(0, ω²), v = ±1/√m fixed. The draws are NumPy's (seeded by the
# trial's seed), not claimcheck's: the Gram-coordinate model never forms W's orthogonal part, so these
# are the same trials in distribution only; the loop and the batched runs share their draws.

def frei_setup(tr, n, d, m):
    rng = np.random.default_rng(tr["seed"])
    S = np.tril(rng.choice([-1.0, 1.0], size=(n, n)), -1)
    X = np.zeros((n, d))
    X[:, :n] = np.linalg.cholesky(np.eye(n) + (S + S.T) / (tr["kappa"] * n))
    y = np.where(np.arange(n) < n // 2, 1.0, -1.0)
    W = tr["omega"] * rng.standard_normal((m, d))
    v = rng.choice([-1.0, 1.0], size=m) / np.sqrt(m)
    return X, y, W, v


def snapshot_steps(T):
    s, k = {1, -(-T // 10), T}, 1
    while k <= T:
        s.add(k)
        k = -(-k * 3 // 2)
    return s


def stable_rank_rows(W):
    ev = np.linalg.eigvalsh(W @ np.swapaxes(W, -1, -2))
    return np.sum(ev, axis=-1) / ev[..., -1]


def frei_forward(W, X, y, v, gamma):
    Z = X @ np.swapaxes(W, -1, -2)  # (B ×) n × m
    g = np.asarray(gamma)[..., None, None] if W.ndim == 3 else gamma
    A = np.where(Z > 0, Z, g * Z)
    q = y * np.sum(A * v[..., None, :], axis=-1)
    return Z, g, q


def frei_trials(trials, o, batched):
    n, d, m = o["n"], o["d"], o["width"]
    setups = [frei_setup(t, n, d, m) for t in trials]
    X = np.array([s[0] for s in setups]) if batched else None
    out = []
    groups = [(list(range(len(trials))), X)] if batched else [([k], None) for k in range(len(trials))]
    for idx, Xb in groups:
        if batched:
            W = np.array([setups[k][2] for k in idx])
            y = np.array([setups[k][1] for k in idx])
            v = np.array([setups[k][3] for k in idx])
            gamma = np.array([trials[k]["gamma"] for k in idx])
        else:
            Xb, y, W, v = setups[idx[0]]
            W = W.copy()
            gamma = trials[idx[0]]["gamma"]
        T = o["steps"]
        marks = snapshot_steps(T) if o["claim"] == "t2" else set()
        sr0 = stable_rank_rows(W)
        srmax = np.full(np.shape(sr0), -np.inf)
        loss1 = None
        for step in range(1, T + 1):
            Z, g, q = frei_forward(W, Xb, y, v, gamma)
            c = -y / (1 + np.exp(q)) / n
            D = np.where(Z > 0, 1.0, g)
            W -= o["eta"] * np.swapaxes((c[..., :, None] * D) * v[..., None, :], -1, -2) @ Xb
            if step in marks:
                srmax = np.maximum(srmax, stable_rank_rows(W))
            if step == 1:
                loss1 = np.mean(np.logaddexp(0, -frei_forward(W, Xb, y, v, gamma)[2]), axis=-1)
        _, _, q = frei_forward(W, Xb, y, v, gamma)
        lossT = np.mean(np.logaddexp(0, -q), axis=-1)
        res = {"srank0": sr0, "srankT": stable_rank_rows(W), "acc": np.mean(q > 0, axis=-1), "loss1": loss1, "lossT": lossT, "max_srank": srmax}
        for j in range(len(idx)):
            out.append({k: float(np.atleast_1d(x)[j]) if np.isfinite(np.atleast_1d(x)[j]) else None for k, x in res.items()})
    return out


def frei(e, repeats):
    res = {}
    for i, part in enumerate(e["parts"]):
        r = both(lambda: frei_trials(part["trials"], part, False), lambda: frei_trials(part["trials"], part, True), repeats)
        for k in ("loop_s", "batched_s"):
            res[k] = res.get(k, 0) + r[k]
        for k in ("loop_runs", "batched_runs"):
            res[k] = min(res.get(k, r[k]), r[k])
        for k in ("loop", "batched"):
            res[k] = res.get(k, []) + [dict(x, claim=i) for x in r[k]]
    return res


RUN = {"timor": timor, "razin": razin, "vardi": vardi, "frei": frei}

if __name__ == "__main__":
    job = json.load(sys.stdin)
    BUDGET_S[0] = job.get("budget_s", float("inf"))
    out = {"numpy": np.__version__, "flops_per_s": flop_rate()}
    try:
        import scipy
        out["scipy"] = scipy.__version__
    except ImportError:
        out["scipy"] = None
    for name, e in job["experiments"].items():
        if name in ("razin", "vardi") and out["scipy"] is None:
            out[name] = {"error": "SciPy is not installed"}
            continue
        out[name] = RUN[name](e, job["repeats"])
    print(json.dumps(out))
