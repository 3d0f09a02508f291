"""Hidden tests for lesson 11 (used by tools/grade.py; not handed out to students): fresh inputs
at every grading and the reference answers."""

import numpy as np
from grade import Hidden


def sizes(H, layers):
    out = []
    for layer in layers:
        k, s, p = (layer[1], layer[2], layer[3]) if layer[0] == "conv" else (layer[1], layer[1], 0)
        H = (H + 2 * p - k) // s + 1
        out.append(H)
    return out


def size_cases(rng):
    cases = []
    for _ in range(4):
        H, layers = int(rng.integers(24, 64)), []
        for _ in range(int(rng.integers(2, 5))):
            if rng.random() < 0.6:
                layers.append(("conv", int(rng.integers(1, 6)), int(rng.integers(1, 3)),
                               int(rng.integers(0, 3))))
            else:
                layers.append(("pool", int(rng.integers(2, 4))))
        if sizes(H, layers)[-1] >= 1:
            cases.append((H, layers))
    return cases or [(28, [("conv", 5, 1, 0), ("pool", 2)])]


def conv_backward(X, K, dY):
    k, (H_out, W_out) = len(K), dY.shape
    dX, dK = np.zeros_like(X), np.zeros_like(K)
    for u in range(k):
        for v in range(k):
            dK[u, v] = np.sum(dY * X[u:u + H_out, v:v + W_out])
            dX[u:u + H_out, v:v + W_out] += K[u, v] * dY
    return dX, dK


def conv_backward_assigning(X, K, dY):
    # the slip: `=` where the kernel offsets' contributions to a pixel must add up
    (H_out, W_out), dX = dY.shape, np.zeros_like(X)
    for u, v in np.ndindex(K.shape):
        dX[u:u + H_out, v:v + W_out] = K[u, v] * dY
    return dX, conv_backward(X, K, dY)[1]


def conv_cases(rng):
    cases = []
    for H, W, k in [(int(rng.integers(24, 32)), int(rng.integers(24, 32)), 3),
                    (26, 30, int(rng.integers(4, 6))), (6, 7, 2)]:
        cases.append((rng.normal(size=(H, W)), rng.normal(size=(k, k)),
                      rng.normal(size=(H - k + 1, W - k + 1))))
    return cases


def pool_backward(X, dY):
    H, W = X.shape
    windows = X.reshape(H // 2, 2, W // 2, 2)
    is_max = windows == windows.max(axis=(1, 3), keepdims=True)
    return (is_max * dY[:, None, :, None]).reshape(H, W)


def pool_cases(rng):
    cases = []
    for H, W in [(2 * int(rng.integers(1, 4)), 2 * int(rng.integers(1, 4))), (16, 12)]:
        cases.append((rng.permutation(H * W).reshape(H, W) / 10.0,
                      rng.normal(size=(H // 2, W // 2))))
    return cases


def field(stack):
    size, jump = 1, 1
    for k, s in stack:
        size, jump = size + (k - 1) * jump, jump * s
    return size, jump


def field_cases(rng):
    return [([(int(rng.integers(1, 8)), int(rng.integers(1, 4)))
              for _ in range(int(rng.integers(1, 6)))],) for _ in range(4)]


EXERCISES = {
    "feature_map_sizes": Hidden(cases=size_cases, reference=sizes, forbid=("nnlib.layers",),
                                rtol=0, atol=0, points=1),
    "conv_backward_one_channel": Hidden(
        cases=conv_cases, reference=conv_backward, forbid=("nnlib.layers",), points=3,
        max_lines=200,                     # the k^2 offsets, not the pixels
        slips=((conv_backward_assigning,
                "a pixel is met by several kernel offsets: add their contributions to dX (+=), "
                "do not overwrite them"),)),
    "max_pool_backward": Hidden(cases=pool_cases, reference=pool_backward, forbid=("nnlib.layers",),
                                points=2),
    "receptive_field": Hidden(cases=field_cases, reference=field, rtol=0, atol=0, points=2,
                              max_lines=40),   # one step per layer, not a set of pixels
}
