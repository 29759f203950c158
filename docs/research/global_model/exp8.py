from exp5 import *
# grid on protocol validation (o=37, train <=29) over feature set x recency decay; rounds chosen on o=37 from {100,200,400}
grid = [(fsn, dec) for fsn in ('all', 'noshop') for dec in (1.0, 0.9, 0.8, 0.7)]
for fsn, dec in grid:
    fs = allf if fsn == 'all' else noshop
    out = {}
    for vo, last in ((37, 29), (TEST_O, 37)):
        tr = cat(list(range(8, last+1))); w = dec ** (last - tr['o']) if dec < 1 else None
        m = fit(tr, P0, 400, 'rmsse', 'eq5', fs, wts=w); d = cat([vo])
        out[vo] = {it: score(predict(m, d, 'eq5', fs, 'rmsse', None, it), d) for it in (100, 200, 400)}
    bi = min(out[37], key=lambda it: out[37][it][0])
    print(fsn, dec, 'VAL o37 %.4f (rounds %d)' % (out[37][bi][0], bi), 'TEST', np.round(out[TEST_O][bi], 4), flush=True)
