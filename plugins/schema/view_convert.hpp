// Conversion of SQL text between the dialects: view definitions (a SELECT), and the expressions
// of one table (CHECK clauses, defaults, generated columns).
//
// Two steps, both on tokens (sql_lex.hpp), never by string replacement:
//  1. names: every reference to a source table, view or column is resolved against the source
//     catalog and written with its destination name (renames applied), quoted for the
//     destination; table references are always schema-qualified, because the destination's
//     search path is not the source's;
//  2. dialect (only between engines): quoting of names and strings, casts (`x::type` ↔
//     CAST(x AS type)), string concatenation (`||` ↔ CONCAT), IFNULL ↔ COALESCE, IF() → CASE,
//     `= ANY (ARRAY[..])` → IN (..), LIKE/regex operators, the common date and string
//     functions. A construct with no equivalent makes the conversion fail with the reason —
//     a view that cannot be converted fails alone.
// Same-engine conversion only does step 1, leaving the rest of the text as it was.
#pragma once

#include <ferry/sdk/catalog.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "naming.hpp"

namespace ferry::schema {

// What names in a piece of SQL refer to.
struct NameContext {
  Dialect from = Dialect::MySQL;
  Dialect to = Dialect::PostgreSQL;
  const Renames* renames = nullptr;  // nullptr: no renames
  std::vector<const Table*> tables;  // source tables the text may name (with their columns)
  std::vector<std::pair<std::string, std::string>> views;  // source views (schema, name)
  // The source schema of the object the text belongs to: where an unqualified table
  // reference points (for a PostgreSQL source, `public` is tried first: pg_get_viewdef leaves
  // names visible in the default search path unqualified).
  std::string default_schema;
  // For an expression of one table (CHECK, default, generated column): its bare names are
  // this table's columns.
  const Table* self = nullptr;
};

struct Converted {
  std::string text;
  std::string error;  // non-empty: the text could not be converted, and why
  std::vector<std::string> notes;
};

// An expression of one table (ctx.self set) or a free-standing one.
Converted convert_expression(std::string_view expr, const NameContext& ctx);

// A view's query (a SELECT, without CREATE VIEW); a trailing ';' is dropped.
Converted convert_query(std::string_view query, const NameContext& ctx);

// The source relations (schema, name) of ctx.tables / ctx.views a query refers to — to create
// views after the views they read.
std::vector<std::pair<std::string, std::string>> referenced_relations(std::string_view query,
                                                                      const NameContext& ctx);

}  // namespace ferry::schema
