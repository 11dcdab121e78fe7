// ferry SDK C++ layer: the host side of ferry_host. Whatever hosts plugin instances — ferryd's
// stages, the fake host of plugin tests — derives from HostServices and implements the on_*
// hooks; this class builds the C table once and keeps exceptions from reaching the plugin.
#pragma once

#include <ferry/abi.h>
#include <ferry/sdk/values.hpp>

#include <exception>
#include <optional>
#include <span>
#include <string>

namespace ferry {

class HostServices {
 public:
  HostServices() {
    c_.struct_size = sizeof(c_);
    c_.abi_minor = FERRY_ABI_MINOR;
    c_.ctx = this;
    c_.log = [](void* ctx, ferry_log_level level, const char* m) {
      self(ctx).on_log(level, m ? m : "");
    };
    c_.is_cancelled = [](void* ctx) -> int32_t { return self(ctx).on_is_cancelled() ? 1 : 0; };
    c_.yield = [](void* ctx) { return self(ctx).on_yield(); };
    c_.metric_add = [](void* ctx, const char* n, double d) { self(ctx).on_metric_add(n, d); };
    c_.metric_set = [](void* ctx, const char* n, double v) { self(ctx).on_metric_set(n, v); };
    c_.checkpoint_write = [](void* ctx, const char* key, const uint8_t* data,
                             uint64_t len) -> ferry_status {
      auto& h = self(ctx);
      try {
        h.on_checkpoint_write(key, {data, static_cast<size_t>(len)});
        return FERRY_OK;
      } catch (const std::exception& e) {
        h.on_log(FERRY_LOG_ERROR,
                 "checkpoint write '" + std::string(key) + "' failed: " + e.what());
        return FERRY_UNAVAILABLE;
      }
    };
    c_.checkpoint_read = [](void* ctx, const char* key, ferry_buffer* out,
                            int32_t* found) -> ferry_status {
      auto& h = self(ctx);
      try {
        auto value = h.on_checkpoint_read(key);
        *found = value ? 1 : 0;
        if (value) export_buffer(std::move(*value), out);
        return FERRY_OK;
      } catch (const std::exception& e) {
        h.on_log(FERRY_LOG_ERROR, "checkpoint read '" + std::string(key) + "' failed: " + e.what());
        return FERRY_UNAVAILABLE;
      }
    };
    c_.report_progress = [](void* ctx, const char* json) {
      self(ctx).on_progress(json ? json : "{}");
    };
    c_.open_endpoint = [](void* ctx, ferry_kind kind, ferry_endpoint* out) -> ferry_status {
      auto& h = self(ctx);
      try {
        return h.on_open_endpoint(kind, out);
      } catch (const std::exception& e) {
        h.on_log(FERRY_LOG_ERROR, std::string("opening an endpoint failed: ") + e.what());
        return FERRY_UNAVAILABLE;
      }
    };
    c_.close_endpoint = [](void* ctx, ferry_endpoint* e) { self(ctx).on_close_endpoint(e); };
    c_.object_put = [](void* ctx, const char* json) -> ferry_status {
      auto& h = self(ctx);
      try {
        return h.on_object_put(json ? json : "");
      } catch (const std::exception& e) {
        h.on_log(FERRY_LOG_ERROR, std::string("object_put failed: ") + e.what());
        return FERRY_UNAVAILABLE;
      }
    };
    c_.object_list = [](void* ctx, const char* prefix, ferry_buffer* out) -> ferry_status {
      auto& h = self(ctx);
      try {
        std::string json;
        const ferry_status st = h.on_object_list(prefix ? prefix : "", json);
        if (st == FERRY_OK) export_buffer(Bytes(json.begin(), json.end()), out);
        return st;
      } catch (const std::exception& e) {
        h.on_log(FERRY_LOG_ERROR, std::string("object_list failed: ") + e.what());
        return FERRY_UNAVAILABLE;
      }
    };
  }
  virtual ~HostServices() = default;
  HostServices(const HostServices&) = delete;
  HostServices& operator=(const HostServices&) = delete;

  const ferry_host* services() const { return &c_; }

 protected:
  // Every hook may be called from any plugin thread at any time: implementations are
  // thread-safe. Only the checkpoint hooks may throw (reported as FERRY_UNAVAILABLE).
  virtual void on_log(ferry_log_level level, const std::string& message) = 0;
  virtual bool on_is_cancelled() = 0;
  virtual ferry_status on_yield() = 0;  // blocks while paused; FERRY_CANCELLED to stop
  virtual void on_metric_add(const std::string& name, double delta) = 0;
  virtual void on_metric_set(const std::string& name, double value) = 0;
  virtual void on_checkpoint_write(const std::string& key, std::span<const uint8_t> value) = 0;
  virtual std::optional<Bytes> on_checkpoint_read(const std::string& key) = 0;
  virtual void on_progress(const std::string& json) = 0;
  // Another instance of the task's source or destination; hosts without endpoints refuse.
  virtual ferry_status on_open_endpoint(ferry_kind /*kind*/, ferry_endpoint* /*out*/) {
    return FERRY_NOT_SUPPORTED;
  }
  virtual void on_close_endpoint(ferry_endpoint* /*endpoint*/) {}
  // Migration objects (ferry_host.object_put / object_list): FERRY_INVALID_ARGUMENT for a
  // malformed record (logged with the reason); hosts without an object store refuse.
  virtual ferry_status on_object_put(const std::string& /*object_json*/) {
    return FERRY_NOT_SUPPORTED;
  }
  virtual ferry_status on_object_list(const std::string& /*key_prefix*/, std::string& /*json*/) {
    return FERRY_NOT_SUPPORTED;
  }

 private:
  static HostServices& self(void* ctx) { return *static_cast<HostServices*>(ctx); }
  ferry_host c_{};
};

}  // namespace ferry
