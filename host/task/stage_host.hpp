// The host services (ferry_host) one stage's plugin instances receive: logging tagged with the
// task and stage, the task's pause/stop control, per-stage metrics, durable checkpoints in the
// meta store (keys are namespaced by stage), and progress reports.
#pragma once

#include "meta/meta_store.hpp"
#include "plugin/plugin_instance.hpp"

#include <ferry/abi.h>
#include <ferry/sdk/host_services.hpp>

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace ferry::host {

// Pause/stop state shared by every stage of one task run. Thread-safe.
class TaskControl {
 public:
  void pause();
  void resume();
  void cancel();
  bool paused() const;
  bool cancelled() const;
  // Blocks while paused; FERRY_CANCELLED once cancelled, else FERRY_OK.
  ferry_status yield() const;

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  bool paused_ = false;
  bool cancelled_ = false;
};

class StageHost : public HostServices {
 public:
  StageHost(std::string task_id, std::string stage, TaskControl& control, meta::MetaStore& store);

  std::map<std::string, double> metrics() const;
  std::string progress() const;
  // Makes the extra source/destination instances ferry_host.open_endpoint hands out.
  using EndpointFactory = std::function<std::unique_ptr<PluginInstance>(ferry_kind)>;
  void set_endpoint_factory(EndpointFactory factory);
  // Destroys the instances the stage opened and did not close (the stage has ended).
  void close_endpoints();

  // Checkpoint keys of this stage live under "<stage>/" in the task's checkpoints.
  std::string checkpoint_key(const std::string& key) const { return stage_ + "/" + key; }

 protected:
  void on_log(ferry_log_level level, const std::string& message) override;
  bool on_is_cancelled() override { return control_.cancelled(); }
  ferry_status on_yield() override { return control_.yield(); }
  void on_metric_add(const std::string& name, double delta) override;
  void on_metric_set(const std::string& name, double value) override;
  void on_checkpoint_write(const std::string& key, std::span<const uint8_t> value) override;
  std::optional<Bytes> on_checkpoint_read(const std::string& key) override;
  void on_progress(const std::string& json) override;
  ferry_status on_open_endpoint(ferry_kind kind, ferry_endpoint* out) override;
  void on_close_endpoint(ferry_endpoint* endpoint) override;
  ferry_status on_object_put(const std::string& object_json) override;
  ferry_status on_object_list(const std::string& key_prefix, std::string& json) override;

 private:
  const std::string task_id_, stage_;
  TaskControl& control_;
  meta::MetaStore& store_;
  mutable std::mutex mu_;
  std::map<std::string, double> metrics_;
  std::string progress_ = "{}";
  EndpointFactory factory_;
  std::map<void*, std::unique_ptr<PluginInstance>> endpoints_;  // by instance pointer
};

}  // namespace ferry::host
