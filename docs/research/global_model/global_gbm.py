"""
Global LightGBM across all series (custom per-series RMSSE objective, boosted from a local
combination): the LightGBM table and the GBM rows of the per-origin table of README.md.
Needs lightgbm (pip install lightgbm); features are cached in --work/features.pkl (first run
about 2 minutes).  Each fit takes 10-15 s on one thread.

Run from the repository root:
    python docs/research/global_model/global_gbm.py EXPERIMENT [VARIANT ...]
  v1          L2 / Huber / RMSSE-from-constant / RMSSE-from-combo4, v1 features  (~4 min)
  v2          all features boosted from combo4 (+ the no-shop variants)          (~2 min a variant)
  v2-anchor   v2 rescaled so its total equals combo4's                           (~2 min)
  v2-origins  multi-origin validation 33..37 of v2                               (~5 min)
  v3 [NAME]   boosted from eq5: eq5_all (the validation winner), eq5_noshop, eq5_noshop_decay.9, ...
              val origins 33..37 + test                                          (~2 min a variant)
  v3-grid     o=37 validation grid {all, noshop} x recency {1, .9, .8, .7}       (~5 min)
  v3-blend    GBM no-shop 50/50 with eq5, recency 1 and .9                       (~3 min)
"""
import os
import sys
import time

import numpy as np
import lightgbm as lgb

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _study as S  # noqa: E402
from _study import H, cat, score  # noqa: E402

args = S.setup(__doc__.split("\n\n")[0], lambda p: (p.add_argument("experiment", choices=[
    "v1", "v2", "v2-anchor", "v2-origins", "v3", "v3-grid", "v3-blend"]), p.add_argument("variants", nargs="*")))
TEST_O = S.TEST_O
MAXTRAIN = TEST_O - H   # 37: last origin whose targets end before test
D = S.features(args.work)
ex = args.experiment


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


P0 = dict(learning_rate=0.03, num_leaves=15, min_data_in_leaf=200, feature_fraction=0.7, bagging_fraction=0.8,
          bagging_freq=1, lambda_l2=10)
shop = {'g4_4', 'g4_8', 'g4_13', 'ginv4_13', 'woy'}
v1feats = {'xmas_kw', 'dec_aff', 'slope8', 'oc3_m4', 'oc3_m8', 'oc15_m4', 'oc3_m13', 'ord4', 'ord13', 'eq5'}
V2F = v1feats - {'xmas_kw', 'dec_aff', 'slope8'}   # v3 additions, absent from v2
names = D[8]['names']

if ex == "v1":
    # v1 features: without the v2/v3 additions
    tr_in = cat(D, list(range(8, MAXTRAIN - H + 1)))   # 8..29
    va = cat(D, [MAXTRAIN])
    tr_full = cat(D, list(range(8, MAXTRAIN + 1)))
    te = cat(D, [TEST_O])
    names = tr_in['names']
    print('lm_combo val', score(va['X'][:, names.index('lm_combo')], va), 'test', score(te['X'][:, names.index('lm_combo')], te))
    params = dict(learning_rate=0.03, num_leaves=15, min_data_in_leaf=200, feature_fraction=0.7, bagging_fraction=0.8, bagging_freq=1, lambda_l2=10)
    noorig = [j for j, n in enumerate(names) if n != 'woy' and n not in v1feats]
    for obj, base in [('l2', None), ('rmsse', None), ('rmsse', 'lm_combo'), ('huber', None)]:
        t = time.time()
        m = fit(tr_in, params, 800, obj, base, noorig)
        res = []
        for it in (100, 200, 300, 400, 600, 800):
            res.append((it, round(score(predict(m, va, base, noorig, obj, tr_in['z'], it), va)[0], 4)))
        best = min(res, key=lambda x: x[1])
        m2 = fit(tr_full, params, best[0], obj, base, noorig)
        sc = score(predict(m2, te, base, noorig, obj, tr_full['z']), te)
        # also test at all iteration counts for info only (not for selection)
        print(obj, base, res, 'chosen', best, 'TEST', np.round(sc, 4), '%.0fs' % (time.time() - t), flush=True)

