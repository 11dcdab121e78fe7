#include "task/objects.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <mutex>
#include <set>
#include <string_view>

namespace ferry::host {

using meta::ObjectRecord;
using meta::ObjectStatus;

namespace {

std::string status_name(ObjectStatus s) {
  return std::string(meta::to_string(s));
}

bool matches(const ObjectRecord& r, const ObjectFilter& f) {
  if (!f.stage.empty() && r.stage != f.stage) return false;
  if (!f.kind.empty() && r.kind != f.kind) return false;
  if (f.errors_only && r.status != ObjectStatus::Failed) return false;
  return true;
}

std::mutex& put_mutex() {
  static std::mutex mu;
  return mu;
}

}  // namespace

meta::ObjectRecord put_object_json(meta::MetaStore& store, const std::string& task_id,
                                   const std::string& stage, const std::string& object_json) {
  const nlohmann::json j = nlohmann::json::parse(object_json, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) throw ObjectOpError("object_put: the object is not a JSON object");
  const auto text = [&](const char* field) -> std::optional<std::string> {
    const auto it = j.find(field);
    if (it == j.end()) return std::nullopt;
    if (!it->is_string()) {
      throw ObjectOpError(std::string("object_put: field '") + field + "' is not a string");
    }
    return it->get<std::string>();
  };
  const auto number = [&](const char* field) -> std::optional<int64_t> {
    const auto it = j.find(field);
    if (it == j.end()) return std::nullopt;
    if (!it->is_number_integer()) {
      throw ObjectOpError(std::string("object_put: field '") + field + "' is not an integer");
    }
    return it->get<int64_t>();
  };
  static const std::set<std::string> kFields = {
      "key", "kind",  "parent", "source",        "destination",   "status",
      "ddl", "error", "detail", "started_at_ms", "finished_at_ms"};
  for (const auto& [name, value] : j.items()) {
    if (!kFields.count(name)) throw ObjectOpError("object_put: unknown field '" + name + "'");
  }
  const auto key = text("key");
  if (!key || key->empty()) throw ObjectOpError("object_put: the object has no \"key\"");

  std::lock_guard lock(put_mutex());
  meta::ObjectRecord r;
  if (auto stored = store.object(task_id, *key)) {
    r = std::move(*stored);
  } else {
    r.task_id = task_id;
    r.key = *key;
    r.kind = key->substr(0, key->find(':'));
  }
  r.stage = stage;
  if (auto v = text("kind")) r.kind = *v;
  if (auto v = text("parent")) r.parent = *v;
  if (auto v = text("source")) r.source_name = *v;
  if (auto v = text("destination")) r.dest_name = *v;
  if (auto v = text("status")) {
    const auto s = meta::object_status_from_string(*v);
    if (!s) throw ObjectOpError("object_put: unknown status '" + *v + "'");
    r.status = *s;
  }
  if (auto v = text("ddl"); v && !r.ddl_edited) r.ddl = *v;
  if (auto v = text("error")) r.error = *v;
  if (const auto it = j.find("detail"); it != j.end()) {
    if (!it->is_object()) throw ObjectOpError("object_put: field 'detail' is not an object");
    r.detail_json = it->dump();
  }
  if (auto v = number("started_at_ms")) r.started_at_ms = *v;
  if (auto v = number("finished_at_ms")) r.finished_at_ms = *v;
  store.put_object(r);
  return r;
}

std::string list_objects_json(const meta::MetaStore& store, const std::string& task_id,
                              const std::string& prefix) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : store.objects(task_id, prefix)) {
    nlohmann::json detail = nlohmann::json::parse(r.detail_json, nullptr, false);
    if (detail.is_discarded()) detail = nlohmann::json::object();
    out.push_back({{"key", r.key},
                   {"kind", r.kind},
                   {"parent", r.parent},
                   {"stage", r.stage},
                   {"source", r.source_name},
                   {"destination", r.dest_name},
                   {"status", std::string(meta::to_string(r.status))},
                   {"ddl", r.ddl},
                   {"ddl_edited", r.ddl_edited},
                   {"error", r.error},
                   {"detail", std::move(detail)},
                   {"started_at_ms", r.started_at_ms},
                   {"finished_at_ms", r.finished_at_ms},
                   {"updated_at_ms", r.updated_at_ms}});
  }
  // Replace invalid UTF-8 (an engine's error text) rather than throw.
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

TaskObjects::TaskObjects(meta::MetaStore& store, std::string task_id)
    : store_(store), task_id_(std::move(task_id)) {}

std::vector<ObjectRecord> TaskObjects::list(const ObjectFilter& filter) const {
  std::vector<ObjectRecord> out;
  for (auto& r : store_.objects(task_id_)) {
    if (matches(r, filter)) out.push_back(std::move(r));
  }
  return out;
}

ObjectRecord TaskObjects::get(const std::string& key) const {
  auto r = store_.object(task_id_, key);
  if (!r) throw ObjectOpError("task '" + task_id_ + "' has no object '" + key + "'");
  return *r;
}

