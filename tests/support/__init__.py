"""Helpers shared by the tests, imported as ``tests.support.<module>``; never a test file.

- ``asyncsupport``: run a coroutine, wait for a condition, read the feed's own state.
- ``natsupport``: a real nats-server and gateway processes, tokens, commands, SSE reads.
- ``streetsupport``: street nodes and the cuttable TCP relay between hub and leaf.
- ``failoversupport``: load, stream clients and state readers for gateway failover.
- ``mqttsupport``: devices over MQTT and a stream of their reading batches.
- ``certsupport``: a throwaway CA and server certificate (openssl CLI).
- ``sourcesupport``: minimal picture and ingest for a ``LiveSource``.
- ``indicatorsupport``: the hand-computed indicator fixture and a filled journal.
- ``qtsupport``: a real ``ConsoleCore`` driven by Qt's event loop (fixtures in tests/ui/conftest.py).
- ``mapsupport``: the map panel on a real web page (fixture in tests/ui/map/conftest.py).
- ``wallsupport``: the video wall and its stand-in core.
- ``realx_support``: Xvfb, a window manager, xdotool, and the console run on them.
- ``rtspsupport``: starts ``rtsp_server.py`` (run by Debian's python3, not the venv).
- ``faultsupport``: the fault suite's rig, rows and their limits (``LIMITS``).
- ``faultscenarios``: the fault suite's scenarios, shared by tests/faults and bench/bench_faults.py.
- ``fault_console_child.py``: a console to be SIGKILLed, run as a script by the fault suite.
- ``siplab``: kamailio as SIP registrar/proxy and sipp field units on loopback (tests/comms,
  bench/bench_calls.py, ``scripts/sip_lab.sh``).
"""
