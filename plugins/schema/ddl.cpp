#include "ddl.hpp"

#include <ferry/sdk/error.hpp>

#include <algorithm>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>

#include "sql_lex.hpp"
#include "view_convert.hpp"

namespace ferry::schema {

namespace {

constexpr int64_t kMysqlMaxKeyBytes = 3072;   // InnoDB, DYNAMIC/COMPRESSED rows
constexpr int64_t kMysqlMaxRowBytes = 65535;  // the server's row limit (TEXT/BLOB: ~12 bytes)

std::string upper(std::string s) {
  for (char& c : s) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return s;
}

std::string lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

bool has(uint32_t flags, uint32_t bit) {
  return (flags & bit) != 0;
}

void add_note(std::string& to, const std::string& note) {
  if (note.empty()) return;
  if (!to.empty()) to += "; ";
  to += note;
}

// Names already taken on the destination, across a whole plan.
struct Scopes {
  explicit Scopes(Dialect d) : to(d) {}
  Dialect to;
  std::map<std::string, NameScope> relations;    // PostgreSQL: a schema's tables, views, indexes
  std::map<std::string, NameScope> types;        // PostgreSQL: a schema's types (tables' too)
  std::map<std::string, NameScope> constraints;  // MySQL: a database's FK and CHECK names
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> enums;  // created

  NameScope& in(std::map<std::string, NameScope>& m, const std::string& schema) {
    return m.try_emplace(schema, to).first->second;
  }
};

// The index parts of a MySQL index with their prefix lengths, from its definition
// ("UNIQUE KEY `k` (`a`(10),`b`)"); without a readable definition, the columns whole.
struct IndexPart {
  std::string column;
  int64_t prefix = -1;
};

std::vector<IndexPart> mysql_index_parts(const Index& x) {
  std::vector<IndexPart> parts;
  std::string err;
  auto tree = sql::build_tree(sql::lex(x.definition, Dialect::MySQL, &err), &err);
  const sql::Node* list = nullptr;
  for (const auto& n : tree) {
    if (n.group) list = &n;
  }
  if (err.empty() && list) {
    for (const auto& arg : sql::split_args(list->kids)) {
      const auto a = sql::trimmed(arg);
      if (a.empty() || a[0].group || a[0].tok.kind != sql::Tok::Ident) break;
      IndexPart p{a[0].tok.value, -1};
      if (a.size() > 1 && a[1].group) {
        try {
          p.prefix = std::stoll(sql::render(a[1].kids));
        } catch (const std::exception&) {
        }
      }
      parts.push_back(p);
    }
  }
  if (parts.size() != x.columns.size()) {
    parts.clear();
    for (const auto& c : x.columns) parts.push_back(IndexPart{c, -1});
  }
  return parts;
}

// The key parts of a PostgreSQL index, from pg_get_indexdef's text ("... USING btree (a DESC
// NULLS LAST, b text_pattern_ops, c COLLATE \"C\") INCLUDE (d) WHERE ..."): per part, whether
// it sorts descending and what else it says (collation, operator class, NULLS placement) that
// a MySQL index cannot. Empty when the definition cannot be read.
struct PgIndexPart {
  bool desc = false;
  std::vector<std::string> dropped;  // "COLLATE \"C\"", "operator class text_pattern_ops", ...
};

std::vector<PgIndexPart> pg_index_parts(const Index& x) {
  std::vector<PgIndexPart> parts;
  std::string err;
  auto tree = sql::build_tree(sql::lex(x.definition, Dialect::PostgreSQL, &err), &err);
  if (!err.empty()) return parts;
  const sql::Node* list = nullptr;
  bool after_using = false;
  for (const auto& n : tree) {
    if (sql::is_word(n, "using")) after_using = true;
    if (after_using && n.group) {
      list = &n;
      break;
    }
  }
  if (!list) return parts;
  for (const auto& arg : sql::split_args(list->kids)) {
    const auto a = sql::trimmed(arg);
    PgIndexPart p;
    // The column (or expression) first; then [COLLATE c] [opclass] [ASC|DESC] [NULLS ...].
    size_t i = 1;
    while (i < a.size() && (a[i].group || sql::is_punct(a[i], '.'))) ++i;  // f(x), s.f(x)
    auto skip_space = [&] {
      while (i < a.size() && sql::is_space(a[i])) ++i;
    };
    // A possibly schema-qualified name (and an operator class's parameters), as written.
    auto name = [&] {
      std::string out;
      skip_space();
      while (i < a.size() && !sql::is_space(a[i])) out += sql::render(a[i++]);
      return out;
    };
    for (skip_space(); i < a.size(); skip_space()) {
      if (sql::is_word(a[i], "collate")) {
        ++i;
        p.dropped.push_back("COLLATE " + name());
      } else if (sql::is_word(a[i], "desc") || sql::is_word(a[i], "asc")) {
        p.desc = sql::is_word(a[i++], "desc");
      } else if (sql::is_word(a[i], "nulls")) {
        ++i;
        p.dropped.push_back("NULLS " + upper(name()));
      } else {
        p.dropped.push_back("operator class " + name());
      }
    }
    parts.push_back(std::move(p));
  }
  return parts;
}

// CREATE TYPE ... AS ENUM, idempotent: creates the type when it is missing, accepts it when it
// exists with the same labels, fails otherwise (a retry creates nothing twice; a collision with
// another type is an error, never a silent reuse).
std::string enum_ddl(const std::string& schema, const std::string& type,
                     const std::vector<std::string>& labels) {
  const std::string qt = quote_qualified(schema, type, Dialect::PostgreSQL);
  std::string list, array;
  for (const auto& l : labels) {
    list += (list.empty() ? "" : ", ") + quote_literal(l, Dialect::PostgreSQL);
  }
  array = "ARRAY[" + list + "]::text[]";
  std::string tag = "$ferry$";
  for (int n = 1; list.find(tag) != std::string::npos || qt.find(tag) != std::string::npos; ++n) {
    tag = "$ferry" + std::to_string(n) + "$";
  }
  const std::string lit = quote_literal(qt, Dialect::PostgreSQL);
  return "DO " + tag + " BEGIN\n  IF to_regtype(" + lit + ") IS NULL THEN\n    CREATE TYPE " + qt +
         " AS ENUM (" + list + ");\n  ELSIF ARRAY(SELECT e.enumlabel::text FROM pg_enum e " +
         "WHERE e.enumtypid = to_regtype(" + lit + ") ORDER BY e.enumsortorder) <> " + array +
         " THEN\n    RAISE EXCEPTION 'type % exists with other labels than %', " + lit + ", " +
         quote_literal(list, Dialect::PostgreSQL) + ";\n  END IF;\nEND " + tag;
}

struct ColumnState {
  const Column* src = nullptr;
  std::string dst;
  TypeMapping m;
  DefaultMapping d;
  std::optional<std::string> generated;  // converted expression
  bool identity = false;
  bool nullable = true;
};

class TablePlanner {
 public:
  TablePlanner(const Table& t, Dialect from, Dialect to, const Renames& r, const MappingOptions& o,
               Scopes& scopes)
      : t_(t), from_(from), to_(to), r_(r), o_(o), scopes_(scopes) {
    ctx_.from = from;
    ctx_.to = to;
    ctx_.renames = &r;
    ctx_.tables = {&t};
    ctx_.default_schema = t.schema;
    ctx_.self = &t;
  }

