"""The district rulebook: one set of rules for every server and the console.

The district's words (its clock, warning levels, statuses, incident types, streets
and the distance between two points) are in :mod:`district.vocabulary`, once.
Alert, incident and task state machines, roles and scope checks, idempotency,
identity (users, tokens, login throttling, identity-provider JWTs) and the limits
on what a caller may send. The embedded feed, drills and the district gateway
apply commands through it; the console reads it to decide which actions to offer.

Pure Python: no Qt, no widgets, no HTTP framework, nothing from ``simulator``.
Wire models come from ``console.models`` (the published contract).
"""
