from combo2 import *
from ocap import ocap_panel
import combo2
base_c = combo2.cands
def cands(o):
    c = base_c(o)
    for cc in (1.5, 3.0):
        Yc = ocap_panel(o, cc)
        for k in (4, 8, 13):
            c[f'oc{cc}_m{k}'] = np.nanmean(Yc[:, max(0, o-k+1):], 1)
        Yc = ocap_panel(o, cc, 26)
        c[f'oc{cc}w_m8'] = np.nanmean(Yc[:, max(0, o-7):], 1)
    return c
combo2.cands = cands
if __name__ == '__main__':
    import sys
    sets = {'oc_only': ['oc1.5_m4','oc1.5_m8','oc1.5_m13','oc3.0_m4','oc3.0_m8','oc3.0_m13','oc1.5w_m8','oc3.0w_m8'],
            'orig4+oc3': ['med4','med6','trim6','ses3','oc3.0_m4','oc3.0_m8'],
            'orig4+oc1.5': ['med4','med6','trim6','ses3','oc1.5_m4','oc1.5_m8'],
            'orig4+ocall': ['med4','med6','trim6','ses3','oc1.5_m4','oc1.5_m8','oc1.5_m13','oc3.0_m4','oc3.0_m8','oc3.0_m13']}
    for nm, keys in sets.items():
      for convex in (True, False):
        nfit = 2
        dv_tr = data(range(V-H-nfit+1, V-H+1), keys); dv = data([V], keys)[0]
        w = fit(dv_tr, len(keys), convex)
        dt_tr = data(range(V-nfit+1, V+1), keys); dt = data([TEST_O], keys)[0]
        w2 = fit(dt_tr, len(keys), convex)
        print(nm, 'convex' if convex else 'nonneg', 'VAL %.4f TEST %.4f' % (rel(w, dv), rel(w2, dt)), dict(zip(keys, np.round(w2, 2))), flush=True)
    # single candidates
    for k in sets['oc_only']:
        dv = data([V],[k])[0]; dt = data([TEST_O],[k])[0]
        print(k, 'VAL %.4f TEST %.4f' % (rel(np.ones(1), dv), rel(np.ones(1), dt)))
    