  TablePlan run() {
    p_.src_schema = t_.schema;
    p_.src_table = t_.name;
    p_.dst_schema = r_.schema(t_.schema);
    p_.dst_table = r_.table(t_.schema, t_.name);
    where_ = t_.schema + "." + t_.name;
    qt_ = quote_qualified(p_.dst_schema, p_.dst_table, to_);
    if (has(t_.flags, FERRY_TABLE_TEMPORARY)) {
      refuse(where_, "temporary tables are never migrated");
    }
    if (auto why = identifier_problem(p_.dst_schema, to_); !why.empty()) {
      refuse(where_, std::string("destination ") + (to_ == Dialect::MySQL ? "database" : "schema") +
                         " name '" + p_.dst_schema + "' " + why);
    }
    if (auto why = identifier_problem(p_.dst_table, to_); !why.empty()) {
      refuse(where_, "destination table name '" + p_.dst_table + "' " + why);
    }
    table_constraint_names_.take(derived_name(p_.dst_table + "_pkey", to_));
    index_names_.take("PRIMARY");
    columns();
    primary_key();
    if (to_ == Dialect::MySQL && from_ == Dialect::PostgreSQL) row_width();
    identity();
    enum_types();
    create_table();
    indexes();
    constraints();
    identity_sync();
    for (const auto& cs : cols_) {
      ColumnPlan cp;
      cp.source_name = cs.src->name;
      cp.dest_name = cs.dst;
      cp.dest_type = cs.m.type;
      cp.lossy_allowed = lossy_allowed_.count(cs.src->name) != 0;
      cp.note = notes_[cs.src->name];
      p_.columns.push_back(std::move(cp));
    }
    return std::move(p_);
  }

 private:
  bool cross() const { return from_ != to_; }
  std::string q(const std::string& n) const { return quote_ident(n, to_); }
  std::string full(const Column& c) const { return where_ + "." + c.name; }

  void refuse(const std::string& what, const std::string& why) {
    p_.refusals.push_back(Refusal{what, why});
  }
  void note(const Column& c, const std::string& n) { add_note(notes_[c.name], n); }

  ColumnState* state(const std::string& name) {
    for (auto& cs : cols_) {
      const bool match =
          from_ == Dialect::MySQL ? lower(cs.src->name) == lower(name) : cs.src->name == name;
      if (match) return &cs;
    }
    return nullptr;
  }

  void columns() {
    std::set<std::string> seen;
    for (const auto& c : t_.columns) {
      ColumnState cs;
      cs.src = &c;
      cs.dst = r_.column(t_.schema, t_.name, c.name);
      cs.nullable = has(c.flags, FERRY_COLUMN_NULLABLE);
      if (auto why = identifier_problem(cs.dst, to_); !why.empty()) {
        refuse(full(c), "destination column name '" + cs.dst + "' " + why);
      }
      const std::string key = to_ == Dialect::MySQL ? lower(cs.dst) : cs.dst;
      if (!seen.insert(key).second) {
        refuse(full(c), "another column of the table is also named '" + cs.dst +
                            "' on the destination (check the renames)");
      }
      cs.m = map_type(c, from_, to_, o_);
      if (!cs.m.refusal.empty()) {
        if (cs.m.lossy && o_.lossy_allowed(t_.schema, t_.name, c.name)) {
          lossy_allowed_.insert(c.name);
          note(c, "lossy mapping allowed (allow_lossy): " + cs.m.refusal);
        } else if (cs.m.lossy) {
          refuse(full(c), cs.m.refusal + ": set allow_lossy = [\"" + full(c) + "\"] to map it to " +
                              upper(cs.m.type) + " anyway");
        } else {
          refuse(full(c), cs.m.refusal);
        }
      }
      note(c, cs.m.note);
      const bool generated = has(c.flags, FERRY_COLUMN_GENERATED_STORED) ||
                             has(c.flags, FERRY_COLUMN_GENERATED_VIRTUAL);
      if (generated && c.generated_expr) {
        const Converted conv = convert_expression(*c.generated_expr, ctx_);
        if (!conv.error.empty() && cross()) {
          refuse(full(c), "its generated expression " + *c.generated_expr +
                              " cannot be converted: " + conv.error);
        }
        cs.generated = conv.error.empty() ? conv.text : *c.generated_expr;
        if (to_ == Dialect::PostgreSQL && has(c.flags, FERRY_COLUMN_GENERATED_VIRTUAL)) {
          note(c, "a VIRTUAL generated column becomes STORED (PostgreSQL has no virtual ones)");
        }
      } else {
        cs.d = map_default(c, cs.m, ctx_, o_);
        if (!cs.d.refusal.empty()) refuse(full(c), cs.d.refusal);
        note(c, cs.d.note);
        if (cs.d.drop_not_null) cs.nullable = true;
      }
      if (has(c.flags, FERRY_COLUMN_ON_UPDATE_NOW) && to_ == Dialect::PostgreSQL) {
        // No such clause on PostgreSQL; a trigger made now would fire on replicated updates
        // and overwrite the source's values.
        note(c,
             "ON UPDATE CURRENT_TIMESTAMP is not carried (PostgreSQL has no such clause): the "
             "column is no longer set when its row is updated; after switchover, create a BEFORE "
             "UPDATE trigger that sets it, or have the application set it (a trigger created "
             "before switchover would overwrite replicated values)");
      }
      cols_.push_back(std::move(cs));
    }
  }

