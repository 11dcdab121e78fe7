// The daemon configuration: ferryd.toml, its [server] table and its tasks (inline [[task]] entries
// and one file per task in [server].task_dir), validated in two phases.
//
// Phase 1 needs no plugin: TOML syntax, the [server] table and every key of a task.
// Phase 2 (when a FieldLookup is given) checks each source/destination table and each stage's
// `config` table against the fields the providing plugin component declares, applies their
// defaults and resolves secrets.
//
// Every problem is reported, not only the first, as "FILE:LINE:COL: message". docs/config.md is
// the user-facing reference of the file format.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ferry::config {

// A position in a config file; line and column are 1-based, 0 when unknown.
struct SourceLocation {
  std::string file;
  uint32_t line = 0;
  uint32_t column = 0;

  bool operator==(const SourceLocation&) const = default;
};

struct ConfigError {
  SourceLocation where;
  std::string message;

  // "FILE:LINE:COL: message", or "FILE: message" when the line is unknown; always one line
  // (a newline in the message is written as \n). This is the line `ferryd --check-config` prints
  // for each problem.
  std::string str() const;
};

// A secret read from <name>_env / <name>_file. Never printable: operator<< and masked() give
// kMask; only reveal() hands out the value, for the one place that must pass it on.
class Secret {
 public:
  static constexpr const char* kMask = "******";

  Secret() = default;
  explicit Secret(std::string v) : value_(std::move(v)) {}

  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }
  std::string masked() const { return kMask; }

  bool operator==(const Secret&) const = default;

 private:
  std::string value_;
};

std::ostream& operator<<(std::ostream& os, const Secret& s);  // prints ******

enum class FieldType { String, Int, Float, Bool, StringList, Secret };

// A config field a plugin component declares.
struct FieldSpec {
  std::string name;
  FieldType type = FieldType::String;
  bool required = false;                     // a default makes a required field optional
  std::optional<std::string> default_value;  // textual default, e.g. "3306", "true", "a,b"
  std::string description;
};

// One value per FieldType, in the order of FieldType.
using FieldValue =
    std::variant<std::string, int64_t, double, bool, std::vector<std::string>, Secret>;

struct Field {
  FieldValue value;
  SourceLocation where;    // the value's position; the table's when defaulted
  bool defaulted = false;  // true when the value came from FieldSpec::default_value
};
using FieldMap = std::map<std::string, Field>;

enum class ComponentRole { Source, Destination, Component };

// Returns the fields the named plugin component declares, or nullptr if no loaded plugin
// provides it. The returned vector must stay alive for the duration of the load call.
using FieldLookup =
    std::function<const std::vector<FieldSpec>*(ComponentRole, const std::string& name)>;

struct EndpointConfig {
  std::string plugin;
  FieldMap fields;  // every key but `plugin`; see load_config for what phase 1 stores
  SourceLocation where;
};

struct StageConfig {
  std::string name;
  std::string component;
  std::vector<std::string> inputs;
  std::vector<std::string> after;
  std::optional<uint32_t> channel_capacity;  // 1..65536
  FieldMap config;
  SourceLocation where;
};

struct ObjectRule {
  std::vector<std::string> include;  // never empty
  std::vector<std::string> exclude;
  SourceLocation where;
};

// [task.rename]: destination names for source objects. Keys are source names: a schema
// ("shop"; a MySQL database), a table ("shop.orders"), a column ("shop.orders.amt"); values are
// the destination's names (a table's schema follows its schema's rename).
struct RenameConfig {
  std::map<std::string, std::string> schemas, tables, columns;
  SourceLocation where;
  bool empty() const { return schemas.empty() && tables.empty() && columns.empty(); }
};

enum class MigrationType { Schema, Full, Incremental, Verify, Reverse };
enum class Concurrency { Smooth, Normal, Fast };
enum class AlertLevel { None, High, Medium, Low };

struct TaskConfig {
  std::string id;
  std::vector<MigrationType> types;  // non-empty, no duplicates, in the order written
  std::vector<std::string> tags;
  Concurrency concurrency = Concurrency::Normal;
  Concurrency verify_concurrency = Concurrency::Normal;
  AlertLevel alert_level = AlertLevel::Low;
  EndpointConfig source, destination;
  std::vector<ObjectRule> objects;
  RenameConfig rename;
  std::vector<StageConfig> stages;
  SourceLocation where;  // the task table (in the daemon file or its own file in task_dir)

  bool has(MigrationType t) const;
};

// Paths are absolute: relative ones are resolved against the config file's directory.
struct ServerConfig {
  std::string listen = "127.0.0.1:7480";
  std::filesystem::path data_dir;
  std::filesystem::path plugin_dir;
  std::string log_level = "info";
  std::optional<std::filesystem::path> task_dir;
  SourceLocation where;
};

struct DaemonConfig {
  std::filesystem::path file;  // as given to load_config
  ServerConfig server;
  std::vector<TaskConfig> tasks;  // inline tasks in file order, then task_dir files by name

  const TaskConfig* find_task(const std::string& id) const;  // nullptr when there is none
};

// `config` is set exactly when `errors` is empty. Errors are ordered by file (the daemon file
// first, then task files by name), then by line and column.
struct LoadResult {
  std::optional<DaemonConfig> config;
  std::vector<ConfigError> errors;

  bool ok() const { return errors.empty() && config.has_value(); }
};

// Loads and validates the daemon file and every task file of its task_dir.
// Without a lookup (phase 1 only), an endpoint's and a stage config's keys are stored with the
// FieldValue their TOML type implies (string, integer, float, boolean, array of strings; other
// values are left out), with ${env:} expanded and no secret resolution.
LoadResult load_config(const std::filesystem::path& file, const FieldLookup& lookup = nullptr);

// Only the [server] table (ferryd needs plugin_dir before plugins are loaded, to build the
// lookup). Other top-level keys and task_dir are not looked at; `tasks` is empty.
LoadResult load_server_only(const std::filesystem::path& file);

std::string_view to_string(MigrationType t);
std::string_view to_string(Concurrency c);
std::string_view to_string(AlertLevel a);
std::string_view to_string(FieldType t);

}  // namespace ferry::config
