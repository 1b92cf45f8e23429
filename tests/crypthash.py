#!/usr/bin/env python3
# SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
# see LICENSE.
"""tests/crypthash.py PREFIX PASSWORD [COST]: a crypt(3) hash made by
libxcrypt's crypt_gensalt and crypt (the library cmd5checkpw verifies
with), e.g. PREFIX '$y$' yescrypt, '$6$' sha512-crypt, '$2b$' bcrypt."""
import ctypes
import ctypes.util
import sys

lib = ctypes.CDLL(ctypes.util.find_library("crypt"))
lib.crypt_gensalt.restype = ctypes.c_char_p
lib.crypt.restype = ctypes.c_char_p
cost = int(sys.argv[3]) if len(sys.argv) > 3 else 0
salt = lib.crypt_gensalt(sys.argv[1].encode(), cost, None, 0)
if not salt:
    sys.exit("crypt_gensalt refused " + sys.argv[1])
h = lib.crypt(sys.argv[2].encode(), salt)
if not h or h.startswith(b"*"):
    sys.exit("crypt failed")
print(h.decode())
