from feats import *
import pickle, time
t=time.time()
D = {o: dataset([o]) for o in range(8, TEST_O - 7)}  # origins with full targets: o<=37
D[TEST_O] = dataset([TEST_O])
pickle.dump(D, open('/tmp/fc2/data.pkl','wb'))
print(time.time()-t, {o: len(D[o]['z']) for o in D})
