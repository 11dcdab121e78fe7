#include "config/reader.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <memory>

namespace ferry::config::detail {

std::string location_str(const SourceLocation& where) {
  std::string out = where.file;
  if (where.line == 0) return out;
  out += ":" + std::to_string(where.line);
  if (where.column != 0) out += ":" + std::to_string(where.column);
  return out;
}

std::string_view type_name(toml::node_type t) {
  switch (t) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

size_t edit_distance(std::string_view a, std::string_view b) {
  // d[i][j] = distance between a[0,i) and b[0,j).
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

std::optional<std::string_view> closest(std::string_view word,
                                        std::span<const std::string_view> candidates) {
  std::optional<std::string_view> best;
  size_t best_distance = 3;
  for (std::string_view c : candidates) {
    const size_t dist = edit_distance(word, c);
    if (dist < best_distance) {
      best = c;
      best_distance = dist;
    }
  }
  return best;
}

std::string hint(std::string_view word, std::span<const std::string_view> candidates) {
  const auto near = closest(word, candidates);
  return near ? "; did you mean '" + std::string(*near) + "'?" : std::string();
}

int read_whole_file(const std::filesystem::path& path, std::string& out) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) return errno;
  out.clear();
  char buf[8192];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f.get())) > 0) out.append(buf, n);
  if (std::ferror(f.get())) return errno != 0 ? errno : EIO;
  return 0;
}

Reader::Reader(std::filesystem::path file, std::vector<ConfigError>& errors)
    : file_(std::move(file)),
      dir_(std::filesystem::absolute(file_).lexically_normal().parent_path()),
      errors_(errors) {}

SourceLocation Reader::at(const toml::node& n) const {
  const auto& b = n.source().begin;
  return {file_.string(), b.line, b.column};
}

SourceLocation Reader::at(const toml::key& k) const {
  const auto& b = k.source().begin;
  return {file_.string(), b.line, b.column};
}

void Reader::error(SourceLocation where, std::string message) {
  errors_.push_back({std::move(where), std::move(message)});
}

void Reader::wrong_type(const toml::node& n, std::string_view name, std::string_view expected) {
  error(n, "'" + std::string(name) + "' must be " + std::string(expected) + ", not " +
               std::string(type_name(n.type())));
}

std::optional<std::string> Reader::string(const toml::node& n, std::string_view name) {
  const auto* v = expect<toml::value<std::string>>(n, name);
  if (!v) return std::nullopt;
  return expand_env(n, v->get());
}

std::optional<int64_t> Reader::integer(const toml::node& n, std::string_view name) {
  const auto* v = expect<toml::value<int64_t>>(n, name);
  if (!v) return std::nullopt;
  return v->get();
}

std::optional<double> Reader::number(const toml::node& n, std::string_view name) {
  if (const auto* i = n.as_integer()) return static_cast<double>(i->get());
  if (const auto* f = n.as_floating_point()) return f->get();
  wrong_type(n, name, "a number");
  return std::nullopt;
}

std::optional<bool> Reader::boolean(const toml::node& n, std::string_view name) {
  const auto* v = expect<toml::value<bool>>(n, name);
  if (!v) return std::nullopt;
  return v->get();
}

std::optional<std::vector<std::string>> Reader::string_list(const toml::node& n,
                                                            std::string_view name) {
  const auto* arr = expect<toml::array>(n, name);
  if (!arr) return std::nullopt;
  std::vector<std::string> out;
  bool ok = true;
  for (size_t i = 0; i < arr->size(); ++i) {
    auto s = string((*arr)[i], std::string(name) + "[" + std::to_string(i) + "]");
    if (s) out.push_back(std::move(*s));
    ok = ok && s.has_value();
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::vector<std::string>> Reader::string_or_list(const toml::node& n,
                                                               std::string_view name) {
  if (n.is_string()) {
    auto s = string(n, name);
    if (!s) return std::nullopt;
    return std::vector<std::string>{std::move(*s)};
  }
  if (n.is_array()) return string_list(n, name);
  wrong_type(n, name, "a string or an array of strings");
  return std::nullopt;
}

std::optional<std::filesystem::path> Reader::path(const toml::node& n, std::string_view name) {
  auto s = string(n, name);
  if (!s) return std::nullopt;
  if (s->empty()) {
    error(n, "'" + std::string(name) + "' must not be empty");
    return std::nullopt;
  }
  return resolve(*s);
}

void Reader::not_one_of(const toml::node& n, std::string_view name, std::string_view got,
                        std::span<const std::string_view> words) {
  std::string list;
  for (std::string_view w : words) list += (list.empty() ? "" : "|") + std::string(w);
  error(n, "'" + std::string(name) + "' must be one of " + list + ", not '" + std::string(got) +
               "'" + hint(got, words));
}

void Reader::check_keys(const toml::table& t, std::span<const std::string_view> allowed,
                        std::string_view context) {
  for (const auto& [k, v] : t) {
    if (std::find(allowed.begin(), allowed.end(), k.str()) == allowed.end())
      unknown_key(k, context, allowed);
  }
}

void Reader::unknown_key(const toml::key& k, std::string_view context,
                         std::span<const std::string_view> allowed) {
  error(at(k), "unknown key '" + std::string(k.str()) + "' in " + std::string(context) +
                   hint(k.str(), allowed));
}

const toml::node* Reader::required(const toml::table& t, std::string_view key,
                                   std::string_view context) {
  if (const toml::node* n = t.get(key)) return n;
  error(t, "missing required key '" + std::string(key) + "' in " + std::string(context));
  return nullptr;
}

std::filesystem::path Reader::resolve(const std::filesystem::path& p) const {
  return (p.is_absolute() ? p : dir_ / p).lexically_normal();
}

// ${env:NAME} is replaced by the variable's value, $${ stands for a literal ${; any other ${...}
// is an error, so that a future substitution kind cannot silently change a value's meaning.
// Every unset variable of the string is reported.
std::optional<std::string> Reader::expand_env(const toml::node& n, std::string_view text) {
  std::string out;
  bool ok = true;
  size_t i = 0;
  while (i < text.size()) {
    if (text.substr(i, 3) == "$${") {
      out += "${";
      i += 3;
      continue;
    }
    if (text.substr(i, 2) != "${") {
      out += text[i++];
      continue;
    }
    const size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      error(n, "unterminated '${' in string (write $${ for a literal ${)");
      return std::nullopt;
    }
    const std::string_view inner = text.substr(i + 2, close - i - 2);
    i = close + 1;
    if (!inner.starts_with("env:") || inner.size() == 4) {
      error(n, "unsupported substitution '${" + std::string(inner) +
                   "}' (only ${env:NAME} is supported; write $${ for a literal ${)");
      ok = false;
      continue;
    }
    const std::string name(inner.substr(4));
    const char* value = std::getenv(name.c_str());
    if (!value) {
      error(n, "environment variable '" + name + "' (in ${env:" + name + "}) is not set");
      ok = false;
      continue;
    }
    out += value;
  }
  if (!ok) return std::nullopt;
  return out;
}

}  // namespace ferry::config::detail
