import numpy as np, combo3, combo2
from combo2 import data
from scipy.optimize import minimize
from lib import TEST_O, H
keys = ['med4','med6','trim6','ses3','oc3.0_m4']
def blk(o):
    X, Yt, sc, nv = data([o], keys)[0]; return X.mean(1), Yt, sc, nv
def loss(m, bs):
    return sum(np.sqrt(((Yt - np.clip(f,0,None)[:, None]*m[None, :])**2).mean(1)/sc).sum() for f, Yt, sc, nv in bs)
def rel(m, b):
    f, Yt, sc, nv = b
    return np.sqrt(((Yt - np.clip(f,0,None)[:, None]*m[None, :])**2).mean(1)/sc).mean() / np.sqrt(((Yt - nv[:, None])**2).mean(1)/sc).mean()
def fit(bs, mode):
    if mode == 'const':
        r = minimize(lambda a: loss(np.full(H, a[0]), bs), [1.0], method='Nelder-Mead'); return np.full(H, r.x[0])
    if mode == 'linear':
        r = minimize(lambda a: loss(a[0] + a[1]*np.arange(H), bs), [1.0, 0.0], method='Nelder-Mead'); return r.x[0] + r.x[1]*np.arange(H)
    r = minimize(lambda a: loss(a, bs), np.ones(H), method='Powell'); return r.x
B = {o: blk(o) for o in list(range(26, 38)) + [TEST_O]}
print('oracle on test:', {m: round(rel(fit([B[TEST_O]], m), B[TEST_O]), 4) for m in ('const', 'linear', 'free')})
for mode in ('const', 'linear', 'free'):
    for nf in (1, 2, 4):
        mv = fit([B[o] for o in range(29-nf+1, 30)], mode); mt = fit([B[o] for o in range(37-nf+1, 38)], mode)
        print(mode, 'nfit', nf, 'VAL %.4f TEST %.4f' % (rel(mv, B[37]), rel(mt, B[TEST_O])), 'test mult', np.round(mt, 2), flush=True)
