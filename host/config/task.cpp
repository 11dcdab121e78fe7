#include "config/task.hpp"

#include <algorithm>
#include <map>

#include "config/fields.hpp"
#include "config/names.hpp"

namespace ferry::config::detail {
namespace {

constexpr std::string_view kTaskKeys[] = {
    "id",          "types",  "tags",        "concurrency", "verify_concurrency",
    "alert_level", "source", "destination", "objects",     "rename",
    "stage"};
constexpr std::string_view kObjectKeys[] = {"include", "exclude"};
constexpr std::string_view kRenameKeys[] = {"schemas", "tables", "columns"};
constexpr std::string_view kStageKeys[] = {"name",  "component",        "inputs",
                                           "after", "channel_capacity", "config"};
constexpr int64_t kMaxChannelCapacity = 65536;

// ^[a-z0-9][a-z0-9_-]{0,62}$
bool valid_id(std::string_view id) {
  auto lower_or_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (id.empty() || id.size() > 63 || !lower_or_digit(id.front())) return false;
  return std::all_of(id.begin(), id.end(),
                     [&](char c) { return lower_or_digit(c) || c == '_' || c == '-'; });
}

// A required, non-empty string naming something (a stage, a plugin, a component).
std::optional<std::string> required_name(Reader& r, const toml::table& t, std::string_view key,
                                         std::string_view context) {
  const toml::node* n = r.required(t, key, context);
  std::optional<std::string> v = n ? r.string(*n, key) : std::nullopt;
  if (v && v->empty()) {
    r.error(*n, "'" + std::string(key) + "' must not be empty");
    return std::nullopt;
  }
  return v;
}

std::optional<std::string> read_id(Reader& r, const toml::node& n) {
  std::optional<std::string> id = r.string(n, "id");
  if (id && !valid_id(*id)) {
    r.error(n,
            "'id' must match [a-z0-9][a-z0-9_-]{0,62} (lowercase letters, digits, '_' and "
            "'-', starting with a letter or digit, at most 63 characters), not '" +
                *id + "'");
    return std::nullopt;
  }
  return id;
}

std::vector<MigrationType> read_types(Reader& r, const toml::node& n) {
  std::vector<MigrationType> types;
  const toml::array* arr = r.expect<toml::array>(n, "types");
  if (!arr) return types;
  if (arr->empty()) r.error(n, "'types' must not be empty");
  for (size_t i = 0; i < arr->size(); ++i) {
    const toml::node& e = (*arr)[i];
    const std::string name = "types[" + std::to_string(i) + "]";
    const auto t = r.one_of<MigrationType>(e, name, kMigrationTypes);
    if (t && std::find(types.begin(), types.end(), *t) != types.end())
      r.error(e, "'types' lists '" + std::string(to_string(*t)) + "' more than once");
    else if (t)
      types.push_back(*t);
  }
  return types;
}

// An array of tables under `key`, each passed to f(table) once it is known to be a table.
template <class F>
void each_table(Reader& r, const toml::node& n, std::string_view key, F&& f) {
  const toml::array* arr = r.expect<toml::array>(n, key);
  if (!arr) return;
  for (size_t i = 0; i < arr->size(); ++i) {
    const std::string name = std::string(key) + "[" + std::to_string(i) + "]";
    if (const toml::table* t = r.expect<toml::table>((*arr)[i], name)) f(*t);
  }
}

EndpointConfig read_endpoint(Reader& r, const toml::table& task, std::string_view key,
                             ComponentRole role, const FieldLookup& lookup,
                             std::string_view task_context) {
  EndpointConfig e;
  const toml::node* n = r.required(task, key, task_context);
  const toml::table* t = n ? r.expect<toml::table>(*n, key) : nullptr;
  if (!t) return e;
  e.where = r.at(*t);
  const std::string context = "[task." + std::string(key) + "]";
  const std::optional<std::string> plugin = required_name(r, *t, "plugin", context);
  if (!plugin) return e;  // without the plugin, its fields cannot be checked
  e.plugin = *plugin;
  e.fields = read_component_fields(
      r, {role, *t->get("plugin"), e.plugin, *t, e.where, context, "plugin"}, lookup);
  return e;
}

ObjectRule read_object_rule(Reader& r, const toml::table& t) {
  constexpr std::string_view kContext = "[[task.objects]]";
  ObjectRule rule;
  rule.where = r.at(t);
  r.check_keys(t, kObjectKeys, kContext);
  if (const toml::node* n = r.required(t, "include", kContext)) {
    if (auto v = r.string_or_list(*n, "include"); v && v->empty())
      r.error(*n, "'include' must not be empty");
    else if (v)
      rule.include = std::move(*v);
  }
  assign(t, "exclude", rule.exclude,
         [&](const toml::node& n) { return r.string_or_list(n, "exclude"); });
  return rule;
}

// One [task.rename] map: source name (with `dots` dots) → a non-empty destination name.
std::map<std::string, std::string> read_rename_map(Reader& r, const toml::node& n,
                                                   std::string_view name, size_t dots,
                                                   std::string_view form) {
  std::map<std::string, std::string> out;
  const toml::table* t = r.expect<toml::table>(n, name);
  if (!t) return out;
  std::map<std::string, std::string> target_of;  // destination → source, to find collisions
  for (const auto& [k, v] : *t) {
    const std::string key(k.str());
    const auto parts = static_cast<size_t>(std::count(key.begin(), key.end(), '.'));
    const bool empty_part = key.empty() || key.front() == '.' || key.back() == '.' ||
                            key.find("..") != std::string::npos;
    if (parts != dots || empty_part) {
      r.error(r.at(k),
              "rename." + std::string(name) + ": '" + key + "' must be " + std::string(form));
      continue;
    }
    const std::optional<std::string> to = r.string(v, "rename." + std::string(name) + "." + key);
    if (!to) continue;
    if (to->empty() || to->find('.') != std::string::npos) {
      r.error(v, "rename." + std::string(name) + ": the new name of '" + key +
                     "' must be one non-empty name without a dot, not '" + *to + "'");
      continue;
    }
    // Two sources of the same parent renamed to one name would merge them.
    const std::string parent =
        key.substr(0, key.rfind('.') == std::string::npos ? 0 : key.rfind('.'));
    const std::string target = parent + "\x1f" + *to;
    if (auto [it, fresh] = target_of.emplace(target, key); !fresh) {
      r.error(v, "rename." + std::string(name) + ": '" + key + "' and '" + it->second +
                     "' are both renamed to '" + *to + "'");
      continue;
    }
    out.emplace(key, *to);
  }
  return out;
}

RenameConfig read_rename(Reader& r, const toml::node& n) {
  RenameConfig out;
  out.where = r.at(n);
  const toml::table* t = r.expect<toml::table>(n, "rename");
  if (!t) return out;
  r.check_keys(*t, kRenameKeys, "[task.rename]");
  if (const toml::node* m = t->get("schemas")) {
    out.schemas = read_rename_map(r, *m, "schemas", 0, "a schema (MySQL database) name");
  }
  if (const toml::node* m = t->get("tables")) {
    out.tables = read_rename_map(r, *m, "tables", 1, "\"schema.table\"");
  }
  if (const toml::node* m = t->get("columns")) {
    out.columns = read_rename_map(r, *m, "columns", 2, "\"schema.table.column\"");
  }
  return out;
}

std::optional<uint32_t> read_channel_capacity(Reader& r, const toml::node& n) {
  const std::optional<int64_t> v = r.integer(n, "channel_capacity");
  if (v && (*v < 1 || *v > kMaxChannelCapacity)) {
    r.error(n, "'channel_capacity' must be between 1 and " + std::to_string(kMaxChannelCapacity) +
                   ", not " + std::to_string(*v));
    return std::nullopt;
  }
  if (!v) return std::nullopt;
  return static_cast<uint32_t>(*v);
}

// The stage's `config` table checked against its component's fields. A stage without one still
// gets its defaults and missing-field errors (located at the stage).
FieldMap read_stage_config(Reader& r, const toml::table& stage, const StageConfig& s,
                           const FieldLookup& lookup) {
  static const toml::table kEmpty;
  const toml::node* component = stage.get("component");
  if (s.component.empty() || !component) return {};  // already reported
  const toml::node* n = stage.get("config");
  const toml::table* t = n ? r.expect<toml::table>(*n, "config") : &kEmpty;
  if (!t) return {};
  const SourceLocation where = n ? r.at(*t) : s.where;
  return read_component_fields(
      r, {ComponentRole::Component, *component, s.component, *t, where, "[task.stage.config]", ""},
      lookup);
}

StageConfig read_stage(Reader& r, const toml::table& t, const FieldLookup& lookup) {
  constexpr std::string_view kContext = "[[task.stage]]";
  StageConfig s;
  s.where = r.at(t);
  r.check_keys(t, kStageKeys, kContext);
  if (auto v = required_name(r, t, "name", kContext)) s.name = std::move(*v);
  if (auto v = required_name(r, t, "component", kContext)) s.component = std::move(*v);
  assign(t, "inputs", s.inputs, [&](const toml::node& n) { return r.string_list(n, "inputs"); });
  assign(t, "after", s.after, [&](const toml::node& n) { return r.string_list(n, "after"); });
  if_present(t, "channel_capacity",
             [&](const toml::node& n) { s.channel_capacity = read_channel_capacity(r, n); });
  s.config = read_stage_config(r, t, s, lookup);
  return s;
}

std::vector<StageConfig> read_stages(Reader& r, const toml::node& n, const FieldLookup& lookup) {
  std::vector<StageConfig> stages;
  std::map<std::string, SourceLocation> first;  // stage name -> where it is first defined
  each_table(r, n, "stage", [&](const toml::table& t) {
    StageConfig s = read_stage(r, t, lookup);
    const toml::node* name = t.get("name");
    if (!s.name.empty() && name) {
      auto [it, inserted] = first.emplace(s.name, r.at(*name));
      if (!inserted)
        r.error(*name, "duplicate stage name '" + s.name + "' (first defined at " +
                           location_str(it->second) + ")");
    }
    stages.push_back(std::move(s));
  });
  return stages;
}

}  // namespace

ReadTask read_task(Reader& r, const toml::table& t, std::string_view context,
                   const FieldLookup& lookup) {
  ReadTask out;
  TaskConfig& task = out.task;
  task.where = r.at(t);
  r.check_keys(t, kTaskKeys, context);
  if (const toml::node* n = r.required(t, "id", context)) {
    if (auto id = read_id(r, *n)) {
      task.id = std::move(*id);
      out.id_where = r.at(*n);
    }
  }
  if (const toml::node* n = r.required(t, "types", context)) task.types = read_types(r, *n);
  assign(t, "tags", task.tags, [&](const toml::node& n) { return r.string_list(n, "tags"); });
  assign(t, "concurrency", task.concurrency, [&](const toml::node& n) {
    return r.one_of<Concurrency>(n, "concurrency", kConcurrencies);
  });
  assign(t, "verify_concurrency", task.verify_concurrency, [&](const toml::node& n) {
    return r.one_of<Concurrency>(n, "verify_concurrency", kConcurrencies);
  });
  assign(t, "alert_level", task.alert_level,
         [&](const toml::node& n) { return r.one_of<AlertLevel>(n, "alert_level", kAlertLevels); });
  task.source = read_endpoint(r, t, "source", ComponentRole::Source, lookup, context);
  task.destination =
      read_endpoint(r, t, "destination", ComponentRole::Destination, lookup, context);
  if_present(t, "objects", [&](const toml::node& n) {
    each_table(r, n, "objects",
               [&](const toml::table& o) { task.objects.push_back(read_object_rule(r, o)); });
  });
  if_present(t, "rename", [&](const toml::node& n) { task.rename = read_rename(r, n); });
  if_present(t, "stage", [&](const toml::node& n) { task.stages = read_stages(r, n, lookup); });
  return out;
}

}  // namespace ferry::config::detail
