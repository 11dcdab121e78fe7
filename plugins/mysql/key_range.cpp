#include "key_range.hpp"

#include "literal.hpp"

#include <ferry/sdk/error.hpp>

#include <algorithm>

namespace ferry::mysql {

std::string key_literal(const Connection& conn, const Column& c, std::string_view v) {
  // The destination's literal rules (literal.hpp), so a key bound and a written value are
  // spelled alike; ValueSite needs the C view of the column.
  const detail::ColumnViews view(std::vector<Column>{c});
  std::string out;
  append_sql_literal(out, conn, ValueSite{"", "split key", *view.ptrs[0]}, v);
  return out;
}

std::string key_list(const std::vector<const Column*>& key) {
  std::string out;
  for (size_t i = 0; i < key.size(); ++i) out += (i ? "," : "") + quote_ident(key[i]->name);
  return out;
}

namespace {

// (k0, k1, ...) op (v0, v1, ...) for op in {>=, <}, expanded lexicographically.
std::string tuple_compare(const Connection& conn, const std::vector<const Column*>& key,
                          const std::vector<std::string>& values, bool lower) {
  // lower: k > v0 OR (k0 = v0 AND (k1 > v1 OR (... AND kn >= vn)))
  // upper: k < v0 OR (k0 = v0 AND (k1 < v1 OR (... AND kn < vn)))
  std::string out;
  const size_t n = key.size();
  for (size_t i = 0; i < n; ++i) {
    const std::string col = quote_ident(key[i]->name);
    const std::string lit = key_literal(conn, *key[i], values[i]);
    const bool last = i + 1 == n;
    const char* op = lower ? (last ? " >= " : " > ") : " < ";
    if (last) {
      out += col + op + lit;
    } else {
      out += "(" + col + op + lit + " OR (" + col + " = " + lit + " AND ";
    }
  }
  for (size_t i = 0; i + 1 < n; ++i) out += "))";
  return out;
}

}  // namespace

std::string key_range_predicate(const Connection& conn, const std::vector<const Column*>& key,
                                const std::optional<std::vector<std::string>>& lower,
                                const std::optional<std::vector<std::string>>& upper) {
  std::string out;
  for (const auto* bound : {&lower, &upper}) {
    if (!*bound) continue;
    if ((*bound)->size() != key.size()) {
      fail(FERRY_INVALID_ARGUMENT, "a key range of " + std::to_string((*bound)->size()) +
                                       " values for a key of " + std::to_string(key.size()) +
                                       " columns");
    }
    if (!out.empty()) out += " AND ";
    out += "(" + tuple_compare(conn, key, **bound, bound == &lower) + ")";
  }
  return out.empty() ? "TRUE" : out;
}

std::vector<const Column*> key_columns(const Table& t, const std::vector<std::string>& names) {
  std::vector<const Column*> out;
  for (const auto& n : names) {
    auto it = std::find_if(t.columns.begin(), t.columns.end(),
                           [&](const Column& c) { return c.name == n; });
    if (it == t.columns.end()) {
      fail(FERRY_INVALID_ARGUMENT,
           "table " + qualified(t.schema, t.name) + " has no key column " + quote_ident(n));
    }
    out.push_back(&*it);
  }
  return out;
}

}  // namespace ferry::mysql
