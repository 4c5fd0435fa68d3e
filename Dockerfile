# syntax=docker/dockerfile:1
#
# One image for all six processes (five subgraphs and the router) and the operations tools,
# compiled to JavaScript and run with plain node (no TypeScript loader). One argument picks the
# process:
#
#   docker run baemin/app order            (order | store | delivery | payment | dashboard | router)
#   docker run baemin/app dlq list order.events
#   docker run baemin/app dashboard-rebuild
#
# The entry point is `node dist/main.js` (scripts/main.ts); with no argument it runs the router.
# See k8s/README.md for how compose and Kubernetes use it.

ARG NODE_IMAGE=node:22-bookworm-slim

# ---- toolchain: what better-sqlite3 needs to compile when no prebuilt binary fits this platform
FROM ${NODE_IMAGE} AS toolchain
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Manifests first so the dependency layers are cached until package.json/package-lock.json change.
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

# ---- build: every dependency, then `npm run build` (scripts/build.ts: one esbuild bundle per process)
FROM toolchain AS build
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# ---- prod-deps: production dependencies only; better-sqlite3 is built here, for this image
FROM toolchain AS prod-deps
RUN npm ci --omit=dev --no-audit --no-fund \
  && npm cache clean --force

# ---- runtime: node, production node_modules, the bundles and the files they read at run time
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    DATA_DIR=/data \
    NODE_OPTIONS=--enable-source-maps
WORKDIR /app
# Everything belongs to root, so it is read-only for the app user.
# Manifests and node_modules (workspace links resolve to the manifests copied with them).
COPY --from=prod-deps /app ./
COPY --from=build /app/dist ./dist
COPY --from=build /app/router/dist ./router/dist
COPY --from=build /app/schema/supergraph.graphql ./schema/supergraph.graphql
# Per subgraph: the bundle, its SDL and its migrations, found at run time relative to the bundle
# (new URL('..', import.meta.url) from subgraphs/<name>/dist/ is subgraphs/<name>/).
COPY --from=build /app/subgraphs/order/dist ./subgraphs/order/dist
COPY --from=build /app/subgraphs/order/schema.graphql ./subgraphs/order/schema.graphql
COPY --from=build /app/subgraphs/order/drizzle ./subgraphs/order/drizzle
COPY --from=build /app/subgraphs/order/drizzle-pg ./subgraphs/order/drizzle-pg
COPY --from=build /app/subgraphs/store/dist ./subgraphs/store/dist
COPY --from=build /app/subgraphs/store/schema.graphql ./subgraphs/store/schema.graphql
COPY --from=build /app/subgraphs/store/drizzle ./subgraphs/store/drizzle
COPY --from=build /app/subgraphs/store/drizzle-pg ./subgraphs/store/drizzle-pg
COPY --from=build /app/subgraphs/delivery/dist ./subgraphs/delivery/dist
COPY --from=build /app/subgraphs/delivery/schema.graphql ./subgraphs/delivery/schema.graphql
COPY --from=build /app/subgraphs/delivery/drizzle ./subgraphs/delivery/drizzle
COPY --from=build /app/subgraphs/delivery/drizzle-pg ./subgraphs/delivery/drizzle-pg
COPY --from=build /app/subgraphs/payment/dist ./subgraphs/payment/dist
COPY --from=build /app/subgraphs/payment/schema.graphql ./subgraphs/payment/schema.graphql
COPY --from=build /app/subgraphs/payment/drizzle ./subgraphs/payment/drizzle
COPY --from=build /app/subgraphs/payment/drizzle-pg ./subgraphs/payment/drizzle-pg
COPY --from=build /app/subgraphs/dashboard/dist ./subgraphs/dashboard/dist
COPY --from=build /app/subgraphs/dashboard/schema.graphql ./subgraphs/dashboard/schema.graphql
COPY --from=build /app/subgraphs/dashboard/drizzle ./subgraphs/dashboard/drizzle
COPY --from=build /app/subgraphs/dashboard/drizzle-pg ./subgraphs/dashboard/drizzle-pg
# The customer/owner/rider app and GraphiQL, served by the router at / (built by `npm run build`).
COPY --from=build /app/web/dist ./web/dist
# SQLite lives in DATA_DIR: mount a volume there (a new named volume or PVC inherits this owner).
RUN mkdir -p /data && chown 1000:1000 /data
# uid/gid 1000 is the image's `node` user; numeric so Kubernetes can verify runAsNonRoot.
USER 1000:1000
EXPOSE 8081 8082 8083 8084 8085 8088
# GET /ready on PORT (else on whichever default port answers): scripts/healthcheck.ts.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 CMD ["node", "dist/healthcheck.js"]
# The argument picks the process (scripts/main.ts); none runs the router.
ENTRYPOINT ["node", "dist/main.js"]
CMD ["router"]
