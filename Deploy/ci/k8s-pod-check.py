#!/usr/bin/env python3
"""Exercises the Kubernetes dev overlay's pod specs without a cluster: a test harness, not a deployment tool.

Usage: k8s-pod-check.py [--overlay DIR] [--image NAME=LOCAL ...] [--keep]

Renders the overlay with `kubectl kustomize`, then starts every Deployment's and StatefulSet's container under
Docker exactly as the rendered spec says: the image (which must already exist locally, unless --image maps it to
a local stand-in), command and args, env from the rendered ConfigMaps and from test Secrets made here with the keys
Deploy/k8s/README.md lists, user, group and fsGroup, read-only root filesystem, dropped capabilities, no privilege
escalation, CPU and memory limits, emptyDir, ConfigMap and Secret volumes (files with the declared modes) and
volume claims. All containers start at once, as pods do, on one Docker network on which each is reachable by the
names of the Kubernetes Services that select it, with addresses from the pod network the manifests trust
X-Forwarded-For from (when Docker can make that network). Then every startup, readiness and liveness probe is run
the way the kubelet runs it (HTTP GET on the declared path and port, answered 200-399; exec inside the container;
TCP connect), one order goes through the gateway, and every container is stopped with SIGTERM (within its pod's
terminationGracePeriodSeconds) and must exit 0. Everything started is removed at the end.

What it does not model: NetworkPolicies (not enforced), Ingress, the scheduler, emptyDir size limits, the
kubelet's restart back-off (containers restart at once, as restartPolicy Always says, but without delay), restarts
after failed liveness probes, Service ports that differ from the container's (refused with a message), and $(VAR)
expansion.
Probes reach containers through ports published on 127.0.0.1, which is what the kubelet's GET amounts to.
"""
import argparse
import base64
import concurrent.futures
import hashlib
import hmac
import ipaddress
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import yaml

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--overlay", default="Deploy/k8s/overlays/dev")
parser.add_argument("--image", action="append", default=[], metavar="NAME=LOCAL",
                    help="run LOCAL where the manifests say NAME (a stand-in for an image that cannot be pulled)")
parser.add_argument("--keep", action="store_true", help="leave the containers running (for a look; remove by hand)")
parser.add_argument("--timeout", type=float, default=90, help="seconds for every probe to pass")
args = parser.parse_args()
image_map = dict(item.split("=", 1) for item in args.image)
run_id = f"tw-k8s-{os.getpid()}"
work = tempfile.mkdtemp(prefix="tradewind-k8s-check.")
started_containers, volumes = [], []


def say(text):
    print(text, flush=True)


def docker(*arguments, check=True, capture=True):
    result = subprocess.run(["docker", *arguments], text=True, capture_output=capture)
    if check and result.returncode != 0:
        raise SystemExit(f"docker {' '.join(arguments[:3])} … failed: {(result.stderr or '').strip()}")
    return (result.stdout or "").strip()


def fail(message):
    for name in started_containers:
        print(f"\n----- docker logs {name} (last 60 lines)", file=sys.stderr)
        subprocess.run(["docker", "logs", "--tail", "60", name], stdout=sys.stderr, stderr=sys.stderr)
    raise SystemExit(f"\nk8s-pod-check FAILED: {message}")


# --- Render -----------------------------------------------------------------------------------------------------------
rendered = subprocess.run(["kubectl", "kustomize", args.overlay], text=True, capture_output=True)
if rendered.returncode != 0:
    fail(f"kubectl kustomize {args.overlay}: {rendered.stderr.strip()}")
documents = [d for d in yaml.safe_load_all(rendered.stdout) if d]
by_kind = {}
for document in documents:
    by_kind.setdefault(document["kind"], {})[document["metadata"]["name"]] = document
config_maps = by_kind.get("ConfigMap", {})
services = by_kind.get("Service", {})
workloads = list(by_kind.get("Deployment", {}).values()) + list(by_kind.get("StatefulSet", {}).values())
if any(kind in by_kind for kind in ("DaemonSet", "Job", "CronJob")):
    fail("the overlay has DaemonSets, Jobs or CronJobs, which this harness does not run")
say(f"rendered {args.overlay}: {len(workloads)} workloads, {len(services)} Services, {len(config_maps)} ConfigMaps")


