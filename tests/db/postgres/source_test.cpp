// The PostgreSQL source against the test bed: catalog, splits, exported-snapshot reads.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <ferry/testing/fake_host.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <set>

#include <nlohmann/json.hpp>

#include "pg_fixture.hpp"

namespace ferry::testing {
namespace {

const Table* find_table(const Catalog& c, const std::string& name) {
  for (const auto& t : c.tables) {
    if (t.name == name) return &t;
  }
  return nullptr;
}
const Column* find_column(const Table& t, const std::string& name) {
  for (const auto& c : t.columns) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

TEST_F(PgSourceTest, CatalogDescribesTablesKeysConstraintsAndViews) {
  admin->exec("CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')");
  admin->exec("CREATE DOMAIN price AS numeric(12,3) CHECK (VALUE >= 0)");
  admin->exec(
      "CREATE TABLE parent (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, code char(4) "
      "NOT NULL UNIQUE)");
  admin->exec("COMMENT ON TABLE parent IS 'the parents'");
  admin->exec(
      "CREATE TABLE child (id serial, seq smallint NOT NULL, parent_id bigint REFERENCES parent "
      "(id) ON DELETE CASCADE, amount price DEFAULT 0, name varchar(40) COLLATE \"C\", m mood, "
      "tags text[], doc jsonb, at timestamptz(3), total numeric GENERATED ALWAYS AS (amount * 2) "
      "STORED, PRIMARY KEY (id, seq), CONSTRAINT ck_seq CHECK (seq > 0))");
  admin->exec("CREATE INDEX ix_lower ON child (lower(name))");
  admin->exec("CREATE UNLOGGED TABLE scratch (a int)");
  admin->exec("CREATE TABLE events (at date NOT NULL, v int) PARTITION BY RANGE (at)");
  admin->exec(
      "CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO "
      "('2025-01-01')");
  admin->exec("CREATE VIEW v_child AS SELECT id, name FROM child");

  auto src = source();
  const Catalog cat = src->source().discover(only_this_schema());
  ASSERT_EQ(cat.schemas, std::vector<std::string>{schema});
  std::set<std::string> names;
  for (const auto& t : cat.tables) names.insert(t.name);
  // Partitions are read through their parent.
  EXPECT_EQ(names, (std::set<std::string>{"child", "events", "parent", "scratch"}));
  EXPECT_TRUE(find_table(cat, "events")->flags & FERRY_TABLE_PARTITIONED);
  EXPECT_TRUE(find_table(cat, "scratch")->flags & FERRY_TABLE_UNLOGGED);
  EXPECT_TRUE(find_table(cat, "scratch")->flags & FERRY_TABLE_NO_PRIMARY_KEY);
  const Table* parent = find_table(cat, "parent");
  EXPECT_EQ(parent->comment, "the parents");
  const Column* pid = find_column(*parent, "id");
  EXPECT_EQ(pid->type, FERRY_TYPE_INT64);
  EXPECT_TRUE(pid->flags & FERRY_COLUMN_AUTO_INCREMENT);
  EXPECT_TRUE(pid->flags & FERRY_COLUMN_IN_PRIMARY_KEY);
  EXPECT_EQ(find_column(*parent, "code")->type, FERRY_TYPE_CHAR);
  EXPECT_EQ(find_column(*parent, "code")->length, 4);

  const Table* child = find_table(cat, "child");
  const Column* id = find_column(*child, "id");
  EXPECT_TRUE(id->flags & FERRY_COLUMN_AUTO_INCREMENT);  // serial
  EXPECT_NE(id->default_expr.value_or("").find("nextval"), std::string::npos);
  const Column* amount = find_column(*child, "amount");
  EXPECT_EQ(amount->type, FERRY_TYPE_DECIMAL);  // the domain's base type
  EXPECT_EQ(amount->precision, 12);
  EXPECT_EQ(amount->scale, 3);
  EXPECT_EQ(amount->native_type, schema + ".price");  // qualified: not on the search_path
  const Column* name = find_column(*child, "name");
  EXPECT_EQ(name->type, FERRY_TYPE_VARCHAR);
  EXPECT_EQ(name->length, 40);
  EXPECT_EQ(name->collation.value_or(""), "C");
  const Column* m = find_column(*child, "m");
  EXPECT_EQ(m->type, FERRY_TYPE_ENUM);
  EXPECT_EQ(m->labels, (std::vector<std::string>{"sad", "ok", "happy"}));
  const Column* tags = find_column(*child, "tags");
  EXPECT_EQ(tags->type, FERRY_TYPE_ARRAY);
  EXPECT_EQ(tags->element_type, FERRY_TYPE_TEXT);
  EXPECT_EQ(find_column(*child, "doc")->type, FERRY_TYPE_JSON);
  EXPECT_EQ(find_column(*child, "at")->type, FERRY_TYPE_TIMESTAMPTZ);
  EXPECT_EQ(find_column(*child, "at")->scale, 3);
  EXPECT_TRUE(find_column(*child, "total")->flags & FERRY_COLUMN_GENERATED_STORED);

  ASSERT_FALSE(child->indexes.empty());
  EXPECT_EQ(child->indexes[0].kind, FERRY_INDEX_PRIMARY);
  EXPECT_EQ(child->indexes[0].columns, (std::vector<std::string>{"id", "seq"}));
  bool expr_index = false;
  for (const auto& x : child->indexes) {
    if (x.name == "ix_lower") {
      expr_index = true;
      EXPECT_NE(x.definition.find("lower"), std::string::npos);
    }
  }
  EXPECT_TRUE(expr_index);
  ASSERT_EQ(child->foreign_keys.size(), 1u);
  EXPECT_EQ(child->foreign_keys[0].ref_table, "parent");
  EXPECT_EQ(child->foreign_keys[0].columns, std::vector<std::string>{"parent_id"});
  EXPECT_EQ(child->foreign_keys[0].on_delete, "CASCADE");
  ASSERT_EQ(child->checks.size(), 1u);
  EXPECT_EQ(child->checks[0].name, "ck_seq");
  ASSERT_EQ(cat.views.size(), 1u);
  EXPECT_EQ(cat.views[0].name, "v_child");
}

// identity_sequence and identity_next (ABI 1.2): identity columns (ALWAYS, BY DEFAULT), serial
// and bigserial, and a default on a sequence of its own, with the sequence's name as
// pg_get_serial_sequence prints it and the value its next nextval() returns.
TEST_F(PgSourceTest, CatalogReportsIdentitySequencesAndTheirNextValue) {
  admin->exec(
      "CREATE TABLE ident_always (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v int)");
  admin->exec("INSERT INTO ident_always (v) VALUES (1), (2), (3)");
  admin->exec(
      "CREATE TABLE ident_default (id int GENERATED BY DEFAULT AS IDENTITY (START WITH 100 "
      "INCREMENT BY 5) PRIMARY KEY, v int)");
  admin->exec("INSERT INTO ident_default (v) VALUES (1), (2)");      // 100, 105
  admin->exec("INSERT INTO ident_default (id, v) VALUES (900, 3)");  // the sequence stays
  admin->exec("CREATE TABLE ser (id serial PRIMARY KEY, v int)");
  admin->exec("INSERT INTO ser (v) VALUES (1), (2)");
  admin->exec("CREATE TABLE bigser (id bigserial PRIMARY KEY)");  // never used
  admin->exec("CREATE TABLE \"Odd Name\" (\"Id\" serial, v int)");
  admin->exec("SELECT setval(pg_get_serial_sequence('\"Odd Name\"', 'Id'), 41)");
  admin->exec("CREATE SEQUENCE by_five START 7 INCREMENT 5");
  admin->exec("CREATE TABLE shared (id int DEFAULT nextval('by_five'), v int)");
  admin->exec("SELECT nextval('by_five')");  // 7
  admin->exec("CREATE TABLE restarted (id int GENERATED BY DEFAULT AS IDENTITY, v int)");
  admin->exec("INSERT INTO restarted (v) VALUES (1)");
  admin->exec("ALTER TABLE restarted ALTER COLUMN id RESTART WITH 77");  // is_called = false
  admin->exec("CREATE TABLE tiny (id smallint GENERATED ALWAYS AS IDENTITY (MAXVALUE 2), v int)");
  admin->exec("INSERT INTO tiny (v) VALUES (1), (2)");  // exhausted

  auto src = source();
  const Catalog cat = src->source().discover(only_this_schema());
  auto column = [&](const std::string& table, const std::string& name) -> const Column& {
    const Table* t = find_table(cat, table);
    EXPECT_TRUE(t) << table;
    const Column* c = t ? find_column(*t, name) : nullptr;
    EXPECT_TRUE(c) << table << "." << name;
    static const Column none;
    return c ? *c : none;
  };
  // What PostgreSQL itself prints for the sequence of a column.
  auto serial_sequence = [&](const std::string& table, const std::string& col) {
    return admin->scalar("SELECT pg_get_serial_sequence(" + admin->quote(schema + "." + table) +
                         ", " + admin->quote(col) + ")");
  };
  struct Expect {
    std::string table, column, sequence;
    int64_t next;
  };
  const std::vector<Expect> expected = {
      {"ident_always", "id", schema + ".ident_always_id_seq", 4},
      {"ident_default", "id", schema + ".ident_default_id_seq", 110},
      {"ser", "id", schema + ".ser_id_seq", 3},
      {"bigser", "id", schema + ".bigser_id_seq", 1},
      {"\"Odd Name\"", "Id", schema + ".\"Odd Name_Id_seq\"", 42},
      {"restarted", "id", schema + ".restarted_id_seq", 77},
      {"tiny", "id", schema + ".tiny_id_seq", -1},
  };
  for (const auto& e : expected) {
    SCOPED_TRACE(e.table);
    const std::string table =
        e.table.front() == '"' ? e.table.substr(1, e.table.size() - 2) : e.table;
    const Column& c = column(table, e.column);
    EXPECT_TRUE(c.flags & FERRY_COLUMN_AUTO_INCREMENT);
    EXPECT_EQ(c.identity_sequence.value_or("(none)"), e.sequence);
    EXPECT_EQ(c.identity_sequence.value_or("(none)"), serial_sequence(e.table, e.column));
    EXPECT_EQ(c.identity_next, e.next);
  }
  // A default on a sequence the column does not own: pg_get_serial_sequence knows nothing of
  // it, but it is the column's generator all the same.
  EXPECT_TRUE(column("shared", "id").flags & FERRY_COLUMN_AUTO_INCREMENT);
  EXPECT_EQ(column("shared", "id").identity_sequence.value_or("(none)"), schema + ".by_five");
  EXPECT_EQ(column("shared", "id").identity_next, 12);
  // Not generated: nothing.
  EXPECT_FALSE(column("ser", "v").flags & FERRY_COLUMN_AUTO_INCREMENT);
  EXPECT_FALSE(column("ser", "v").identity_sequence.has_value());
  EXPECT_EQ(column("ser", "v").identity_next, -1);
}

// ABI 1.3: GENERATED ALWAYS vs BY DEFAULT (FERRY_COLUMN_IDENTITY_ALWAYS), foreign keys'
// DEFERRABLE / INITIALLY DEFERRED / MATCH FULL (FERRY_FK_*), and index definitions with their
// sort order, NULLS placement, operator classes, collations, INCLUDE and WHERE.
TEST_F(PgSourceTest, CatalogReportsIdentityKindForeignKeyFlagsAndIndexDetails) {
  admin->exec(
      "CREATE TABLE p13 (id bigint GENERATED ALWAYS AS IDENTITY, x int, y int, n int GENERATED BY "
      "DEFAULT AS IDENTITY, s serial, PRIMARY KEY (id), UNIQUE (x, y), UNIQUE (x))");
  admin->exec(
      "CREATE TABLE c13 (id int PRIMARY KEY, a int, b int, t text, d int, "
      "CONSTRAINT c13_full FOREIGN KEY (a, b) REFERENCES p13 (x, y) MATCH FULL ON DELETE SET "
      "NULL DEFERRABLE INITIALLY DEFERRED, "
      "CONSTRAINT c13_def FOREIGN KEY (a) REFERENCES p13 (x) DEFERRABLE, "
      "CONSTRAINT c13_plain FOREIGN KEY (b) REFERENCES p13 (id))");
  admin->exec(
      "CREATE INDEX c13_ix ON c13 (a DESC NULLS LAST, t text_pattern_ops, t COLLATE \"C\" "
      "NULLS FIRST) INCLUDE (d) WHERE a > 0");
  auto src = source();
  const Catalog cat = src->source().discover(only_this_schema());
  const Table* p = find_table(cat, "p13");
  const Table* c = find_table(cat, "c13");
  ASSERT_TRUE(p && c);
  EXPECT_TRUE(find_column(*p, "id")->flags & FERRY_COLUMN_IDENTITY_ALWAYS);
  EXPECT_TRUE(find_column(*p, "id")->flags & FERRY_COLUMN_AUTO_INCREMENT);
  for (const char* col : {"n", "s", "x"}) {
    EXPECT_FALSE(find_column(*p, col)->flags & FERRY_COLUMN_IDENTITY_ALWAYS) << col;
  }
  std::map<std::string, uint32_t> fk_flags;
  for (const auto& fk : c->foreign_keys) fk_flags[fk.name] = fk.flags;
  EXPECT_EQ(fk_flags["c13_full"],
            uint32_t{FERRY_FK_DEFERRABLE | FERRY_FK_INITIALLY_DEFERRED | FERRY_FK_MATCH_FULL});
  EXPECT_EQ(fk_flags["c13_def"], uint32_t{FERRY_FK_DEFERRABLE});
  EXPECT_EQ(fk_flags["c13_plain"], 0u);
  const Index* ix = nullptr;
  for (const auto& x : c->indexes) {
    if (x.name == "c13_ix") ix = &x;
  }
  ASSERT_TRUE(ix);
  EXPECT_EQ(ix->columns, (std::vector<std::string>{"a", "t", "t"}));
  EXPECT_EQ(ix->definition,
            "CREATE INDEX c13_ix ON " + schema +
                ".c13 USING btree (a DESC NULLS LAST, t text_pattern_ops, t COLLATE \"C\" NULLS "
                "FIRST) INCLUDE (d) WHERE (a > 0)");
}

// Reading a sequence's state needs SELECT on it; USAGE shows it only once nextval() has been
// called. Without either the catalog still names the sequence, and its next value is unknown.
TEST_F(PgSourceTest, IdentityNextNeedsAPrivilegeOnTheSequence) {
  const std::string role = "ferry_ro_" + schema.substr(4, 40);
  const std::string other = schema + "_seqs";  // a schema the role may not use
  admin->exec("DROP SCHEMA IF EXISTS " + other + " CASCADE");
  admin->exec("DROP ROLE IF EXISTS " + role);
  admin->exec("CREATE ROLE " + role + " LOGIN PASSWORD 'ferry-test-ro'");
  struct DropRole {
    PgSession* admin;
    std::string role, other;
    ~DropRole() {
      try {
        admin->exec("DROP SCHEMA IF EXISTS " + other + " CASCADE");
        admin->exec("DROP OWNED BY " + role);
        admin->exec("DROP ROLE IF EXISTS " + role);
      } catch (const std::exception&) {
      }
    }
  } drop_role{admin.get(), role, other};
  admin->exec("CREATE TABLE none_granted (id int GENERATED ALWAYS AS IDENTITY, v int)");
  admin->exec("INSERT INTO none_granted (v) VALUES (1)");
  admin->exec("CREATE TABLE used (id serial, v int)");
  admin->exec("INSERT INTO used (v) VALUES (1), (2)");
  admin->exec("CREATE TABLE unused (id serial, v int)");
  admin->exec("CREATE TABLE readable (id bigserial, v int)");
  admin->exec("CREATE SCHEMA " + other);
  admin->exec("CREATE SEQUENCE " + other + ".ids START 10");
  admin->exec("CREATE TABLE elsewhere (id int DEFAULT nextval('" + other + ".ids'), v int)");
  admin->exec("GRANT SELECT ON SEQUENCE " + other + ".ids TO " + role);  // no USAGE on `other`
  admin->exec("GRANT USAGE ON SCHEMA " + schema + " TO " + role);
  admin->exec("GRANT SELECT ON ALL TABLES IN SCHEMA " + schema + " TO " + role);  // no sequences
  admin->exec("GRANT USAGE ON SEQUENCE used_id_seq, unused_id_seq TO " + role);
  admin->exec("GRANT SELECT ON SEQUENCE readable_id_seq TO " + role);

  ConfigMap c = config();
  c["user"] = role;
  c["password"] = SecretValue{"ferry-test-ro"};
  auto src = host.create(ferry_plugin_entry_v1(), FERRY_KIND_SOURCE, "postgres", c);
  const Catalog cat = src->source().discover(only_this_schema());
  auto id = [&](const std::string& table) {
    const Table* t = find_table(cat, table);
    EXPECT_TRUE(t) << table;
    return t ? *find_column(*t, "id") : Column{};
  };
  EXPECT_EQ(id("none_granted").identity_sequence.value_or(""), schema + ".none_granted_id_seq");
  EXPECT_EQ(id("none_granted").identity_next, -1);
  EXPECT_EQ(id("used").identity_next, 3);     // USAGE, called: last_value + 1
  EXPECT_EQ(id("unused").identity_next, -1);  // USAGE, never called: not visible
  EXPECT_EQ(id("unused").identity_sequence.value_or(""), schema + ".unused_id_seq");
  EXPECT_EQ(id("readable").identity_next, 1);  // SELECT: is_called is visible
  EXPECT_EQ(id("elsewhere").identity_sequence.value_or(""), other + ".ids");
  EXPECT_EQ(id("elsewhere").identity_next, -1);  // SELECT, but the schema is out of reach
}

TEST_F(PgSourceTest, SplitsCoverEveryRowOnce) {
  admin->exec("CREATE TABLE dense (id int PRIMARY KEY, v int)");
  admin->exec("INSERT INTO dense SELECT g, g FROM generate_series(1, 10000) g");
  admin->exec("CREATE TABLE strkey (k text PRIMARY KEY, v int)");
  admin->exec(
      "INSERT INTO strkey SELECT 'key-' || lpad(g::text, 6, '0') || CASE WHEN g % 3 = 0 "
      "THEN 'é' ELSE 'Z' END, g FROM generate_series(1, 3000) g");
  admin->exec("CREATE TABLE composite (a int, b timestamptz, PRIMARY KEY (a, b))");
  admin->exec(
      "INSERT INTO composite SELECT g % 7, timestamptz '2024-01-01 00:00:00.25+00' + g "
      "* interval '1 second' FROM generate_series(1, 4000) g");
  admin->exec("CREATE TABLE heap (a int, b text)");
  admin->exec("INSERT INTO heap SELECT g, repeat('x', 100) FROM generate_series(1, 5000) g");
  admin->exec("ANALYZE dense, strkey, composite, heap");
  auto src = source();
  src->source().discover(only_this_schema());
  for (const auto& [table, rows] : std::map<std::string, size_t>{
           {"dense", 10000}, {"strkey", 3000}, {"composite", 4000}, {"heap", 5000}}) {
    const Catalog cat =
        src->source().discover(R"({"include":[")" + schema + "." + table + R"("]})");
    const TableRefHolder ref(schema_of(cat.tables.at(0)));
    const auto splits = src->source().plan_splits(*ref.ref(), 700);
    EXPECT_GE(splits.size(), rows / 1000) << table << " was not split";
    std::multiset<std::string> keys;
    for (const auto& s : splits) {
      for (const auto& row : read_all(src->source().open_snapshot(s, 333))) {
        keys.insert(row[0].value_or("NULL") + "|" + row[1].value_or("NULL"));
      }
    }
    EXPECT_EQ(keys.size(), rows) << table;
    EXPECT_EQ(std::set<std::string>(keys.begin(), keys.end()).size(), rows)
        << table << ": a row was read twice";
  }
}

TEST_F(PgSourceTest, SnapshotReadsTheDatabaseAsOfTheSlot) {
  admin->exec("CREATE TABLE h (id int PRIMARY KEY, v bigint NOT NULL)");
  admin->exec("INSERT INTO h SELECT g, g FROM generate_series(1, 5000) g");
  admin->exec("ANALYZE h");
  auto src = source();
  const Catalog cat = src->source().discover(only_this_schema());
  const Position at = src->source().snapshot_position();
  EXPECT_FALSE(at.display.empty());
  // Changes after the slot's consistent point are not in the snapshot.
  admin->exec("UPDATE h SET v = -v WHERE id <= 100");
  admin->exec("DELETE FROM h WHERE id > 4900");
  admin->exec("INSERT INTO h VALUES (6000, 6000)");
  const TableRefHolder ref(schema_of(cat.tables.at(0)));
  std::map<std::string, std::string> rows;
  // Read by other instances too: the split carries the exported snapshot.
  auto other = source();
  for (const auto& s : src->source().plan_splits(*ref.ref(), 1000)) {
    for (const auto& r : read_all(other->source().open_snapshot(s, 500))) rows[*r[0]] = *r[1];
  }
  EXPECT_EQ(rows.size(), 5000u);
  EXPECT_EQ(rows["1"], "1");
  EXPECT_EQ(rows["5000"], "5000");
  EXPECT_EQ(rows.count("6000"), 0u);
  // The slot exists now; a second snapshot for the same task is refused by name.
  EXPECT_THROW(src->source().snapshot_position(), Error);
}

TEST_F(PgSourceTest, TypeMatrixSnapshotReproducesEveryValueExactly) {
  create_pg_type_matrix(*admin);
  auto src = source();
  const Catalog cat = src->source().discover(only_this_schema());
  const TableRefHolder ref(schema_of(cat.tables.at(0)));
  auto rows =
      read_all(src->source().open_snapshot(src->source().plan_splits(*ref.ref(), 100).at(0), 10));
  std::sort(rows.begin(), rows.end(),
            [](const Row& a, const Row& b) { return std::stoi(*a[0]) < std::stoi(*b[0]); });
  check_pg_type_matrix(rows, cat.tables[0]);
}

TEST_F(PgSourceTest, PrecheckNamesTablesThatCannotReplicateUpdates) {
  admin->exec("CREATE TABLE keyed (id int PRIMARY KEY)");
  admin->exec("CREATE TABLE bare (a int)");
  admin->exec("CREATE TABLE full_identity (a int)");
  admin->exec("ALTER TABLE full_identity REPLICA IDENTITY FULL");
  admin->exec("CREATE UNLOGGED TABLE scratch (id int PRIMARY KEY)");
  auto src = source();
  src->source().discover(only_this_schema());
  const auto report = nlohmann::json::parse(src->source().precheck());
  std::map<std::string, nlohmann::json> items;
  for (const auto& i : report) items[i["item"]] = i;
  EXPECT_EQ(items["connect"]["status"], "passed");
  EXPECT_EQ(items["wal_level"]["status"], "passed");
  EXPECT_EQ(items["privilege_replication"]["status"], "passed");
  EXPECT_EQ(items["replication_slot"]["status"], "passed");
  ASSERT_EQ(items["replica_identity"]["status"], "failed");
  const std::string detail = items["replica_identity"]["detail"];
  EXPECT_NE(detail.find("bare"), std::string::npos) << detail;
  EXPECT_EQ(detail.find("keyed"), std::string::npos) << detail;
  EXPECT_EQ(detail.find("full_identity"), std::string::npos) << detail;
  EXPECT_NE(std::string(items["replica_identity"]["fix"]).find("REPLICA IDENTITY FULL"),
            std::string::npos);
  ASSERT_EQ(items["unlogged_tables"]["status"], "warning");
  EXPECT_NE(std::string(items["unlogged_tables"]["detail"]).find("scratch"), std::string::npos);
}

}  // namespace
}  // namespace ferry::testing
