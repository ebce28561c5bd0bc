# Layered on top of a bottle's own agent Dockerfile: puts the stock sandboxing scripts back,
# whatever that Dockerfile did to /opt/claude-bottle. (A Dockerfile still runs as root at build
# time and can change the rest of the image: approving one is trusting it — docs/threat-model.md.)
ARG AGENT_IMAGE
ARG CUSTOM_IMAGE
FROM ${AGENT_IMAGE} AS stock
FROM ${CUSTOM_IMAGE}
USER root
COPY --from=stock /opt/claude-bottle/ /opt/claude-bottle/
