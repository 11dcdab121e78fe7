/* Declares the snapshot capability but leaves open_snapshot NULL. */
#include "broken_common.h"

static const ferry_source_vtable vtable = {sizeof(ferry_source_vtable),
                                           0,
                                           stub_create,
                                           stub_destroy,
                                           stub_last_error,
                                           0,             /* precheck */
                                           stub_discover, /* discover */
                                           stub_position, /* snapshot_position */
                                           stub_splits,   /* plan_splits */
                                           0,             /* open_snapshot: missing */
                                           0,
                                           0,
                                           0};
BROKEN_MANIFEST(FERRY_ABI_MAGIC, FERRY_ABI_MAJOR, FERRY_ABI_MINOR, "half", "1.0.0", "half",
                FERRY_CAP_SOURCE_CATALOG | FERRY_CAP_SOURCE_SNAPSHOT, vtable)