# --- Test Secrets, with the keys Deploy/k8s/README.md tells an operator to create ---------------------------------------
def make_secrets():
    signing_key = subprocess.run("openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt",
                                 shell=True, check=True, text=True, capture_output=True).stdout
    registry_secret = secrets.token_hex(24)
    # Each machine client's secret, and the user service's list of them, as the README's recipe makes them.
    client_secrets = {client: secrets.token_hex(24) for client in ("order-service", "cargo-service")}
    made = {
        "tradewind-secrets": {
            "admin-email": "admin@example.com", "admin-password": secrets.token_hex(16),
            "registry-secret": registry_secret,
            **{f"{client}-client-secret": secret for client, secret in client_secrets.items()},
            "service-clients": ",".join(f"{client}:{secret}" for client, secret in client_secrets.items()),
        },
        "tradewind-signing-key": {"signing-key.pem": signing_key},
        "postgres-init": {"postgres-password": secrets.token_hex(24)},
    }
    reader_mac = hmac.new(registry_secret.encode(), b"tradewind-registry/v1/reader:gateway", hashlib.sha256).digest()
    made["tradewind-secrets"]["gateway-settings-token"] = "reader.gateway." + base64.urlsafe_b64encode(reader_mac).decode().rstrip("=")
    storefront_mac = hmac.new(registry_secret.encode(), b"tradewind-registry/v1/service:storefront", hashlib.sha256).digest()
    made["tradewind-secrets"]["storefront-registry-token"] = "service.storefront." + base64.urlsafe_b64encode(storefront_mac).decode().rstrip("=")
    storefront_password = secrets.token_hex(24)
    made["postgres-init"]["storefront-db-password"] = storefront_password
    made["storefront-database"] = {"url": f"postgres://storefront_service:{storefront_password}@postgres:5432/storefront_service"}
    for service in ("user", "product", "cart", "cargo", "order"):
        # Each service's own registry token, derived as the README's recipe does.
        mac = hmac.new(registry_secret.encode(), f"tradewind-registry/v1/service:{service}-service".encode(), hashlib.sha256).digest()
        made["tradewind-secrets"][f"{service}-service-registry-token"] = \
            f"service.{service}-service." + base64.urlsafe_b64encode(mac).decode().rstrip("=")
        password = secrets.token_hex(24)
        made["postgres-init"][f"{service}-db-password"] = password
        database = service.replace("-", "_") + "_service"
        made[f"{service}-service-database"] = {
            "url": f"postgres://{database}:{password}@postgres:5432/{database}"}
    return made


test_secrets = make_secrets()


def secret_value(name, key, where):
    if name not in test_secrets or key not in test_secrets[name]:
        fail(f"{where} needs Secret {name} key {key}, which Deploy/k8s/README.md does not tell operators to create")
    return test_secrets[name][key]


# --- Pod specs → docker run --------------------------------------------------------------------------------------------
def quantity_bytes(value):
    match = re.fullmatch(r"(\d+)(Ki|Mi|Gi|K|M|G)?", str(value))
    if not match:
        fail(f"cannot read the quantity {value}")
    factor = {None: 1, "Ki": 1024, "Mi": 1024**2, "Gi": 1024**3, "K": 1000, "M": 1000**2, "G": 1000**3}[match.group(2)]
    return int(match.group(1)) * factor


def cpus(value):
    value = str(value)
    return int(value[:-1]) / 1000 if value.endswith("m") else float(value)


def selected_by(labels):
    """The Services whose selector picks pods with these labels: their names are the pod's DNS names."""
    return [name for name, service in services.items()
            if service["spec"].get("selector") and all(labels.get(k) == v for k, v in service["spec"]["selector"].items())]


# A network whose subnet is named explicitly, so that each pod gets the address its status.podIP says: the pod
# network the manifests trust X-Forwarded-For from (ConfigMap tradewind-network, key pod-cidr), so that the services
# believe the gateway as they do in a cluster. Where Docker refuses it (it overlaps a network this host has), Docker
# picks a free subnet for a first network, which is then made again with that subnet.
network = run_id
pod_cidr = next((config_map.get("data", {}).get("pod-cidr", "") for name, config_map in config_maps.items()
                 if re.fullmatch(r"tradewind-network(-[a-z0-9]+)?", name)), "")
try:
    wanted = ipaddress.ip_network(pod_cidr.split(",")[0].strip(), strict=False)
except ValueError:
    wanted = None
if wanted and wanted.version == 4 and wanted.prefixlen <= 24 \
        and subprocess.run(["docker", "network", "create", "--subnet", str(wanted), network], capture_output=True).returncode == 0:
    subnet = str(wanted)
