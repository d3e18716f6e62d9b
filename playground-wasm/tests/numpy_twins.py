#!/usr/bin/env python3
"""Runs the NumPy versions the widget shows (src/numpy/*.py) on the cases
that tests/numpy_twins.rs sends on stdin ([{algo, input, result}], `result`
being what the Rust `run` returned) and reports every number that differs.

The shown NumPy code is part of what readers learn from, so it must be right
where the Rust is right: at the extremes too (logits of 1e18, z < -709).
Exit status 1 and one line per difference when they disagree.
"""

import json
import math
import pathlib
import sys

import numpy as np

SOURCES = pathlib.Path(__file__).resolve().parent.parent / "src" / "numpy"


def shown(name):
    scope = {}
    exec(compile((SOURCES / f"{name}.py").read_text(), f"{name}.py", "exec"), scope)
    return scope


def arr(v):
    """A JSON number, list, nested list or {shape, data} as a float array."""
    if isinstance(v, dict):
        return np.asarray([float(x) for x in v["data"]], dtype=float).reshape(v["shape"])
    return np.asarray(v, dtype=float)


def run(algo, inp):
    """The twin's outputs, named like the fields of `run`'s result."""
    if algo == "backprop":
        L, w1, b1, w2, b2 = shown("backprop")["backprop"](
            arr(inp["x"]), arr(inp["y"]), arr(inp["w1"]), arr(inp["b1"]), arr(inp["w2"]),
            arr(inp["b2"]), inp["activation"], inp["loss"], inp["lr"])
        return {"loss": L, "w1": w1, "b1": b1, "w2": w2, "b2": b2}
    if algo == "softmax":
        loss, grad = shown("softmax")["softmax_cross_entropy"](arr(inp["logits"]), inp["target"])
        return {"loss": loss, "grad": grad}
    if algo == "batchnorm":
        x = arr(inp["x"])
        dy = arr(inp["grad_out"]) if inp.get("grad_out") is not None else np.ones_like(x)
        y, dx, dgamma, dbeta, rm, rv = shown("batchnorm")["batchnorm"](
            x, arr(inp["gamma"]), arr(inp["beta"]), arr(inp["running_mean"]), arr(inp["running_var"]),
            dy, inp["momentum"], inp["eps"], inp["mode"] == "train")
        return {"y": y, "grad_x": dx, "grad_gamma": dgamma, "grad_beta": dbeta,
                "running_mean": rm, "running_var": rv}
    if algo == "attention":
        q, k, v = arr(inp["q"]), arr(inp["k"]), arr(inp["v"])
        do = arr(inp["grad_out"]) if inp.get("grad_out") is not None else np.ones((q.shape[0], v.shape[1]))
        out, w, dq, dk, dv = shown("attention")["attention"](q, k, v, do, inp["mask"] == "causal", inp["scale"] == "sqrt_d")
        return {"out": out, "weights": w, "grad_q": dq, "grad_k": dk, "grad_v": dv}
    raise SystemExit(f"no twin runner for {algo}")


def close(got, want, atol):
    if math.isnan(want) or math.isnan(got):
        return math.isnan(want) and math.isnan(got)
    return abs(got - want) <= 1e-12 * max(1.0, abs(want)) + atol


def main():
    cases = json.load(sys.stdin)
    bad = []
    for case in cases:
        got = run(case["algo"], case["input"])
        for name, value in got.items():
            want = np.ravel(arr(case["result"][name])) if not isinstance(case["result"][name], (int, float, str)) else np.asarray([float(case["result"][name])])
            value = np.ravel(np.asarray(value, dtype=float))
            if value.shape != want.shape:
                bad.append(f"{case['name']}: {name} has {value.size} numbers, Rust {want.size}")
                continue
            for i, (g, w) in enumerate(zip(value, want)):
                if not close(float(g), float(w), case.get("atol", 0.0)):
                    bad.append(f"{case['name']}: {name}[{i}] NumPy {g!r}, Rust {w!r}")
    print("\n".join(bad[:40]))
    print(f"{len(cases)} cases, {len(bad)} differences")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
