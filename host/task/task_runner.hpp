// Runs one task: its stages in dependency order, each on its own thread, with bounded channels
// on the data edges. Lifecycle per stage (TiDB DM's unit model): create → init → run → destroy,
// with pause/resume (cooperative, at the stage's next yield) and stop (cancellation).
//
// Each stage gets its own instances of the task's source and destination, so a connector
// instance is only ever used by one stage thread. A failing stage stops the others and fails the
// task with an error that names it. State changes, progress and events go to the meta store.
//
// Thread-safe: start/pause/resume/stop/status/wait may be called from any thread.
#pragma once

#include "config/config.hpp"
#include "meta/meta_store.hpp"
#include "plugin/plugin_registry.hpp"
#include "task/channel.hpp"
#include "task/stage_graph.hpp"
#include "task/stage_host.hpp"

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ferry::host {

struct StageStatus {
  std::string name, component;
  meta::StageState state = meta::StageState::Pending;
  std::string progress_json = "{}";
  std::string error;
  std::map<std::string, double> metrics;
  int64_t started_at_ms = 0, finished_at_ms = 0;
};

struct TaskStatus {
  meta::TaskState state = meta::TaskState::NotStarted;
  std::string error;
  std::vector<StageStatus> stages;
};

struct RunnerOptions {
  uint64_t channel_max_bytes = 64ull << 20;  // cell bytes in flight per channel
  std::chrono::milliseconds persist_interval{1000};
  // Each stage's metrics are sampled into the meta store's time series this often (for charts),
  // and once more when the stage ends; samples older than metric_retention are dropped when the
  // task starts.
  std::chrono::milliseconds metric_sample_interval{5000};
  std::chrono::hours metric_retention{24 * 7};
  // ferry's data directory: each stage gets <data_dir>/tasks/<task>/<stage>/ (empty: none).
  std::filesystem::path data_dir;
};

// The task's settings as the JSON a stage receives (ferry_stage_context.task_json): no secrets.
std::string task_settings_json(const config::TaskConfig& task);

class TaskRunner {
 public:
  TaskRunner(const config::TaskConfig& task, StageGraph graph, const PluginRegistry& plugins,
             meta::MetaStore& store, RunnerOptions options = {});
  ~TaskRunner();  // stops and joins
  TaskRunner(const TaskRunner&) = delete;
  TaskRunner& operator=(const TaskRunner&) = delete;

  // Starts the stages; does nothing once the runner was stopped or has run.
  void start();
  void pause();
  void resume();
  // Stops every stage at its next yield or channel operation; the task ends Paused (it can be
  // started again and resumes from its checkpoints) unless it already completed or failed.
  void stop();
  // Blocks until every stage has ended; returns the final task state (at once when the runner
  // was never started).
  meta::TaskState wait();
  bool wait_for(std::chrono::milliseconds timeout);
  TaskStatus status() const;

 private:
  struct Stage;
  void schedule_loop();
  void call_hooks(ferry_status (*ferry_component_vtable::*hook)(void*), const char* name,
                  meta::StageState from, meta::StageState to);
  void run_stage(Stage& stage);
  void run_component(Stage& stage, const ComponentEntry& entry);
  void run_transform(Stage& stage, const ComponentEntry& entry);
  bool ready_to_start(const Stage& s) const;  // mu_ held
  void finish_stage(Stage& s, meta::StageState state, const std::string& error);
  void set_task_state(meta::TaskState state, const std::string& error = {});  // mu_ held
  void persist_stage(const Stage& s);                                         // mu_ held
  void sample_metrics(Stage& s, bool force);                                  // mu_ held
  void event(const std::string& level, const std::string& stage, const std::string& message);
  template <class F>
  void store_write(const char* what, F&& f);  // mu_ held; a failure fails the task
  void fail_task(const std::string& error);   // mu_ held

  const config::TaskConfig task_;
  const StageGraph graph_;
  const PluginRegistry& plugins_;
  meta::MetaStore& store_;
  const RunnerOptions options_;

  TaskControl control_;
  std::vector<std::unique_ptr<BoundedChannel>> channels_;
  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::vector<std::unique_ptr<Stage>> stages_;
  meta::TaskState state_ = meta::TaskState::NotStarted;
  std::string error_;
  const std::string task_json_;
  bool started_ = false;
  bool stopping_ = false;
  bool ended_ = false;
  bool store_failed_ = false;
  std::thread scheduler_;
};

}  // namespace ferry::host
