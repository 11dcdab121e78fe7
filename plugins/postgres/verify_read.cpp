#include "verify_read.hpp"

#include <nlohmann/json.hpp>

#include <ferry/sdk/error.hpp>

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "snapshot.hpp"

namespace ferry::pg {

namespace {

// Marks the error a value without a canonical form raises inside the checksum query.
constexpr const char* kNoCanonical = "ferry-no-canonical-form";

PgTable table_of(Connection& conn, const Split& range) {
  auto t = read_table(conn, range.schema, range.table, read_types(conn));
  if (!t) {
    fail(FERRY_INVALID_ARGUMENT, conn.options().where() + ": table " +
                                     qualified(range.schema, range.table) + " does not exist");
  }
  return std::move(*t);
}

std::string sql_text(std::string_view s) {
  std::string out;
  append_sql_literal(out, s);
  return out;
}

// `x` (the text PostgreSQL prints for a date or timestamp, DateStyle ISO) in canonical form:
// ' ' → 'T', and a BC year as the signed astronomical year ('0044-03-15 BC' → '-0043-03-15').
std::string iso_date_time(const std::string& x) {
  const std::string year = "substring(" + x + " from '^[0-9]+')::bigint";
  return "CASE WHEN " + x + " LIKE '% BC' THEN (CASE WHEN " + year +
         " = 1 THEN '0000' ELSE '-' || lpad((" + year +
         " - 1)::text, 4, '0') END) || replace(regexp_replace(left(" + x +
         ", -3), '^[0-9]+', ''), ' ', 'T') ELSE replace(" + x + ", ' ', 'T') END";
}

struct Piece {
  std::string expr;    // SQL of the canonical text (text), or of the raw bytes (bytea)
  bool bytes = false;  // expr is bytea
};

// The canonical text of column `i` computed in SQL, or nullopt when there is none.
std::optional<Piece> canonical_expr(const PgTable& t, size_t i) {
  const Column& col = t.table.columns.at(i);
  const Decoder& d = t.decoders.at(i);
  const std::string c = quote_ident(col.name);
  switch (d.form) {
    case Form::AsIs:
      if (d.type == FERRY_TYPE_JSON || d.type == FERRY_TYPE_OTHER || d.type == FERRY_TYPE_ARRAY) {
        return std::nullopt;
      }
      // inet::text always shows the netmask; abbrev() is the output function's form.
      if (d.type == FERRY_TYPE_INET) return Piece{"abbrev(" + c + "::inet)", false};
      // char(n)::text drops the pad; every other type's text is its canonical form.
      return Piece{c + "::text", false};
    case Form::CharTrim:
      return Piece{c + "::text", false};  // char(n)::text drops the pad, as the reader does
    case Form::Bool:
      return Piece{"CASE WHEN " + c + " THEN '1' ELSE '0' END", false};
    case Form::Bytea:
      return Piece{c + "::bytea", true};
    case Form::Date:
    case Form::Timestamp:
      return Piece{iso_date_time(c + "::text"), false};
    case Form::TimestampTz: {
      const std::string utc = "(" + c + " AT TIME ZONE 'UTC')::text";
      return Piece{"CASE WHEN " + utc + " LIKE '%infinity' THEN " + utc + " ELSE " +
                       iso_date_time(utc) + " || 'Z' END",
                   false};
    }
    case Form::Time:
      return Piece{"regexp_replace(" + c + "::text, '^0([0-9])', '\\1')", false};
    case Form::TimeTz:
      return Piece{"regexp_replace(regexp_replace(" + c +
                       "::text, '^0([0-9])', '\\1'), '([+-][0-9][0-9])$', '\\1:00')",
                   false};
    case Form::Interval:
      // An interval with a year, month or day part has no canonical form: the cast of the
      // marker text to int stops the query with an error that names the value.
      return Piece{"CASE WHEN " + c + "::text ~ '[a-zA-Z]' THEN (" +
                       sql_text(std::string(kNoCanonical) + ": column " + col.name +
                                " holds the interval ") +
                       " || " + c + "::text)::int::text ELSE regexp_replace(" + c +
                       "::text, '^(-?)0([0-9])', '\\1\\2') END",
                   false};
    case Form::IntervalIso: {
      // Pure time as above; with a year, month or day part the ISO 8601 form the decoder
      // writes (pg_values.hpp), built from the interval's fields: extract() gives years =
      // months / 12, months % 12, days, and the time's hours, minutes and seconds (numeric,
      // 6 decimals), each with its own sign, as IntervalStyle iso_8601 prints them.
      auto field = [&](const char* f) { return "extract(" + std::string(f) + " from " + c + ")"; };
      auto part = [&](const char* f, const char* unit) {
        return "CASE WHEN " + field(f) + " <> 0 THEN " + field(f) + "::bigint::text || '" + unit +
               "' ELSE '' END";
      };
      const std::string seconds = "CASE WHEN " + field("second") + " <> 0 THEN trim_scale(" +
                                  field("second") + ")::text || 'S' ELSE '' END";
      return Piece{"CASE WHEN " + field("year") + " = 0 AND " + field("month") + " = 0 AND " +
                       field("day") + " = 0 THEN regexp_replace(" + c +
                       "::text, '^(-?)0([0-9])', '\\1\\2') ELSE 'P' || " + part("year", "Y") +
                       " || " + part("month", "M") + " || " + part("day", "D") + " || CASE WHEN " +
                       field("hour") + " = 0 AND " + field("minute") + " = 0 AND " +
                       field("second") + " = 0 THEN '' ELSE 'T' || " + part("hour", "H") + " || " +
                       part("minute", "M") + " || " + seconds + " END END",
                   false};
    }
    case Form::Bit: {
      const std::string b = "lpad(" + c + "::text, 64, '0')::bit(64)::bigint";
      return Piece{"(CASE WHEN " + b + " < 0 THEN " + b + "::numeric + 18446744073709551616 ELSE " +
                       b + "::numeric END)::text",
                   false};
    }
    case Form::Float32:
    case Form::Float64:
    case Form::ByteaHex:
    case Form::Array:
      return std::nullopt;
  }
  return std::nullopt;
}

std::string where_of(Connection& conn, const PgTable& t, const Split& range) {
  if (range.key_columns.empty() || (!range.lower && !range.upper)) return "";
  return " WHERE " + key_range_predicate(conn, t, range.key_columns, range.lower, range.upper);
}

size_t column_index(const PgTable& t, const std::string& name) {
  for (size_t i = 0; i < t.table.columns.size(); ++i) {
    if (t.table.columns[i].name == name) return i;
  }
  fail(FERRY_INVALID_ARGUMENT,
       "table " + qualified(t.table.schema, t.table.name) + " has no column " + quote_ident(name));
}

}  // namespace

std::string checksum_piece_sql(const PgTable& t, size_t column) {
  const auto p = canonical_expr(t, column);
  if (!p) return "";
  const std::string c = quote_ident(t.table.columns.at(column).name);
  return "CASE WHEN " + c + " IS NULL THEN '\\x6e'::bytea ELSE '\\x76'::bytea || " +
         (p->bytes ? p->expr : "convert_to(" + p->expr + ", 'UTF8')") + " END";
}

uint64_t decimal_mod64(const std::string& s) {
  uint64_t v = 0;
  size_t i = 0;
  const bool negative = !s.empty() && s[0] == '-';
  if (negative) i = 1;
  if (i == s.size()) fail(FERRY_INTERNAL, "unexpected checksum sum '" + s + "'");
  for (; i < s.size(); ++i) {
    const char ch = s[i];
    if (ch == '.') break;
    if (ch < '0' || ch > '9') fail(FERRY_INTERNAL, "unexpected checksum sum '" + s + "'");
    v = v * 10 + static_cast<uint64_t>(ch - '0');  // wraps mod 2^64
  }
  return negative ? 0 - v : v;
}

Checksum range_checksum(Connection& conn, const Split& range, const std::string& spec) {
  return range_checksum(conn, table_of(conn, range), range, spec);
}

// Algorithm "md5-sum64-v1" (see verify_read.hpp and plugins/mysql/verify_read.cpp). The first
// 64 bits of an MD5 as bit(64)::bigint are signed; their sum, a numeric, is reduced mod 2^64
// here, which gives the same value as the sum of the unsigned numbers mod 2^64.
Checksum range_checksum(Connection& conn, const PgTable& t, const Split& range,
                        const std::string& spec) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(spec.empty() ? "{}" : spec);
  } catch (const std::exception& e) {
    fail(FERRY_INVALID_ARGUMENT, std::string("checksum spec is not valid JSON: ") + e.what());
  }
  if (!doc.is_object()) fail(FERRY_INVALID_ARGUMENT, "checksum spec is not a JSON object");
  const auto alg = doc.find("algorithm");
  const std::string algorithm =
      alg != doc.end() && alg->is_string() ? alg->get<std::string>() : "md5-sum64-v1";
  if (algorithm != "md5-sum64-v1") {
    fail(FERRY_NOT_SUPPORTED, "checksum algorithm '" + algorithm +
                                  "' is not supported by the postgres connector (it computes "
                                  "md5-sum64-v1)");
  }
  std::vector<size_t> cols;
  const auto listed = doc.find("columns");
  if (listed != doc.end() && listed->is_array()) {
    for (const auto& n : *listed) {
      if (!n.is_string()) fail(FERRY_INVALID_ARGUMENT, "checksum spec: a column name not a string");
      cols.push_back(column_index(t, n.get<std::string>()));
    }
  } else {
    for (size_t i = 0; i < t.table.columns.size(); ++i) cols.push_back(i);
  }
  std::string row;
  for (size_t i : cols) {
    const std::string piece = checksum_piece_sql(t, i);
    if (piece.empty()) {
      const Column& c = t.table.columns[i];
      fail(FERRY_NOT_SUPPORTED, "column " + qualified(t.table.schema, t.table.name) + "." +
                                    quote_ident(c.name) + " (" + c.native_type +
                                    ") has no canonical form computable in SQL; compare it row "
                                    "by row");
    }
    if (!row.empty()) row += " || '\\x1f'::bytea || ";
    row += piece;
  }
  if (row.empty()) row = "''::bytea";
  const std::string sql = "SELECT count(*)::text, COALESCE(sum(('x' || substr(md5(" + row +
                          "), 1, 16))::bit(64)::bigint), 0)::text FROM " +
                          (t.relkind == 'p' ? "" : "ONLY ") +
                          qualified(t.table.schema, t.table.name) + where_of(conn, t, range);
  Rows r;
  try {
    r = conn.query(sql);
  } catch (const Error& e) {
    const std::string m = e.what();
    const size_t at = m.find(kNoCanonical);
    if (at == std::string::npos) throw;
    std::string detail = m.substr(at + std::string(kNoCanonical).size() + 2);
    const size_t quote = detail.find('"');
    if (quote != std::string::npos) detail.resize(quote);
    fail(FERRY_NOT_SUPPORTED, qualified(t.table.schema, t.table.name) + ": " + detail +
                                  ", which has a year, month or day part and so no canonical "
                                  "form; compare it row by row");
  }
  Checksum out;
  out.row_count = std::stoull(r.rows.at(0).at(0).value_or("0"));
  out.digest = decimal_mod64(r.rows.at(0).at(1).value_or("0"));
  return out;
}

