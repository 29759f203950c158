"""Who may use the app's dashboard pages: one rule for the views and the dashboard menu."""

# Oscar's notation (``oscar.views.decorators.check_permissions``: every one required).  Viewing
# needs what Oscar's own stock-alert list needs (``partner.view_stockalert``) and staff status;
# acknowledging an alert changes it.
VIEW_PERMISSIONS = ["is_staff", "partner.view_stockalert"]
ACKNOWLEDGE_PERMISSIONS = ["is_staff", "inventory_forecast.change_stockriskalert"]


def dashboard_access(user, url_name=None, url_args=None, url_kwargs=None):
    """
    The ``access_fn`` of the app's entries in ``OSCAR_DASHBOARD_NAVIGATION``: true when ``user``
    may open the pages.  Oscar's default access function only knows URLs of its own dashboard
    apps.  Importable from a settings module: nothing is imported before it is called.
    """
    from oscar.views.decorators import check_permissions

    return check_permissions(user, VIEW_PERMISSIONS)
