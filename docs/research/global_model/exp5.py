from gbm import *
import sys
names = D[8]['names']; print(len(names), names[-8:])
P0 = dict(learning_rate=0.03, num_leaves=15, min_data_in_leaf=200, feature_fraction=0.7, bagging_fraction=0.8, bagging_freq=1, lambda_l2=10)
shop = {'g4_4','g4_8','g4_13','ginv4_13','woy'}
allf = [j for j,n in enumerate(names) if n != 'woy']; noshop = [j for j,n in enumerate(names) if n not in shop]
V = {'eq5_all': (allf, P0, None, 1.0), 'eq5_noshop': (noshop, P0, None, 1.0),
     'eq5_noshop_win16': (noshop, P0, 16, 1.0), 'eq5_noshop_decay.9': (noshop, P0, None, 0.9), 'eq5_noshop_decay.8': (noshop, P0, None, 0.8), 'eq5_all_decay.9': (allf, P0, None, 0.9)}
ROUNDS = (100, 200, 400)
jb = names.index('eq5')
def run(nm, last, evo):
    fs, P, win, dec = V[nm]
    origins = list(range(8 if win is None else max(8, last-win+1), last+1))
    tr = cat(origins); w = dec ** (last - tr['o']) if dec < 1 else None
    m = fit(tr, P, max(ROUNDS), 'rmsse', 'eq5', fs, wts=w)
    d = cat([evo])
    return {it: score(predict(m, d, 'eq5', fs, 'rmsse', None, it), d) for it in ROUNDS}, d
sel = sys.argv[1:] or list(V)
if __name__ != '__main__': sel = []
for nm in sel:
    t = time.time(); vals = []
    for vo in range(33, 38):
        r, d = run(nm, vo - 8, vo); vals.append([r[it][0] for it in ROUNDS])
        if nm == sel[0]: print('   eq5 base at', vo, round(score(d['X'][:, jb], d)[0], 4))
    vals = np.array(vals); mv = vals.mean(0); bi = int(np.argmin(mv))
    r, d = run(nm, 37, TEST_O)
    print(nm, 'val per origin (best rounds)', np.round(vals[:, bi], 4), 'mean', np.round(mv, 4), 'chosen', ROUNDS[bi],
          'o37 %.4f' % vals[-1, bi], 'TEST', np.round(r[ROUNDS[bi]], 4), 'eq5 test', np.round(score(d['X'][:, jb], d), 4), '%.0fs' % (time.time()-t), flush=True)
