#include "ferryd/commands.hpp"

#include "task/objects.hpp"

#include "common/log.hpp"
#include "config/config.hpp"
#include "meta/data_dir_lock.hpp"
#include "meta/meta_store.hpp"
#include "plugin/plugin_registry.hpp"
#include "task/stage_graph.hpp"
#include "task/task_runner.hpp"

#include <ferry/abi.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <csignal>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <thread>

#ifndef FERRY_VERSION
#define FERRY_VERSION "0.0.0"
#endif

namespace ferry::host {
namespace {

std::atomic<int> g_signal{0};
extern "C" void on_signal(int sig) {
  g_signal.store(sig);
}

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

void print_errors(const std::vector<config::ConfigError>& errors) {
  for (const auto& e : errors) std::cerr << e.str() << "\n";
}

// Everything a command needs from the config: the server settings, the plugins, the tasks and
// their stage graphs — loaded in that order, since task validation needs the plugins' fields.
struct Loaded {
  config::DaemonConfig config;
  std::unique_ptr<PluginRegistry> plugins = std::make_unique<PluginRegistry>();
  std::vector<std::string> refusals;
  std::map<std::string, StageGraph> graphs;
};

// Loads the [server] table, initialises logging and loads the plugins. nullopt (with the errors
// printed) when the server config is invalid.
std::optional<Loaded> load_server_and_plugins(const std::string& file) {
  auto server = config::load_server_only(file);
  if (!server.ok()) {
    // Without a valid [server] there are no plugins to check task fields against, but every
    // other problem can still be reported in the same run.
    const auto everything = config::load_config(file);
    print_errors(everything.errors.empty() ? server.errors : everything.errors);
    return std::nullopt;
  }
  Loaded l;
  l.config = std::move(*server.config);
  init_logging(parse_log_level(l.config.server.log_level).value_or(spdlog::level::info));
  l.refusals = l.plugins->load_directory(l.config.server.plugin_dir);
  for (const auto& r : l.refusals) spdlog::error("plugin refused: {}", r);
  return l;
}

// The full config plus every task's stage graph; all problems printed at once.
std::optional<Loaded> load_everything(const std::string& file) {
  auto l = load_server_and_plugins(file);
  if (!l) return std::nullopt;
  auto result = config::load_config(file, l->plugins->field_lookup());
  std::vector<config::ConfigError> errors = result.errors;
  if (result.config) {
    l->config = std::move(*result.config);
    for (const auto& task : l->config.tasks) {
      auto graph = build_stage_graph(task, *l->plugins);
      errors.insert(errors.end(), graph.errors.begin(), graph.errors.end());
      if (graph.ok()) l->graphs.emplace(task.id, std::move(graph.graph));
    }
  }
  if (!errors.empty()) {
    print_errors(errors);
    return std::nullopt;
  }
  return l;
}

// A digest of what a task is configured to do, so a restart can tell the config changed.
// Secrets are left out: a rotated password is not a different task.
std::string task_digest(const config::TaskConfig& t) {
  std::string s = t.id;
  for (auto type : t.types) s += fmt::format("|{}", config::to_string(type));
  auto fields = [&](const config::FieldMap& m) {
    for (const auto& [k, f] : m) {
      s += "|" + k + "=";
      std::visit(
          [&](const auto& v) {
            using V = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<V, std::string>)
              s += v;
            else if constexpr (std::is_same_v<V, std::vector<std::string>>)
              s += fmt::format("{}", fmt::join(v, ","));
            else if constexpr (std::is_same_v<V, config::Secret>)
              s += "secret";
            else
              s += fmt::format("{}", v);
          },
          f.value);
    }
  };
  s += "|src=" + t.source.plugin;
  fields(t.source.fields);
  s += "|dst=" + t.destination.plugin;
  fields(t.destination.fields);
  for (const auto& o : t.objects)
    s += fmt::format("|obj={}/{}", fmt::join(o.include, ","), fmt::join(o.exclude, ","));
  for (const auto& [from, to] : t.rename.schemas) s += "|rs=" + from + ">" + to;
  for (const auto& [from, to] : t.rename.tables) s += "|rt=" + from + ">" + to;
  for (const auto& [from, to] : t.rename.columns) s += "|rc=" + from + ">" + to;
  for (const auto& st : t.stages) {
    s += fmt::format("|stage={}:{}:{}:{}", st.name, st.component, fmt::join(st.inputs, ","),
                     fmt::join(st.after, ","));
    fields(st.config);
  }
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return fmt::format("{:016x}", h);
}

std::string one_line_progress(const TaskStatus& st) {
  std::string out;
  for (const auto& s : st.stages) {
    if (s.state == meta::StageState::Pending) continue;
    out += fmt::format(" | {} {}", s.name, meta::to_string(s.state));
    for (const auto& [k, v] : s.metrics) out += fmt::format(" {}={}", k, static_cast<int64_t>(v));
  }
  return out;
}

}  // namespace

