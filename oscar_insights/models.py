"""Background runs (a training run, a forecast run) and the lock that lets one run at a time."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class BackgroundRun(models.Model):
    """
    One run of a long background job whose results are published all at once.

    A run is *running* while it works (at most one per model: see :mod:`oscar_insights.runs`),
    then *current* once published (the previous current run becomes *superseded* in the same
    transaction), or *failed* with its error, its partial results deleted.  Readers always read
    the current run's results.  A concrete subclass says how to delete a run's results
    (:meth:`delete_results`).
    """

    RUNNING = "running"
    CURRENT = "current"
    SUPERSEDED = "superseded"
    FAILED = "failed"
    STATUSES = [
        (RUNNING, _("Running")),
        (CURRENT, _("Current")),
        (SUPERSEDED, _("Superseded")),
        (FAILED, _("Failed")),
    ]

    status = models.CharField(_("status"), max_length=16, choices=STATUSES, default=RUNNING)
    trigger = models.CharField(
        _("trigger"), max_length=32, blank=True,
        help_text=_("What started the run: schedule, on demand, command line."),
    )
    stage = models.CharField(_("stage"), max_length=128, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress %"), default=0)
    error = models.TextField(_("error"), blank=True)
    metrics = models.JSONField(_("metrics"), default=dict, blank=True)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    heartbeat_at = models.DateTimeField(_("last progress"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-started_at", "-id"]

    @property
    def duration(self):
        """Seconds from start to finish (or to the last progress while running)."""
        return ((self.finished_at or self.heartbeat_at) - self.started_at).total_seconds()

    @classmethod
    def delete_results(cls, run_ids):
        """Delete what the runs ``run_ids`` wrote (their rows in other tables)."""
        raise NotImplementedError(f"{cls.__name__} must say how its results are deleted.")


class RunLock(models.Model):
    """
    The lock of one kind of run: a row per run model, keyed by the model's label.  Inserting
    the row takes the lock, a primary key refuses a second one on every database (a partial
    unique index would be ignored on MySQL and MariaDB); the row names the run holding it.
    """

    name = models.CharField(_("run model"), max_length=100, primary_key=True)
    run_id = models.BigIntegerField(_("run"))
    acquired_at = models.DateTimeField(_("acquired"), default=timezone.now)

    class Meta:
        verbose_name = _("run lock")
        verbose_name_plural = _("run locks")

    def __str__(self):
        return f"{self.name} held by run {self.run_id}"


class RunPart(models.Model):
    """
    One part of a :class:`BackgroundRun` that fans out over Celery workers (a chunk of stock
    records to forecast, of shoppers to rank): done by a task of its own, retried on failure
    (:mod:`oscar_insights.fanout`).  A concrete subclass adds the ``run`` foreign key and the
    part's input and result.
    """

    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"
    STATUSES = [(PENDING, _("Pending")), (DONE, _("Done")), (FAILED, _("Failed"))]

    index = models.PositiveIntegerField(_("part"))
    status = models.CharField(_("status"), max_length=16, choices=STATUSES, default=PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error of the last attempt"), blank=True)
    worker = models.CharField(_("done by"), max_length=255, blank=True,
                              help_text=_("Host and process of the last attempt."))
    seconds = models.FloatField(_("seconds"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["index"]