  void primary_key() {
    for (const auto& x : t_.indexes) {
      if (x.kind == FERRY_INDEX_PRIMARY) {
        pk_ = &x;
        break;
      }
    }
    if (!pk_) return;
    if (from_ == Dialect::MySQL) {
      for (const auto& part : mysql_index_parts(*pk_)) {
        if (part.prefix >= 0 && to_ == Dialect::PostgreSQL) {
          p_.notes.push_back("the primary key's prefix (" + part.column + "(" +
                             std::to_string(part.prefix) + ")) becomes the whole column");
        }
      }
    }
    if (!(from_ == Dialect::PostgreSQL && to_ == Dialect::MySQL)) return;
    int64_t bytes = 0;
    for (const auto& name : pk_->columns) {
      ColumnState* cs = state(name);
      if (!cs) continue;
      if (cs->m.key_bytes < 0) {
        const bool text = cs->m.text_like;
        const std::string as = text ? "varchar(768)" : "varbinary(3072)";
        const std::string why = "it is in the primary key, and MySQL cannot index " +
                                upper(cs->m.type) + " whole; allowed, it becomes " + upper(as) +
                                " (a longer value fails the load)";
        if (cs->m.type == "json" || cs->m.type == "geometry") {
          refuse(full(*cs->src),
                 "it is in the primary key, and MySQL cannot index " + upper(cs->m.type));
        } else if (o_.lossy_allowed(t_.schema, t_.name, cs->src->name)) {
          lossy_allowed_.insert(cs->src->name);
          note(*cs->src, "lossy mapping allowed (allow_lossy): " + why);
          cs->m.type = as;
          cs->m.key_bytes = 3072;
          cs->m.row_bytes = 3074;
        } else {
          refuse(full(*cs->src), why + ": set allow_lossy = [\"" + full(*cs->src) +
                                     "\"] to map it to " + upper(as) + " anyway");
          cs->m.type = as;
          cs->m.key_bytes = 3072;
        }
      }
      bytes += std::max<int64_t>(cs->m.key_bytes, 0);
    }
    if (bytes > kMysqlMaxKeyBytes) {
      refuse(where_, "its primary key is " + std::to_string(bytes) +
                         " bytes long on MySQL (utf8mb4: 4 bytes a character); InnoDB keys are "
                         "at most 3072 bytes");
    }
  }

  bool indexed(const std::string& column) const {
    for (const auto& x : t_.indexes) {
      if (std::find(x.columns.begin(), x.columns.end(), column) != x.columns.end()) return true;
    }
    return false;
  }

  // PostgreSQL → MySQL: a row of MySQL holds at most 65535 bytes (TEXT and BLOB count ~12).
  // Wide VARCHARs that are in no index become TEXT types, the widest first.
  void row_width() {
    auto total = [&] {
      int64_t sum = (static_cast<int64_t>(cols_.size()) + 7) / 8 + 1;
      for (const auto& cs : cols_) sum += cs.m.row_bytes;
      return sum;
    };
    while (total() > kMysqlMaxRowBytes) {
      ColumnState* widest = nullptr;
      for (auto& cs : cols_) {
        if (!cs.m.text_like || cs.m.row_bytes <= 12 || indexed(cs.src->name)) continue;
        if (!widest || cs.m.row_bytes > widest->m.row_bytes) widest = &cs;
      }
      if (!widest) {
        refuse(where_, "its row would be " + std::to_string(total()) +
                           " bytes on MySQL, over the 65535-byte row limit, even with every "
                           "wide unindexed VARCHAR as TEXT");
        return;
      }
      const std::string was = widest->m.type;
      widest->m.type = widest->m.row_bytes <= 65535 + 2 ? "text" : "mediumtext";
      widest->m.row_bytes = 12;
      widest->m.key_bytes = -1;
      note(*widest->src, upper(was) + " became " + upper(widest->m.type) +
                             ": the row would exceed MySQL's 65535-byte limit");
    }
  }

  void identity() {
    bool mysql_taken = false;
    for (auto& cs : cols_) {
      if (!has(cs.src->flags, FERRY_COLUMN_AUTO_INCREMENT) || cs.generated) continue;
      if (!cs.m.identity_capable) {
        note(*cs.src, std::string("not an identity column on ") + dialect_name(to_) +
                          " (its type " + cs.m.type + " cannot be one)");
        continue;
      }
      if (to_ == Dialect::MySQL && mysql_taken) {
        note(*cs.src,
             "MySQL allows one AUTO_INCREMENT column a table: this one keeps its values "
             "but is not generated");
        continue;
      }
      cs.identity = true;
      cs.nullable = false;
      mysql_taken = true;
      const bool always = has(cs.src->flags, FERRY_COLUMN_IDENTITY_ALWAYS);
      if (to_ == Dialect::PostgreSQL && from_ == Dialect::PostgreSQL) {
        if (always) {
          // COPY writes an ALWAYS identity as given, but an INSERT needs OVERRIDING SYSTEM
          // VALUE and an UPDATE may only set it to DEFAULT: replicated changes could not carry
          // the source's values. It becomes ALWAYS with the constraints (constraints()).
          note(*cs.src,
               "GENERATED ALWAYS is created BY DEFAULT, so that the data and replicated changes "
               "keep the source's values; it is made ALWAYS again with the constraints (at "
               "switchover)");
        } else if (cs.src->default_expr && cs.src->default_expr->rfind("nextval(", 0) == 0) {
          note(*cs.src, "serial becomes GENERATED BY DEFAULT AS IDENTITY");
        }
      } else if (always && to_ == Dialect::MySQL) {
        note(*cs.src,
             "GENERATED ALWAYS becomes AUTO_INCREMENT, which also accepts values given to it");
      }
    }
  }

