// load_config / load_server_only: the daemon file, its [server] table, its inline tasks and the
// task files of task_dir.
#include <algorithm>
#include <map>
#include <system_error>
#include <tuple>

#include "config/config.hpp"
#include "config/names.hpp"
#include "config/reader.hpp"
#include "config/task.hpp"

namespace ferry::config {
namespace {

namespace fs = std::filesystem;
using detail::assign;
using detail::Reader;

constexpr std::string_view kTopLevel = "the top-level table";
constexpr std::string_view kTopKeys[] = {"server", "task"};
constexpr std::string_view kTaskFileKeys[] = {"task"};
constexpr std::string_view kServerKeys[] = {"listen", "data_dir", "plugin_dir", "log_level",
                                            "task_dir"};

// The file parsed, or nullopt after recording why it could not be read or parsed.
std::optional<toml::table> parse(const fs::path& file, std::vector<ConfigError>& errors) {
  std::string text;
  if (const int err = detail::read_whole_file(file, text)) {
    errors.push_back(
        {{file.string()}, "cannot read config: " + std::generic_category().message(err)});
    return std::nullopt;
  }
#if TOML_EXCEPTIONS
  try {
    return toml::parse(text, file.string());
  } catch (const toml::parse_error& e) {
    const auto& b = e.source().begin;
    errors.push_back({{file.string(), b.line, b.column}, std::string(e.description())});
    return std::nullopt;
  }
#else
  toml::parse_result result = toml::parse(text, file.string());
  if (!result) {
    const auto& b = result.error().source().begin;
    errors.push_back(
        {{file.string(), b.line, b.column}, std::string(result.error().description())});
    return std::nullopt;
  }
  return std::move(result).table();
#endif
}

// "host:port" with a non-empty host and a decimal port 0..65535 ("[::1]:7480" for IPv6).
bool valid_listen(std::string_view s) {
  const size_t colon = s.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  const std::string_view port = s.substr(colon + 1);
  if (port.empty() || port.size() > 5) return false;
  if (!std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return false;
  return std::stoi(std::string(port)) <= 65535;
}

std::optional<std::string> read_listen(Reader& r, const toml::node& n) {
  std::optional<std::string> v = r.string(n, "listen");
  if (v && !valid_listen(*v)) {
    r.error(n, "'listen' must be \"host:port\", not '" + *v + "'");
    return std::nullopt;
  }
  return v;
}

ServerConfig read_server(Reader& r, const toml::table& root) {
  ServerConfig s;
  const toml::node* n = r.required(root, "server", kTopLevel);
  const toml::table* t = n ? r.expect<toml::table>(*n, "server") : nullptr;
  if (!t) return s;
  s.where = r.at(*t);
  r.check_keys(*t, kServerKeys, "[server]");
  assign(*t, "listen", s.listen, [&](const toml::node& v) { return read_listen(r, v); });
  if (const toml::node* v = r.required(*t, "data_dir", "[server]"))
    if (auto p = r.path(*v, "data_dir")) s.data_dir = std::move(*p);
  if (const toml::node* v = r.required(*t, "plugin_dir", "[server]"))
    if (auto p = r.path(*v, "plugin_dir")) s.plugin_dir = std::move(*p);
  assign(*t, "log_level", s.log_level, [&](const toml::node& v) {
    return r.one_of<std::string_view>(v, "log_level", detail::kLogLevels);
  });
  assign(*t, "task_dir", s.task_dir, [&](const toml::node& v) { return r.path(v, "task_dir"); });
  return s;
}

// Collects the tasks of every file of one load and the errors about them.
class Loader {
 public:
  Loader(fs::path file, const FieldLookup& lookup) : file_(std::move(file)), lookup_(lookup) {}

  LoadResult run(bool server_only) {
    DaemonConfig config;
    config.file = file_;
    files_.push_back(file_.string());
    if (std::optional<toml::table> root = parse(file_, errors_)) {
      Reader r(file_, errors_);
      config.server = read_server(r, *root);
      if (!server_only) {
        r.check_keys(*root, kTopKeys, kTopLevel);
        read_inline_tasks(r, *root);
        if (config.server.task_dir) read_task_dir(r, *root, *config.server.task_dir);
        for (detail::ReadTask& t : tasks_) config.tasks.push_back(std::move(t.task));
      }
    }
    return finish(std::move(config));
  }

 private:
  void read_inline_tasks(Reader& r, const toml::table& root) {
    const toml::node* n = root.get("task");
    const toml::array* arr = n ? r.expect<toml::array>(*n, "task") : nullptr;
    if (!arr) return;
    for (size_t i = 0; i < arr->size(); ++i) {
      const std::string name = "task[" + std::to_string(i) + "]";
      if (const toml::table* t = r.expect<toml::table>((*arr)[i], name))
        add(r, detail::read_task(r, *t, "[[task]]", lookup_));
    }
  }

  // Every *.toml file directly in `dir`, by name; each holds exactly one [task] table.
  void read_task_dir(Reader& r, const toml::table& root, const fs::path& dir) {
    std::error_code ec, type_ec;
    std::vector<fs::path> files;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
      if (it->path().extension() == ".toml" && it->is_regular_file(type_ec))
        files.push_back(it->path());
    if (ec) {
      const toml::node* where = root["server"]["task_dir"].node();
      const std::string message =
          "task_dir: cannot read directory '" + dir.string() + "': " + ec.message();
      where ? r.error(*where, message) : r.error({r.file().string()}, message);
      return;
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& f : files) read_task_file(f);
  }

  void read_task_file(const fs::path& file) {
    files_.push_back(file.string());
    const std::optional<toml::table> root = parse(file, errors_);
    if (!root) return;
    Reader r(file, errors_);
    r.check_keys(*root, kTaskFileKeys, kTopLevel);
    const toml::node* n = r.required(*root, "task", kTopLevel);
    if (const toml::table* t = n ? r.expect<toml::table>(*n, "task") : nullptr)
      add(r, detail::read_task(r, *t, "[task]", lookup_));
  }

  // Keeps the task; a duplicate id is an error at the second one, naming the first.
  void add(Reader& r, detail::ReadTask t) {
    if (t.id_where) {
      auto [it, inserted] = first_.emplace(t.task.id, *t.id_where);
      if (!inserted)
        r.error(*t.id_where, "duplicate task id '" + t.task.id + "' (first defined at " +
                                 detail::location_str(it->second) + ")");
    }
    tasks_.push_back(std::move(t));
  }

  // Orders the errors by file (in load order), line and column.
  LoadResult finish(DaemonConfig config) {
    auto rank = [&](const ConfigError& e) {
      return std::find(files_.begin(), files_.end(), e.where.file) - files_.begin();
    };
    std::stable_sort(errors_.begin(), errors_.end(), [&](const auto& a, const auto& b) {
      return std::tuple(rank(a), a.where.line, a.where.column) <
             std::tuple(rank(b), b.where.line, b.where.column);
    });
    LoadResult result;
    if (errors_.empty()) result.config = std::move(config);
    result.errors = std::move(errors_);
    return result;
  }

  fs::path file_;
  const FieldLookup& lookup_;
  std::vector<std::string> files_;  // every file read, in order
  std::vector<ConfigError> errors_;
  std::vector<detail::ReadTask> tasks_;
  std::map<std::string, SourceLocation> first_;  // task id -> where it is first defined
};

}  // namespace

LoadResult load_config(const std::filesystem::path& file, const FieldLookup& lookup) {
  return Loader(file, lookup).run(false);
}

LoadResult load_server_only(const std::filesystem::path& file) {
  static const FieldLookup kNone;
  return Loader(file, kNone).run(true);
}

}  // namespace ferry::config
