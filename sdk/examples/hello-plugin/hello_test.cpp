// Unit tests of the hello plugin, through its C tables, with the SDK's fake host: the plugin's
// sources are linked into this executable, and FakeHost creates components from the manifest
// the way ferryd does (declared defaults applied, required fields and types checked).
#include <ferry/sdk.hpp>
#include <ferry/testing/fake_host.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

// Defined by FERRY_PLUGIN in hello_plugin.cpp.
extern "C" const ferry_plugin_manifest* ferry_plugin_entry_v1(void);

namespace {

using ferry::testing::FakeHost;
using ferry::testing::Row;
using ferry::testing::TestInstance;

// Runs a transform instance on one batch, as the host does between two stages.
ferry::OwnedBatch run_transform(const TestInstance& t, const ferry::OwnedBatch& in) {
  return t.transform(in.get());
}

ferry::Column column(std::string name, ferry_type type) {
  ferry::Column c;
  c.name = std::move(name);
  c.type = type;
  return c;
}

// people(id BIGINT, name VARCHAR, note TEXT, code CHAR, amount DECIMAL)
ferry::SharedTable people() {
  return ferry::make_table(
      ferry::TableSchema{"shop",
                         "people",
                         {column("id", FERRY_TYPE_INT64), column("name", FERRY_TYPE_VARCHAR),
                          column("note", FERRY_TYPE_TEXT), column("code", FERRY_TYPE_CHAR),
                          column("amount", FERRY_TYPE_DECIMAL)}});
}

TEST(HelloPlugin, Manifest) {
  const ferry_plugin_manifest* m = ferry_plugin_entry_v1();
  EXPECT_EQ(m->magic, FERRY_ABI_MAGIC);
  EXPECT_EQ(m->abi_major, static_cast<uint32_t>(FERRY_ABI_MAJOR));
  EXPECT_EQ(m->abi_minor, static_cast<uint32_t>(FERRY_ABI_MINOR));  // the SDK it was built with
  EXPECT_STREQ(m->name, "hello");
  EXPECT_STREQ(m->version, "0.1.0");
  ASSERT_EQ(m->component_count, 2u);
  EXPECT_EQ(m->components[0]->kind, FERRY_KIND_TRANSFORM);
  EXPECT_STREQ(m->components[0]->name, "uppercase");
  EXPECT_EQ(m->components[1]->kind, FERRY_KIND_SOURCE);
  EXPECT_STREQ(m->components[1]->name, "hello");
  EXPECT_EQ(m->components[1]->capabilities,
            uint64_t{FERRY_CAP_SOURCE_CATALOG | FERRY_CAP_SOURCE_SNAPSHOT});
}

TEST(HelloSource, DiscoversTheGreetingsTable) {
  FakeHost host;
  auto src = host.create(ferry_plugin_entry_v1(), FERRY_KIND_SOURCE, "hello", {{"rows", 5}});
  const ferry::Catalog catalog = src->source().discover();
  EXPECT_EQ(catalog.schemas, std::vector<std::string>{"hello"});
  ASSERT_EQ(catalog.tables.size(), 1u);
  const ferry::Table& t = catalog.tables[0];
  EXPECT_EQ(t.schema, "hello");
  EXPECT_EQ(t.name, "greetings");
  EXPECT_EQ(t.row_estimate, 5);
  ASSERT_EQ(t.columns.size(), 2u);
  EXPECT_EQ(t.columns[0].name, "id");
  EXPECT_EQ(t.columns[0].type, FERRY_TYPE_INT64);
  EXPECT_EQ(t.columns[0].flags, uint32_t{FERRY_COLUMN_IN_PRIMARY_KEY});
  EXPECT_EQ(t.columns[1].name, "greeting");
  EXPECT_EQ(t.columns[1].type, FERRY_TYPE_VARCHAR);
  EXPECT_EQ(t.columns[1].length, 32);
  ASSERT_EQ(t.indexes.size(), 1u);
  EXPECT_EQ(t.indexes[0].kind, FERRY_INDEX_PRIMARY);
  EXPECT_EQ(t.indexes[0].columns, std::vector<std::string>{"id"});
}

TEST(HelloSource, PlansSplitsAndReadsEveryRow) {
  FakeHost host;
  auto src = host.create(ferry_plugin_entry_v1(), FERRY_KIND_SOURCE, "hello", {{"rows", 5}});
  const ferry::Catalog catalog = src->source().discover();
  const ferry::SharedTable table = ferry::make_table(ferry::schema_of(catalog.tables[0]));

  EXPECT_EQ(src->source().snapshot_position().display, "hello:0");
  const std::vector<ferry::Split> splits = src->source().plan_splits(*table->ref(), 2);
  ASSERT_EQ(splits.size(), 3u);
  EXPECT_EQ(splits[0].display, "id >= 1 AND id < 3");
  EXPECT_EQ(splits[1].display, "id >= 3 AND id < 5");
  EXPECT_EQ(splits[2].display, "id >= 5 AND id < 6");
  EXPECT_EQ(splits[2].row_estimate, 1);

  std::vector<Row> rows;
  for (const auto& split : splits) {
    // One row per batch, so every split is read in more than one next() where it can be.
    auto part = ferry::testing::read_all(src->source().open_snapshot(split, 1));
    rows.insert(rows.end(), part.begin(), part.end());
  }
  const std::vector<Row> expected = {{"1", "hello #1"},
                                     {"2", "bonjour #2"},
                                     {"3", "hola #3"},
                                     {"4", "ciao #4"},
                                     {"5", "hallo #5"}};
  EXPECT_EQ(rows, expected);
}

TEST(HelloSource, DefaultsToThreeRows) {
  FakeHost host;
  auto src = host.create(ferry_plugin_entry_v1(), FERRY_KIND_SOURCE, "hello");
  const ferry::SharedTable table =
      ferry::make_table(ferry::schema_of(src->source().discover().tables[0]));
  const auto splits = src->source().plan_splits(*table->ref(), 1000);
  ASSERT_EQ(splits.size(), 1u);
  const std::vector<Row> expected = {{"1", "hello #1"}, {"2", "bonjour #2"}, {"3", "hola #3"}};
  EXPECT_EQ(ferry::testing::read_all(src->source().open_snapshot(splits[0], 100)), expected);
}

TEST(HelloSource, RefusesNegativeRows) {
  FakeHost host;
  try {
    host.create(ferry_plugin_entry_v1(), FERRY_KIND_SOURCE, "hello", {{"rows", -1}});
    FAIL() << "create succeeded";
  } catch (const ferry::Error& e) {
    EXPECT_EQ(e.status(), FERRY_INVALID_ARGUMENT);
    EXPECT_EQ(std::string(e.what()), "create 'hello' failed: hello: rows must be >= 0, not -1");
  }
}

TEST(Uppercase, UpperCasesEveryTextColumnAndKeepsFlags) {
  FakeHost host;
  auto tr = host.create(ferry_plugin_entry_v1(), FERRY_KIND_TRANSFORM, "uppercase");
  auto b = ferry::BatchBuilder::rows(people());
  b.add_row({"1", "ada", "likes tea", "ab", "12.50"});
  b.add_row({"2", std::nullopt, "", "é!", "-0.01"});
  b.add_cell("3");
  b.add_cell("bob");
  b.add_cell("", FERRY_CELL_UNCHANGED);  // kept as it is, flag and all
  b.add_cell("cd");
  b.add_null();
  const ferry::OwnedBatch out = run_transform(*tr, ferry::OwnedBatch::from(std::move(b)));

  const ferry::BatchView v(out.get());
  ASSERT_TRUE(v.is_row_batch());
  EXPECT_STREQ(v.table(0)->name, "people");
  const std::vector<Row> expected = {{"1", "ADA", "LIKES TEA", "AB", "12.50"},
                                     {"2", std::nullopt, "", "é!", "-0.01"},
                                     {"3", "BOB", "", "CD", std::nullopt}};
  EXPECT_EQ(ferry::testing::rows_of(out.get()), expected);
  EXPECT_EQ(v.cell(v.after(2), 2).flags, uint8_t{FERRY_CELL_UNCHANGED});
  EXPECT_EQ(v.cell(v.after(2), 4).flags, uint8_t{FERRY_CELL_NULL});
}

TEST(Uppercase, OnlyTheConfiguredColumns) {
  FakeHost host;
  auto tr = host.create(ferry_plugin_entry_v1(), FERRY_KIND_TRANSFORM, "uppercase",
                        {{"columns", std::vector<std::string>{"note", "amount"}}});
  auto b = ferry::BatchBuilder::rows(people());
  b.add_row({"1", "ada", "likes tea", "ab", "12.50"});
  const ferry::OwnedBatch out = run_transform(*tr, ferry::OwnedBatch::from(std::move(b)));
  // "amount" is listed but is not a text column: unchanged.
  const std::vector<Row> expected = {{"1", "ada", "LIKES TEA", "ab", "12.50"}};
  EXPECT_EQ(ferry::testing::rows_of(out.get()), expected);
}

TEST(Uppercase, ChangeBatch) {
  FakeHost host;
  auto tr = host.create(ferry_plugin_entry_v1(), FERRY_KIND_TRANSFORM, "uppercase");
  const ferry::Bytes pos = ferry::to_bytes("binlog.000001:400");
  auto b = ferry::BatchBuilder::changes({people()});
  b.add_record(FERRY_OP_BEGIN, FERRY_NO_TABLE, FERRY_NO_ROW, FERRY_NO_ROW, 7, 1000);
  const uint64_t before = b.next_cell();
  b.add_row({"1", "ada", "x", "ab", "1.00"});
  const uint64_t after = b.next_cell();
  b.add_row({"1", "ada l.", std::nullopt, "ab", "2.00"});
  b.add_record(FERRY_OP_UPDATE, 0, before, after, 7, 1000);
  const uint64_t ddl = b.next_cell();
  b.add_cell("alter table people add column z int");
  b.add_record(FERRY_OP_DDL, 0, FERRY_NO_ROW, ddl, 7, 1000);
  b.add_record(FERRY_OP_COMMIT, FERRY_NO_TABLE, FERRY_NO_ROW, FERRY_NO_ROW, 7, 1000, pos);
  const ferry::OwnedBatch out = run_transform(*tr, ferry::OwnedBatch::from(std::move(b)));

  const ferry::BatchView v(out.get());
  ASSERT_FALSE(v.is_row_batch());
  ASSERT_EQ(v.record_count(), 4u);
  EXPECT_EQ(v.op(0), FERRY_OP_BEGIN);
  EXPECT_EQ(v.table(0), nullptr);
  EXPECT_EQ(v.op(1), FERRY_OP_UPDATE);
  EXPECT_STREQ(v.table(1)->name, "people");
  EXPECT_EQ(v.txn_seq(1), 7u);
  EXPECT_EQ(v.commit_time_us(1), 1000);
  EXPECT_EQ(v.cell(v.before(1), 1).data, "ADA");
  EXPECT_EQ(v.cell(v.before(1), 2).data, "X");
  EXPECT_EQ(v.cell(v.after(1), 1).data, "ADA L.");
  EXPECT_TRUE(v.cell(v.after(1), 2).is_null());
  EXPECT_EQ(v.cell(v.after(1), 4).data, "2.00");
  EXPECT_EQ(v.op(2), FERRY_OP_DDL);
  EXPECT_EQ(v.before(2), FERRY_NO_ROW);
  EXPECT_EQ(v.cell(v.after(2)).data, "alter table people add column z int");  // not a row
  EXPECT_EQ(v.op(3), FERRY_OP_COMMIT);
  EXPECT_EQ(v.after(3), FERRY_NO_ROW);
  const auto p = v.position(3);
  EXPECT_EQ(ferry::Bytes(p.begin(), p.end()), pos);
}

TEST(Uppercase, OnTheSourcesRows) {
  FakeHost host;
  auto src = host.create(ferry_plugin_entry_v1(), FERRY_KIND_SOURCE, "hello", {{"rows", 2}});
  auto tr = host.create(ferry_plugin_entry_v1(), FERRY_KIND_TRANSFORM, "uppercase",
                        {{"columns", std::vector<std::string>{"greeting"}}});
  const ferry::SharedTable table =
      ferry::make_table(ferry::schema_of(src->source().discover().tables[0]));
  auto stream = src->source().open_snapshot(src->source().plan_splits(*table->ref(), 10).at(0), 10);
  const ferry::OwnedBatch in = stream.next();
  ASSERT_FALSE(in.is_end());
  const ferry::OwnedBatch out = run_transform(*tr, in);
  const std::vector<Row> expected = {{"1", "HELLO #1"}, {"2", "BONJOUR #2"}};
  EXPECT_EQ(ferry::testing::rows_of(out.get()), expected);
  EXPECT_TRUE(stream.next().is_end());
}

TEST(Uppercase, UnknownConfigFieldIsRefused) {
  FakeHost host;
  EXPECT_THROW(host.create(ferry_plugin_entry_v1(), FERRY_KIND_TRANSFORM, "uppercase",
                           {{"colums", std::vector<std::string>{"greeting"}}}),
               ferry::Error);
}

}  // namespace
