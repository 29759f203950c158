import numpy as np, warnings
from lib import *
from scipy.optimize import minimize
warnings.simplefilter('ignore')
def cands(o):
    L = local_methods(o, 0.3)
    h = Y[:, :o+1]
    nz = np.where(h > 0, h, np.nan); mednz = np.nanmedian(nz, 1)
    hc = np.minimum(h, 2*mednz[:, None])
    x8 = lastk(o, 8); x13 = lastk(o, 13)
    c = {'med4':L[:,0],'med6':L[:,1],'trim6':L[:,2],'ses3':L[:,3],
         'mean4':np.nanmean(lastk(o,4),1),'med8':np.nanmedian(x8,1),'med13':np.nanmedian(x13,1),
         'q75_8':np.nanpercentile(x8,75,1),'cmean8':np.nanmean(hc[:, max(0,o-7):o+1],1),
         'cmean13':np.nanmean(hc[:, max(0,o-12):o+1],1),'ses1':ses_capped(o,0.1),
         'trim8':(np.nansum(x8,1)-np.nanmax(x8,1))/np.maximum((~np.isnan(x8)).sum(1)-1,1)}
    g = tot[o-3:o+1].mean()/tot[o-16:o-3].mean()
    c['med4_g'] = c['med4']*g
    c['trim6_g'] = c['trim6']*g
    return c
def data(origins, keys):
    out=[]
    for o in origins:
        e = eligible(o); c = cands(o)
        out.append((np.stack([c[k][e] for k in keys],1), targets(o)[e], scale_at(o)[e], Y[e, o]))
    return out
def loss_fn(w, dd, hm=None):
    tot_=0
    for Xc, Yt, sc, _ in dd:
        f = np.clip(Xc@w, 0, None)[:, None]
        if hm is not None: f = f*hm[None,:]
        tot_ += np.sqrt(((Yt-f)**2).mean(1)/sc).sum()
    return tot_
def fit(dd, k, convex):
    if convex:
        obj = lambda z: loss_fn(np.exp(z)/np.exp(z).sum(), dd)
        r = minimize(obj, np.zeros(k), method='Powell'); return np.exp(r.x)/np.exp(r.x).sum()
    r = minimize(lambda w: loss_fn(w, dd), np.full(k, 1.0/k), method='L-BFGS-B', bounds=[(0,None)]*k); return r.x
def rel(w, d, hm=None):
    Xc, Yt, sc, nv = d
    f = np.clip(Xc@w, 0, None)[:, None]
    if hm is not None: f = f*hm[None,:]
    return np.sqrt(((Yt-f)**2).mean(1)/sc).mean()/np.sqrt(((Yt-nv[:,None])**2).mean(1)/sc).mean()
V = TEST_O - H   # 37
if __name__ == '__main__':
    sets = {'orig4':['med4','med6','trim6','ses3'],
            'orig4_nonconvex':['med4','med6','trim6','ses3'],
            'ext':['med4','med6','trim6','ses3','mean4','med8','med13','q75_8','cmean8','cmean13','ses1','trim8'],
            'ext+g':['med4','med6','trim6','ses3','mean4','med8','med13','q75_8','cmean8','cmean13','ses1','trim8','med4_g','trim6_g'],
            'orig4+g':['med4','med6','trim6','ses3','med4_g','trim6_g']}
    for nm, keys in sets.items():
        for nfit in (2, 4):
            convex = nm == 'orig4'
            dv_tr = data(range(V-H-nfit+1, V-H+1), keys); dv = data([V], keys)[0]
            w = fit(dv_tr, len(keys), convex)
            dt_tr = data(range(V-nfit+1, V+1), keys); dt = data([TEST_O], keys)[0]
            w2 = fit(dt_tr, len(keys), convex)
            print(nm, 'nfit', nfit, 'VAL %.4f TEST %.4f' % (rel(w, dv), rel(w2, dt)), dict(zip(keys, np.round(w2, 2))), flush=True)
    