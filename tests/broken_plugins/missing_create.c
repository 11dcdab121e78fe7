/* A component with no create callback at all. */
#include "broken_common.h"

static const ferry_source_vtable vtable = {.struct_size = sizeof(ferry_source_vtable),
                                           .destroy = stub_destroy,
                                           .last_error = stub_last_error,
                                           .discover = stub_discover};
BROKEN_MANIFEST(FERRY_ABI_MAGIC, FERRY_ABI_MAJOR, FERRY_ABI_MINOR, "nocreate", "1.0.0", "nocreate",
                FERRY_CAP_SOURCE_CATALOG, vtable)
