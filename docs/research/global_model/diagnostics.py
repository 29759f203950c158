"""
Diagnostics behind "Why 0.90 is out of reach" in README.md and the diagnostic rows of its
tables: the RMSSE-optimal multiplier on combo4 at every origin and shop growth (multipliers),
Christmas-group oracle multipliers (christmas), the oracle flat level and the share of RMSSE in the
top series (oracle).  Reads the GBM feature cache (built on first use, about 2 minutes; no
lightgbm needed).  Each part then takes seconds to a minute.

Run from the repository root:
    python docs/research/global_model/diagnostics.py [multipliers|christmas|oracle|all]
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _study as S  # noqa: E402
from _study import score  # noqa: E402

args = S.setup(__doc__.split("\n\n")[0], lambda p: p.add_argument(
    "what", nargs="*", help="any of " + ", ".join(["multipliers", "christmas", "oracle", "all"])))
what = set(args.what or ["all"])
if "all" in what:
    what = {"multipliers", "christmas", "oracle"}
D = S.features(args.work)
TEST_O = S.TEST_O
Y, first, tot, ninv = S.Y, S.first, S.tot, S.ninv
names = D[8]['names']; j = names.index('lm_combo')

if "multipliers" in what:
    ks = np.arange(0.8, 2.01, 0.05)
    for o in list(range(8, S.TEST_O - S.H+1)) + [TEST_O]:
        d = D[o]
        r = [score(d['X'][:, j]*k, d)[0] for k in ks]
        b = int(np.argmin(r))
        print(o, 'best k %.2f rel %.4f (k=1: %.4f)' % (ks[b], r[b], r[4]), 'g4_13 %.2f g4_4 %.2f ginv %.2f' % tuple(d['X'][0, [names.index(n) for n in ('g4_13','g4_4','ginv4_13')]]),
              'fut/now tot %.2f' % (tot[o+1:o+9].mean()/tot[o-3:o+1].mean()))

if "christmas" in what:
    codes = S.codes
    import pandas as pd
    df = pd.read_csv(args.csv, dtype={'StockCode': str}, usecols=['StockCode', 'Description'])
    df['StockCode'] = df.StockCode.str.strip().str.upper(); desc = df.dropna().groupby('StockCode').Description.agg(lambda s: s.mode().iloc[0])
    xmas_kw = np.array([any(w in str(desc.get(c,'')).upper() for w in ('CHRISTMAS','XMAS','ADVENT','SANTA','REINDEER','SNOWFLAKE','NATIVITY','BAUBLE','TREE')) for c in codes])
    dec10 = np.nansum(Y[:, 0:3],1)  # weeks 0..2 = Nov26..Dec16 2010
    meanall = np.nanmean(Y[:, :S.TEST_O+1],1)
    aff = dec10/3/np.maximum(meanall,1e-9)
    for o in (29, 33, 37, S.TEST_O):
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

if "oracle" in what:
    print('tot weeks 30..53', np.round(tot[30:]/1000).astype(int))
    for o in (29, 37, S.TEST_O):
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
