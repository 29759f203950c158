"""
Shared code of the global-model study (docs/research/global_model/README.md): the weekly panel,
the protocol as the study implements it (origins o = last training week index; test origin 45),
the local level forecasts and combinations, order-capped panels and the GBM features.

Call ``load(csv, work)`` once before anything else (scripts do it through ``setup()``).
"""
import os
import pickle
import sys
import time
import warnings

import numpy as np
import pandas as pd
from scipy.optimize import minimize

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import _common  # noqa: E402

warnings.simplefilter("ignore")
H = 8
WORK = _common.WORK


def setup(description, extra=None):
    """Parse --csv / --work (plus ``extra(parser)``), load the panel, return the arguments."""
    p = _common.parser(description, work=True)
    if extra:
        extra(p)
    args = p.parse_args()
    load(args.csv, args.work)
    return args


def load(csv=_common.CSV, work=WORK):
    """Build the panel (Y, C, O, R, first, tot, ninv, ncust, codes), the order lines (LI, LT, LQ)
    and the Christmas keyword flag into this module's globals."""
    global Y, C, O, R, first, tot, ninv, ncust, codes, N, T, TEST_O, LI, LT, LQ, XMAS, WORK
    WORK = work
    df, codes, T = _common.read_lines(csv)
    N = len(codes)
    Y, first = _common.weekly_panel(df, N, T)
    g = df.groupby(["i", "t"])
    C = np.zeros((N, T)); cc = g.CustomerID.nunique()
    C[cc.index.get_level_values(0), cc.index.get_level_values(1)] = cc.values
    O = np.zeros((N, T)); oc = g.InvoiceNo.nunique()
    O[oc.index.get_level_values(0), oc.index.get_level_values(1)] = oc.values
    R = np.zeros((N, T)); np.add.at(R, (df.i.values, df.t.values), (df.Quantity * df.UnitPrice).values)
    tot = np.nansum(Y, 0)
    ninv = df.groupby("t").InvoiceNo.nunique().reindex(range(T), fill_value=0).values
    ncust = df.groupby("t").CustomerID.nunique().reindex(range(T), fill_value=0).values
    # order lines: quantity per (invoice, product), so an order with repeated lines counts once
    ln = df.groupby(["InvoiceNo", "i", "t"], as_index=False).Quantity.sum()
    LI, LT, LQ = ln.i.values, ln.t.values, ln.Quantity.values.astype(float)
    d = pd.read_csv(csv, dtype={"StockCode": str}, usecols=["StockCode", "Description"]).dropna()
    d["StockCode"] = d.StockCode.str.strip().str.upper()
    desc = d.groupby("StockCode").Description.agg(lambda s: s.mode().iloc[0])
    XMAS = np.array([any(w in str(desc.get(c, "")).upper() for w in XMAS_WORDS) for c in codes])
    TEST_O = T - H - 1   # 45: last training week index
    return df


XMAS_WORDS = ("CHRISTMAS", "XMAS", "ADVENT", "SANTA", "REINDEER", "SNOWFLAKE", "NATIVITY", "BAUBLE")


# ---------------------------------------------------------------- protocol and local methods (was lib.py)

def eligible(o):
    hist = o - first + 1
    sell = np.array([(Y[i, first[i]:o+1] > 0).sum() if hist[i] > 0 else 0 for i in range(N)])
    return (hist >= 8) & (sell >= 2)

def scale_at(o):
    h = Y[:, :o+1]
    d = np.diff(h, axis=1)
    return np.nanmean(d**2, axis=1)

def targets(o):
    return Y[:, o+1:o+1+H]

def rmsse(F, Yt, sc):
    # F: (n,) flat or (n,H)
    F = np.clip(F, 0, None)
    if F.ndim == 1: F = F[:, None]
    return np.sqrt(np.mean((Yt - F)**2, 1) / sc)

def lastk(o, k):
    return Y[:, max(0, o-k+1):o+1]

def ses_capped(o, alpha=0.1):
    h = Y[:, :o+1].copy()
    nz = np.where(h > 0, h, np.nan)
    med = np.nanmedian(nz, 1)
    cap = 5 * med
    h = np.minimum(h, cap[:, None])
    lvl = np.full(N, np.nan)
    for t in range(o+1):
        x = h[:, t]
        init = np.isnan(lvl) & ~np.isnan(x)
        lvl = np.where(init, x, lvl)
        upd = ~init & ~np.isnan(x)
        lvl = np.where(upd, alpha*x + (1-alpha)*lvl, lvl)
    return lvl

