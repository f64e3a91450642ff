# easy-api image: the server, Chromium's headless shell with fonts, and the
# wa-js bundle, running as a non-root user with its session data in /data.
#
#   docker build --build-arg VERSION=$(git describe --tags --always) -t easy-api .
#   docker run -d --name easy-api -p 8080:8080 -v easy-api-data:/data \
#     -e EASY_API_API_KEY=change-me --stop-timeout 45 easy-api
#
# The image runs the same scripts/setup.sh steps as `make` (assets in the
# build stage, browser in the runtime stage), so CI exercises them.
#
# Stopping: SIGTERM makes easy-api close every browser gracefully (a kill
# right after a write loses WhatsApp's localStorage), bounded by
# --shutdown-timeout (30s) plus about 10s for the HTTP drain, the webhook
# flush and the store. Give docker stop that long: --stop-timeout 45
# (docker run), stop_grace_period: 45s (compose),
# terminationGracePeriodSeconds: 45 (Kubernetes). Docker's default of 10s
# is enough for a normal stop but not for the worst case.

FROM golang:1.26.8-bookworm AS build
WORKDIR /src
# npm assets first (installs npm from Debian when missing, then npm ci), so
# this layer is rebuilt only when the lock file changes.
COPY package.json package-lock.json ./
COPY scripts/setup.sh scripts/setup.sh
RUN ./scripts/setup.sh assets
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/root/go/pkg/mod go mod download
COPY . .
ARG VERSION=dev
# The binary needs nothing from npm (Swagger UI comes from a Go module); the
# wa-js bundle is copied into the image below.
RUN --mount=type=cache,target=/root/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/easy-api ./cmd/easy-api

FROM debian:bookworm-slim
# Chromium's headless shell, fonts and CA certificates through the same
# script as `make`; tini as PID 1 reaps the processes of a browser that was
# killed (easy-api reaps only its own children).
COPY scripts/setup.sh /tmp/setup/scripts/setup.sh
RUN /tmp/setup/scripts/setup.sh browser headless \
    && apt-get install -y -qq --no-install-recommends tini >/dev/null \
    && rm -rf /var/lib/apt/lists/* /tmp/setup \
    && groupadd --system --gid 10001 easy-api \
    && useradd --system --uid 10001 --gid 10001 --home-dir /home/easy-api --create-home \
       --shell /usr/sbin/nologin easy-api \
    && install -d -o 10001 -g 10001 -m 0700 /data

WORKDIR /opt/easy-api
COPY --from=build /src/node_modules/@wppconnect/wa-js/dist /opt/easy-api/node_modules/@wppconnect/wa-js/dist
COPY --from=build /src/node_modules/@wppconnect/wa-js/LICENSE /opt/easy-api/node_modules/@wppconnect/wa-js/LICENSE
COPY deployments/docker/chromium-no-sandbox /usr/local/bin/chromium-no-sandbox
COPY --from=build /out/easy-api /usr/local/bin/easy-api

ENV EASY_API_HOST=0.0.0.0 \
    EASY_API_PORT=8080 \
    EASY_API_SESSION_DATA_PATH=/data \
    EASY_API_WAJS=/opt/easy-api/node_modules/@wppconnect/wa-js/dist/wppconnect-wa.js \
    EASY_API_BROWSER_PATH=/usr/local/bin/chromium-no-sandbox

USER 10001:10001
VOLUME ["/data"]
EXPOSE 8080
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["easy-api", "healthcheck", "--path", "/healthz"]
ENTRYPOINT ["/usr/bin/tini", "--", "easy-api"]
CMD ["serve"]