  void enum_types() {
    if (to_ != Dialect::PostgreSQL) return;
    for (auto& cs : cols_) {
      if (cs.m.enum_check) {
        std::string list;
        for (const auto& l : cs.m.labels) {
          list += (list.empty() ? "" : ", ") + quote_literal(l, Dialect::PostgreSQL);
        }
        inline_checks_.push_back(
            "CONSTRAINT " +
            q(table_constraint_names_.claim(p_.dst_table + "_" + cs.dst + "_check")) + " CHECK (" +
            q(cs.dst) + " IN (" + list + "))");
        continue;
      }
      if (!cs.m.enum_type) continue;
      std::string name;
      NameScope& types = scopes_.in(scopes_.types, p_.dst_schema);
      if (from_ == Dialect::MySQL) {
        name = types.claim(p_.dst_table + "_" + cs.dst);
        scopes_.enums[{p_.dst_schema, name}] = cs.m.labels;
      } else {
        name = cs.m.enum_source_name;
        const bool create = !cs.m.labels.empty() || cs.m.array_dims == 0;
        auto known = scopes_.enums.find({p_.dst_schema, name});
        if (known != scopes_.enums.end() && create && known->second != cs.m.labels) {
          name = types.claim(name);  // another type of the same name, from another schema
          scopes_.enums[{p_.dst_schema, name}] = cs.m.labels;
        } else if (known == scopes_.enums.end() && create) {
          if (types.taken(name)) name = types.claim(name);
          types.take(name);
          scopes_.enums[{p_.dst_schema, name}] = cs.m.labels;
        }
      }
      if (auto why = identifier_problem(name, to_); !why.empty()) {
        refuse(full(*cs.src), "enum type name '" + name + "' " + why);
      }
      std::string type = quote_qualified(p_.dst_schema, name, to_);
      for (int d = 0; d < cs.m.array_dims; ++d) type += "[]";
      if (!cs.m.labels.empty() || cs.m.array_dims == 0) {
        const std::string ddl = enum_ddl(p_.dst_schema, name, cs.m.labels);
        if (std::find(p_.create.begin(), p_.create.end(), ddl) == p_.create.end()) {
          p_.create.push_back(ddl);
        }
      }
      cs.m.type = type;
    }
  }

  std::string column_def(const ColumnState& cs) const {
    const Column& c = *cs.src;
    std::string s = "  " + q(cs.dst) + " " + cs.m.type;
    if (!cs.m.collate.empty()) s += " " + cs.m.collate;
    if (to_ == Dialect::PostgreSQL) {
      if (cs.generated) s += " GENERATED ALWAYS AS (" + *cs.generated + ") STORED";
      if (cs.identity) {
        s += " GENERATED BY DEFAULT AS IDENTITY";
        if (c.identity_next > 1) {
          s += " (START WITH " + std::to_string(c.identity_next) + ")";
        }
      }
      if (cs.d.expr && !cs.identity && !cs.generated) s += " DEFAULT " + *cs.d.expr;
      if (!cs.nullable) s += " NOT NULL";
      return s;
    }
    if (cs.generated) {
      s += " GENERATED ALWAYS AS (" + *cs.generated + ")" +
           (has(c.flags, FERRY_COLUMN_GENERATED_VIRTUAL) ? " VIRTUAL" : " STORED");
    } else {
      s += cs.nullable ? " NULL" : " NOT NULL";
      if (cs.d.expr && !cs.identity) s += " DEFAULT " + *cs.d.expr;
      if (has(c.flags, FERRY_COLUMN_ON_UPDATE_NOW) && from_ == Dialect::MySQL) {
        s += " ON UPDATE CURRENT_TIMESTAMP";
        if (c.scale > 0) s += "(" + std::to_string(c.scale) + ")";
      }
    }
    if (cs.identity) s += " AUTO_INCREMENT";
    if (c.comment && !c.comment->empty()) s += " COMMENT " + quote_literal(*c.comment, to_);
    return s;
  }

  // The MySQL key parts of an index: `a`, `b`(10) (same engine keeps prefix lengths).
  std::string mysql_parts(const Index& x) {
    std::string out;
    const auto parts = from_ == Dialect::MySQL ? mysql_index_parts(x) : [&] {
      std::vector<IndexPart> v;
      for (const auto& c : x.columns) v.push_back(IndexPart{c, -1});
      return v;
    }();
    // PostgreSQL: the sort order of each part (MySQL 8 / MariaDB 10.8 keep DESC).
    std::vector<PgIndexPart> pg;
    if (from_ == Dialect::PostgreSQL) pg = pg_index_parts(x);
    if (pg.size() != parts.size()) pg.clear();
    for (size_t i = 0; i < parts.size(); ++i) {
      const auto& part = parts[i];
      const ColumnState* cs = state(part.column);
      out += (out.empty() ? "" : ", ") + q(cs ? cs->dst : part.column);
      if (part.prefix >= 0) out += "(" + std::to_string(part.prefix) + ")";
      if (!pg.empty() && pg[i].desc) out += " DESC";
    }
    return out;
  }

