"""
Local (per-series) level forecasts and their combinations: the "local methods" table of
README.md, the per-origin rows of combo4 / combo5 / eq5 and the output of the best honest
method (eq5).  numpy + pandas + scipy only.

Run from the repository root:
    python docs/research/global_model/local_methods.py [best|combos|multi-origin|multipliers|all]
best ~15 s, combos ~3 min, multi-origin ~1 min, multipliers ~1 min.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _study as S  # noqa: E402

args = S.setup(__doc__.split("\n\n")[0], lambda p: p.add_argument(
    "what", nargs="*", help="any of " + ", ".join(["best", "combos", "multi-origin", "multipliers", "all"])))
what = set(args.what or ["all"])
if "all" in what:
    what = {"best", "combos", "multi-origin", "multipliers"}
V = S.TEST_O - S.H   # 37: last in-train origin whose target ends before the test
COMBO4 = ["med4", "med6", "trim6", "ses3"]
COMBO5 = COMBO4 + ["oc3.0_m4"]


def line(tag, w, o, keys):
    """rel RMSSE, WAPE and bias of the flat forecast (levels of ``keys``) @ w at origin o."""
    e = S.eligible(o)
    c = S.cands(o)
    f = np.stack([c[k] for k in keys], 1) @ w
    full = np.zeros(S.N); full[e] = f[e]
    s = S.summary(full, o, e)
    print(f"{tag}: n={s['n']} rel RMSSE={s['rel']:.4f} (naive RMSSE {s['naive']:.4f}) "
          f"WAPE={s['wape']:.4f} bias={s['bias']:+.4f} weights={np.round(w, 3)}", flush=True)


if "best" in what:
    # eq5 = equal-weight mean of med4, med6, trim6, capped SES (alpha .3), order-capped mean(4)
    line("median(4) alone, TEST", np.ones(1), S.TEST_O, ["med4"])
    for name, keys in (("combo4", COMBO4), ("combo5", COMBO5)):
        w_val = S.fit(S.data([V - S.H - 1, V - S.H], keys), len(keys), True)
        line(f"{name} inner-val (fit {V - S.H - 1},{V - S.H}; eval {V})", w_val, V, keys)
        w = S.fit(S.data([V - 1, V], keys), len(keys), True)
        line(f"{name} TEST (fit {V - 1},{V}; eval {S.TEST_O})", w, S.TEST_O, keys)
    line(f"EQ5 inner-val (eval {V})", np.full(5, 0.2), V, COMBO5)
    line(f"EQ5 TEST (eval {S.TEST_O})", np.full(5, 0.2), S.TEST_O, COMBO5)

if "combos" in what:
    # weights fit on the 2 (or 4) latest origins whose targets end before the evaluated origin
    sets = {"combo5 non-negative (not convex)": (COMBO5, [2], False),
            "12-candidate local combination": (COMBO4 + ["mean4", "med8", "med13", "q75_8", "cmean8", "cmean13",
                                                         "ses1", "trim8"], [2, 4], False),
            "combo4 + shop-growth-scaled med4/trim6": (COMBO4 + ["med4_g", "trim6_g"], [2, 4], False)}
    for name, (keys, nfits, convex) in sets.items():
        for nfit in nfits:
            w = S.fit(S.data(range(V - S.H - nfit + 1, V - S.H + 1), keys), len(keys), convex)
            w2 = S.fit(S.data(range(V - nfit + 1, V + 1), keys), len(keys), convex)
            print(f"{name}, fit on {nfit} origins: VAL(o={V}) {S.rel(w, S.data([V], keys)[0]):.4f} "
                  f"TEST {S.rel(w2, S.data([S.TEST_O], keys)[0]):.4f}", dict(zip(keys, np.round(w2, 2))), flush=True)

if "multi-origin" in what:
    # honest multi-origin selection: val origins 33..37, weights fit on (o-9, o-8); test: weights on 36, 37
    res = {"combo4": [], "combo5": [], "eq5": []}
    for vo in list(range(33, 38)) + [S.TEST_O]:
        ftr = [vo - 9, vo - 8] if vo < S.TEST_O else [V - 1, V]
        for name, keys in (("combo4", COMBO4), ("combo5", COMBO5)):
            res[name].append(S.rel(S.fit(S.data(ftr, keys), len(keys), True), S.data([vo], keys)[0]))
        res["eq5"].append(S.rel(np.full(5, .2), S.data([vo], COMBO5)[0]))
    for k, v in res.items():
        print(k, "val 33..37", np.round(v[:5], 4), "mean %.4f" % np.mean(v[:5]), "TEST %.4f" % v[5], flush=True)

if "multipliers" in what:
    from scipy.optimize import minimize
    H = S.H

    def blk(o):
        X, Yt, sc, nv = S.data([o], COMBO5)[0]
        return X.mean(1), Yt, sc, nv

    def loss(m, bs):
        return sum(np.sqrt(((Yt - np.clip(f, 0, None)[:, None] * m[None, :]) ** 2).mean(1) / sc).sum() for f, Yt, sc, nv in bs)

    def rel(m, b):
        f, Yt, sc, nv = b
        return (np.sqrt(((Yt - np.clip(f, 0, None)[:, None] * m[None, :]) ** 2).mean(1) / sc).mean()
                / np.sqrt(((Yt - nv[:, None]) ** 2).mean(1) / sc).mean())

    def fitm(bs, mode):
        if mode == "const":
            return np.full(H, minimize(lambda a: loss(np.full(H, a[0]), bs), [1.0], method="Nelder-Mead").x[0])
        if mode == "linear":
            r = minimize(lambda a: loss(a[0] + a[1] * np.arange(H), bs), [1.0, 0.0], method="Nelder-Mead")
            return r.x[0] + r.x[1] * np.arange(H)
        return minimize(lambda a: loss(a, bs), np.ones(H), method="Powell").x

    B = {o: blk(o) for o in list(range(26, 38)) + [S.TEST_O]}
    print("eq5 x multiplier, test-peeked oracle:",
          {m: round(rel(fitm([B[S.TEST_O]], m), B[S.TEST_O]), 4) for m in ("const", "linear", "free")}, flush=True)
    for mode in ("const", "linear", "free"):
        for nf in (1, 2, 4):
            mv = fitm([B[o] for o in range(V - H - nf + 1, V - H + 1)], mode)
            mt = fitm([B[o] for o in range(V - nf + 1, V + 1)], mode)
            print(f"eq5 x {mode} multiplier, fit on {nf} origins: VAL {rel(mv, B[V]):.4f} TEST {rel(mt, B[S.TEST_O]):.4f}",
                  "test mult", np.round(mt, 2), flush=True)
