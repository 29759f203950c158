"""
Series-level learnt combination (point forecast) and safety-stock calibration on the weekly
protocol of docs/evaluation.md (h = 8 hold-out weeks, 3,362 series): the "series-level learnt
combination" row and the calibration paragraph of docs/research/README.md.

Nothing from the 8 test weeks is used for any choice: weights, the safety-stock quantile level and
the calibration quantiles come from rolling origins inside the train part only.

Run from the repository root (about 1 minute on one core):
    python docs/research/series_level_combination.py [--csv data/online-retail/online_retail.csv.gz]
"""
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import HO as H_OUT, capped, eligible, fit_convex as _fit_convex, parser, read_lines, scale2, ses_opt, \
    trimmed_mean, weekly_panel

args = parser(__doc__.split("\n\n")[0]).parse_args()
t0 = time.time()

# ---------------------------------------------------------------- data
lines, codes, W = read_lines(args.csv, ("InvoiceNo", "StockCode", "Quantity", "InvoiceDate", "UnitPrice"))
Yall, _first = weekly_panel(lines, len(codes), W)
T = W - H_OUT                                              # train weeks
keep = np.where(eligible(Yall[:, :T]))[0]
n = len(keep)
H = Yall[keep, :T]                                         # history, nan before the first sale
TEST = Yall[keep, T:]
print(f"{n} series (weeks: {W}, train {T})")
row = np.full(len(codes), -1); row[keep] = np.arange(n)
days = lines.groupby(["i", "day"], sort=False).agg(q=("Quantity", "sum"), t=("t", "first")).reset_index()
days = days[row[days["i"].values] >= 0]
DAY_COL, DAY_Q = [[] for _ in range(n)], [[] for _ in range(n)]   # per series: week column and units of each selling day
for i, g in days.groupby("i"):
    DAY_COL[row[i]] = g["t"].values; DAY_Q[row[i]] = g["q"].values.astype(float)


# ---------------------------------------------------------------- helpers
def nlen(X): return (~np.isnan(X)).sum(1)

def classify(X):
    """0 smooth, 1 erratic, 2 intermittent, 3 lumpy (ADI 1.32, CV^2 0.49 on nonzero demand)."""
    adi = nlen(X) / np.maximum((X > 0).sum(1), 1)
    nz = np.where(X > 0, X, np.nan)
    cv2 = np.nan_to_num((np.nanstd(nz, 1) / np.nanmean(nz, 1)) ** 2)
    return (adi >= 1.32) * 2 + (cv2 >= 0.49)

def wmedian(X, w): return np.nanmedian(X[:, -w:], 1)

def freq_x_capped_size(o):
    """(selling days per week, mean of last 4 weeks) x (mean daily units, each day capped at 3 x median day)."""
    freq = np.zeros(n); size = np.zeros(n)
    valid_cols = ~np.isnan(H[:, :o])
    for i in range(n):
        c, q = DAY_COL[i], DAY_Q[i]; m = c < o
        cc, qq = c[m], q[m]
        if len(qq) == 0: continue
        size[i] = np.minimum(qq, 3 * np.median(qq)).mean()
        nweeks = valid_cols[i, o - 4:o].sum()
        freq[i] = ((cc >= o - 4).sum() / nweeks) if nweeks else 0.0
    return freq * size

MEMBERS = ["med4", "med6", "trim6", "trim8", "capwa8", "capses", "fq4xcapall"]
def members(o):
    """member levels (n, m) from the history before week column o (o = T: the real forecast origin)."""
    X = H[:, :o]; Xc = capped(X)
    M = {"med4": wmedian(X, 4), "med6": wmedian(X, 6), "trim6": trimmed_mean(X, 6), "trim8": trimmed_mean(X, 8),
         "capwa8": np.nanmean(Xc[:, -8:], 1), "capses": ses_opt(Xc), "fq4xcapall": freq_x_capped_size(o)}
    return np.clip(np.column_stack([M[k] for k in MEMBERS]), 0, None)

def origin(j):
    """rolling origin j inside train: history = train[:T-8-j], target = the 8 weeks after it.
    j = 'final' is the real protocol origin (history = all train, target = the 8 test weeks)."""
    o = T if j == "final" else T - H_OUT - j
    X = H[:, :o]
    Y = TEST if j == "final" else H[:, o:o + H_OUT]
    valid = (nlen(X) >= 8) & ((X > 0).sum(1) >= 2) & ~np.isnan(Y).any(1)
    return dict(M=members(o), Y=Y, s2=scale2(X), cls=classify(X), valid=valid, naive=X[:, -1])

