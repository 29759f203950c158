import numpy as np, pandas as pd
df = pd.read_csv('/work/main/data/online-retail/online_retail.csv.gz', dtype={'InvoiceNo':str,'StockCode':str})
df = df[~df.InvoiceNo.str.startswith('C')]
df = df[(df.Quantity>0)&(df.UnitPrice>0)]
df['StockCode'] = df.StockCode.str.upper()
df = df[df.StockCode.str.match(r'^\d{5}[A-Z]{0,2}$')]
d = pd.to_datetime(df.InvoiceDate).dt.normalize()
end = pd.Timestamp('2011-12-08')
df = df[d<=end]; d = d[d<=end]
k = ((end - d).dt.days // 7).astype(int)   # week k ends end-7k
K = k.max(); T = K+1
df['t'] = (K - k).values   # t=0 oldest, T-1 = last
codes = np.sort(df.StockCode.unique()); ci = {c:i for i,c in enumerate(codes)}
df['i'] = df.StockCode.map(ci)
N = len(codes)
Y = np.zeros((N,T)); np.add.at(Y,(df.i.values,df.t.values),df.Quantity.values)
g = df.groupby(['i','t'])
C = np.zeros((N,T)); cc = g.CustomerID.nunique(); C[cc.index.get_level_values(0),cc.index.get_level_values(1)] = cc.values
O = np.zeros((N,T)); oc = g.InvoiceNo.nunique(); O[oc.index.get_level_values(0),oc.index.get_level_values(1)] = oc.values
R = np.zeros((N,T)); np.add.at(R,(df.i.values,df.t.values),(df.Quantity*df.UnitPrice).values)
first = (Y>0).argmax(1)
mask = np.arange(T)[None,:] >= first[:,None]
Y[~mask] = np.nan
# whole-shop weekly totals (all products in panel), invoices count
tot = np.nansum(Y,0)
ninv = df.groupby('t').InvoiceNo.nunique().reindex(range(T),fill_value=0).values
ncust = df.groupby('t').CustomerID.nunique().reindex(range(T),fill_value=0).values
print(N,T, 'weeks end', [str(end-pd.Timedelta(days=7*(K-t))) for t in (0,T-9,T-8,T-1)])
np.savez('/tmp/fc2/panel.npz', Y=Y, C=C, O=O, R=R, first=first, tot=tot, ninv=ninv, ncust=ncust, codes=codes)
