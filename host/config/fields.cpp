#include "config/fields.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <system_error>
#include <vector>

namespace ferry::config::detail {
namespace {

template <class T>
std::optional<FieldValue> wrap(std::optional<T> v) {
  if (!v) return std::nullopt;
  return FieldValue(std::in_place_type<T>, std::move(*v));
}

// A number of type T spelled by all of `text`.
template <class T>
std::optional<T> parse_number(const std::string& text) {
  T v{};
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return v;
}

// "a,b,c" -> {"a", "b", "c"}; "" -> {}.
std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  if (text.empty()) return out;
  size_t start = 0;
  for (size_t comma = text.find(','); comma != std::string::npos; comma = text.find(',', start)) {
    out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  out.push_back(text.substr(start));
  return out;
}

// A declared textual default in the field's type, or nullopt when it does not parse.
std::optional<FieldValue> parse_default(const FieldSpec& s) {
  const std::string& text = *s.default_value;
  switch (s.type) {
    case FieldType::String:
      return FieldValue(std::in_place_type<std::string>, text);
    case FieldType::Int:
      return wrap(parse_number<int64_t>(text));
    case FieldType::Float:
      return wrap(parse_number<double>(text));
    case FieldType::Bool:
      if (text == "true" || text == "false")
        return FieldValue(std::in_place_type<bool>, text == "true");
      return std::nullopt;
    case FieldType::StringList:
      return FieldValue(split_list(text));
    case FieldType::Secret:
      return FieldValue(Secret(text));
  }
  return std::nullopt;
}

// A TOML value read as a field of `type`; Secret fields are never read inline.
std::optional<FieldValue> read_value(Reader& r, const toml::node& n, const std::string& name,
                                     FieldType type) {
  switch (type) {
    case FieldType::String:
      return wrap(r.string(n, name));
    case FieldType::Int:
      return wrap(r.integer(n, name));
    case FieldType::Float:
      return wrap(r.number(n, name));
    case FieldType::Bool:
      return wrap(r.boolean(n, name));
    case FieldType::StringList:
      return wrap(r.string_list(n, name));
    case FieldType::Secret:
      break;
  }
  return std::nullopt;
}

// The FieldType a TOML value implies, when there is one.
std::optional<FieldType> implied_type(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string:
      return FieldType::String;
    case toml::node_type::integer:
      return FieldType::Int;
    case toml::node_type::floating_point:
      return FieldType::Float;
    case toml::node_type::boolean:
      return FieldType::Bool;
    case toml::node_type::array: {
      const toml::array& a = *n.as_array();
      if (a.empty() || a.is_homogeneous(toml::node_type::string)) return FieldType::StringList;
      return std::nullopt;
    }
    default:
      return std::nullopt;
  }
}

// Phase 1: every key but the skipped one, stored as the FieldValue its TOML type implies.
FieldMap read_raw_fields(Reader& r, const ComponentTable& c) {
  FieldMap out;
  for (const auto& [k, n] : c.table) {
    const std::string name(k.str());
    const std::optional<FieldType> type = implied_type(n);
    if (name == c.skip_key || !type) continue;
    if (auto v = read_value(r, n, name, *type)) out[name] = Field{std::move(*v), r.at(n), false};
  }
  return out;
}

bool before(const toml::node& a, const toml::node& b) {
  const auto& pa = a.source().begin;
  const auto& pb = b.source().begin;
  return pa.line < pb.line || (pa.line == pb.line && pa.column < pb.column);
}

// Phase 2: one component's table checked against the fields the component declares.
class FieldReader {
 public:
  FieldReader(Reader& r, const ComponentTable& c, const std::vector<FieldSpec>& specs)
      : r_(r), c_(c), specs_(specs) {
    context_ =
        std::string(c.context) + " (" + std::string(role_word(c.role)) + " '" + c.name + "')";
  }

  FieldMap run() {
    check_keys();
    for (const FieldSpec& s : specs_) {
      if (s.type == FieldType::Secret)
        read_secret(s);
      else if (const toml::node* n = c_.table.get(s.name))
        read_plain(s, *n);
      else
        absent(s);
    }
    return std::move(out_);
  }

 private:
  static std::string env_key(const FieldSpec& s) { return s.name + "_env"; }
  static std::string file_key(const FieldSpec& s) { return s.name + "_file"; }

