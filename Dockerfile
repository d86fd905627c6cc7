# syntax=docker/dockerfile:1
# effcached's container image: `docker build -t effcached .`, then `docker run -p 11211:11211 effcached`.
# Flags go after the image name as with memcached's official image: `docker run effcached -m 1024 -v`.
# See docs/deployment.md.

# The Node.js line the image runs on: the current LTS.
ARG NODE_VERSION=24

# Build stage: dev dependencies (TypeScript) and the compiler; only dist/ and production modules leave it.
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

# Runtime stage: node, the compiled daemon, its production dependencies, a non-root user.
FROM node:${NODE_VERSION}-bookworm-slim
ENV NODE_ENV=production \
    EFFCACHED_LISTEN=0.0.0.0
RUN useradd --system --uid 11211 --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin effcached
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY deploy/docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
RUN chmod 0755 /app/dist/main.js /usr/local/bin/docker-entrypoint.sh \
 && ln -s /app/dist/main.js /usr/local/bin/effcached \
 && effcached --version
USER effcached
EXPOSE 11211
# Asks the daemon for its version on the address its own flags and environment give it.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 CMD ["node", "/app/dist/healthcheck.js"]
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["effcached"]
