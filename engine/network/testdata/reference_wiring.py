#!/usr/bin/python3
"""Regenerates reference_wiring.json: the reference implementation's wiring of
TVB96, drawn here with NumPy in the reference's loop order, as counts and a
digest the Go tests compare with network.Build(..., WiringRNG: "numpy").

The reference (toroleapinc/encephagen, SpikingBrainGPU._build_connectivity)
draws one rng.random(npr) row per presynaptic neuron from default_rng(42):
for each region its excitatory rows, then its inhibitory rows; then, for
every weights[src, dst] > 0 in row-major order (self-loops skipped before
any draw, rows whose probability is below 1e-6 skipped too), one row per
excitatory neuron of src. Drawing a region's or an edge's rows in one
random((rows, npr)) call gives the same numbers (C order).

Needs NumPy 1.24 (/usr/bin/python3 on Debian bookworm with python3-numpy):

    /usr/bin/python3 engine/network/testdata/reference_wiring.py \
        $ENCEPHAGEN_DATA/tvb96.zip > engine/network/testdata/reference_wiring.json

Digest: SHA-256 of the synapses sorted by (pre, post), each as pre uint32,
post uint32, weight float32 (the reference's csr_matrix dtype), little-endian.
"""
import hashlib
import io
import json
import sys
import zipfile

import numpy as np


def load_tvb(path):
    with zipfile.ZipFile(path) as z:
        w = np.loadtxt(io.StringIO(z.read("weights.txt").decode()))
        labels = [line.split()[0] for line in z.read("centres.txt").decode().splitlines() if line.strip()]
    # The reference keeps its connectome in float32.
    return w.astype(np.float32), labels


def rewire(weights, seed):
    """The reference's degree-preserving rewiring (randomize_connectome)."""
    rng = np.random.default_rng(seed)
    w = weights.copy()
    rows, cols = np.where(w > 0)
    edges = list(zip(rows.tolist(), cols.tolist()))
    wts = [float(w[r, c]) for r, c in edges]
    ne = len(edges)
    for _ in range(10 * ne):
        i1, i2 = rng.choice(ne, size=2, replace=False)
        a, b = edges[i1]
        c, d = edges[i2]
        if a == d or c == b or w[a, d] > 0 or w[c, b] > 0:
            continue
        w[a, b], w[c, d] = 0, 0
        w[a, d], w[c, b] = wts[i1], wts[i2]
        edges[i1], edges[i2] = (a, d), (c, b)
    return w


def wire(weights, labels, npr, model, g=0.15):
    n_regions = weights.shape[0]
    n_exc = int(npr * 0.8)
    c_e = max(1, int(npr * 0.8 * 0.1))
    j_eff = 2.0 * (16.0 / c_e)
    j_inh = j_eff * 5.0
    rng = np.random.default_rng(42)
    pre, post, val = [], [], []
    counts = {}

    def add(p, q, v, kind):
        pre.append(p.astype(np.int64))
        post.append(q.astype(np.int64))
        val.append(np.asarray(v, dtype=np.float64))
        counts[kind] = counts.get(kind, 0) + len(p)

    for r in range(n_regions):
        off = r * npr
        t = rng.random((n_exc, npr)) < 0.1
        t[np.arange(n_exc), np.arange(n_exc)] = False
        i, j = np.nonzero(t)
        add(off + i, off + j, np.full(len(i), j_eff), "local_exc")
        t = rng.random((npr - n_exc, npr)) < 0.1
        i, j = np.nonzero(t)
        add(off + n_exc + i, off + j, np.full(len(i), -j_inh), "local_inh")

    edges = [(int(s), int(d), float(weights[s, d])) for s, d in zip(*np.where(weights > 0))]
    allw = np.array([e[2] for e in edges])
    use_log = allw.max() / allw.min() > 100
    norm_max = np.log1p(allw * 1000).max() if use_log else allw.max()
    for s, d, w in edges:
        if s == d:
            continue
        ls, ld = labels[s].upper(), labels[d].upper()
        inh = False
        if model == "v1":
            prob = min(1.0, 0.02 * w * g)
            sw = j_eff * w * g
        else:
            wn = np.log1p(w * 1000) / norm_max if use_log else w / norm_max
            prob = min(1.0, 0.02 * wn)
            inh = ("BG-PA" in ls and "TM-" in ld) or (("BG-CD" in ls or "BG-PU" in ls) and "BG-PA" in ld)
            sw = (-j_inh * g * wn) if inh else (j_eff * g * wn)
        if prob < 1e-6:
            continue
        t = rng.random((n_exc, npr)) < prob
        i, j = np.nonzero(t)
        v = np.full(len(i), sw)
        if model != "v1" and not inh:
            v[j >= n_exc] = sw * 3.0
        add(s * npr + i, d * npr + j, v, "long_inh" if inh else "long_exc")

    pre, post = np.concatenate(pre), np.concatenate(post)
    w32 = np.concatenate(val).astype(np.float32)
    order = np.lexsort((post, pre))
    rec = np.zeros(len(order), dtype=[("pre", "<u4"), ("post", "<u4"), ("w", "<f4")])
    rec["pre"], rec["post"], rec["w"] = pre[order], post[order], w32[order]
    return {
        "npr": npr, "model": model, "synapses": int(len(order)), "counts": counts,
        "sha256": hashlib.sha256(rec.tobytes()).hexdigest(),
    }


def matrix_digest(w):
    """SHA-256 of the float32 matrix, row-major, little-endian."""
    return hashlib.sha256(np.ascontiguousarray(w, dtype="<f4").tobytes()).hexdigest()


def main():
    assert np.__version__.startswith("1.24"), np.__version__
    weights, labels = load_tvb(sys.argv[1])
    out = {"numpy": np.__version__, "connectome": "tvb96", "wirings": [], "rewired": []}
    for npr, model in [(200, "normalised"), (200, "v1"), (500, "normalised")]:
        out["wirings"].append(wire(weights, labels, npr, model))
    for seed in [1000, 1001]:
        w = rewire(weights, seed)
        off = (w > 0) & ~np.eye(len(w), dtype=bool)
        r = {"seed": seed, "sha256": matrix_digest(w), "offdiagonal_edges": int(off.sum()),
             "self_loops": int(np.trace(w > 0))}
        r["wiring"] = wire(w, labels, 200, "normalised")
        out["rewired"].append(r)
    print(json.dumps(out, indent=1))


main()
