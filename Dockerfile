# One image for every role: the command says which (coordinator, node, certs, keys, clinic, ...).
#   docker build -t cohort .
#   docker run --rm cohort --help
# BASE_IMAGE: any Debian bookworm image with Node 22 and npm on the PATH; CI without a registry
# builds one from Debian's mirror (deploy/ci/make-base-image.sh). Both stages use it, so the native
# module (sqlite3) is compiled against the glibc it runs on.
ARG BASE_IMAGE=node:22-bookworm-slim

FROM ${BASE_IMAGE} AS build
# sqlite3 compiles from source where its prebuilt binary cannot be downloaded.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
# The production dependencies, from the lockfile; --ignore-scripts keeps `prepare` from building
# before the sources are here, and sqlite3's own install script is then run alone.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm rebuild sqlite3
# The compiler, the type packages and the console's bundler and UI libraries the build needs, at the
# lockfile's versions, outside /src (tsc and esbuild find /node_modules walking up from /src): the other
# dev dependencies (test runners, linters, a second Node, a browser driver) would triple the download
# and are not needed to build; playwright-core is here for its types (bench/console.ts), the browser
# benchmark does not run in the image. (npm refuses to install into / itself, hence /tools and a link.)
RUN mkdir /tools && cd /tools && ln -s /tools/node_modules /node_modules \
 && npm install --no-save --no-package-lock --ignore-scripts --no-audit --no-fund \
      $(node -p "['typescript', '@types/node', '@types/pg', 'esbuild', 'preact', 'chart.js', '@picocss/pico', '@noble/hashes', 'buffer', 'playwright-core'].map((n) => n + '@' + require('/src/package-lock.json').packages['node_modules/' + n].version).join(' ')")
COPY tsconfig.json tsconfig.build.json ./
COPY protos protos
COPY cli cli
COPY common common
COPY crypto crypto
COPY coordinator coordinator
COPY strategies strategies
COPY survival survival
COPY clinic-node clinic-node
COPY simulations simulations
COPY bench bench
COPY wire wire
COPY console console
COPY scripts/build-console.mjs scripts/
RUN /node_modules/.bin/tsc -p tsconfig.build.json \
 && node scripts/build-console.mjs \
 && find protos -type f ! -name '*.proto' -delete

FROM ${BASE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOME=/home/cohort \
    COHORT_CACHE_DIR=/home/cohort/.cache/cohort
# A user of its own (written into /etc/passwd directly: a minimal base may lack useradd). /state is
# where a volume goes: a node's keystore, ledger and outbox; the coordinator's SQLite file.
RUN echo 'cohort:x:10001:10001:Cohort:/home/cohort:/usr/sbin/nologin' >>/etc/passwd \
 && echo 'cohort:x:10001:' >>/etc/group \
 && mkdir -p /home/cohort/.cache/cohort /state /secrets /trust \
 && chown -R 10001:10001 /home/cohort /state /secrets /trust
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/protos protos
COPY --from=build /src/node_modules node_modules
COPY --from=build /src/dist dist
USER 10001:10001
# node itself as PID 1 (never npm or npx, which do not pass SIGTERM on): the coordinator and the
# node stop gracefully on SIGTERM.
ENTRYPOINT ["node", "dist/cli/cohort.js"]
CMD ["--help"]
