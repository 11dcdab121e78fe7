#include "naming.hpp"

#include <nlohmann/json.hpp>

#include <ferry/sdk/error.hpp>

#include <cstdint>
#include <cstdio>
#include <vector>

namespace ferry::schema {

namespace {

constexpr size_t kPgMaxBytes = 63;
constexpr size_t kMysqlMaxChars = 64;

size_t utf8_chars(std::string_view s) {
  size_t n = 0;
  for (const char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// The longest prefix of `s` of at most `bytes` bytes (PostgreSQL) or `chars` characters
// (MySQL) that ends on a character boundary.
std::string_view prefix_fitting(std::string_view s, size_t limit, Dialect d) {
  size_t end = 0, chars = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    const bool boundary = i == s.size() || (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80;
    if (!boundary) continue;
    const size_t measure = d == Dialect::PostgreSQL ? i : chars;
    if (measure > limit) break;
    end = i;
    ++chars;
  }
  return s.substr(0, end);
}

uint32_t fnv1a(std::string_view s) {
  uint32_t h = 2166136261u;
  for (const char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 16777619u;
  }
  return h;
}

std::string lower_ascii(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

// "a.\"b.c\".d" → {"a", "b.c", "d"}; nullopt when a quote is not closed or a part is empty.
std::optional<std::vector<std::string>> split_key(std::string_view key) {
  std::vector<std::string> parts(1);
  bool quoted = false, part_was_quoted = false;
  for (size_t i = 0; i < key.size(); ++i) {
    const char c = key[i];
    if (quoted) {
      if (c == '"' && i + 1 < key.size() && key[i + 1] == '"') {
        parts.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        parts.back() += c;
      }
    } else if (c == '"' && parts.back().empty() && !part_was_quoted) {
      quoted = part_was_quoted = true;
    } else if (c == '.') {
      if (parts.back().empty() && !part_was_quoted) return std::nullopt;
      parts.emplace_back();
      part_was_quoted = false;
    } else {
      parts.back() += c;
    }
  }
  if (quoted || (parts.back().empty() && !part_was_quoted)) return std::nullopt;
  return parts;
}

}  // namespace

std::optional<Dialect> dialect_of_plugin(std::string_view plugin) {
  if (plugin == "mysql") return Dialect::MySQL;
  if (plugin == "postgres") return Dialect::PostgreSQL;
  return std::nullopt;
}

const char* dialect_name(Dialect d) {
  return d == Dialect::MySQL ? "MySQL" : "PostgreSQL";
}

std::string quote_ident(std::string_view name, Dialect d) {
  const char q = d == Dialect::MySQL ? '`' : '"';
  std::string out(1, q);
  for (const char c : name) {
    if (c == q) out += q;
    out += c;
  }
  out += q;
  return out;
}

std::string quote_qualified(std::string_view schema, std::string_view name, Dialect d) {
  return quote_ident(schema, d) + "." + quote_ident(name, d);
}

std::string quote_literal(std::string_view text, Dialect d) {
  std::string out;
  out.reserve(text.size() + 3);
  if (d == Dialect::MySQL) {
    out += '\'';
    for (const char c : text) {
      switch (c) {
        case '\'':
          out += "''";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\0':
          out += "\\0";
          break;
        default:
          out += c;
      }
    }
    out += '\'';
    return out;
  }
  const bool backslash = text.find('\\') != std::string_view::npos;
  if (backslash) out += 'E';
  out += '\'';
  for (const char c : text) {
    if (c == '\'') {
      out += "''";
    } else if (c == '\\') {
      out += "\\\\";
    } else {
      out += c;
    }
  }
  out += '\'';
  return out;
}

std::string identifier_problem(std::string_view name, Dialect d) {
  if (name.empty()) return "an empty name";
  if (d == Dialect::PostgreSQL) {
    if (name.size() > kPgMaxBytes) {
      return "is " + std::to_string(name.size()) +
             " bytes long; PostgreSQL names are at most 63 bytes (it would be truncated): rename "
             "it";
    }
    if (name.find('\0') != std::string_view::npos) return "contains a NUL character";
    return "";
  }
  const size_t chars = utf8_chars(name);
  if (chars > kMysqlMaxChars) {
    return "is " + std::to_string(chars) +
           " characters long; MySQL names are at most 64 characters: rename it";
  }
  if (name.back() == ' ') return "ends with a space, which MySQL names cannot: rename it";
  if (name.find('\0') != std::string_view::npos) return "contains a NUL character";
  return "";
}

std::string derived_name(std::string_view base, Dialect d) {
  const size_t limit = d == Dialect::PostgreSQL ? kPgMaxBytes : kMysqlMaxChars;
  const size_t measure = d == Dialect::PostgreSQL ? base.size() : utf8_chars(base);
  if (measure <= limit && (d == Dialect::PostgreSQL || base.empty() || base.back() != ' ')) {
    return std::string(base);
  }
  char hash[10];
  std::snprintf(hash, sizeof hash, "_%08x", fnv1a(base));
  std::string out(prefix_fitting(base, limit - 9, d));
  while (d == Dialect::MySQL && !out.empty() && out.back() == ' ') out.pop_back();
  return out + hash;
}

std::string NameScope::key(const std::string& name) const {
  return dialect_ == Dialect::MySQL ? lower_ascii(name) : name;
}

bool NameScope::taken(const std::string& name) const {
  return names_.count(key(name)) != 0;
}

void NameScope::take(const std::string& name) {
  names_.insert(key(name));
}

std::string NameScope::claim(const std::string& wanted) {
  std::string name = derived_name(wanted, dialect_);
  for (int n = 2; taken(name); ++n) name = derived_name(wanted + "_" + std::to_string(n), dialect_);
  take(name);
  return name;
}

std::string Renames::schema(std::string_view src_schema) const {
  auto it = schemas.find(std::string(src_schema));
  return it == schemas.end() ? std::string(src_schema) : it->second;
}

std::string Renames::table(std::string_view src_schema, std::string_view src_table) const {
  auto it = tables.find({std::string(src_schema), std::string(src_table)});
  return it == tables.end() ? std::string(src_table) : it->second;
}

std::string Renames::column(std::string_view src_schema, std::string_view src_table,
                            std::string_view src_column) const {
  auto it =
      columns.find({std::string(src_schema), std::string(src_table), std::string(src_column)});
  return it == columns.end() ? std::string(src_column) : it->second;
}

Renames parse_renames(const std::string& json) {
  Renames out;
  if (json.empty() || json == "null") return out;
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(json);
  } catch (const std::exception& e) {
    fail(FERRY_INVALID_ARGUMENT, std::string("renames: not valid JSON: ") + e.what());
  }
  if (doc.is_null()) return out;
  if (!doc.is_object()) {
    fail(FERRY_INVALID_ARGUMENT,
         "renames: expected an object {\"schemas\":{...},\"tables\":{...},\"columns\":{...}}");
  }
  for (auto& [section, entries] : doc.items()) {
    size_t parts_wanted = 0;
    const char* example = "";
    if (section == "schemas") {
      parts_wanted = 1;
      example = "\"db\"";
    } else if (section == "tables") {
      parts_wanted = 2;
      example = "\"db.table\"";
    } else if (section == "columns") {
      parts_wanted = 3;
      example = "\"db.table.column\"";
    } else {
      fail(FERRY_INVALID_ARGUMENT,
           "renames: unknown section '" + section + "' (expected schemas, tables or columns)");
    }
    if (!entries.is_object()) {
      fail(FERRY_INVALID_ARGUMENT, "renames." + section + ": expected an object of " +
                                       std::string(example) + ": \"new name\" entries");
    }
    for (auto& [key, value] : entries.items()) {
      const std::string where = "renames." + section + " key '" + key + "'";
      if (!value.is_string() || value.get<std::string>().empty()) {
        fail(FERRY_INVALID_ARGUMENT, where + ": the new name must be a non-empty string");
      }
      std::vector<std::string> parts;
      if (parts_wanted == 1) {
        parts = {key};
      } else {
        auto split = split_key(key);
        if (!split || split->size() != parts_wanted) {
          fail(FERRY_INVALID_ARGUMENT,
               where + ": expected " + example +
                   " (source names; quote a part that holds a dot: \"db.\\\"a.b\\\"\")");
        }
        parts = std::move(*split);
      }
      if (parts[0].empty()) fail(FERRY_INVALID_ARGUMENT, where + ": empty name");
      const std::string to = value.get<std::string>();
      if (parts_wanted == 1) {
        out.schemas[parts[0]] = to;
      } else if (parts_wanted == 2) {
        out.tables[{parts[0], parts[1]}] = to;
      } else {
        out.columns[{parts[0], parts[1], parts[2]}] = to;
      }
    }
  }
  return out;
}

}  // namespace ferry::schema
