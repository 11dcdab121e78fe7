/* Same major, but a minor newer than the host's. */
#include "broken_common.h"

STUB_SOURCE_VTABLE(vtable)
BROKEN_MANIFEST(FERRY_ABI_MAGIC, FERRY_ABI_MAJOR, FERRY_ABI_MINOR + 1, "newer", "0.9.0", "newer",
                FERRY_CAP_SOURCE_CATALOG, vtable)
