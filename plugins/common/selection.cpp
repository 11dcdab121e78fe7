#include "selection.hpp"

#include <nlohmann/json.hpp>

#include <ferry/sdk/error.hpp>

#include <algorithm>

namespace ferry::common {

bool glob_match(std::string_view p, std::string_view t) {
  size_t pi = 0, ti = 0, star = std::string_view::npos, mark = 0;
  while (ti < t.size()) {
    if (pi < p.size() && (p[pi] == '?' || p[pi] == t[ti])) {
      ++pi;
      ++ti;
    } else if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = ti;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

namespace {

bool rule_matches(std::string_view rule, std::string_view schema, std::string_view table) {
  const auto dot = rule.find('.');
  if (dot == std::string_view::npos) return glob_match(rule, schema);
  return glob_match(rule.substr(0, dot), schema) && glob_match(rule.substr(dot + 1), table);
}

bool whole_schema_rule(std::string_view rule, std::string_view schema) {
  return rule.find('.') == std::string_view::npos && glob_match(rule, schema);
}

}  // namespace

bool Selection::matches(std::string_view schema, std::string_view table) const {
  const bool in = include.empty() || std::any_of(include.begin(), include.end(), [&](auto& r) {
                    return rule_matches(r, schema, table);
                  });
  return in && std::none_of(exclude.begin(), exclude.end(),
                            [&](auto& r) { return rule_matches(r, schema, table); });
}

bool Selection::may_match_schema(std::string_view schema) const {
  if (std::any_of(exclude.begin(), exclude.end(),
                  [&](auto& r) { return whole_schema_rule(r, schema); })) {
    return false;
  }
  return include.empty() || std::any_of(include.begin(), include.end(), [&](auto& r) {
           return glob_match(std::string_view(r).substr(0, r.find('.')), schema);
         });
}

bool Selection::includes_whole_schema(std::string_view schema) const {
  return std::any_of(include.begin(), include.end(),
                     [&](auto& r) { return whole_schema_rule(r, schema); });
}

Selection parse_selection(const char* json) {
  Selection s;
  if (json == nullptr || *json == '\0') return s;
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(json);
  } catch (const std::exception& e) {
    fail(FERRY_INVALID_ARGUMENT, std::string("object selection is not valid JSON: ") + e.what());
  }
  if (doc.is_null()) return s;
  if (!doc.is_object()) fail(FERRY_INVALID_ARGUMENT, "object selection must be a JSON object");
  for (const auto& [key, value] : doc.items()) {
    if (key != "include" && key != "exclude") {
      fail(FERRY_INVALID_ARGUMENT,
           "object selection: unknown key '" + key + "' (known: include, exclude)");
    }
    auto& out = key == "include" ? s.include : s.exclude;
    if (value.is_string()) {
      out.push_back(value.get<std::string>());
      continue;
    }
    if (!value.is_array()) {
      fail(FERRY_INVALID_ARGUMENT,
           "object selection: '" + key + "' must be a string or a list of strings");
    }
    for (const auto& e : value) {
      if (!e.is_string()) {
        fail(FERRY_INVALID_ARGUMENT, "object selection: '" + key + "' must hold only strings");
      }
      out.push_back(e.get<std::string>());
    }
  }
  return s;
}

}  // namespace ferry::common
