#include "task/task_runner.hpp"

#include "plugin/plugin_instance.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <ferry/sdk/clients.hpp>
#include <ferry/sdk/error.hpp>
#include <ferry/sdk/host.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <exception>

namespace ferry::host {

using meta::StageState;
using meta::TaskState;

namespace {
int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}
bool is_final(StageState s) {
  return s == StageState::Completed || s == StageState::Failed || s == StageState::Stopped;
}
}  // namespace

std::string task_settings_json(const config::TaskConfig& task) {
  nlohmann::json j;
  j["id"] = task.id;
  j["types"] = nlohmann::json::array();
  for (auto t : task.types) j["types"].push_back(std::string(config::to_string(t)));
  j["tags"] = task.tags;
  j["concurrency"] = std::string(config::to_string(task.concurrency));
  j["verify_concurrency"] = std::string(config::to_string(task.verify_concurrency));
  j["alert_level"] = std::string(config::to_string(task.alert_level));
  j["objects"] = nlohmann::json::array();
  for (const auto& o : task.objects) {
    j["objects"].push_back({{"include", o.include}, {"exclude", o.exclude}});
  }
  j["rename"] = {{"schemas", task.rename.schemas},
                 {"tables", task.rename.tables},
                 {"columns", task.rename.columns}};
  j["source_plugin"] = task.source.plugin;
  j["destination_plugin"] = task.destination.plugin;
  return j.dump();
}

struct TaskRunner::Stage {
  const StageSpec* spec = nullptr;
  std::unique_ptr<StageHost> host;
  std::vector<BoundedChannel*> inputs, outputs;
  StageState state = StageState::Pending;
  std::string error;
  int64_t started_ms = 0, finished_ms = 0;
  bool launched = false;
  int64_t sampled_ms = 0;  // when the metrics were last sampled into the store
  std::thread thread;
  // The running component, for the pause/resume hooks (guarded by instance_mu). Shared, so a
  // hook called without locks keeps the instance alive even if run() returns meanwhile.
  std::mutex instance_mu;
  std::shared_ptr<PluginInstance> component;
};

TaskRunner::TaskRunner(const config::TaskConfig& task, StageGraph graph,
                       const PluginRegistry& plugins, meta::MetaStore& store, RunnerOptions options)
    : task_(task),
      graph_(std::move(graph)),
      plugins_(plugins),
      store_(store),
      options_(std::move(options)),
      task_json_(task_settings_json(task_)) {
  for (const auto& spec : graph_.stages) {
    auto s = std::make_unique<Stage>();
    s->spec = &spec;
    s->host = std::make_unique<StageHost>(task_.id, spec.name, control_, store_);
    stages_.push_back(std::move(s));
  }
  auto stage_named = [&](const std::string& name) -> Stage& {
    return **std::find_if(stages_.begin(), stages_.end(),
                          [&](const auto& s) { return s->spec->name == name; });
  };
  for (auto& consumer : stages_) {
    for (const auto& producer_name : consumer->spec->inputs) {
      channels_.push_back(std::make_unique<BoundedChannel>(
          producer_name + "->" + consumer->spec->name, consumer->spec->channel_capacity,
          options_.channel_max_bytes));
      consumer->inputs.push_back(channels_.back().get());
      stage_named(producer_name).outputs.push_back(channels_.back().get());
    }
  }
}

TaskRunner::~TaskRunner() {
  stop();
  if (scheduler_.joinable()) scheduler_.join();
}

void TaskRunner::start() {
  std::lock_guard lock(mu_);
  if (started_ || stopping_ || ended_) return;
  started_ = true;
  store_write("registering the task", [&] {
    if (!store_.task(task_.id)) store_.register_task(task_.id, "");
    store_.prune_metric_samples(
        task_.id,
        now_ms() - std::chrono::duration_cast<std::chrono::milliseconds>(options_.metric_retention)
                       .count());
  });
  set_task_state(TaskState::Running);
  for (const auto& s : stages_) persist_stage(*s);
  event("info", "", fmt::format("task started with {} stage(s)", stages_.size()));
  if (store_failed_) {  // nothing can be checkpointed: do not start
    state_ = TaskState::Failed;
    ended_ = true;
    changed_.notify_all();
    return;
  }
  scheduler_ = std::thread([this] { schedule_loop(); });
}

