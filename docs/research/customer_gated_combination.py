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
Run: /work/main/.venv/bin/python /tmp/fc2/final_chosen.py
"""
import time, warnings
import numpy as np, pandas as pd
from scipy.optimize import minimize
warnings.filterwarnings("ignore")
t0 = time.time()
CSV = "/work/main/data/online-retail/online_retail.csv.gz"
END = pd.Timestamp("2011-12-08"); HO = 8

# ------------------------------------------------------------------ data
df = pd.read_csv(CSV, dtype={"InvoiceNo": str, "StockCode": str, "CustomerID": str},
                 usecols=["InvoiceNo", "StockCode", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID"])
df["StockCode"] = df["StockCode"].str.strip().str.upper()
df = df[~df["InvoiceNo"].str.upper().str.startswith("C") & (df["Quantity"] > 0) & (df["UnitPrice"] > 0)]
df = df[df["StockCode"].str.match(r"^\d{5}[A-Z]{0,2}$")]
df["day"] = pd.to_datetime(df["InvoiceDate"].str[:10])
df = df[df["day"] <= END]
wk = ((END - df["day"]).dt.days // 7).values
W = wk.max() + 1
col = W - 1 - wk
KEYS, p = np.unique(df["StockCode"].values, return_inverse=True)
NP = len(KEYS)
q = df["Quantity"].values.astype(float)
dnum = (df["day"] - df["day"].min()).dt.days.values
END_D = (END - df["day"].min()).days
cust = df["CustomerID"].fillna("").values
M = np.zeros((NP, W)); np.add.at(M, (p, col), q)
first = np.full(NP, W); np.minimum.at(first, p, col)
M[np.arange(W)[None, :] < first[:, None]] = np.nan
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

def trimmed_mean(X, w):
    Y = np.where(np.isnan(X[:, -w:]), -np.inf, X[:, -w:]); Y.sort(1); Y = np.where(np.isinf(Y), np.nan, Y)
    cnt = (~np.isnan(Y)).sum(1)
    return np.where(cnt > 2, np.nanmean(Y[:, :-1], 1), np.nanmean(Y, 1))
ALPHAS = np.array([0.01, 0.02, 0.05, 0.08, 0.1, 0.13, 0.16, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.99])
def ses_opt(X):
    L = np.full((len(X), len(ALPHAS)), np.nan); sse = np.zeros_like(L)
    for t in range(X.shape[1]):
        x = X[:, t][:, None]; ok = ~np.isnan(x); init = ok & np.isnan(L); upd = ok & ~np.isnan(L)
        e = np.where(upd, x - L, 0.0); sse += e ** 2
        L = np.where(init, x, np.where(upd, L + ALPHAS[None, :] * e, L))
    return L[np.arange(len(X)), sse.argmin(1)]
def capped(X, k=5.0):
    cap = k * np.nanmedian(np.where(X > 0, X, np.nan), 1); return np.where(X > cap[:, None], cap[:, None], X)
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

def fit_convex(X, yb, V):
    def f(z):
        w = np.exp(z - z.max()); w /= w.sum(); e = yb - X @ w; r = np.sqrt(V + e ** 2 + 1e-12); g = -(X.T @ (e / r))
        return r.sum(), w * (g - g @ w)
    z = minimize(f, np.zeros(X.shape[1]), jac=True, method="L-BFGS-B").x
    w = np.exp(z - z.max()); return w / w.sum()
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
