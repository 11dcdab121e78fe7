// A component's view of the task's migration objects (ferry_host.object_put / object_list, SDK
// ABI 1.2; docs/sdk.md "Migration objects"): typed reads of what the host keeps, and puts that
// send only the fields they set (the host keeps the rest, and an operator's edited DDL).
#pragma once

#include <nlohmann/json.hpp>

#include <ferry/sdk/host.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <string>

namespace ferry::common {

struct StoredObject {
  std::string key, kind, parent, source, destination, status, ddl, error;
  bool ddl_edited = false;
  nlohmann::json detail = nlohmann::json::object();
  int64_t started_at_ms = 0, finished_at_ms = 0;

  // Done objects are not worked on again: succeeded, or taken out of ferry's hands.
  bool done() const { return status == "succeeded" || status == "skipped" || status == "removed"; }
};

inline int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class Objects {
 public:
  explicit Objects(const Host& host) : host_(host) {}

  // Every object whose key starts with `prefix`, by key.
  std::map<std::string, StoredObject> load(const std::string& prefix = {}) const {
    std::map<std::string, StoredObject> out;
    const nlohmann::json all = nlohmann::json::parse(host_.object_list(prefix));
    for (const auto& j : all) {
      StoredObject o;
      o.key = j.value("key", "");
      o.kind = j.value("kind", "");
      o.parent = j.value("parent", "");
      o.source = j.value("source", "");
      o.destination = j.value("destination", "");
      o.status = j.value("status", "");
      o.ddl = j.value("ddl", "");
      o.error = j.value("error", "");
      o.ddl_edited = j.value("ddl_edited", false);
      if (j.contains("detail") && j["detail"].is_object()) o.detail = j["detail"];
      o.started_at_ms = j.value("started_at_ms", int64_t{0});
      o.finished_at_ms = j.value("finished_at_ms", int64_t{0});
      out.emplace(o.key, std::move(o));
    }
    return out;
  }
  std::optional<StoredObject> get(const std::string& key) const {
    auto all = load(key);
    const auto it = all.find(key);
    if (it == all.end()) return std::nullopt;
    return it->second;
  }
  // `fields` is a JSON object of the fields to set; "key" is added.
  void put(const std::string& key, nlohmann::json fields) const {
    fields["key"] = key;
    host_.object_put(fields.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  void running(const std::string& key) const {
    put(key, {{"status", "running"},
              {"error", ""},
              {"started_at_ms", wall_ms()},
              {"finished_at_ms", 0}});
  }
  void succeeded(const std::string& key, nlohmann::json more = nlohmann::json::object()) const {
    more["status"] = "succeeded";
    more["error"] = "";
    more["finished_at_ms"] = wall_ms();
    put(key, std::move(more));
  }
  void failed(const std::string& key, const std::string& error,
              nlohmann::json more = nlohmann::json::object()) const {
    more["status"] = "failed";
    more["error"] = error;
    more["finished_at_ms"] = wall_ms();
    put(key, std::move(more));
  }

 private:
  const Host& host_;
};

}  // namespace ferry::common
