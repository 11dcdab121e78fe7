#include "task/stage_host.hpp"

#include <ferry/sdk/values.hpp>
#include <spdlog/spdlog.h>

#include <exception>

namespace ferry::host {

void TaskControl::pause() {
  std::lock_guard lock(mu_);
  paused_ = true;
}
void TaskControl::resume() {
  std::lock_guard lock(mu_);
  paused_ = false;
  cv_.notify_all();
}
void TaskControl::cancel() {
  std::lock_guard lock(mu_);
  cancelled_ = true;
  cv_.notify_all();
}
bool TaskControl::paused() const {
  std::lock_guard lock(mu_);
  return paused_;
}
bool TaskControl::cancelled() const {
  std::lock_guard lock(mu_);
  return cancelled_;
}
ferry_status TaskControl::yield() const {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return cancelled_ || !paused_; });
  return cancelled_ ? FERRY_CANCELLED : FERRY_OK;
}

namespace {
spdlog::level::level_enum to_spdlog(ferry_log_level l) {
  switch (l) {
    case FERRY_LOG_TRACE: return spdlog::level::trace;
    case FERRY_LOG_DEBUG: return spdlog::level::debug;
    case FERRY_LOG_INFO: return spdlog::level::info;
    case FERRY_LOG_WARN: return spdlog::level::warn;
    default: return spdlog::level::err;
  }
}
}  // namespace

StageHost::StageHost(std::string task_id, std::string stage, TaskControl& control,
                     meta::MetaStore& store)
    : task_id_(std::move(task_id)), stage_(std::move(stage)), control_(control), store_(store) {
  c_.struct_size = sizeof(c_);
  c_.abi_minor = FERRY_ABI_MINOR;
  c_.ctx = this;
  c_.log = [](void* ctx, ferry_log_level level, const char* message) {
    const auto& h = from(ctx);
    spdlog::log(to_spdlog(level), "[{}/{}] {}", h.task_id_, h.stage_, message ? message : "");
  };
  c_.is_cancelled = [](void* ctx) -> int32_t { return from(ctx).control_.cancelled() ? 1 : 0; };
  c_.yield = [](void* ctx) { return from(ctx).control_.yield(); };
  c_.metric_add = [](void* ctx, const char* name, double delta) {
    auto& h = from(ctx);
    std::lock_guard lock(h.mu_);
    h.metrics_[name] += delta;
  };
  c_.metric_set = [](void* ctx, const char* name, double value) {
    auto& h = from(ctx);
    std::lock_guard lock(h.mu_);
    h.metrics_[name] = value;
  };
  c_.checkpoint_write = [](void* ctx, const char* key, const uint8_t* data,
                           uint64_t len) -> ferry_status {
    auto& h = from(ctx);
    try {
      h.store_.put_checkpoint(h.task_id_, h.checkpoint_key(key), {data, static_cast<size_t>(len)});
      return FERRY_OK;
    } catch (const std::exception& e) {
      spdlog::error("[{}/{}] checkpoint write '{}' failed: {}", h.task_id_, h.stage_, key, e.what());
      return FERRY_UNAVAILABLE;
    }
  };
  c_.checkpoint_read = [](void* ctx, const char* key, ferry_buffer* out,
                          int32_t* found) -> ferry_status {
    auto& h = from(ctx);
    try {
      auto v = h.store_.checkpoint(h.task_id_, h.checkpoint_key(key));
      *found = v ? 1 : 0;
      if (v) export_buffer(std::move(*v), out);
      return FERRY_OK;
    } catch (const std::exception& e) {
      spdlog::error("[{}/{}] checkpoint read '{}' failed: {}", h.task_id_, h.stage_, key, e.what());
      return FERRY_UNAVAILABLE;
    }
  };
  c_.report_progress = [](void* ctx, const char* json) {
    auto& h = from(ctx);
    std::lock_guard lock(h.mu_);
    h.progress_ = json ? json : "{}";
  };
}

std::map<std::string, double> StageHost::metrics() const {
  std::lock_guard lock(mu_);
  return metrics_;
}

std::string StageHost::progress() const {
  std::lock_guard lock(mu_);
  return progress_;
}

std::string StageHost::checkpoint_key(const char* key) const {
  return stage_ + "/" + (key ? key : "");
}

}  // namespace ferry::host
