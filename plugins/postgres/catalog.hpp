// The PostgreSQL catalog from pg_catalog: schemas, tables (partitioned ones reported as such;
// their partitions are read through them), columns with their types normalized to the SDK's
// type set, keys, indexes, foreign keys, CHECK constraints, views, comments.
#pragma once

#include <ferry/sdk/catalog.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "connection.hpp"
#include "pg_values.hpp"
#include "selection.hpp"

namespace ferry::pg {

// Object selection (plugins/common/selection.hpp) that never selects a system schema.
struct Selection : common::Selection {
  Selection() = default;
  explicit Selection(common::Selection s) : common::Selection(std::move(s)) {}
  bool matches(std::string_view schema, std::string_view table) const;
  bool may_match_schema(std::string_view schema) const;
};
Selection parse_selection(const char* json);
bool is_system_schema(std::string_view schema);

// A table as the connector works with it: the SDK description plus what reading needs.
struct PgTable {
  Table table;
  uint32_t oid = 0;
  char relkind = 'r';               // 'r' table, 'p' partitioned
  char replica_identity = 'd';      // relreplident: d default, n nothing, f full, i index
  int64_t pages = 0;                // relpages (partitioned: the largest partition's)
  std::vector<uint32_t> type_oids;  // per column
  std::vector<int32_t> typmods;
  std::vector<Decoder> decoders;  // per column: PostgreSQL text → canonical
};

struct PgCatalog {
  Catalog catalog;
  std::vector<PgTable> tables;  // same order as catalog.tables
};

// The type catalog (enums, domains, arrays) every decoder needs.
TypeCatalog read_types(Connection& conn);

PgCatalog read_catalog(Connection& conn, const Selection& selection, const TypeCatalog& types);
std::optional<PgTable> read_table(Connection& conn, const std::string& schema,
                                  const std::string& table, const TypeCatalog& types);

// The value a sequence's next nextval() returns, from its state (last_value, is_called) and
// its options; -1 when it has none (exhausted, NO CYCLE: nextval() would fail).
int64_t sequence_next(int64_t last_value, bool is_called, int64_t increment, int64_t min_value,
                      int64_t max_value, bool cycle);

// SQL of the estimated row count (bigint) of the pg_class row aliased `c`: a partitioned
// table's is the sum of its partitions'; a table never analyzed (reltuples -1) is estimated from
// its size and the width of its columns.
std::string row_estimate_sql(const std::string& c);

// The split key: the primary key, else the first unique index on NOT NULL plain columns
// (no expression, no predicate); empty when there is none.
std::vector<std::string> chunk_key(const PgTable& table);

}  // namespace ferry::pg