std::unique_ptr<BatchStream> range_reader(std::shared_ptr<Connection> conn, const Split& range,
                                          uint32_t batch_rows) {
  const PgTable t = table_of(*conn, range);
  return range_reader(std::move(conn), t, range, batch_rows);
}

std::unique_ptr<BatchStream> range_reader(std::shared_ptr<Connection> conn, const PgTable& t,
                                          const Split& range, uint32_t batch_rows) {
  std::vector<std::string> key = range.key_columns;
  if (key.empty()) key = chunk_key(t);
  std::string order;
  if (!key.empty()) {
    for (const auto& k : key) {
      column_index(t, k);
      order += (order.empty() ? "" : ", ") + quote_ident(k);
    }
  } else {
    // No key: every column with an ordering (json, arrays and unknown types have none here).
    for (size_t i = 0; i < t.table.columns.size(); ++i) {
      const ferry_type ty = t.decoders[i].type;
      if (ty == FERRY_TYPE_JSON || ty == FERRY_TYPE_OTHER || ty == FERRY_TYPE_ARRAY) continue;
      order += (order.empty() ? "" : ", ") + quote_ident(t.table.columns[i].name);
    }
  }
  std::string sql = "COPY (SELECT ";
  for (size_t i = 0; i < t.table.columns.size(); ++i) {
    const std::string c = quote_ident(t.table.columns[i].name);
    sql += i ? ", " : "";
    // char(n) without its pad, as in the checksum.
    sql += t.decoders[i].type == FERRY_TYPE_CHAR ? c + "::text AS " + c : c;
  }
  sql += std::string(" FROM ") + (t.relkind == 'p' ? "" : "ONLY ") +
         qualified(t.table.schema, t.table.name) + where_of(*conn, t, range);
  if (!order.empty()) sql += " ORDER BY " + order;
  sql += ") TO STDOUT";
  return std::make_unique<CopyRowStream>(std::move(conn), t, sql, batch_rows, 8u << 20);
}

}  // namespace ferry::pg
