#!/usr/bin/env python3
"""The registry against a Consul client nobody here wrote: py-consul (PyPI), unpatched.

Starts the registry binary given on the command line on 127.0.0.1 with a throwaway secret, derives the service
tokens the documented way (HMAC-SHA256, Services/Registry/README.md), and checks with py-consul that a service
registers, passes its TTL check, sees an HTTP and a TCP check turn passing and critical as their endpoint comes and
goes, wakes on a blocking health query within a second of a change, cannot touch another service's instances, and
deregisters. Then the key/value store: the operator writes, check-and-set guards writes, a service reads its own and
the shared configuration (recursively, as keys, and in a blocking read that wakes on a change) but neither another
service's nor anything for writing, and after a restart of the registry every key is still there. Every wait is
bounded; the registry and the probe endpoint are stopped at the end.

usage: consul-clients.py PATH/TO/registry [CLIENT-LABEL]   (the client is whichever `consul` module imports)
"""
import base64
import hashlib
import hmac
import http.server
import importlib.metadata
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

import consul

SECRET = "consul-clients-check-secret-" + os.urandom(12).hex()
CLIENT = sys.argv[2] if len(sys.argv) > 2 else "py-consul"


def mac(message):
    digest = hmac.new(SECRET.encode(), f"tradewind-registry/v1/{message}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def token(service):
    return f"service.{service}.{mac('service:' + service)}"


def operator_token():
    return f"operator.{mac('operator')}"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what, condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for: {what}")


def check(condition, message):
    if not condition:
        raise AssertionError(message)
    print(f"  ok: {message}")


def refused(who, attempts):
    """Each (what, action) must be refused with 403 (ACLPermissionDenied) when `who` tries it."""
    for attempt, action in attempts:
        try:
            action()
            raise AssertionError(f"{who} could {attempt}")
        except consul.ACLPermissionDenied:
            print(f"  ok: refused with 403: {attempt}")


class Endpoint:
    """An HTTP endpoint that can be taken down and brought back on the same port."""

    def __init__(self, port):
        self.port = port
        self.server = None

    def up(self):
        class Health(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"fine")

            def log_message(self, *args):
                pass

        http.server.ThreadingHTTPServer.allow_reuse_address = True
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Health)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def down(self):
        self.server.shutdown()
        self.server.server_close()
        self.server = None


def statuses(client, service):
    _, entries = client.health.service(service)
    return [c["Status"] for e in entries for c in e["Checks"]]


def passing_count(client, service):
    return len(client.health.service(service, passing=True)[1])


