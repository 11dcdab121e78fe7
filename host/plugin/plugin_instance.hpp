// One object created by a plugin component (a task's source, destination, a stage...). Holds a
// reference to its library, so the code stays mapped until the object is destroyed, and the
// config block the object reads for its whole life.
#pragma once

#include "config/config.hpp"
#include "plugin/plugin_registry.hpp"

#include <ferry/abi.h>

#include <memory>
#include <string>
#include <vector>

namespace ferry::host {

// The C form of a validated config table (ferry_config), owning every string it points to.
class ConfigBlock {
 public:
  explicit ConfigBlock(const config::FieldMap& fields);
  ConfigBlock(const ConfigBlock&) = delete;
  ConfigBlock& operator=(const ConfigBlock&) = delete;
  const ferry_config* get() const { return &config_; }

 private:
  struct Value {
    std::string name, text;
    std::vector<std::string> list;
    std::vector<const char*> list_ptrs;
    ferry_config_value c{};
  };
  std::vector<std::unique_ptr<Value>> values_;
  std::vector<const ferry_config_value*> ptrs_;
  ferry_config config_{};
};

class PluginInstance {
 public:
  // Calls the component's create(). `host` must outlive the instance. Throws ferry::Error with
  // "plugin '<p>' <version>: creating <kind> '<name>' failed: <reason>".
  static std::unique_ptr<PluginInstance> create(const ComponentEntry& entry,
                                                const config::FieldMap& fields,
                                                const ferry_host* host, const std::string& task_id,
                                                const std::string& instance_name);
  ~PluginInstance();
  PluginInstance(const PluginInstance&) = delete;
  PluginInstance& operator=(const PluginInstance&) = delete;

  const ComponentEntry& entry() const { return entry_; }
  void* self() const { return self_; }
  template <class VT>
  const VT* vtable() const {
    return static_cast<const VT*>(entry_.vtable);
  }
  ferry_endpoint endpoint() const;
  // "plugin 'fake' 1.0.0 source 'fake'" — for messages.
  std::string describe() const;
  std::string describe_plugin() const;  // "plugin 'fake' 1.0.0"
  std::string last_error() const;

 private:
  PluginInstance(const ComponentEntry& entry, const config::FieldMap& fields);

  std::shared_ptr<LoadedLibrary> library_;  // first member: released last
  const ComponentEntry entry_;              // a copy: the instance may outlive the registry
  ConfigBlock config_;
  void* self_ = nullptr;
};

// The lifecycle callbacks every vtable starts with (FERRY_VTABLE_COMMON).
struct CommonVtable {
  FERRY_VTABLE_COMMON;
};

}  // namespace ferry::host