void print_version(std::ostream& out) {
  out << "ferryd " << FERRY_VERSION << " (plugin ABI " << FERRY_ABI_MAJOR << "." << FERRY_ABI_MINOR
      << ")\n";
}

int list_plugins(const std::string& config_file) {
  auto l = load_server_and_plugins(config_file);
  if (!l) return kExitUsage;
  std::cout << fmt::format("plugins in {}:\n", l->config.server.plugin_dir.string());
  for (const auto& lib : l->plugins->plugins()) {
    std::set<std::string> kinds;
    const auto comps = l->plugins->components_of(*lib);
    for (const auto* c : comps) kinds.insert(std::string(kind_name(c->kind)));
    std::cout << fmt::format("{} {}  ABI {}.{}  kinds: {}  ({})\n", lib->name, lib->version,
                             lib->abi_major, lib->abi_minor, fmt::join(kinds, ", "),
                             lib->path.filename().string());
    for (const auto* c : comps) {
      std::cout << fmt::format("  {} '{}': {}\n", kind_name(c->kind), c->name, c->description);
    }
  }
  for (const auto& r : l->refusals) std::cerr << "refused: " << r << "\n";
  return l->refusals.empty() ? kExitOk : kExitFailed;
}

int check_config(const std::string& config_file) {
  auto l = load_everything(config_file);
  if (!l) return kExitUsage;
  std::cout << fmt::format("{}: OK ({} task(s), {} plugin(s))\n", config_file,
                           l->config.tasks.size(), l->plugins->plugins().size());
  return kExitOk;
}

int run_task(const std::string& config_file, const std::string& task_id) {
  auto l = load_everything(config_file);
  if (!l) return kExitUsage;
  const config::TaskConfig* task = l->config.find_task(task_id);
  if (!task) {
    std::vector<std::string> ids;
    for (const auto& t : l->config.tasks) ids.push_back(t.id);
    std::cerr << fmt::format("ferryd: {} has no task '{}' (tasks: {})\n", config_file, task_id,
                             ids.empty() ? "none" : fmt::format("{}", fmt::join(ids, ", ")));
    return kExitUsage;
  }
  try {
    auto lock = meta::DataDirLock::acquire(l->config.server.data_dir);
    auto store = meta::MetaStore::open(l->config.server.data_dir);
    store->register_task(task->id, task_digest(*task));
    install_signal_handlers();
    RunnerOptions options;
    options.data_dir = l->config.server.data_dir;
    TaskRunner runner(*task, l->graphs.at(task->id), *l->plugins, *store, options);
    runner.start();
    auto last = std::chrono::steady_clock::now();
    bool signalled = false;
    while (!runner.wait_for(std::chrono::milliseconds(200))) {
      if (!signalled && g_signal.load() != 0) {
        signalled = true;
        spdlog::warn(
            "signal {} received: stopping task '{}' at the next batch boundary (a "
            "second signal ends ferryd at once)",
            g_signal.load(), task->id);
        std::signal(SIGINT, SIG_DFL);
        std::signal(SIGTERM, SIG_DFL);
        runner.stop();
      }
      if (std::chrono::steady_clock::now() - last >= std::chrono::seconds(1)) {
        last = std::chrono::steady_clock::now();
        const auto st = runner.status();
        std::cerr << fmt::format("[{}] {}{}\n", task->id, meta::to_string(st.state),
                                 one_line_progress(st));
      }
    }
    const TaskStatus st = runner.status();
    std::cerr << fmt::format("[{}] {}{}\n", task->id, meta::to_string(st.state),
                             one_line_progress(st));
    if (st.state == meta::TaskState::Completed) return kExitOk;
    if (st.state == meta::TaskState::Failed) {
      std::cerr << fmt::format("ferryd: task '{}' failed: {}\n", task->id, st.error);
      return kExitFailed;
    }
    std::cerr << fmt::format(
        "ferryd: task '{}' stopped before it finished; run it again to resume\n", task->id);
    return signalled ? kExitSignal : kExitFailed;
  } catch (const meta::MetaError& e) {
    std::cerr << "ferryd: " << e.what() << "\n";
    return kExitEnvironment;
  }
}

