/* Built for a future ABI major: ABI 2.1. */
#include "broken_common.h"

STUB_SOURCE_VTABLE(vtable)
BROKEN_MANIFEST(FERRY_ABI_MAGIC, 2, 1, "future", "1.4.0", "future", FERRY_CAP_SOURCE_CATALOG,
                vtable)
