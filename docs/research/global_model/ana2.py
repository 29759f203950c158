from gbm import *
from lib import tot
names = D[8]['names']; j = names.index('lm_combo')
print('tot weeks 30..53', np.round(tot[30:]/1000).astype(int))
for o in (29, 37, TEST_O):
    d = D[o]; f = np.clip(d['X'][:, j],0,None)
    r = np.sqrt(((d['Zt'] - f[:, None])**2).mean(1))
    naive = np.sqrt(((d['Zt'] - d['X'][:, 0][:, None])**2).mean(1))
    orc = np.sqrt(d['v'])
    rs = np.sort(r)[::-1]
    print(o, 'combo rel %.4f oracleflat rel %.4f' % (r.mean()/naive.mean(), orc.mean()/naive.mean()),
          'top1%% share %.3f top5%% %.3f' % (rs[:len(rs)//100].sum()/rs.sum(), rs[:len(rs)//20].sum()/rs.sum()),
          'median r %.3f' % np.median(r), 'frac series f=0 %.3f' % (f==0).mean())
    # shape: mean scaled target by horizon / f
    print('   per-h mean Zt / mean f', np.round(d['Zt'].mean(0)/f.mean(), 2))
    # error decomposition: sqrt(v + (zbar-f)^2): how much from v
    print('   mean sqrt(v) %.3f mean |zbar-f| %.3f' % (orc.mean(), np.abs(d['z']-f).mean()))