std::string TaskObjects::creation_syntax(const std::string& key) const {
  const ObjectRecord r = get(key);
  if (r.ddl.empty()) {
    throw ObjectOpError("object '" + key + "' has no creation syntax (a " + r.kind +
                        " object is not created by DDL, or its DDL is not generated yet)");
  }
  return r.ddl;
}

void TaskObjects::modify_ddl(const std::string& key, const std::string& ddl) {
  ObjectRecord r = get(key);
  if (r.status != ObjectStatus::Failed && r.status != ObjectStatus::Pending) {
    throw ObjectOpError("object '" + key + "' is " + status_name(r.status) +
                        "; only a failed or pending object's DDL can be modified");
  }
  if (ddl.find_first_not_of(" \t\r\n") == std::string::npos) {
    throw ObjectOpError("the new DDL of object '" + key + "' is empty");
  }
  r.ddl = ddl;
  r.ddl_edited = true;
  r.status = ObjectStatus::Pending;
  r.error.clear();
  r.started_at_ms = r.finished_at_ms = 0;
  store_.put_object(r);
}

void TaskObjects::retry(const std::string& key) {
  ObjectRecord r = get(key);
  if (r.status != ObjectStatus::Failed) {
    throw ObjectOpError("object '" + key + "' is " + status_name(r.status) +
                        "; only a failed object can be retried");
  }
  r.status = ObjectStatus::Pending;
  r.error.clear();
  r.started_at_ms = r.finished_at_ms = 0;
  store_.put_object(r);
}

size_t TaskObjects::retry_all_failed(const ObjectFilter& filter) {
  ObjectFilter f = filter;
  f.errors_only = true;
  std::vector<ObjectRecord> failed = list(f);
  for (auto& r : failed) {
    r.status = ObjectStatus::Pending;
    r.error.clear();
    r.started_at_ms = r.finished_at_ms = 0;
  }
  store_.put_objects(failed);
  return failed.size();
}

std::vector<ObjectRecord> TaskObjects::with_children(const std::vector<std::string>& keys) const {
  // Check every key first, so a batch with one bad key changes nothing.
  std::set<std::string> wanted;
  for (const auto& k : keys) wanted.insert(get(k).key);
  std::vector<ObjectRecord> out;
  // Children may have children of their own (a table's data record); walk until stable.
  const std::vector<ObjectRecord> all = store_.objects(task_id_);
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& r : all) {
      if (!wanted.count(r.key) && wanted.count(r.parent)) {
        wanted.insert(r.key);
        grew = true;
      }
    }
  }
  for (const auto& r : all) {
    if (wanted.count(r.key)) out.push_back(r);
  }
  return out;
}

void TaskObjects::skip(const std::vector<std::string>& keys) {
  for (const auto& k : keys) {
    const ObjectRecord r = get(k);
    if (r.status != ObjectStatus::Failed && r.status != ObjectStatus::Pending) {
      throw ObjectOpError("object '" + k + "' is " + status_name(r.status) +
                          "; only a failed or pending object can be skipped");
    }
  }
  std::vector<ObjectRecord> changed;
  for (auto& r : with_children(keys)) {
    // A table's data is still migrated when its table is skipped (the operator created it);
    // only objects ferry would create follow.
    if (r.kind == "data") continue;
    if (r.status == ObjectStatus::Pending || r.status == ObjectStatus::Failed) {
      r.status = ObjectStatus::Skipped;
      changed.push_back(std::move(r));
    }
  }
  store_.put_objects(changed);
}

void TaskObjects::remove(const std::vector<std::string>& keys) {
  for (const auto& k : keys) {
    const ObjectRecord r = get(k);
    if (r.status == ObjectStatus::Running) {
      throw ObjectOpError("object '" + k +
                          "' is running; pause the task or wait for the object to finish");
    }
  }
  std::vector<ObjectRecord> changed;
  for (auto& r : with_children(keys)) {
    if (r.status == ObjectStatus::Removed) continue;
    r.status = ObjectStatus::Removed;
    changed.push_back(std::move(r));
  }
  store_.put_objects(changed);
}

std::string TaskObjects::export_sql() const {
  static constexpr std::array<std::string_view, 5> kOrder = {"schema", "table", "view", "index",
                                                             "constraint"};
  const std::vector<ObjectRecord> all = store_.objects(task_id_);
  std::string out = "-- ferry: the schema of task '" + task_id_ + "'\n";
  for (const auto kind : kOrder) {
    for (const auto& r : all) {
      if (r.kind != kind || r.status == ObjectStatus::Removed) continue;
      out += "\n-- " + r.kind + " " + r.source_name;
      if (!r.dest_name.empty() && r.dest_name != r.source_name) out += " -> " + r.dest_name;
      out += " (" + status_name(r.status) + (r.ddl_edited ? ", DDL edited" : "") + ")\n";
      if (r.ddl.empty()) {
        std::string why = r.error;
        std::replace(why.begin(), why.end(), '\n', ' ');
        out += "-- no DDL" + (why.empty() ? std::string() : ": " + why) + "\n";
        continue;
      }
      out += r.ddl;
      const auto last = r.ddl.find_last_not_of(" \t\r\n");
      if (last != std::string::npos && r.ddl[last] != ';') out += ";";
      out += "\n";
    }
  }
  return out;
}

}  // namespace ferry::host
