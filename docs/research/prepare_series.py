import sys, pickle, time
sys.path.insert(0, "/work/main")
import os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings"); os.environ["DJANGO_DEBUG"]="1"
import django; django.setup()
from datetime import date
from inventory_forecast.history import read_sales_csv, period_series
t=time.time()
daily, skipped = read_sales_csv("/work/main/data/online-retail/online_retail.csv.gz", "StockCode", "InvoiceDate", "Quantity",
    date_format="%Y-%m-%d %H:%M:%S", basket_column="InvoiceNo", price_column="UnitPrice", item_pattern=r"^\d{5}[A-Z]{0,2}$")
print(time.time()-t, skipped, len(daily))
weekly = period_series(daily, "W", end=date(2011,12,8))
pickle.dump(weekly, open("/tmp/fc/weekly.pkl","wb"))
h=8
kept = {k:s for k,s in weekly.items() if len(s)-h >= 8 and (s.values[:-h] > 0).sum() >= 2}
print(len(weekly), len(kept))
