# syntax=docker/dockerfile:1
# certwright operator image: compiled JavaScript and production dependencies on a distroless
# Node 22 base (no shell, no npm, no compilers), running as uid 65532.
#   docker build -t certwright:dev .
# Pin the bases by digest in your registry mirror for reproducible builds.
ARG BUILD_IMAGE=node:22-bookworm-slim
ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs22-debian12:nonroot

FROM ${BUILD_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/node22.sh ./scripts/node22.sh
COPY src ./src
RUN npm run build

FROM ${BUILD_IMAGE} AS deps
WORKDIR /src
COPY package.json package-lock.json ./
# No dependency needs an install script or a native build.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM ${RUNTIME_IMAGE}
# The commit, when the build passes it (docker build --build-arg GIT_COMMIT=$(git rev-parse HEAD)):
# shown by --version, in the start-up log and in certwright_build_info.
ARG GIT_COMMIT=""
ENV CERTWRIGHT_COMMIT=${GIT_COMMIT}
LABEL org.opencontainers.image.title="certwright" \
      org.opencontainers.image.description="Kubernetes operator for the whole life of X.509 certificates" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV NODE_ENV=production
# V8 heap caps for the chart's 512Mi limit (the chart sets its own, values.yaml nodeOptions):
# V8 otherwise sizes its heap from the node's memory, not the container's.
ENV NODE_OPTIONS="--max-old-space-size=384 --max-semi-space-size=4"
WORKDIR /app
# package.json carries "type": "module", which dist/*.js needs.
COPY --from=deps /src/package.json ./package.json
COPY --from=deps /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
# The kubectl plugin, run from the image: /nodejs/bin/node bin/kubectl-certwright.js VERB ...
COPY bin ./bin
USER 65532:65532
EXPOSE 9402
ENTRYPOINT ["/nodejs/bin/node", "dist/main.js"]
