from gbm import *
import itertools
tr_in = cat(list(range(8, MAXTRAIN - H + 1)))   # 8..29
va = cat([MAXTRAIN])
tr_full = cat(list(range(8, MAXTRAIN + 1)))
te = cat([TEST_O])
names = tr_in['names']
print('lm_combo val', score(va['X'][:, names.index('lm_combo')], va), 'test', score(te['X'][:, names.index('lm_combo')], te))
params = dict(learning_rate=0.03, num_leaves=15, min_data_in_leaf=200, feature_fraction=0.7, bagging_fraction=0.8, bagging_freq=1, lambda_l2=10)
noorig = [j for j, n in enumerate(names) if n != 'woy']
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
