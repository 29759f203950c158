import numpy as np
P = np.load('/tmp/fc2/panel.npz', allow_pickle=True)
Y, C, O, R, first = P['Y'], P['C'], P['O'], P['R'], P['first']
tot, ninv, ncust = P['tot'], P['ninv'], P['ncust']
N, T = Y.shape
H = 8
TEST_O = T - H - 1   # 45: last training week index

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