def local_methods(o, alpha=0.1):
    import warnings
    warnings.simplefilter('ignore')
    l4 = lastk(o, 4); l6 = lastk(o, 6)
    m4 = np.nanmedian(l4, 1); m6 = np.nanmedian(l6, 1)
    s6 = np.nansum(l6, 1); mx6 = np.nanmax(l6, 1); n6 = (~np.isnan(l6)).sum(1)
    tr6 = (s6 - mx6) / np.maximum(n6 - 1, 1)
    ses = ses_capped(o, alpha)
    return np.stack([m4, m6, tr6, ses], 1)

def summary(F, o, idx=None):
    el = eligible(o) if idx is None else idx
    Yt = targets(o)[el]; sc = scale_at(o)[el]
    f = np.clip(F[el], 0, None)
    fm = f if f.ndim == 2 else np.repeat(f[:, None], H, 1)
    r = rmsse(fm, Yt, sc).mean()
    naive = rmsse(Y[el, o], Yt, sc).mean()
    wape = np.abs(Yt - fm).sum() / Yt.sum()
    bias = fm.sum() / Yt.sum() - 1
    return dict(rel=r/naive, rmsse=r, naive=naive, wape=wape, bias=bias, n=int(el.sum()))


# ---------------------------------------------------------------- order-capped panels (was ocap.py)
def ocap_panel(o, c=3.0, win=None):
    """weekly sums of order quantities capped at c x the product's median order qty (orders in weeks <= o, optionally last win weeks)"""
    m = LT <= o
    if win: m &= LT > o - win
    med = pd.Series(LQ[m]).groupby(LI[m]).median().reindex(range(N)).values
    cap = c * med[LI]
    q = np.minimum(LQ, np.where(np.isnan(cap), LQ, cap))
    Yc = np.zeros((N, T)); sel = LT <= o
    np.add.at(Yc, (LI[sel], LT[sel]), q[sel])
    Yc[np.isnan(Y)] = np.nan
    return Yc[:, :o+1]


# ---------------------------------------------------------------- candidate levels and combinations (was combo2.py / combo3.py)
def _cands_base(o):
    L = local_methods(o, 0.3)
    h = Y[:, :o+1]
    nz = np.where(h > 0, h, np.nan); mednz = np.nanmedian(nz, 1)
    hc = np.minimum(h, 2*mednz[:, None])
    x8 = lastk(o, 8); x13 = lastk(o, 13)
    c = {'med4':L[:,0],'med6':L[:,1],'trim6':L[:,2],'ses3':L[:,3],
         'mean4':np.nanmean(lastk(o,4),1),'med8':np.nanmedian(x8,1),'med13':np.nanmedian(x13,1),
         'q75_8':np.nanpercentile(x8,75,1),'cmean8':np.nanmean(hc[:, max(0,o-7):o+1],1),
         'cmean13':np.nanmean(hc[:, max(0,o-12):o+1],1),'ses1':ses_capped(o,0.1),
         'trim8':(np.nansum(x8,1)-np.nanmax(x8,1))/np.maximum((~np.isnan(x8)).sum(1)-1,1)}
    g = tot[o-3:o+1].mean()/tot[o-16:o-3].mean()
    c['med4_g'] = c['med4']*g
    c['trim6_g'] = c['trim6']*g
    return c
def data(origins, keys):
    out=[]
    for o in origins:
        e = eligible(o); c = cands(o)
        out.append((np.stack([c[k][e] for k in keys],1), targets(o)[e], scale_at(o)[e], Y[e, o]))
    return out
def loss_fn(w, dd, hm=None):
    tot_=0
    for Xc, Yt, sc, _ in dd:
        f = np.clip(Xc@w, 0, None)[:, None]
        if hm is not None: f = f*hm[None,:]
        tot_ += np.sqrt(((Yt-f)**2).mean(1)/sc).sum()
    return tot_
