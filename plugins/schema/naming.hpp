// Names on the destination: the two dialects' quoting, identifier limits, derived names that
// cannot collide, and the task's renames of databases/schemas, tables and columns.
//
// One quoting function per dialect: every identifier the schema step writes goes through
// quote_ident, every string through quote_literal.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>

namespace ferry::schema {

// A MySQL database is a PostgreSQL schema: both are the first part of `db.table`.
enum class Dialect { MySQL, PostgreSQL };

// The dialect of a connector plugin ("mysql" → MySQL, "postgres" → PostgreSQL); nullopt for any
// other plugin.
std::optional<Dialect> dialect_of_plugin(std::string_view plugin);

// "MySQL" / "PostgreSQL", for messages.
const char* dialect_name(Dialect d);

// `name` quoted for `d`: `a``b` (MySQL) or "a""b" (PostgreSQL). Always quoted, so case,
// spaces, keywords and non-ASCII names survive as they are.
std::string quote_ident(std::string_view name, Dialect d);

// "schema"."name"
std::string quote_qualified(std::string_view schema, std::string_view name, Dialect d);

// `text` as a string literal of `d`. MySQL: 'it''s \\ ok' (backslashes escaped: the destination
// sessions run without NO_BACKSLASH_ESCAPES). PostgreSQL: 'it''s', or E'a\\b' when the text has
// a backslash, so the literal means the same whatever standard_conforming_strings says.
std::string quote_literal(std::string_view text, Dialect d);

// Why `name` cannot be an identifier of `d`, or "" when it can. PostgreSQL: at most 63 bytes
// (longer names are truncated by the server, which ferry never lets happen silently). MySQL: at
// most 64 characters, and no trailing space.
std::string identifier_problem(std::string_view name, Dialect d);

// A name ferry derives (index, enum type, constraint): `base` when it fits `d`'s limit, else its
// longest prefix that leaves room for "_" and 8 hex digits of a hash of the whole of `base` —
// deterministic, so a retry derives the same name.
std::string derived_name(std::string_view base, Dialect d);

// Names already taken in one destination namespace (a PostgreSQL schema's relations, a MySQL
// table's indexes, ...). claim() returns `wanted` when it is free, else the first free
// `wanted_2`, `wanted_3`, ... (each derived_name'd), and marks the result taken. PostgreSQL
// compares names exactly; MySQL index and constraint names case-insensitively.
class NameScope {
 public:
  explicit NameScope(Dialect d) : dialect_(d) {}
  std::string claim(const std::string& wanted);
  void take(const std::string& name);
  bool taken(const std::string& name) const;

 private:
  std::string key(const std::string& name) const;
  Dialect dialect_;
  std::set<std::string> names_;
};

// The task's renames, from the schema component's `renames` config:
//   {"schemas": {"shop": "shop2"},
//    "tables":  {"shop.orders": "orders2"},
//    "columns": {"shop.orders.amt": "amount"}}
// Keys use SOURCE names; a key part holding a dot is written in double quotes
// ("shop.\"my.table\""). A table keeps its (possibly renamed) schema; a column its table.
// Anything not listed keeps its source name.
struct Renames {
  std::map<std::string, std::string> schemas;
  std::map<std::pair<std::string, std::string>, std::string> tables;
  std::map<std::tuple<std::string, std::string, std::string>, std::string> columns;

  std::string schema(std::string_view src_schema) const;
  std::string table(std::string_view src_schema, std::string_view src_table) const;
  std::string column(std::string_view src_schema, std::string_view src_table,
                     std::string_view src_column) const;
  bool empty() const { return schemas.empty() && tables.empty() && columns.empty(); }
};

// Parses the renames document; "" and "null" are no renames. A malformed document, an unknown
// section, a key with the wrong number of parts or a value that is not a non-empty string is
// FERRY_INVALID_ARGUMENT naming the key.
Renames parse_renames(const std::string& json);

}  // namespace ferry::schema
