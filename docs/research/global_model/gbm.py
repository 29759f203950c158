import numpy as np, pickle, lightgbm as lgb, sys, time
from lib import TEST_O, H
D = pickle.load(open('/tmp/fc2/data.pkl','rb'))
MAXTRAIN = TEST_O - H   # 37: last origin whose targets end before test
def cat(origins):
    ks = ['X','z','v','Zt','s','L','i','o']
    return {k: np.concatenate([D[o][k] for o in origins]) for k in ks} | {'names': D[origins[0]]['names']}

def score(fz, d):
    f = np.clip(fz, 0, None)
    r = np.sqrt(((d['Zt'] - f[:, None])**2).mean(1))
    naive = np.sqrt(((d['Zt'] - d['X'][:, 0][:, None])**2).mean(1))
    F = f * d['s']; Yt = d['Zt'] * d['s'][:, None]
    wape = np.abs(Yt - F[:, None]).sum() / Yt.sum()
    bias = F.sum() * H / Yt.sum() - 1
    return r.mean() / naive.mean(), wape, bias

def rmsse_obj(preds, ds):
    z = ds.z; v = ds.v
    e = preds - z
    q = np.sqrt(v + e**2 + 1e-6)
    w = ds.get_weight()
    g, h = e / q, np.maximum((v + 1e-6) / q**3, 1e-3)
    if w is not None: g, h = g * w, h * w
    return g, h

def fit(tr, params, rounds, obj='l2', base=None, feats=None, valid=None, wts=None):
    X = tr['X'] if feats is None else tr['X'][:, feats]
    p = dict(params); p.update(verbose=-1, num_threads=1, seed=1)
    init = None if base is None else tr['X'][:, tr['names'].index(base)]
    if obj == 'l2':
        p['objective'] = 'l2'
    elif obj == 'huber':
        p['objective'] = 'huber'
    else:
        p['objective'] = rmsse_obj
    ds = lgb.Dataset(X, tr['z'], init_score=init, weight=wts, free_raw_data=False)
    ds.z = tr['z']; ds.v = tr['v']
    if obj == 'rmsse' and init is None:
        # start from median-ish constant
        ds.set_init_score(np.full(len(tr['z']), np.median(tr['z'])))
    curves = []
    cb = []
    if valid is not None:
        vX = valid['X'] if feats is None else valid['X'][:, feats]
        vinit = None if base is None else valid['X'][:, valid['names'].index(base)]
        if obj == 'rmsse' and vinit is None: vinit = np.full(len(vX), np.median(tr['z']))
    m = lgb.train(p, ds, rounds)
    return m

def predict(m, d, base=None, feats=None, obj='l2', trz=None, it=None):
    X = d['X'] if feats is None else d['X'][:, feats]
    p = m.predict(X, num_iteration=it, raw_score=True) if obj=='rmsse' or base is not None else m.predict(X, num_iteration=it)
    if base is not None:
        if obj != 'rmsse': p = m.predict(X, num_iteration=it)
        p = p + d['X'][:, d['names'].index(base)]
    elif obj == 'rmsse':
        p = p + np.median(trz)
    return p