def main():
    registry_binary = os.path.abspath(sys.argv[1])
    # The client under test must be the one the label names (both install as the module `consul`).
    distribution = importlib.metadata.distribution(CLIENT)
    if os.path.realpath(distribution.locate_file("consul/__init__.py")) != os.path.realpath(consul.__file__):
        raise SystemExit(f"the imported consul module ({consul.__file__}) is not {CLIENT}'s")
    print(f"client: {CLIENT} {distribution.version}")
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="tradewind-consul-clients-")
    environment = dict(os.environ, PORT=str(port), REGISTRY_SECRET=SECRET, LOG_LEVEL="warning", HOST="127.0.0.1")
    environment.pop("REGISTRY_TOKEN", None)
    log = open(os.path.join(workdir, "registry.log"), "w")
    processes = []

    def start_registry():
        processes.append(subprocess.Popen([registry_binary], env=environment, cwd=workdir, stdout=log, stderr=subprocess.STDOUT))

    def stop_registry():
        registry = processes[-1]
        registry.terminate()
        try:
            registry.wait(timeout=10)
        except subprocess.TimeoutExpired:
            registry.kill()
        return registry.returncode

    start_registry()
    endpoint = Endpoint(free_port())
    try:
        anonymous = consul.Consul(host="127.0.0.1", port=port)
        wait_for("the registry to answer", lambda: _answers(anonymous))
        web = consul.Consul(host="127.0.0.1", port=port, token=token("web"))
        api = consul.Consul(host="127.0.0.1", port=port, token=token("api"))

        print("TTL check")
        check(web.agent.service.register("web", service_id="web-1", address="127.0.0.1", port=8000, tags=["v1"],
                                         check=consul.Check.ttl("3s")) is True, "py-consul registers web with a TTL check")
        check(passing_count(web, "web") == 0, "a new TTL check starts critical, as in Consul")
        check(web.agent.check.ttl_pass("service:web-1", notes="warming done") is True, "ttl_pass is accepted")
        check(passing_count(web, "web") == 1, "after ttl_pass web is passing")
        check(web.agent.check.ttl_warn("service:web-1") is True and statuses(web, "web") == ["warning"], "ttl_warn makes it warning")
        web.agent.check.ttl_pass("service:web-1")
        wait_for("the TTL to run out", lambda: statuses(web, "web") == ["critical"], timeout=6)
        check(True, "without reports the TTL check turns critical after 3 s")
        web.agent.check.ttl_pass("service:web-1")

        print("blocking query")
        index, _ = web.health.service("web", passing=True)
        changed_at = {}

        def fail_later():
            time.sleep(1.0)
            changed_at["t"] = time.monotonic()
            web.agent.check.ttl_fail("service:web-1")

        threading.Thread(target=fail_later).start()
        new_index, nodes = web.health.service("web", passing=True, index=index, wait="20s")
        woke = time.monotonic() - changed_at["t"]
        check(int(new_index) > int(index) and nodes == [], f"the blocking query woke on the change with a new index ({index} -> {new_index})")
        check(woke < 1.0, f"and within a second of it ({woke * 1000:.0f} ms)")

        print("HTTP check")
        endpoint.up()
        url = f"http://127.0.0.1:{endpoint.port}/health"
        check(api.agent.service.register("api", service_id="api-1", address="127.0.0.1", port=endpoint.port,
                                         check=consul.Check.http(url, interval="1s", timeout="1s")) is True,
              "py-consul registers api with an HTTP check")
        wait_for("the HTTP check to pass", lambda: passing_count(api, "api") == 1, timeout=5)
        check(True, "the registry probes the endpoint and the check passes")
        index, _ = api.health.service("api", passing=True)
        endpoint.down()
        went_down = time.monotonic()
        new_index, nodes = api.health.service("api", passing=True, index=index, wait="20s")
        check(nodes == [] and statuses(api, "api") == ["critical"],
              f"with the endpoint gone the check turns critical ({(time.monotonic() - went_down) * 1000:.0f} ms later, interval 1 s)")
        _, entries = api.health.service("api")
        check("127.0.0.1" in entries[0]["Checks"][0]["Output"], "the check output names what failed")
        endpoint.up()
        wait_for("the HTTP check to pass again", lambda: passing_count(api, "api") == 1, timeout=5)
        check(True, "with the endpoint back the check passes again")

        print("TCP check")
        check(api.agent.service.register("api", service_id="api-2", address="127.0.0.1", port=endpoint.port,
                                         check=consul.Check.tcp("127.0.0.1", endpoint.port, "1s", timeout="1s")) is True,
              "py-consul registers a second api instance with a TCP check")
        wait_for("the TCP check to pass", lambda: passing_count(api, "api") == 2, timeout=5)
        check(True, "the TCP check passes while the port accepts connections")
        endpoint.down()
        wait_for("both api checks to fail", lambda: passing_count(api, "api") == 0, timeout=5)
        check(True, "and turns critical when it stops")

        print("catalog, agent and status endpoints")
        _, services = anonymous.catalog.services()
        check(set(services) == {"web", "api"} and services["web"] == ["v1"], f"catalog.services lists both ({services})")
        _, nodes = anonymous.catalog.service("web")
        check(nodes[0]["ServiceID"] == "web-1" and nodes[0]["ServicePort"] == 8000, "catalog.service describes web-1")
        check(set(anonymous.agent.services()) == {"web-1", "api-1", "api-2"}, "agent.services lists the three instances")
        check(anonymous.agent.self()["Config"]["Datacenter"] == "dc1", "agent.self names the datacenter")
        check(anonymous.status.leader() == f"127.0.0.1:{port}", "status.leader names the registry")

        print("per-service identity")
        refused("web's token", [
            ("register as api", lambda: web.agent.service.register("api", service_id="api-9", address="203.0.113.9", port=443)),
            ("take over api-1", lambda: web.agent.service.register("web", service_id="api-1", address="203.0.113.9", port=443)),
            ("deregister api-1", lambda: web.agent.service.deregister("api-1")),
            ("fail api's check", lambda: web.agent.check.ttl_fail("service:api-1")),
            ("register without a token", lambda: anonymous.agent.service.register("web", service_id="web-9", port=1)),
        ])
        check(set(anonymous.agent.services()) == {"web-1", "api-1", "api-2"}, "nothing changed")

        print("deregister")
        check(web.agent.service.deregister("web-1") is True, "web deregisters itself")
        check(api.agent.service.deregister("api-1") is True and api.agent.service.deregister("api-2") is True, "api deregisters both")
        check(anonymous.catalog.services()[1] == {}, "the catalog is empty")

        key_value_store(anonymous, port, start_registry, stop_registry)
        print(f"{CLIENT}: every check passed")
    finally:
        if endpoint.server:
            endpoint.down()
        code = stop_registry()
        log.close()
        if code not in (0, -15):
            print(open(os.path.join(workdir, "registry.log")).read())