  // Unknown keys, and secrets written inline (an error that never repeats the value).
  void check_keys() {
    std::vector<std::string> keys;
    if (!c_.skip_key.empty()) keys.emplace_back(c_.skip_key);
    for (const FieldSpec& s : specs_) {
      if (s.type != FieldType::Secret) keys.push_back(s.name);
      if (s.type == FieldType::Secret) keys.insert(keys.end(), {env_key(s), file_key(s)});
    }
    const std::vector<std::string_view> allowed(keys.begin(), keys.end());
    for (const auto& [k, n] : c_.table) {
      if (std::find(allowed.begin(), allowed.end(), k.str()) != allowed.end()) continue;
      if (const FieldSpec* s = secret_named(k.str()))
        r_.error(r_.at(k), "'" + s->name + "' must not be written in the config; use " +
                               env_key(*s) + " or " + file_key(*s));
      else
        r_.unknown_key(k, context_, allowed);
    }
  }

  const FieldSpec* secret_named(std::string_view name) const {
    for (const FieldSpec& s : specs_)
      if (s.type == FieldType::Secret && s.name == name) return &s;
    return nullptr;
  }

  void read_plain(const FieldSpec& s, const toml::node& n) {
    if (auto v = read_value(r_, n, s.name, s.type)) out_[s.name] = Field{std::move(*v), r_.at(n)};
  }

  void read_secret(const FieldSpec& s) {
    const toml::node* env = c_.table.get(env_key(s));
    const toml::node* file = c_.table.get(file_key(s));
    if (env && file) {
      r_.error(before(*env, *file) ? *file : *env,
               "set only one of " + env_key(s) + " and " + file_key(s));
    } else if (env) {
      secret_from_env(s, *env);
    } else if (file) {
      secret_from_file(s, *file);
    } else {
      absent(s);
    }
  }

  void secret_from_env(const FieldSpec& s, const toml::node& n) {
    const std::string key = env_key(s);
    const std::optional<std::string> var = r_.string(n, key);
    if (!var) return;
    const char* value = std::getenv(var->c_str());
    if (!value)
      r_.error(n, key + ": environment variable '" + *var + "' is not set");
    else
      out_[s.name] = Field{Secret(value), r_.at(n)};
  }

  // The file's contents minus one trailing newline (\n or \r\n).
  void secret_from_file(const FieldSpec& s, const toml::node& n) {
    const std::string key = file_key(s);
    const std::optional<std::filesystem::path> path = r_.path(n, key);
    if (!path) return;
    std::string text;
    if (const int err = read_whole_file(*path, text)) {
      r_.error(n, key + ": cannot read '" + path->string() +
                      "': " + std::generic_category().message(err));
      return;
    }
    if (text.ends_with('\n')) {
      text.pop_back();
      if (text.ends_with('\r')) text.pop_back();
    }
    out_[s.name] = Field{Secret(std::move(text)), r_.at(n)};
  }

  // A field the table does not give: its default, a missing-field error, or nothing.
  void absent(const FieldSpec& s) {
    if (s.default_value) {
      if (auto v = parse_default(s))
        out_[s.name] = Field{std::move(*v), c_.where, true};
      else
        r_.error(c_.where, "field '" + s.name + "' of " + context_ +
                               " declares a default that is not a valid " +
                               std::string(to_string(s.type)) + " (a plugin bug)");
      return;
    }
    if (!s.required) return;
    if (s.type == FieldType::Secret)
      r_.error(c_.where, "missing required secret '" + s.name + "' in " + context_ + ": set " +
                             env_key(s) + " or " + file_key(s));
    else
      r_.error(c_.where, "missing required key '" + s.name + "' in " + context_);
  }

  Reader& r_;
  const ComponentTable& c_;
  const std::vector<FieldSpec>& specs_;
  std::string context_;
  FieldMap out_;
};

}  // namespace

std::string_view role_word(ComponentRole role) {
  switch (role) {
    case ComponentRole::Source:
      return "source";
    case ComponentRole::Destination:
      return "destination";
    case ComponentRole::Component:
      return "component";
  }
  return "component";
}

FieldMap read_component_fields(Reader& r, const ComponentTable& c, const FieldLookup& lookup) {
  if (!lookup) return read_raw_fields(r, c);
  const std::vector<FieldSpec>* specs = lookup(c.role, c.name);
  if (!specs) {
    r.error(c.name_node,
            "no loaded plugin provides " + std::string(role_word(c.role)) + " '" + c.name + "'");
    return {};
  }
  return FieldReader(r, c, *specs).run();
}

}  // namespace ferry::config::detail
