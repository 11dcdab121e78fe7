#include "ferryd/release.hpp"

#include "common/log.hpp"
#include "config/config.hpp"
#include "ferryd/commands.hpp"
#include "meta/data_dir_lock.hpp"
#include "meta/meta_store.hpp"
#include "plugin/plugin_instance.hpp"
#include "plugin/plugin_registry.hpp"
#include "task/stage_graph.hpp"

#include <ferry/abi.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <ferry/sdk/clients.hpp>
#include <ferry/sdk/error.hpp>
#include <ferry/sdk/host_services.hpp>

#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace ferry::host {
namespace {

// The services of the one source instance a release creates: its log lines are kept (what it
// says at info level and above is what it dropped, or kept), nothing else is offered.
class ReleaseHost : public HostServices {
 public:
  explicit ReleaseHost(std::string task_id) : task_id_(std::move(task_id)) {}

  std::vector<std::string> take_said() {
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    out.swap(said_);
    return out;
  }

 protected:
  void on_log(ferry_log_level level, const std::string& message) override {
    if (level >= FERRY_LOG_INFO) {
      std::lock_guard lock(mu_);
      said_.push_back(message);
    }
    const auto lvl = level >= FERRY_LOG_ERROR  ? spdlog::level::err
                     : level >= FERRY_LOG_WARN ? spdlog::level::warn
                                               : spdlog::level::debug;
    spdlog::log(lvl, "[{}/release] {}", task_id_, message);
  }
  bool on_is_cancelled() override { return false; }
  ferry_status on_yield() override { return FERRY_OK; }
  void on_metric_add(const std::string&, double) override {}
  void on_metric_set(const std::string&, double) override {}
  void on_checkpoint_write(const std::string& key, std::span<const uint8_t>) override {
    fail(FERRY_NOT_SUPPORTED, "release: no checkpoint is written while releasing ('" + key + "')");
  }
  std::optional<Bytes> on_checkpoint_read(const std::string&) override { return std::nullopt; }
  void on_progress(const std::string&) override {}

 private:
  const std::string task_id_;
  std::mutex mu_;
  std::vector<std::string> said_;
};

void print_errors(const std::vector<config::ConfigError>& errors) {
  for (const auto& e : errors) std::cerr << e.str() << "\n";
}

}  // namespace

int release_task(const std::string& config_file, const std::string& task_id) {
  // The config is checked as for --run (the server, the plugins, every task and stage graph).
  auto server = config::load_server_only(config_file);
  if (!server.ok()) {
    const auto everything = config::load_config(config_file);
    print_errors(everything.errors.empty() ? server.errors : everything.errors);
    return kExitUsage;
  }
  init_logging(parse_log_level(server.config->server.log_level).value_or(spdlog::level::info));
  auto plugins = std::make_unique<PluginRegistry>();
  for (const auto& r : plugins->load_directory(server.config->server.plugin_dir)) {
    spdlog::error("plugin refused: {}", r);
  }
  auto loaded = config::load_config(config_file, plugins->field_lookup());
  std::vector<config::ConfigError> errors = loaded.errors;
  if (loaded.config) {
    for (const auto& t : loaded.config->tasks) {
      auto graph = build_stage_graph(t, *plugins);
      errors.insert(errors.end(), graph.errors.begin(), graph.errors.end());
    }
  }
  if (!errors.empty()) {
    print_errors(errors);
    return kExitUsage;
  }
  const config::DaemonConfig& cfg = *loaded.config;
  const config::TaskConfig* task = cfg.find_task(task_id);
  if (!task) {
    std::vector<std::string> ids;
    for (const auto& t : cfg.tasks) ids.push_back(t.id);
    std::cerr << fmt::format("ferryd: {} has no task '{}' (tasks: {})\n", config_file, task_id,
                             ids.empty() ? "none" : fmt::format("{}", fmt::join(ids, ", ")));
    return kExitUsage;
  }
  const std::string& plugin = task->source.plugin;
  try {
    auto lock = meta::DataDirLock::acquire(cfg.server.data_dir);
    auto store = meta::MetaStore::open(cfg.server.data_dir);
    auto record = store->task(task_id);
    if (!record) record = store->register_task(task_id, "");
    auto event = [&](const std::string& level, const std::string& message) {
      meta::EventRecord e;
      e.task_id = task_id;
      e.level = level;
      e.stage = "release";
      e.message = message;
      store->append_event(e);
    };
    const ComponentEntry* entry = plugins->find(FERRY_KIND_SOURCE, plugin);
    if (!entry) {  // the config check above makes this a refused plugin
      std::cerr << fmt::format("ferryd: no loaded plugin provides source '{}'\n", plugin);
      return kExitFailed;
    }
    ReleaseHost services(task_id);
    std::vector<std::string> said;
    bool has_release = false;
    try {
      const auto source = PluginInstance::create(*entry, task->source.fields, services.services(),
                                                 task_id, "source");
      const auto* vt = source->vtable<ferry_source_vtable>();
      has_release = FERRY_SLOT(vt, ferry_source_vtable, release) != nullptr;
      services.take_said();  // what it said while connecting is not what it dropped
      SourceClient(source->endpoint()).release();
      said = services.take_said();
    } catch (const Error& e) {
      event("error", fmt::format("releasing the source ('{}') failed: {}", plugin, e.what()));
      std::cerr << fmt::format("ferryd: releasing task '{}' failed: {}\n", task_id, e.what());
      return kExitFailed;
    }
    std::string summary;
    for (const auto& s : said) summary += (summary.empty() ? "" : "; ") + s;
    if (said.empty()) {
      summary = has_release ? "nothing was left to release"
                            : fmt::format(
                                  "nothing to release: the {} source keeps nothing on the "
                                  "server for a task",
                                  plugin);
    }
    event("info", fmt::format("task released on its source ('{}'): {}", plugin, summary));
    store->set_task_state(task_id, meta::TaskState::Released);
    std::cout << fmt::format("released task '{}' (source '{}'):", task_id, plugin);
    if (said.empty()) {
      std::cout << " " << summary << "\n";
    } else {
      std::cout << "\n";
      for (const auto& s : said) std::cout << "  " << s << "\n";
    }
    return kExitOk;
  } catch (const meta::MetaError& e) {
    std::cerr << "ferryd: " << e.what() << "\n";
    return kExitEnvironment;
  }
}

}  // namespace ferry::host
