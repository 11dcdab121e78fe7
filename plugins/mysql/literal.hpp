// Canonical values (docs/sdk.md, "Canonical value forms") → what a MySQL-family server stores
// exactly: SQL literals for INSERT / UPDATE / WHERE, and the field encoding of LOAD DATA.
//
// The logical type of the *incoming* column decides the form. Everything is validated on the
// way: a value that is not the canonical form of its type is an error naming
// schema.table.column and the value (cut to 64 characters), never something the server might
// store differently. Details that matter:
//   - BIT arrives as an unsigned decimal: an unquoted integer in SQL (a quoted '5' would store
//     the bytes of "5"); in LOAD DATA through a user variable and CAST(@v AS UNSIGNED).
//   - YEAR: an unquoted integer in SQL; in LOAD DATA as four digits ('0' as a string would be
//     read as 2000; '0000' is the zero year). Only 0 and 1901-2155 exist in MySQL: anything
//     else is refused here (the server would silently map 1-99 to 1970-2069).
//   - FLOAT/DOUBLE: nan / inf / -inf cannot be stored by MySQL: a clear error. In SQL the
//     number is made an approximate literal (`e0`) so the server parses it as a double. A
//     FLOAT whose shortest text reads as a double beyond FLT_MAX (3.4028235e+38) is sent as the
//     float's exact double value, which a FLOAT column accepts.
//   - TIMESTAMP / TIMESTAMPTZ: the ISO 'T' becomes a space, the 'Z' is dropped (ferry sessions
//     run with time_zone '+00:00'); zero dates pass through.
//   - Binary types: X'..' in SQL; hex through a user variable and UNHEX() in LOAD DATA (no
//     charset conversion can touch the bytes). GEOMETRY (WKB): ST_GeomFromWKB(X'..').
//   - Text, JSON, ENUM, SET, UUID, INET, ARRAY, OTHER: quoted with the connection's escaping.
//   - Generated columns are never written (is_written).
#pragma once

#include <ferry/abi.h>
#include <ferry/sdk/batch.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace ferry::mysql {

class Connection;

// Where a value goes, for error messages: schema.table.column.
struct ValueSite {
  std::string_view schema;
  std::string_view table;
  const ferry_column& column;
  std::string describe() const;  // "shop.orders.qty"
};

// False for generated columns (FERRY_COLUMN_GENERATED_*): the server computes them.
bool is_written(const ferry_column& column);
// A value for a message: at most 64 bytes (then "..."), control and non-ASCII bytes as \xNN.
std::string shown_value(std::string_view value);

// ---- SQL literals ---------------------------------------------------------------------------

// Appends the literal of `cell`: NULL → NULL, FERRY_CELL_DEFAULT → DEFAULT (valid in a VALUES
// list and a SET list), otherwise the literal of the canonical value. A FERRY_CELL_UNCHANGED
// cell has no literal: an error (callers leave such cells out).
void append_sql_value(std::string& out, const Connection& conn, const ValueSite& site,
                      const Cell& cell);
// The literal of a non-NULL canonical value.
void append_sql_literal(std::string& out, const Connection& conn, const ValueSite& site,
                        std::string_view value);

// ---- LOAD DATA ------------------------------------------------------------------------------

// The format clause append_load_field() writes for (TAB between fields, LF after each row,
// backslash escapes, \N for NULL, no enclosing quotes).
inline constexpr const char* kLoadDataFormat =
    "FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n'";

// How LOAD DATA carries a column.
enum class LoadVia : uint8_t {
  Direct,    // the field goes straight into the column
  Unhex,     // hex text into @var, SET col = UNHEX(@var)
  BitCast,   // decimal into @var, SET col = CAST(@var AS UNSIGNED)
  GeomUnhex  // hex WKB into @var, SET col = ST_GeomFromWKB(UNHEX(@var))
};
LoadVia load_via(const ferry_column& column);
// The SET expression for a column loaded through user variable `var` ("@v3"); "" for Direct.
std::string load_set_expr(LoadVia via, std::string_view var);

// Appends one LOAD DATA field (without separators): NULL → \N, the value otherwise, escaped.
// FERRY_CELL_DEFAULT and FERRY_CELL_UNCHANGED cannot be expressed in LOAD DATA: an error (the
// caller writes such batches with INSERT instead).
void append_load_field(std::string& out, const ValueSite& site, const Cell& cell);

}  // namespace ferry::mysql
