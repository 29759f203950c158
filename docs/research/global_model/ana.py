from gbm import *
import pandas as pd
from lib import Y, first
P = np.load('/tmp/fc2/panel.npz', allow_pickle=True); codes = P['codes']
df = pd.read_csv('/work/main/data/online-retail/online_retail.csv.gz', dtype={'StockCode':str}, usecols=['StockCode','Description'])
df['StockCode']=df.StockCode.str.upper(); desc = df.dropna().groupby('StockCode').Description.agg(lambda s: s.mode().iloc[0])
names = D[8]['names']; j = names.index('lm_combo')
xmas_kw = np.array([any(w in str(desc.get(c,'')).upper() for w in ('CHRISTMAS','XMAS','ADVENT','SANTA','REINDEER','SNOWFLAKE','NATIVITY','BAUBLE','TREE')) for c in codes])
dec10 = np.nansum(Y[:, 0:3],1)  # weeks 0..2 = Nov26..Dec16 2010
meanall = np.nanmean(Y[:, :TEST_O+1],1)
aff = dec10/3/np.maximum(meanall,1e-9)
for o in (29, 33, 37, TEST_O):
    d = D[o]; f = d['X'][:, j]; i = d['i']
    r = np.sqrt(((d['Zt'] - np.clip(f,0,None)[:, None])**2).mean(1))
    naive = np.sqrt(((d['Zt'] - d['X'][:, 0][:, None])**2).mean(1)).mean()
    xm = xmas_kw[i]; hasdec = first[i] <= 1; hi = aff[i] > 2
    print(o, 'n xmas', xm.sum(), 'share of rmsse sum xmas %.3f' % (r[xm].sum()/r.sum()), 'mean rmsse xmas %.3f other %.3f' % (r[xm].mean(), r[~xm].mean()))
    for grp, g in (('xmaskw', xm), ('dec-aff>2', hi & hasdec)):
        best = (9, 0, 0)
        for k1 in np.arange(0.6, 3.01, 0.1):
            for k2 in np.arange(0.6, 1.61, 0.05):
                ff = np.where(g, f*k1, f*k2)
                rr = np.sqrt(((d['Zt'] - np.clip(ff,0,None)[:, None])**2).mean(1)).mean()/naive
                if rr < best[0]: best = (rr, k1, k2)
        print('   oracle group mult', grp, g.sum(), np.round(best, 3))
