// The schema step's plan: from the SOURCE catalog, the DDL that creates the destination schema
// in the destination's dialect, object by object, in the order a migration runs it.
//
//   plan_catalog (or plan_table / plan_view one at a time) gives, per table:
//     create          — before the data: enum types, CREATE TABLE with the primary key,
//                       comments (PostgreSQL), in order;
//     indexes         — after the data: unique and secondary indexes;
//     identity_sync   — after the data: the identity / AUTO_INCREMENT counter moved to
//                       max(the source's next value, max(column) + 1);
//     constraints     — at switchover (or at the end of a task without an incremental stage):
//                       FOREIGN KEY and CHECK constraints, and (PostgreSQL → PostgreSQL) the
//                       GENERATED ALWAYS of identity columns created BY DEFAULT;
//   and views, after every table, in dependency order.
// Indexes, constraints and views are DdlObjects: one that cannot be converted carries its
// error and fails alone; the others go on.
//
// Naming on the destination (docs/type-mapping.md, "Names"): every identifier is quoted, so
// case, spaces and non-ASCII survive; renames apply to schemas, tables and columns. A name the
// destination cannot hold (PostgreSQL: over 63 bytes; MySQL: over 64 characters) is refused,
// never truncated. Names ferry derives are deterministic and cannot collide within the plan:
// PostgreSQL index names are unique per schema, so a MySQL index `idx` of table `t` becomes
// `t_idx`, the primary key `t_pkey`, an enum type `t_column`; a name already taken gets `_2`,
// `_3`, ...; a derived name too long ends in a hash of the whole.
#pragma once

#include <ferry/sdk/catalog.hpp>

#include <string>
#include <vector>

#include "naming.hpp"
#include "type_map.hpp"

namespace ferry::schema {

struct ColumnPlan {
  std::string source_name, dest_name, dest_type;
  bool lossy_allowed = false;  // a refused mapping, accepted by allow_lossy
  std::string note;            // what changed on the way (default dropped, type widened, ...)
};

// A column that cannot be created as mapped. `column` is `db.table.column` (source names), or
// `db.table` for the table as a whole.
struct Refusal {
  std::string column;
  std::string reason;
};

// One object created on its own: an index, a constraint, a view.
struct DdlObject {
  std::string key;   // "index:db.table.name", "fk:db.table.name", "check:db.table.name",
                     // "identity:db.table.column", "view:db.name" (source names)
  std::string name;  // the object's destination name
  std::string ddl;   // one statement
  std::vector<std::string> after;  // statements to run once `ddl` succeeded (view comments)
  std::string error;  // non-empty: the object cannot be converted, and why; it fails alone
  std::string note;
};

struct TablePlan {
  std::string src_schema, src_table, dst_schema, dst_table;
  std::vector<ColumnPlan> columns;
  std::vector<std::string> create;         // before the data, in order
  std::vector<DdlObject> indexes;          // after the data
  std::vector<DdlObject> constraints;      // FOREIGN KEY + CHECK (+ identity ALWAYS), at
                                           // switchover / the end
  std::vector<std::string> identity_sync;  // after the data
  // Non-empty: the table cannot be created as mapped. `create` still shows what would run
  // with the refused columns mapped as allow_lossy would map them — do not run it.
  std::vector<Refusal> refusals;
  std::vector<std::string> notes;  // table-level notes
};

struct SchemaPlan {
  std::vector<std::string> create_schemas;  // CREATE SCHEMA / DATABASE IF NOT EXISTS, first
  std::vector<TablePlan> tables;            // in catalog order
  std::vector<DdlObject> views;             // after the tables, each after the views it reads
};

// The whole catalog: names are made unique across every table and view of the plan.
SchemaPlan plan_catalog(const Catalog& catalog, Dialect from, Dialect to, const Renames& renames,
                        const MappingOptions& options);

// One table on its own (derived names are unique within the table only; plan_catalog makes
// them unique across the schema).
TablePlan plan_table(const Table& t, Dialect from, Dialect to, const Renames& renames,
                     const MappingOptions& options);

// One view; `tables` are the source tables it may read (names and column renames).
DdlObject plan_view(const View& v, Dialect from, Dialect to, const Renames& renames,
                    const std::vector<Table>& tables);

// CREATE SCHEMA IF NOT EXISTS "x" / CREATE DATABASE IF NOT EXISTS `x` ... . A name the
// destination cannot hold is FERRY_INVALID_ARGUMENT naming it.
std::string create_schema_ddl(const std::string& dst_schema, Dialect to);

}  // namespace ferry::schema