  void create_table() {
    std::vector<std::string> lines;
    for (const auto& cs : cols_) lines.push_back(column_def(cs));
    if (pk_) {
      std::string cols;
      if (to_ == Dialect::MySQL) {
        cols = mysql_parts(*pk_);
      } else {
        for (const auto& name : pk_->columns) {
          const ColumnState* cs = state(name);
          cols += (cols.empty() ? "" : ", ") + q(cs ? cs->dst : name);
        }
      }
      if (to_ == Dialect::PostgreSQL) {
        const std::string wanted =
            from_ == Dialect::PostgreSQL && !pk_->name.empty() ? pk_->name : p_.dst_table + "_pkey";
        const std::string name = scopes_.in(scopes_.relations, p_.dst_schema).claim(wanted);
        lines.push_back("  CONSTRAINT " + q(name) + " PRIMARY KEY (" + cols + ")");
      } else {
        lines.push_back("  PRIMARY KEY (" + cols + ")");
      }
    }
    // MySQL: an AUTO_INCREMENT column must lead an index when the table is created.
    if (to_ == Dialect::MySQL) {
      for (const auto& cs : cols_) {
        if (!cs.identity) continue;
        const bool leads_pk = pk_ && !pk_->columns.empty() && state(pk_->columns[0]) == &cs;
        if (leads_pk) break;
        const Index* lead = nullptr;
        for (const auto& x : t_.indexes) {
          if (x.kind != FERRY_INDEX_PRIMARY && !x.columns.empty() && state(x.columns[0]) == &cs &&
              (x.kind == FERRY_INDEX_UNIQUE || x.kind == FERRY_INDEX_PLAIN) &&
              (from_ == Dialect::MySQL || convertible_to_mysql(x).empty())) {
            lead = &x;
            if (x.kind == FERRY_INDEX_UNIQUE) break;
          }
        }
        if (lead) {
          const std::string name = index_names_.claim(lead->name);
          lines.push_back(std::string("  ") +
                          (lead->kind == FERRY_INDEX_UNIQUE ? "UNIQUE KEY " : "KEY ") + q(name) +
                          " (" + mysql_parts(*lead) + ")");
          inline_index_ = lead;
          p_.notes.push_back("index " + lead->name +
                             " is created with the table: MySQL needs the AUTO_INCREMENT column "
                             "to lead an index");
        } else {
          const std::string name = index_names_.claim(cs.dst);
          lines.push_back("  KEY " + q(name) + " (" + q(cs.dst) + ")");
          p_.notes.push_back("index " + name + " (" + cs.dst +
                             ") added: MySQL needs the AUTO_INCREMENT column to lead an index");
        }
        break;
      }
    }
    for (const auto& c : inline_checks_) lines.push_back("  " + c);
    std::string ddl = "CREATE ";
    if (to_ == Dialect::PostgreSQL && from_ == Dialect::PostgreSQL &&
        has(t_.flags, FERRY_TABLE_UNLOGGED)) {
      ddl += "UNLOGGED ";
    }
    ddl += "TABLE " + qt_ + " (\n";
    for (size_t i = 0; i < lines.size(); ++i)
      ddl += lines[i] + (i + 1 < lines.size() ? ",\n" : "\n");
    ddl += ")";
    if (has(t_.flags, FERRY_TABLE_PARTITIONED)) {
      p_.notes.push_back(
          "a partitioned table is created unpartitioned (partitions are not "
          "migrated as such)");
    }
    if (to_ == Dialect::MySQL) {
      if (cross()) ddl += " DEFAULT CHARSET=utf8mb4 COLLATE=" + o_.mysql_collation;
      for (const auto& cs : cols_) {
        if (cs.identity && cs.src->identity_next > 1) {
          ddl += " AUTO_INCREMENT=" + std::to_string(cs.src->identity_next);
        }
      }
      if (!t_.comment.empty()) ddl += " COMMENT=" + quote_literal(t_.comment, to_);
      p_.create.push_back(ddl);
      return;
    }
    p_.create.push_back(ddl);
    if (!t_.comment.empty()) {
      p_.create.push_back("COMMENT ON TABLE " + qt_ + " IS " + quote_literal(t_.comment, to_));
    }
    for (const auto& cs : cols_) {
      if (cs.src->comment && !cs.src->comment->empty()) {
        p_.create.push_back("COMMENT ON COLUMN " + qt_ + "." + q(cs.dst) + " IS " +
                            quote_literal(*cs.src->comment, to_));
      }
    }
  }

  // Why a PostgreSQL index cannot be a MySQL one, or "".
  std::string convertible_to_mysql(const Index& x) {
    const std::string def = x.definition;
    if (def.find(" WHERE ") != std::string::npos) {
      return "a partial index (WHERE ...) has no MySQL counterpart";
    }
    const auto using_at = def.find(" USING ");
    if (using_at != std::string::npos) {
      const std::string method =
          def.substr(using_at + 7, def.find(' ', using_at + 7) - using_at - 7);
      if (method != "btree" && method != "hash") {
        return "a PostgreSQL " + method + " index has no MySQL counterpart";
      }
    }
    int64_t bytes = 0;
    for (const auto& col : x.columns) {
      const ColumnState* cs = state(col);
      if (!cs) return "an expression index (" + col + ") has no MySQL counterpart";
      if (cs->m.key_bytes < 0) {
        return "column " + col + " is " + upper(cs->m.type) +
               " on MySQL, which cannot be indexed whole (edit the DDL to index a prefix, e.g. " +
               q(cs->dst) + "(255), if a prefix will do)";
      }
      bytes += cs->m.key_bytes;
    }
    if (bytes > kMysqlMaxKeyBytes) {
      return "the key is " + std::to_string(bytes) +
             " bytes on MySQL (utf8mb4: 4 bytes a character); InnoDB keys are at most 3072 bytes";
    }
    return "";
  }

