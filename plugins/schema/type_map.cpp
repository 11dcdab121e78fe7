#include "type_map.hpp"

#include <ferry/sdk/error.hpp>

#include <algorithm>
#include <cctype>
#include <set>

#include "selection.hpp"
#include "sql_lex.hpp"

namespace ferry::schema {

namespace {

constexpr int64_t kMysqlMaxVarcharChars = 16383;  // utf8mb4: 4 bytes a character, 65535 a row

std::string lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

std::string num(int64_t v) {
  return std::to_string(v);
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool has(uint32_t flags, uint32_t bit) {
  return (flags & bit) != 0;
}

int scale_of(const Column& c) {
  return std::clamp(c.scale, 0, 6);
}

// ---- MySQL → PostgreSQL ---------------------------------------------------------------------

TypeMapping mysql_to_pg(const Column& c, const MappingOptions& o) {
  TypeMapping m;
  const bool is_unsigned = has(c.flags, FERRY_COLUMN_UNSIGNED);
  const bool auto_inc = has(c.flags, FERRY_COLUMN_AUTO_INCREMENT);
  const std::string native = lower(c.native_type);
  m.identity_capable = false;
  switch (c.type) {
    case FERRY_TYPE_BOOL:
      m.type = "boolean";
      break;
    case FERRY_TYPE_INT8:
      if (o.tinyint1_as_boolean && starts_with(native, "tinyint(1)") && !auto_inc) {
        m.type = "boolean";
        m.note =
            "tinyint(1) as boolean (tinyint1_as_boolean): values other than 0 and 1 fail "
            "the load";
      } else {
        m.type = "smallint";
        m.identity_capable = true;
      }
      break;
    case FERRY_TYPE_INT16:
      m.type = is_unsigned ? "integer" : "smallint";
      m.identity_capable = true;
      break;
    case FERRY_TYPE_INT24:
      m.type = "integer";
      m.identity_capable = true;
      break;
    case FERRY_TYPE_INT32:
      m.type = is_unsigned ? "bigint" : "integer";
      m.identity_capable = true;
      break;
    case FERRY_TYPE_INT64:
      if (!is_unsigned) {
        m.type = "bigint";
        m.identity_capable = true;
      } else if (auto_inc) {
        m.type = "bigint";
        m.identity_capable = true;
        m.note =
            "BIGINT UNSIGNED AUTO_INCREMENT as bigint identity: a value above "
            "9223372036854775807 fails the load";
      } else {
        m.type = "numeric(20,0)";
      }
      break;
    case FERRY_TYPE_DECIMAL:
      m.type = c.precision > 0
                   ? "numeric(" + num(c.precision) + "," + num(std::max(c.scale, 0)) + ")"
                   : "numeric";
      break;
    case FERRY_TYPE_FLOAT32:
      m.type = "real";
      break;
    case FERRY_TYPE_FLOAT64:
      m.type = "double precision";
      break;
    case FERRY_TYPE_BIT:
      m.type = "bit(" + num(std::max<int64_t>(c.length, 1)) + ")";
      break;
    case FERRY_TYPE_CHAR:
      m.type = c.length > 0 ? "character(" + num(c.length) + ")" : "text";
      break;
    case FERRY_TYPE_VARCHAR:
      m.type = c.length > 0 ? "character varying(" + num(c.length) + ")" : "text";
      break;
    case FERRY_TYPE_TEXT:
      m.type = "text";
      break;
    case FERRY_TYPE_BINARY:
    case FERRY_TYPE_VARBINARY:
    case FERRY_TYPE_BLOB:
      m.type = "bytea";
      break;
    case FERRY_TYPE_DATE:
      m.type = "date";
      break;
    case FERRY_TYPE_TIMESTAMP:
      m.type = "timestamp(" + num(scale_of(c)) + ") without time zone";
      break;
    case FERRY_TYPE_TIMESTAMPTZ:
      m.type = "timestamp(" + num(scale_of(c)) + ") with time zone";
      break;
    case FERRY_TYPE_TIME:
      m.type = "time(" + num(scale_of(c)) + ") without time zone";
      m.note = "values outside 00:00:00-24:00:00 fail the load";
      break;
    case FERRY_TYPE_YEAR:
      m.type = "smallint";
      break;
    case FERRY_TYPE_ENUM:
      m.labels = c.labels;
      if (o.enum_as == MappingOptions::EnumAs::Check) {
        m.type = "text";
        m.enum_check = true;
      } else {
        m.enum_type = true;  // the type name is the table's business (ddl.cpp)
        for (const auto& l : c.labels) {
          if (l.size() > 63) {
            m.refusal = "ENUM label '" + l.substr(0, 20) +
                        "...' is longer than the 63 bytes of a PostgreSQL enum label (set "
                        "enum_as = \"check\" to map it to text with a CHECK)";
          }
        }
      }
      break;
    case FERRY_TYPE_SET:
      m.type = "text";
      m.note = "SET as text holding the labels, comma-separated";
      break;
    case FERRY_TYPE_JSON:
      m.type = o.json_as == MappingOptions::JsonAs::Json ? "json" : "jsonb";
      break;
    case FERRY_TYPE_GEOMETRY:
      m.type = "bytea";
      m.note = "GEOMETRY as bytea holding WKB";
      break;
    case FERRY_TYPE_INET:
      m.type = "inet";
      break;
    case FERRY_TYPE_UUID:
      m.type = "uuid";
      break;
    default:
      m.type = "text";
      m.refusal = "MySQL type " + c.native_type + " has no PostgreSQL counterpart";
      m.lossy = true;
      break;
  }
  return m;
}

// ---- PostgreSQL → MySQL ---------------------------------------------------------------------

void mysql_text(TypeMapping& m, const MappingOptions& o) {
  m.collate = "CHARACTER SET utf8mb4 COLLATE " + o.mysql_collation;
  m.text_like = true;
}

// A character column of up to `chars` characters (-1: unbounded) as MySQL holds it.
void mysql_chars(TypeMapping& m, int64_t chars, const MappingOptions& o) {
  mysql_text(m, o);
  if (chars >= 0 && chars <= kMysqlMaxVarcharChars) {
    m.type = "varchar(" + num(chars) + ")";
    m.row_bytes = chars * 4 + (chars * 4 > 255 ? 2 : 1);
    m.key_bytes = chars * 4;
  } else if (chars >= 0 && chars * 4 <= 16777215) {
    m.type = "mediumtext";
    m.row_bytes = 12;
    m.key_bytes = -1;
  } else {
    m.type = "longtext";
    m.row_bytes = 12;
    m.key_bytes = -1;
  }
}

TypeMapping pg_to_mysql(const Column& c, const MappingOptions& o) {
  TypeMapping m;
  m.identity_capable = false;
  switch (c.type) {
    case FERRY_TYPE_BOOL:
      m.type = "tinyint(1)";
      m.row_bytes = m.key_bytes = 1;
      break;
    case FERRY_TYPE_INT8:
      m.type = "tinyint";
      m.row_bytes = m.key_bytes = 1;
      m.identity_capable = true;
      break;
    case FERRY_TYPE_INT16:
      m.type = "smallint";
      m.row_bytes = m.key_bytes = 2;
      m.identity_capable = true;
      break;
    case FERRY_TYPE_INT24:
      m.type = "mediumint";
      m.row_bytes = m.key_bytes = 3;
      m.identity_capable = true;
      break;
    case FERRY_TYPE_INT32:
      m.type = "int";
      m.row_bytes = m.key_bytes = 4;
      m.identity_capable = true;
      break;
    case FERRY_TYPE_INT64:
      m.type = "bigint";
      m.row_bytes = m.key_bytes = 8;
      m.identity_capable = true;
      break;
    case FERRY_TYPE_DECIMAL: {
      int64_t p = c.precision, s = c.scale;
      if (p > 0 && s < 0) {  // numeric(p, -s): integers rounded to 10^s
        p -= s;
        s = 0;
      }
      if (p == 0) {
        m.type = "decimal(65,30)";
        m.refusal =
            "PostgreSQL numeric without precision can hold values MySQL DECIMAL(65,30) cannot";
        m.lossy = true;
      } else if (p > 65 || s > 30) {
        m.type = "decimal(65," + num(std::min<int64_t>(s, 30)) + ")";
        m.refusal = "PostgreSQL numeric(" + num(c.precision) + "," + num(c.scale) +
                    ") is wider than MySQL's DECIMAL (at most 65 digits, 30 after the point)";
        m.lossy = true;
      } else {
        m.type = "decimal(" + num(p) + "," + num(s) + ")";
      }
      m.row_bytes = m.key_bytes = 30;
      break;
    }
    case FERRY_TYPE_FLOAT32:
      m.type = "float";
      m.row_bytes = m.key_bytes = 4;
      break;
    case FERRY_TYPE_FLOAT64:
      m.type = "double";
      m.row_bytes = m.key_bytes = 8;
      break;
    case FERRY_TYPE_CHAR:
      if (c.length > 0 && c.length <= 255) {
        mysql_text(m, o);
        m.type = "char(" + num(c.length) + ")";
        m.row_bytes = m.key_bytes = c.length * 4;
      } else {
        mysql_chars(m, c.length > 0 ? c.length : 1, o);
      }
      break;
    case FERRY_TYPE_VARCHAR:
      mysql_chars(m, c.length, o);
      break;
    case FERRY_TYPE_TEXT:
      mysql_chars(m, -1, o);
      break;
    case FERRY_TYPE_BINARY:
    case FERRY_TYPE_VARBINARY:
    case FERRY_TYPE_BLOB:
      m.type = "longblob";
      m.row_bytes = 12;
      m.key_bytes = -1;
      break;
    case FERRY_TYPE_DATE:
      m.type = "date";
      m.row_bytes = m.key_bytes = 3;
      break;
    case FERRY_TYPE_TIMESTAMP:
      m.type = "datetime(" + num(scale_of(c)) + ")";
      m.row_bytes = m.key_bytes = 8;
      break;
    case FERRY_TYPE_TIMESTAMPTZ:
      m.type = "datetime(" + num(scale_of(c)) + ")";
      m.row_bytes = m.key_bytes = 8;
      m.note = "timestamp with time zone as DATETIME holding UTC";
      break;
    case FERRY_TYPE_TIME:
      m.type = "time(" + num(scale_of(c)) + ")";
      m.row_bytes = m.key_bytes = 6;
      break;
    case FERRY_TYPE_TIMETZ:
      mysql_text(m, o);
      m.type = "varchar(24)";
      m.row_bytes = m.key_bytes = 97;
      m.refusal =
          "PostgreSQL time with time zone has no MySQL counterpart (MySQL TIME holds no "
          "UTC offset); allowed, it is stored as text ('8:30:00+02:00')";
      m.lossy = true;
      break;
    case FERRY_TYPE_INTERVAL:
      m.type = "time(" + num(scale_of(c)) + ")";
      m.row_bytes = m.key_bytes = 6;
      m.refusal =
          "PostgreSQL interval has no MySQL counterpart; allowed, it becomes TIME, which "
          "holds -838:59:59 to 838:59:59 (other values fail the load)";
      m.lossy = true;
      break;
    case FERRY_TYPE_YEAR:
      m.type = "year";
      m.row_bytes = m.key_bytes = 1;
      break;
    case FERRY_TYPE_BIT:
      m.type = "bit(" + num(std::clamp<int64_t>(c.length, 1, 64)) + ")";
      m.row_bytes = m.key_bytes = 8;
      break;
    case FERRY_TYPE_ENUM: {
      mysql_text(m, o);
      std::string list;
      for (const auto& l : c.labels) {
        list += (list.empty() ? "" : ",") + quote_literal(l, Dialect::MySQL);
        if (!l.empty() && l.back() == ' ') {
          m.refusal = "enum label '" + l + "' ends with a space, which MySQL ENUM drops";
        }
      }
      m.type = "enum(" + list + ")";
      m.row_bytes = m.key_bytes = 2;
      break;
    }
    case FERRY_TYPE_SET:
      mysql_text(m, o);
      m.type = "set(";
      for (size_t i = 0; i < c.labels.size(); ++i) {
        m.type += (i ? "," : "") + quote_literal(c.labels[i], Dialect::MySQL);
      }
      m.type += ")";
      m.row_bytes = m.key_bytes = 8;
      break;
    case FERRY_TYPE_JSON:
      m.type = "json";
      m.row_bytes = 12;
      m.key_bytes = -1;
      break;
    case FERRY_TYPE_ARRAY:
      m.type = "json";
      m.row_bytes = 12;
      m.key_bytes = -1;
      m.note = "array as a JSON array";
      break;
    case FERRY_TYPE_UUID:
      mysql_text(m, o);
      m.type = "char(36)";
      m.row_bytes = m.key_bytes = 144;
      break;
    case FERRY_TYPE_INET:
    case FERRY_TYPE_CIDR:
      mysql_text(m, o);
      m.type = "varchar(43)";
      m.row_bytes = m.key_bytes = 173;
      break;
    case FERRY_TYPE_MACADDR:
      mysql_text(m, o);
      m.type = "varchar(17)";
      m.row_bytes = m.key_bytes = 69;
      break;
    case FERRY_TYPE_GEOMETRY:
      m.type = "geometry";
      m.row_bytes = 12;
      m.key_bytes = -1;
      break;
    default:
      mysql_chars(m, -1, o);
      m.refusal = "PostgreSQL type " + c.native_type +
                  " has no MySQL counterpart; allowed, it is stored as LONGTEXT holding "
                  "PostgreSQL's text form";
      m.lossy = true;
      break;
  }
  return m;
}

// ---- same engine ----------------------------------------------------------------------------

TypeMapping mysql_same(const Column& c) {
  TypeMapping m;
  // MariaDB reports its JSON as LONGTEXT (with a json_valid CHECK the catalog folds into the
  // type): JSON recreates both.
  m.type = c.type == FERRY_TYPE_JSON ? "json" : c.native_type;
  const bool character = c.type == FERRY_TYPE_CHAR || c.type == FERRY_TYPE_VARCHAR ||
                         c.type == FERRY_TYPE_TEXT || c.type == FERRY_TYPE_ENUM ||
                         c.type == FERRY_TYPE_SET;
  if (character && c.charset && !c.charset->empty() && *c.charset != "binary") {
    m.collate = "CHARACTER SET " + *c.charset;
    if (c.collation && !c.collation->empty()) m.collate += " COLLATE " + *c.collation;
  }
  return m;
}

// format_type()'s spelling without modifiers and array brackets, lower-cased; "" for a
// qualified or quoted (user) name.
std::string pg_base_name(const std::string& native, int* dims) {
  std::string s;
  int depth = 0;
  for (const char ch : native) {
    if (ch == '(') ++depth;
    if (depth == 0) s += ch;
    if (ch == ')') --depth;
  }
  *dims = 0;
  while (s.size() >= 2 && s.compare(s.size() - 2, 2, "[]") == 0) {
    s.resize(s.size() - 2);
    ++*dims;
  }
  std::string out;
  for (const char ch : s) {
    if (ch == ' ' && (out.empty() || out.back() == ' ')) continue;
    out += ch;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return lower(out);
}

bool pg_builtin(const std::string& base) {
  static const std::set<std::string> names = {"smallint",
                                              "integer",
                                              "bigint",
                                              "numeric",
                                              "real",
                                              "double precision",
                                              "boolean",
                                              "character",
                                              "character varying",
                                              "text",
                                              "bytea",
                                              "date",
                                              "time without time zone",
                                              "time with time zone",
                                              "timestamp without time zone",
                                              "timestamp with time zone",
                                              "uuid",
                                              "json",
                                              "jsonb",
                                              "inet",
                                              "cidr",
                                              "macaddr",
                                              "macaddr8",
                                              "bit",
                                              "bit varying",
                                              "money",
                                              "xml",
                                              "point",
                                              "line",
                                              "lseg",
                                              "box",
                                              "path",
                                              "polygon",
                                              "circle",
                                              "tsvector",
                                              "tsquery",
                                              "int4range",
                                              "int8range",
                                              "numrange",
                                              "tsrange",
                                              "tstzrange",
                                              "daterange",
                                              "int4multirange",
                                              "int8multirange",
                                              "nummultirange",
                                              "tsmultirange",
                                              "tstzmultirange",
                                              "datemultirange",
                                              "oid",
                                              "regclass",
                                              "regtype",
                                              "regproc",
                                              "regprocedure",
                                              "regoper",
                                              "regoperator",
                                              "regconfig",
                                              "regdictionary",
                                              "regnamespace",
                                              "regrole",
                                              "regcollation",
                                              "name",
                                              "\"char\"",
                                              "pg_lsn",
                                              "txid_snapshot",
                                              "pg_snapshot",
                                              "jsonpath",
                                              "tid",
                                              "xid",
                                              "xid8",
                                              "cid"};
  return names.count(base) || starts_with(base, "interval");
}

// A PostgreSQL type spelled from the logical type (a domain's base type).
std::string pg_from_logical(const Column& c, ferry_type t) {
  switch (t) {
    case FERRY_TYPE_BOOL:
      return "boolean";
    case FERRY_TYPE_INT8:
    case FERRY_TYPE_INT16:
      return "smallint";
    case FERRY_TYPE_INT24:
    case FERRY_TYPE_INT32:
      return "integer";
    case FERRY_TYPE_INT64:
      return "bigint";
    case FERRY_TYPE_DECIMAL:
      return c.precision > 0 ? "numeric(" + num(c.precision) + "," + num(c.scale) + ")" : "numeric";
    case FERRY_TYPE_FLOAT32:
      return "real";
    case FERRY_TYPE_FLOAT64:
      return "double precision";
    case FERRY_TYPE_CHAR:
      return c.length > 0 ? "character(" + num(c.length) + ")" : "character";
    case FERRY_TYPE_VARCHAR:
      return c.length > 0 ? "character varying(" + num(c.length) + ")" : "character varying";
    case FERRY_TYPE_TEXT:
      return "text";
    case FERRY_TYPE_BINARY:
    case FERRY_TYPE_VARBINARY:
    case FERRY_TYPE_BLOB:
      return "bytea";
    case FERRY_TYPE_DATE:
      return "date";
    case FERRY_TYPE_TIME:
      return "time(" + num(scale_of(c)) + ") without time zone";
    case FERRY_TYPE_TIMETZ:
      return "time(" + num(scale_of(c)) + ") with time zone";
    case FERRY_TYPE_TIMESTAMP:
      return "timestamp(" + num(scale_of(c)) + ") without time zone";
    case FERRY_TYPE_TIMESTAMPTZ:
      return "timestamp(" + num(scale_of(c)) + ") with time zone";
    case FERRY_TYPE_INTERVAL:
      return "interval(" + num(scale_of(c)) + ")";
    case FERRY_TYPE_UUID:
      return "uuid";
    case FERRY_TYPE_JSON:
      return "json";
    case FERRY_TYPE_INET:
      return "inet";
    case FERRY_TYPE_CIDR:
      return "cidr";
    case FERRY_TYPE_MACADDR:
      return "macaddr";
    case FERRY_TYPE_BIT:
      return "bit(" + num(std::max<int64_t>(c.length, 1)) + ")";
    default:
      return "";
  }
}

// "mood", "\"Shop\".\"Mood\"" → the unqualified name ("mood", "Mood").
std::string pg_unqualified(const std::string& spelled) {
  std::string err;
  auto toks = sql::lex(spelled, Dialect::PostgreSQL, &err);
  std::string last;
  for (const auto& t : toks) {
    if (t.kind == sql::Tok::Ident) last = t.value;
    if (t.kind == sql::Tok::Word) last = t.text;
  }
  return last;
}

TypeMapping pg_same(const Column& c) {
  TypeMapping m;
  m.identity_capable =
      c.type == FERRY_TYPE_INT16 || c.type == FERRY_TYPE_INT32 || c.type == FERRY_TYPE_INT64;
  if (c.collation && !c.collation->empty() && *c.collation != "default") {
    m.collate = "COLLATE " + quote_ident(*c.collation, Dialect::PostgreSQL);
  }
  int dims = 0;
  const std::string base = pg_base_name(c.native_type, &dims);
  const bool enum_column = c.type == FERRY_TYPE_ENUM ||
                           (c.type == FERRY_TYPE_ARRAY && c.element_type == FERRY_TYPE_ENUM);
  if (enum_column && !pg_builtin(base)) {
    std::string spelled = c.native_type;
    while (spelled.size() >= 2 && spelled.compare(spelled.size() - 2, 2, "[]") == 0) {
      spelled.resize(spelled.size() - 2);
    }
    m.enum_type = true;
    m.enum_source_name = pg_unqualified(spelled);
    m.labels = c.labels;
    m.array_dims = dims;
    if (c.type == FERRY_TYPE_ARRAY && c.labels.empty()) {
      m.note = "an array of enum type " + spelled +
               ": the type must exist in the destination "
               "schema (a column of the type itself creates it)";
    }
    return m;
  }
  if (pg_builtin(base) || c.type == FERRY_TYPE_OTHER || c.type == FERRY_TYPE_UNKNOWN) {
    m.type = c.native_type;
    if (!pg_builtin(base)) {
      m.note = "type " + c.native_type + " is not built in: it must exist in the destination";
    }
    return m;
  }
  // A domain (reported as its base type): the base type, as the catalog describes it.
  std::string t =
      c.type == FERRY_TYPE_ARRAY ? pg_from_logical(c, c.element_type) : pg_from_logical(c, c.type);
  if (t.empty()) {
    m.type = c.native_type;
    m.note = "type " + c.native_type + " is not built in: it must exist in the destination";
    return m;
  }
  if (c.type == FERRY_TYPE_ARRAY) t += "[]";
  m.type = t;
  m.note = "domain " + c.native_type + " replaced by its base type " + t +
           " (the domain's constraints are not copied)";
  return m;
}

// ---- defaults -------------------------------------------------------------------------------

bool is_time_function(const std::string& w) {
  return w == "current_timestamp" || w == "now" || w == "localtimestamp" || w == "localtime" ||
         w == "sysdate" || w == "statement_timestamp" || w == "transaction_timestamp";
}

// The significant tokens of a default expression.
std::vector<sql::Token> tokens_of(const std::string& text, Dialect d) {
  std::string err;
  auto all = sql::lex(text, d, &err);
  std::vector<sql::Token> out;
  if (!err.empty()) return out;
  for (auto& t : all) {
    if (t.kind != sql::Tok::Space) out.push_back(std::move(t));
  }
  return out;
}

std::string bits_of(uint64_t value, int64_t width) {
  std::string out;
  for (int64_t i = width - 1; i >= 0; --i) out += ((value >> i) & 1u) ? '1' : '0';
  return out;
}

std::optional<uint64_t> parse_bits(const sql::Token& t) {
  try {
    if (t.kind == sql::Tok::String && t.prefix == "B") return std::stoull(t.value, nullptr, 2);
    if (t.kind == sql::Tok::Number && t.prefix == "0b") return std::stoull(t.value, nullptr, 2);
    if (t.kind == sql::Tok::Number && t.prefix == "0x") return std::stoull(t.value, nullptr, 16);
    if (t.kind == sql::Tok::Number && t.prefix.empty()) return std::stoull(t.text);
    if (t.kind == sql::Tok::String && t.prefix.empty()) return std::stoull(t.value);
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

std::string hex_of(std::string_view bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (const unsigned char b : bytes) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

std::string converted_or_note(const Column& c, const NameContext& ctx, DefaultMapping& out) {
  const Converted conv = convert_expression(*c.default_expr, ctx);
  if (!conv.error.empty()) {
    out.note = "default " + *c.default_expr + " was not converted (" + conv.error +
               "): the column has no default";
    return "";
  }
  return "(" + conv.text + ")";
}

DefaultMapping mysql_default_to_pg(const Column& c, const TypeMapping& m, const NameContext& ctx,
                                   const MappingOptions& o) {
  DefaultMapping out;
  const std::string& d = *c.default_expr;
  const auto toks = tokens_of(d, Dialect::MySQL);
  const bool is_bool = m.type == "boolean";
  const bool is_bytea = m.type == "bytea";
  const bool is_bit = starts_with(m.type, "bit(");
  const bool temporal = c.type == FERRY_TYPE_DATE || c.type == FERRY_TYPE_TIMESTAMP ||
                        c.type == FERRY_TYPE_TIMESTAMPTZ;
  // A single literal (a negative number is two tokens).
  const bool negative = toks.size() == 2 && toks[0].kind == sql::Tok::Op && toks[0].value == "-" &&
                        toks[1].kind == sql::Tok::Number;
  if (toks.size() == 1 || negative) {
    const sql::Token& t = toks.back();
    if (is_bit) {
      if (auto v = parse_bits(t)) {
        out.expr = "B'" + bits_of(*v, std::max<int64_t>(c.length, 1)) + "'";
        return out;
      }
    }
    if (is_bool && (t.kind == sql::Tok::Number || t.kind == sql::Tok::String)) {
      const std::string v = t.kind == sql::Tok::String ? t.value : t.text;
      out.expr = (v == "0" || v.empty()) && !negative ? "false" : "true";
      return out;
    }
    if (t.kind == sql::Tok::String) {
      if (temporal && is_zero_date(t.value)) {
        if (o.zero_dates == MappingOptions::ZeroDates::Null) {
          out.drop_not_null = true;
          out.note = "zero-date default " + d +
                     " dropped and the column made nullable (zero_dates = \"null\")";
        } else {
          out.refusal = "its default " + d +
                        " is a zero date, which PostgreSQL cannot hold (set zero_dates = "
                        "\"null\" to drop the default and load zero dates as NULL)";
        }
        return out;
      }
      if (is_bytea || t.prefix == "X" || t.prefix == "_binary") {
        const std::string bytes = t.prefix == "X" ? std::string() : t.value;
        out.expr = t.prefix == "X" ? "'\\x" + lower(t.value) + "'::bytea"
                                   : "'\\x" + hex_of(bytes) + "'::bytea";
        return out;
      }
      std::string v = t.value;
      if (c.type == FERRY_TYPE_TIMESTAMPTZ) v += "+00";  // the catalog session runs in UTC
      out.expr = quote_literal(v, Dialect::PostgreSQL);
      return out;
    }
    if (t.kind == sql::Tok::Number && t.prefix.empty()) {
      out.expr = (negative ? "-" : "") + t.text;
      return out;
    }
  }
  // current_timestamp[(n)], now(), curdate(), ...
  if (!toks.empty() && toks[0].kind == sql::Tok::Word) {
    const std::string w = toks[0].value;
    const bool call_or_bare =
        toks.size() == 1 || (toks.size() >= 3 && toks[1].text == "(" && toks.back().text == ")");
    std::string arg;
    if (toks.size() == 4 && toks[2].kind == sql::Tok::Number) arg = "(" + toks[2].text + ")";
    if (call_or_bare && is_time_function(w)) {
      if (c.type == FERRY_TYPE_DATE) {
        out.expr = "CURRENT_DATE";
      } else if (c.type == FERRY_TYPE_TIMESTAMPTZ) {
        out.expr = "CURRENT_TIMESTAMP" + arg;
      } else {
        out.expr = "LOCALTIMESTAMP" + arg;
      }
      return out;
    }
    if (call_or_bare && (w == "curdate" || w == "current_date")) {
      out.expr = "CURRENT_DATE";
      return out;
    }
    if (call_or_bare && (w == "curtime" || w == "current_time")) {
      out.expr = "LOCALTIME" + arg;
      return out;
    }
    if (call_or_bare && w == "uuid" && c.type != FERRY_TYPE_UUID) {
      out.expr = "(gen_random_uuid())::text";
      return out;
    }
    if (call_or_bare && w == "uuid") {
      out.expr = "gen_random_uuid()";
      return out;
    }
  }
  const std::string e = converted_or_note(c, ctx, out);
  if (!e.empty()) out.expr = e;
  return out;
}

DefaultMapping pg_default_to_mysql(const Column& c, const TypeMapping& m, const NameContext& ctx) {
  DefaultMapping out;
  const std::string& d = *c.default_expr;
  auto toks = tokens_of(d, Dialect::PostgreSQL);
  // Expression defaults of TEXT, BLOB and JSON columns must be parenthesised (MySQL 8).
  const bool paren = m.key_bytes < 0;
  auto literal = [&](const std::string& text) {
    out.expr = paren ? "(" + text + ")" : text;
    return out;
  };
  // 'literal'::type  /  number  /  -number  /  true
  if (toks.size() >= 3 && toks[1].kind == sql::Tok::Op && toks[1].value == "::" &&
      toks[0].kind == sql::Tok::String) {
    std::string type;
    for (size_t i = 2; i < toks.size(); ++i) type += (i > 2 ? " " : "") + toks[i].value;
    const std::string& v = toks[0].value;
    if (type == "bytea") {
      if (starts_with(v, "\\x")) return literal("X'" + v.substr(2) + "'");
    } else if (starts_with(type, "timestamp with time zone")) {
      if (v.size() > 3 && v.compare(v.size() - 3, 3, "+00") == 0) {
        return literal(quote_literal(v.substr(0, v.size() - 3), Dialect::MySQL));
      }
    } else if (starts_with(type, "interval") || starts_with(type, "time with time zone")) {
      // no literal form in MySQL
    } else if (type == "boolean") {
      return literal(v == "true" || v == "t" ? "1" : "0");
    } else if (type == "bit" || starts_with(type, "bit(")) {
      return literal("b'" + v + "'");
    } else {
      return literal(quote_literal(v, Dialect::MySQL));
    }
  }
  if (toks.size() == 1 && toks[0].kind == sql::Tok::Number) return literal(toks[0].text);
  if (toks.size() == 2 && toks[0].kind == sql::Tok::Op && toks[0].value == "-" &&
      toks[1].kind == sql::Tok::Number) {
    return literal("-" + toks[1].text);
  }
  if (toks.size() == 1 && toks[0].kind == sql::Tok::Word &&
      (toks[0].value == "true" || toks[0].value == "false")) {
    return literal(toks[0].value == "true" ? "1" : "0");
  }
  if (toks.size() == 1 && toks[0].kind == sql::Tok::String && toks[0].prefix == "B") {
    return literal("b'" + toks[0].value + "'");
  }
  if (!toks.empty() && toks[0].kind == sql::Tok::Word) {
    const std::string& w = toks[0].value;
    const bool call_or_bare =
        toks.size() == 1 || (toks.size() >= 3 && toks[1].text == "(" && toks.back().text == ")");
    if (call_or_bare && is_time_function(w) && c.type != FERRY_TYPE_DATE) {
      const int n = scale_of(c);
      out.expr = n > 0 ? "CURRENT_TIMESTAMP(" + num(n) + ")" : "CURRENT_TIMESTAMP";
      if (c.type == FERRY_TYPE_TIMESTAMPTZ) {
        out.note = "default " + d +
                   " became CURRENT_TIMESTAMP, which MySQL takes in the session's time zone "
                   "(ferry's sessions run in UTC)";
      }
      return out;
    }
    if (call_or_bare &&
        (w == "current_date" || (is_time_function(w) && c.type == FERRY_TYPE_DATE))) {
      out.expr = "(curdate())";
      return out;
    }
    if (call_or_bare && (w == "gen_random_uuid" || w == "uuid_generate_v4")) {
      out.expr = "(uuid())";
      return out;
    }
  }
  const std::string e = converted_or_note(c, ctx, out);
  if (!e.empty()) out.expr = e;
  return out;
}

// MySQL's DEFAULT takes a literal or current_timestamp bare; any other expression in brackets.
std::string mysql_same_default(const std::string& d) {
  const auto toks = tokens_of(d, Dialect::MySQL);
  const bool literal =
      toks.size() == 1 && (toks[0].kind == sql::Tok::String || toks[0].kind == sql::Tok::Number);
  const bool negative = toks.size() == 2 && toks[0].kind == sql::Tok::Op && toks[0].value == "-" &&
                        toks[1].kind == sql::Tok::Number;
  const bool now = !toks.empty() && toks[0].kind == sql::Tok::Word &&
                   (is_time_function(toks[0].value)) &&
                   (toks.size() == 1 || (toks.size() >= 3 && toks[1].text == "("));
  const bool keyword =
      toks.size() == 1 && toks[0].kind == sql::Tok::Word &&
      (toks[0].value == "null" || toks[0].value == "true" || toks[0].value == "false");
  const bool bracketed = !toks.empty() && toks.front().text == "(" && toks.back().text == ")";
  if (literal || negative || now || keyword || bracketed) return d;
  return "(" + d + ")";
}

}  // namespace

bool MappingOptions::lossy_allowed(const std::string& schema, const std::string& table,
                                   const std::string& column) const {
  const std::string name = schema + "." + table + "." + column;
  return std::any_of(allow_lossy.begin(), allow_lossy.end(),
                     [&](const std::string& g) { return common::glob_match(g, name); });
}

std::vector<FieldDecl> mapping_fields() {
  using namespace ferry::field;
  return {
      boolean("tinyint1_as_boolean",
              "MySQL to PostgreSQL: map tinyint(1) to boolean (values other than 0/1 then fail "
              "the load)")
          .with_default("false"),
      string("enum_as",
             "MySQL to PostgreSQL: ENUM becomes an enum \"type\" or text with a "
             "\"check\"")
          .with_default("type"),
      string("zero_dates",
             "MySQL to PostgreSQL: a zero-date default ('0000-00-00') is "
             "\"refuse\"d, or dropped with the column made nullable (\"null\")")
          .with_default("refuse"),
      string("json_as", "MySQL to PostgreSQL: JSON becomes \"jsonb\" or \"json\" (text as is)")
          .with_default("jsonb"),
      string("mysql_collation", "PostgreSQL to MySQL: collation of the character columns (utf8mb4)")
          .with_default("utf8mb4_bin"),
      string_list("allow_lossy",
                  "columns (db.table.column globs over source names, or \"*\") whose lossy "
                  "type mapping is accepted"),
  };
}

MappingOptions mapping_options_from(const Config& config) {
  MappingOptions o;
  o.tinyint1_as_boolean = config.get_bool("tinyint1_as_boolean", false);
  const std::string enum_as = config.get_string("enum_as", "type");
  if (enum_as == "type") {
    o.enum_as = MappingOptions::EnumAs::Type;
  } else if (enum_as == "check") {
    o.enum_as = MappingOptions::EnumAs::Check;
  } else {
    fail(FERRY_INVALID_ARGUMENT, "enum_as must be \"type\" or \"check\", not \"" + enum_as + "\"");
  }
  const std::string zero = config.get_string("zero_dates", "refuse");
  if (zero == "refuse") {
    o.zero_dates = MappingOptions::ZeroDates::Refuse;
  } else if (zero == "null") {
    o.zero_dates = MappingOptions::ZeroDates::Null;
  } else {
    fail(FERRY_INVALID_ARGUMENT, "zero_dates must be \"refuse\" or \"null\", not \"" + zero + "\"");
  }
  const std::string json = config.get_string("json_as", "jsonb");
  if (json == "jsonb") {
    o.json_as = MappingOptions::JsonAs::Jsonb;
  } else if (json == "json") {
    o.json_as = MappingOptions::JsonAs::Json;
  } else {
    fail(FERRY_INVALID_ARGUMENT, "json_as must be \"jsonb\" or \"json\", not \"" + json + "\"");
  }
  o.mysql_collation = config.get_string("mysql_collation", "utf8mb4_bin");
  for (const char ch : o.mysql_collation) {
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_') {
      fail(FERRY_INVALID_ARGUMENT,
           "mysql_collation is not a collation name: \"" + o.mysql_collation + "\"");
    }
  }
  o.allow_lossy = config.get_list("allow_lossy");
  return o;
}

TypeMapping map_type(const Column& c, Dialect from, Dialect to, const MappingOptions& o) {
  if (from == Dialect::MySQL && to == Dialect::MySQL) {
    TypeMapping m = mysql_same(c);
    m.identity_capable = true;
    return m;
  }
  if (from == Dialect::PostgreSQL && to == Dialect::PostgreSQL) return pg_same(c);
  if (from == Dialect::MySQL) return mysql_to_pg(c, o);
  return pg_to_mysql(c, o);
}

DefaultMapping map_default(const Column& c, const TypeMapping& m, const NameContext& ctx,
                           const MappingOptions& o) {
  DefaultMapping out;
  if (!c.default_expr || c.default_expr->empty()) return out;
  const std::string& d = *c.default_expr;
  // An identity or serial column's sequence: the destination's identity replaces it.
  if (has(c.flags, FERRY_COLUMN_AUTO_INCREMENT) && starts_with(lower(d), "nextval(")) return out;
  if (ctx.from == Dialect::MySQL && ctx.to == Dialect::MySQL) {
    out.expr = mysql_same_default(d);
    return out;
  }
  if (ctx.from == Dialect::PostgreSQL && ctx.to == Dialect::PostgreSQL) {
    if (m.enum_type) {
      // 'sad'::mood — the literal alone: the destination's type may live in another schema.
      const auto toks = tokens_of(d, Dialect::PostgreSQL);
      if (toks.size() >= 3 && toks[0].kind == sql::Tok::String && toks[1].value == "::") {
        out.expr = quote_literal(toks[0].value, Dialect::PostgreSQL);
        return out;
      }
    }
    const Converted conv = convert_expression(d, ctx);
    if (!conv.error.empty()) {
      out.expr = d;
    } else {
      out.expr = conv.text;
    }
    return out;
  }
  if (ctx.from == Dialect::MySQL) return mysql_default_to_pg(c, m, ctx, o);
  return pg_default_to_mysql(c, m, ctx);
}

bool is_zero_date(std::string_view v) {
  if (v.size() < 10 || v[4] != '-' || v[7] != '-') return false;
  return v.substr(5, 2) == "00" || v.substr(8, 2) == "00";
}

}  // namespace ferry::schema
