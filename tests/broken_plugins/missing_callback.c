/* Declares the snapshot capability but leaves open_snapshot NULL. */
#include "broken_common.h"

static const ferry_source_vtable vtable = {.struct_size = sizeof(ferry_source_vtable),
                                           .create = stub_create,
                                           .destroy = stub_destroy,
                                           .last_error = stub_last_error,
                                           .discover = stub_discover,
                                           .snapshot_position = stub_position,
                                           .plan_splits = stub_splits};
BROKEN_MANIFEST(FERRY_ABI_MAGIC, FERRY_ABI_MAJOR, FERRY_ABI_MINOR, "half", "1.0.0", "half",
                FERRY_CAP_SOURCE_CATALOG | FERRY_CAP_SOURCE_SNAPSHOT, vtable)