int run_daemon(const std::string& config_file) {
  auto l = load_everything(config_file);
  if (!l) return kExitUsage;
  try {
    auto lock = meta::DataDirLock::acquire(l->config.server.data_dir);
    auto store = meta::MetaStore::open(l->config.server.data_dir);
    for (const auto& t : l->config.tasks) store->register_task(t.id, task_digest(t));
    install_signal_handlers();
    // The REST API and console (which start, pause and resume tasks) are not built yet; until
    // they are, the daemon holds its data directory and tasks run with --run.
    spdlog::info("ferryd {} started: data_dir {}, {} plugin(s), {} task(s) registered",
                 FERRY_VERSION, l->config.server.data_dir.string(), l->plugins->plugins().size(),
                 l->config.tasks.size());
    spdlog::warn("the REST API ({}) is not implemented yet; run a task with --run TASK_ID",
                 l->config.server.listen);
    while (g_signal.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    spdlog::info("signal {} received: ferryd stopping", g_signal.load());
    return kExitOk;
  } catch (const meta::MetaError& e) {
    std::cerr << "ferryd: " << e.what() << "\n";
    return kExitEnvironment;
  }
}

int object_command(const std::string& config_file, const std::string& task_id,
                   const std::vector<std::string>& args) {
  static const char* const kUsage =
      "ferryd: --objects TASK_ID takes one of: list [errors] | ddl KEY | set-ddl KEY FILE | "
      "retry KEY... | retry-failed | skip KEY... | remove KEY... | export-schema";
  const std::string op = args.empty() ? "list" : args[0];
  const std::vector<std::string> keys(args.empty() ? args.end() : args.begin() + 1, args.end());
  auto l = load_everything(config_file);
  if (!l) return kExitUsage;
  if (!l->config.find_task(task_id)) {
    std::cerr << fmt::format("ferryd: {} has no task '{}'\n", config_file, task_id);
    return kExitUsage;
  }
  try {
    auto lock = meta::DataDirLock::acquire(l->config.server.data_dir);
    auto store = meta::MetaStore::open(l->config.server.data_dir);
    if (!store->task(task_id)) store->register_task(task_id, "");
    TaskObjects objects(*store, task_id);
    if (op == "list" && keys.size() <= 1 && (keys.empty() || keys[0] == "errors")) {
      const auto list = objects.list({.errors_only = !keys.empty()});
      for (const auto& o : list) {
        std::string error = o.error.substr(0, o.error.find('\n'));
        std::cout << fmt::format("{:<10} {:<48} {}{}{}\n", meta::to_string(o.status), o.key,
                                 o.dest_name.empty() ? "" : "-> " + o.dest_name,
                                 o.ddl_edited ? "  (DDL edited)" : "",
                                 error.empty() ? "" : "\n           " + error);
      }
      std::cout << fmt::format("{} object(s)\n", list.size());
      return kExitOk;
    }
    if (op == "ddl" && keys.size() == 1) {
      std::cout << objects.creation_syntax(keys[0]) << "\n";
      return kExitOk;
    }
    if (op == "set-ddl" && keys.size() == 2) {
      std::ifstream in(keys[1]);
      if (!in) {
        std::cerr << fmt::format("ferryd: cannot read the DDL file {}\n", keys[1]);
        return kExitUsage;
      }
      const std::string ddl((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      objects.modify_ddl(keys[0], ddl);
      std::cout << fmt::format("{}: DDL replaced; the object is pending (run the task again)\n",
                               keys[0]);
      return kExitOk;
    }
    if (op == "retry" && !keys.empty()) {
      for (const auto& k : keys) objects.retry(k);
      std::cout << fmt::format("{} object(s) pending again (run the task again)\n", keys.size());
      return kExitOk;
    }
    if (op == "retry-failed" && keys.empty()) {
      std::cout << fmt::format("{} failed object(s) pending again (run the task again)\n",
                               objects.retry_all_failed());
      return kExitOk;
    }
    if (op == "skip" && !keys.empty()) {
      objects.skip(keys);
      std::cout << fmt::format("{} object(s) skipped, with their indexes and constraints\n",
                               keys.size());
      return kExitOk;
    }
    if (op == "remove" && !keys.empty()) {
      objects.remove(keys);
      std::cout << fmt::format("{} object(s) removed from the migration, with their children\n",
                               keys.size());
      return kExitOk;
    }
    if (op == "export-schema" && keys.empty()) {
      std::cout << objects.export_sql();
      return kExitOk;
    }
    std::cerr << kUsage << "\n";
    return kExitUsage;
  } catch (const ObjectOpError& e) {
    std::cerr << "ferryd: " << e.what() << "\n";
    return kExitFailed;
  } catch (const meta::MetaError& e) {
    std::cerr << "ferryd: " << e.what() << "\n";
    return kExitEnvironment;
  }
}

}  // namespace ferry::host
