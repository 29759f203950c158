import numpy as np, pandas as pd
from lib import N, T, Y
Lz = np.load('/tmp/fc2/lines.npz'); LI, LT, LQ = Lz['i'], Lz['t'], Lz['q']
def ocap_panel(o, c=3.0, win=None):
    """weekly sums of order quantities capped at c x the product's median order qty (orders in weeks <= o, optionally last win weeks)"""
    m = LT <= o
    if win: m &= LT > o - win
    med = pd.Series(LQ[m]).groupby(LI[m]).median().reindex(range(N)).values
    cap = c * med[LI]
    q = np.minimum(LQ, np.where(np.isnan(cap), LQ, cap))
    Yc = np.zeros((N, T)); sel = LT <= o
    np.add.at(Yc, (LI[sel], LT[sel]), q[sel])
    Yc[np.isnan(Y)] = np.nan
    return Yc[:, :o+1]
