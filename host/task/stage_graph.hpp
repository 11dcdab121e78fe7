// A task's stage graph: which component runs each stage, the data edges (bounded channels from
// each input stage) and the ordering edges ("after": starts once those stages completed).
//
// The defaults come from the task's migration types (one table: default_stages). A task's TOML
// may add stages or replace a default one by giving a stage of the same name.
#pragma once

#include "config/config.hpp"
#include "plugin/plugin_registry.hpp"

#include <string>
#include <vector>

namespace ferry::host {

struct StageSpec {
  std::string name;
  std::string component;
  std::vector<std::string> inputs;  // data edges: a channel from each of these stages
  std::vector<std::string> after;   // ordering edges: starts when these have completed
  uint32_t channel_capacity = 16;   // batches per input channel
  config::FieldMap config;
  config::SourceLocation where;  // the [[task.stage]] table, or the task for a default stage
};

struct StageGraph {
  std::vector<StageSpec> stages;  // in a dependency order (every edge points backwards)
  const StageSpec* find(const std::string& name) const;
};

// The stages the migration types imply, before any TOML override.
std::vector<StageSpec> default_stages(const config::TaskConfig& task);

// Defaults merged with the task's [[task.stage]] tables, validated and ordered. Each problem is
// a ConfigError at the stage's location naming the task and stage; `graph` is empty then.
struct GraphResult {
  StageGraph graph;
  std::vector<config::ConfigError> errors;
  bool ok() const { return errors.empty(); }
};
GraphResult build_stage_graph(const config::TaskConfig& task, const PluginRegistry& plugins);

}  // namespace ferry::host
