// Internal to ferry_config: one task table, a [[task]] entry of the daemon file or the [task]
// table of a file in task_dir.
#pragma once

#include <string_view>

#include <toml++/toml.h>

#include "config/config.hpp"
#include "config/reader.hpp"

namespace ferry::config::detail {

struct ReadTask {
  TaskConfig task;
  std::optional<SourceLocation> id_where;  // set when the id is valid
};

// Reads and validates one task table; `context` is how messages name it ("[[task]]", "[task]").
// Plugin fields are validated when `lookup` is given (phase 2).
ReadTask read_task(Reader& r, const toml::table& t, std::string_view context,
                   const FieldLookup& lookup);

}  // namespace ferry::config::detail
