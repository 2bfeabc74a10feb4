"""The district gateway: wire contract v1 over a NATS JetStream event log, served by replicas.

Kept import-light on purpose: the embedded feed and drills import :mod:`gateway.fanout`
(and the feed :mod:`gateway.web`) without pulling in NATS or the gateway's server.
"""
