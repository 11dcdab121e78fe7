#include "verify_read.hpp"

#include <nlohmann/json.hpp>

#include <ferry/sdk/error.hpp>

#include <algorithm>

#include "catalog.hpp"
#include "key_range.hpp"
#include "row_stream.hpp"
#include "values.hpp"

namespace ferry::mysql {

namespace {

Table table_of(Connection& conn, const Split& range) {
  auto t = read_table(conn, range.schema, range.table);
  if (!t) {
    fail(FERRY_INVALID_ARGUMENT, conn.options().where() + ": table " +
                                     qualified(range.schema, range.table) + " does not exist");
  }
  return std::move(*t);
}

std::string where_of(Connection& conn, const Table& t, const Split& range) {
  if (range.key_columns.empty() || (!range.lower && !range.upper)) return "";
  return " WHERE " +
         key_range_predicate(conn, key_columns(t, range.key_columns), range.lower, range.upper);
}

// The canonical text (docs/sdk.md) of a column computed in SQL, or "" when this engine cannot
// compute it there (floating point: the server has no shortest round-trip rendering).
std::string canonical_sql(const Column& c) {
  const std::string id = quote_ident(c.name);
  auto trimmed_fraction = [&](const std::string& expr) {
    return "TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM " + expr + "))";
  };
  switch (c.type) {
    case FERRY_TYPE_FLOAT32:
    case FERRY_TYPE_FLOAT64:
    case FERRY_TYPE_JSON:
    case FERRY_TYPE_OTHER:
      return "";
    case FERRY_TYPE_BIT:
    case FERRY_TYPE_YEAR:
      return "CAST(" + id + " AS UNSIGNED)";
    case FERRY_TYPE_GEOMETRY:
      return "ST_AsBinary(" + id + ")";
    case FERRY_TYPE_TIMESTAMP:
    case FERRY_TYPE_TIMESTAMPTZ: {
      std::string e = "REPLACE(CAST(" + id + " AS CHAR), ' ', 'T')";
      if (c.scale > 0) e = trimmed_fraction(e);
      if (c.type == FERRY_TYPE_TIMESTAMPTZ) e = "CONCAT(" + e + ", 'Z')";
      return e;
    }
    case FERRY_TYPE_TIME:
      return "CONCAT(IF(" + id + " < TIME'00:00:00', '-', ''), HOUR(" + id +
             "), ':', LPAD(MINUTE(" + id + "), 2, '0'), ':', LPAD(SECOND(" + id +
             "), 2, '0'), IF(MICROSECOND(" + id +
             ") = 0, '', CONCAT('.', TRIM(TRAILING '0' FROM LPAD(MICROSECOND(" + id +
             "), 6, '0')))))";
    case FERRY_TYPE_BOOL:
    case FERRY_TYPE_INT8:
    case FERRY_TYPE_INT16:
    case FERRY_TYPE_INT24:
    case FERRY_TYPE_INT32:
    case FERRY_TYPE_INT64:
    case FERRY_TYPE_DECIMAL:
    case FERRY_TYPE_DATE:
      return "CAST(" + id + " AS CHAR)";
    case FERRY_TYPE_CHAR:
    case FERRY_TYPE_VARCHAR:
    case FERRY_TYPE_TEXT:
    case FERRY_TYPE_ENUM:
    case FERRY_TYPE_SET:
      // Hash the UTF-8 of the text whatever the column's charset (CHAR(31) makes the row
      // text binary, so nothing is converted implicitly).
      return "CONVERT(" + id + " USING utf8mb4)";
    default:
      return id;  // bytes
  }
}

// sum mod 2^64 of a non-negative decimal integer string (uint64 arithmetic wraps mod 2^64).
uint64_t decimal_mod64(const std::string& s) {
  uint64_t v = 0;
  for (char ch : s) {
    if (ch == '.') break;
    if (ch < '0' || ch > '9') fail(FERRY_INTERNAL, "unexpected checksum sum '" + s + "'");
    v = v * 10 + static_cast<uint64_t>(ch - '0');
  }
  return v;
}

}  // namespace

// Algorithm "md5-sum64-v1": a row's text is, for each listed column in order, 'n' for NULL or
// 'v' + its canonical text, joined by 0x1F; the digest is the sum, mod 2^64, of the first 64
// bits (big-endian) of each row text's MD5. A sum is order-independent and, unlike XOR of
// CRC32s, does not cancel values swapped between rows.
Checksum range_checksum(Connection& conn, const Split& range, const std::string& spec) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(spec.empty() ? "{}" : spec);
  } catch (const std::exception& e) {
    fail(FERRY_INVALID_ARGUMENT, std::string("checksum spec is not valid JSON: ") + e.what());
  }
  const std::string algorithm = doc.value("algorithm", "md5-sum64-v1");
  if (algorithm != "md5-sum64-v1") {
    fail(FERRY_NOT_SUPPORTED, "checksum algorithm '" + algorithm +
                                  "' is not supported by the mysql connector (it computes "
                                  "md5-sum64-v1)");
  }
  const Table t = table_of(conn, range);
  std::vector<const Column*> cols;
  if (doc.contains("columns") && doc["columns"].is_array()) {
    std::vector<std::string> names;
    for (const auto& n : doc["columns"]) names.push_back(n.get<std::string>());
    cols = key_columns(t, names);
  } else {
    for (const auto& c : t.columns) cols.push_back(&c);
  }
  std::string row = "CONCAT_WS(CHAR(31)";
  for (const auto* c : cols) {
    const std::string e = canonical_sql(*c);
    if (e.empty()) {
      fail(FERRY_NOT_SUPPORTED, "column " + qualified(t.schema, t.name) + "." +
                                    quote_ident(c->name) + " (" + c->native_type +
                                    ") has no canonical form computable in SQL; compare it row "
                                    "by row");
    }
    row += ", IF(" + quote_ident(c->name) + " IS NULL, 'n', CONCAT('v', " + e + "))";
  }
  row += ")";
  const std::string sql = "SELECT COUNT(*), COALESCE(SUM(CAST(CONV(SUBSTRING(MD5(" + row +
                          "), 1, 16), 16, 10) AS UNSIGNED)), 0) FROM " +
                          qualified(t.schema, t.name) + where_of(conn, t, range);
  Rows r = conn.query(sql);
  Checksum out;
  out.row_count = std::stoull(r.rows.at(0)[0].value_or("0"));
  out.digest = decimal_mod64(r.rows.at(0)[1].value_or("0"));
  return out;
}

std::unique_ptr<BatchStream> range_reader(std::shared_ptr<Connection> conn, const Split& range,
                                          uint32_t batch_rows) {
  const Table t = table_of(*conn, range);
  std::string order;
  if (!range.key_columns.empty()) {
    order = key_list(key_columns(t, range.key_columns));
  } else {
    for (size_t i = 0; i < t.columns.size(); ++i)
      order += (i ? "," : "") + quote_ident(t.columns[i].name);
  }
  const SharedTable ref = make_table(schema_of(t));
  const std::string sql =
      select_all(ref->table()) + where_of(*conn, t, range) + " ORDER BY " + order;
  return std::make_unique<RowStream>(std::move(conn), ref, sql, batch_rows, 8u << 20);
}

}  // namespace ferry::mysql