  void indexes() {
    for (const auto& x : t_.indexes) {
      if (x.kind == FERRY_INDEX_PRIMARY || &x == inline_index_) continue;
      DdlObject o;
      o.key = "index:" + where_ + "." + x.name;
      const bool unique = x.kind == FERRY_INDEX_UNIQUE;
      if (from_ == Dialect::MySQL && to_ == Dialect::MySQL) {
        o.name = index_names_.claim(x.name);
        const char* kind = unique                           ? "UNIQUE "
                           : x.kind == FERRY_INDEX_FULLTEXT ? "FULLTEXT "
                           : x.kind == FERRY_INDEX_SPATIAL  ? "SPATIAL "
                                                            : "";
        o.ddl = std::string("CREATE ") + kind + "INDEX " + q(o.name) + " ON " + qt_ + " (" +
                mysql_parts(x) + ")";
      } else if (from_ == Dialect::PostgreSQL && to_ == Dialect::PostgreSQL) {
        o.name = scopes_.in(scopes_.relations, p_.dst_schema).claim(x.name);
        const auto using_at = x.definition.find(" USING ");
        if (using_at == std::string::npos) {
          o.error = "cannot read the index definition: " + x.definition;
        } else {
          const Converted tail = convert_expression(x.definition.substr(using_at + 1), ctx_);
          const bool only = x.definition.find(" ON ONLY ") != std::string::npos;
          o.ddl = std::string("CREATE ") +
                  (x.definition.rfind("CREATE UNIQUE ", 0) == 0 ? "UNIQUE " : "") + "INDEX " +
                  q(o.name) + " ON " + (only ? "ONLY " : "") + qt_ + " " +
                  (tail.error.empty() ? tail.text : x.definition.substr(using_at + 1));
        }
      } else if (from_ == Dialect::MySQL) {
        o.name = scopes_.in(scopes_.relations, p_.dst_schema).claim(p_.dst_table + "_" + x.name);
        std::string parts;
        for (const auto& part : mysql_index_parts(x)) {
          const ColumnState* cs = state(part.column);
          const std::string col = q(cs ? cs->dst : part.column);
          std::string expr = col;
          if (part.prefix >= 0) {
            expr = cs && cs->m.type == "bytea"
                       ? "(substring(" + col + " from 1 for " + std::to_string(part.prefix) + "))"
                       : "(left(" + col + ", " + std::to_string(part.prefix) + "))";
            add_note(o.note, "the prefix " + part.column + "(" + std::to_string(part.prefix) +
                                 ") becomes an expression");
          }
          parts += (parts.empty() ? "" : ", ") + expr;
        }
        o.ddl = std::string("CREATE ") + (unique ? "UNIQUE " : "") + "INDEX " + q(o.name) + " ON " +
                qt_ + " (" + parts + ")";
        if (x.kind == FERRY_INDEX_FULLTEXT) {
          o.error =
              "a MySQL FULLTEXT index has no PostgreSQL counterpart (a GIN index over "
              "to_tsvector() answers other queries): create one by hand";
        } else if (x.kind == FERRY_INDEX_SPATIAL) {
          o.error =
              "a MySQL SPATIAL index has no PostgreSQL counterpart (geometries are bytea "
              "holding WKB)";
        }
      } else {
        o.name = index_names_.claim(x.name);
        o.ddl = std::string("CREATE ") + (unique ? "UNIQUE " : "") + "INDEX " + q(o.name) + " ON " +
                qt_ + " (" + mysql_parts(x) + ")";
        o.error = convertible_to_mysql(x);
        if (o.error.empty() && (x.kind == FERRY_INDEX_SPATIAL || x.kind == FERRY_INDEX_OTHER)) {
          o.error = "a PostgreSQL expression, partial or non-btree index has no MySQL counterpart";
        }
        if (x.definition.find(" INCLUDE ") != std::string::npos) {
          add_note(o.note, "the INCLUDE columns are dropped");
        }
        const auto pg = pg_index_parts(x);
        for (size_t i = 0; i < pg.size() && i < x.columns.size(); ++i) {
          for (const auto& d : pg[i].dropped) {
            add_note(o.note, d + " of " + x.columns[i] +
                                 (d.rfind("NULLS", 0) == 0
                                      ? " is dropped (MySQL sorts NULLs first ascending, last "
                                        "descending)"
                                      : " is dropped (MySQL compares by the column's collation)"));
          }
        }
      }
      p_.indexes.push_back(std::move(o));
    }
  }

  std::string constraint_name(const std::string& wanted) {
    if (to_ == Dialect::MySQL) return scopes_.in(scopes_.constraints, p_.dst_schema).claim(wanted);
    return table_constraint_names_.claim(wanted);
  }

