import numpy as np, pandas as pd
df = pd.read_csv('/work/main/data/online-retail/online_retail.csv.gz', dtype={'InvoiceNo':str,'StockCode':str})
df = df[~df.InvoiceNo.str.startswith('C')]
df = df[(df.Quantity>0)&(df.UnitPrice>0)]
df['StockCode'] = df.StockCode.str.upper()
df = df[df.StockCode.str.match(r'^\d{5}[A-Z]{0,2}$')]
d = pd.to_datetime(df.InvoiceDate).dt.normalize(); end = pd.Timestamp('2011-12-08')
df = df[d<=end]; d = d[d<=end]
k = ((end - d).dt.days // 7).astype(int); K = k.max()
P = np.load('/tmp/fc2/panel.npz', allow_pickle=True); codes = list(P['codes']); ci = {c:i for i,c in enumerate(codes)}
# aggregate to (invoice, product) so an order with repeated lines counts once
g = pd.DataFrame({'i': df.StockCode.map(ci).values, 't': (K-k).values, 'inv': df.InvoiceNo.values, 'q': df.Quantity.values}).groupby(['inv','i','t'], as_index=False).q.sum()
np.savez('/tmp/fc2/lines.npz', i=g.i.values, t=g.t.values, q=g.q.values.astype(float))
print(len(g))
