// The type mapping between the dialects: one table per direction (map_type), the conversion of
// column defaults (map_default), and the options a task sets (MappingOptions).
// docs/type-mapping.md documents every row; tests/unit/schema pins them.
//
// The rule for refusals: a mapping is refused when the destination type cannot hold what the
// source type's declaration admits in ordinary use — lost precision or scale, a lost time zone,
// an unbounded type squeezed into a bounded one, a type the other engine has no counterpart
// for. Such a refusal names the column and is lifted, column by column, by `allow_lossy`.
// Values at the far edge of a type's range that the other engine has no room for (PostgreSQL
// dates before year 0 or infinities in MySQL, MySQL TIME beyond 24:00:00 or zero dates in
// PostgreSQL, NUL characters in PostgreSQL text) are not refusals: the destination connector
// refuses each such value when it is loaded, naming table, column and value — nothing is ever
// stored differently.
#pragma once

#include <ferry/sdk/catalog.hpp>
#include <ferry/sdk/host.hpp>
#include <ferry/sdk/plugin.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "naming.hpp"
#include "view_convert.hpp"

namespace ferry::schema {

struct MappingOptions {
  // MySQL → PostgreSQL: tinyint(1) becomes boolean (a value other than 0 or 1 then fails the
  // load); otherwise smallint.
  bool tinyint1_as_boolean = false;
  // MySQL → PostgreSQL: ENUM becomes an enum type (`<table>_<column>`) or text with a CHECK.
  enum class EnumAs { Type, Check } enum_as = EnumAs::Type;
  // MySQL → PostgreSQL: what a zero-date default ('0000-00-00') becomes. Null: the default is
  // dropped and the column made nullable (zero-date values must then be loaded as NULL);
  // Refuse: the column is refused.
  enum class ZeroDates { Null, Refuse } zero_dates = ZeroDates::Refuse;
  // MySQL → PostgreSQL: JSON becomes jsonb (normalised: key order, duplicate keys, spacing) or
  // json (the text exactly as MySQL returns it).
  enum class JsonAs { Jsonb, Json } json_as = JsonAs::Jsonb;
  // PostgreSQL → MySQL: the collation of every character column (utf8mb4). The default,
  // utf8mb4_bin, compares case- and accent-sensitively like PostgreSQL's deterministic
  // collations (but PAD SPACE: 'a' = 'a '); utf8mb4_nopad_bin (MariaDB) or utf8mb4_0900_bin
  // (MySQL 8) also tell trailing spaces apart.
  std::string mysql_collation = "utf8mb4_bin";
  // Columns whose lossy mapping is accepted: `db.table.column` globs over SOURCE names (`*` any
  // run of characters, `?` one), or "*" for every column.
  std::vector<std::string> allow_lossy;

  bool lossy_allowed(const std::string& schema, const std::string& table,
                     const std::string& column) const;
};

// The schema component's config fields for these options, with their defaults and descriptions
// (the component declares them; docs/type-mapping.md lists them).
std::vector<FieldDecl> mapping_fields();
// The options from a validated config (the fields of mapping_fields()); a bad value is
// FERRY_INVALID_ARGUMENT naming the field.
MappingOptions mapping_options_from(const Config& config);

struct TypeMapping {
  std::string type;     // the destination type, as the destination spells it
  std::string collate;  // MySQL destination: "CHARACTER SET utf8mb4 COLLATE ..."; PostgreSQL:
                        // "COLLATE \"x\"" (same engine only)
  std::string refusal;  // non-empty: the column cannot be mapped, and why
  bool lossy = false;   // the refusal is lifted by allow_lossy, which maps it to `type`
  std::string note;
  // PostgreSQL destination, enum columns: the labels of the enum type to create, and the
  // source type's name (PostgreSQL → PostgreSQL; MySQL sources name theirs per column).
  bool enum_type = false;
  std::vector<std::string> labels;
  std::string enum_source_name;  // unqualified
  int array_dims = 0;            // PostgreSQL → PostgreSQL: an array of the enum type
  bool enum_check = false;       // PostgreSQL destination: text with CHECK (col IN (labels))
  bool identity_capable = true;  // the destination type can carry identity / AUTO_INCREMENT
  // MySQL destination (between engines): bytes in the row (the 65535-byte limit) and in an
  // index key (-1: TEXT/BLOB, cannot be indexed whole).
  int64_t row_bytes = 0;
  int64_t key_bytes = 0;
  bool text_like = false;  // MySQL destination: a character type (a TEXT fallback applies)
};

// The destination type of a column. Same engine: the source type exactly.
TypeMapping map_type(const Column& c, Dialect from, Dialect to, const MappingOptions& o);

struct DefaultMapping {
  std::optional<std::string> expr;  // the DEFAULT expression in the destination's dialect
  std::string note;                 // why a default was dropped or changed
  std::string refusal;              // non-empty: the column is refused (zero dates)
  bool drop_not_null = false;       // zero_dates = null
};

// The destination default of column `c` (mapped to `m`). `ctx` resolves names in expressions
// (ctx.self = the table). An identity / serial column's sequence default is no default.
DefaultMapping map_default(const Column& c, const TypeMapping& m, const NameContext& ctx,
                           const MappingOptions& o);

// "0000-00-00", "2024-00-10 12:00:00": a MySQL date with a zero month or day, which
// PostgreSQL cannot hold.
bool is_zero_date(std::string_view v);

}  // namespace ferry::schema
