#!/usr/bin/python3
"""Regenerates numpy_golden.json: values NumPy itself draws, for rng.NumPy's tests.

Needs NumPy 1.24 (Debian bookworm: apt-get install python3-numpy; run it
with /usr/bin/python3). The Go tests read the JSON; they never run this.

    /usr/bin/python3 engine/rng/testdata/numpy_golden.py > engine/rng/testdata/numpy_golden.json
"""
import json

import numpy as np

assert np.__version__.startswith("1.24"), "written against NumPy 1.24, got " + np.__version__


def hexes(xs):
    return [float(x).hex() for x in xs]


def pcg_state(g):
    s = g.bit_generator.state["state"]
    return {"state": "%032x" % s["state"], "inc": "%032x" % s["inc"]}


out = {"numpy": np.__version__, "seeds": []}

# Seeding (SeedSequence -> PCG64) and the first raw outputs, for seeds of
# one and of two 32-bit words.
for seed in [0, 1, 42, 1000, 123456789, 2**32 + 5, 2**63 + 12345]:
    g = np.random.default_rng(seed)
    st = pcg_state(g)
    raw = g.bit_generator.random_raw(4)
    out["seeds"].append({"seed": str(seed), **st, "raw": ["%016x" % r for r in raw]})

# random() and random(n) from default_rng(42).
g = np.random.default_rng(42)
out["random42"] = hexes([g.random() for _ in range(5)]) + hexes(g.random(7))

# The reference's patterns: choice(200, 60, replace=False) five times from
# one default_rng(42).
g = np.random.default_rng(42)
out["patterns42"] = [g.choice(200, 60, replace=False).tolist() for _ in range(5)]

# A mixed sequence: choice draws 32-bit halves (the generator keeps the
# unused half), random() draws whole 64-bit words; sizes that take Floyd's
# algorithm and the tail-shuffle branch (population > 10000, k > n/50).
g = np.random.default_rng(7)
mixed = []
for n, k in [(200, 60), (3939, 2), (10, 10), (1, 1), (5, 0), (20000, 100), (20000, 1000), (2**33, 3), (3, 2)]:
    idx = g.choice(n, k, replace=False).tolist()
    mixed.append({"n": n, "k": k, "idx": idx, "after": float(g.random()).hex()})
out["mixed7"] = mixed

# Jump ahead: the state after 10**6 raw draws from default_rng(42).
g = np.random.default_rng(42)
g.bit_generator.advance(10**6)
out["advance42"] = {"steps": 10**6, **pcg_state(g)}

print(json.dumps(out, indent=1))
