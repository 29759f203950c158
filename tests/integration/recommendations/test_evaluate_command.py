"""evaluate_recommendations on a CSV, and the purchases reader behind it."""

import gzip
import random
from datetime import datetime, timedelta

import pytest
from django.core.management import CommandError, call_command

from recommendations.datasets import read_purchases_csv

HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"


def synthetic_csv(path, users=40, days=100, seed=3):
    """Shoppers with two tastes (mugs or vases) buying over ``days``, gzip-compressed."""
    rng = random.Random(seed)
    start = datetime(2011, 1, 1, 9)
    rows = []
    invoice = 500000
    for day in range(days):
        for _ in range(3):
            user = rng.randrange(users)
            taste = ["10001", "10002", "10003", "10004"] if user % 2 else ["20001", "20002", "20003", "20004"]
            invoice += 1
            for code in rng.sample(taste, 2):
                when = (start + timedelta(days=day)).strftime("%Y-%m-%d %H:%M:%S")
                rows.append(f"{invoice},{code},ITEM,{rng.randint(1, 6)},{when},1.50,{12000 + user},UK\n")
    rows.append(f"C{invoice},10001,ITEM,-1,2011-04-01 10:00:00,1.50,12001,UK\n")
    rows.append(f"{invoice + 1},POST,POSTAGE,1,2011-04-01 10:00:00,5.00,12001,UK\n")
    rows.append(f"{invoice + 2},10001,ITEM,1,2011-04-01 10:00:00,1.50,,UK\n")
    with gzip.open(path, "wt") as handle:
        handle.write(HEADER + "".join(rows))
    return path


def test_reader_cleans_as_the_protocol_says(tmp_path):
    log, skipped = read_purchases_csv(synthetic_csv(tmp_path / "lines.csv.gz"))
    assert skipped == {"cancellation": 1, "not a product": 1, "no user": 1}
    assert len(log) == 100 * 3 * 2
    user, item, when, basket = log.purchases()[0]
    assert user.startswith("120") and item[0] in "12" and basket.startswith("5")


def test_command_prints_every_candidate_against_popularity(tmp_path, capsys):
    path = synthetic_csv(tmp_path / "lines.csv.gz")
    call_command("evaluate_recommendations", str(path), "--algorithms", "ease,baseline,blend")
    out = capsys.readouterr().out
    assert "lambda_" in out  # the parameters tuned on the validation split are shown
    out = out.split("Bought together")[0]  # the hold-out table; the basket one follows
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines()
            if line.split() and line.split()[0] in ("popularity", "ease", "baseline", "blend")}
    assert set(rows) == {"popularity", "ease", "baseline", "blend"}
    # Two clear tastes: EASE must beat popularity on new-items NDCG@10.
    assert float(rows["ease"][0]) > float(rows["popularity"][0])
    assert "Published for the new-items protocol:" in out


def test_command_reads_any_column_names(tmp_path, capsys):
    path = tmp_path / "events.csv"
    lines = ["who,what,when\n"] + [
        f"u{u},i{(u + k) % 6},2011-01-{1 + (u * 7 + k * 5) % 28:02d}T10:00\n"
        for u in range(30) for k in range(4)
    ]
    path.write_text("".join(lines))
    call_command(
        "evaluate_recommendations", str(path), "--user-column", "who", "--item-column", "what",
        "--timestamp-column", "when", "--basket-column", "", "--quantity-column", "",
        "--price-column", "", "--item-pattern", "", "--date-format", "%Y-%m-%dT%H:%M",
        "--algorithms", "ease",
    )
    out = capsys.readouterr().out
    assert out.startswith("120 purchases (0 rows dropped")
    assert [line.split()[0] for line in out.splitlines()[1:3]] == ["model", "popularity"]


def test_command_errors(tmp_path):
    with pytest.raises(CommandError, match="Unknown algorithm"):
        call_command("evaluate_recommendations", "x.csv", "--algorithms", "magic")
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(CommandError, match="missing column"):
        call_command("evaluate_recommendations", str(bad))


def test_command_prints_the_basket_table_for_every_registered_measure(tmp_path, capsys):
    from recommendations import conf

    path = synthetic_csv(tmp_path / "lines.csv.gz")
    # k = 2 of 8 products: a list must pick the basket's own taste to score.
    call_command("evaluate_recommendations", str(path), "--algorithms", "ease", "--k", "2")
    out = capsys.readouterr().out
    basket_part = out.split("Bought together (leave-one-out within baskets): ")[1]
    # 3 invoices of 2 items a day, Jan 1 to Apr 10 (day 99): 0.9 of the range is day 89.1,
    # floored to Mar 31 (day 89); train days 0-88 (267 baskets), test days 89-99 (33 baskets,
    # 66 pairs; the guest line's invoice holds 1 item and is not a test basket).
    assert basket_part.startswith("267 train baskets, catalogue 8, 33 test baskets, 66 (basket")
    lines = basket_part.splitlines()
    assert lines[1].split()[:4] == ["measure", "HR@2", "Recall@2", "rare"]
    rows = {line.split()[0]: [float(v) for v in line.split()[1:4]] for line in lines[2:]
            if line.split() and not line.startswith("Published")}
    assert list(rows) == ["popularity", *conf.RELATED_MEASURES]
    # Two tastes: what shares baskets with an item is its own taste; popularity lists the
    # two overall best-sellers, of one taste only.
    assert rows["co_occurrence"][1] > rows["popularity"][1] + 0.3
    assert rows[conf.BOUGHT_TOGETHER_MEASURE][1] > rows["popularity"][1] + 0.3
    assert all(0 <= hit <= 1 and 0 <= recall <= hit and rare == 0.0  # all bought >= 10 times
               for hit, recall, rare in rows.values())
    assert f"Published as 'bought together': {conf.BOUGHT_TOGETHER_MEASURE}." in out
