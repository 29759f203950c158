from exp5 import *
# fixed 50/50 blend of GBM (noshop, recency decay .9, 200 rounds) with eq5; and GBM alone
fs, P, win, dec = V['eq5_noshop_decay.9']
for nm_dec in (0.9, 1.0):
    out = []
    for vo, last in [(o, o-8) for o in range(33, 38)] + [(TEST_O, 37)]:
        tr = cat(list(range(8, last+1))); w = nm_dec ** (last - tr['o']) if nm_dec < 1 else None
        m = fit(tr, P, 200, 'rmsse', 'eq5', fs, wts=w); d = cat([vo])
        p = np.clip(predict(m, d, 'eq5', fs, 'rmsse'), 0, None); b = d['X'][:, jb]
        out.append((score(p, d), score((p + b) / 2, d)))
    print('decay', nm_dec, 'gbm val', [round(o[0][0], 4) for o in out[:5]], 'mean %.4f' % np.mean([o[0][0] for o in out[:5]]), 'TEST', np.round(out[5][0], 4))
    print('decay', nm_dec, 'blend val', [round(o[1][0], 4) for o in out[:5]], 'mean %.4f' % np.mean([o[1][0] for o in out[:5]]), 'TEST', np.round(out[5][1], 4), flush=True)
