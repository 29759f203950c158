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
    purchases, skipped = read_purchases_csv(synthetic_csv(tmp_path / "lines.csv.gz"))
    assert skipped == {"cancellation": 1, "not a product": 1, "no user": 1}
    assert len(purchases) == 100 * 3 * 2
    user, item, when, basket = purchases[0]
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
