# CI without a registry: a stand-in for the official postgres:15 image, from Debian's PostgreSQL 15 on
# the base image make-base-image.sh makes. It honours what docker-compose.yml uses of the official
# image: POSTGRES_USER, POSTGRES_DB, POSTGRES_PASSWORD_FILE, the data directory, user 999, SIGINT.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
# uid 999 as in the official image (the setup service gives the password file to it); no cluster made
# by the package: the entrypoint makes one in the volume.
RUN echo 'postgres:x:999:999:PostgreSQL:/var/lib/postgresql:/bin/sh' >>/etc/passwd \
 && echo 'postgres:x:999:' >>/etc/group \
 && mkdir -p /etc/postgresql-common \
 && echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.conf \
 && apt-get update \
 && apt-get install -y --no-install-recommends postgresql-15 \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /var/lib/postgresql/data /var/run/postgresql \
 && chown -R 999:999 /var/lib/postgresql /var/run/postgresql \
 && chmod 700 /var/lib/postgresql/data
COPY postgres-entrypoint.sh /usr/local/bin/postgres-entrypoint.sh
ENV PATH=/usr/lib/postgresql/15/bin:$PATH PGDATA=/var/lib/postgresql/data
USER 999:999
STOPSIGNAL SIGINT
ENTRYPOINT ["/bin/sh", "/usr/local/bin/postgres-entrypoint.sh"]
