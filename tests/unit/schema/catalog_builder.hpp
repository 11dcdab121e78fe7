// Hand-built catalog columns for the schema tests: what the mysql and postgres connectors'
// discover() report for each type (plugins/*/catalog.cpp).
#pragma once

#include <ferry/sdk/catalog.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ddl.hpp"

namespace ferry::schema::testing {

struct Col {
  Column c;
  Col(std::string name, ferry_type type, std::string native) {
    c.name = std::move(name);
    c.type = type;
    c.native_type = std::move(native);
  }
  Col& len(int64_t n) {
    c.length = n;
    return *this;
  }
  Col& prec(int32_t p, int32_t s) {
    c.precision = p;
    c.scale = s;
    return *this;
  }
  Col& scale(int32_t s) {
    c.scale = s;
    return *this;
  }
  Col& not_null() {
    c.flags &= ~static_cast<uint32_t>(FERRY_COLUMN_NULLABLE);
    return *this;
  }
  Col& flag(uint32_t f) {
    c.flags |= f;
    return *this;
  }
  Col& charset(std::string cs, std::string coll) {
    c.charset = std::move(cs);
    c.collation = std::move(coll);
    return *this;
  }
  Col& def(std::string d) {
    c.default_expr = std::move(d);
    return *this;
  }
  Col& labels(std::vector<std::string> l) {
    c.labels = std::move(l);
    return *this;
  }
  Col& comment(std::string s) {
    c.comment = std::move(s);
    return *this;
  }
  Col& element(ferry_type t) {
    c.element_type = t;
    return *this;
  }
  Col& generated(std::string expr, bool stored = true) {
    c.generated_expr = std::move(expr);
    c.flags |= stored ? FERRY_COLUMN_GENERATED_STORED : FERRY_COLUMN_GENERATED_VIRTUAL;
    return *this;
  }
  Col& identity(int64_t next, std::optional<std::string> seq = std::nullopt) {
    c.flags |= FERRY_COLUMN_AUTO_INCREMENT;
    c.flags &= ~static_cast<uint32_t>(FERRY_COLUMN_NULLABLE);
    c.identity_next = next;
    c.identity_sequence = std::move(seq);
    return *this;
  }
  operator Column() const { return c; }  // NOLINT: builder
};

inline Table table(std::string schema, std::string name, std::vector<Column> columns,
                   std::vector<std::string> pk = {}) {
  Table t;
  t.schema = std::move(schema);
  t.name = std::move(name);
  t.columns = std::move(columns);
  if (!pk.empty()) {
    Index x;
    x.kind = FERRY_INDEX_PRIMARY;
    x.name = "PRIMARY";
    x.columns = pk;
    std::string def = "PRIMARY KEY (";
    for (size_t i = 0; i < pk.size(); ++i) def += (i ? "," : "") + std::string("`") + pk[i] + "`";
    x.definition = def + ")";
    t.indexes.push_back(x);
    for (auto& c : t.columns) {
      for (const auto& p : pk) {
        if (c.name == p) {
          c.flags |= FERRY_COLUMN_IN_PRIMARY_KEY;
          c.flags &= ~static_cast<uint32_t>(FERRY_COLUMN_NULLABLE);
        }
      }
    }
  } else {
    t.flags |= FERRY_TABLE_NO_PRIMARY_KEY;
  }
  return t;
}

// A MySQL index as the mysql catalog describes it: parts are "col" or "col(10)".
inline Index mysql_index(ferry_index_kind kind, std::string name, std::vector<std::string> parts) {
  Index x;
  x.kind = kind;
  x.name = std::move(name);
  std::string def = kind == FERRY_INDEX_UNIQUE     ? "UNIQUE KEY `" + x.name + "` ("
                    : kind == FERRY_INDEX_FULLTEXT ? "FULLTEXT KEY `" + x.name + "` ("
                    : kind == FERRY_INDEX_SPATIAL  ? "SPATIAL KEY `" + x.name + "` ("
                                                   : "KEY `" + x.name + "` (";
  for (size_t i = 0; i < parts.size(); ++i) {
    const auto open = parts[i].find('(');
    const std::string col = parts[i].substr(0, open);
    x.columns.push_back(col);
    def += (i ? "," : "") + std::string("`") + col + "`" +
           (open == std::string::npos ? "" : parts[i].substr(open));
  }
  x.definition = def + ")";
  return x;
}

// A PostgreSQL index as the postgres catalog describes it.
inline Index pg_index(ferry_index_kind kind, std::string name, std::vector<std::string> columns,
                      std::string definition) {
  Index x;
  x.kind = kind;
  x.name = std::move(name);
  x.columns = std::move(columns);
  x.definition = std::move(definition);
  return x;
}

inline const ColumnPlan* column_plan(const TablePlan& p, const std::string& source_name) {
  for (const auto& c : p.columns) {
    if (c.source_name == source_name) return &c;
  }
  return nullptr;
}

inline std::string dest_type(const TablePlan& p, const std::string& source_name) {
  const ColumnPlan* c = column_plan(p, source_name);
  return c ? c->dest_type : "<no column " + source_name + ">";
}

}  // namespace ferry::schema::testing
