#!/usr/bin/env python3
"""A shopper's whole journey through the gateway of a running Tradewind stack, as the deployment checks run it.

Usage: order-flow.py GATEWAY_URL [--label TEXT] [--timeout SECONDS] [--consumer PATH [--relayed-to PATH:EVENT]]

Registers a new customer, signs in, browses the catalog and one product, fills a cart, places an order and
follows it until it has shipped, sees the cart emptied (the OrderPlaced event reached the cart), then asks the
public tracking page of its freight. With ADMIN_EMAIL and ADMIN_PASSWORD in the environment it also reports the
freight received and loaded, as port staff would, and sees the order in transit (CargoHandled reached the order):
the events travel only if each consumer's subscription reached its publisher in that deployment. With --consumer
PATH (a context made by `tradewind new context ... --consumes Order.OrderPlaced`, e.g. `payments`) it also waits
for GET /api/PATH to list the item that context records for the order's OrderPlaced; with --relayed-to
PATH:EVENT (a context made with `--consumes <Consumer>.EVENT`, where the consumer was made with `--publishes EVENT`)
it then waits for GET /api/PATH to list the item recorded for the EVENT that announced that item. Every step is
checked; the script exits non-zero at the first one that fails, saying which. Needs the `requests` package.
"""
import os
import argparse
import sys
import time
import uuid

import requests

parser = argparse.ArgumentParser()
parser.add_argument("gateway")
parser.add_argument("--label", default="order flow")
parser.add_argument("--timeout", type=float, default=60, help="seconds for the order to ship")
parser.add_argument("--consumer", help="API path of a generated context that records OrderPlaced (e.g. payments)")
parser.add_argument("--relayed-to", help="PATH:EVENT of a generated context that records the consumer's published EVENT (e.g. receipts:PaymentRecorded)")
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

# OrderPlaced → cart: the consumer's subscription reached the order service.
cart_items = None
for _ in range(80):
    answer = session.get(f"{api}/carts/current", timeout=15)
    cart_items = answer.json().get("itemCount") if answer.status_code == 200 else None
    if cart_items == 0:
        break
    time.sleep(0.25)
expect(cart_items == 0, f"the cart was emptied once the order was placed (items now: {cart_items})")

# OrderPlaced → a generated context: its subscription, declared by the generator, reached the order service.
def recorded(path, title):
    """Waits for GET /api/PATH to list an item with this title, and returns it."""
    titles = []
    for _ in range(80):
        answer = session.get(f"{api}/{path}", params={"limit": 100}, timeout=15)
        if answer.status_code != 200:
            expect(False, f"GET /api/{path} through the gateway with a token", answer)
        items = answer.json().get("items", [])
        titles = [item.get("title") for item in items]
        if title in titles:
            return items[titles.index(title)]
        time.sleep(0.25)
    expect(False, f"/api/{path} recorded '{title}' (it lists: {titles[:5]})")


if args.consumer:
    item = recorded(args.consumer, f"OrderPlaced {order_id}")
    expect(True, f"/api/{args.consumer} recorded the order's OrderPlaced as {item.get('id')}")
    # The consumer announced its new item; a second generated context recorded that event: publisher → consumer.
    if args.relayed_to:
        path, _, event = args.relayed_to.partition(":")
        relayed = recorded(path, f"{event} {item.get('id')}")
        expect(True, f"/api/{path} recorded the {event} of {item.get('id')} as {relayed.get('id')}")

admin_email, admin_password = os.environ.get("ADMIN_EMAIL"), os.environ.get("ADMIN_PASSWORD")
if admin_email and admin_password:
    answer = requests.post(f"{api}/oauth/token", data={"grant_type": "password", "username": admin_email, "password": admin_password},
                           timeout=15)
    expect(answer.status_code == 200, "the administrator signed in", answer)
    admin = {"Authorization": f"Bearer {answer.json()['access_token']}"}
    answer = requests.get(f"{api}/cargos/{tracking_id}", headers=admin, timeout=15)
    expect(answer.status_code == 200 and answer.json().get("itinerary"), f"the cargo {tracking_id} is routed", answer)
    first_leg = answer.json()["itinerary"]["legs"][0]
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    for report in ({"eventType": "RECEIVE", "location": first_leg["loadLocation"]},
                   {"eventType": "LOAD", "location": first_leg["loadLocation"], "voyage": first_leg["voyage"]}):
        answer = requests.post(f"{api}/handling/events", headers=admin, timeout=15,
                               json={"completionTime": now, "trackingId": tracking_id, **report})
        expect(answer.status_code == 201, f"port staff reported {report['eventType']} in {report['location']}", answer)
    for _ in range(80):
        status = session.get(f"{api}/orders/{order_id}", timeout=15).json().get("status")
        if status == "inTransit":
            break
        time.sleep(0.25)
    expect(status == "inTransit", f"the order is in transit once its freight was loaded (status now: {status})")
