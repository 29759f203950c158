import numpy as np, warnings
from lib import *
warnings.simplefilter('ignore')
import pandas as pd
_P = np.load('/tmp/fc2/panel.npz', allow_pickle=True); _codes = _P['codes']
_df = pd.read_csv('/work/main/data/online-retail/online_retail.csv.gz', dtype={'StockCode':str}, usecols=['StockCode','Description']).dropna()
_df['StockCode'] = _df.StockCode.str.upper()
_desc = _df.groupby('StockCode').Description.agg(lambda s: s.mode().iloc[0])
XMAS = np.array([any(w in str(_desc.get(c, '')).upper() for w in ('CHRISTMAS','XMAS','ADVENT','SANTA','REINDEER','SNOWFLAKE','NATIVITY','BAUBLE')) for c in _codes])

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
    from ocap import ocap_panel
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
