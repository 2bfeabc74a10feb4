"""Offline drills (演练): scenario scripts, a virtual clock, the drill source and its local
arbiter, scoring, after-action reports and drill packages.

``session.DrillSession`` ties them together for the GUI (``pingshan-console --drill``)
and for headless runs (``pingshan-console drill run``).  Nothing here opens a socket,
and drill data lives in its own folder, never in the live cache.
"""