else:
    say(f"no Docker network for the pod network {pod_cidr or '(none)'}: the pods get addresses outside it, so the "
        "services do not believe the gateway's X-Forwarded-For here")
    docker("network", "create", network)
    subnet = json.loads(docker("network", "inspect", network))[0]["IPAM"]["Config"][0]["Subnet"]
    docker("network", "rm", network)
    docker("network", "create", "--subnet", subnet, network)
prefix = subnet.split("/")[0].rsplit(".", 1)[0]
pods = []  # (name, container spec, docker name, ports by name and number)

try:
    for index, workload in enumerate(workloads, start=10):
        kind, name = workload["kind"], workload["metadata"]["name"]
        template = workload["spec"]["template"]
        pod_spec, labels = template["spec"], template["metadata"].get("labels", {})
        if len(pod_spec["containers"]) != 1 or pod_spec.get("initContainers"):
            fail(f"{kind} {name}: the harness runs pods of exactly one container")
        container = pod_spec["containers"][0]
        pod_name = f"{name}-0"
        pod_ip = f"{prefix}.{index}"
        where = f"{kind} {name}"
        pod_security, security = pod_spec.get("securityContext", {}), container.get("securityContext", {})

        image = container["image"]
        local_image = image_map.get(image, image)
        if subprocess.run(["docker", "image", "inspect", local_image], capture_output=True).returncode != 0:
            fail(f"{where} runs image {image}, which is not on this machine"
                 + ("" if image in image_map else " (the dev overlay must name the images the local build makes)"))
        policy = container.get("imagePullPolicy", "Always" if image.endswith(":latest") or ":" not in image else "IfNotPresent")
        if policy != "IfNotPresent" and image not in image_map:
            fail(f"{where}: imagePullPolicy {policy} would pull {image} from a registry instead of using the local build")

        if pod_spec.get("restartPolicy", "Always") != "Always":
            fail(f"{where}: restartPolicy {pod_spec['restartPolicy']} is not modelled")
        run = ["docker", "run", "-d", "--name", f"{run_id}-{name}", "--hostname", pod_name, "--network", network, "--ip", pod_ip,
               "--restart", "always"]
        for alias in selected_by(labels):
            run += ["--network-alias", alias]

        user = security.get("runAsUser", pod_security.get("runAsUser"))
        group = security.get("runAsGroup", pod_security.get("runAsGroup"))
        if user is None:
            user = docker("image", "inspect", "-f", "{{.Config.User}}", local_image).split(":")[0] or "0"
        if security.get("runAsNonRoot", pod_security.get("runAsNonRoot")) and not (str(user).isdigit() and int(user) != 0):
            fail(f"{where}: runAsNonRoot, but the container would run as user '{user}' (the kubelet refuses to start it)")
        run += ["--user", f"{user}:{group}" if group is not None else str(user)]
        if pod_security.get("fsGroup") is not None:
            run += ["--group-add", str(pod_security["fsGroup"])]
        for group_id in pod_security.get("supplementalGroups", []):
            run += ["--group-add", str(group_id)]
        if security.get("readOnlyRootFilesystem"):
            run.append("--read-only")
        if security.get("privileged"):
            fail(f"{where} is privileged")
        capabilities = security.get("capabilities", {})
        for capability in capabilities.get("drop", []):
            run += ["--cap-drop", capability]
        for capability in capabilities.get("add", []):
            run += ["--cap-add", capability]
        if security.get("allowPrivilegeEscalation") is False:
            run += ["--security-opt", "no-new-privileges"]
        seccomp = security.get("seccompProfile", pod_security.get("seccompProfile", {})).get("type")
        if seccomp not in (None, "RuntimeDefault"):
            fail(f"{where}: seccomp profile {seccomp} is not modelled")
        limits = container.get("resources", {}).get("limits", {})
        if "memory" in limits:
            run += ["--memory", str(quantity_bytes(limits["memory"]))]
        if "cpu" in limits:
            run += ["--cpus", f"{cpus(limits['cpu']):g}"]

        environment = {}
        for source in container.get("envFrom", []):
            if "configMapRef" in source:
                environment.update(config_maps[source["configMapRef"]["name"]].get("data", {}))
            elif "secretRef" in source:
                environment.update(test_secrets.get(source["secretRef"]["name"], {}))
        for variable in container.get("env", []):
            if "value" in variable:
                environment[variable["name"]] = str(variable["value"])
                continue
            reference = variable["valueFrom"]
            if "secretKeyRef" in reference:
                environment[variable["name"]] = secret_value(reference["secretKeyRef"]["name"], reference["secretKeyRef"]["key"], where)
            elif "configMapKeyRef" in reference:
                environment[variable["name"]] = config_maps[reference["configMapKeyRef"]["name"]]["data"][reference["configMapKeyRef"]["key"]]
            elif "fieldRef" in reference:
                field = reference["fieldRef"]["fieldPath"]
                values = {"status.podIP": pod_ip, "metadata.name": pod_name,
                          "metadata.namespace": workload["metadata"].get("namespace", "default")}
                if field not in values:
                    fail(f"{where}: fieldRef {field} is not modelled")
                environment[variable["name"]] = values[field]
            else:
                fail(f"{where}: env {variable['name']} comes from {list(reference)}, which is not modelled")
        env_file = os.path.join(work, f"{name}.env")
        with open(env_file, "w") as handle:
            for key, value in environment.items():
                if "\n" in value:  # docker's env files hold one line per variable
                    run += ["-e", f"{key}={value}"]
                else:
                    handle.write(f"{key}={value}\n")
        run += ["--env-file", env_file]

        volumes_by_name = {volume["name"]: volume for volume in pod_spec.get("volumes", [])}
        for claim in workload["spec"].get("volumeClaimTemplates", []):
            volumes_by_name[claim["metadata"]["name"]] = {"claim": claim}
        fs_group = pod_security.get("fsGroup", 0)
        for mount in container.get("volumeMounts", []):
            volume = volumes_by_name.get(mount["name"])
            target, read_only = mount["mountPath"], mount.get("readOnly", False)
            if volume is None:
                fail(f"{where} mounts {mount['name']}, which the pod does not declare")
            if "emptyDir" in volume:
                # A fresh world-writable directory, as the kubelet makes one (Docker's --tmpfs would take over the
                # mode and owner of a directory the image has at that path). Its size limit is not enforced.
                folder = os.path.join(work, "empty", name, mount["name"])
                os.makedirs(folder)
                os.chmod(folder, 0o777)
                run += ["--mount", f"type=bind,src={folder},dst={target}"]
            elif "claim" in volume:
                volume_name = f"{run_id}-{mount['name']}-{name}"
                docker("volume", "create", volume_name)
                volumes.append(volume_name)
                run += ["--mount", f"type=volume,src={volume_name},dst={target}" + (",readonly" if read_only else "")]
            elif "secret" in volume or "configMap" in volume:
                source = volume.get("secret") or volume.get("configMap")
                if "secret" in volume:
                    data = test_secrets.get(source["secretName"])
                    if not data:
                        fail(f"{where} mounts Secret {source['secretName']}, which Deploy/k8s/README.md does not list")
                else:
                    data = config_maps[source["name"]].get("data", {})
                items = source.get("items") or [{"key": key, "path": key} for key in data]
                folder = os.path.join(work, "volumes", name, mount["name"])
                os.makedirs(folder)
                os.chmod(folder, 0o755)
                for item in items:
                    if item["key"] not in data:
                        fail(f"{where}: volume {mount['name']} has no key {item['key']}")
                    path = os.path.join(folder, item["path"])
                    with open(path, "w") as handle:
                        handle.write(data[item["key"]])
                    os.chown(path, 0, fs_group)
                    os.chmod(path, item.get("mode", source.get("defaultMode", 0o644)))
                run += ["--mount", f"type=bind,src={folder},dst={target},readonly"]
            else:
                fail(f"{where}: volume {mount['name']} of kind {list(volume)} is not modelled")

        ports = {}
        for port in container.get("ports", []):
            run += ["-p", f"127.0.0.1::{port['containerPort']}"]
            ports[port["containerPort"]] = port["containerPort"]
            if "name" in port:
                ports[port["name"]] = port["containerPort"]
        for service_name in selected_by(labels):
            for service_port in services[service_name]["spec"]["ports"]:
                target = ports.get(service_port.get("targetPort", service_port["port"]))
                if target != service_port["port"]:
                    fail(f"Service {service_name} maps port {service_port['port']} to {service_port.get('targetPort')}; "
                         "the harness reaches pods by name on the container's own port and cannot model that")

        command, arguments = container.get("command"), container.get("args", [])
        for word in (command or []) + arguments + list(environment.values()):
            if "$(" in word:
                fail(f"{where} uses $(VAR) expansion, which is not modelled")
        if command:
            run += ["--entrypoint", command[0]]
        run += [local_image] + (command[1:] if command else []) + arguments
        pods.append({"name": name, "container": container, "docker": f"{run_id}-{name}", "ports": ports, "run": run})

    say("starting every pod at once, as the cluster would")
    for pod in pods:
        result = subprocess.run(pod["run"], text=True, capture_output=True)
        if result.returncode != 0:
            fail(f"docker run of {pod['name']}: {result.stderr.strip()}")
        started_containers.append(pod["docker"])
        published = {}
        for container_port in set(pod["ports"].values()):
            address = docker("port", pod["docker"], f"{container_port}/tcp").splitlines()[0]
            published[container_port] = int(address.rsplit(":", 1)[1])
        pod["published"] = published
        user = docker("inspect", "-f", "{{.Config.User}} read-only={{.HostConfig.ReadonlyRootfs}} "
                      "cap-drop={{.HostConfig.CapDrop}} memory={{.HostConfig.Memory}}", pod["docker"])
        say(f"  {pod['name']:16} {pod['run'][pod['run'].index('--user') + 1]:12} {user.split(' ', 1)[1]}")

    # --- Probes, as the kubelet runs them ------------------------------------------------------------------------------
    def probe_once(pod, probe):
        timeout = probe.get("timeoutSeconds", 1)
        if "httpGet" in probe:
            action = probe["httpGet"]
            port = pod["ports"].get(action["port"], action["port"])
            url = f"http://127.0.0.1:{pod['published'][port]}{action.get('path', '/')}"
            try:
                with urllib.request.urlopen(url, timeout=timeout) as answer:
                    return 200 <= answer.status < 400, f"GET {action.get('path', '/')} → {answer.status}"
            except urllib.error.HTTPError as error:
                return 200 <= error.code < 400, f"GET {action.get('path', '/')} → {error.code}"
            except OSError as error:
                return False, f"GET {action.get('path', '/')} → {error}"
        if "exec" in probe:
            command = probe["exec"]["command"]
            try:
                result = subprocess.run(["docker", "exec", pod["docker"], *command], capture_output=True, timeout=timeout + 5)
                return result.returncode == 0, f"exec {' '.join(command)} → exit {result.returncode}"
            except subprocess.TimeoutExpired:
                return False, f"exec {' '.join(command)} → timed out"
        if "tcpSocket" in probe:
            port = pod["ports"].get(probe["tcpSocket"]["port"], probe["tcpSocket"]["port"])
            try:
                socket.create_connection(("127.0.0.1", pod["published"][port]), timeout=timeout).close()
                return True, f"tcp {port} → open"
            except OSError as error:
                return False, f"tcp {port} → {error}"
        return False, f"probe {list(probe)} is not modelled"

    def run_probes(pod):
        """Startup probe first (its own budget), then readiness and liveness; each must pass once."""
        results = []
        started = time.monotonic()
        for kind in ("startupProbe", "readinessProbe", "livenessProbe"):
            probe = pod["container"].get(kind)
            if not probe:
                continue
            budget = probe.get("initialDelaySeconds", 0) + probe.get("periodSeconds", 10) * probe.get("failureThreshold", 3)
            if kind != "startupProbe":
                budget = max(budget, args.timeout - (time.monotonic() - started))
            deadline = time.monotonic() + budget
            time.sleep(min(probe.get("initialDelaySeconds", 0), 1))  # the delay itself is not what is tested
            passed, detail = False, "not run"
            while time.monotonic() < deadline:
                passed, detail = probe_once(pod, probe)
                if passed:
                    break
                time.sleep(min(probe.get("periodSeconds", 10), 1))
            results.append((kind, passed, detail, time.monotonic() - started))
        return pod, results

    say("running every startup, readiness and liveness probe as the kubelet would")
    failed = []
    with concurrent.futures.ThreadPoolExecutor(len(pods)) as pool:
        for pod, results in pool.map(run_probes, pods):
            if not results:
                failed.append(f"{pod['name']} declares no probe")
            for kind, passed, detail, seconds in results:
                say(f"  {'ok  ' if passed else 'FAIL'} {pod['name']:16} {kind:15} {detail} ({seconds:.1f} s)")
                if not passed:
                    failed.append(f"{pod['name']} {kind}: {detail}")
    if failed:
        fail("; ".join(failed))
    for pod in pods:
        restarts = int(docker("inspect", "-f", "{{.RestartCount}}", pod["docker"]))
        if restarts:
            say(f"  note: {pod['name']} exited and was restarted {restarts} time(s) before its probes passed "
                "(the kubelet would do the same, with back-off)")

    gateway = next((pod for pod in pods if pod["name"] == "gateway"), None)
    if gateway is None:
        fail("the overlay has no gateway Deployment")
    gateway_url = f"http://127.0.0.1:{gateway['published'][gateway['ports']['http']]}"
    say(f"an order through the gateway ({gateway_url})")
    flow = subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "order-flow.py"), gateway_url,
                           "--label", "k8s dev pods"],
                          env=dict(os.environ, ADMIN_EMAIL=test_secrets["tradewind-secrets"]["admin-email"],
                                   ADMIN_PASSWORD=test_secrets["tradewind-secrets"]["admin-password"]))
    if flow.returncode != 0:
        fail("the order did not go through the gateway")

    # A settings ConfigMap edit, as the kubelet delivers it into the mounted volume: the running gateway follows its
    # own file (SETTINGS_FILES) and limits a route, then lets it go again, with no restart.
    settings_folder = os.path.join(work, "volumes", "gateway", "settings")
    if not os.path.isdir(settings_folder):
        fail("the gateway does not mount the settings ConfigMap")
    say("a gateway rate limit set and removed through the settings ConfigMap, without a restart")

    def limited_within(seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            statuses = []
            for _ in range(3):
                try:
                    with urllib.request.urlopen(f"{gateway_url}/api/locations", timeout=5) as answer:
                        statuses.append(answer.status)
                except urllib.error.HTTPError as error:
                    statuses.append(error.code)
            if 429 in statuses:
                return True
            time.sleep(0.5)
        return False

    def publish_settings(text):
        # The kubelet writes a new version and swaps it in with one rename; a reader never sees half a file.
        staged = os.path.join(settings_folder, ".gateway.json.new")
        with open(staged, "w") as handle:
            handle.write(text)
        os.chmod(staged, 0o644)
        os.replace(staged, os.path.join(settings_folder, "gateway.json"))

    publish_settings('{"route.locations.rateLimit.perSecond": "0.01"}')
    if not limited_within(15):
        fail("the gateway did not follow a rate limit put in its settings file")
    say("  ok   the route is limited (429) within seconds of the edit")
    publish_settings("{}")
    time.sleep(3)
    if limited_within(3):
        fail("the gateway kept the rate limit after it was removed from its settings file")
    say("  ok   and free again once the setting is removed")
    if int(docker("inspect", "-f", "{{.RestartCount}}", gateway["docker"])):
        fail("the gateway restarted while its settings changed")

    # SIGTERM, as the kubelet stops a pod, and SIGKILL after its terminationGracePeriodSeconds: every container must
    # shut down gracefully and exit 0 (the removal below is a SIGKILL and says nothing about that). The Deployments
    # go first, then the StatefulSets (PostgreSQL in dev), so that no service is stopped against a closing database.
    say("stopping every pod with SIGTERM, as the kubelet would")
    grace = {w["metadata"]["name"]: w["spec"]["template"]["spec"].get("terminationGracePeriodSeconds", 30) for w in workloads}
    kinds = {w["metadata"]["name"]: w["kind"] for w in workloads}

    def stop(pod):
        subprocess.run(["docker", "stop", "--time", str(grace[pod["name"]]), pod["docker"]], capture_output=True)
        return pod, docker("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", pod["docker"]).split()

    unclean = []
    for kind in ("Deployment", "StatefulSet"):
        batch = [pod for pod in pods if kinds[pod["name"]] == kind]
        if not batch:
            continue
        with concurrent.futures.ThreadPoolExecutor(len(batch)) as pool:
            for pod, (status, code) in pool.map(stop, batch):
                clean = status == "exited" and code == "0"
                say(f"  {'ok  ' if clean else 'FAIL'} {pod['name']:16} {status}, exit {code}")
                if not clean:
                    unclean.append(f"{pod['name']} ({status}, exit {code})")
    if unclean:
        fail(f"not shut down gracefully on SIGTERM: {', '.join(unclean)}")
    say("\nk8s-pod-check passed (NetworkPolicies, Ingress and the scheduler are not modelled: see the top of this file)")
finally:
    if not args.keep:
        for name in started_containers:
            subprocess.run(["docker", "rm", "-f", "-v", name], capture_output=True)
        for name in volumes:
            subprocess.run(["docker", "volume", "rm", "-f", name], capture_output=True)
        subprocess.run(["docker", "network", "rm", network], capture_output=True)
    shutil.rmtree(work, ignore_errors=True)
