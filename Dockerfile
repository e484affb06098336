# SentryAgent AgentIdP reference server. Stateless: run several replicas against one PostgreSQL,
# one Redis and (optionally) Vault. Configuration is environment only (examples/reference-server/src/config.ts).
# The console's single-page app is built with the dev dependencies (Vite), then copied in.
FROM node:20-bookworm-slim AS console-ui
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages ./packages
COPY examples ./examples
COPY docs-site/package.json ./docs-site/package.json
RUN npm ci --ignore-scripts && npm run build:ui -w @sentryagent/plugin-console

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 DATA_DIR=/data
COPY package.json package-lock.json ./
COPY packages ./packages
COPY examples ./examples
# Workspace manifest only (npm ci needs every workspace of the lock file; the site is not shipped).
COPY docs-site/package.json ./docs-site/package.json
# The server runs from its TypeScript sources: tsx (a runtime dependency of the reference server) brings the esbuild that compiles them at start.
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force \
  && mkdir -p /data && chown node:node /data
COPY --from=console-ui /app/packages/plugin-console/dist/ui ./packages/plugin-console/dist/ui
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# As `npm start`: the launcher compiles the sources at start (esbuild, tsx's copy), no loader stays in the process.
# Unlike `npm start`, no --max-old-space-size: in a container Node sizes the heap from the memory limit (NODE_OPTIONS overrides).
CMD ["node", "examples/reference-server/start.mjs"]
