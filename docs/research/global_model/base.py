from lib import *
from scipy.optimize import minimize
o = TEST_O
el = eligible(o); print('n test series', el.sum())
for a in (0.1,0.2,0.3):
    L = local_methods(o, a)
    for j,nm in enumerate(['med4','med6','trim6','ses%.1f'%a]):
        print(nm, summary(L[:,j], o))
# combo weights fit on origins 37,36
def fitw(origins, a):
    Ls=[];Ts=[];Ss=[]
    for oo in origins:
        e=eligible(oo); Ls.append(local_methods(oo,a)[e]); Ts.append(targets(oo)[e]); Ss.append(scale_at(oo)[e])
    def loss(z):
        w=np.exp(z)/np.exp(z).sum()
        return sum(rmsse(L@w,Tt,S).sum() for L,Tt,S in zip(Ls,Ts,Ss))
    r=minimize(loss,np.zeros(4),method='Nelder-Mead'); w=np.exp(r.x)/np.exp(r.x).sum(); return w
for a in (0.1,0.2,0.3):
    w=fitw([TEST_O-8, TEST_O-9], a); L=local_methods(o,a)
    print('combo alpha',a,'w',w.round(3), summary(L@w,o))
