"""Honest weekly forecast: convex combination of 5 robust level forecasts
(median4, median6, trimmed-mean6, capped SES a=0.3, order-capped mean4), weights
fit on the two most recent in-train origins by minimising summed per-series RMSSE.
Self-contained: numpy + pandas + scipy.  Usage: python best.py"""
import numpy as np, pandas as pd, warnings
from scipy.optimize import minimize
warnings.simplefilter('ignore')
H = 8
df = pd.read_csv('/work/main/data/online-retail/online_retail.csv.gz', dtype={'InvoiceNo': str, 'StockCode': str})
df = df[~df.InvoiceNo.str.startswith('C') & (df.Quantity > 0) & (df.UnitPrice > 0)]
df['StockCode'] = df.StockCode.str.upper()
df = df[df.StockCode.str.match(r'^\d{5}[A-Z]{0,2}$')]
d = pd.to_datetime(df.InvoiceDate).dt.normalize(); end = pd.Timestamp('2011-12-08')
df = df[d <= end]; d = d[d <= end]
k = ((end - d).dt.days // 7).astype(int).values; T = k.max() + 1
codes, pi = np.unique(df.StockCode.values, return_inverse=True); N = len(codes)
tt = (T - 1 - k)
Y = np.zeros((N, T)); np.add.at(Y, (pi, tt), df.Quantity.values.astype(float))
first = (Y > 0).argmax(1); Y[np.arange(T)[None, :] < first[:, None]] = np.nan
# order lines: quantity per (invoice, product)
ln = pd.DataFrame({'inv': df.InvoiceNo.values, 'i': pi, 't': tt, 'q': df.Quantity.values}).groupby(['inv', 'i', 't'], as_index=False).q.sum()
LI, LT, LQ = ln.i.values, ln.t.values, ln.q.values.astype(float)
TEST_O = T - H - 1          # last training week index
LAST_IN = TEST_O - H        # last origin whose 8-week target ends before the test

def eligible(o):
    h = Y[:, :o+1]
    return ((o - first + 1) >= 8) & (np.nansum(h > 0, 1) >= 2)

def ses_capped(o, a):
    h = Y[:, :o+1]; med = np.nanmedian(np.where(h > 0, h, np.nan), 1)
    h = np.minimum(h, 5 * med[:, None]); lvl = np.full(N, np.nan)
    for t in range(o+1):
        x = h[:, t]; init = np.isnan(lvl) & ~np.isnan(x)
        lvl = np.where(init, x, np.where(~init & ~np.isnan(x), a * x + (1 - a) * lvl, lvl))
    return lvl

def order_capped_mean(o, c=3.0, w=4):
    m = LT <= o
    med = pd.Series(LQ[m]).groupby(LI[m]).median().reindex(range(N)).values
    q = np.minimum(LQ[m], c * med[LI[m]])
    Yc = np.zeros((N, T)); np.add.at(Yc, (LI[m], LT[m]), q); Yc[np.isnan(Y)] = np.nan
    return np.nanmean(Yc[:, max(0, o-w+1):o+1], 1)

def components(o):
    l4 = Y[:, o-3:o+1]; l6 = Y[:, o-5:o+1]
    n6 = (~np.isnan(l6)).sum(1)
    trim6 = (np.nansum(l6, 1) - np.nanmax(l6, 1)) / np.maximum(n6 - 1, 1)
    return np.stack([np.nanmedian(l4, 1), np.nanmedian(l6, 1), trim6, ses_capped(o, 0.3), order_capped_mean(o)], 1)

def block(o):
    e = eligible(o); h = Y[e, :o+1]
    sc = np.nanmean(np.diff(h, axis=1) ** 2, 1)
    return components(o)[e], Y[e, o+1:o+1+H], sc, Y[e, o]

def rmsse(f, Yt, sc):
    f = np.clip(f, 0, None)[:, None]
    return np.sqrt(((Yt - f) ** 2).mean(1) / sc)

def fit_weights(blocks):
    def loss(z):
        w = np.exp(z) / np.exp(z).sum()
        return sum(rmsse(X @ w, Yt, sc).sum() for X, Yt, sc, _ in blocks)
    r = minimize(loss, np.zeros(blocks[0][0].shape[1]), method='Powell')
    return np.exp(r.x) / np.exp(r.x).sum()

def report(tag, w, b):
    X, Yt, sc, nv = b; f = np.clip(X @ w, 0, None)
    rel = rmsse(f, Yt, sc).mean() / rmsse(nv, Yt, sc).mean()
    wape = np.abs(Yt - f[:, None]).sum() / Yt.sum(); bias = f.sum() * H / Yt.sum() - 1
    print(f'{tag}: n={len(f)} rel RMSSE={rel:.4f} (naive RMSSE {rmsse(nv, Yt, sc).mean():.4f}) WAPE={wape:.4f} bias={bias:+.4f} weights={np.round(w, 3)}')

# inner validation: weights from origins LAST_IN-9, LAST_IN-8 (targets end <= LAST_IN), scored on origin LAST_IN
w_val = fit_weights([block(LAST_IN - H - 1), block(LAST_IN - H)])
report(f'inner-val (fit {LAST_IN-H-1},{LAST_IN-H}; eval {LAST_IN})', w_val, block(LAST_IN))
# final: weights from origins LAST_IN-1, LAST_IN; forecast the hold-out from origin TEST_O
w = fit_weights([block(LAST_IN - 1), block(LAST_IN)])
report(f'TEST (fit {LAST_IN-1},{LAST_IN}; eval {TEST_O})', w, block(TEST_O))
# equal-weight variant (no fitted parameters); on the last in-train origin it scores 0.9205 vs 0.9207 for the fitted weights,
# so by the protocol's validation rule it is the selected local method.
w_eq = np.full(5, 0.2)
report(f'EQ5 inner-val (eval {LAST_IN})', w_eq, block(LAST_IN))
report(f'EQ5 TEST (eval {TEST_O})', w_eq, block(TEST_O))