// Calls a component hook (pause/resume) on every stage in state `from`, moving it to `to`. The
// hooks run with no lock held: a plugin's hook may wait for its run() without blocking the task.
// A failing hook is logged by the plugin through its host; last_error belongs to the stage
// thread and is not read here.
void TaskRunner::call_hooks(ferry_status (*ferry_component_vtable::*hook)(void*), const char* name,
                            StageState from, StageState to) {
  std::vector<std::pair<std::string, std::shared_ptr<PluginInstance>>> targets;
  {
    std::lock_guard lock(mu_);
    for (auto& s : stages_) {
      if (s->state != from) continue;
      s->state = to;
      persist_stage(*s);
      std::lock_guard il(s->instance_mu);
      if (s->component) targets.emplace_back(s->spec->name, s->component);
    }
  }
  for (const auto& [stage, component] : targets) {
    const auto* vt = component->vtable<ferry_component_vtable>();
    if (!(vt->*hook)) continue;
    const ferry_status st = (vt->*hook)(component->self());
    if (st != FERRY_OK) {
      spdlog::warn("[{}/{}] the component's {} hook returned '{}'; the stage goes on", task_.id,
                   stage, name, status_name(st));
    }
  }
}

void TaskRunner::pause() {
  {
    std::lock_guard lock(mu_);
    if (state_ != TaskState::Running || stopping_) return;
    control_.pause();
    set_task_state(TaskState::Paused);
    event("info", "", "task paused");
  }
  call_hooks(&ferry_component_vtable::pause, "pause", StageState::Running, StageState::Paused);
}

void TaskRunner::resume() {
  {
    std::lock_guard lock(mu_);
    if (state_ != TaskState::Paused || stopping_) return;
    set_task_state(TaskState::Running);
    event("info", "", "task resumed");
  }
  call_hooks(&ferry_component_vtable::resume, "resume", StageState::Paused, StageState::Running);
  control_.resume();
}

void TaskRunner::stop() {
  std::lock_guard lock(mu_);
  if (ended_ || stopping_) return;
  stopping_ = true;
  control_.cancel();
  for (auto& c : channels_) c->cancel();
  if (!started_) ended_ = true;
  changed_.notify_all();
}

meta::TaskState TaskRunner::wait() {
  std::unique_lock lock(mu_);
  changed_.wait(lock, [&] { return ended_ || !started_; });
  return state_;
}

bool TaskRunner::wait_for(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return changed_.wait_for(lock, timeout, [&] { return ended_ || !started_; });
}

TaskStatus TaskRunner::status() const {
  std::lock_guard lock(mu_);
  TaskStatus st;
  st.state = state_;
  st.error = error_;
  for (const auto& s : stages_) {
    StageStatus ss;
    ss.name = s->spec->name;
    ss.component = s->spec->component;
    ss.state = s->state;
    ss.progress_json = s->host->progress();
    ss.error = s->error;
    ss.metrics = s->host->metrics();
    ss.started_at_ms = s->started_ms;
    ss.finished_at_ms = s->finished_ms;
    st.stages.push_back(std::move(ss));
  }
  return st;
}

bool TaskRunner::ready_to_start(const Stage& s) const {
  for (const auto& dep : s.spec->after) {
    const auto it = std::find_if(stages_.begin(), stages_.end(),
                                 [&](const auto& o) { return o->spec->name == dep; });
    if ((*it)->state != StageState::Completed) return false;
  }
  return true;
}

void TaskRunner::schedule_loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    if (!stopping_) {
      for (auto& s : stages_) {
        if (s->launched || !ready_to_start(*s)) continue;
        s->launched = true;
        s->state = control_.paused() ? StageState::Paused : StageState::Running;
        s->started_ms = now_ms();
        persist_stage(*s);
        event("info", s->spec->name,
              fmt::format("stage started (component '{}')", s->spec->component));
        Stage* raw = s.get();
        s->thread = std::thread([this, raw] { run_stage(*raw); });
      }
    }
    const bool running = std::any_of(stages_.begin(), stages_.end(), [](const auto& s) {
      return s->launched && !is_final(s->state);
    });
    const bool launchable =
        !stopping_ && std::any_of(stages_.begin(), stages_.end(), [&](const auto& s) {
          return !s->launched && ready_to_start(*s);
        });
    if (!running && !launchable) break;
    if (changed_.wait_for(lock, options_.persist_interval) == std::cv_status::timeout) {
      for (const auto& s : stages_) {
        if (!s->launched || is_final(s->state)) continue;
        persist_stage(*s);
        sample_metrics(*s, false);
      }
    }
  }
  const bool all_done = std::all_of(stages_.begin(), stages_.end(), [](const auto& s) {
    return s->state == StageState::Completed;
  });
  const bool failed =
      store_failed_ || std::any_of(stages_.begin(), stages_.end(),
                                   [](const auto& s) { return s->state == StageState::Failed; });
  if (failed) {
    set_task_state(TaskState::Failed, error_);
    event("error", "", "task failed: " + error_);
  } else if (all_done) {
    set_task_state(TaskState::Completed);
    event("info", "", "task completed");
  } else {
    set_task_state(TaskState::Paused);
    event("info", "", "task stopped; it resumes from its checkpoints when started again");
  }
  if (store_failed_) state_ = TaskState::Failed;
  ended_ = true;
  lock.unlock();
  for (auto& s : stages_) {
    if (s->thread.joinable()) s->thread.join();
  }
  changed_.notify_all();
}

