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
