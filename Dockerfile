# syntax=docker/dockerfile:1
# Multi-stage build: compile with dev dependencies, ship only production dependencies and dist/.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
COPY scripts ./scripts
# npm run build also builds the demo pages (Vite, with the typed client) into dist/demo; they are served only
# when DEMO_ENABLED=true.
COPY demo ./demo
COPY clients/ts/src ./clients/ts/src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim AS runtime
# glibc malloc: blocks of 1 MiB and more (argon2's 19 MiB per password check) are mapped and given back to the
# system when freed, instead of staying in the process after the first login (docs/performance.md, S4).
# `npm run bench` runs the app with the same values (read from here).
ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0 \
    MALLOC_MMAP_THRESHOLD_=1048576
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
USER node
EXPOSE 3000
# Liveness without extra tools in the image.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# Migrations run at start, under an advisory lock, so several replicas can start together.
CMD ["node", "dist/src/main.js"]
