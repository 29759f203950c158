"""
What queueing the after-order re-plan costs a checkout when the broker is down, up or missing:
``oscar_insights.background.enqueue`` (one bounded attempt) against Celery's own ``delay()``.

    .venv/bin/python benchmarks/enqueue_broker_down.py [--repeat 5]

"Down" is a local port nothing listens on (connection refused); "up" the Redis and RabbitMQ on
127.0.0.1 when they run.  Each broker is measured in its own process (the shop's Celery app is
configured at start-up).  Prints the median time per call and how many calls queued a message.
"""

import argparse
import socket
import statistics
import subprocess
import sys
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


def measure(url, repeat):
    """In this process, with the shop's Celery app on broker ``url`` ("" = none configured)."""
    setup_django(**({"CELERY_BROKER_URL": url} if url else {}))
    import logging

    from celery import current_app

    from inventory_forecast.tasks import replan
    from oscar_insights.background import enqueue

    if not url:  # a shop that configured no broker: Celery's default would be amqp://localhost
        current_app.conf.broker_url = current_app.conf.broker_write_url = None
    logging.disable(logging.CRITICAL)  # enqueue logs every refusal: not what is measured
    queued = []
    ours = timed(lambda: queued.append(enqueue(replan, ([0],))), repeat)
    theirs = timed(lambda: replan.delay([0]), repeat) if url else float("nan")
    return ours, theirs, sum(q is not None for q in queued)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(*measure(args.child, args.repeat))
        return
    port = free_port()
    scenarios = {
        "Redis down (refused)": f"redis://127.0.0.1:{port}/0",
        "RabbitMQ down (refused)": f"amqp://guest:guest@127.0.0.1:{port}//",
        "Redis up": "redis://127.0.0.1:6379/13",
        "RabbitMQ up": "amqp://guest:guest@127.0.0.1:5672//",
        "no broker configured": "",
    }
    print(f"{'broker':<26}{'enqueue()':>12}{'delay()':>12}{'queued':>9}")
    for label, url in scenarios.items():
        done = subprocess.run([sys.executable, __file__, "--child", url, "--repeat",
                               str(args.repeat)], capture_output=True, text=True, timeout=600)
        if done.returncode:
            print(f"{label:<26} failed: {done.stderr.strip().splitlines()[-1]}")
            continue
        ours, theirs, queued = done.stdout.split()[-3:]
        print(f"{label:<26}{float(ours) * 1000:>10.1f}ms{float(theirs) * 1000:>10.1f}ms"
              f"{queued:>6}/{args.repeat}")


if __name__ == "__main__":
    main()
