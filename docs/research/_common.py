"""
Shared code of the forecast research scripts (docs/research/ and docs/research/global_model/).

Protocol: docs/evaluation.md, section 4 (weekly series, 7-day weeks ending 2011-12-08, series
start at the product's first sale, last 8 weeks held out, M5 RMSSE relative to Naive).
Run every script from the repository root; paths are relative to it.
"""
import argparse
import os
import warnings

import numpy as np
import pandas as pd

CSV = "data/online-retail/online_retail.csv.gz"
WORK = "var/research"            # intermediate files (gitignored)
END = pd.Timestamp("2011-12-08")  # last full day; 2011-12-09 is partial
HO = 8                           # hold-out weeks
PRODUCT = r"^\d{5}[A-Z]{0,2}$"
warnings.filterwarnings("ignore")


def parser(description, work=False):
    """argparse with --csv (and --work for scripts that cache intermediate files)."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--csv", default=CSV, help=f"order lines (default {CSV})")
    if work:
        p.add_argument("--work", default=WORK, help=f"folder for intermediate files (default {WORK})")
    return p


def work_dir(path):
    os.makedirs(path, exist_ok=True)
    return path


def read_lines(csv=CSV, columns=("InvoiceNo", "StockCode", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID")):
    """
    Cleaned order lines (docs/evaluation.md section 1) up to END, with
    ``day`` (midnight), ``t`` (week index, 0 = the partial week ending 2010-12-02, T-1 = the week
    ending END) and ``i`` (product index into the returned sorted ``codes``).
    Returns (lines, codes, T).
    """
    columns = list(dict.fromkeys(list(columns) + ["InvoiceNo", "StockCode", "Quantity", "InvoiceDate", "UnitPrice"]))
    df = pd.read_csv(csv, dtype={"InvoiceNo": str, "StockCode": str, "CustomerID": str}, usecols=columns)
    df["StockCode"] = df["StockCode"].str.strip().str.upper()
    df = df[~df["InvoiceNo"].str.upper().str.startswith("C") & (df["Quantity"] > 0) & (df["UnitPrice"] > 0)]
    df = df[df["StockCode"].str.match(PRODUCT)].copy()
    df["day"] = pd.to_datetime(df["InvoiceDate"]).dt.normalize()
    df = df[df["day"] <= END]
    k = ((END - df["day"]).dt.days // 7).astype(int).values    # weeks before the last one
    T = int(k.max()) + 1
    df["t"] = T - 1 - k
    codes, df["i"] = np.unique(df["StockCode"].values, return_inverse=True)
    return df, codes, T


def weekly_panel(lines, n, T):
    """Units per (product, week); ``nan`` before each product's first sale week."""
    Y = np.zeros((n, T))
    np.add.at(Y, (lines["i"].values, lines["t"].values), lines["Quantity"].values.astype(float))
    first = (Y > 0).argmax(1)
    Y[np.arange(T)[None, :] < first[:, None]] = np.nan
    return Y, first


def eligible(X):
    """Protocol filter on a history matrix: >= 8 weeks since the first sale and >= 2 selling weeks."""
    return ((~np.isnan(X)).sum(1) >= 8) & ((X > 0).sum(1) >= 2)


def scale2(X):
    """M5 RMSSE scale (squared): mean squared one-step difference of the history."""
    return np.nanmean(np.diff(X, axis=1) ** 2, axis=1)


def rmsse(Y, F, s2):
    """Per-series RMSSE of forecasts F (flat (n,) or (n, h), clipped at 0) against Y (n, h)."""
    F = np.clip(F, 0, None)
    F = F[:, None] if F.ndim == 1 else F
    return np.sqrt(((Y - F) ** 2).mean(1) / s2)


def scores(Y, F, s2, naive):
    """dict(rel, rmsse, naive, wape, bias, n): mean RMSSE relative to Naive's, WAPE, bias."""
    F = np.clip(F, 0, None)
    Fm = np.repeat(F[:, None], Y.shape[1], 1) if F.ndim == 1 else F
    r, rn = rmsse(Y, Fm, s2).mean(), rmsse(Y, naive, s2).mean()
    return dict(rel=r / rn, rmsse=r, naive=rn, wape=np.abs(Y - Fm).sum() / Y.sum(),
                bias=Fm.sum() / Y.sum() - 1, n=len(Y))


# ---------------------------------------------------------------- level forecasts shared by the scripts
def trimmed_mean(X, w):
    """Mean of the last w weeks without the single largest value (plain mean if < 3 values)."""
    Z = np.where(np.isnan(X[:, -w:]), -np.inf, X[:, -w:])
    Z.sort(1)
    Z = np.where(np.isinf(Z), np.nan, Z)
    cnt = (~np.isnan(Z)).sum(1)
    return np.where(cnt > 2, np.nanmean(Z[:, :-1], 1), np.nanmean(Z, 1))


ALPHAS = np.array([0.01, 0.02, 0.05, 0.08, 0.1, 0.13, 0.16, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.99])


def ses_opt(X):
    """SES, level initialised at the first value, alpha per series = argmin in-sample one-step SSE on ALPHAS."""
    L = np.full((len(X), len(ALPHAS)), np.nan)
    sse = np.zeros_like(L)
    for t in range(X.shape[1]):
        x = X[:, t][:, None]
        ok = ~np.isnan(x)
        init, upd = ok & np.isnan(L), ok & ~np.isnan(L)
        e = np.where(upd, x - L, 0.0)
        sse += e ** 2
        L = np.where(init, x, np.where(upd, L + ALPHAS[None, :] * e, L))
    return L[np.arange(len(X)), sse.argmin(1)]


def capped(X, k=5.0):
    """Cap every week at k x the median of the series' non-zero weeks (one-off wholesale orders)."""
    cap = k * np.nanmedian(np.where(X > 0, X, np.nan), 1)
    return np.where(X > cap[:, None], cap[:, None], X)


def fit_convex(X, yb, V):
    """
    Convex weights (softmax parameters, L-BFGS) minimising the summed per-series RMSSE of the flat
    forecasts X @ w; X, yb = member levels and 8-week target mean divided by sqrt(scale),
    V = variance of the scaled targets (RMSSE of a flat f = sqrt(V + (yb - f)^2)).
    """
    from scipy.optimize import minimize

    def f(z):
        w = np.exp(z - z.max())
        w /= w.sum()
        e = yb - X @ w
        r = np.sqrt(V + e ** 2 + 1e-12)
        g = -(X.T @ (e / r))
        return r.sum(), w * (g - g @ w)

    z = minimize(f, np.zeros(X.shape[1]), jac=True, method="L-BFGS-B").x
    w = np.exp(z - z.max())
    return w / w.sum()
