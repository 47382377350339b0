# The demo's client: curl and openssl, nothing of retromesh.
ARG RUNTIME_IMAGE=debian:bookworm-slim
FROM ${RUNTIME_IMAGE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends curl openssl ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY until_ok.sh /usr/local/lib/retromesh/until_ok.sh
COPY client.sh /usr/local/bin/client.sh
ENTRYPOINT ["bash", "/usr/local/bin/client.sh"]
