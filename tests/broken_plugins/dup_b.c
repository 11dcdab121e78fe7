/* Provides source 'dup', which dup_a.c already provides. */
#include "broken_common.h"

STUB_SOURCE_VTABLE(vtable)
BROKEN_MANIFEST(FERRY_ABI_MAGIC, FERRY_ABI_MAJOR, FERRY_ABI_MINOR, "dup-b", "2.0.0", "dup",
                FERRY_CAP_SOURCE_CATALOG, vtable)