def fit(dd, k, convex):
    if convex:
        obj = lambda z: loss_fn(np.exp(z)/np.exp(z).sum(), dd)
        r = minimize(obj, np.zeros(k), method='Powell'); return np.exp(r.x)/np.exp(r.x).sum()
    r = minimize(lambda w: loss_fn(w, dd), np.full(k, 1.0/k), method='L-BFGS-B', bounds=[(0,None)]*k); return r.x
def rel(w, d, hm=None):
    Xc, Yt, sc, nv = d
    f = np.clip(Xc@w, 0, None)[:, None]
    if hm is not None: f = f*hm[None,:]
    return np.sqrt(((Yt-f)**2).mean(1)/sc).mean()/np.sqrt(((Yt-nv[:,None])**2).mean(1)/sc).mean()

def cands_ext(o):
    """cands plus order-capped means"""
    c = _cands_base(o)
    for cc in (1.5, 3.0):
        Yc = ocap_panel(o, cc)
        for k in (4, 8, 13):
            c[f'oc{cc}_m{k}'] = np.nanmean(Yc[:, max(0, o-k+1):], 1)
        Yc = ocap_panel(o, cc, 26)
        c[f'oc{cc}w_m8'] = np.nanmean(Yc[:, max(0, o-7):], 1)
    return c


cands = cands_ext   # data() uses the extended candidate set (a superset of combo2's)

# ---------------------------------------------------------------- GBM features (was feats.py)
def combo(L, w=np.array([0.227,0.,0.423,0.35])):
    return L @ w

def feats(o, alpha=0.3):
    sc = scale_at(o); s = np.sqrt(sc)
    h = Y[:, :o+1]
    F = {}
    for l in range(1, 9):
        F[f'lag{l}'] = (h[:, o-l+1] if o-l+1 >= 0 else np.full(N, np.nan)) / s
    for w in (4, 8, 13, 26):
        x = lastk(o, w)
        F[f'mean{w}'] = np.nanmean(x, 1) / s
        F[f'med{w}'] = np.nanmedian(x, 1) / s
        F[f'max{w}'] = np.nanmax(x, 1) / s
        F[f'share{w}'] = np.nanmean(x > 0, 1) if True else None
        F[f'share{w}'] = np.nansum(x > 0, 1) / np.maximum((~np.isnan(x)).sum(1), 1)
    F['meanall'] = np.nanmean(h, 1) / s
    F['shareall'] = np.nansum(h > 0, 1) / (o - first + 1)
    F['age'] = o - first + 1
    last_sale = np.where(h > 0, np.arange(o+1)[None, :], -1).max(1)
    F['since'] = o - last_sale
    L = local_methods(o, alpha)
    for j, nm in enumerate(['lm_med4', 'lm_med6', 'lm_trim6', 'lm_ses']):
        F[nm] = L[:, j] / s
    F['lm_combo'] = combo(L) / s
    F['logs'] = np.log1p(s)
    F['cv'] = np.nanstd(h, 1) / np.maximum(np.nanmean(h, 1), 1e-9)
    F['r4_13'] = np.nanmean(lastk(o, 4), 1) / np.maximum(np.nanmean(lastk(o, 13), 1), 1e-9)
    F['r4_all'] = np.nanmean(lastk(o, 4), 1) / np.maximum(np.nanmean(h, 1), 1e-9)
    # shop-wide growth
    t4 = tot[o-3:o+1].mean()
    F['g4_4'] = np.full(N, t4 / tot[max(0,o-7):o-3].mean())
    F['g4_8'] = np.full(N, t4 / tot[max(0,o-11):o-3].mean())
    F['g4_13'] = np.full(N, t4 / tot[max(0,o-16):o-3].mean())
    F['ginv4_13'] = np.full(N, ninv[o-3:o+1].mean() / ninv[max(0,o-16):o-3].mean())
    # customers / orders
    c4 = C[:, max(0,o-3):o+1].sum(1); o4 = O[:, max(0,o-3):o+1].sum(1)
    c13 = C[:, max(0,o-12):o+1].sum(1)
    F['cust4'] = c4; F['cust13'] = c13
    F['qty_per_order4'] = np.nansum(lastk(o, 4), 1) / np.maximum(o4, 1) / s
    F['cust_r4_13'] = (c4/4) / np.maximum(c13/np.minimum(13, o-first+1), 1e-9)
    rv = R[:, max(0,o-12):o+1].sum(1); q = np.nansum(lastk(o, 13), 1)
    F['logprice'] = np.log(np.where(q > 0, rv / np.maximum(q, 1e-9), np.nan))
    F['xmas_kw'] = XMAS.astype(float)
    dec = np.nansum(Y[:, 0:3], 1) / 3
    F['dec_aff'] = np.where(first <= 1, dec / np.maximum(np.nanmean(h, 1), 1e-9), np.nan)
    x8 = lastk(o, 8); tt = np.arange(8) - 3.5
    F['slope8'] = np.nansum((x8 - np.nanmean(x8, 1)[:, None]) * tt, 1) / 42 / s
    Yc3 = ocap_panel(o, 3.0); Yc15 = ocap_panel(o, 1.5)
    F['oc3_m4'] = np.nanmean(Yc3[:, max(0,o-3):], 1) / s
    F['oc3_m8'] = np.nanmean(Yc3[:, max(0,o-7):], 1) / s
    F['oc15_m4'] = np.nanmean(Yc15[:, max(0,o-3):], 1) / s
    F['oc3_m13'] = np.nanmean(Yc3[:, max(0,o-12):], 1) / s
    F['ord4'] = O[:, max(0,o-3):o+1].mean(1); F['ord13'] = O[:, max(0,o-12):o+1].mean(1)
    F['eq5'] = (F['lm_med4'] + F['lm_med6'] + F['lm_trim6'] + F['lm_ses'] + F['oc3_m4']) / 5
    F['woy'] = np.full(N, o)  # origin index (only for experiments)
    names = list(F)
    X = np.stack([F[k] for k in names], 1).astype(np.float32)
    return X, names, s, L

