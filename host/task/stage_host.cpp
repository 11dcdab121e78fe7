#include "task/stage_host.hpp"

#include "task/objects.hpp"

#include <spdlog/spdlog.h>
#include <ferry/sdk/error.hpp>

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
    case FERRY_LOG_TRACE:
      return spdlog::level::trace;
    case FERRY_LOG_DEBUG:
      return spdlog::level::debug;
    case FERRY_LOG_INFO:
      return spdlog::level::info;
    case FERRY_LOG_WARN:
      return spdlog::level::warn;
    default:
      return spdlog::level::err;
  }
}
}  // namespace

StageHost::StageHost(std::string task_id, std::string stage, TaskControl& control,
                     meta::MetaStore& store)
    : task_id_(std::move(task_id)), stage_(std::move(stage)), control_(control), store_(store) {}

void StageHost::on_log(ferry_log_level level, const std::string& message) {
  spdlog::log(to_spdlog(level), "[{}/{}] {}", task_id_, stage_, message);
}

void StageHost::on_metric_add(const std::string& name, double delta) {
  std::lock_guard lock(mu_);
  metrics_[name] += delta;
}

void StageHost::on_metric_set(const std::string& name, double value) {
  std::lock_guard lock(mu_);
  metrics_[name] = value;
}

void StageHost::on_checkpoint_write(const std::string& key, std::span<const uint8_t> value) {
  store_.put_checkpoint(task_id_, checkpoint_key(key), value);
}

std::optional<Bytes> StageHost::on_checkpoint_read(const std::string& key) {
  return store_.checkpoint(task_id_, checkpoint_key(key));
}

void StageHost::on_progress(const std::string& json) {
  std::lock_guard lock(mu_);
  progress_ = json;
}

void StageHost::set_endpoint_factory(EndpointFactory factory) {
  std::lock_guard lock(mu_);
  factory_ = std::move(factory);
}

ferry_status StageHost::on_open_endpoint(ferry_kind kind, ferry_endpoint* out) {
  EndpointFactory factory;
  {
    std::lock_guard lock(mu_);
    factory = factory_;
  }
  if (!factory) return FERRY_NOT_SUPPORTED;
  try {
    auto inst = factory(kind);
    *out = inst->endpoint();
    std::lock_guard lock(mu_);
    endpoints_.emplace(inst->self(), std::move(inst));
    return FERRY_OK;
  } catch (const Error& e) {
    on_log(FERRY_LOG_ERROR, std::string("opening an endpoint failed: ") + e.what());
    return e.status();
  }
}

void StageHost::on_close_endpoint(ferry_endpoint* endpoint) {
  std::unique_ptr<PluginInstance> doomed;  // destroyed outside the lock
  std::lock_guard lock(mu_);
  const auto it = endpoints_.find(endpoint->instance);
  if (it == endpoints_.end()) return;
  doomed = std::move(it->second);
  endpoints_.erase(it);
}

void StageHost::close_endpoints() {
  std::map<void*, std::unique_ptr<PluginInstance>> doomed;
  std::lock_guard lock(mu_);
  doomed.swap(endpoints_);
  factory_ = nullptr;
}

std::map<std::string, double> StageHost::metrics() const {
  std::lock_guard lock(mu_);
  return metrics_;
}

std::string StageHost::progress() const {
  std::lock_guard lock(mu_);
  return progress_;
}

ferry_status StageHost::on_object_put(const std::string& object_json) {
  try {
    put_object_json(store_, task_id_, stage_, object_json);
    return FERRY_OK;
  } catch (const ObjectOpError& e) {
    on_log(FERRY_LOG_ERROR, e.what());
    return FERRY_INVALID_ARGUMENT;
  }
}

ferry_status StageHost::on_object_list(const std::string& key_prefix, std::string& json) {
  json = list_objects_json(store_, task_id_, key_prefix);
  return FERRY_OK;
}

}  // namespace ferry::host
