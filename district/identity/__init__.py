"""Identity for every district server: who a caller is, and how sure we are of it.

Four ways in, one :class:`User` out:

* **Password login** against a users file (:class:`UserDirectory`), guarded by a
  :class:`LoginThrottle` per user name and per client address.
* **Opaque bearer tokens** issued after a login (:class:`TokenBook`: access tokens with
  expiry, single-use refresh tokens), kept as hashes in a :class:`GrantStore`: this
  process's memory by default, or a store the gateway's replicas share.
* **Identity-provider JWTs** checked against the provider's JWKS
  (:class:`JwtVerifier`); the role and street come from two claims.
* **Nobody**: without an ``Authorization`` header a caller is ``TokenBook.anonymous``
  (:data:`ANONYMOUS`, a read-only viewer, on a server that does not require login).

Users file
----------
UTF-8 JSON, written by ``pingshan-feed users add|remove`` (:func:`users_main`) and
saved atomically with mode 0600::

    {
      "version": 1,
      "users": [
        {"username": "duty", "name": "值班员", "role": "operator", "scope": "district",
         "password_hash": "scrypt$16384$8$1$<salt, base64>$<hash, base64>"}
      ]
    }

``username``: 1–64 characters of ``A–Z a–z 0–9 _ . @ -``. ``role``: viewer, operator,
supervisor or administrator. ``scope``: ``district`` (the whole district) or a street
id from the catalogue (pingshan, maluan, biling, shijing, kengzi, longtian).
``name``: the display name. Any other key, a missing key, a duplicate user name or an
unreadable hash is refused on load with a message naming the file and the entry.

Password hashes are ``scrypt$N$r$p$salt$hash`` (``hashlib.scrypt``, standard base64
with padding; new hashes use N=2**14, r=8, p=1, a random 16-byte salt and a 32-byte
hash). A file may carry other costs within bounds (N ≤ 2**20, scrypt memory ≤ 256 MiB,
p ≤ 16) so that a hand-edited file cannot make a login eat the machine.

Modules
-------
* :mod:`~district.identity.users`: the users file (:class:`UserDirectory`), scrypt password
  hashes, :data:`ANONYMOUS`, :data:`OPEN_SEAT` and the demo accounts.
* :mod:`~district.identity.files`: reading and atomically writing settings files (users,
  sources) and the plumbing their command lines share.
* :mod:`~district.identity.throttle`: :class:`LoginThrottle`.
* :mod:`~district.identity.provider`: identity-provider JWTs (:class:`JwtVerifier`).
* :mod:`~district.identity.tokens`: :class:`TokenBook` and the grant stores.
* :mod:`~district.identity.cli`: ``pingshan-feed users`` (:func:`users_main`).

Pure Python: stdlib, PyJWT and the district catalogue; no Qt, no HTTP framework.
"""

from __future__ import annotations

from district.identity.cli import users_main
from district.identity.files import (MISSING, CliParser, UsageError, file_command, fsync_dir, read_json_file,
                                     write_secret_file)
from district.identity.provider import DEFAULT_JWT_ALGORITHMS, SAFE_JWT_ALGORITHMS, JwtVerifier
from district.identity.throttle import LoginThrottle, Strikes
from district.identity.tokens import (ACCESS, DEFAULT_REFRESH_TTL_S, DEFAULT_TOKEN_TTL_S, GRANT_KINDS, REFRESH, Grant,
                                      GrantStore, GrantStoreUnavailable, MemoryGrants, TokenBook, token_digest)
from district.identity.users import (ANONYMOUS, DEMO_USERS, DISTRICT_SCOPE, HASH_BYTES, MAX_PASSWORD_LENGTH,
                                     MIN_PASSWORD_LENGTH, OPEN_SEAT, SALT_BYTES, SCRYPT_N, SCRYPT_P, SCRYPT_R,
                                     PasswordHash, UserDirectory, UsersFileError, district_streets, hash_password,
                                     password_problem, verify_password)
from district.roles import ROLES, User  # the one seat type of rules and identity

__all__ = ["ANONYMOUS", "DEMO_USERS", "DISTRICT_SCOPE", "HASH_BYTES", "MAX_PASSWORD_LENGTH", "MIN_PASSWORD_LENGTH",
           "OPEN_SEAT", "PasswordHash", "SALT_BYTES", "SCRYPT_N", "SCRYPT_P", "SCRYPT_R", "UserDirectory",
           "UsersFileError", "district_streets", "hash_password", "password_problem", "verify_password",
           "CliParser", "MISSING", "UsageError", "file_command", "fsync_dir", "read_json_file", "write_secret_file",
           "LoginThrottle", "Strikes", "DEFAULT_JWT_ALGORITHMS", "JwtVerifier", "SAFE_JWT_ALGORITHMS", "ACCESS",
           "DEFAULT_REFRESH_TTL_S", "DEFAULT_TOKEN_TTL_S", "GRANT_KINDS", "Grant", "GrantStore",
           "GrantStoreUnavailable", "MemoryGrants", "REFRESH", "TokenBook", "token_digest", "users_main", "ROLES",
           "User"]
