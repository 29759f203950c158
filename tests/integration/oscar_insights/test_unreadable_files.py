"""
Every CSV entry point (import_order_history, evaluate_recommendations, forecast_backtest) ends a
file it cannot read with one line naming the file, the line and the reason, and a non-zero exit,
never a traceback; rows it can skip (a NUL character, a short row, a price of 1e30) are skipped
with their reason and the rest is used.
"""

import gzip

import pytest
from django.core.management import CommandError, call_command
from oscar.core.loading import get_model

Order = get_model("order", "Order")

HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
ROWS = "".join(
    f"{600000 + n},2000{n % 3},MUG,{1 + n % 4},2011-{1 + n % 12:02d}-0{1 + n % 7} 10:00:00,"
    f"2.50,{17000 + n % 9},UK\n" for n in range(60))
COMMANDS = {
    "import_order_history": ["--no-progress"],
    "evaluate_recommendations": [],
    "forecast_backtest": ["--period", "M", "--horizon", "2", "--min-history", "2"],
}

pytestmark = pytest.mark.django_db


def not_utf8(path):
    path.write_bytes((HEADER + ROWS[:200]).encode() + b"\xff\xfe broken\n" + ROWS.encode())
    return path, "line 5: not UTF-8 text (byte 0xff)"


def truncated_gzip(path):
    data = gzip.compress((HEADER + ROWS * 50).encode())
    path.write_bytes(data[:len(data) // 2])
    return path, "the gzip file is truncated or corrupt"


def magic_only(path):
    path.write_bytes(b"\x1f\x8b")
    return path, "line 1: the gzip file is truncated or corrupt"


def huge_field(path):
    path.write_text(HEADER + ROWS[:100] + "600999,20001," + "X" * 140_000 + ",1,"
                    "2011-01-01 10:00:00,2.50,17000,UK\n" + ROWS)
    return path, "field larger than field limit (131072)"


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("make", [not_utf8, truncated_gzip, magic_only, huge_field])
def test_an_unreadable_file_ends_in_one_line_naming_file_line_and_reason(
        command, make, tmp_path):
    path, reason = make(tmp_path / "history.csv")
    with pytest.raises(CommandError) as raised:
        call_command(command, str(path), *COMMANDS[command])
    message = str(raised.value)
    assert message.startswith(f"{path}, line ") and reason in message, message
    assert "\n" not in message
    assert not Order.objects.exists()  # the importer wrote nothing


@pytest.mark.django_db(transaction=True)
def test_rows_with_a_nul_or_an_absurd_price_are_skipped_and_the_rest_imported(tmp_path,
                                                                               capsys):
    path = tmp_path / "history.csv"
    path.write_text(HEADER + "600901,20001,MUG\x00,1,2011-01-01 10:00:00,2.50,17000,UK\n"
                    "600902,20001,MUG,1,2011-01-01 10:00:00,1e30,17000,UK\n" + ROWS)
    call_command("import_order_history", str(path), "--no-progress")
    out = capsys.readouterr().out
    assert "Rows read: 62" in out
    assert "1  NUL character in a field" in out and "1  price over 1,000,000.00" in out
    assert Order.objects.count() == 60


def test_a_short_row_in_forecast_backtest_is_dropped_with_its_reason(tmp_path, capsys):
    path = tmp_path / "history.csv"
    path.write_text(HEADER + "600901,20001\n" + ROWS)
    call_command("forecast_backtest", str(path), *COMMANDS["forecast_backtest"])
    assert "unparsable date" in capsys.readouterr().out