void TaskRunner::run_stage(Stage& s) {
  StageState final_state = StageState::Failed;
  std::string error;
  try {
    if (const ComponentEntry* c = plugins_.find(FERRY_KIND_COMPONENT, s.spec->component)) {
      run_component(s, *c);
    } else {
      run_transform(s, *plugins_.find(FERRY_KIND_TRANSFORM, s.spec->component));
    }
    // A stage that completes must have read its inputs to the end: anything left would be lost,
    // and its producer would wait on the full channel forever.
    for (auto* c : s.inputs) {
      if (!c->drained()) {
        fail(FERRY_INTERNAL,
             fmt::format("the stage completed without reading all of its input '{}' ({} "
                         "batch(es) left{}); its component must read every input to the end",
                         c->name(), c->size(), c->closed() ? "" : ", producer still running"));
      }
    }
    for (auto* c : s.outputs) c->close();
    final_state = StageState::Completed;
  } catch (const Error& e) {
    if (e.status() == FERRY_CANCELLED && control_.cancelled()) {
      final_state = StageState::Stopped;
    } else {
      error = e.what();
    }
  } catch (const std::exception& e) {
    error = e.what();
  }
  s.host->close_endpoints();
  finish_stage(s, final_state, error);
}

// A component stage: its own source and destination instances (more on request through
// ferry_host.open_endpoint), then init and run. Throws ferry::Error with the component's
// last_error when it fails.
void TaskRunner::run_component(Stage& s, const ComponentEntry& entry) {
  const ferry_host* services = s.host->services();
  auto make = [this, services](ferry_kind kind) {
    const bool src = kind == FERRY_KIND_SOURCE;
    const config::EndpointConfig& ep = src ? task_.source : task_.destination;
    const char* role = src ? "source" : "destination";
    const ComponentEntry* e = plugins_.find(kind, ep.plugin);
    if (!e) {
      fail(FERRY_INVALID_ARGUMENT,
           fmt::format("no loaded plugin provides {} '{}'", role, ep.plugin));
    }
    return PluginInstance::create(*e, ep.fields, services, task_.id, role);
  };
  s.host->set_endpoint_factory([make](ferry_kind kind) {
    if (kind != FERRY_KIND_SOURCE && kind != FERRY_KIND_DESTINATION) {
      fail(FERRY_INVALID_ARGUMENT, "only a source or a destination endpoint can be opened");
    }
    return make(kind);
  });
  auto source = make(FERRY_KIND_SOURCE);
  auto destination = make(FERRY_KIND_DESTINATION);
  std::shared_ptr<PluginInstance> component =
      PluginInstance::create(entry, s.spec->config, services, task_.id, s.spec->name);
  std::string stage_dir;
  if (!options_.data_dir.empty()) {
    const auto dir = options_.data_dir / "tasks" / task_.id / s.spec->name;
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
      fail(FERRY_UNAVAILABLE,
           fmt::format("cannot create the stage directory '{}': {}", dir.string(), ec.message()));
    }
    stage_dir = dir.string();
  }
  const ferry_endpoint src = source->endpoint(), dst = destination->endpoint();
  std::vector<ferry_channel*> ins, outs;
  for (auto* c : s.inputs) ins.push_back(c->c_channel());
  for (auto* c : s.outputs) outs.push_back(c->c_channel());
  ferry_stage_context ctx{};
  ctx.struct_size = sizeof(ctx);
  ctx.source = &src;
  ctx.destination = &dst;
  ctx.input_count = static_cast<uint32_t>(ins.size());
  ctx.inputs = ins.data();
  ctx.output_count = static_cast<uint32_t>(outs.size());
  ctx.outputs = outs.data();
  ctx.data_dir = stage_dir.c_str();
  ctx.task_json = task_json_.c_str();

  const auto* vt = component->vtable<ferry_component_vtable>();
  ferry_status st = vt->init(component->self(), &ctx);
  if (st == FERRY_OK) {
    {
      std::lock_guard il(s.instance_mu);
      s.component = component;
    }
    st = vt->run(component->self());
    std::lock_guard il(s.instance_mu);
    s.component.reset();
  }
  if (st != FERRY_OK) {
    const std::string detail = component->last_error();
    throw Error(st, detail.empty() ? status_name(st) : detail);
  }
}

