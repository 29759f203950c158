"""
The shared core of django-oscar-insights: what both ``recommendations`` and
``inventory_forecast`` need, and imports neither of them.

* ``conf`` — the app-settings helper (prefixed Django settings with defaults);
* ``db`` — chunked id look-ups (SQLite caps the parameters of a query);
* ``registry`` — components named by dotted path in settings, with their system check;
* ``models`` / ``runs`` — background runs (training, forecasting): one lock, heartbeat,
  failure, atomic publishing and pruning, the same on every database Oscar supports;
* ``background`` — queueing Celery tasks from a request without ever costing it;
* ``orders`` — net units of Oscar's order lines after cancellations;
* ``csvfiles`` — the one order-lines CSV reader of the analytics commands;
* ``importing`` — the order-history importer (``import_order_history``) and its signal.
"""