def dataset(origins, need_target=True, only_eligible=True):
    Xs, Zs, Vs, Ws, Os, Is, Ss, Ls = [], [], [], [], [], [], [], []
    for o in origins:
        X, names, s, L = feats(o)
        el = eligible(o)
        if need_target:
            Yt = targets(o)
            el &= (~np.isnan(Yt).any(1)) if Yt.shape[1] == H else False
        Xs.append(X[el]); Ss.append(s[el]); Ls.append(L[el]); Is.append(np.where(el)[0]); Os.append(np.full(el.sum(), o))
        if need_target:
            Zt = Yt[el] / s[el][:, None]
            Zs.append(Zt.mean(1)); Vs.append(Zt.var(1)); Ws.append(Zt)
    d = dict(X=np.concatenate(Xs), s=np.concatenate(Ss), L=np.concatenate(Ls), i=np.concatenate(Is), o=np.concatenate(Os), names=names)
    if need_target:
        d.update(z=np.concatenate(Zs), v=np.concatenate(Vs), Zt=np.concatenate(Ws))
    return d


def features(work=None):
    """{origin: dataset([origin])} for origins 8..37 and the test origin, cached in work/features.pkl (was mkdata.py)."""
    path = os.path.join(_common.work_dir(work or WORK), "features.pkl")
    if os.path.exists(path):
        return pickle.load(open(path, "rb"))
    t = time.time()
    D = {o: dataset([o]) for o in range(8, TEST_O - 7)}
    D[TEST_O] = dataset([TEST_O])
    pickle.dump(D, open(path, "wb"))
    print(f"features for {len(D)} origins built in {time.time() - t:.0f}s -> {path}", flush=True)
    return D


def cat(D, origins):
    ks = ["X", "z", "v", "Zt", "s", "L", "i", "o"]
    return {k: np.concatenate([D[o][k] for o in origins]) for k in ks} | {"names": D[origins[0]]["names"]}


def score(fz, d):
    f = np.clip(fz, 0, None)
    r = np.sqrt(((d['Zt'] - f[:, None])**2).mean(1))
    naive = np.sqrt(((d['Zt'] - d['X'][:, 0][:, None])**2).mean(1))
    F = f * d['s']; Yt = d['Zt'] * d['s'][:, None]
    wape = np.abs(Yt - F[:, None]).sum() / Yt.sum()
    bias = F.sum() * H / Yt.sum() - 1
    return r.mean() / naive.mean(), wape, bias

