#!/usr/bin/env python3
"""Checks that Tradewind's deployment files agree with how the services are configured: ports, probes,
environment, secrets, dependencies, scrape targets and dashboard queries. Schema validators check each file's
shape; this checks what they mean. Run by Deploy/validate.sh:

    check-semantics.py compose RENDERED.json           # `docker compose config --format json`
    check-semantics.py k8s base|dev|prod RENDERED.yaml  # `kubectl kustomize Deploy/k8s/...`
    check-semantics.py observability                    # prometheus.yml, Grafana provisioning and dashboard
    check-semantics.py dockerfile                       # Deploy/docker/Dockerfile
"""
import base64
import hashlib
import hmac
import ipaddress
import json
import os
import re
import sys
from urllib.parse import urlparse

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

# name: port, has a database, verifies tokens with the JWKS, services it calls, gets client_credentials tokens.
SERVICES = {
    "registry": dict(port=8500, db=False, jwks=False, calls=[], client=False),
    "user-service": dict(port=8081, db=True, jwks=False, calls=[], client=False),
    "product-service": dict(port=8082, db=True, jwks=True, calls=[], client=False),
    "cart-service": dict(port=8083, db=True, jwks=True, calls=["product-service"], client=False),
    "cargo-service": dict(port=8084, db=True, jwks=True, calls=["order-service"], client=True),
    "order-service": dict(port=8085, db=True, jwks=True, calls=["product-service", "cargo-service", "cart-service"], client=True),
    # tradewind new context: services
    "storefront": dict(port=8070, db=True, jwks=True, calls=["product-service", "user-service", "cart-service", "order-service", "cargo-service"],
                       client=False),
    "gateway": dict(port=8080, db=False, jwks=True, calls=[], client=False),
}
JWKS_URL = "http://user-service:8081/.well-known/jwks.json"
TOKEN_URL = "http://user-service:8081/oauth/token"
SEEDED = ("product-service", "cargo-service")
DB_NAME = {name: name.replace("-service", "").replace("-", "_") + "_service" for name, s in SERVICES.items() if s["db"]}
# Whose X-Forwarded-For is believed. Nobody proxies to the registry, so it believes nobody. In compose the gateway is
# the edge and believes nobody either, the services behind it its fixed address alone; in Kubernetes the gateway and
# the services believe the pod network, which the NetworkPolicies narrow down to the Ingress controller's namespace
# (for the gateway), the Tradewind pods and Prometheus' namespace (for /metrics).
NOT_PROXIED = ("registry", "gateway")
# Where the services' live settings are mounted from (Deploy/k8s/base/settings.yaml, CONFIGURATION.md).
SETTINGS_CONFIG_MAP = "tradewind-settings"
SETTINGS_DIRECTORY = "/etc/tradewind/settings"
POD_NETWORK_CONFIG_MAP, POD_NETWORK_KEY = "tradewind-network", "pod-cidr"
INGRESS_NAMESPACE, MONITORING_NAMESPACE = "ingress-nginx", "monitoring"
PRIVATE_RANGES = [ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")]


def gateway_upstreams():
    with open(os.path.join(ROOT, "Services/Gateway/routes.json")) as f:
        return sorted({route["service"] for route in json.load(f)["routes"]})


def url_variable(service):
    return service.upper().replace("-", "_") + "_URL"


class Problems:
    def __init__(self, what):
        self.what, self.items = what, []

    def expect(self, condition, message):
        if not condition:
            self.items.append(message)
        return condition

    def finish(self, summary):
        if self.items:
            for item in self.items:
                print(f"  {self.what}: {item}", file=sys.stderr)
            sys.exit(1)
        print(summary)


# --- docker-compose.yml --------------------------------------------------------------------------------------
def check_compose(path):
    with open(path) as f:
        config = json.load(f)
    p = Problems("compose")
    services = config.get("services", {})
    postgres = services.get("postgres")
    p.expect(postgres is not None, "no postgres service")
    pg_env = (postgres or {}).get("environment", {})
    init_mounts = [v for v in (postgres or {}).get("volumes", []) if v.get("target", "").startswith("/docker-entrypoint-initdb.d/")]
    p.expect(any(v.get("source", "").endswith("Deploy/compose/postgres-init.sh") for v in init_mounts),
             "postgres does not mount Deploy/compose/postgres-init.sh into /docker-entrypoint-initdb.d")
    for name, db in DB_NAME.items():
        p.expect(pg_env.get(f"{db.removesuffix('_service').upper()}_DB_PASSWORD"), f"postgres has no {db.removesuffix('_service').upper()}_DB_PASSWORD for the init script")

    upstreams = gateway_upstreams()
    proxy_addresses = compose_proxy_addresses(p, config)
    secrets = {}
    for name, spec in SERVICES.items():
        s = services.get(name)
        if not p.expect(s is not None, f"no service {name}"):
            continue
        env = s.get("environment", {})
        where = f"{name}:"
        build = s.get("build", {})
        p.expect(build.get("dockerfile") == "Deploy/docker/Dockerfile" and build.get("target") == name,
                 f"{where} not built from Deploy/docker/Dockerfile's target {name}")
        p.expect(s.get("image", "").startswith(f"tradewind/{name}:"), f"{where} image is not tradewind/{name}:TAG")
        expected = {"HOST": "0.0.0.0", "PORT": str(spec["port"]), "LOG_FORMAT": "json",
                    "REGISTRY_URL": "http://registry:8500", "ADVERTISE_ADDRESS": name}
        for key, value in expected.items():
            p.expect(env.get(key) == value, f"{where} {key} is {env.get(key)!r}, expected {value!r}")
        # Passed through, empty by default: a set LOG_LEVEL would win over the registry's log.level setting.
        p.expect("LOG_LEVEL" in env, f"{where} LOG_LEVEL is not passed through")
        if name != "registry":
            p.expect(env.get("LOG_LEVEL") in ("", None), f"{where} LOG_LEVEL is {env.get('LOG_LEVEL')!r} by default; it would hide the registry's log.level setting")
        p.expect(list(s.get("networks") or {}) == ["backend"], f"{where} should be on the network backend alone, where the gateway's address is fixed")
        trusted = env.get("TRUSTED_PROXIES") or ""
        if name in NOT_PROXIED:
            why = "nobody proxies to it" if name == "registry" else "it is the edge, its port published"
            p.expect(trusted == "", f"{where} TRUSTED_PROXIES is {trusted!r}; {why}, so by default it should believe no X-Forwarded-For")
        elif proxy_addresses:
            expected_trust = sorted(f"{address}/32" for address in proxy_addresses.values())
            believed = sorted(entry.strip() if "/" in entry else f"{entry.strip()}/32" for entry in trusted.split(",") if entry.strip())
            p.expect(believed == expected_trust,
                     f"{where} TRUSTED_PROXIES is {trusted!r}; it should be the fixed addresses of {' and '.join(proxy_addresses)}, "
                     f"{','.join(expected_trust)}, and nothing else")
        # Per-service registry identity: the registry alone holds the secret, each service only its own token,
        # the gateway (which registers nothing) one that reads its settings only.
        registry_secret = str(services.get("registry", {}).get("environment", {}).get("REGISTRY_SECRET", ""))
        if name == "registry":
            p.expect(len(registry_secret) >= 32, f"{where} REGISTRY_SECRET is not set to at least 32 characters")
            p.expect("REGISTRY_TOKEN" not in env, f"{where} the registry should hold no service token")
        elif name == "gateway":
            p.expect(env.get("REGISTRY_TOKEN") == registry_token(name, registry_secret, kind="reader"),
                     f"{where} REGISTRY_TOKEN is not the gateway's settings-reader token derived from the registry's REGISTRY_SECRET")
            p.expect("REGISTRY_SECRET" not in env, f"{where} the gateway should not hold the registry's secret")
        else:
            p.expect(env.get("REGISTRY_TOKEN") == registry_token(name, registry_secret),
                     f"{where} REGISTRY_TOKEN is not {name}'s own token derived from the registry's REGISTRY_SECRET")
            p.expect("REGISTRY_SECRET" not in env, f"{where} only the registry may hold REGISTRY_SECRET")
        p.expect("OTEL_EXPORTER_OTLP_ENDPOINT" in env, f"{where} OTEL_EXPORTER_OTLP_ENDPOINT is not passed through")
        if spec["jwks"]:
            p.expect(env.get("JWKS_URL") == JWKS_URL, f"{where} JWKS_URL is {env.get('JWKS_URL')!r}")
        if spec["db"]:
            url = urlparse(env.get("DATABASE_URL", ""))
            db = DB_NAME[name]
            p.expect(url.scheme == "postgres" and url.hostname == "postgres" and url.port == 5432
                     and url.username == db and url.path == f"/{db}",
                     f"{where} DATABASE_URL should be postgres://{db}:…@postgres:5432/{db}")
            password_variable = f"{db.removesuffix('_service').upper()}_DB_PASSWORD"
            p.expect(url.password and url.password == pg_env.get(password_variable),
                     f"{where} DATABASE_URL password differs from postgres' {password_variable}")
        if spec["client"]:
            p.expect(env.get("TOKEN_URL") == TOKEN_URL, f"{where} TOKEN_URL is {env.get('TOKEN_URL')!r}")
            p.expect(env.get("SERVICE_CLIENT_ID") == name, f"{where} SERVICE_CLIENT_ID is not {name}")
            p.expect(env.get("SERVICE_CLIENT_SECRET"), f"{where} SERVICE_CLIENT_SECRET is not set")
            secrets[name] = env.get("SERVICE_CLIENT_SECRET")
        if name in SEEDED:
            p.expect(env.get("SEED_SAMPLE_DATA") == "true", f"{where} SEED_SAMPLE_DATA should be true in compose")
        for callee in SERVICES:
            value = env.get(url_variable(callee))
            if value:
                p.expect(all(u == f"http://{callee}:{SERVICES[callee]['port']}" for u in value.split(",")),
                         f"{where} {url_variable(callee)}={value} does not point at {callee}:{SERVICES[callee]['port']}")
        hc = s.get("healthcheck", {})
        p.expect(hc.get("test") == ["CMD", "/app/service", "--health-check"], f"{where} healthcheck is {hc.get('test')}")
        p.expect(s.get("restart") == "unless-stopped", f"{where} restart is not unless-stopped")
        p.expect(s.get("read_only") is True, f"{where} root filesystem is not read-only")
        p.expect("ALL" in s.get("cap_drop", []), f"{where} does not drop all capabilities")
        p.expect("no-new-privileges:true" in s.get("security_opt", []), f"{where} lacks no-new-privileges")
        # Services start side by side once PostgreSQL and the registry are healthy (they reach each other lazily,
        # with retries, as they must on Kubernetes); the gateway comes last, so a healthy gateway means a whole stack.
        needs = {"registry"} if name != "registry" else set()
        if spec["db"]:
            needs.add("postgres")
        if name == "gateway":
            needs.update(upstreams)
        depends = s.get("depends_on", {})
        for need in sorted(needs):
            p.expect(depends.get(need, {}).get("condition") == "service_healthy",
                     f"{where} does not wait for {need} to be healthy")
        for extra in sorted(set(depends) - needs):
            p.expect(False, f"{where} waits for {extra}, which it does not need at start (a longer start chain)")

        ports = s.get("ports", [])
        if name == "gateway":
            p.expect(len(ports) == 1 and ports[0].get("target") == 8080, "gateway should publish its port 8080")
            p.expect(ports and ports[0].get("host_ip") == "127.0.0.1", "gateway should publish on the host's loopback by default")
        else:
            p.expect(not ports, f"{where} publishes ports; only the gateway may")

    user_env = services.get("user-service", {}).get("environment", {})
    p.expect(user_env.get("JWT_SIGNING_KEY") or user_env.get("JWT_SIGNING_KEY_FILE"), "user-service has no signing key")
    for key in ("ADMIN_EMAIL", "ADMIN_PASSWORD"):
        p.expect(user_env.get(key), f"user-service: {key} is not set")
    clients = dict(item.split(":", 1) for item in user_env.get("SERVICE_CLIENTS", "").split(",") if ":" in item)
    for client, secret in secrets.items():
        p.expect(clients.get(client) == secret, f"user-service SERVICE_CLIENTS has no matching secret for {client}")
    gateway_env = services.get("gateway", {}).get("environment", {})
    p.expect(gateway_env.get("GATEWAY_ROUTES_FILE") == "/app/routes.json", "gateway: GATEWAY_ROUTES_FILE is not /app/routes.json")

    # CI builds on local stand-ins for the base images (no Docker Hub there): a built service missing from that
    # override asks Docker Hub and fails only in CI's compose step, long after this check.
    with open(os.path.join(ROOT, "Deploy/ci/compose.base-images.yaml")) as f:
        stand_ins = (yaml.safe_load(f) or {}).get("services", {})
    for name, s in services.items():
        if "build" in s:
            args = ((stand_ins.get(name) or {}).get("build") or {}).get("args") or {}
            p.expect("SWIFT_IMAGE" in args, f"{name} is built but Deploy/ci/compose.base-images.yaml does not build it on the stand-in base")
        elif name == "postgres":
            p.expect((stand_ins.get(name) or {}).get("image"), "Deploy/ci/compose.base-images.yaml has no stand-in image for postgres")

    others = sorted(set(services) - set(SERVICES) - {"postgres"})
    for name in others:
        for port in services[name].get("ports", []):
            p.expect(port.get("host_ip") == "127.0.0.1", f"{name}: port {port.get('published')} is published beyond the host's loopback")
    if "prometheus" in services:
        mounts = {v.get("target"): v.get("source", "") for v in services["prometheus"].get("volumes", [])}
        p.expect(mounts.get("/etc/prometheus/prometheus.yml", "").endswith("Deploy/observability/prometheus.yml"),
                 "prometheus does not mount Deploy/observability/prometheus.yml")
    if "grafana" in services:
        mounts = {v.get("target"): v.get("source", "") for v in services["grafana"].get("volumes", [])}
        p.expect(mounts.get("/etc/grafana/provisioning", "").endswith("Deploy/observability/grafana/provisioning"),
                 "grafana does not mount the provisioning folder")
        p.expect(mounts.get("/var/lib/grafana/dashboards/tradewind", "").endswith("Deploy/observability/grafana/dashboards"),
                 "grafana does not mount the dashboards where the provider looks")
    if "jaeger" in services:
        p.expect(services["jaeger"].get("environment", {}).get("COLLECTOR_OTLP_ENABLED") == "true", "jaeger: OTLP is not enabled")
    extra = f", plus {', '.join(others)}" if others else ""
    p.finish(f"compose: {len(SERVICES)} Tradewind services and postgres{extra}: ports, env, secrets, healthchecks, start order")


# The proxies of people's requests, which name the client in X-Forwarded-For: the gateway, and the storefront when
# it signs a shopper in. Each has a fixed address on the backend network that the services behind them trust.
COMPOSE_PROXIES = ("gateway", "storefront")


def compose_proxy_addresses(p, config):
    """The fixed addresses of the proxies on the backend network, which the services behind them trust."""
    network = config.get("networks", {}).get("backend", {})
    ipam = (network.get("ipam") or {}).get("config") or []
    if not p.expect(len(ipam) == 1 and ipam[0].get("subnet"), "network backend needs one fixed subnet (ipam), for the proxies' fixed addresses"):
        return None
    p.expect(network.get("enable_ipv6") is not True, "network backend has IPv6: the proxies would reach services from addresses they do not trust")
    subnet = ipaddress.ip_network(ipam[0]["subnet"])
    dynamic = ipam[0].get("ip_range")
    addresses = {}
    for proxy in COMPOSE_PROXIES:
        attachment = (config.get("services", {}).get(proxy, {}).get("networks") or {}).get("backend") or {}
        address = attachment.get("ipv4_address")
        if not p.expect(address, f"{proxy}: no fixed ipv4_address on network backend, which the services could trust"):
            return None
        fixed = ipaddress.ip_address(address)
        p.expect(fixed in subnet, f"{proxy}: {address} is outside network backend's subnet {subnet}")
        p.expect(dynamic and fixed not in ipaddress.ip_network(dynamic),
                 f"{proxy}: {address} is not kept out of backend's ip_range, so a container started before it could take it")
        p.expect(ipam[0].get("gateway") != address, f"{proxy}: {address} is the bridge's own address on the host")
        addresses[proxy] = address
    for name, service in config.get("services", {}).items():
        address = ((service.get("networks") or {}).get("backend") or {}).get("ipv4_address")
        for proxy, fixed in addresses.items():
            p.expect(name == proxy or address != fixed, f"{name}: has the {proxy}'s address {fixed}")
    return addresses


# --- Kubernetes ----------------------------------------------------------------------------------------------
def registry_token(service, secret, kind="service"):
    """A service's registry token (kind reader: one that reads its settings only), as RegistryCredential and
    Deploy/compose/new-env.sh derive it."""
    mac = hmac.new(secret.encode(), f"tradewind-registry/v1/{kind}:{service}".encode(), hashlib.sha256).digest()
    return f"{kind}.{service}." + base64.urlsafe_b64encode(mac).decode().rstrip("=")


def check_pod_network(p, config_maps):
    """The one ConfigMap (from base/kustomization.yaml's generator, hence a hash suffix) that says the pod network."""
    found = [c for n, c in config_maps.items() if re.fullmatch(rf"{POD_NETWORK_CONFIG_MAP}(-[a-z0-9]+)?", n)]
    if not p.expect(len(found) == 1, f"expected one ConfigMap {POD_NETWORK_CONFIG_MAP} (the pod network), found {len(found)}"):
        return None
    value = found[0].get("data", {}).get(POD_NETWORK_KEY, "")
    try:
        networks = [ipaddress.ip_network(entry.strip(), strict=False) for entry in value.split(",") if entry.strip()]
    except ValueError as error:
        p.expect(False, f"ConfigMap {POD_NETWORK_CONFIG_MAP} {POD_NETWORK_KEY}: {error}")
        return found[0]
    p.expect(networks, f"ConfigMap {POD_NETWORK_CONFIG_MAP} has no {POD_NETWORK_KEY}")
    p.expect(not any(n.prefixlen == 0 for n in networks), f"{POD_NETWORK_KEY} {value} trusts every address")
    p.expect(not all(any(private.subnet_of(n) for n in networks if n.version == 4) for private in PRIVATE_RANGES),
             f"{POD_NETWORK_KEY} {value} trusts every private IPv4 range at once; it should be the cluster's pod CIDR")
    return found[0]


def check_policy_sources(p, policies):
    """The gateway and the services trust the whole pod network, so the NetworkPolicies must let in only the pods
    that may name a client: for the gateway the Ingress controller's namespace, for a service the Tradewind pods, for
    every port the monitoring namespace; never an address block or anyone at all."""
    for policy_name, policy in policies.items():
        target = policy["spec"]["podSelector"].get("matchLabels", {}).get("app.kubernetes.io/name")  # None: every Tradewind pod
        if target not in SERVICES and target is not None:
            continue  # PostgreSQL's (dev) is checked on its own
        where = f"NetworkPolicy {policy_name}:"
        for rule in policy["spec"].get("ingress", []):
            if not p.expect(rule.get("from"), f"{where} admits anyone (a rule without from)"):
                continue
            for peer in rule["from"]:
                if not p.expect("ipBlock" not in peer, f"{where} admits an ipBlock"):
                    continue
                namespace = peer.get("namespaceSelector")
                if namespace is None:
                    p.expect(target != "gateway", f"{where} admits pods of its own namespace; only the Ingress controller may reach the gateway")
                    p.expect(peer.get("podSelector", {}).get("matchLabels", {}).get("app.kubernetes.io/part-of") == "tradewind",
                             f"{where} admits pods other than Tradewind's")
                else:
                    allowed = INGRESS_NAMESPACE if target == "gateway" else MONITORING_NAMESPACE if target is None else None
                    p.expect(allowed and namespace == {"matchLabels": {"kubernetes.io/metadata.name": allowed}},
                             f"{where} admits namespaces {namespace}; expected {allowed or 'none'}")


def check_k8s(overlay, path):
    with open(path) as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    p = Problems(f"k8s {overlay}")
    by_kind = {}
    for d in docs:
        by_kind.setdefault(d["kind"], {})[d["metadata"]["name"]] = d
    namespace = {"base": None, "dev": "tradewind-dev", "prod": "tradewind"}[overlay]
    for d in docs:
        p.expect(d["metadata"].get("namespace") == namespace,
                 f"{d['kind']}/{d['metadata']['name']} is in namespace {d['metadata'].get('namespace')}, expected {namespace}")
        p.expect(d["metadata"].get("labels", {}).get("app.kubernetes.io/part-of") == "tradewind",
                 f"{d['kind']}/{d['metadata']['name']} lacks app.kubernetes.io/part-of: tradewind")
    p.expect("CustomResourceDefinition" not in by_kind, "custom resource definitions are not expected")

    secret_refs = set()
    settings = by_kind.get("ConfigMap", {}).get(SETTINGS_CONFIG_MAP)
    if p.expect(settings, f"no ConfigMap {SETTINGS_CONFIG_MAP}"):
        for key, text in settings.get("data", {}).items():
            try:
                document = json.loads(text)
            except ValueError as error:
                p.expect(False, f"{SETTINGS_CONFIG_MAP} {key} is not JSON: {error}")
                continue
            p.expect(isinstance(document, dict) and all(isinstance(v, str) for v in document.values()),
                     f"{SETTINGS_CONFIG_MAP} {key} should be one JSON object of settings with string values")
        want = {"base": "info", "dev": "debug", "prod": "info"}[overlay]
        shared = json.loads(settings.get("data", {}).get("shared.json", "{}"))
        p.expect(shared.get("log.level") == want, f"{SETTINGS_CONFIG_MAP} shared.json log.level is {shared.get('log.level')!r}, expected {want!r} in {overlay}")
    policies = by_kind.get("NetworkPolicy", {})
    upstreams = gateway_upstreams()
    pod_network = check_pod_network(p, by_kind.get("ConfigMap", {}))
    check_policy_sources(p, policies)
    for name, spec in SERVICES.items():
        where = f"{name}:"
        deployment = by_kind.get("Deployment", {}).get(name)
        service = by_kind.get("Service", {}).get(name)
        config = by_kind.get("ConfigMap", {}).get(name)
        if not (p.expect(deployment, f"no Deployment {name}") and p.expect(service, f"no Service {name}")
                and p.expect(config, f"no ConfigMap {name}")):
            continue
        data = config.get("data", {})
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        p.expect(labels.get("app.kubernetes.io/name") == name, f"{where} pod label app.kubernetes.io/name is not {name}")
        p.expect(labels.get("app.kubernetes.io/part-of") == "tradewind", f"{where} pods lack part-of: tradewind")
        pod = deployment["spec"]["template"]["spec"]
        p.expect(pod.get("automountServiceAccountToken") is False, f"{where} mounts a service account token")
        psc = pod.get("securityContext", {})
        p.expect(psc.get("runAsNonRoot") is True and psc.get("runAsUser") == 10001, f"{where} pod does not run as 10001")
        p.expect(psc.get("seccompProfile", {}).get("type") == "RuntimeDefault", f"{where} pod seccomp is not RuntimeDefault")
        containers = pod["containers"]
        p.expect(len(containers) == 1, f"{where} expected one container")
        c = containers[0]
        # base: a name only; dev: the image `docker compose build` makes; prod: the registry, the tag left to the
        # pipeline (a committed tag would name an image nobody pushed).
        image = c.get("image", "")
        expected = {"base": f"tradewind/{name}", "dev": f"tradewind/{name}:dev", "prod": f"ghcr.io/tradewind/{name}"}[overlay]
        p.expect(image == expected, f"{where} image is {image}, expected {expected}")
        p.expect(c.get("imagePullPolicy") == "IfNotPresent", f"{where} imagePullPolicy is {c.get('imagePullPolicy')}, not IfNotPresent")
        csc = c.get("securityContext", {})
        p.expect(csc.get("readOnlyRootFilesystem") is True, f"{where} root filesystem is writable")
        p.expect(csc.get("allowPrivilegeEscalation") is False, f"{where} allows privilege escalation")
        p.expect(csc.get("capabilities", {}).get("drop") == ["ALL"], f"{where} does not drop ALL capabilities")
        p.expect(csc.get("runAsNonRoot") is True and csc.get("runAsUser") == 10001, f"{where} container does not run as 10001")
        p.expect(csc.get("seccompProfile", {}).get("type") == "RuntimeDefault", f"{where} container seccomp is not RuntimeDefault")
        resources = c.get("resources", {})
        p.expect(resources.get("requests", {}).get("cpu") and resources.get("requests", {}).get("memory")
                 and resources.get("limits", {}).get("cpu") and resources.get("limits", {}).get("memory"),
                 f"{where} lacks resource requests and limits")
        ports = {port.get("name"): port.get("containerPort") for port in c.get("ports", [])}
        p.expect(ports.get("http") == spec["port"], f"{where} containerPort http is {ports.get('http')}, expected {spec['port']}")
        svc_ports = service["spec"]["ports"]
        p.expect(len(svc_ports) == 1 and svc_ports[0]["port"] == spec["port"] and svc_ports[0].get("targetPort") in ("http", spec["port"]),
                 f"{where} Service port should be {spec['port']} -> http")
        p.expect(service["spec"].get("selector") == {"app.kubernetes.io/name": name}, f"{where} Service selector is wrong")
        for probe, path_ in (("readinessProbe", "/health/ready"), ("livenessProbe", "/health/live")):
            get = c.get(probe, {}).get("httpGet", {})
            p.expect(get.get("path") == path_ and get.get("port") in ("http", spec["port"]),
                     f"{where} {probe} should GET {path_} on the http port")
        p.expect({"configMapRef": {"name": name}} in c.get("envFrom", []), f"{where} does not load ConfigMap {name}")
        env = {e["name"]: e for e in c.get("env", [])}

        def secret(variable, secret_name, key):
            ref = env.get(variable, {}).get("valueFrom", {}).get("secretKeyRef", {})
            secret_refs.add((ref.get("name"), ref.get("key")))
            return p.expect(ref.get("name") == secret_name and ref.get("key") == key,
                            f"{where} {variable} should come from Secret {secret_name} key {key}")

        p.expect(env.get("ADVERTISE_ADDRESS", {}).get("valueFrom", {}).get("fieldRef", {}).get("fieldPath") == "status.podIP",
                 f"{where} ADVERTISE_ADDRESS is not the pod IP")
        if name == "registry":
            secret("REGISTRY_SECRET", "tradewind-secrets", "registry-secret")
            p.expect("REGISTRY_TOKEN" not in env, f"{where} the registry should hold no service token")
        elif name == "gateway":
            secret("REGISTRY_TOKEN", "tradewind-secrets", "gateway-settings-token")
            p.expect("REGISTRY_SECRET" not in env, f"{where} the gateway should not hold the registry's secret")
        else:
            secret("REGISTRY_TOKEN", "tradewind-secrets", f"{name}-registry-token")
            p.expect("REGISTRY_SECRET" not in env, f"{where} only the registry may hold REGISTRY_SECRET")
        expected = {"HOST": "0.0.0.0", "PORT": str(spec["port"]), "LOG_FORMAT": "json", "REGISTRY_URL": "none"}
        for key, value in expected.items():
            p.expect(data.get(key) == value, f"{where} ConfigMap {key} is {data.get(key)!r}, expected {value!r}")
        if name == "registry":
            p.expect(data.get("TRUSTED_PROXIES") == "" and "TRUSTED_PROXIES" not in env,
                     f"{where} nobody proxies to the registry: its ConfigMap should set TRUSTED_PROXIES empty")
        else:
            ref = env.get("TRUSTED_PROXIES", {}).get("valueFrom", {}).get("configMapKeyRef", {})
            p.expect(pod_network and ref.get("name") == pod_network["metadata"]["name"] and ref.get("key") == POD_NETWORK_KEY,
                     f"{where} TRUSTED_PROXIES should come from ConfigMap {POD_NETWORK_CONFIG_MAP} key {POD_NETWORK_KEY}, the one place it is set")
            p.expect("TRUSTED_PROXIES" not in data, f"{where} its ConfigMap sets TRUSTED_PROXIES too; it comes from {POD_NETWORK_CONFIG_MAP} alone")
        if spec["jwks"]:
            p.expect(data.get("JWKS_URL") == JWKS_URL, f"{where} JWKS_URL is {data.get('JWKS_URL')!r}")
        callees = upstreams if name == "gateway" else spec["calls"]
        for callee in callees:
            p.expect(data.get(url_variable(callee)) == f"http://{callee}:{SERVICES[callee]['port']}",
                     f"{where} {url_variable(callee)} should be http://{callee}:{SERVICES[callee]['port']}")
        if spec["db"]:
            secret("DATABASE_URL", f"{name}-database", "url")
        if spec["client"]:
            p.expect(data.get("TOKEN_URL") == TOKEN_URL, f"{where} TOKEN_URL is {data.get('TOKEN_URL')!r}")
            p.expect(data.get("SERVICE_CLIENT_ID") == name, f"{where} SERVICE_CLIENT_ID is not {name}")
            secret("SERVICE_CLIENT_SECRET", "tradewind-secrets", f"{name}-client-secret")
        if name == "user-service":
            secret("ADMIN_EMAIL", "tradewind-secrets", "admin-email")
            secret("ADMIN_PASSWORD", "tradewind-secrets", "admin-password")
            secret("SERVICE_CLIENTS", "tradewind-secrets", "service-clients")
            key_file = data.get("JWT_SIGNING_KEY_FILE", "")
            volumes = {v["name"]: v for v in pod.get("volumes", [])}
            mounted = False
            for mount in c.get("volumeMounts", []):
                source = volumes.get(mount["name"], {}).get("secret", {})
                if source.get("secretName") == "tradewind-signing-key":
                    items = {i["path"]: i["key"] for i in source.get("items", [])}
                    relative = os.path.relpath(key_file, mount["mountPath"])
                    mounted = items.get(relative) == "signing-key.pem" if items else relative == "signing-key.pem"
                    secret_refs.add(("tradewind-signing-key", "signing-key.pem"))
                    mode = source.get("defaultMode", 0o644)
                    p.expect(mode & 0o040, f"{where} the signing key file is not readable by the pod's group (fsGroup)")
            p.expect(mounted, f"{where} JWT_SIGNING_KEY_FILE={key_file} is not the mounted Secret tradewind-signing-key/signing-key.pem")
        if name == "gateway":
            p.expect(data.get("GATEWAY_ROUTES_FILE") == "/app/routes.json", f"{where} GATEWAY_ROUTES_FILE is not /app/routes.json")
        if name in SEEDED and overlay in ("dev", "prod"):
            # The cargo service's sample network is the only shipping network there is, so prod keeps it too.
            want = "true" if overlay == "dev" or name == "cargo-service" else "false"
            p.expect(data.get("SEED_SAMPLE_DATA") == want, f"{where} SEED_SAMPLE_DATA should be {want} in {overlay}")
        if name == "registry":
            if overlay == "prod":
                p.expect(data.get("LOG_LEVEL") == "info", f"{where} LOG_LEVEL should be info in prod")
        else:
            # The settings that change without a restart: its own file, then the shared one, from tradewind-settings.
            files = f"{SETTINGS_DIRECTORY}/{name}.json,{SETTINGS_DIRECTORY}/shared.json"
            p.expect(data.get("SETTINGS_FILES") == files, f"{where} SETTINGS_FILES is {data.get('SETTINGS_FILES')!r}, expected {files!r}")
            p.expect("LOG_LEVEL" not in data, f"{where} its ConfigMap sets LOG_LEVEL, which would hide the log.level setting")
            volumes = {v["name"]: v for v in pod.get("volumes", [])}
            mounted = [m for m in c.get("volumeMounts", []) if m.get("mountPath") == SETTINGS_DIRECTORY]
            p.expect(len(mounted) == 1 and mounted[0].get("readOnly") is True
                     and volumes.get(mounted[0]["name"], {}).get("configMap", {}).get("name") == SETTINGS_CONFIG_MAP,
                     f"{where} does not mount ConfigMap {SETTINGS_CONFIG_MAP} read-only at {SETTINGS_DIRECTORY}")
        # Some NetworkPolicy admits traffic to this service's port.
        admitted = False
        for policy in policies.values():
            if policy["spec"]["podSelector"].get("matchLabels", {}).get("app.kubernetes.io/name") == name:
                for rule in policy["spec"].get("ingress", []):
                    admitted |= any(port.get("port") in (spec["port"], "http") for port in rule.get("ports", []))
        p.expect(admitted, f"{where} no NetworkPolicy admits traffic on port {spec['port']}")
        replicas = deployment["spec"].get("replicas")
        if overlay == "prod" and name != "registry":
            p.expect(replicas is None, f"{where} sets replicas: {replicas}; its HPA owns the count (kubectl apply would reset it)")
            hpa = by_kind.get("HorizontalPodAutoscaler", {}).get(name)
            p.expect(hpa and hpa["apiVersion"] == "autoscaling/v2" and hpa["spec"]["scaleTargetRef"]["name"] == name
                     and hpa["spec"]["minReplicas"] >= 2, f"{where} no autoscaling/v2 HPA with minReplicas >= 2")
            pdb = by_kind.get("PodDisruptionBudget", {}).get(name)
            p.expect(pdb and pdb["spec"].get("minAvailable") == 1
                     and pdb["spec"]["selector"].get("matchLabels") == {"app.kubernetes.io/name": name},
                     f"{where} no PodDisruptionBudget minAvailable 1")
        if overlay == "dev":
            p.expect(replicas == 1, f"{where} dev replicas {replicas} != 1")

    deny = [pol for pol in policies.values() if pol["spec"]["podSelector"] == {"matchLabels": {"app.kubernetes.io/part-of": "tradewind"}}
            and "Ingress" in pol["spec"].get("policyTypes", []) and not pol["spec"].get("ingress")]
    p.expect(deny, "no default-deny ingress NetworkPolicy for the tradewind pods")
    ingress = by_kind.get("Ingress", {}).get("gateway")
    if p.expect(ingress, "no Ingress gateway"):
        p.expect(ingress["spec"].get("ingressClassName") == "nginx", "Ingress class is not nginx")
        p.expect(ingress["spec"].get("tls"), "Ingress has no TLS")
        for rule in ingress["spec"]["rules"]:
            for http_path in rule["http"]["paths"]:
                backend = http_path["backend"]["service"]
                p.expect(backend["name"] == "gateway" and backend["port"].get("name", backend["port"].get("number")) in ("http", 8080),
                         f"Ingress path {http_path['path']} does not lead to the gateway's port")

    statefulsets = by_kind.get("StatefulSet", {})
    if overlay == "dev":
        pg = statefulsets.get("postgres")
        if p.expect(pg, "dev has no postgres StatefulSet"):
            p.expect(pg["spec"].get("volumeClaimTemplates"), "postgres has no volumeClaimTemplates")
            p.expect(by_kind.get("Service", {}).get("postgres"), "dev has no postgres Service")
            pg_env = {e["name"]: e for e in pg["spec"]["template"]["spec"]["containers"][0].get("env", [])}
            for db in DB_NAME.values():
                variable = f"{db.removesuffix('_service').upper()}_DB_PASSWORD"
                ref = pg_env.get(variable, {}).get("valueFrom", {}).get("secretKeyRef", {})
                p.expect(ref.get("name") == "postgres-init", f"postgres {variable} does not come from Secret postgres-init")
                secret_refs.add((ref.get("name"), ref.get("key")))
            ref = pg_env.get("POSTGRES_PASSWORD", {}).get("valueFrom", {}).get("secretKeyRef", {})
            secret_refs.add((ref.get("name"), ref.get("key")))
            volumes = pg["spec"]["template"]["spec"].get("volumes", [])
            p.expect(any(v.get("configMap", {}).get("name", "").startswith("postgres-init-script") for v in volumes),
                     "postgres does not mount the init script ConfigMap")
            pol = policies.get("postgres-ingress")
            allowed = set()
            if p.expect(pol, "no NetworkPolicy for postgres"):
                for rule in pol["spec"].get("ingress", []):
                    for source in rule.get("from", []):
                        for expression in source.get("podSelector", {}).get("matchExpressions", []):
                            allowed.update(expression.get("values", []))
                        name = source.get("podSelector", {}).get("matchLabels", {}).get("app.kubernetes.io/name")
                        if name:
                            allowed.add(name)
                p.expect(allowed == set(DB_NAME), f"postgres admits {sorted(allowed)}, expected the database services only")
    else:
        p.expect("postgres" not in statefulsets, f"{overlay} should not run PostgreSQL in the cluster")

    # Every Secret the manifests use is documented.
    with open(os.path.join(ROOT, "Deploy/k8s/README.md")) as f:
        readme = f.read()
    for secret_name, key in sorted(r for r in secret_refs if r[0]):
        documented_name = secret_name if "-database" not in secret_name else "-database"
        p.expect(documented_name in readme and key in readme, f"Secret {secret_name} key {key} is not documented in Deploy/k8s/README.md")
    p.finish(f"k8s {overlay}: {len(docs)} resources; ports, probes, env, secrets, security contexts, network policies agree")


# --- Prometheus and Grafana ----------------------------------------------------------------------------------
def check_observability():
    p = Problems("observability")
    base = os.path.join(ROOT, "Deploy/observability")
    with open(os.path.join(base, "prometheus.yml")) as f:
        prometheus = yaml.safe_load(f)
    found = {}
    for job in prometheus.get("scrape_configs", []):
        if job.get("job_name") != "tradewind":
            continue
        p.expect(job.get("metrics_path", "/metrics") == "/metrics", "the tradewind job does not scrape /metrics")
        for group in job.get("static_configs", []):
            for target in group.get("targets", []):
                found[target] = group.get("labels", {}).get("service")
    expected = {f"{name}:{spec['port']}": name for name, spec in SERVICES.items()}
    p.expect(found == expected, f"prometheus targets {found} should be {expected} (host:port with a service label)")

    datasource_uids = {}
    for folder, _, files in os.walk(os.path.join(base, "grafana/provisioning/datasources")):
        for file in files:
            with open(os.path.join(folder, file)) as f:
                for ds in yaml.safe_load(f).get("datasources", []):
                    datasource_uids[ds["uid"]] = ds["type"]
    p.expect(datasource_uids.get("tradewind-prometheus") == "prometheus", "no Prometheus datasource with uid tradewind-prometheus")
    p.expect("jaeger" in datasource_uids.values(), "no Jaeger datasource")
    providers = []
    for folder, _, files in os.walk(os.path.join(base, "grafana/provisioning/dashboards")):
        for file in files:
            with open(os.path.join(folder, file)) as f:
                providers += yaml.safe_load(f).get("providers", [])
    p.expect(any(pr.get("options", {}).get("path") == "/var/lib/grafana/dashboards/tradewind" for pr in providers),
             "no dashboard provider reading /var/lib/grafana/dashboards/tradewind")

    with open(os.path.join(base, "grafana/dashboards/tradewind.json")) as f:
        dashboard = json.load(f)
    p.expect(dashboard.get("uid") and dashboard.get("title") == "Tradewind" and isinstance(dashboard.get("schemaVersion"), int),
             "the dashboard needs a uid, the title Tradewind and a schemaVersion")
    exprs = []
    for panel in dashboard.get("panels", []):
        if panel.get("type") == "row":
            continue
        p.expect("gridPos" in panel, f"panel {panel.get('title')} has no gridPos")
        uids = [panel.get("datasource", {}).get("uid")] + [t.get("datasource", {}).get("uid") for t in panel.get("targets", [])]
        for uid in uids:
            p.expect(uid in datasource_uids, f"panel {panel.get('title')} uses datasource uid {uid}, which is not provisioned")
        p.expect(panel.get("targets"), f"panel {panel.get('title')} has no queries")
        exprs += [t.get("expr", "") for t in panel.get("targets", [])]
    for variable in dashboard.get("templating", {}).get("list", []):
        uid = variable.get("datasource", {}).get("uid")
        p.expect(uid is None or uid in datasource_uids, f"variable {variable.get('name')} uses unknown datasource {uid}")
    text = "\n".join(exprs)
    wanted = {
        "request rate per service and route": r"sum by \(service, http_route\) \(rate\(http_server_request_duration_count",
        "5xx error rate per service": r'http_response_status_code=~"5\.\."',
        "latency p50 per service": r"histogram_quantile\(0\.50, sum by \(service, le\) \(rate\(http_server_request_duration_bucket",
        "latency p99 per service": r"histogram_quantile\(0\.99, sum by \(service, le\) \(rate\(http_server_request_duration_bucket",
        "gateway requests by upstream and status": r"sum by \(upstream, status\) \(rate\(gateway_requests_total",
        "gateway upstream latency p99": r"histogram_quantile\(0\.99, sum by \(upstream, le\) \(rate\(gateway_upstream_duration_seconds_bucket",
        "upstream health": r"\bup\{",
        "outbox backlog": r"outbox_backlog",
        "outbox dead letters": r"outbox_dead_letters_total",
    }
    for what, pattern in wanted.items():
        p.expect(re.search(pattern, text), f"no panel query for {what}")
    p.finish(f"observability: {len(found)} scrape targets, datasources {sorted(datasource_uids)}, "
             f"{len([x for x in dashboard['panels'] if x.get('type') != 'row'])} dashboard panels on provisioned datasources")


# --- Dockerfile -------------------------------------------------------------------------------------------------
def check_dockerfile():
    p = Problems("Dockerfile")
    with open(os.path.join(ROOT, "Deploy/docker/Dockerfile")) as f:
        text = f.read()
    # Join continued lines, drop comments.
    lines = [line.strip() for line in re.sub(r"\\\n", " ", text).splitlines() if line.strip() and not line.strip().startswith("#")]
    instructions = [(line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "") for line in lines]
    froms = [arg for op, arg in instructions if op == "FROM"]
    p.expect(not re.match(r"\s*#\s*syntax=", text),
             "a `# syntax=` directive makes BuildKit pull its frontend from Docker Hub before the first step")
    p.expect(re.search(r"^ARG SWIFT_IMAGE=swift:6\.3\.1-noble$", text, re.M), "SWIFT_IMAGE should default to swift:6.3.1-noble")
    stages = dict((arg.split()[-1], arg.split()[0]) for arg in froms if " AS " in arg.upper())
    p.expect(stages.get("build") == "${SWIFT_IMAGE}" and stages.get("runtime") == "scratch",
             f"expected a build stage FROM ${{SWIFT_IMAGE}} and a runtime stage FROM scratch, got {froms}")
    p.expect("ldd" in text and "COPY --from=build /runtime-root/ /" in text,
             "the runtime root should hold the libraries ldd lists for the binaries, copied from the build stage")
    for name in SERVICES:
        p.expect(stages.get(name) == "runtime", f"no stage {name} FROM runtime")
        p.expect(re.search(rf"^COPY --from=build /staging/{name}/ /app/$", text, re.M),
                 f"stage {name} does not take /staging/{name}/ from the build stage")
    runtime_part = text[text.index("AS runtime"):]
    p.expect(not re.search(r"^RUN ", runtime_part, re.M),
             "the runtime and service stages run commands (an offline build cannot install packages there)")
    order = [(op, arg) for op, arg in instructions if op in ("COPY", "RUN")]
    def index(predicate):
        return next((i for i, item in enumerate(order) if predicate(*item)), None)
    sources = index(lambda op, arg: op == "COPY" and arg.startswith(". "))
    build = index(lambda op, arg: op == "RUN" and "swift build -c release" in arg)
    p.expect(None not in (sources, build) and sources < build, "expected COPY . . and then RUN swift build, in that order")
    p.expect(build is not None and re.search(r"--mount=type=cache,[^ ]*target=/src/\.build", order[build][1]),
             "the release build should keep .build in a BuildKit cache mount (incremental image builds)")
    p.expect(not re.search(r"^COPY .*Package\.resolved", text, re.M), "Package.resolved is not committed and must not be copied")
    if build is not None:
        command = order[build][1]
        p.expect("--static-swift-stdlib" in command, "the build does not use --static-swift-stdlib")
        p.expect("--product" not in command, "the build should compile every product at once, not one --product")
    p.expect("strip" in text, "the binaries are not stripped")
    p.expect("*.resources" in text, "the SwiftPM resource bundles (*.resources) are not copied next to the binary")
    p.expect("Services/Gateway/routes.json" in text and "GATEWAY_ROUTES_FILE=/app/routes.json" in text,
             "the gateway's routes.json is not at /app/routes.json with GATEWAY_ROUTES_FILE pointing at it")
    users = [arg for op, arg in instructions if op == "USER"]
    p.expect(users and re.fullmatch(r"10001(:10001)?", users[-1]), f"the last USER should be 10001, got {users}")
    p.expect(("WORKDIR", "/app") in instructions, "WORKDIR /app is missing")
    p.expect(any(op == "HEALTHCHECK" and arg.endswith('CMD ["/app/service", "--health-check"]') for op, arg in instructions),
             "HEALTHCHECK should run [\"/app/service\", \"--health-check\"]")
    p.expect(("ENTRYPOINT", '["/app/service"]') in instructions, 'ENTRYPOINT should be ["/app/service"]')
    p.expect(any(op == "LABEL" for op, _ in instructions), "no LABEL")
    p.finish(f"Dockerfile: one release build with a static stdlib for all, .build in a cache mount, {len(SERVICES)} "
             "service stages with their stripped binary and resources, user 10001, HEALTHCHECK, ENTRYPOINT /app/service")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "compose":
        check_compose(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "k8s" and sys.argv[2] in ("base", "dev", "prod"):
        check_k8s(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 2 and sys.argv[1] == "observability":
        check_observability()
    elif len(sys.argv) == 2 and sys.argv[1] == "dockerfile":
        check_dockerfile()
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
