from gbm import *
names = D[8]['names']; j = names.index('lm_combo')
ks = np.arange(0.8, 2.01, 0.05)
from lib import tot, ninv
for o in list(range(8, MAXTRAIN+1)) + [TEST_O]:
    d = D[o]
    r = [score(d['X'][:, j]*k, d)[0] for k in ks]
    b = int(np.argmin(r))
    print(o, 'best k %.2f rel %.4f (k=1: %.4f)' % (ks[b], r[b], r[4]), 'g4_13 %.2f g4_4 %.2f ginv %.2f' % tuple(d['X'][0, [names.index(n) for n in ('g4_13','g4_4','ginv4_13')]]),
          'fut/now tot %.2f' % (tot[o+1:o+9].mean()/tot[o-3:o+1].mean()))
