"""
statsforecast baselines on the weekly protocol of docs/evaluation.md (3,362 series, last 8 weeks
held out): the Naive, IMAPA / WindowAverage 8 and "equal combination" rows of
docs/research/README.md, with RMSSE relative to Naive, WAPE and bias for every model.

Run from the repository root (about 1-2 minutes; AutoETS adds several minutes with --ets):
    python docs/research/baseline_forecasts.py [--csv ...] [--ets] [--limit N]
"""
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import HO, eligible, parser, read_lines, scale2, scores, weekly_panel

p = parser("statsforecast baselines (docs/research/README.md)")
p.add_argument("--ets", action="store_true", help="also AutoETS (slow)")
p.add_argument("--limit", type=int, default=None, help="only the first N series (a quick check; figures differ)")
args = p.parse_args()

from statsforecast.models import (ADIDA, IMAPA, TSB, AutoETS, CrostonOptimized, CrostonSBA, HistoricAverage, Naive,
                                  SimpleExponentialSmoothingOptimized, WindowAverage)

lines, codes, W = read_lines(args.csv, ("InvoiceNo", "StockCode", "Quantity", "InvoiceDate", "UnitPrice"))
Y, _first = weekly_panel(lines, len(codes), W)
T = W - HO
keep = np.where(eligible(Y[:, :T]))[0][:args.limit]
print(f"{len(keep)} series")
trains = [Y[i, :T][~np.isnan(Y[i, :T])] for i in keep]
A = Y[keep, T:]
s2 = scale2(Y[keep, :T])
naive = Y[keep, T - 1]

models = {"naive": Naive, "wa8": lambda: WindowAverage(8), "wa4": lambda: WindowAverage(4),
          "wa13": lambda: WindowAverage(13), "imapa": IMAPA, "adida": ADIDA, "tsb": lambda: TSB(0.1, 0.1),
          "croston_opt": CrostonOptimized, "sba": CrostonSBA, "ses": SimpleExponentialSmoothingOptimized,
          "hist": HistoricAverage}
if args.ets:
    models["ets"] = AutoETS
F = {}
print(f"{'model':<34}{'rel Naive':>10}{'RMSSE':>8}{'WAPE':>8}{'bias':>8}{'s':>6}")
def show(name, f, seconds=0.0):
    s = scores(A, f, s2, naive)
    print(f"{name:<34}{s['rel']:>10.4f}{s['rmsse']:>8.4f}{s['wape']:>8.4f}{s['bias']:>+8.4f}{seconds:>6.1f}", flush=True)
for name, make in models.items():
    t = time.time()
    F[name] = np.clip(np.array([make().forecast(y=y, h=HO)["mean"] for y in trains]), 0, None)
    show(name, F[name], time.time() - t)
show("equal combination wa8, wa4, imapa, ses", (F["wa8"] + F["wa4"] + F["imapa"] + F["ses"]) / 4)
