#include "task/stage_graph.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

namespace ferry::host {

using config::MigrationType;

const StageSpec* StageGraph::find(const std::string& name) const {
  for (const auto& s : stages) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::vector<StageSpec> default_stages(const config::TaskConfig& task) {
  // The OMS flow: the store captures changes before full import starts; schema, then full
  // import; incremental sync replays the store after full import; verification after the data
  // is in; reverse sync after the switchover.
  std::vector<StageSpec> out;
  auto add = [&](std::string name, std::vector<std::string> after) {
    StageSpec s;
    s.component = name;
    s.name = std::move(name);
    s.after = std::move(after);
    s.where = task.where;
    out.push_back(std::move(s));
  };
  auto if_has = [&](MigrationType t, const char* stage) {
    return task.has(t) ? std::vector<std::string>{stage} : std::vector<std::string>{};
  };
  if (task.has(MigrationType::Incremental)) add("store", {});
  if (task.has(MigrationType::Schema)) add("schema", {});
  if (task.has(MigrationType::Full)) add("full-import", if_has(MigrationType::Schema, "schema"));
  if (task.has(MigrationType::Incremental)) {
    add("incr-sync", if_has(MigrationType::Full, "full-import"));
  }
  if (task.has(MigrationType::Verify)) {
    add("full-verification", if_has(MigrationType::Full, "full-import"));
  }
  if (task.has(MigrationType::Reverse)) {
    add("switchover", task.has(MigrationType::Incremental) ? std::vector<std::string>{"incr-sync"}
                                                           : std::vector<std::string>{});
    add("reverse-incr-sync", {"switchover"});
  }
  return out;
}

namespace {

std::vector<StageSpec> merge(const config::TaskConfig& task) {
  std::vector<StageSpec> stages = default_stages(task);
  for (const auto& sc : task.stages) {
    StageSpec s;
    s.name = sc.name;
    s.component = sc.component;
    s.inputs = sc.inputs;
    s.after = sc.after;
    if (sc.channel_capacity) s.channel_capacity = *sc.channel_capacity;
    s.config = sc.config;
    s.where = sc.where;
    auto same = std::find_if(stages.begin(), stages.end(),
                             [&](const StageSpec& d) { return d.name == s.name; });
    if (same != stages.end()) {
      *same = std::move(s);
    } else {
      stages.push_back(std::move(s));
    }
  }
  return stages;
}

}  // namespace

GraphResult build_stage_graph(const config::TaskConfig& task, const PluginRegistry& plugins) {
  GraphResult result;
  std::vector<StageSpec> stages = merge(task);
  auto error = [&](const StageSpec& s, const std::string& message) {
    result.errors.push_back(config::ConfigError{
        s.where, fmt::format("task '{}': stage '{}': {}", task.id, s.name, message)});
  };

  std::map<std::string, size_t> index;
  for (size_t i = 0; i < stages.size(); ++i) index.emplace(stages[i].name, i);
  std::map<std::string, size_t> consumers;
  for (const auto& s : stages) {
    for (const auto& in : s.inputs) ++consumers[in];
  }
  for (const auto& s : stages) {
    if (plugins.find(FERRY_KIND_TRANSFORM, s.component) &&
        !plugins.find(FERRY_KIND_COMPONENT, s.component)) {
      // The host drives a transform: one batch stream in, one out.
      if (s.inputs.size() != 1 || consumers[s.name] != 1) {
        error(s, fmt::format("transform '{}' needs exactly one input and one stage reading its "
                             "output (it has {} and {})",
                             s.component, s.inputs.size(), consumers[s.name]));
      }
    } else if (!plugins.find(FERRY_KIND_COMPONENT, s.component)) {
      error(s, fmt::format("unknown component '{}' (no loaded plugin provides it)", s.component));
    }
    for (const auto& in : s.inputs) {
      if (!index.count(in)) error(s, fmt::format("input '{}' is not a stage of this task", in));
    }
    for (const auto& a : s.after) {
      if (!index.count(a))
        error(s, fmt::format("'after' names '{}', which is not a stage of this task", a));
    }
  }
  if (!result.ok()) return result;

  // Topological order: repeatedly the earliest-declared stage whose dependencies are placed
  // (stages are few). When none is ready, what remains holds a cycle, reported along its path.
  std::vector<std::set<size_t>> deps(stages.size());
  for (size_t i = 0; i < stages.size(); ++i) {
    for (const auto& in : stages[i].inputs) deps[i].insert(index[in]);
    for (const auto& a : stages[i].after) deps[i].insert(index[a]);
  }
  std::vector<bool> placed(stages.size(), false);
  std::vector<size_t> order;
  while (order.size() < stages.size()) {
    bool progressed = false;
    for (size_t i = 0; i < stages.size(); ++i) {
      if (placed[i]) continue;
      if (std::all_of(deps[i].begin(), deps[i].end(), [&](size_t d) { return placed[d]; })) {
        placed[i] = true;
        order.push_back(i);
        progressed = true;
        break;  // rescan: the earliest-declared ready stage always goes next
      }
    }
    if (progressed) continue;
    // Walk unplaced dependencies from the first unplaced stage until a stage repeats.
    size_t at =
        static_cast<size_t>(std::find(placed.begin(), placed.end(), false) - placed.begin());
    std::vector<size_t> path;
    while (std::find(path.begin(), path.end(), at) == path.end()) {
      path.push_back(at);
      at = *std::find_if(deps[at].begin(), deps[at].end(), [&](size_t d) { return !placed[d]; });
    }
    std::string cycle;
    for (auto it = std::find(path.begin(), path.end(), at); it != path.end(); ++it) {
      cycle += stages[*it].name + " -> ";
    }
    cycle += stages[at].name;
    error(stages[at], "the stage graph has a cycle: " + cycle);
    return result;
  }
  // A data edge P -> C deadlocks when P must complete before C can start: C waits for its
  // `after` stages, those wait for their own `after` stages and for their producers to finish,
  // and P, with nobody reading, fills the channel and waits forever.
  for (size_t c = 0; c < stages.size(); ++c) {
    std::set<size_t> before_start;
    std::vector<size_t> todo;
    for (const auto& a : stages[c].after) todo.push_back(index[a]);
    while (!todo.empty()) {
      const size_t x = todo.back();
      todo.pop_back();
      if (!before_start.insert(x).second) continue;
      for (const auto& a : stages[x].after) todo.push_back(index[a]);
      for (const auto& in : stages[x].inputs) todo.push_back(index[in]);
    }
    for (const auto& in : stages[c].inputs) {
      if (before_start.count(index[in])) {
        error(stages[c], fmt::format("it reads from '{}' but can only start after '{}' has "
                                     "completed (through 'after'): '{}' would fill the channel "
                                     "and wait forever",
                                     in, in, in));
      }
    }
  }
  if (!result.ok()) return result;
  for (size_t i : order) result.graph.stages.push_back(std::move(stages[i]));
  return result;
}

}  // namespace ferry::host
