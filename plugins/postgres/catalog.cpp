#include "catalog.hpp"

#include <ferry/sdk/error.hpp>

#include <algorithm>
#include <functional>
#include <map>
#include <set>

namespace ferry::pg {

bool is_system_schema(std::string_view s) {
  return s == "pg_catalog" || s == "information_schema" || s == "pg_toast" ||
         s.rfind("pg_temp_", 0) == 0 || s.rfind("pg_toast_temp_", 0) == 0;
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

TypeCatalog read_types(Connection& conn) {
  TypeCatalog types;
  // Every type that is not a plain base type of pg_catalog: enums, domains, composites,
  // ranges, arrays (of anything) — what decoder_for() needs to resolve a column's form.
  Rows r = conn.query(
      "SELECT t.oid, t.typtype, t.typbasetype, t.typtypmod, "
      "CASE WHEN t.typcategory = 'A' THEN t.typelem ELSE 0 END, e.typdelim "
      "FROM pg_type t LEFT JOIN pg_type e ON e.oid = t.typelem "
      "WHERE t.typtype <> 'p' AND (t.typtype <> 'b' OR t.typcategory = 'A')");
  for (auto& row : r.rows) {
    CatalogType t;
    t.oid = static_cast<uint32_t>(std::stoul(row[0].value_or("0")));
    t.kind = row[1].value_or("b")[0];
    t.base_oid = static_cast<uint32_t>(std::stoul(row[2].value_or("0")));
    t.base_typmod = std::stoi(row[3].value_or("-1"));
    t.element_oid = static_cast<uint32_t>(std::stoul(row[4].value_or("0")));
    t.delimiter = row[5] && !row[5]->empty() ? (*row[5])[0] : ',';
    types.add(t);
  }
  return types;
}

namespace {

std::string str(const std::optional<std::string>& s) {
  return s.value_or("");
}

// The type facts of a column: length, precision and scale from its (base) type and typmod.
void describe_type(Column& c, uint32_t oid, int32_t typmod, const Decoder& d) {
  c.type = d.type;
  if (c.type == FERRY_TYPE_ARRAY) c.element_type = d.element_type;
  switch (oid) {
    case oid::kNumeric:
      if (typmod >= 4) {
        c.precision = ((typmod - 4) >> 16) & 0xffff;
        c.scale = (typmod - 4) & 0x7ff;  // 11 bits, signed: numeric(p, -s) since PostgreSQL 15
        if (c.scale & 0x400) c.scale -= 0x800;
      } else {
        c.precision = 0;  // unconstrained
      }
      break;
    case oid::kBpchar:
    case oid::kVarchar:
      c.length = typmod >= 4 ? typmod - 4 : -1;
      break;
    case oid::kText:
      c.length = 0;
      break;
    case oid::kBit:
    case oid::kVarbit:
      c.length = typmod >= 0 ? typmod : -1;
      break;
    case oid::kTime:
    case oid::kTimetz:
    case oid::kTimestamp:
    case oid::kTimestamptz:
    case oid::kInterval:
      // typmod: the fractional digits (interval: in the low 16 bits); -1 = 6.
      c.scale = typmod >= 0 ? std::min(typmod & 0xffff, 6) : 6;
      break;
    default:
      break;
  }
}

const char* fk_action(const std::string& code) {
  switch (code.empty() ? 'a' : code[0]) {
    case 'r':
      return "RESTRICT";
    case 'c':
      return "CASCADE";
    case 'n':
      return "SET NULL";
    case 'd':
      return "SET DEFAULT";
    default:
      return "NO ACTION";
  }
}

// {a,b} from a text[] rendered by PostgreSQL (names are quoted when needed).
std::vector<std::string> text_array(const std::string& s) {
  std::vector<std::string> out;
  if (s.size() < 2) return out;
  std::string cur;
  bool quoted = false, any = false;
  for (size_t i = 1; i + 1 < s.size(); ++i) {
    const char ch = s[i];
    if (quoted) {
      if (ch == '\\' && i + 2 < s.size()) {
        cur += s[++i];
      } else if (ch == '"') {
        quoted = false;
      } else {
        cur += ch;
      }
    } else if (ch == '"') {
      quoted = true;
      any = true;
    } else if (ch == ',') {
      out.push_back(cur);
      cur.clear();
      any = false;
    } else {
      cur += ch;
      any = true;
    }
  }
  if (any || !cur.empty()) out.push_back(cur);
  return out;
}

std::vector<PgTable> read_tables(
    Connection& conn, const std::vector<std::string>& schemas,
    const std::function<bool(const std::string&, const std::string&)>& accept,
    const TypeCatalog& types) {
  std::vector<PgTable> out;
  if (schemas.empty()) return out;
  std::string arr = "ARRAY[";
  for (size_t i = 0; i < schemas.size(); ++i) arr += (i ? "," : "") + conn.literal(schemas[i]);
  arr += "]::text[]";

  // Base and partitioned tables; partitions are read through their parent, temporary tables
  // never appear (their schemas are pg_temp_*), unlogged ones are flagged.
  Rows t = conn.query(
      "SELECT c.oid, n.nspname, c.relname, c.relkind, c.relpersistence, " + row_estimate_sql("c") +
      ", CASE WHEN c.relkind = 'p' THEN (SELECT sum(pg_relation_size(relid)) FROM "
      "pg_partition_tree(c.oid)) ELSE pg_relation_size(c.oid) END, "
      "obj_description(c.oid, 'pg_class'), c.relreplident, "
      "CASE WHEN c.relkind = 'p' THEN (SELECT max(p.relpages) FROM pg_inherits i JOIN pg_class "
      "p ON p.oid = i.inhrelid WHERE i.inhparent = c.oid) ELSE c.relpages END "
      "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
      "WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relpersistence <> 't' AND "
      "n.nspname = ANY(" +
      arr + ") ORDER BY n.nspname, c.relname");
  std::map<uint32_t, size_t> by_oid;
  for (auto& r : t.rows) {
    if (!accept(str(r[1]), str(r[2]))) continue;
    PgTable pt;
    pt.oid = static_cast<uint32_t>(std::stoul(str(r[0])));
    pt.table.schema = str(r[1]);
    pt.table.name = str(r[2]);
    pt.relkind = str(r[3])[0];
    if (pt.relkind == 'p') pt.table.flags |= FERRY_TABLE_PARTITIONED;
    if (str(r[4]) == "u") pt.table.flags |= FERRY_TABLE_UNLOGGED;
    pt.table.row_estimate = r[5] ? std::max<int64_t>(-1, std::stoll(*r[5])) : -1;
    pt.table.byte_estimate = r[6] ? std::stoll(*r[6]) : -1;
    pt.table.comment = str(r[7]);
    pt.replica_identity = r[8] && !r[8]->empty() ? (*r[8])[0] : 'd';
    pt.pages = r[9] ? std::stoll(*r[9]) : 0;
    by_oid[pt.oid] = out.size();
    out.push_back(std::move(pt));
  }
  if (out.empty()) return out;
  std::string oids = "ARRAY[";
  bool first = true;
  for (auto& [o, i] : by_oid) {
    (void)i;
    oids += (first ? "" : ",") + std::to_string(o);
    first = false;
  }
  oids += "]::oid[]";
  auto find = [&](const std::optional<std::string>& o) -> PgTable* {
    auto it = by_oid.find(static_cast<uint32_t>(std::stoul(str(o))));
    return it == by_oid.end() ? nullptr : &out[it->second];
  };

  Rows cols = conn.query(
      "SELECT a.attrelid, a.attname, a.atttypid, a.atttypmod, a.attnotnull, "
      "format_type(a.atttypid, a.atttypmod), pg_get_expr(d.adbin, d.adrelid), a.attidentity, "
      "a.attgenerated, col_description(a.attrelid, a.attnum), co.collname, "
      "CASE WHEN t.typtype = 'e' THEN (SELECT array_agg(e.enumlabel ORDER BY e.enumsortorder) "
      "FROM pg_enum e WHERE e.enumtypid = t.oid)::text END, "
      "CASE WHEN t.typtype = 'd' THEN t.typbasetype END, "
      "CASE WHEN t.typtype = 'd' THEN t.typtypmod END, "
      // The sequence behind the column: an identity column's own (pg_depend 'i', as
      // pg_get_serial_sequence finds it), else the one its default calls nextval() on (serial,
      // bigserial, or a sequence of its own), in pg_get_serial_sequence's quoted form.
      "sq.seq, quote_ident(sn.nspname) || '.' || quote_ident(sc.relname), "
      // Reading its state needs SELECT on it and USAGE on its schema (a standby cannot read an
      // unlogged one); USAGE on the sequence alone shows last_value only once nextval() has
      // been called (pg_sequence_last_value).
      "has_sequence_privilege(sq.seq, 'SELECT') AND has_schema_privilege(sn.oid, 'USAGE') AND "
      "NOT (sc.relpersistence = 'u' AND pg_is_in_recovery()), "
      "ps.seqincrement, ps.seqmin, ps.seqmax, ps.seqcycle, "
      "CASE WHEN NOT (has_sequence_privilege(sq.seq, 'SELECT') AND "
      "has_schema_privilege(sn.oid, 'USAGE')) AND "
      "has_sequence_privilege(sq.seq, 'USAGE') AND NOT (sc.relpersistence = 'u' AND "
      "pg_is_in_recovery()) THEN pg_sequence_last_value(sq.seq) END "
      "FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
      "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
      "LEFT JOIN pg_collation co ON co.oid = a.attcollation AND a.attcollation <> 0 "
      "LEFT JOIN LATERAL (SELECT dep.objid AS seq FROM pg_depend dep WHERE a.attidentity <> '' "
      "AND dep.classid = 'pg_class'::regclass AND dep.refclassid = 'pg_class'::regclass AND "
      "dep.refobjid = a.attrelid AND dep.refobjsubid = a.attnum AND dep.deptype = 'i' "
      "UNION ALL SELECT dep.refobjid FROM pg_depend dep JOIN pg_class s ON s.oid = dep.refobjid "
      "AND s.relkind = 'S' WHERE a.attidentity = '' AND a.attgenerated = '' AND "
      "dep.classid = 'pg_attrdef'::regclass AND dep.objid = d.oid AND "
      "dep.refclassid = 'pg_class'::regclass LIMIT 1) sq ON true "
      "LEFT JOIN pg_class sc ON sc.oid = sq.seq "
      "LEFT JOIN pg_namespace sn ON sn.oid = sc.relnamespace "
      "LEFT JOIN pg_sequence ps ON ps.seqrelid = sq.seq "
      "WHERE a.attrelid = ANY(" +
      oids + ") AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attrelid, a.attnum");
  // Identity columns whose sequence state is read below (with SELECT on the sequence).
  struct Pending {
    PgTable* table;
    size_t column;
    std::string sequence;  // quoted, qualified
    int64_t increment, min_value, max_value;
    bool cycle;
  };
  std::vector<Pending> pending;
  for (auto& r : cols.rows) {
    PgTable* pt = find(r[0]);
    if (!pt) continue;
    Column c;
    c.name = str(r[1]);
    const auto oid = static_cast<uint32_t>(std::stoul(str(r[2])));
    const int32_t typmod = std::stoi(r[3].value_or("-1"));
    c.flags = str(r[4]) == "t" ? 0u : static_cast<uint32_t>(FERRY_COLUMN_NULLABLE);
    c.native_type = str(r[5]);
    const Decoder d = decoder_for(oid, typmod, &types);
    // A domain: lengths and precision come from its base type and typmod.
    const uint32_t base = r[12] ? static_cast<uint32_t>(std::stoul(*r[12])) : oid;
    const int32_t base_mod = r[13] ? std::stoi(*r[13]) : typmod;
    describe_type(c, base, base_mod, d);
    const std::string def = str(r[6]);
    const std::string identity = str(r[7]);
    const std::string generated = str(r[8]);
    if (!identity.empty()) c.flags |= FERRY_COLUMN_AUTO_INCREMENT;
    if (identity == "a") c.flags |= FERRY_COLUMN_IDENTITY_ALWAYS;
    if (generated == "s") {
      c.flags |= FERRY_COLUMN_GENERATED_STORED;
      c.generated_expr = def;
    } else if (!def.empty()) {
      c.default_expr = def;
      if (def.rfind("nextval(", 0) == 0) c.flags |= FERRY_COLUMN_AUTO_INCREMENT;  // serial
    }
    if (r[9]) c.comment = *r[9];
    if (r[10]) {
      c.collation = *r[10];
      c.charset = "UTF8";
    }
    if (r[11]) c.labels = text_array(*r[11]);
    if ((c.flags & FERRY_COLUMN_AUTO_INCREMENT) && r[14] && r[15] && r[17]) {
      c.identity_sequence = *r[15];
      const int64_t increment = std::stoll(*r[17]), min_value = std::stoll(str(r[18])),
                    max_value = std::stoll(str(r[19]));
      const bool cycle = str(r[20]) == "t";
      if (str(r[16]) == "t") {
        pending.push_back(
            Pending{pt, pt->table.columns.size(), *r[15], increment, min_value, max_value, cycle});
      } else if (r[21]) {
        // USAGE only: pg_sequence_last_value is NULL until the first nextval(), and then
        // is_called is true; before that the next value is not visible (RESTART WITH and
        // setval(..., false) move it away from the start value).
        c.identity_next =
            sequence_next(std::stoll(*r[21]), true, increment, min_value, max_value, cycle);
      }
    }
    pt->table.columns.push_back(std::move(c));
    pt->type_oids.push_back(oid);
    pt->typmods.push_back(typmod);
    pt->decoders.push_back(d);
  }

  // The sequences' state, read from the sequences themselves: last_value and is_called
  // (pg_sequences shows no last_value until the first nextval(), whatever RESTART WITH or
  // setval(..., false) set it to).
  std::map<std::string, std::pair<int64_t, bool>> state;  // sequence → last_value, is_called
  {
    std::set<std::string> wanted;
    for (const auto& p : pending) wanted.insert(p.sequence);
    constexpr size_t kPerQuery = 100;
    for (auto it = wanted.begin(); it != wanted.end();) {
      std::string sql;
      for (size_t n = 0; it != wanted.end() && n < kPerQuery; ++it, ++n) {
        sql += (n ? " UNION ALL " : "") + std::string("SELECT ") + conn.literal(*it) +
               ", last_value, is_called FROM " + *it;
      }
      for (auto& row : conn.query(sql).rows) {
        state[str(row[0])] = {std::stoll(str(row[1])), str(row[2]) == "t"};
      }
    }
  }
  for (const auto& p : pending) {
    auto st = state.find(p.sequence);
    if (st == state.end()) continue;
    p.table->table.columns[p.column].identity_next = sequence_next(
        st->second.first, st->second.second, p.increment, p.min_value, p.max_value, p.cycle);
  }

  // Indexes: key columns by name (expressions by their text), the definition for same-engine.
  Rows ix = conn.query(
      "SELECT i.indrelid, ic.relname, i.indisprimary, i.indisunique, "
      "pg_get_indexdef(i.indexrelid), "
      "am.amname, i.indpred IS NOT NULL, i.indexprs IS NOT NULL, "
      "(SELECT array_agg(pg_get_indexdef(i.indexrelid, k, true) ORDER BY k) FROM "
      "generate_series(1, i.indnkeyatts) k)::text "
      "FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = "
      "ic.relam WHERE i.indrelid = ANY(" +
      oids + ") ORDER BY i.indrelid, NOT i.indisprimary, ic.relname");
  for (auto& r : ix.rows) {
    PgTable* pt = find(r[0]);
    if (!pt) continue;
    Index x;
    x.name = str(r[1]);
    const bool primary = str(r[2]) == "t", unique = str(r[3]) == "t";
    x.kind = primary  ? FERRY_INDEX_PRIMARY
             : unique ? FERRY_INDEX_UNIQUE
                      : (str(r[5]) == "gist" || str(r[5]) == "spgist" ? FERRY_INDEX_SPATIAL
                         : str(r[5]) == "gin"                         ? FERRY_INDEX_OTHER
                                                                      : FERRY_INDEX_PLAIN);
    x.definition = str(r[4]);
    for (auto& col : text_array(str(r[8]))) {
      // pg_get_indexdef quotes identifiers that need it; keep plain names plain.
      if (col.size() >= 2 && col.front() == '"' && col.back() == '"') {
        std::string unq;
        for (size_t i = 1; i + 1 < col.size(); ++i) {
          if (col[i] == '"' && col[i + 1] == '"') ++i;
          unq += col[i];
        }
        col = unq;
      }
      x.columns.push_back(col);
    }
    if (primary) {
      for (auto& c : pt->table.columns) {
        if (std::find(x.columns.begin(), x.columns.end(), c.name) != x.columns.end()) {
          c.flags |= FERRY_COLUMN_IN_PRIMARY_KEY;
        }
      }
    }
    // A partial or expression index is not a key on the plain columns.
    if (unique && !primary && (str(r[6]) == "t" || str(r[7]) == "t")) x.kind = FERRY_INDEX_OTHER;
    pt->table.indexes.push_back(std::move(x));
  }

  Rows cons = conn.query(
      "SELECT c.conrelid, c.conname, c.contype, pg_get_constraintdef(c.oid, true), "
      "(SELECT array_agg(a.attname ORDER BY k.n) FROM unnest(c.conkey) WITH ORDINALITY k(num, n) "
      "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.num)::text, "
      "fn.nspname, fc.relname, "
      "(SELECT array_agg(a.attname ORDER BY k.n) FROM unnest(c.confkey) WITH ORDINALITY k(num, "
      "n) JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.num)::text, "
      "c.confupdtype, c.confdeltype, c.condeferrable, c.condeferred, c.confmatchtype "
      "FROM pg_constraint c LEFT JOIN pg_class fc ON fc.oid = c.confrelid "
      "LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace "
      "WHERE c.conrelid = ANY(" +
      oids + ") AND c.contype IN ('f', 'c') ORDER BY c.conrelid, c.conname");
  for (auto& r : cons.rows) {
    PgTable* pt = find(r[0]);
    if (!pt) continue;
    if (str(r[2]) == "c") {
      std::string def = str(r[3]);  // "CHECK (price >= 0::numeric)"
      if (def.rfind("CHECK ", 0) == 0) def = def.substr(6);
      // A constraint added NOT VALID says so after its expression; it is not part of it.
      if (def.size() > 10 && def.compare(def.size() - 10, 10, " NOT VALID") == 0) {
        def.resize(def.size() - 10);
      }
      pt->table.checks.push_back(Check{str(r[1]), def});
      continue;
    }
    ForeignKey f;
    f.name = str(r[1]);
    f.columns = text_array(str(r[4]));
    f.ref_schema = str(r[5]);
    f.ref_table = str(r[6]);
    f.ref_columns = text_array(str(r[7]));
    f.on_update = fk_action(str(r[8]));
    f.on_delete = fk_action(str(r[9]));
    if (str(r[10]) == "t") f.flags |= FERRY_FK_DEFERRABLE;
    if (str(r[11]) == "t") f.flags |= FERRY_FK_INITIALLY_DEFERRED;
    if (str(r[12]) == "f") f.flags |= FERRY_FK_MATCH_FULL;
    pt->table.foreign_keys.push_back(std::move(f));
  }
  for (auto& pt : out) {
    const bool has_pk = std::any_of(pt.table.indexes.begin(), pt.table.indexes.end(),
                                    [](const Index& x) { return x.kind == FERRY_INDEX_PRIMARY; });
    if (!has_pk) pt.table.flags |= FERRY_TABLE_NO_PRIMARY_KEY;
  }
  return out;
}

}  // namespace

PgCatalog read_catalog(Connection& conn, const Selection& selection, const TypeCatalog& types) {
  PgCatalog cat;
  Rows s = conn.query("SELECT nspname FROM pg_namespace ORDER BY nspname");
  for (auto& r : s.rows) {
    if (r[0] && selection.may_match_schema(*r[0])) cat.catalog.schemas.push_back(*r[0]);
  }
  cat.tables = read_tables(
      conn, cat.catalog.schemas,
      [&](const std::string& sc, const std::string& tb) { return selection.matches(sc, tb); },
      types);
  for (const auto& t : cat.tables) cat.catalog.tables.push_back(t.table);
  if (!cat.catalog.schemas.empty()) {
    std::string arr = "ARRAY[";
    for (size_t i = 0; i < cat.catalog.schemas.size(); ++i) {
      arr += (i ? "," : "") + conn.literal(cat.catalog.schemas[i]);
    }
    arr += "]::text[]";
    Rows v = conn.query(
        "SELECT n.nspname, c.relname, pg_get_viewdef(c.oid, true), obj_description(c.oid, "
        "'pg_class') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE "
        "c.relkind = 'v' AND n.nspname = ANY(" +
        arr + ") ORDER BY 1, 2");
    for (auto& r : v.rows) {
      if (!selection.matches(str(r[0]), str(r[1]))) continue;
      cat.catalog.views.push_back(View{str(r[0]), str(r[1]), str(r[2]), str(r[3])});
    }
  }
  std::set<std::string> used;
  for (const auto& t : cat.catalog.tables) used.insert(t.schema);
  for (const auto& v : cat.catalog.views) used.insert(v.schema);
  std::erase_if(cat.catalog.schemas, [&](const std::string& sc) {
    return !used.count(sc) && !selection.include.empty() && !selection.includes_whole_schema(sc);
  });
  return cat;
}

std::string row_estimate_sql(const std::string& c) {
  // A relation with storage: rows per page (from its last VACUUM / ANALYZE, or, never analyzed,
  // from the width of its columns) times its pages now — as the planner estimates.
  auto one = [](const std::string& r) {
    return "CASE WHEN " + r + ".relpages > 0 AND " + r + ".reltuples >= 0 THEN " + r +
           ".reltuples / " + r +
           ".relpages ELSE (current_setting('block_size')::int - 24) / (SELECT 28 + "
           "coalesce(sum(CASE WHEN a.attlen > 0 THEN a.attlen ELSE 32 END), 0) FROM "
           "pg_attribute a WHERE a.attrelid = " +
           r + ".oid AND a.attnum > 0 AND NOT a.attisdropped)::float8 END * (pg_relation_size(" +
           r + ".oid) / current_setting('block_size')::int)";
  };
  // A partitioned table: the sum of its partitions.
  return "(CASE WHEN " + c + ".relkind = 'p' THEN (SELECT coalesce(sum(" + one("l") +
         "), 0) FROM pg_partition_tree(" + c +
         ".oid) pt JOIN pg_class l ON l.oid = pt.relid WHERE pt.isleaf AND l.relkind = 'r') "
         "ELSE " +
         one(c) + " END)::bigint";
}

std::optional<PgTable> read_table(Connection& conn, const std::string& schema,
                                  const std::string& table, const TypeCatalog& types) {
  auto tables = read_tables(
      conn, {schema}, [&](const std::string&, const std::string& t) { return t == table; }, types);
  if (tables.empty()) return std::nullopt;
  return std::move(tables.front());
}

int64_t sequence_next(int64_t last_value, bool is_called, int64_t increment, int64_t min_value,
                      int64_t max_value, bool cycle) {
  if (!is_called) return last_value;  // nextval() returns last_value itself
  int64_t next = 0;
  const bool overflow = __builtin_add_overflow(last_value, increment, &next);
  if (increment > 0 ? overflow || next > max_value : overflow || next < min_value) {
    if (!cycle) return -1;  // nextval() fails: "reached maximum value of sequence"
    return increment > 0 ? min_value : max_value;
  }
  return next;
}

std::vector<std::string> chunk_key(const PgTable& t) {
  for (const auto& x : t.table.indexes) {
    if (x.kind == FERRY_INDEX_PRIMARY) return x.columns;
  }
  for (const auto& x : t.table.indexes) {
    if (x.kind != FERRY_INDEX_UNIQUE) continue;
    const bool ok = std::all_of(x.columns.begin(), x.columns.end(), [&](const std::string& n) {
      auto c = std::find_if(t.table.columns.begin(), t.table.columns.end(),
                            [&](const Column& col) { return col.name == n; });
      return c != t.table.columns.end() && !(c->flags & FERRY_COLUMN_NULLABLE);
    });
    if (ok) return x.columns;
  }
  return {};
}

}  // namespace ferry::pg
