# honest multi-origin selection within the local family: val origins 33..37, weights fit on (o-9, o-8)
import numpy as np, combo3, combo2
from combo2 import data, fit, rel
sets = {'combo4': ['med4','med6','trim6','ses3'], 'combo5': ['med4','med6','trim6','ses3','oc3.0_m4']}
res = {k: [] for k in list(sets) + ['eq5']}
for vo in list(range(33, 38)) + [45]:
    ftr = [vo-9, vo-8] if vo < 45 else [36, 37]
    for nm, keys in sets.items():
        w = fit(data(ftr, keys), len(keys), True); res[nm].append(rel(w, data([vo], keys)[0]))
    keys = sets['combo5']; res['eq5'].append(rel(np.full(5, .2), data([vo], keys)[0]))
for k, v in res.items(): print(k, 'val33-37', np.round(v[:5], 4), 'mean %.4f' % np.mean(v[:5]), 'TEST %.4f' % v[5])
