import sys; sys.path.insert(0, "/work/main")
import pickle, numpy as np, time, sys, warnings
warnings.filterwarnings("ignore")
from statsforecast.models import Naive, WindowAverage, IMAPA, ADIDA, TSB, CrostonOptimized, CrostonSBA, AutoETS, SimpleExponentialSmoothingOptimized, HistoricAverage, SeasonalNaive
weekly=pickle.load(open('/tmp/fc/weekly.pkl','rb'))
h=8
series=[(k,s.values[:-h].astype(float),s.values[-h:].astype(float)) for k,s in weekly.items() if len(s)-h>=8 and (s.values[:-h]>0).sum()>=2]
print(len(series))
models={"naive":lambda:Naive(),"wa8":lambda:WindowAverage(8),"wa4":lambda:WindowAverage(4),"wa13":lambda:WindowAverage(13),"imapa":lambda:IMAPA(),"adida":lambda:ADIDA(),"tsb":lambda:TSB(0.1,0.1),"croston_opt":lambda:CrostonOptimized(),"sba":lambda:CrostonSBA(),"ses":lambda:SimpleExponentialSmoothingOptimized(),"hist":lambda:HistoricAverage()}
if "ets" in sys.argv: models["ets"]=lambda:AutoETS()
F={}
for name,mk in models.items():
    t=time.time(); out=[]
    for k,tr,te in series:
        f=mk().forecast(y=tr,h=h)["mean"]
        out.append(np.clip(f,0,None))
    F[name]=np.array(out); print(name, round(time.time()-t,1), flush=True)
pickle.dump((series,F),open('/tmp/fc/F.pkl','wb'))