  void constraints() {
    for (const auto& fk : t_.foreign_keys) {
      DdlObject o;
      o.key = "fk:" + where_ + "." + fk.name;
      o.name = constraint_name(fk.name);
      std::string cols, refs;
      for (const auto& c : fk.columns) {
        const ColumnState* cs = state(c);
        cols += (cols.empty() ? "" : ", ") + q(cs ? cs->dst : c);
      }
      for (const auto& c : fk.ref_columns) {
        refs += (refs.empty() ? "" : ", ") + q(r_.column(fk.ref_schema, fk.ref_table, c));
      }
      const std::string on_update = upper(fk.on_update.empty() ? "NO ACTION" : fk.on_update);
      const std::string on_delete = upper(fk.on_delete.empty() ? "NO ACTION" : fk.on_delete);
      const bool same_pg = from_ == Dialect::PostgreSQL && to_ == Dialect::PostgreSQL;
      const bool deferrable = has(fk.flags, FERRY_FK_DEFERRABLE);
      const bool deferred = deferrable && has(fk.flags, FERRY_FK_INITIALLY_DEFERRED);
      o.ddl =
          "ALTER TABLE " + qt_ + " ADD CONSTRAINT " + q(o.name) + " FOREIGN KEY (" + cols +
          ") REFERENCES " +
          quote_qualified(r_.schema(fk.ref_schema), r_.table(fk.ref_schema, fk.ref_table), to_) +
          " (" + refs + ")" + (same_pg && has(fk.flags, FERRY_FK_MATCH_FULL) ? " MATCH FULL" : "") +
          " ON UPDATE " + on_update + " ON DELETE " + on_delete;
      if (same_pg && deferrable) {
        o.ddl += deferred ? " DEFERRABLE INITIALLY DEFERRED" : " DEFERRABLE";
      }
      if (to_ == Dialect::MySQL && cross() &&
          (on_update == "SET DEFAULT" || on_delete == "SET DEFAULT")) {
        o.error = "InnoDB does not support ON UPDATE/ON DELETE SET DEFAULT";
      }
      if (to_ == Dialect::MySQL && cross()) {
        if (deferrable) {
          add_note(o.note, std::string(deferred ? "DEFERRABLE INITIALLY DEFERRED" : "DEFERRABLE") +
                               " is dropped: MySQL checks a foreign key at each statement, never "
                               "at commit (a transaction that relies on deferring it fails)");
        }
        if (has(fk.flags, FERRY_FK_MATCH_FULL)) {
          add_note(o.note,
                   "MATCH FULL is dropped: InnoDB does not check a key with a NULL column (as "
                   "MATCH SIMPLE)");
        }
      }
      p_.constraints.push_back(std::move(o));
    }
    for (const auto& ck : t_.checks) {
      DdlObject o;
      o.key = "check:" + where_ + "." + ck.name;
      o.name = constraint_name(ck.name);
      const Converted conv = convert_expression(ck.expression, ctx_);
      o.ddl = "ALTER TABLE " + qt_ + " ADD CONSTRAINT " + q(o.name) + " CHECK (" +
              (conv.error.empty() ? conv.text : ck.expression) + ")";
      if (!conv.error.empty())
        o.error = "cannot convert CHECK (" + ck.expression + "): " + conv.error;
      for (const auto& n : conv.notes) add_note(o.note, n);
      p_.constraints.push_back(std::move(o));
    }
    // PostgreSQL → PostgreSQL: a GENERATED ALWAYS identity, created BY DEFAULT (identity()).
    for (const auto& cs : cols_) {
      if (!cs.identity || from_ != Dialect::PostgreSQL || to_ != Dialect::PostgreSQL ||
          !has(cs.src->flags, FERRY_COLUMN_IDENTITY_ALWAYS)) {
        continue;
      }
      DdlObject o;
      // Recorded beside the table's FOREIGN KEY and CHECK constraints (keyed by their names):
      // the column's name, unless a constraint of the table has it.
      std::string key = cs.src->name;
      for (const auto& fk : t_.foreign_keys) key += fk.name == cs.src->name ? " (identity)" : "";
      for (const auto& ck : t_.checks) key += ck.name == cs.src->name ? " (identity)" : "";
      o.key = "identity:" + where_ + "." + key;
      o.name = p_.dst_table + "." + cs.dst;
      o.ddl = "ALTER TABLE " + qt_ + " ALTER COLUMN " + q(cs.dst) + " SET GENERATED ALWAYS";
      o.note =
          "the source's GENERATED ALWAYS identity: created BY DEFAULT so that the data and "
          "replicated changes keep their values, made ALWAYS here";
      p_.constraints.push_back(std::move(o));
    }
  }

  void identity_sync() {
    for (const auto& cs : cols_) {
      if (!cs.identity) continue;
      const int64_t next = std::max<int64_t>(cs.src->identity_next, 1);
      if (to_ == Dialect::MySQL) {
        // MySQL moves the counter to max(this, max(column) + 1) itself.
        p_.identity_sync.push_back("ALTER TABLE " + qt_ +
                                   " AUTO_INCREMENT = " + std::to_string(next));
        continue;
      }
      p_.identity_sync.push_back("SELECT setval(pg_get_serial_sequence(" + quote_literal(qt_, to_) +
                                 ", " + quote_literal(cs.dst, to_) + "), GREATEST(" +
                                 std::to_string(next) + ", (SELECT COALESCE(MAX(" + q(cs.dst) +
                                 "), 0) + 1 FROM " + qt_ + ")), false)");
    }
  }

