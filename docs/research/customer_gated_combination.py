"""
Chosen configuration (selected on inner rolling origins only), reproduced from the raw CSV.

Recipe
  members (per product, flat weekly level, history before the origin):
    med4, med6            median of the last 4 / 6 weeks
    trim6, trim8          mean of the last 6 / 8 weeks without the single largest week
    capwa8                mean of the last 8 weeks after capping weeks at 5 x median non-zero week
    capses                SES (alpha per series on a grid, in-sample one-step SSE) on the capped series
    fq4xcapall            (selling days / week over the last 4 weeks) x (mean daily units, days capped at 3 x median day)
  gate (order-line customer information): number of distinct identified customers who bought the product in the
    91 days before the origin: <4 | 4..14 | >=15  -> one convex weight vector per gate bin
  multiplier: f = (gated combination) x exp(b1 * log((mean last 8 wk + 1) / (mean all history + 1)) + b0)
  fitting: weights and (b0, b1) minimise the summed per-series RMSSE of flat forecasts over the 8 rolling origins
    whose 8-week targets end at or before the forecast origin (origins o-15 .. o-8).
The "customer-gated combination + trend multiplier" row of docs/research/README.md.
Run from the repository root (about 1 minute):
    python docs/research/customer_gated_combination.py [--csv data/online-retail/online_retail.csv.gz]
"""
import os
import sys
import time

import numpy as np
import pandas as pd
from scipy.optimize import minimize

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import END, HO, capped, fit_convex, parser, read_lines, ses_opt, trimmed_mean, weekly_panel

args = parser("Customer-gated combination (docs/research/README.md)").parse_args()
t0 = time.time()

# ------------------------------------------------------------------ data
df, KEYS, W = read_lines(args.csv)
p, col, NP = df["i"].values, df["t"].values, len(KEYS)
q = df["Quantity"].values.astype(float)
dnum = (df["day"] - df["day"].min()).dt.days.values
END_D = (END - df["day"].min()).days
cust = df["CustomerID"].fillna("").values
M, first = weekly_panel(df, NP, W)
# daily product totals (for fq4xcapall)
pdy = pd.DataFrame({"p": p, "d": dnum, "col": col, "q": q}).groupby(["p", "d"], sort=False).agg(q=("q", "sum"), col=("col", "first")).reset_index()
PDp, PDq, PDc = pdy.p.values, pdy.q.values, pdy.col.values
# identified (customer, product, day) for the gate
cid = pd.DataFrame({"p": p, "d": dnum, "c": cust})
cid = cid[cid.c != ""].drop_duplicates()
CIp, CId, CIc = cid.p.values, cid.d.values, pd.factorize(cid.c.values)[0]
t_load = time.time() - t0

# ------------------------------------------------------------------ helpers
def nlen(X): return (~np.isnan(X)).sum(1)
def col_start_day(o): return END_D - 7 * (W - 1 - o) - 6
def origin(o):
    X, Y = M[:, :o], M[:, o:o + HO]
    valid = (nlen(X) >= 8) & ((X > 0).sum(1) >= 2) & ~np.isnan(Y).any(1)
    return dict(valid=valid, Y=Y, s2=np.nanmean(np.diff(X, axis=1) ** 2, axis=1), naive=X[:, -1])
def rmsse_rows(d, F):
    F = np.clip(F, 0, None); F = np.repeat(F[:, None], HO, 1) if F.ndim == 1 else F
    return np.sqrt(((d["Y"] - F) ** 2).mean(1) / d["s2"])
def rel(d, F):
    v = d["valid"]; return rmsse_rows(d, F)[v].mean() / rmsse_rows(d, d["naive"])[v].mean()

def fq4xcapall(o):
    m = PDc < o; pp, qq, cc = PDp[m], PDq[m], PDc[m]
    med = pd.Series(qq).groupby(pp).transform("median").values
    cnt = np.bincount(pp, minlength=NP); size = np.bincount(pp, np.minimum(qq, 3 * med), NP) / np.maximum(cnt, 1)
    rec = np.bincount(pp[cc >= o - 4], minlength=NP); nweeks = (~np.isnan(M[:, o - 4:o])).sum(1)
    return np.where(nweeks > 0, rec / np.maximum(nweeks, 1), 0) * size
