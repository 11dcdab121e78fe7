/* Shared pieces of the hand-written C test plugins: no-op lifecycle callbacks and a one-source
 * manifest builder. */
#ifndef FERRY_BROKEN_COMMON_H
#define FERRY_BROKEN_COMMON_H

#include <ferry/abi.h>

static int broken_instance;

__attribute__((unused)) static ferry_status stub_create(const ferry_create_args* args, void** out,
                                                        const ferry_error_sink* err) {
  (void)args;
  (void)err;
  *out = &broken_instance;
  return FERRY_OK;
}
__attribute__((unused)) static void stub_destroy(void* self) {
  (void)self;
}
__attribute__((unused)) static const char* stub_last_error(void* self) {
  (void)self;
  return "";
}
__attribute__((unused)) static ferry_status stub_discover(void* self, const char* sel,
                                                          ferry_catalog* out) {
  (void)self;
  (void)sel;
  (void)out;
  return FERRY_NOT_SUPPORTED;
}
__attribute__((unused)) static ferry_status stub_position(void* self, ferry_position* out) {
  (void)self;
  (void)out;
  return FERRY_NOT_SUPPORTED;
}
__attribute__((unused)) static ferry_status stub_splits(void* self, const ferry_table_ref* t,
                                                        uint64_t n, ferry_split_list* out) {
  (void)self;
  (void)t;
  (void)n;
  (void)out;
  return FERRY_NOT_SUPPORTED;
}

/* A manifest with one source component named `source_name`. */
#define BROKEN_MANIFEST(MAGIC, MAJOR, MINOR, NAME, VERSION, SOURCE_NAME, CAPS, VTABLE) \
  static const ferry_component_desc component = {sizeof(ferry_component_desc),         \
                                                 FERRY_KIND_SOURCE,                    \
                                                 SOURCE_NAME,                          \
                                                 "test source",                        \
                                                 CAPS,                                 \
                                                 0,                                    \
                                                 0,                                    \
                                                 0,                                    \
                                                 &VTABLE};                             \
  static const ferry_component_desc* const components[] = {&component};                \
  static const ferry_plugin_manifest manifest = {                                      \
      sizeof(ferry_plugin_manifest), 0, MAGIC, MAJOR,     MINOR, NAME, VERSION,        \
      "broken test plugin",          1, 0,     components};                            \
  FERRY_EXPORT const ferry_plugin_manifest* ferry_plugin_entry_v1(void) {              \
    return &manifest;                                                                  \
  }

#define STUB_SOURCE_VTABLE(NAME)                                                       \
  static const ferry_source_vtable NAME = {.struct_size = sizeof(ferry_source_vtable), \
                                           .create = stub_create,                      \
                                           .destroy = stub_destroy,                    \
                                           .last_error = stub_last_error,              \
                                           .discover = stub_discover};

#endif
