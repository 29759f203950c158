"""
Queueing from a request never costs it: a broker that is down or missing makes ``enqueue``
return None with a log line, and an order placed then still commits.
"""

import logging

import pytest
from django.test import override_settings
from oscar.core.loading import get_class, get_model
from oscar.test.factories import create_order, create_product

from inventory_forecast.tasks import replan
from oscar_insights.background import broker_url, enqueue

Basket = get_model("basket", "Basket")
Order = get_model("order", "Order")
Selector = get_class("partner.strategy", "Selector")




def test_a_broker_that_is_down_costs_one_attempt_and_a_log_line(broker_down, caplog):
    with caplog.at_level(logging.WARNING, logger="oscar_insights.background"):
        assert enqueue(replan, ([1, 2],)) is None
    (record,) = caplog.records
    assert record.getMessage().startswith(
        "inventory_forecast.replan([1, 2],) not queued: the broker at redis://127.0.0.1:")
    assert "is unreachable" in record.getMessage() and record.exc_info is None  # no traceback


def test_no_broker_configured_queues_nothing_and_says_why(no_broker, caplog):
    assert broker_url() is None
    with caplog.at_level(logging.WARNING, logger="oscar_insights.background"):
        assert enqueue(replan, ([1],)) is None
    assert "not queued: no Celery broker is configured" in caplog.text


def test_the_configured_broker_takes_the_task():
    # The test settings' real broker (a folder when embedded, Redis in the service pass).
    assert broker_url()
    task_id = enqueue(replan, ([],))
    assert isinstance(task_id, str) and len(task_id) == 36


def basket_with(product):
    basket = Basket.objects.create()
    basket.strategy = Selector().strategy()
    basket.add_product(product, 2)
    return basket


@pytest.mark.django_db(transaction=True)
def test_an_order_placed_while_the_broker_is_down_commits(broker_down, caplog):
    product = create_product(num_in_stock=10)
    with caplog.at_level(logging.INFO, logger="oscar_insights.background"):
        order = create_order(basket=basket_with(product))  # commits: on_commit callbacks run
    assert Order.objects.filter(pk=order.pk).exists()
    assert "inventory_forecast.replan" in caplog.text and "not queued" in caplog.text


@pytest.mark.django_db(transaction=True)
@override_settings(INVENTORY_FORECAST_REPLAN_ON_ORDER=False)
def test_re_planning_after_orders_can_be_left_to_the_forecast_runs(broker_down, caplog):
    product = create_product(num_in_stock=10)
    with caplog.at_level(logging.INFO, logger="oscar_insights.background"):
        order = create_order(basket=basket_with(product))
    assert Order.objects.filter(pk=order.pk).exists()
    assert "inventory_forecast.replan" not in caplog.text  # nothing was even tried


@pytest.mark.parametrize("command, what", [("train_recommendations", "training"),
                                           ("run_forecasts", "forecast")])
def test_commands_say_when_their_task_cannot_be_queued(broker_down, command, what, caplog):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError) as raised:
        call_command(command, "--enqueue")
    message = str(raised.value)
    assert message.startswith(f"The {what} task could not be queued: the broker at redis://")
    assert "is unreachable" in message and "without --enqueue" in message
    assert "Traceback" not in caplog.text
