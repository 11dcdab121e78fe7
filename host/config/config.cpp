#include "config/config.hpp"

#include <algorithm>
#include <ostream>

#include "config/names.hpp"

namespace ferry::config {

// One line, whatever the message quotes: newlines are written as \n, carriage returns as \r.
std::string ConfigError::str() const {
  std::string out = detail::location_str(where) + ": ";
  for (char c : message) {
    if (c == '\n')
      out += "\\n";
    else if (c == '\r')
      out += "\\r";
    else
      out += c;
  }
  return out;
}

std::ostream& operator<<(std::ostream& os, const Secret&) {
  return os << Secret::kMask;
}

bool TaskConfig::has(MigrationType t) const {
  return std::find(types.begin(), types.end(), t) != types.end();
}

const TaskConfig* DaemonConfig::find_task(const std::string& id) const {
  auto it =
      std::find_if(tasks.begin(), tasks.end(), [&](const TaskConfig& t) { return t.id == id; });
  return it == tasks.end() ? nullptr : &*it;
}

std::string_view to_string(MigrationType t) {
  return detail::word_of(detail::kMigrationTypes, t);
}
std::string_view to_string(Concurrency c) {
  return detail::word_of(detail::kConcurrencies, c);
}
std::string_view to_string(AlertLevel a) {
  return detail::word_of(detail::kAlertLevels, a);
}
std::string_view to_string(FieldType t) {
  return detail::word_of(detail::kFieldTypes, t);
}

}  // namespace ferry::config
