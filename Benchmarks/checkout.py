#!/usr/bin/env python3
"""Checkout benchmark: orders placed through the gateway of a running local stack.

Start the stack in release mode first, with cheap password hashing for the benchmark's customers:

    swift build -c release --product tradewind
    BCRYPT_COST=4 .build/release/tradewind up          # in another terminal, from the repository root

then run:  python3 Benchmarks/checkout.py [--gateway http://127.0.0.1:8080] [--customers 32] [--orders 400]

Closed loop (the default): each customer (registered on the fly) repeatedly fills its cart with one sample product
and places an order with an Idempotency-Key, then follows it until it is shipped. Printed: orders/s, POST /orders
latency (p50, p99), time from the answer to `confirmed` and to `shipped`, and the order service's outbox delivery
lag (from its /metrics).

Open loop (`--rate R --duration D`): R x D customers are registered and their carts filled first (directly at the
user and cart services, so that the gateway's per-address limits do not slow the preparation), then their orders
are sent through the gateway at a fixed R per second whatever the answers take; each POST's latency counts from
its scheduled send time, so a stalled server cannot hide its backlog. Then every order is followed to `shipped`.

Every order must ship; the script fails otherwise. Needs the `requests` package.
"""
import argparse
import statistics
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests

parser = argparse.ArgumentParser()
parser.add_argument("--gateway", default="http://127.0.0.1:8080")
parser.add_argument("--order-service", default="http://127.0.0.1:8085")
parser.add_argument("--customers", type=int, default=32)
parser.add_argument("--orders", type=int, default=400)
parser.add_argument("--sku", default="KIT-BW-03")
parser.add_argument("--rate", type=float, help="open loop: orders per second sent through the gateway")
parser.add_argument("--duration", type=float, default=10, help="open loop: seconds of sending")
parser.add_argument("--user-service", default="http://127.0.0.1:8081")
parser.add_argument("--cart-service", default="http://127.0.0.1:8083")
parser.add_argument("--follow-every", type=int, default=5, help="open loop: follow one order in this many to confirmed and shipped")
args = parser.parse_args()
api = args.gateway.rstrip("/") + "/api"
ADDRESS = {"name": "Bench", "street": "Storgatan 1", "city": "Stockholm", "postalCode": "111 22", "country": "SE", "destination": "SESTO"}


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def customer_session(index, users=None):
    users = users or api
    session = requests.Session()
    email = f"bench-{uuid.uuid4().hex[:12]}@example.com"
    password = "bench password 123"
    session.post(f"{users}/users", json={"email": email, "password": password, "displayName": f"Bench {index}"}, timeout=10).raise_for_status()
    answer = session.post(f"{users}/oauth/token", data={"grant_type": "password", "username": email, "password": password}, timeout=10)
    answer.raise_for_status()
    session.headers["authorization"] = "Bearer " + answer.json()["access_token"]
    return session


def follow(session, order_id, placed_at, results):
    confirmed = shipped = None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = session.get(f"{api}/orders/{order_id}", timeout=10).json().get("status")
        now = time.monotonic()
        if status in ("confirmed", "shipped", "inTransit", "delivered") and confirmed is None:
            confirmed = now - placed_at
        if status in ("shipped", "inTransit", "delivered"):
            shipped = now - placed_at
            break
        if status in ("failed", "cancelled"):
            break
        time.sleep(0.05)
    results.append((confirmed, shipped))


def run_customer(index, count, post_latencies, follow_results, errors):
    session = customer_session(index)
    for _ in range(count):
        cart = session.post(f"{api}/carts/current/items", json={"sku": args.sku, "quantity": 1}, timeout=10)
        if cart.status_code != 200:
            errors.append(f"cart: {cart.status_code} {cart.text[:200]}")
            continue
        started = time.monotonic()
        answer = session.post(f"{api}/orders", json={"shippingAddress": ADDRESS},
                              headers={"idempotency-key": uuid.uuid4().hex}, timeout=10)
        post_latencies.append(time.monotonic() - started)
        if answer.status_code != 201:
            errors.append(f"order: {answer.status_code} {answer.text[:200]}")
            continue
        follow(session, answer.json()["id"], started, follow_results)
        # The cart empties when OrderPlaced reaches the cart service; wait for it before filling it again.
        for _ in range(100):
            if session.get(f"{api}/carts/current", timeout=10).json().get("itemCount") == 0:
                break
            time.sleep(0.1)


def outbox_lag():
    try:
        text = requests.get(args.order_service.rstrip("/") + "/metrics", timeout=5).text
    except requests.RequestException:
        return None
    total = count = None
    for line in text.splitlines():
        if line.startswith("outbox_delivery_lag_seconds_sum"):
            total = float(line.split()[-1])
        elif line.startswith("outbox_delivery_lag_seconds_count"):
            count = float(line.split()[-1])
    return total / count if total is not None and count else None


def final_status(session, order_id, deadline, interval):
    """The order's status once its checkout has ended, or None if it has not by `deadline`."""
    while time.monotonic() < deadline:
        status = session.get(f"{api}/orders/{order_id}", timeout=10).json().get("status")
        if status in ("shipped", "inTransit", "delivered", "failed", "cancelled"):
            return status
        time.sleep(interval)
    return None


