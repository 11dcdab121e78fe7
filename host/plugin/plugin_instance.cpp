#include "plugin/plugin_instance.hpp"

#include <fmt/format.h>
#include <ferry/sdk/error.hpp>

#include <type_traits>
#include <variant>

namespace ferry::host {

ConfigBlock::ConfigBlock(const config::FieldMap& fields) {
  for (const auto& [name, field] : fields) {
    auto v = std::make_unique<Value>();
    v->name = name;
    v->c.struct_size = sizeof(ferry_config_value);
    std::visit(
        [&](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, std::string>) {
            v->c.type = FERRY_FIELD_STRING;
            v->text = x;
          } else if constexpr (std::is_same_v<T, int64_t>) {
            v->c.type = FERRY_FIELD_INT;
            v->c.int_value = x;
          } else if constexpr (std::is_same_v<T, double>) {
            v->c.type = FERRY_FIELD_FLOAT;
            v->c.float_value = x;
          } else if constexpr (std::is_same_v<T, bool>) {
            v->c.type = FERRY_FIELD_BOOL;
            v->c.bool_value = x ? 1 : 0;
          } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
            v->c.type = FERRY_FIELD_STRING_LIST;
            v->list = x;
          } else {
            static_assert(std::is_same_v<T, config::Secret>);
            v->c.type = FERRY_FIELD_SECRET;
            v->text = x.reveal();
          }
        },
        field.value);
    v->c.name = v->name.c_str();
    v->c.string_value = v->text.c_str();
    for (const auto& s : v->list) v->list_ptrs.push_back(s.c_str());
    v->c.list_count = static_cast<uint32_t>(v->list_ptrs.size());
    v->c.list_values = v->list_ptrs.data();
    ptrs_.push_back(&v->c);
    values_.push_back(std::move(v));
  }
  config_.struct_size = sizeof(config_);
  config_.count = static_cast<uint32_t>(ptrs_.size());
  config_.values = ptrs_.data();
}

PluginInstance::PluginInstance(const ComponentEntry& entry, const config::FieldMap& fields)
    : library_(entry.library), entry_(entry), config_(fields) {}

std::unique_ptr<PluginInstance> PluginInstance::create(const ComponentEntry& entry,
                                                       const config::FieldMap& fields,
                                                       const ferry_host* host,
                                                       const std::string& task_id,
                                                       const std::string& instance_name) {
  std::unique_ptr<PluginInstance> inst(new PluginInstance(entry, fields));
  ferry_create_args args{};
  args.struct_size = sizeof(args);
  args.host = host;
  args.config = inst->config_.get();
  args.task_id = task_id.c_str();
  args.instance_name = instance_name.c_str();
  std::string error;
  ferry_error_sink sink{};
  sink.struct_size = sizeof(sink);
  sink.ctx = &error;
  sink.set = [](void* ctx, const char* message) {
    try {
      *static_cast<std::string*>(ctx) = message ? message : "";
    } catch (...) {  // out of memory: the status code still says it failed
    }
  };
  const auto* vt = static_cast<const CommonVtable*>(entry.vtable);
  const ferry_status st = vt->create(&args, &inst->self_, &sink);
  if (st != FERRY_OK || inst->self_ == nullptr) {
    inst->self_ = nullptr;
    throw Error(
        st == FERRY_OK ? FERRY_INTERNAL : st,
        fmt::format("{}: creating {} '{}' failed: {}", inst->describe_plugin(),
                    kind_name(entry.kind), entry.name, error.empty() ? status_name(st) : error));
  }
  return inst;
}

PluginInstance::~PluginInstance() {
  if (self_) static_cast<const CommonVtable*>(entry_.vtable)->destroy(self_);
}

ferry_endpoint PluginInstance::endpoint() const {
  ferry_endpoint e{};
  e.struct_size = sizeof(e);
  e.kind = entry_.kind;
  e.vtable = entry_.vtable;
  e.instance = self_;
  return e;
}

std::string PluginInstance::describe_plugin() const {
  return fmt::format("plugin '{}' {}", library_->name, library_->version);
}

std::string PluginInstance::describe() const {
  return fmt::format("{} {} '{}'", describe_plugin(), kind_name(entry_.kind), entry_.name);
}

std::string PluginInstance::last_error() const {
  const char* e = static_cast<const CommonVtable*>(entry_.vtable)->last_error(self_);
  return e ? e : "";
}

}  // namespace ferry::host
