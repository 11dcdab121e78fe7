// The task's settings as a component reads them from ferry_stage_context.task_json (the host's
// task_settings_json): migration types, concurrency presets, object selection, renames and the
// connector plugins' names. Shared by the in-tree components.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "selection.hpp"

namespace ferry::common {

struct TaskSettings {
  std::string id;
  std::set<std::string> types;  // "schema", "full", "incremental", "verify", "reverse"
  std::string concurrency = "normal";
  std::string verify_concurrency = "normal";
  // One Selection per [[task.objects]] block: a table is selected when some block includes it
  // and that block does not exclude it. No block selects everything.
  std::vector<Selection> objects;
  std::string rename_json = "{}";  // {"schemas":{...},"tables":{...},"columns":{...}}
  std::string source_plugin, destination_plugin;

  bool has(const std::string& type) const { return types.count(type) > 0; }
  bool selected(std::string_view schema, std::string_view table) const;
  // What to pass to a source's discover(): the union of the blocks (discover may return more
  // than selected() keeps when blocks exclude differently; filter with selected()).
  std::string discover_selection_json() const;
};

// FERRY_INVALID_ARGUMENT naming what is malformed.
TaskSettings parse_task_settings(const std::string& task_json);

}  // namespace ferry::common