def key_value_store(anonymous, port, start_registry, stop_registry):
    operator = consul.Consul(host="127.0.0.1", port=port, token=operator_token())
    orders = consul.Consul(host="127.0.0.1", port=port, token=token("order-service"))
    level = "config/dev/order-service/log.level"

    print("key/value store")
    check(operator.kv.put(level, "debug", flags=7) is True, "the operator writes a key")
    index, entry = orders.kv.get(level)
    check(entry["Value"] == b"debug" and entry["Flags"] == 7 and int(index) == entry["ModifyIndex"],
          f"the service reads its own setting with its index ({index})")
    check(operator.kv.put(level, "info", cas=entry["ModifyIndex"] - 1) is False, "a write with a stale cas index is refused")
    check(operator.kv.put(level, "info", cas=entry["ModifyIndex"]) is True, "a write with the key's ModifyIndex goes through")
    check(operator.kv.put("config/dev/shared/maintenance", "off", cas=0) is True, "cas=0 creates a key")
    check(operator.kv.put("config/dev/shared/maintenance", "on", cas=0) is False, "and refuses to overwrite it")
    check(operator.kv.put("config/dev/cart-service/log.level", "warning") is True, "the operator writes another service's key")
    _, entries = orders.kv.get("config/dev/", recurse=True)
    check([e["Key"] for e in entries] == [level, "config/dev/shared/maintenance"],
          "a recursive read shows the service its own and the shared settings only")
    _, keys = operator.kv.get("config/dev/", keys=True, separator="/")
    check(keys == ["config/dev/cart-service/", "config/dev/order-service/", "config/dev/shared/"], f"keys with a separator ({keys})")
    index, entry = orders.kv.get("config/dev/order-service/none")
    check(entry is None and int(index) > 0, "a missing key reads as None, with an index")

    print("blocking read")
    index, entry = orders.kv.get(level)
    changed_at = {}

    def change_later():
        time.sleep(1.0)
        changed_at["t"] = time.monotonic()
        operator.kv.put(level, "trace")

    threading.Thread(target=change_later).start()
    new_index, entry = orders.kv.get(level, index=index, wait="20s")
    woke = time.monotonic() - changed_at["t"]
    check(entry["Value"] == b"trace" and int(new_index) > int(index), f"the blocking read returned the new value ({index} -> {new_index})")
    check(woke < 1.0, f"within a second of the write ({woke * 1000:.0f} ms)")

    print("per-prefix access")
    refused("the order service's token", [
        ("write its own setting", lambda: orders.kv.put(level, "x")),
        ("delete its own settings", lambda: orders.kv.delete("config/dev/order-service/", recurse=True)),
        ("read another service's setting", lambda: orders.kv.get("config/dev/cart-service/log.level")),
        ("read without a token", lambda: anonymous.kv.get(level)),
    ])
    check(orders.kv.get(level)[1]["Value"] == b"trace", "nothing changed")

    # The gateway's token reads the gateway's settings and changes nothing, in the store or the catalog.
    gateway = consul.Consul(host="127.0.0.1", port=port, token=f"reader.gateway.{mac('reader:gateway')}")
    limit = "config/dev/gateway/route.orders.rateLimit.burst"
    check(operator.kv.put(limit, "80") is True, "the operator sets a gateway route value")
    check(gateway.kv.get(limit)[1]["Value"] == b"80", "the gateway's reader token reads it")
    refused("the gateway's reader token", [
        ("write its own setting", lambda: gateway.kv.put(limit, "1000")),
        ("read a service's setting", lambda: gateway.kv.get(level)),
        ("register an instance of its own name", lambda: gateway.agent.service.register("gateway", service_id="gateway-x", port=1)),
    ])

    print("values checked when written")
    for key, value in [(level, "loudest"), (limit, "0"), ("config/dev/gateway/routes", "[]")]:
        try:
            operator.kv.put(key, value)
            raise AssertionError(f"{key} = {value!r} was stored")
        except consul.ConsulException as error:
            check("422" in str(error) or "must" in str(error), f"refused: {key} = {value!r} ({str(error)[:120]})")
    check(orders.kv.get(level)[1]["Value"] == b"trace" and gateway.kv.get(limit)[1]["Value"] == b"80", "nothing changed")
    check(operator.kv.delete(limit) is True, "the gateway route value is removed")

    print("restart")
    index, _ = operator.kv.get("config/", recurse=True)
    stop_registry()
    start_registry()
    wait_for("the registry to answer again", lambda: _answers(anonymous))
    new_index, entries = operator.kv.get("config/", recurse=True)
    check(len(entries) == 3 and orders.kv.get(level)[1]["Value"] == b"trace", "every key is still there after a restart")
    check(int(new_index) >= int(index), f"and the index did not go back ({index} -> {new_index})")
    check(operator.kv.delete("config/", recurse=True) is True and operator.kv.get("config/", keys=True)[1] in (None, []),
          "a recursive delete empties the store")


def _answers(client):
    try:
        client.status.leader()
        return True
    except Exception:
        return False


if __name__ == "__main__":
    main()
