from gbm import *
import sys
tr_in = cat(list(range(8, MAXTRAIN - H + 1))); va = cat([MAXTRAIN])
tr_full = cat(list(range(8, MAXTRAIN + 1))); te = cat([TEST_O])
names = tr_in['names']; jc = names.index('lm_combo')
P0 = dict(learning_rate=0.03, num_leaves=15, min_data_in_leaf=200, feature_fraction=0.7, bagging_fraction=0.8, bagging_freq=1, lambda_l2=10)
shop = {'g4_4','g4_8','g4_13','ginv4_13','woy'}
new = {'xmas_kw','dec_aff','slope8'}
variants = {
 'base_noshop_nonew': ([j for j,n in enumerate(names) if n not in shop|new], P0, 8),
 'noshop+new': ([j for j,n in enumerate(names) if n not in shop], P0, 8),
 'shop+new': ([j for j,n in enumerate(names) if n != 'woy'], P0, 8),
 'noshop+new_recent': ([j for j,n in enumerate(names) if n not in shop], P0, 16),
 'noshop+new_reg': ([j for j,n in enumerate(names) if n not in shop], dict(P0, num_leaves=7, min_data_in_leaf=500), 8),
}
sel = sys.argv[1:] or list(variants)
for nm in sel:
    fs, P, ostart = variants[nm]
    t = time.time()
    tri = cat(list(range(ostart, MAXTRAIN - H + 1))); trf = cat(list(range(ostart, MAXTRAIN + 1)))
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
