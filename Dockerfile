# perfbot: the GitHub App server.
#   docker build -t perfbot .
#   docker run -p 8080:8080 --env-file perfbot.env -v perfbot-data:/data perfbot
# With no PERFBOT_DATABASE_URL it keeps its store in an SQLite file under /data (mount a
# volume there, or deliveries do not survive the container); set
# PERFBOT_DATABASE_URL=postgresql://… to run one or more replicas on PostgreSQL
# (compose.yaml). BASE is any image with Python >= 3.11 and its venv module.
ARG BASE=python:3.12-slim

FROM ${BASE} AS build
WORKDIR /src
COPY pyproject.toml README.md app.yml ./
COPY .ci/constraints.txt ./constraints.txt
COPY bot ./bot
COPY config ./config
# The versions CI tests with (.ci/constraints.txt), built into wheels once.
RUN python3 -m venv /opt/build \
 && /opt/build/bin/pip install --no-cache-dir --quiet --upgrade pip \
 && /opt/build/bin/pip wheel --no-cache-dir --quiet --constraint constraints.txt \
      --wheel-dir /wheels .

FROM ${BASE}
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PORT=8080 \
    PERFBOT_DATA_DIR=/data PATH=/opt/perfbot/bin:$PATH
COPY --from=build /wheels /wheels
# A virtualenv: the same on the official Python image and on a distribution's Python,
# which refuses system-wide pip installs.
RUN python3 -m venv /opt/perfbot \
 && /opt/perfbot/bin/pip install --no-cache-dir --quiet --no-index --find-links /wheels perfbot \
 && rm -rf /wheels \
 && useradd --system --uid 10001 --no-create-home perfbot \
 && mkdir -p /data && chown perfbot /data
USER perfbot
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD ["python3", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8080'), timeout=2)"]
CMD ["perfbot", "serve"]
