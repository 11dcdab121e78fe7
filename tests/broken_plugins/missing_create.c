/* A component with no create callback at all. */
#include "broken_common.h"

static const ferry_source_vtable vtable = {sizeof(ferry_source_vtable),
                                           0,
                                           0,
                                           stub_destroy,
                                           stub_last_error,
                                           0,
                                           stub_discover,
                                           0,
                                           0,
                                           0,
                                           0,
                                           0,
                                           0};
BROKEN_MANIFEST(FERRY_ABI_MAGIC, FERRY_ABI_MAJOR, FERRY_ABI_MINOR, "nocreate", "1.0.0", "nocreate",
                FERRY_CAP_SOURCE_CATALOG, vtable)
