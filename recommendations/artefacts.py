"""
The fitted model of a version, kept as a file through Django's storage API
(``RECOMMENDATIONS_ARTEFACT_STORAGE``, an alias of ``STORAGES``: a file under ``MEDIA_ROOT``
in the embedded shop, any backend in production), with its SHA-256 on the version.

A training run saves its winner (:func:`save`) and ranks shoppers from the file it reads back
(:func:`load`), the way work that runs elsewhere will.  A missing, unreadable or corrupt file is
an :class:`ArtefactError` that names the version, the file and what is wrong; the run that
meets it fails and the previous version keeps serving.  The file is a pickle: it is only ever
read from the shop's own storage, and only when its checksum matches the database's.
"""

import hashlib
import pickle

from django.core.files.base import ContentFile
from django.core.files.storage import storages

from . import conf


class ArtefactError(Exception):
    """A version's model file is missing, unreadable or not the one that was saved."""


def storage():
    return storages[conf.ARTEFACT_STORAGE]


def save(version, algo):
    """Store ``algo`` as ``version``'s model file; sets and saves ``version.artefact`` and
    ``artefact_sha256``."""
    data = pickle.dumps(algo, protocol=pickle.HIGHEST_PROTOCOL)
    digest = hashlib.sha256(data).hexdigest()
    name = storage().save(
        f"{conf.ARTEFACT_DIRECTORY}/version-{version.pk}-{digest[:12]}.pickle", ContentFile(data))
    version.artefact, version.artefact_sha256 = name, digest
    version.save(update_fields=["artefact", "artefact_sha256"])
    return name


_loaded = {}  # (version, checksum) -> model: the last one this process read


def load(version):
    """
    The fitted model of ``version``, checked against its checksum (:class:`ArtefactError`).
    The process keeps the last model it read: the chunks of one run that a worker ranks read
    the file once.
    """
    key = (version.pk, version.artefact_sha256)
    if key in _loaded:
        return _loaded[key]
    _loaded.clear()  # one model at a time in memory
    _loaded[key] = _read(version)
    return _loaded[key]


def forget():
    """Let the model this process read go (its run is over)."""
    _loaded.clear()


def _read(version):
    label = f"Recommender version #{version.pk}"
    if not version.artefact:
        raise ArtefactError(f"{label} has no saved model file.")
    try:
        with storage().open(version.artefact, "rb") as handle:
            data = handle.read()
    except (FileNotFoundError, OSError) as exc:
        raise ArtefactError(f"{label}: its model file {version.artefact} is missing or "
                            f"unreadable ({exc}).") from exc
    digest = hashlib.sha256(data).hexdigest()
    if digest != version.artefact_sha256:
        raise ArtefactError(f"{label}: its model file {version.artefact} is corrupt (SHA-256 "
                            f"{digest[:12]}…, saved as {version.artefact_sha256[:12]}…).")
    try:
        return pickle.loads(data)
    except Exception as exc:  # the right bytes, but not loadable here (a library changed)
        raise ArtefactError(f"{label}: its model file {version.artefact} cannot be loaded "
                            f"({type(exc).__name__}: {exc}).") from exc


def delete(names):
    """Delete the model files ``names`` (those of deleted versions); missing ones are fine."""
    store = storage()
    for name in names:
        if name:
            store.delete(name)