  const Table& t_;
  Dialect from_, to_;
  const Renames& r_;
  const MappingOptions& o_;
  Scopes& scopes_;
  NameContext ctx_;
  TablePlan p_;
  std::string where_, qt_;
  std::vector<ColumnState> cols_;
  std::map<std::string, std::string> notes_;
  std::set<std::string> lossy_allowed_;
  const Index* pk_ = nullptr;
  const Index* inline_index_ = nullptr;
  std::vector<std::string> inline_checks_;
  NameScope table_constraint_names_{to_};  // PostgreSQL: a table's constraint names
  NameScope index_names_{to_};             // MySQL: a table's index names
};

DdlObject view_plan(const View& v, Dialect from, Dialect to, const Renames& r,
                    const std::vector<const Table*>& tables,
                    const std::vector<std::pair<std::string, std::string>>& views) {
  DdlObject o;
  o.key = "view:" + v.schema + "." + v.name;
  const std::string schema = r.schema(v.schema);
  o.name = r.table(v.schema, v.name);
  NameContext ctx;
  ctx.from = from;
  ctx.to = to;
  ctx.renames = &r;
  ctx.tables = tables;
  ctx.views = views;
  ctx.default_schema = v.schema;
  const Converted conv = convert_query(v.definition, ctx);
  o.ddl = "CREATE VIEW " + quote_qualified(schema, o.name, to) + " AS " + conv.text;
  for (const auto& n : conv.notes) add_note(o.note, n);
  if (!conv.error.empty()) o.error = "cannot convert the view: " + conv.error;
  for (const std::string* name : std::initializer_list<const std::string*>{&schema, &o.name}) {
    if (auto why = identifier_problem(*name, to); !why.empty() && o.error.empty()) {
      o.error = "destination name '" + *name + "' " + why;
    }
  }
  if (!v.comment.empty()) {
    if (to == Dialect::PostgreSQL) {
      o.after.push_back("COMMENT ON VIEW " + quote_qualified(schema, o.name, to) + " IS " +
                        quote_literal(v.comment, to));
    } else {
      add_note(o.note, "the view's comment is dropped (MySQL views have none)");
    }
  }
  return o;
}

}  // namespace

std::string create_schema_ddl(const std::string& dst_schema, Dialect to) {
  if (auto why = identifier_problem(dst_schema, to); !why.empty()) {
    fail(FERRY_INVALID_ARGUMENT, std::string("destination ") +
                                     (to == Dialect::MySQL ? "database" : "schema") + " name '" +
                                     dst_schema + "' " + why);
  }
  if (to == Dialect::PostgreSQL) {
    return "CREATE SCHEMA IF NOT EXISTS " + quote_ident(dst_schema, to);
  }
  return "CREATE DATABASE IF NOT EXISTS " + quote_ident(dst_schema, to) +
         " DEFAULT CHARACTER SET utf8mb4";
}

TablePlan plan_table(const Table& t, Dialect from, Dialect to, const Renames& renames,
                     const MappingOptions& options) {
  Scopes scopes(to);
  const std::string schema = renames.schema(t.schema), table = renames.table(t.schema, t.name);
  scopes.in(scopes.relations, schema).take(table);
  scopes.in(scopes.types, schema).take(table);
  return TablePlanner(t, from, to, renames, options, scopes).run();
}

DdlObject plan_view(const View& v, Dialect from, Dialect to, const Renames& renames,
                    const std::vector<Table>& tables) {
  std::vector<const Table*> ptrs;
  for (const auto& t : tables) ptrs.push_back(&t);
  return view_plan(v, from, to, renames, ptrs, {});
}

SchemaPlan plan_catalog(const Catalog& catalog, Dialect from, Dialect to, const Renames& renames,
                        const MappingOptions& options) {
  SchemaPlan plan;
  Scopes scopes(to);
  // Schemas, first.
  std::vector<std::string> schemas;
  auto add_schema = [&](const std::string& src) {
    const std::string dst = renames.schema(src);
    if (std::find(schemas.begin(), schemas.end(), dst) == schemas.end()) schemas.push_back(dst);
  };
  for (const auto& s : catalog.schemas) add_schema(s);
  for (const auto& t : catalog.tables) add_schema(t.schema);
  for (const auto& v : catalog.views) add_schema(v.schema);
  for (const auto& s : schemas) {
    if (identifier_problem(s, to).empty()) plan.create_schemas.push_back(create_schema_ddl(s, to));
  }
  // Every destination table and view name is taken before any derived name is made.
  std::map<std::pair<std::string, std::string>, std::string> owner;
  auto claim_relation = [&](const std::string& schema, const std::string& name,
                            const std::string& src) -> std::string {
    const std::string dst_schema = renames.schema(schema), dst = renames.table(schema, name);
    const std::string key = to == Dialect::MySQL ? lower(dst) : dst;
    auto [it, fresh] = owner.try_emplace({dst_schema, key}, src);
    scopes.in(scopes.relations, dst_schema).take(dst);
    scopes.in(scopes.types, dst_schema).take(dst);
    return fresh ? std::string() : it->second;
  };
  std::vector<std::string> clash_tables(catalog.tables.size()), clash_views(catalog.views.size());
  for (size_t i = 0; i < catalog.tables.size(); ++i) {
    const auto& t = catalog.tables[i];
    clash_tables[i] = claim_relation(t.schema, t.name, t.schema + "." + t.name);
  }
  for (size_t i = 0; i < catalog.views.size(); ++i) {
    const auto& v = catalog.views[i];
    clash_views[i] = claim_relation(v.schema, v.name, v.schema + "." + v.name);
  }
  for (size_t i = 0; i < catalog.tables.size(); ++i) {
    const auto& t = catalog.tables[i];
    TablePlan p = TablePlanner(t, from, to, renames, options, scopes).run();
    if (!clash_tables[i].empty()) {
      p.refusals.push_back(
          Refusal{t.schema + "." + t.name, "its destination " + p.dst_schema + "." + p.dst_table +
                                               " is also the destination of " + clash_tables[i]});
    }
    plan.tables.push_back(std::move(p));
  }
  // Views, each after the views it reads.
  std::vector<const Table*> tables;
  for (const auto& t : catalog.tables) tables.push_back(&t);
  std::vector<std::pair<std::string, std::string>> view_names;
  for (const auto& v : catalog.views) view_names.emplace_back(v.schema, v.name);
  std::vector<int> state(catalog.views.size(), 0);  // 0 new, 1 visiting, 2 done
  std::function<void(size_t)> visit = [&](size_t i) {
    if (state[i]) return;
    state[i] = 1;
    NameContext ctx;
    ctx.from = from;
    ctx.to = to;
    ctx.views = view_names;
    ctx.default_schema = catalog.views[i].schema;
    for (const auto& [s, n] : referenced_relations(catalog.views[i].definition, ctx)) {
      for (size_t j = 0; j < view_names.size(); ++j) {
        if (j != i && view_names[j].first == s && view_names[j].second == n) visit(j);
      }
    }
    DdlObject o = view_plan(catalog.views[i], from, to, renames, tables, view_names);
    if (!clash_views[i].empty() && o.error.empty()) {
      o.error = "its destination name is also the destination of " + clash_views[i];
    }
    plan.views.push_back(std::move(o));
    state[i] = 2;
  };
  for (size_t i = 0; i < catalog.views.size(); ++i) visit(i);
  return plan;
}

}  // namespace ferry::schema