// A transform stage: the host moves every batch of its one input through the transform into its
// one output (a transform that returns no batch has filtered the whole batch out).
void TaskRunner::run_transform(Stage& s, const ComponentEntry& entry) {
  auto t =
      PluginInstance::create(entry, s.spec->config, s.host->services(), task_.id, s.spec->name);
  const auto* vt = t->vtable<ferry_transform_vtable>();
  Channel in(s.inputs.at(0)->c_channel()), out(s.outputs.at(0)->c_channel());
  const Host host(s.host->services());
  for (auto batch = in.pull(); !batch.is_end(); batch = in.pull()) {
    if (control_.yield() == FERRY_CANCELLED) fail(FERRY_CANCELLED, "stopped");
    ferry_batch mapped{};
    const ferry_status st = vt->transform(t->self(), &batch.get(), &mapped);
    if (st != FERRY_OK && mapped.release) mapped.release(&mapped);  // abi.h: should be empty
    check(st, "transform", t->last_error().c_str());
    host.metric_add("rows_in", static_cast<double>(batch.get().record_count));
    if (!mapped.release) continue;
    host.metric_add("rows_out", static_cast<double>(mapped.record_count));
    out.push(OwnedBatch(&mapped));
  }
}

void TaskRunner::finish_stage(Stage& s, StageState state, const std::string& error) {
  std::lock_guard lock(mu_);
  s.state = state;
  s.error = error;
  s.finished_ms = now_ms();
  persist_stage(s);
  sample_metrics(s, true);
  if (state == StageState::Failed) {
    event("error", s.spec->name, "stage failed: " + error);
    fail_task(fmt::format("stage '{}' failed: {}", s.spec->name, error));
  } else {
    event("info", s.spec->name, fmt::format("stage {}", meta::to_string(state)));
  }
  changed_.notify_all();
}

void TaskRunner::fail_task(const std::string& error) {
  if (error_.empty()) error_ = error;
  if (!stopping_) {
    stopping_ = true;
    control_.cancel();
    for (auto& c : channels_) c->cancel();
  }
  changed_.notify_all();
}

template <class F>
void TaskRunner::store_write(const char* what, F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    // Progress that cannot be recorded cannot be resumed from: stop the task, loudly.
    spdlog::error("[{}] meta store failure while {}: {}", task_.id, what, e.what());
    if (!store_failed_) {
      store_failed_ = true;
      fail_task(fmt::format("meta store failure while {}: {}", what, e.what()));
    }
  }
}

void TaskRunner::set_task_state(TaskState state, const std::string& error) {
  state_ = state;
  store_write("recording the task state", [&] { store_.set_task_state(task_.id, state, error); });
}

void TaskRunner::persist_stage(const Stage& s) {
  meta::StageRecord r;
  r.task_id = task_.id;
  r.stage = s.spec->name;
  r.component = s.spec->component;
  r.state = s.state;
  r.progress_json = s.host->progress();
  r.error = s.error;
  r.started_at_ms = s.started_ms;
  r.finished_at_ms = s.finished_ms;
  store_write("recording a stage's status", [&] { store_.put_stage(r); });
}

void TaskRunner::sample_metrics(Stage& s, bool force) {
  const int64_t now = now_ms();
  if (!force && now - s.sampled_ms < options_.metric_sample_interval.count()) return;
  s.sampled_ms = now;
  std::vector<meta::MetricSample> samples;
  for (const auto& [name, value] : s.host->metrics()) {
    samples.push_back({.stage = s.spec->name, .name = name, .at_ms = now, .value = value});
  }
  store_write("recording metric samples", [&] { store_.append_metric_samples(task_.id, samples); });
}

void TaskRunner::event(const std::string& level, const std::string& stage,
                       const std::string& message) {
  meta::EventRecord e;
  e.task_id = task_.id;
  e.level = level;
  e.stage = stage;
  e.message = message;
  store_write("recording an event", [&] { store_.append_event(e); });
  const auto lvl = level == "error" ? spdlog::level::err : spdlog::level::info;
  spdlog::log(lvl, "[{}{}{}] {}", task_.id, stage.empty() ? "" : "/", stage, message);
}

}  // namespace ferry::host
