"""Checks the deployment files in deploy/ with what this machine can run offline.

- every YAML file parses;
- Kubernetes manifests validate strictly against Kubernetes 1.37's schemas
  (kubernetes-validate, schemas bundled in the package); the CloudNativePG Cluster, a custom
  resource without a bundled schema, is checked for the fields Rummet relies on;
- the compose file names the services, health checks, files and secrets it needs;
- the Dockerfile is multi-stage, runs as a non-root user, has a health check and renders
  the glyphs (fonts-noto-core in the build stage);
- the nginx configuration balances over both replicas, never caches keyed or private
  answers, and its included files exist;
- the systemd unit passes `systemd-analyze verify` (when systemd-analyze exists), with
  ExecStart pointed at the binary under test (RUMMET_BIN).

Usage: python3 tests/clients/validate_deploy.py <repository root>
Prints one line per problem and exits 1 when there is any.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import kubernetes_validate
import yaml

root = Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
deploy = root / "deploy"
problems = []


def problem(where, what):
    problems.append(f"{where.relative_to(root)}: {what}")


for path in sorted(deploy.rglob("*.yaml")):
    try:
        list(yaml.safe_load_all(path.read_text()))
    except yaml.YAMLError as e:
        problem(path, f"not YAML: {e}")

# Kubernetes.
for path in sorted((deploy / "kubernetes").glob("*.yaml")):
    for doc in yaml.safe_load_all(path.read_text()):
        if not doc:
            continue
        if doc.get("apiVersion", "").startswith("postgresql.cnpg.io/"):
            spec = doc.get("spec", {})
            if doc.get("kind") != "Cluster":
                problem(path, f"unexpected CloudNativePG kind {doc.get('kind')}")
            if not isinstance(spec.get("instances"), int) or spec["instances"] < 2:
                problem(path, "the database cluster needs a primary and a streaming replica")
            if "postgis" not in spec.get("imageName", ""):
                problem(path, "the database image must carry PostGIS")
            sql = spec.get("bootstrap", {}).get("initdb", {}).get("postInitApplicationSQL", [])
            if not any("postgis" in s.lower() for s in sql):
                problem(path, "PostGIS is not created in the application database")
            continue
        try:
            kubernetes_validate.validate(doc, "1.37.0", strict=True)
        except Exception as e:  # the package raises its own error types per failure
            problem(path, f"{doc.get('kind')}/{doc.get('metadata', {}).get('name')}: {e}")
        if doc.get("kind") == "Deployment":
            pod = doc["spec"]["template"]["spec"]
            c = pod["containers"][0]
            if c.get("readinessProbe", {}).get("httpGet", {}).get("path") != "/ready":
                problem(path, "readiness must ask /ready")
            if c.get("livenessProbe", {}).get("httpGet", {}).get("path") != "/health":
                problem(path, "liveness must ask /health")
            if not pod.get("securityContext", {}).get("runAsNonRoot"):
                problem(path, "the pod must run as non-root")
            names = [e.get("name") for e in c.get("env", [])]
            if "DATABASE_URL" not in names:
                problem(path, "DATABASE_URL must come from the Secret")
            if "RUMMET__DATABASE_READ_URL" not in names:
                problem(path, "RUMMET__DATABASE_READ_URL must name the replicas' service")

# Compose.
compose_path = deploy / "compose" / "compose.yaml"
compose = yaml.safe_load(compose_path.read_text())
services = compose.get("services", {})
for name in ["db", "db-replica", "rummet-a", "rummet-b", "nginx"]:
    if name not in services:
        problem(compose_path, f"no service {name}")
replica = services.get("db-replica", {})
if "pg_basebackup" not in " ".join(map(str, replica.get("entrypoint", []))) or "-R" not in " ".join(
    map(str, replica.get("entrypoint", []))
):
    problem(compose_path, "db-replica must start as a streaming replica of db (pg_basebackup -R)")
for name in ["rummet-a", "rummet-b"]:
    start = " ".join(map(str, services.get(name, {}).get("entrypoint", [])))
    if "RUMMET__DATABASE_READ_URL" not in start or "db-replica" not in start:
        problem(compose_path, f"{name} must read from db-replica (RUMMET__DATABASE_READ_URL)")
for volume in services.get("db", {}).get("volumes", []):
    source = volume.split(":")[0]
    if source.startswith(".") and not (compose_path.parent / source).is_file():
        problem(compose_path, f"db mounts {source}, which does not exist")
for name in ["rummet-a", "rummet-b"]:
    check = services.get(name, {}).get("healthcheck", {}).get("test", [])
    if not any("/ready" in str(t) for t in check):
        problem(compose_path, f"{name} has no health check on /ready")
build = services.get("rummet-a", {}).get("build", {})
if not (compose_path.parent / build.get("context", ".") / build.get("dockerfile", "")).is_file():
    problem(compose_path, "the build's Dockerfile does not exist")
for volume in services.get("nginx", {}).get("volumes", []):
    source = volume.split(":")[0]
    if not (compose_path.parent / source).is_file():
        problem(compose_path, f"nginx mounts {source}, which does not exist")
if not (compose_path.parent / "db_password.txt.example").is_file():
    problem(compose_path, "no db_password.txt.example to start from")

# Dockerfile.
dockerfile = deploy / "container" / "Dockerfile"
text = dockerfile.read_text()
if len(re.findall(r"^FROM ", text, re.M)) < 2:
    problem(dockerfile, "not multi-stage")
users = re.findall(r"^USER (\S+)", text, re.M)
if not users or users[-1].split(":")[0] in ("0", "root"):
    problem(dockerfile, "the image must run as a non-root user")
if "HEALTHCHECK" not in text:
    problem(dockerfile, "no HEALTHCHECK")
if "fonts-noto-core" not in text:
    problem(dockerfile, "the build stage needs fonts-noto-core for the glyphs")

# nginx.
nginx = deploy / "compose" / "nginx.conf"
conf = nginx.read_text()
if conf.count("{") != conf.count("}"):
    problem(nginx, "unbalanced braces")
for replica in ["rummet-a:3000", "rummet-b:3000"]:
    if replica not in conf:
        problem(nginx, f"does not balance over {replica}")
if "proxy_no_cache $http_authorization $arg_key" not in conf:
    problem(nginx, "must never cache answers to requests with an API key")
upload = re.search(r"location /api/datasets \{(.*?)\}", conf, re.S)
if not upload or "proxy_request_buffering off" not in upload.group(1) or "client_max_body_size" not in upload.group(1):
    problem(nginx, "uploads (/api/datasets) need their own body size and unbuffered streaming")
for include in re.findall(r"include\s+/etc/nginx/conf\.d/(\S+);", conf):
    if not (nginx.parent / include).is_file():
        problem(nginx, f"includes {include}, which does not exist")

# systemd.
unit = deploy / "systemd" / "rummet.service"
if shutil.which("systemd-analyze"):
    binary = os.environ.get("RUMMET_BIN", "/usr/local/bin/rummet")
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "rummet.service"
        copy.write_text(unit.read_text().replace("/usr/local/bin/rummet", binary))
        out = subprocess.run(["systemd-analyze", "verify", str(copy)], capture_output=True, text=True)
        # Only what is wrong with the unit: not the machine's own units, nor a user or
        # directory that exists only where Rummet is installed.
        for line in (out.stdout + out.stderr).splitlines():
            if str(copy) in line or "rummet.service" in line:
                if "User=" in line or "does not exist" in line or "WorkingDirectory" in line:
                    continue
                problem(unit, line.strip())
else:
    print("systemd-analyze not found: the unit was not verified", file=sys.stderr)

for p in problems:
    print(p)
sys.exit(1 if problems else 0)
