#!/usr/bin/env bash
# Stand-ins for python:3.12-slim and postgres:16 on a machine that reaches Debian's
# packages and PyPI but not Docker Hub (where the Docker tests were run), made from
# Debian 12 with debootstrap:
#   perfbot-local-base:bookworm      Python 3.11 and venv (the Dockerfile's BASE)
#   perfbot-local-postgres:15        PostgreSQL 15 with the official image's variables
# Then:
#   docker build --network host --build-arg BASE=perfbot-local-base:bookworm -t perfbot .
#   PERFBOT_DOCKER_IMAGE=perfbot PERFBOT_COMPOSE=1 POSTGRES_IMAGE=perfbot-local-postgres:15 \
#     .venv/bin/python -m pytest tests/test_docker_image.py
# Needs root, debootstrap and a running Docker daemon.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# The legacy builder where the buildx plugin is missing (it still takes --network host).
docker buildx version >/dev/null 2>&1 || export DOCKER_BUILDKIT=0

debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
  bookworm "$work/rootfs" http://deb.debian.org/debian >/dev/null
# A TLS-inspecting proxy's CA, where the host trusts one, so pip inside reaches PyPI.
cp /etc/ssl/certs/ca-certificates.crt "$work/rootfs/etc/ssl/certs/ca-certificates.crt"
tar -C "$work/rootfs" -c . |
  docker import --change 'ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt' - \
    perfbot-local-base:bookworm

mkdir "$work/pg"
cp "$here/postgres-entrypoint.sh" "$work/pg/entrypoint.sh"
cat > "$work/pg/Dockerfile" <<'DOCKERFILE'
FROM perfbot-local-base:bookworm
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends postgresql-15 >/dev/null \
 && rm -rf /var/lib/apt/lists/* && mkdir -p /var/run/postgresql \
 && chown postgres /var/run/postgresql
ENV PATH=/usr/lib/postgresql/15/bin:$PATH
COPY entrypoint.sh /entrypoint.sh
EXPOSE 5432
CMD ["/entrypoint.sh"]
DOCKERFILE
docker build --network host -q -t perfbot-local-postgres:15 "$work/pg"
