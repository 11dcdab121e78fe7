/* A shared library that is not a ferry plugin: no ferry_plugin_entry_v1. */
#include <ferry/abi.h>

FERRY_EXPORT int ferry_something_else(void) {
  return 42;
}
