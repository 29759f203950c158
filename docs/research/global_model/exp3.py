# multi-origin inner validation: GBM vs combo on val origins 33..37 (train origins <= o-8 each)
from gbm import *
import combo2
names = D[8]['names']; jc = names.index('lm_combo')
P0 = dict(learning_rate=0.03, num_leaves=15, min_data_in_leaf=200, feature_fraction=0.7, bagging_fraction=0.8, bagging_freq=1, lambda_l2=10)
shop = {'g4_4','g4_8','g4_13','ginv4_13','woy'}
V = {'gbm_shop+new': ([j for j,n in enumerate(names) if n != 'woy'], P0),
     'gbm_noshop+new_reg': ([j for j,n in enumerate(names) if n not in shop], dict(P0, num_leaves=7, min_data_in_leaf=500))}
keys = ['med4','med6','trim6','ses3']
for vo in range(33, 38):
    out = {}
    dtr = combo2.data([vo-9, vo-8], keys); w = combo2.fit(dtr, 4, True); out['combo4'] = combo2.rel(w, combo2.data([vo], keys)[0])
    va = cat([vo]); tri = cat(list(range(8, vo-8+1)))
    for nm, (fs, P) in V.items():
        m = fit(tri, P, 400, 'rmsse', 'lm_combo', fs)
        out[nm] = {it: round(score(predict(m, va, 'lm_combo', fs, 'rmsse', None, it), va)[0], 4) for it in (100, 200, 400)}
    print(vo, out, flush=True)