# ---------------------------------------------------------------- Goal 1: convex weights
def fit_convex(origins):
    """weights >= 0 summing to 1, minimising the pooled sum of per-series RMSSE (flat forecasts)."""
    Xs, YB, V = [], [], []
    for d in origins:
        v = d["valid"]; s = np.sqrt(d["s2"][v]); Y = d["Y"][v]
        Xs.append(d["M"][v] / s[:, None]); YB.append(Y.mean(1) / s); V.append(Y.var(1) / s ** 2)
    return _fit_convex(np.vstack(Xs), np.concatenate(YB), np.concatenate(V))

def rmsse(d, f):
    return np.sqrt(((d["Y"] - f[:, None]) ** 2).mean(1) / d["s2"])

O = {j: origin(j) for j in list(range(16)) + ["final"]}
print(f"members at 17 origins: {time.time() - t0:.1f}s")

w_in = fit_convex([O[8], O[9]])                           # inner check: mimic the protocol one block earlier
d0 = O[0]; v0 = d0["valid"]
print("inner hold-out (origin j=0, weights from j=8,9): rel RMSSE "
      f"{rmsse(d0, d0['M'] @ w_in)[v0].mean() / rmsse(d0, d0['naive'])[v0].mean():.4f}")

w = fit_convex([O[0], O[1]])                              # the two most recent origins
print("weights:", {k: round(x, 3) for k, x in zip(MEMBERS, w)})
fin = O["final"]
f = fin["M"] @ w
r = rmsse(fin, f); rn = rmsse(fin, fin["naive"])
A = TEST; Fm = np.repeat(f[:, None], H_OUT, 1)
print(f"FINAL: mean RMSSE {r.mean():.4f}  naive {rn.mean():.4f}  relative {r.mean() / rn.mean():.4f}")
print(f"       WAPE {np.abs(A - Fm).sum() / A.sum():.4f}  bias (sum F - sum A)/sum A {(Fm.sum() - A.sum()) / A.sum():+.4f}")
cls = fin["cls"]
for k, name in enumerate(["smooth", "erratic", "intermittent", "lumpy"]):
    m = cls == k; print(f"       {name:12s} n={m.sum():4d} rel {r[m].mean() / rn[m].mean():.4f}")

# ---------------------------------------------------------------- Goal 2: safety stock
def ss_scale(d, wts):
    """per-series scale of 8-week-total errors: (forecast total + 1)^0.25 * (sqrt(8 * RMSSE scale) + 1)^0.25"""
    ftot = H_OUT * (d["M"] @ wts)
    return (ftot + 1) ** 0.25 * (np.sqrt(H_OUT * d["s2"]) + 1) ** 0.25, ftot

def class_quantiles(ds, wts, q):
    Z, C = [], []
    for d in ds:
        sc, ftot = ss_scale(d, wts); v = d["valid"]
        Z.append(((d["Y"].sum(1) - ftot) / sc)[v]); C.append(d["cls"][v])
    Z, C = np.concatenate(Z), np.concatenate(C)
    return np.array([np.quantile(Z[C == k], q) for k in range(4)])

def stockouts(d, wts, qk):
    sc, ftot = ss_scale(d, wts); ss = np.maximum(qk[d["cls"]] * sc, 0); v = d["valid"]
    return (d["Y"].sum(1) > ftot + ss)[v], ss[v], ftot[v]

# choose the quantile level q* on the inner hold-out: calibrate on origins 8..15, smallest q whose
# stock-out share at origin 0 is <= 5 % (corrects for drift between calibration and use)
inner_cal = [O[j] for j in range(8, 16)]
q_star = None
for q in np.linspace(0.90, 0.995, 77):
    so, _, _ = stockouts(O[0], w_in, class_quantiles(inner_cal, w_in, q))
    if so.mean() <= 0.05: q_star = q; break
print(f"q* = {q_star:.4f} (inner stock-out {so.mean():.3f} at origin 0)")

qk = class_quantiles([O[j] for j in range(8)], w, q_star)   # calibrate on the 8 most recent origins
so, ss, ftot = stockouts(fin, w, qk)
print("class quantiles of scaled 8-week errors:", qk.round(3))
print(f"FINAL stock-out share {so.mean():.4f}  ({so.sum()} of {len(so)})")
print(f"      mean safety stock {ss.mean():.1f} units; mean forecast total {ftot.mean():.1f}; "
      f"ratio of means {ss.mean() / ftot.mean():.2f}; median SS {np.median(ss):.1f}")
qk95 = class_quantiles([O[j] for j in range(8)], w, 0.95)
so95, ss95, _ = stockouts(fin, w, qk95)
print(f"      (plain q=0.95 without the drift correction: stock-out {so95.mean():.4f}, mean SS {ss95.mean():.1f})")
for k, name in enumerate(["smooth", "erratic", "intermittent", "lumpy"]):
    m = fin["cls"][fin["valid"]] == k
    print(f"      {name:12s} stock-out {so[m].mean():.3f}  mean SS {ss[m].mean():.1f}  mean F total {ftot[m].mean():.1f}")
print(f"total time {time.time() - t0:.1f}s")
