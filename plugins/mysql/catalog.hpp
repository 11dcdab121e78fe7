// The MySQL-family catalog from information_schema: databases, tables, columns with their types
// normalized to the SDK's type set, keys, indexes, foreign keys, CHECK constraints, views.
#pragma once

#include <ferry/sdk/catalog.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "connection.hpp"
#include "selection.hpp"

namespace ferry::mysql {

// Object selection (plugins/common/selection.hpp) that never selects a system database.
struct Selection : common::Selection {
  Selection() = default;
  explicit Selection(common::Selection s) : common::Selection(std::move(s)) {}
  bool matches(std::string_view schema, std::string_view table) const;
  bool may_match_schema(std::string_view schema) const;
};
Selection parse_selection(const char* json);
using common::glob_match;
bool is_system_schema(std::string_view schema);

// Reads every selected table and view. Temporary tables never appear.
Catalog read_catalog(Connection& conn, const Selection& selection);

// One table (columns, keys); nullopt when it does not exist.
std::optional<Table> read_table(Connection& conn, const std::string& schema,
                                const std::string& table);

// The column type normalized from information_schema.COLUMNS: DATA_TYPE, COLUMN_TYPE and the
// length/precision/scale columns. Exposed for tests.
struct ColumnTypeInfo {
  std::string data_type, column_type;
  std::optional<int64_t> char_max_length, char_octet_length, numeric_precision, numeric_scale,
      datetime_precision;
  std::optional<std::string> charset, collation;
};
void normalize_type(const ColumnTypeInfo& info, Column& out);

// ENUM/SET labels from a COLUMN_TYPE such as "enum('a','it''s')".
std::vector<std::string> parse_labels(std::string_view column_type);

// The key a table is read and split by: its primary key, else the first UNIQUE key whose
// columns are all NOT NULL; empty when there is none.
std::vector<std::string> chunk_key(const Table& table);

}  // namespace ferry::mysql
