#!/bin/bash
# SPDX-License-Identifier: ISC.  Copyright (c) 2026 the cmd5checkpw authors;
# see LICENSE.
# Unit tests of the C modules (tests/unit.c): RFC 2202/2195/1939 vectors,
# Dovecot's {CRAM-MD5}, file parsing, fd-3 layouts, verification.
. "$(dirname "$0")/lib.sh"
"$UNIT"
rc=$?
is "$rc" 0 "unit test binary exits 0"