def open_loop():
    count = int(args.rate * args.duration)
    print(f"preparing {count} customers with a filled cart …", flush=True)

    def prepare(index):
        session = customer_session(index, users=args.user_service.rstrip("/"))
        cart = session.post(args.cart_service.rstrip("/") + "/carts/current/items", json={"sku": args.sku, "quantity": 1}, timeout=10)
        cart.raise_for_status()
        return session

    with ThreadPoolExecutor(max_workers=16) as pool:
        sessions = list(pool.map(prepare, range(count)))

    lock = threading.Lock()
    answers = []  # (scheduled send time, latency from it, status, order id)

    followed = []  # (confirmed, shipped) from the scheduled send, for the sampled orders

    def place(index, session, scheduled):
        delay = scheduled - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        try:
            answer = session.post(f"{api}/orders", json={"shippingAddress": ADDRESS}, headers={"idempotency-key": uuid.uuid4().hex}, timeout=30)
            status, order_id = answer.status_code, (answer.json().get("id") if answer.status_code == 201 else None)
        except requests.RequestException as error:
            status, order_id = str(error)[:80], None
        with lock:
            answers.append((scheduled, time.monotonic() - scheduled, status, order_id, session))
        # Polling every order every 100 ms would be load of its own: one order in `--follow-every` is followed.
        if order_id and index % args.follow_every == 0:
            sample = []
            follow(session, order_id, scheduled, sample)
            with lock:
                followed.extend(sample)

    print(f"sending {count} orders at {args.rate:g}/s through {args.gateway} …", flush=True)
    start = time.monotonic() + 0.5
    with ThreadPoolExecutor(max_workers=min(256, max(16, int(args.rate)))) as pool:
        for index, session in enumerate(sessions):
            pool.submit(place, index, session, start + index / args.rate)
    sent_for = max(scheduled + latency for scheduled, latency, *_ in answers) - start  # until the last answer
    accepted = [a for a in answers if a[2] == 201]
    latencies = [latency for _, latency, *_ in accepted]
    print(f"\n{len(accepted)} of {count} orders accepted in {sent_for:.1f} s: {len(accepted) / sent_for:.1f} orders/s offered {args.rate:g}/s")
    if latencies:
        print(f"POST /orders (from scheduled send): p50 {percentile(latencies, 0.5) * 1000:.1f} ms, p99 {percentile(latencies, 0.99) * 1000:.1f} ms, "
              f"max {max(latencies) * 1000:.1f} ms")
    refused = [a[2] for a in answers if a[2] != 201]
    if refused:
        print(f"{len(refused)} not accepted, e.g. {refused[:5]}")

    confirmed = [c for c, _ in followed if c is not None]
    sampled_shipped = [s for _, s in followed if s is not None]
    if confirmed:
        print(f"scheduled send → confirmed ({len(followed)} orders sampled, 50 ms polling): p50 {percentile(confirmed, 0.5) * 1000:.0f} ms, "
              f"p99 {percentile(confirmed, 0.99) * 1000:.0f} ms")
    if sampled_shipped:
        print(f"scheduled send → shipped   ({len(followed)} orders sampled, 50 ms polling): p50 {percentile(sampled_shipped, 0.5) * 1000:.0f} ms, "
              f"p99 {percentile(sampled_shipped, 0.99) * 1000:.0f} ms")
    # Then every order is checked once it should be done: all must ship.
    deadline = time.monotonic() + 180
    with ThreadPoolExecutor(max_workers=8) as pool:
        finals = list(pool.map(lambda a: final_status(a[4], a[3], deadline, interval=0.5), accepted))
    shipped = [status for status in finals if status in ("shipped", "inTransit", "delivered")]
    drained = time.monotonic() - start
    print(f"all {len(shipped)} accepted orders shipped; checked {drained:.1f} s after the first send")
    lag = outbox_lag()
    print(f"order-service outbox delivery lag (mean): {lag * 1000:.0f} ms" if lag is not None else "outbox lag: /metrics not reachable")
    if len(shipped) != len(accepted) or refused:
        sys.exit(f"FAILED: {len(accepted) - len(shipped)} of {len(accepted)} accepted orders did not ship, {len(refused)} refused")


if args.rate:
    open_loop()
    sys.exit(0)

post_latencies, follow_results, errors = [], [], []
per_customer = max(1, args.orders // args.customers)
started = time.monotonic()
with ThreadPoolExecutor(max_workers=args.customers) as pool:
    for future in [pool.submit(run_customer, i, per_customer, post_latencies, follow_results, errors) for i in range(args.customers)]:
        future.result()
elapsed = time.monotonic() - started

placed = len(post_latencies) - len(errors)
shipped = [s for _, s in follow_results if s is not None]
confirmed = [c for c, _ in follow_results if c is not None]
print(f"\n{placed} orders by {args.customers} customers in {elapsed:.1f} s through {args.gateway}: {placed / elapsed:.1f} orders/s "
      f"(each customer: fill cart, place, follow to shipped, wait for the cart to empty)")
if post_latencies:
    print(f"POST /orders: p50 {percentile(post_latencies, 0.5) * 1000:.1f} ms, p99 {percentile(post_latencies, 0.99) * 1000:.1f} ms")
if confirmed:
    print(f"answer → confirmed: p50 {percentile(confirmed, 0.5) * 1000:.0f} ms, p99 {percentile(confirmed, 0.99) * 1000:.0f} ms")
if shipped:
    print(f"answer → shipped:   p50 {percentile(shipped, 0.5) * 1000:.0f} ms, p99 {percentile(shipped, 0.99) * 1000:.0f} ms")
lag = outbox_lag()
print(f"order-service outbox delivery lag (mean): {lag * 1000:.0f} ms" if lag is not None else "outbox lag: /metrics not reachable")
if errors:
    print(f"{len(errors)} errors, e.g. {errors[0]}")
if len(shipped) != placed or errors:
    sys.exit(f"FAILED: {placed - len(shipped)} of {placed} orders did not ship")
