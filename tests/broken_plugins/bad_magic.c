/* The right entry symbol, but the manifest's magic is wrong. */
#include "broken_common.h"

STUB_SOURCE_VTABLE(vtable)
BROKEN_MANIFEST(0x0123456789abcdefULL, FERRY_ABI_MAJOR, FERRY_ABI_MINOR, "bad-magic", "1.0.0",
                "bad-magic", FERRY_CAP_SOURCE_CATALOG, vtable)