if ex == "v2":
    v2feats = v1feats - {'xmas_kw', 'dec_aff', 'slope8'}
    tr_in = cat(D, list(range(8, MAXTRAIN - H + 1))); va = cat(D, [MAXTRAIN])
    tr_full = cat(D, list(range(8, MAXTRAIN + 1))); te = cat(D, [TEST_O])
    names = tr_in['names']; jc = names.index('lm_combo')
    P0 = dict(learning_rate=0.03, num_leaves=15, min_data_in_leaf=200, feature_fraction=0.7, bagging_fraction=0.8, bagging_freq=1, lambda_l2=10)
    shop = {'g4_4','g4_8','g4_13','ginv4_13','woy'}
    new = {'xmas_kw','dec_aff','slope8'}
    variants = {
     'base_noshop_nonew': ([j for j,n in enumerate(names) if n not in shop|new|v2feats], P0, 8),
     'noshop+new': ([j for j,n in enumerate(names) if n not in shop|v2feats], P0, 8),
     'shop+new': ([j for j,n in enumerate(names) if n != 'woy' and n not in v2feats], P0, 8),
     'noshop+new_recent': ([j for j,n in enumerate(names) if n not in shop|v2feats], P0, 16),
     'noshop+new_reg': ([j for j,n in enumerate(names) if n not in shop|v2feats], dict(P0, num_leaves=7, min_data_in_leaf=500), 8),
    }
    sel = args.variants or list(variants)
    for nm in sel:
        fs, P, ostart = variants[nm]
        t = time.time()
        tri = cat(D, list(range(ostart, MAXTRAIN - H + 1))); trf = cat(D, list(range(ostart, MAXTRAIN + 1)))
        m = fit(tri, P, 800, 'rmsse', 'lm_combo', fs)
        res = [(it, round(score(predict(m, va, 'lm_combo', fs, 'rmsse', None, it), va)[0], 4)) for it in (100, 200, 400, 600, 800)]
        best = min(res, key=lambda x: x[1])
        pv = predict(m, va, 'lm_combo', fs, 'rmsse', None, best[0])
        # blend weight with combo chosen on val
        ws = np.linspace(0, 1, 11); bl = [score(w*pv + (1-w)*va['X'][:, jc], va)[0] for w in ws]; wb = ws[int(np.argmin(bl))]
        m2 = fit(trf, P, best[0], 'rmsse', 'lm_combo', fs)
        pt = predict(m2, te, 'lm_combo', fs, 'rmsse')
        print(nm, res, 'chosen', best, 'TEST', np.round(score(pt, te), 4), '| blend w=%.1f val %.4f test %s' % (wb, min(bl), np.round(score(wb*pt+(1-wb)*te['X'][:, jc], te), 4)), '%.0fs' % (time.time()-t), flush=True)
        imp = sorted(zip(m2.feature_importance('gain'), [names[j] for j in fs]))[::-1][:10]
        print('   top feats', [(n, int(g)) for g, n in imp])

if ex == "v2-anchor":
    names = D[8]['names']; jc = names.index('lm_combo')
    P0 = dict(learning_rate=0.03, num_leaves=15, min_data_in_leaf=200, feature_fraction=0.7, bagging_fraction=0.8, bagging_freq=1, lambda_l2=10)
    shop = {'g4_4','g4_8','g4_13','ginv4_13','woy'}
    V = {'gbm_shop+new': ([j for j,n in enumerate(names) if n != 'woy' and n not in V2F], P0),
         'gbm_noshop+new_reg': ([j for j,n in enumerate(names) if n not in shop|V2F], dict(P0, num_leaves=7, min_data_in_leaf=500))}
    for nm, (fs, P) in V.items():
        for vo, last in ((37, 29), (TEST_O, 37)):
            d = cat(D, [vo]); m = fit(cat(D, list(range(8, last+1))), P, 300, 'rmsse', 'lm_combo', fs)
            p = np.clip(predict(m, d, 'lm_combo', fs, 'rmsse'), 0, None); c = d['X'][:, jc]
            a = (c * d['s']).sum() / (p * d['s']).sum()
            print(nm, vo, 'gbm', np.round(score(p, d), 4), 'anchored x%.3f' % a, np.round(score(p * a, d), 4), 'avg', np.round(score((p + c) / 2, d), 4), flush=True)

if ex == "v2-origins":
    names = D[8]['names']; jc = names.index('lm_combo')
    P0 = dict(learning_rate=0.03, num_leaves=15, min_data_in_leaf=200, feature_fraction=0.7, bagging_fraction=0.8, bagging_freq=1, lambda_l2=10)
    shop = {'g4_4','g4_8','g4_13','ginv4_13','woy'}
    V = {'gbm_shop+new': ([j for j,n in enumerate(names) if n != 'woy' and n not in V2F], P0),
         'gbm_noshop+new_reg': ([j for j,n in enumerate(names) if n not in shop|V2F], dict(P0, num_leaves=7, min_data_in_leaf=500))}
    keys = ['med4','med6','trim6','ses3']
    for vo in range(33, 38):
        out = {}
        w = S.fit(S.data([vo-9, vo-8], keys), 4, True); out['combo4'] = S.rel(w, S.data([vo], keys)[0])
        va = cat(D, [vo]); tri = cat(D, list(range(8, vo-8+1)))
        for nm, (fs, P) in V.items():
            m = fit(tri, P, 400, 'rmsse', 'lm_combo', fs)
            out[nm] = {it: round(score(predict(m, va, 'lm_combo', fs, 'rmsse', None, it), va)[0], 4) for it in (100, 200, 400)}
        print(vo, out, flush=True)

