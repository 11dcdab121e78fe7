// The host services (ferry_host) one stage's plugin instances receive: logging tagged with the
// task and stage, the task's pause/stop control, per-stage metrics, durable checkpoints in the
// meta store (keys are namespaced by stage), and progress reports.
#pragma once

#include "meta/meta_store.hpp"

#include <ferry/abi.h>

#include <condition_variable>
#include <map>
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

class StageHost {
 public:
  StageHost(std::string task_id, std::string stage, TaskControl& control, meta::MetaStore& store);
  StageHost(const StageHost&) = delete;
  StageHost& operator=(const StageHost&) = delete;

  const ferry_host* services() const { return &c_; }
  std::map<std::string, double> metrics() const;
  std::string progress() const;
  // Checkpoint keys of this stage live under "<stage>/" in the task's checkpoints.
  std::string checkpoint_key(const char* key) const;

 private:
  static StageHost& from(void* ctx) { return *static_cast<StageHost*>(ctx); }

  const std::string task_id_, stage_;
  TaskControl& control_;
  meta::MetaStore& store_;
  mutable std::mutex mu_;
  std::map<std::string, double> metrics_;
  std::string progress_ = "{}";
  ferry_host c_{};
};

}  // namespace ferry::host