NAMES = ["med4", "med6", "trim6", "trim8", "capwa8", "capses", "fq4xcapall"]
def members(o):
    X = M[:, :o]; Xc = capped(X)
    cols = [np.nanmedian(X[:, -4:], 1), np.nanmedian(X[:, -6:], 1), trimmed_mean(X, 6), trimmed_mean(X, 8),
            np.nanmean(Xc[:, -8:], 1), ses_opt(Xc), fq4xcapall(o)]
    return np.nan_to_num(np.clip(np.column_stack(cols), 0, None))
def gate(o):
    T = col_start_day(o); m = (CId < T) & (CId >= T - 91)
    pairs = np.unique(CIp[m].astype(np.int64) * 10**7 + CIc[m])
    ncust = np.bincount((pairs // 10**7).astype(int), minlength=NP)
    return np.digitize(ncust, [4, 15])
def trend(o):
    X = M[:, :o]; return np.nan_to_num(np.log((np.nanmean(X[:, -8:], 1) + 1) / (np.nanmean(X, 1) + 1)))

def fit_mult(b, z, yb, V):
    Z = np.column_stack([z, np.ones_like(z)])
    def f(beta):
        fv = b * np.exp(Z @ beta); e = yb - fv; r = np.sqrt(V + e ** 2 + 1e-12); return r.sum(), -(Z.T @ (e / r * fv))
    return minimize(f, np.zeros(2), jac=True, method="L-BFGS-B").x

CACHE = {}
def info(o):
    if o not in CACHE: CACHE[o] = dict(origin(o), X=members(o), g=gate(o), z=trend(o))
    return CACHE[o]

def forecast(ev):
    """fit on origins ev-15 .. ev-8 (targets inside the history before ev); return flat forecast at ev"""
    trn = [info(o) for o in range(ev - 15, ev - 7)]
    rows = lambda d: (d["valid"], np.sqrt(d["s2"]))
    W_ = {}
    for b in range(3):
        X, yb, V = [], [], []
        for d in trn:
            v, s = rows(d); m = v & (d["g"] == b)
            X.append(d["X"][m] / s[m, None]); yb.append(d["Y"][m].mean(1) / s[m]); V.append(d["Y"][m].var(1) / s[m] ** 2)
        W_[b] = fit_convex(np.vstack(X), np.concatenate(yb), np.concatenate(V))
    base = lambda d: np.einsum("ij,ij->i", d["X"], np.stack([W_[b] for b in d["g"]]))
    bb, zz, yb, V = [], [], [], []
    for d in trn:
        v, s = rows(d); bb.append(base(d)[v] / s[v]); zz.append(d["z"][v]); yb.append(d["Y"][v].mean(1) / s[v]); V.append(d["Y"][v].var(1) / s[v] ** 2)
    beta = fit_mult(*map(np.concatenate, (bb, zz, yb, V)))
    d = info(ev)
    return base(d) * np.exp(beta[0] * d["z"] + beta[1]), W_, beta

if __name__ == "__main__":
    print(f"load+clean {t_load:.1f}s, products {NP}, weeks {W}")
    for ev in (30, 34, 38):
        f, _, _ = forecast(ev); print(f"inner origin {ev}: n={info(ev)['valid'].sum()} rel RMSSE {rel(info(ev), f):.4f}")
    t1 = time.time()
    f, W_, beta = forecast(W - HO)
    d = info(W - HO); v = d["valid"]
    A = d["Y"][v]; F = np.repeat(np.clip(f[v], 0, None)[:, None], HO, 1)
    print("weights per gate bin (<4 | 4-14 | >=15 customers):")
    for b in range(3): print("   ", {k: round(x, 3) for k, x in zip(NAMES, W_[b]) if x > 0.005})
    print(f"multiplier: b1={beta[0]:.3f} b0={beta[1]:.3f}")
    rr = rmsse_rows(d, f)[v].mean(); rn = rmsse_rows(d, d["naive"])[v].mean()
    print(f"FINAL (origin {W - HO}, n={v.sum()}): mean RMSSE {rr:.4f} naive {rn:.4f} relative {rr / rn:.4f}")
    print(f"       WAPE {np.abs(A - F).sum() / A.sum():.4f}  bias (sumF-sumA)/sumA {(F.sum() - A.sum()) / A.sum():+.4f}")
    print(f"time: total {time.time() - t0:.1f}s (final fit+forecast {time.time() - t1:.1f}s)")
