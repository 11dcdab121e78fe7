// Internal to the binlog decoder: helpers shared by the event parsers (event.cpp,
// table_map.cpp).
#pragma once

#include "binlog/event.hpp"
#include "binlog/reader.hpp"

#include <ferry/sdk/error.hpp>

#include <cstdint>
#include <initializer_list>
#include <string>

namespace ferry::mysql::binlog::detail {

// "TABLE_MAP event"
inline std::string type_label(uint8_t type) {
  return event_type_name(type) + " event";
}

// Runs `f`, turning a Malformed into FERRY_DATA_LOSS "binlog <TYPE> event[ (<ctx>)]: <what>".
template <class F>
auto guarded(uint8_t type, const std::string& ctx, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const Malformed& m) {
    std::string msg = "binlog " + type_label(type);
    if (!ctx.empty()) msg += " (" + ctx + ")";
    fail(FERRY_DATA_LOSS, msg + ": " + m.what);
  }
}

inline void expect_type(const Event& ev, std::initializer_list<uint8_t> types, const char* parser) {
  for (uint8_t t : types) {
    if (ev.header.type == t) return;
  }
  fail(FERRY_INVALID_ARGUMENT,
       std::string(parser) + " called on a binlog " + type_label(ev.header.type));
}

}  // namespace ferry::mysql::binlog::detail
