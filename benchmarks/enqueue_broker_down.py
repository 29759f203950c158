"""
What queueing the after-order re-plan costs a checkout when the broker is down, up or missing:
``oscar_insights.background.enqueue`` (one bounded attempt) against Celery's own ``delay()``.

    .venv/bin/python benchmarks/enqueue_broker_down.py [--repeat 5]

"Down" is a Redis URL on a local port nothing listens on (connection refused at once);
"up" is the Redis on 127.0.0.1:6379 when it runs.  Prints the median time per call.
"""

import argparse
import socket
import statistics
import time

from _setup import setup_django


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def timed(call, repeat):
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        try:
            call()
        except Exception:  # delay() raises once its retries are spent
            pass
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    setup_django()
    import logging

    from celery import current_app

    from inventory_forecast.tasks import replan
    from oscar_insights.background import enqueue

    logging.disable(logging.CRITICAL)  # enqueue logs every refusal: not what is measured
    brokers = {"down (connection refused)": f"redis://127.0.0.1:{free_port()}/0"}
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
        brokers["up (Redis 127.0.0.1:6379)"] = "redis://127.0.0.1:6379/13"
    except OSError:
        pass
    print(f"{'broker':<28}{'enqueue()':>12}{'delay()':>12}")
    for label, url in brokers.items():
        current_app.conf.broker_url = url
        current_app.conf.broker_write_url = None
        current_app.pool.force_close_all()
        ours = timed(lambda: enqueue(replan, ([0],)), args.repeat)
        current_app.pool.force_close_all()
        theirs = timed(lambda: replan.delay([0]), args.repeat)
        print(f"{label:<28}{ours * 1000:>10.1f}ms{theirs * 1000:>10.1f}ms")
    current_app.conf.broker_url = None
    print(f"{'none configured':<28}{timed(lambda: enqueue(replan, ([0],)), args.repeat) * 1000:>10.1f}ms"
          f"{'(amqp://localhost)':>18}")


if __name__ == "__main__":
    main()
