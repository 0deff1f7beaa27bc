#!/usr/bin/env python3
"""A shopper's whole journey through the gateway of a running Tradewind stack, as the deployment checks run it.

Usage: order-flow.py GATEWAY_URL [--label TEXT] [--timeout SECONDS]

Registers a new customer, signs in, browses the catalog and one product, fills a cart, places an order and
follows it until it has shipped, then asks the public tracking page of its freight. Every step is checked; the
script exits non-zero at the first one that fails, saying which. Needs the `requests` package.
"""
import argparse
import sys
import time
import uuid

import requests

parser = argparse.ArgumentParser()
parser.add_argument("gateway")
parser.add_argument("--label", default="order flow")
parser.add_argument("--timeout", type=float, default=60, help="seconds for the order to ship")
args = parser.parse_args()
api = args.gateway.rstrip("/") + "/api"
ADDRESS = {"name": "Deploy Check", "street": "Storgatan 1", "city": "Stockholm", "postalCode": "111 22",
           "country": "SE", "destination": "SESTO"}


def expect(condition, message, answer=None):
    if not condition:
        detail = f": {answer.status_code} {answer.text[:400]}" if answer is not None else ""
        sys.exit(f"FAILED ({args.label}): {message}{detail}")
    print(f"ok  {args.label}: {message}")


email = f"deploy-{uuid.uuid4().hex[:12]}@example.com"
password = "deploy check " + uuid.uuid4().hex
session = requests.Session()

answer = session.post(f"{api}/users", json={"email": email, "password": password, "displayName": "Deploy Check"}, timeout=15)
expect(answer.status_code == 201, f"registered {email}", answer)
answer = session.post(f"{api}/oauth/token", data={"grant_type": "password", "username": email, "password": password}, timeout=15)
expect(answer.status_code == 200 and "access_token" in answer.json(), "signed in", answer)
session.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"

answer = session.get(f"{api}/products", params={"limit": 20}, timeout=15)
expect(answer.status_code == 200 and answer.json().get("items"), "the catalog lists products", answer)
products = answer.json()["items"]
in_stock = None
for product in products:
    stock = session.get(f"{api}/inventory/{product['sku']}", timeout=15)
    if stock.status_code == 200 and stock.json().get("available", 0) > 0:
        in_stock = product
        break
expect(in_stock is not None, "a listed product has stock")
answer = session.get(f"{api}/products/{in_stock['id']}", timeout=15)
expect(answer.status_code == 200 and answer.json()["sku"] == in_stock["sku"], f"product page of {in_stock['sku']}", answer)

answer = session.post(f"{api}/carts/current/items", json={"sku": in_stock["sku"], "quantity": 1}, timeout=15)
expect(answer.status_code in (200, 201), f"added {in_stock['sku']} to the cart", answer)
answer = session.get(f"{api}/carts/current", timeout=15)
expect(answer.status_code == 200 and answer.json().get("itemCount") == 1, "the cart holds one item", answer)

answer = session.post(f"{api}/orders", json={"shippingAddress": ADDRESS}, headers={"Idempotency-Key": uuid.uuid4().hex}, timeout=30)
expect(answer.status_code == 201, "placed an order", answer)
order_id = answer.json()["id"]

deadline = time.monotonic() + args.timeout
started = time.monotonic()
status, order = None, {}
while time.monotonic() < deadline:
    answer = session.get(f"{api}/orders/{order_id}", timeout=15)
    if answer.status_code != 200:
        expect(False, f"order {order_id} can be read", answer)
    order = answer.json()
    status = order["status"]
    if status in ("shipped", "failed", "cancelled"):
        break
    time.sleep(0.25)
expect(status == "shipped", f"order {order_id} shipped in {time.monotonic() - started:.1f} s (last status {status}, "
                            f"{order.get('failureReason', 'no failure reason')})")
tracking_id = (order.get("freight") or {}).get("trackingId")
expect(tracking_id, f"the shipped order carries tracking id {tracking_id}")

answer = requests.get(f"{api}/tracking/{tracking_id}", timeout=15)
expect(answer.status_code == 200 and answer.json().get("trackingId") == tracking_id,
       f"/api/tracking/{tracking_id} knows the freight", answer)