if ex.startswith("v3"):
    names = D[8]['names']; print(len(names), names[-8:])
    P0 = dict(learning_rate=0.03, num_leaves=15, min_data_in_leaf=200, feature_fraction=0.7, bagging_fraction=0.8, bagging_freq=1, lambda_l2=10)
    shop = {'g4_4','g4_8','g4_13','ginv4_13','woy'}
    allf = [j for j,n in enumerate(names) if n != 'woy']; noshop = [j for j,n in enumerate(names) if n not in shop]
    V = {'eq5_all': (allf, P0, None, 1.0), 'eq5_noshop': (noshop, P0, None, 1.0),
         'eq5_noshop_win16': (noshop, P0, 16, 1.0), 'eq5_noshop_decay.9': (noshop, P0, None, 0.9), 'eq5_noshop_decay.8': (noshop, P0, None, 0.8), 'eq5_all_decay.9': (allf, P0, None, 0.9)}
    ROUNDS = (100, 200, 400)
    jb = names.index('eq5')
    def run(nm, last, evo):
        fs, P, win, dec = V[nm]
        origins = list(range(8 if win is None else max(8, last-win+1), last+1))
        tr = cat(D, origins); w = dec ** (last - tr['o']) if dec < 1 else None
        m = fit(tr, P, max(ROUNDS), 'rmsse', 'eq5', fs, wts=w)
        d = cat(D, [evo])
        return {it: score(predict(m, d, 'eq5', fs, 'rmsse', None, it), d) for it in ROUNDS}, d

if ex == "v3":
    sel = args.variants or ['eq5_all']
    for nm in sel:
        t = time.time(); vals = []
        for vo in range(33, 38):
            r, d = run(nm, vo - 8, vo); vals.append([r[it][0] for it in ROUNDS])
            if nm == sel[0]: print('   eq5 base at', vo, round(score(d['X'][:, jb], d)[0], 4))
        vals = np.array(vals); mv = vals.mean(0); bi = int(np.argmin(mv))
        r, d = run(nm, 37, TEST_O)
        print(nm, 'val per origin (best rounds)', np.round(vals[:, bi], 4), 'mean', np.round(mv, 4), 'chosen', ROUNDS[bi],
              'o37 %.4f' % vals[-1, bi], 'TEST', np.round(r[ROUNDS[bi]], 4), 'eq5 test', np.round(score(d['X'][:, jb], d), 4), '%.0fs' % (time.time()-t), flush=True)

if ex == "v3-blend":
    fs, P, win, dec = V['eq5_noshop_decay.9']
    for nm_dec in (0.9, 1.0):
        out = []
        for vo, last in [(o, o-8) for o in range(33, 38)] + [(TEST_O, 37)]:
            tr = cat(D, list(range(8, last+1))); w = nm_dec ** (last - tr['o']) if nm_dec < 1 else None
            m = fit(tr, P, 200, 'rmsse', 'eq5', fs, wts=w); d = cat(D, [vo])
            p = np.clip(predict(m, d, 'eq5', fs, 'rmsse'), 0, None); b = d['X'][:, jb]
            out.append((score(p, d), score((p + b) / 2, d)))
        print('decay', nm_dec, 'gbm val', [round(o[0][0], 4) for o in out[:5]], 'mean %.4f' % np.mean([o[0][0] for o in out[:5]]), 'TEST', np.round(out[5][0], 4))
        print('decay', nm_dec, 'blend val', [round(o[1][0], 4) for o in out[:5]], 'mean %.4f' % np.mean([o[1][0] for o in out[:5]]), 'TEST', np.round(out[5][1], 4), flush=True)

if ex == "v3-grid":
    grid = [(fsn, dec) for fsn in ('all', 'noshop') for dec in (1.0, 0.9, 0.8, 0.7)]
    for fsn, dec in grid:
        fs = allf if fsn == 'all' else noshop
        out = {}
        for vo, last in ((37, 29), (TEST_O, 37)):
            tr = cat(D, list(range(8, last+1))); w = dec ** (last - tr['o']) if dec < 1 else None
            m = fit(tr, P0, 400, 'rmsse', 'eq5', fs, wts=w); d = cat(D, [vo])
            out[vo] = {it: score(predict(m, d, 'eq5', fs, 'rmsse', None, it), d) for it in (100, 200, 400)}
        bi = min(out[37], key=lambda it: out[37][it][0])
        print(fsn, dec, 'VAL o37 %.4f (rounds %d)' % (out[37][bi][0], bi), 'TEST', np.round(out[TEST_O][bi], 4), flush=True)
