/* Provides source 'dup'; dup_b.c provides it again. */
#include "broken_common.h"

STUB_SOURCE_VTABLE(vtable)
BROKEN_MANIFEST(FERRY_ABI_MAGIC, FERRY_ABI_MAJOR, FERRY_ABI_MINOR, "dup-a", "1.0.0", "dup",
                FERRY_CAP_SOURCE_CATALOG, vtable)
