# syntax=docker/dockerfile:1
#
# One image for all six processes (five subgraphs and the router): the monorepo runs TypeScript
# through tsx, so there is no build output, and the process is chosen by the command, e.g.
#   docker run baemin/app node --import tsx subgraphs/order/src/index.ts
# The default command runs the router. See k8s/README.md for how compose and Kubernetes use it.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: install dependencies (better-sqlite3 compiles natively when no prebuilt binary fits)
FROM ${NODE_IMAGE} AS build
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Manifests first so the dependency layer is cached until package.json/package-lock.json change.
# npm ci needs every workspace's package.json to link the workspaces.
COPY package.json package-lock.json ./
COPY packages/platform/package.json packages/platform/
COPY subgraphs/order/package.json subgraphs/order/
COPY subgraphs/store/package.json subgraphs/store/
COPY subgraphs/delivery/package.json subgraphs/delivery/
COPY subgraphs/payment/package.json subgraphs/payment/
COPY subgraphs/dashboard/package.json subgraphs/dashboard/
COPY router/package.json router/
COPY web/package.json web/
# With devDependencies on purpose: tsx (the runtime loader) is a devDependency today. Moving it to
# dependencies would allow `npm ci --omit=dev` and a smaller image.
RUN npm ci --no-audit --no-fund
COPY . .
# The web app the router serves at / (static files in web/dist; dist is not copied from the host).
RUN npm run build -w web

# ---- runtime: no compilers, sources and node_modules owned by root (read-only for the app user)
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    DATA_DIR=/data
WORKDIR /app
COPY --from=build /app /app
# SQLite lives in DATA_DIR: mount a volume there (a new named volume or PVC inherits this owner).
RUN mkdir -p /data && chown 1000:1000 /data
# uid/gid 1000 is the image's `node` user; numeric so Kubernetes can verify runAsNonRoot.
USER 1000:1000
EXPOSE 8081 8082 8083 8084 8085 8088
CMD ["node", "--import", "tsx", "router/src/index.ts"]
