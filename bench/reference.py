"""NumPy float64 reference for `npm run bench`: the same gradient steps as claimcheck's kernels,
vectorized, timed with timeit. Prints one JSON object {kernel: seconds per step}."""
import json
import timeit

import numpy as np

rng = np.random.default_rng(0)


def per_call(f, min_time=0.3, repeats=5):
    """Best of `repeats` timings of a batch lasting >= min_time (as timeit recommends: noise only adds)."""
    n = 1
    while timeit.timeit(f, number=n) < min_time:
        n *= 2
    return min(timeit.repeat(f, number=n, repeat=repeats)) / n


def two_layer_step(n, d, m, gamma=0.3, eta=0.1):
    # Frei et al.: f(x) = sum_j v_j phi(<w_j, x>), v fixed (+-1/sqrt m), logistic loss on labels y
    X = rng.standard_normal((n, d)) / np.sqrt(d)
    y = np.sign(rng.standard_normal(n))
    W = rng.standard_normal((m, d)) * 1e-3
    v = np.sign(rng.standard_normal(m)) / np.sqrt(m)

    def step():
        nonlocal W
        Z = X @ W.T                      # n x m
        A = np.where(Z > 0, Z, gamma * Z)
        f = A @ v
        q = y * f
        loss = np.sum(np.logaddexp(0, -q))
        c = -y / (1 + np.exp(q))         # dloss/df
        D = np.where(Z > 0, 1.0, gamma)
        G = ((c[:, None] * D) * v[None, :]).T @ X   # m x d
        W = W - eta * G
        return loss

    return step


def deep_linear_step(L=3, eta=0.01):
    # 2x2 factorization W = W_L ... W_1, completion of entries (1,2)=1, (2,1)=1, (2,2)=0
    Ws = [rng.standard_normal((2, 2)) * 0.1 for _ in range(L)]
    mask = np.array([[0, 1], [1, 1]], float)
    target = np.array([[0, 1], [1, 0]], float)

    def step():
        P = np.eye(2)
        prefix = [P]
        for Wj in Ws:
            P = Wj @ P
            prefix.append(P)
        R = mask * (P - target)
        loss = 0.5 * np.sum(R * R)
        S = np.eye(2)
        grads = [None] * L
        for j in range(L - 1, -1, -1):
            grads[j] = S.T @ R @ prefix[j].T
            S = S @ Ws[j]
        for j in range(L):
            Ws[j] -= eta * grads[j]
        return loss

    return step


def relu_net_step(width=10, eta=0.1):
    # Timor et al.: x -> W2 relu(W1 x), two unit inputs, targets e1, e2, mean square loss
    X = np.array([[1, 0.99], [-1, 0.99]]) / np.hypot(1, 0.99)
    Y = np.eye(2)
    W1 = rng.standard_normal((width, 2)) * 0.5
    W2 = rng.standard_normal((2, width)) * 0.5

    def step():
        nonlocal W1, W2
        Z = X @ W1.T
        A = np.maximum(Z, 0)
        F = A @ W2.T
        loss = np.mean((F - Y) ** 2)   # torch's MSELoss, as in the claim
        R = 2 * (F - Y) / Y.size
        G2 = R.T @ A
        Dz = (R @ W2) * (Z > 0)
        G1 = Dz.T @ X
        W1 = W1 - eta * G1
        W2 = W2 - eta * G2
        return loss

    return step


def stable_rank(m=50, d=4000):
    W = rng.standard_normal((m, d))

    def f():
        s = np.linalg.svd(W, compute_uv=False)
        return np.sum(s * s) / s[0] ** 2

    return f


out = {
    "two-layer leaky-ReLU GD step, n=16 d=64 m=40": per_call(two_layer_step(16, 64, 40)),
    "two-layer leaky-ReLU GD step, n=20 d=4000 m=50": per_call(two_layer_step(20, 4000, 50)),
    "deep-linear 2x2 GD step, L=3": per_call(deep_linear_step(3)),
    "depth-2 ReLU net GD step, width 10": per_call(relu_net_step(10)),
    "stable rank of a 50x4000 matrix": per_call(stable_rank()),
}
print(json.dumps({"numpy": np.__version__, "seconds": out}))
