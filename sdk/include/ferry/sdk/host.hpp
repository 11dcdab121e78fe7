// ferry SDK C++ layer: what a plugin instance sees of the host — its config and host services.
#pragma once

#include <ferry/abi.h>
#include <ferry/sdk/error.hpp>
#include <ferry/sdk/values.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ferry {

// Read access to an instance's validated config (the host checked names and types against the
// fields the component declared, and applied defaults).
class Config {
 public:
  Config() = default;
  explicit Config(const ferry_config* c) : c_(c) {}

  bool has(std::string_view name) const { return find(name) != nullptr; }
  std::string get_string(std::string_view name, std::string_view fallback = {}) const {
    const auto* v = find(name, FERRY_FIELD_STRING);
    return v && v->string_value ? std::string(v->string_value) : std::string(fallback);
  }
  int64_t get_int(std::string_view name, int64_t fallback = 0) const {
    const auto* v = find(name, FERRY_FIELD_INT);
    return v ? v->int_value : fallback;
  }
  double get_float(std::string_view name, double fallback = 0) const {
    const auto* v = find(name, FERRY_FIELD_FLOAT);
    return v ? v->float_value : fallback;
  }
  bool get_bool(std::string_view name, bool fallback = false) const {
    const auto* v = find(name, FERRY_FIELD_BOOL);
    return v ? v->bool_value != 0 : fallback;
  }
  std::vector<std::string> get_list(std::string_view name) const {
    const auto* v = find(name, FERRY_FIELD_STRING_LIST);
    return v ? std::vector<std::string>(v->list_values, v->list_values + v->list_count)
             : std::vector<std::string>{};
  }
  // A secret (password). Never log it or put it in an error message.
  std::string get_secret(std::string_view name) const {
    const auto* v = find(name, FERRY_FIELD_SECRET);
    return v && v->string_value ? std::string(v->string_value) : std::string();
  }

 private:
  const ferry_config_value* find(std::string_view name, ferry_field_type type = 0) const {
    if (!c_) return nullptr;
    for (uint32_t i = 0; i < c_->count; ++i) {
      const auto* v = c_->values[i];
      if (v->name && name == v->name) {
        if (type != 0 && v->type != type) {
          fail(FERRY_INVALID_ARGUMENT, "config field '" + std::string(name) + "' has another type");
        }
        return v;
      }
    }
    return nullptr;
  }
  const ferry_config* c_ = nullptr;
};

// Another instance of the task's source or destination (ferry_host.open_endpoint), given back
// to the host when this object is destroyed. Move-only.
class EndpointLease {
 public:
  EndpointLease(const ferry_host* h, ferry_endpoint e) : h_(h), e_(e) {}
  EndpointLease(EndpointLease&& o) noexcept : h_(o.h_), e_(o.e_) { o.h_ = nullptr; }
  EndpointLease& operator=(EndpointLease&&) = delete;
  EndpointLease(const EndpointLease&) = delete;
  ~EndpointLease() {
    if (h_) h_->close_endpoint(h_->ctx, &e_);
  }
  const ferry_endpoint& endpoint() const { return e_; }

 private:
  const ferry_host* h_;
  ferry_endpoint e_;
};

// Host services. Thread-safe.
class Host {
 public:
  Host() = default;
  explicit Host(const ferry_host* h) : h_(h) {}

  void log(ferry_log_level level, const std::string& message) const {
    if (h_ && h_->log) h_->log(h_->ctx, level, message.c_str());
  }
  void info(const std::string& m) const { log(FERRY_LOG_INFO, m); }
  void warn(const std::string& m) const { log(FERRY_LOG_WARN, m); }
  void debug(const std::string& m) const { log(FERRY_LOG_DEBUG, m); }

  bool cancelled() const { return h_ && h_->is_cancelled && h_->is_cancelled(h_->ctx) != 0; }
  // Pause point: blocks while paused; throws Error(FERRY_CANCELLED) when the stage must stop.
  void yield() const {
    if (h_ && h_->yield && h_->yield(h_->ctx) == FERRY_CANCELLED) {
      fail(FERRY_CANCELLED, "stopped");
    }
  }
  void metric_add(const char* name, double delta) const {
    if (h_ && h_->metric_add) h_->metric_add(h_->ctx, name, delta);
  }
  void metric_set(const char* name, double value) const {
    if (h_ && h_->metric_set) h_->metric_set(h_->ctx, name, value);
  }
  void checkpoint_write(const std::string& key, std::span<const uint8_t> value) const {
    if (!h_ || !h_->checkpoint_write) fail(FERRY_NOT_SUPPORTED, "host has no checkpoint store");
    check(h_->checkpoint_write(h_->ctx, key.c_str(), value.data(), value.size()),
          "checkpoint write '" + key + "'", nullptr);
  }
  std::optional<Bytes> checkpoint_read(const std::string& key) const {
    if (!h_ || !h_->checkpoint_read) return std::nullopt;
    ferry_buffer buf{};
    int32_t found = 0;
    check(h_->checkpoint_read(h_->ctx, key.c_str(), &buf, &found), "checkpoint read '" + key + "'",
          nullptr);
    if (!found) return std::nullopt;
    return adopt_buffer(&buf);
  }
  void report_progress(const std::string& json) const {
    if (h_ && h_->report_progress) h_->report_progress(h_->ctx, json.c_str());
  }
  // A new instance of the task's source (FERRY_KIND_SOURCE) or destination, e.g. one per worker
  // thread; use it through SourceClient / DestinationClient(lease.endpoint()).
  EndpointLease open_endpoint(ferry_kind kind) const {
    if (!FERRY_HAS_FIELD(h_, ferry_host, close_endpoint) || !h_->open_endpoint) {
      fail(FERRY_NOT_SUPPORTED, "this host cannot open extra endpoints");
    }
    ferry_endpoint e{};
    e.struct_size = sizeof(e);
    check(h_->open_endpoint(h_->ctx, kind, &e), "open endpoint", nullptr);
    return EndpointLease(h_, e);
  }
  // The task's migration objects (ABI 1.2; docs/sdk.md "Migration objects"). `object_json` is a
  // JSON object with a "key"; fields left out keep their stored values.
  bool has_objects() const {
    return FERRY_HAS_FIELD(h_, ferry_host, object_list) && h_->object_put && h_->object_list;
  }
  void object_put(const std::string& object_json) const {
    if (!has_objects()) fail(FERRY_NOT_SUPPORTED, "this host keeps no migration objects");
    check(h_->object_put(h_->ctx, object_json.c_str()), "object_put", nullptr);
  }
  // A JSON array of the objects whose key starts with `key_prefix`.
  std::string object_list(const std::string& key_prefix = {}) const {
    if (!has_objects()) fail(FERRY_NOT_SUPPORTED, "this host keeps no migration objects");
    ferry_buffer buf{};
    check(h_->object_list(h_->ctx, key_prefix.c_str(), &buf), "object_list", nullptr);
    return std::string(as_text(adopt_buffer(&buf)));
  }
  const ferry_host* raw() const { return h_; }

 private:
  const ferry_host* h_ = nullptr;
};

// What a plugin object's constructor receives.
struct CreateContext {
  Host host;
  Config config;
  std::string task_id;
  std::string instance_name;
};

}  // namespace ferry
