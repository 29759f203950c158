"""The evaluation table both ``evaluate_recommendations`` and ``train_recommendations`` print."""

from recommendations.evaluation import PROTOCOLS

COLUMNS = (("ndcg", "NDCG"), ("recall", "Recall"), ("hit_rate", "HR"), ("map", "MAP"),
           ("coverage", "cov"))


def format_table(results, baseline="popularity", protocol=None):
    """
    Lines of a table: one row per candidate of ``training.evaluate_candidates`` results, with
    each protocol's metrics, its NDCG relative to popularity, and the tuned parameters; a
    candidate that was skipped (memory budget) or failed says so, with the reason.
    """
    header = f"{'model':<14}" + "".join(
        f"{p + ' ' + label:>12}" for p in PROTOCOLS for _m, label in COLUMNS
    ) + "".join(f"{p + ' ×pop':>10}" for p in PROTOCOLS) + f"{'fit s':>8}  parameters"
    lines = [header]
    for name, result in results.items():
        if "skipped" in result or "failed" in result:
            status = "skipped" if "skipped" in result else "failed"
            lines.append(f"{name:<14}{status}: {result[status]}")
            continue
        cells = "".join(f"{result[p][m]:>12.4f}" for p in PROTOCOLS for m, _l in COLUMNS)
        ratios = "".join(
            f"{result[p]['ndcg'] / results[baseline][p]['ndcg']:>10.2f}"
            if results[baseline][p]["ndcg"] else f"{'—':>10}"
            for p in PROTOCOLS
        )
        params = result["params"]
        shown = params[protocol] if protocol else (
            params["new"] if params["new"] == params["all"] else params
        )
        lines.append(f"{name:<14}{cells}{ratios}{result['fit_seconds']:>8.1f}  {shown or ''}")
    return lines


def format_basket_table(results, k=10, baseline="popularity"):
    """
    Lines of the basket protocol's table (``selection.evaluate_measures`` results): HitRate@10,
    Recall@10, the share of listed items bought fewer than 10 times in train, each measure's
    Recall relative to popularity, fit seconds and the tuned parameters.
    """
    header = (f"{'measure':<22}{f'HR@{k}':>8}{f'Recall@{k}':>11}{'rare':>8}{'R ×pop':>8}"
              f"{'fit s':>8}  parameters")
    lines = [header]
    base = results[baseline]["recall"]
    for name, result in results.items():
        ratio = f"{result['recall'] / base:>8.2f}" if base else f"{'—':>8}"
        lines.append(f"{name:<22}{result['hit_rate']:>8.4f}{result['recall']:>11.4f}"
                     f"{result['rare_share']:>8.4f}{ratio}{result['fit_seconds']:>8.1f}"
                     f"  {result['params'] or ''}")
    return lines
