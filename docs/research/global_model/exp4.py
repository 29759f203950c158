# GBM (rmsse objective boosted from combo) with and without aggregate anchoring to the combo (rule fixed before looking at test)
from gbm import *
names = D[8]['names']; jc = names.index('lm_combo')
P0 = dict(learning_rate=0.03, num_leaves=15, min_data_in_leaf=200, feature_fraction=0.7, bagging_fraction=0.8, bagging_freq=1, lambda_l2=10)
shop = {'g4_4','g4_8','g4_13','ginv4_13','woy'}
V = {'gbm_shop+new': ([j for j,n in enumerate(names) if n != 'woy'], P0),
     'gbm_noshop+new_reg': ([j for j,n in enumerate(names) if n not in shop], dict(P0, num_leaves=7, min_data_in_leaf=500))}
for nm, (fs, P) in V.items():
    for vo, last in ((37, 29), (TEST_O, 37)):
        d = cat([vo]); m = fit(cat(list(range(8, last+1))), P, 300, 'rmsse', 'lm_combo', fs)
        p = np.clip(predict(m, d, 'lm_combo', fs, 'rmsse'), 0, None); c = d['X'][:, jc]
        a = (c * d['s']).sum() / (p * d['s']).sum()
        print(nm, vo, 'gbm', np.round(score(p, d), 4), 'anchored x%.3f' % a, np.round(score(p * a, d), 4), 'avg', np.round(score((p + c) / 2, d), 4), flush=True)
