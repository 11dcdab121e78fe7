#include "task_settings.hpp"

#include <nlohmann/json.hpp>

#include <ferry/sdk/error.hpp>

#include <algorithm>

namespace ferry::common {

bool TaskSettings::selected(std::string_view schema, std::string_view table) const {
  if (objects.empty()) return true;
  return std::any_of(objects.begin(), objects.end(),
                     [&](const Selection& s) { return s.matches(schema, table); });
}

std::string TaskSettings::discover_selection_json() const {
  if (objects.empty()) return {};
  nlohmann::json include = nlohmann::json::array();
  std::vector<std::string> common_exclude;
  bool first = true;
  for (const auto& s : objects) {
    for (const auto& r : s.include) include.push_back(r);
    // Only what every block excludes can be left out of discovery.
    if (first) {
      common_exclude = s.exclude;
      first = false;
    } else {
      std::erase_if(common_exclude, [&](const std::string& r) {
        return std::find(s.exclude.begin(), s.exclude.end(), r) == s.exclude.end();
      });
    }
  }
  return nlohmann::json{{"include", include}, {"exclude", common_exclude}}.dump();
}

TaskSettings parse_task_settings(const std::string& task_json) {
  const nlohmann::json j = nlohmann::json::parse(task_json, nullptr, false);
  if (!j.is_object()) fail(FERRY_INVALID_ARGUMENT, "the task settings are not a JSON object");
  TaskSettings t;
  const auto text = [&](const char* key, std::string& out) {
    const auto it = j.find(key);
    if (it == j.end()) return;
    if (!it->is_string()) {
      fail(FERRY_INVALID_ARGUMENT, std::string("task settings: '") + key + "' is not a string");
    }
    out = it->get<std::string>();
  };
  text("id", t.id);
  text("concurrency", t.concurrency);
  text("verify_concurrency", t.verify_concurrency);
  text("source_plugin", t.source_plugin);
  text("destination_plugin", t.destination_plugin);
  try {
    if (const auto it = j.find("types"); it != j.end()) {
      for (const auto& v : *it) t.types.insert(v.get<std::string>());
    }
    if (const auto it = j.find("objects"); it != j.end()) {
      for (const auto& o : *it) {
        Selection s;
        s.include = o.value("include", std::vector<std::string>{});
        s.exclude = o.value("exclude", std::vector<std::string>{});
        t.objects.push_back(std::move(s));
      }
    }
    if (const auto it = j.find("rename"); it != j.end()) t.rename_json = it->dump();
  } catch (const nlohmann::json::exception& e) {
    fail(FERRY_INVALID_ARGUMENT, std::string("task settings are malformed: ") + e.what());
  }
  return t;
}

}  // namespace ferry::common
