# syntax=docker/dockerfile:1
# Two stages: the first installs everything and compiles src/ to dist/, the second carries only
# the compiled code and production dependencies and runs as the unprivileged `node` user.

FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY patches ./patches
# postinstall applies patches/ (patch-package); no other install script runs a download.
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:22-bookworm-slim
ENV NODE_ENV=production
# Two V8 helper threads, as `npm start` runs: each thread's malloc arena keeps what compiling
# PGlite's WebAssembly freed (docs/architecture.md, Storage).
ENV NODE_OPTIONS=--v8-pool-size=2
# glibc hands freed blocks of 64 KiB and more back to the system, as `npm start` sets: the first
# run's import and training otherwise leave ~80 MB of freed native memory in the process.
ENV MALLOC_MMAP_THRESHOLD_=65536 MALLOC_TRIM_THRESHOLD_=65536
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY migrations ./migrations
COPY prompts ./prompts
# Models are mounted here (docker-compose.yml: the `models` volume, filled by `cli models pull`).
RUN mkdir -p /app/models && chown node:node /app/models
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=5 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/main.js"]
