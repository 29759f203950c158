"""Demand patterns (Syntetos, Boylan & Croston, 2005): smooth, erratic, intermittent, lumpy."""

import numpy as np

SMOOTH = "smooth"
ERRATIC = "erratic"
INTERMITTENT = "intermittent"
LUMPY = "lumpy"
DEMAND_CLASSES = (SMOOTH, ERRATIC, INTERMITTENT, LUMPY)

ADI_CUTOFF = 1.32
CV2_CUTOFF = 0.49


def demand_stats(y):
    """
    ``(adi, cv2)`` of a demand series: ADI = periods / periods with demand (the mean interval
    between demands); CV² = squared coefficient of variation of the non-zero demand sizes.
    Missing values (NaN) are ignored.  ``(inf, 0)`` without any demand.
    """
    y = np.asarray(y, dtype=float)
    y = y[~np.isnan(y)]
    sizes = y[y > 0]
    if len(sizes) == 0:
        return float("inf"), 0.0
    adi = len(y) / len(sizes)
    mean = sizes.mean()
    cv2 = float((sizes.std() / mean) ** 2) if mean > 0 else 0.0
    return float(adi), cv2


def classify(y, adi_cutoff=ADI_CUTOFF, cv2_cutoff=CV2_CUTOFF):
    """The demand class of ``y``: ADI below ``adi_cutoff`` is regular, CV² below
    ``cv2_cutoff`` is steady in size."""
    adi, cv2 = demand_stats(y)
    regular = adi < adi_cutoff
    steady = cv2 < cv2_cutoff
    if regular:
        return SMOOTH if steady else ERRATIC
    return INTERMITTENT if steady else LUMPY
