#include "catalog.hpp"

#include <ferry/sdk/error.hpp>

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <set>
#include <tuple>
#include <utility>

namespace ferry::mysql {

// ---- selection ------------------------------------------------------------------------------

bool is_system_schema(std::string_view s) {
  return s == "mysql" || s == "information_schema" || s == "performance_schema" || s == "sys";
}

bool Selection::matches(std::string_view schema, std::string_view table) const {
  return !is_system_schema(schema) && common::Selection::matches(schema, table);
}

bool Selection::may_match_schema(std::string_view schema) const {
  return !is_system_schema(schema) && common::Selection::may_match_schema(schema);
}

Selection parse_selection(const char* json) {
  return Selection(common::parse_selection(json));
}

// ---- types ----------------------------------------------------------------------------------

std::vector<std::string> parse_labels(std::string_view ct) {
  std::vector<std::string> out;
  const auto open = ct.find('(');
  if (open == std::string_view::npos) return out;
  size_t i = open + 1;
  while (i < ct.size()) {
    while (i < ct.size() && (ct[i] == ',' || ct[i] == ' ')) ++i;
    if (i >= ct.size() || ct[i] != '\'') break;
    ++i;
    std::string label;
    while (i < ct.size()) {
      const char c = ct[i];
      if (c == '\'' && i + 1 < ct.size() && ct[i + 1] == '\'') {
        label += '\'';
        i += 2;
      } else if (c == '\'') {
        ++i;
        break;
      } else if (c == '\\' && i + 1 < ct.size()) {
        label += ct[i + 1];
        i += 2;
      } else {
        label += c;
        ++i;
      }
    }
    out.push_back(std::move(label));
  }
  return out;
}

void normalize_type(const ColumnTypeInfo& in, Column& c) {
  std::string dt = in.data_type;
  std::transform(dt.begin(), dt.end(), dt.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  std::string ct = in.column_type;
  std::transform(ct.begin(), ct.end(), ct.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  c.native_type = in.column_type;
  if (ct.find("unsigned") != std::string::npos) c.flags |= FERRY_COLUMN_UNSIGNED;
  const int64_t chars = in.char_max_length.value_or(-1);
  const int64_t octets = in.char_octet_length.value_or(-1);
  c.charset = in.charset;
  c.collation = in.collation;
  static const std::map<std::string, ferry_type> simple = {
      {"tinyint", FERRY_TYPE_INT8},
      {"smallint", FERRY_TYPE_INT16},
      {"mediumint", FERRY_TYPE_INT24},
      {"int", FERRY_TYPE_INT32},
      {"integer", FERRY_TYPE_INT32},
      {"bigint", FERRY_TYPE_INT64},
      {"float", FERRY_TYPE_FLOAT32},
      {"double", FERRY_TYPE_FLOAT64},
      {"real", FERRY_TYPE_FLOAT64},
      {"date", FERRY_TYPE_DATE},
      {"year", FERRY_TYPE_YEAR},
      {"json", FERRY_TYPE_JSON},
      {"tinyblob", FERRY_TYPE_BLOB},
      {"blob", FERRY_TYPE_BLOB},
      {"mediumblob", FERRY_TYPE_BLOB},
      {"longblob", FERRY_TYPE_BLOB},
      {"inet4", FERRY_TYPE_INET},
      {"inet6", FERRY_TYPE_INET},
      {"uuid", FERRY_TYPE_UUID},
      {"geometry", FERRY_TYPE_GEOMETRY},
      {"point", FERRY_TYPE_GEOMETRY},
      {"linestring", FERRY_TYPE_GEOMETRY},
      {"polygon", FERRY_TYPE_GEOMETRY},
      {"multipoint", FERRY_TYPE_GEOMETRY},
      {"multilinestring", FERRY_TYPE_GEOMETRY},
      {"multipolygon", FERRY_TYPE_GEOMETRY},
      {"geometrycollection", FERRY_TYPE_GEOMETRY},
      {"geomcollection", FERRY_TYPE_GEOMETRY}};
  if (auto it = simple.find(dt); it != simple.end()) {
    c.type = it->second;
    if (c.type == FERRY_TYPE_BLOB) c.length = octets;
    if (c.type == FERRY_TYPE_GEOMETRY || c.type == FERRY_TYPE_BLOB) {
      c.charset.reset();
      c.collation.reset();
    }
    return;
  }
  if (dt == "decimal" || dt == "numeric") {
    c.type = FERRY_TYPE_DECIMAL;
    c.precision = static_cast<int32_t>(in.numeric_precision.value_or(10));
    c.scale = static_cast<int32_t>(in.numeric_scale.value_or(0));
  } else if (dt == "bit") {
    c.type = FERRY_TYPE_BIT;
    c.length = in.numeric_precision.value_or(1);
  } else if (dt == "char") {
    c.type = FERRY_TYPE_CHAR;
    c.length = chars;
  } else if (dt == "varchar") {
    c.type = FERRY_TYPE_VARCHAR;
    c.length = chars;
  } else if (dt == "tinytext" || dt == "text" || dt == "mediumtext" || dt == "longtext") {
    c.type = FERRY_TYPE_TEXT;
    c.length = octets;
  } else if (dt == "binary") {
    c.type = FERRY_TYPE_BINARY;
    c.length = octets;
  } else if (dt == "varbinary") {
    c.type = FERRY_TYPE_VARBINARY;
    c.length = octets;
  } else if (dt == "time") {
    c.type = FERRY_TYPE_TIME;
    c.scale = static_cast<int32_t>(in.datetime_precision.value_or(0));
  } else if (dt == "datetime") {
    c.type = FERRY_TYPE_TIMESTAMP;
    c.scale = static_cast<int32_t>(in.datetime_precision.value_or(0));
  } else if (dt == "timestamp") {
    c.type = FERRY_TYPE_TIMESTAMPTZ;
    c.scale = static_cast<int32_t>(in.datetime_precision.value_or(0));
  } else if (dt == "enum") {
    c.type = FERRY_TYPE_ENUM;
    c.labels = parse_labels(in.column_type);
  } else if (dt == "set") {
    c.type = FERRY_TYPE_SET;
    c.labels = parse_labels(in.column_type);
  } else {
    c.type = FERRY_TYPE_OTHER;
  }
}

// ---- reading information_schema -------------------------------------------------------------

namespace {

std::optional<int64_t> as_int(const std::optional<std::string>& s) {
  if (!s) return std::nullopt;
  try {
    return std::stoll(*s);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string str(const std::optional<std::string>& s) {
  return s.value_or("");
}

// "IN ('a','b')" over the selected schemas.
std::string in_list(const Connection& conn, const std::vector<std::string>& values) {
  std::string out = "(";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    out += conn.quote(values[i]);
  }
  return out + ")";
}

// The server's major version ("8.0.36" → 8); 0 when it does not start with one.
int server_major(const Connection& conn) {
  const std::string& v = conn.server_version();
  int major = 0;
  for (size_t i = 0; i < v.size() && std::isdigit(static_cast<unsigned char>(v[i])); ++i) {
    major = major * 10 + (v[i] - '0');
    if (major > 1000) break;
  }
  return major;
}

struct Key {
  std::string schema, table;
  bool operator<(const Key& o) const {
    return std::tie(schema, table) < std::tie(o.schema, o.table);
  }
};

// Reads every table of `schemas` accepted by `accept`, with columns, indexes, FKs and checks.
std::vector<Table> read_tables(
    Connection& conn, const std::vector<std::string>& schemas,
    const std::function<bool(const std::string&, const std::string&)>& accept,
    const std::string& only_table = {}) {
  std::vector<Table> tables;
  if (schemas.empty()) return tables;
  const std::string in = in_list(conn, schemas);
  const std::string table_filter =
      only_table.empty() ? std::string() : " AND TABLE_NAME = " + conn.quote(only_table);
  std::map<Key, size_t> index;
  std::vector<int64_t> auto_increment;  // per table: the counter, -1 when it has none

  // MySQL 8.0 serves TABLES' statistics, AUTO_INCREMENT among them, from a cache refreshed
  // once a day (information_schema_stats_expiry): this session reads them live. MariaDB (and
  // MySQL before 8.0) always does.
  if (!conn.is_mariadb() && server_major(conn) >= 8) {
    conn.exec("SET SESSION information_schema_stats_expiry = 0");
  }
  // Temporary tables: information_schema.TABLES shows the session's own as TABLE_TYPE
  // 'TEMPORARY'; only base (and system-versioned) tables are listed.
  Rows t = conn.query(
      "SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_COMMENT, TABLE_ROWS, DATA_LENGTH, CREATE_OPTIONS, "
      "AUTO_INCREMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA IN " +
      in + table_filter +
      " AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED') ORDER BY TABLE_SCHEMA, TABLE_NAME");
  for (auto& r : t.rows) {
    if (!accept(str(r[0]), str(r[1]))) continue;
    Table tb;
    tb.schema = str(r[0]);
    tb.name = str(r[1]);
    tb.comment = str(r[2]);
    tb.row_estimate = as_int(r[3]).value_or(-1);
    tb.byte_estimate = as_int(r[4]).value_or(-1);
    if (str(r[5]).find("partitioned") != std::string::npos) tb.flags |= FERRY_TABLE_PARTITIONED;
    index[{tb.schema, tb.name}] = tables.size();
    tables.push_back(std::move(tb));
    auto_increment.push_back(as_int(r[6]).value_or(-1));
  }
  auto find = [&](const std::optional<std::string>& s,
                  const std::optional<std::string>& n) -> Table* {
    auto it = index.find({str(s), str(n)});
    return it == index.end() ? nullptr : &tables[it->second];
  };

  Rows cols = conn.query(
      "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, COLUMN_DEFAULT, IS_NULLABLE, DATA_TYPE, "
      "COLUMN_TYPE, CHARACTER_MAXIMUM_LENGTH, CHARACTER_OCTET_LENGTH, NUMERIC_PRECISION, "
      "NUMERIC_SCALE, DATETIME_PRECISION, CHARACTER_SET_NAME, COLLATION_NAME, EXTRA, "
      "COLUMN_COMMENT, GENERATION_EXPRESSION "
      "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA IN " +
      in + table_filter + " ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION");
  for (auto& r : cols.rows) {
    Table* tb = find(r[0], r[1]);
    if (!tb) continue;
    Column c;
    c.name = str(r[2]);
    c.flags = str(r[4]) == "YES" ? uint32_t{FERRY_COLUMN_NULLABLE} : 0u;
    ColumnTypeInfo ti{str(r[5]),     str(r[6]),     as_int(r[7]), as_int(r[8]), as_int(r[9]),
                      as_int(r[10]), as_int(r[11]), r[12],        r[13]};
    normalize_type(ti, c);
    const std::string extra = str(r[14]);
    std::string extra_lc = extra;
    std::transform(extra_lc.begin(), extra_lc.end(), extra_lc.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    if (extra_lc.find("auto_increment") != std::string::npos) {
      // A table has at most one; its next value is the table's counter.
      c.flags |= FERRY_COLUMN_AUTO_INCREMENT;
      c.identity_next = auto_increment[static_cast<size_t>(tb - tables.data())];
    }
    // MariaDB: "on update current_timestamp(3)"; MySQL 8: "DEFAULT_GENERATED on update
    // CURRENT_TIMESTAMP(3)". The precision is the column's own (the server insists on it).
    if (extra_lc.find("on update current_timestamp") != std::string::npos) {
      c.flags |= FERRY_COLUMN_ON_UPDATE_NOW;
    }
    const std::string gen = str(r[16]);
    if (!gen.empty()) {
      c.generated_expr = gen;
      c.flags |= extra_lc.find("virtual") != std::string::npos ? FERRY_COLUMN_GENERATED_VIRTUAL
                                                               : FERRY_COLUMN_GENERATED_STORED;
    } else if (r[3]) {
      // MariaDB ≥ 10.2.7 reports an expression ('abc', NULL, current_timestamp()); MySQL the
      // bare literal, with DEFAULT_GENERATED in EXTRA for an expression.
      std::string d = *r[3];
      if (!conn.is_mariadb() && extra_lc.find("default_generated") == std::string::npos) {
        const bool numeric = c.type >= FERRY_TYPE_INT8 && c.type <= FERRY_TYPE_FLOAT64;
        if (!numeric || d.empty()) d = conn.quote(d);
      }
      if (d != "NULL") c.default_expr = d;
    }
    if (r[15] && !r[15]->empty()) c.comment = *r[15];
    tb->columns.push_back(std::move(c));
  }

  Rows ix = conn.query(
      "SELECT TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME, SUB_PART, "
      "INDEX_TYPE FROM information_schema.STATISTICS WHERE TABLE_SCHEMA IN " +
      in + table_filter + " ORDER BY TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX");
  std::map<std::pair<Table*, std::string>, size_t> index_pos;
  std::map<std::pair<Table*, std::string>, std::vector<std::string>> index_parts;
  for (auto& r : ix.rows) {
    Table* tb = find(r[0], r[1]);
    if (!tb) continue;
    const std::string name = str(r[2]);
    auto key = std::make_pair(tb, name);
    auto it = index_pos.find(key);
    if (it == index_pos.end()) {
      Index x;
      x.name = name;
      const std::string type = str(r[6]);
      if (name == "PRIMARY") {
        x.kind = FERRY_INDEX_PRIMARY;
      } else if (type == "FULLTEXT") {
        x.kind = FERRY_INDEX_FULLTEXT;
      } else if (type == "SPATIAL") {
        x.kind = FERRY_INDEX_SPATIAL;
      } else if (str(r[3]) == "0") {
        x.kind = FERRY_INDEX_UNIQUE;
      } else {
        x.kind = FERRY_INDEX_PLAIN;
      }
      it = index_pos.emplace(key, tb->indexes.size()).first;
      tb->indexes.push_back(std::move(x));
    }
    const std::string col = str(r[4]);
    tb->indexes[it->second].columns.push_back(col);
    std::string part = quote_ident(col);
    if (r[5]) part += "(" + *r[5] + ")";
    index_parts[key].push_back(part);
  }
  for (auto& [key, parts] : index_parts) {
    Index& x = key.first->indexes[index_pos[key]];
    std::string def;
    switch (x.kind) {
      case FERRY_INDEX_PRIMARY:
        def = "PRIMARY KEY";
        break;
      case FERRY_INDEX_UNIQUE:
        def = "UNIQUE KEY " + quote_ident(x.name);
        break;
      case FERRY_INDEX_FULLTEXT:
        def = "FULLTEXT KEY " + quote_ident(x.name);
        break;
      case FERRY_INDEX_SPATIAL:
        def = "SPATIAL KEY " + quote_ident(x.name);
        break;
      default:
        def = "KEY " + quote_ident(x.name);
    }
    def += " (";
    for (size_t i = 0; i < parts.size(); ++i) def += (i ? "," : "") + parts[i];
    x.definition = def + ")";
  }
  for (auto& tb : tables) {
    // Primary key first, then the rest by name (information_schema order is by name).
    std::stable_sort(tb.indexes.begin(), tb.indexes.end(), [](const Index& a, const Index& b) {
      return (a.kind == FERRY_INDEX_PRIMARY) > (b.kind == FERRY_INDEX_PRIMARY);
    });
    bool has_pk = false;
    for (const auto& x : tb.indexes) {
      if (x.kind != FERRY_INDEX_PRIMARY) continue;
      has_pk = true;
      for (auto& c : tb.columns) {
        if (std::find(x.columns.begin(), x.columns.end(), c.name) != x.columns.end()) {
          c.flags |= FERRY_COLUMN_IN_PRIMARY_KEY;
        }
      }
    }
    if (!has_pk) tb.flags |= FERRY_TABLE_NO_PRIMARY_KEY;
  }

  Rows fk = conn.query(
      "SELECT k.TABLE_SCHEMA, k.TABLE_NAME, k.CONSTRAINT_NAME, k.COLUMN_NAME, "
      "k.REFERENCED_TABLE_SCHEMA, k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME, "
      "r.UPDATE_RULE, r.DELETE_RULE "
      "FROM information_schema.KEY_COLUMN_USAGE k JOIN "
      "information_schema.REFERENTIAL_CONSTRAINTS r ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA "
      "AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND r.TABLE_NAME = k.TABLE_NAME "
      "WHERE k.TABLE_SCHEMA IN " +
      in + (only_table.empty() ? "" : " AND k.TABLE_NAME = " + conn.quote(only_table)) +
      " AND k.REFERENCED_TABLE_NAME IS NOT NULL "
      "ORDER BY k.TABLE_SCHEMA, k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION");
  for (auto& r : fk.rows) {
    Table* tb = find(r[0], r[1]);
    if (!tb) continue;
    const std::string name = str(r[2]);
    if (tb->foreign_keys.empty() || tb->foreign_keys.back().name != name) {
      ForeignKey f;
      f.name = name;
      f.ref_schema = str(r[4]);
      f.ref_table = str(r[5]);
      f.on_update = str(r[7]);
      f.on_delete = str(r[8]);
      tb->foreign_keys.push_back(std::move(f));
    }
    tb->foreign_keys.back().columns.push_back(str(r[3]));
    tb->foreign_keys.back().ref_columns.push_back(str(r[6]));
  }

  // CHECK constraints (MariaDB ≥ 10.2, MySQL ≥ 8.0.16). MariaDB implements its JSON type as
  // LONGTEXT with CHECK (json_valid(`col`)) named after the column: that column is reported as
  // JSON and the check is part of its type, not a constraint to carry over.
  Rows ck;
  try {
    ck = conn.query(
        conn.is_mariadb()
            ? "SELECT CONSTRAINT_SCHEMA, TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE FROM "
              "information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA IN " +
                  in + (only_table.empty() ? "" : " AND TABLE_NAME = " + conn.quote(only_table)) +
                  " ORDER BY CONSTRAINT_SCHEMA, TABLE_NAME, CONSTRAINT_NAME"
            : "SELECT t.CONSTRAINT_SCHEMA, t.TABLE_NAME, c.CONSTRAINT_NAME, c.CHECK_CLAUSE FROM "
              "information_schema.TABLE_CONSTRAINTS t JOIN information_schema.CHECK_CONSTRAINTS "
              "c ON c.CONSTRAINT_SCHEMA = t.CONSTRAINT_SCHEMA AND c.CONSTRAINT_NAME = "
              "t.CONSTRAINT_NAME WHERE t.CONSTRAINT_TYPE = 'CHECK' AND t.CONSTRAINT_SCHEMA IN " +
                  in + (only_table.empty() ? "" : " AND t.TABLE_NAME = " + conn.quote(only_table)) +
                  " ORDER BY 1, 2, 3");
  } catch (const Error&) {
    // Servers before CHECK constraints (MySQL 5.7) have no such view: no checks to report.
  }
  for (auto& r : ck.rows) {
    Table* tb = find(r[0], r[1]);
    if (!tb) continue;
    const std::string name = str(r[2]), clause = str(r[3]);
    auto col = std::find_if(tb->columns.begin(), tb->columns.end(),
                            [&](const Column& c) { return c.name == name; });
    if (col != tb->columns.end() && clause == "json_valid(" + quote_ident(name) + ")") {
      if (col->type == FERRY_TYPE_TEXT) col->type = FERRY_TYPE_JSON;
      continue;
    }
    tb->checks.push_back(Check{name, clause});
  }
  return tables;
}

}  // namespace

Catalog read_catalog(Connection& conn, const Selection& selection) {
  Catalog cat;
  Rows s = conn.query("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA ORDER BY SCHEMA_NAME");
  for (auto& r : s.rows) {
    if (r[0] && selection.may_match_schema(*r[0])) cat.schemas.push_back(*r[0]);
  }
  cat.tables = read_tables(conn, cat.schemas, [&](const std::string& sc, const std::string& tb) {
    return selection.matches(sc, tb);
  });
  if (!cat.schemas.empty()) {
    Rows v = conn.query(
        "SELECT TABLE_SCHEMA, TABLE_NAME, VIEW_DEFINITION FROM information_schema.VIEWS WHERE "
        "TABLE_SCHEMA IN " +
        in_list(conn, cat.schemas) + " ORDER BY TABLE_SCHEMA, TABLE_NAME");
    for (auto& r : v.rows) {
      if (!selection.matches(str(r[0]), str(r[1]))) continue;
      cat.views.push_back(View{str(r[0]), str(r[1]), str(r[2]), ""});
    }
  }
  // Keep only schemas that hold something selected, or that a rule names as a whole database.
  std::set<std::string> used;
  for (const auto& t : cat.tables) used.insert(t.schema);
  for (const auto& v : cat.views) used.insert(v.schema);
  std::erase_if(cat.schemas, [&](const std::string& sc) {
    return !used.count(sc) && !selection.include.empty() && !selection.includes_whole_schema(sc);
  });
  return cat;
}

std::optional<Table> read_table(Connection& conn, const std::string& schema,
                                const std::string& table) {
  auto tables = read_tables(
      conn, {schema}, [&](const std::string&, const std::string& t) { return t == table; }, table);
  if (tables.empty()) return std::nullopt;
  return std::move(tables.front());
}

std::vector<std::string> chunk_key(const Table& t) {
  for (const auto& x : t.indexes) {
    if (x.kind == FERRY_INDEX_PRIMARY) return x.columns;
  }
  for (const auto& x : t.indexes) {
    if (x.kind != FERRY_INDEX_UNIQUE) continue;
    const bool all_not_null = std::all_of(x.columns.begin(), x.columns.end(), [&](auto& name) {
      auto c = std::find_if(t.columns.begin(), t.columns.end(),
                            [&](const Column& col) { return col.name == name; });
      return c != t.columns.end() && !(c->flags & FERRY_COLUMN_NULLABLE);
    });
    // A prefix index (SUB_PART) is not a key on the whole value.
    const bool prefix = x.definition.find(")(") != std::string::npos ||
                        x.definition.find("`(") != std::string::npos;
    if (all_not_null && !prefix) return x.columns;
  }
  return {};
}

}  // namespace ferry::mysql
