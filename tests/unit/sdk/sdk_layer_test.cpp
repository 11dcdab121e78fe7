// The C++ layer through the C ABI: a plugin declared with FERRY_PLUGIN in this test binary,
// driven through the fake host exactly as ferryd drives a loaded plugin.
#include <gtest/gtest.h>
#include <ferry/sdk.hpp>
#include <ferry/testing/fake_host.hpp>

#include <cstddef>
#include <cstring>
#include <stdexcept>

namespace {

using ferry::testing::FakeHost;
using ferry::testing::Row;

ferry::TableSchema people() {
  ferry::TableSchema t{"app", "people", {}};
  ferry::Column id;
  id.name = "id";
  id.type = FERRY_TYPE_INT64;
  id.flags = FERRY_COLUMN_IN_PRIMARY_KEY | FERRY_COLUMN_AUTO_INCREMENT;
  id.identity_sequence = "app.\"people_Id_seq\"";
  id.identity_next = 42;
  ferry::Column mood;
  mood.name = "mood";
  mood.type = FERRY_TYPE_ENUM;
  mood.labels = {"happy", "sad", ""};
  mood.charset = "utf8mb4";
  t.columns = {id, mood};
  return t;
}

class TestSource : public ferry::Source {
 public:
  explicit TestSource(const ferry::CreateContext& ctx) : ctx_(ctx) {
    if (ctx.config.get_string("mode") == "refuse") {
      ferry::fail(FERRY_INVALID_ARGUMENT, "mode 'refuse' refuses");
    }
  }
  ferry::Catalog discover(const std::string& selection) override {
    if (selection == "explode") throw std::runtime_error("exploded");
    ferry::Catalog c;
    c.schemas = {"app"};
    ferry::Table t;
    t.schema = "app";
    t.name = "people";
    t.columns = people().columns;
    t.indexes.push_back({FERRY_INDEX_PRIMARY, "PRIMARY", {"id"}, "PRIMARY KEY (id)"});
    t.foreign_keys.push_back({"fk_x",
                              {"id"},
                              "app",
                              "other",
                              {"oid"},
                              "CASCADE",
                              "RESTRICT",
                              FERRY_FK_DEFERRABLE | FERRY_FK_INITIALLY_DEFERRED});
    t.checks.push_back({"ck", "id > 0"});
    c.tables.push_back(t);
    c.views.push_back({"app", "v", "SELECT 1", "a view"});
    ctx_.host.metric_add("discovers", 1);
    return c;
  }
  ferry::Position snapshot_position() override { return {ferry::Bytes{1, 0, 2}, "p:1"}; }
  std::vector<ferry::Split> plan_splits(const ferry::TableSchema& t, uint64_t rows) override {
    return {ferry::Split{t.schema, t.name, ferry::to_bytes("0:" + std::to_string(rows)), "all", 3}};
  }
  std::unique_ptr<ferry::BatchStream> open_snapshot(const ferry::Split&, uint32_t) override {
    struct S : ferry::BatchStream {
      int left = 2;
      ferry::OwnedBatch next() override {
        if (left-- == 0) return ferry::OwnedBatch{};
        auto b = ferry::BatchBuilder::rows(ferry::make_table(people()));
        b.add_row({"1", "happy"});
        b.add_row({"2", std::nullopt});
        b.add_row({"3", ""});
        return ferry::OwnedBatch::from(std::move(b));
      }
    };
    return std::make_unique<S>();
  }
  ferry::CreateContext ctx_;
};

class TestDestination : public ferry::Destination {
 public:
  explicit TestDestination(const ferry::CreateContext&) {}
  void bulk_write(const ferry_table_ref& table, const ferry::BatchView& batch,
                  uint32_t /*flags*/) override {
    if (std::string(table.name) == "forbidden") ferry::fail(FERRY_DATA_LOSS, "lost it");
    for (uint64_t r = 0; r < batch.record_count(); ++r) {
      const auto first = batch.after(r);
      if (first == FERRY_NO_ROW) continue;  // BEGIN / COMMIT carry no row
      if (batch.op(r) == FERRY_OP_UPDATE)
        updates.push_back(std::string(batch.cell(batch.before(r)).data));
      written.push_back(std::string(batch.cell(first).data));
    }
  }
  static inline std::vector<std::string> written, updates;
};

FERRY_PLUGIN("sdktest", "3.2.1", "plugin under test",
             ferry::source<TestSource>(
                 "src", "test source", FERRY_CAP_SOURCE_CATALOG | FERRY_CAP_SOURCE_SNAPSHOT,
                 {ferry::field::string("mode", "how to behave").with_default("ok"),
                  ferry::field::integer("limit", "a number").required(),
                  ferry::field::secret("password", "a secret")}),
             ferry::destination<TestDestination>("dst", "test destination", FERRY_CAP_DEST_BULK))

TEST(SdkLayer, ManifestCarriesVersionsComponentsAndFields) {
  const ferry_plugin_manifest* m = ferry_plugin_entry_v1();
  EXPECT_EQ(m->magic, FERRY_ABI_MAGIC);
  EXPECT_EQ(m->abi_major, static_cast<uint32_t>(FERRY_ABI_MAJOR));
  EXPECT_EQ(m->abi_minor, static_cast<uint32_t>(FERRY_ABI_MINOR));
  EXPECT_STREQ(m->version, "3.2.1");
  ASSERT_EQ(m->component_count, 2u);
  const ferry_component_desc* src = m->components[0];
  EXPECT_EQ(src->kind, static_cast<ferry_kind>(FERRY_KIND_SOURCE));
  ASSERT_EQ(src->config_field_count, 3u);
  EXPECT_STREQ(src->config_fields[0]->default_value, "ok");
  EXPECT_EQ(src->config_fields[1]->required, 1);
  EXPECT_EQ(src->config_fields[2]->type, static_cast<ferry_field_type>(FERRY_FIELD_SECRET));
  // Only the declared capabilities get callbacks: no change stream here.
  const auto* vt = static_cast<const ferry_source_vtable*>(src->vtable);
  EXPECT_NE(vt->open_snapshot, nullptr);
  EXPECT_EQ(vt->open_changes, nullptr);
  EXPECT_EQ(vt->ack, nullptr);
  const auto* dvt = static_cast<const ferry_destination_vtable*>(m->components[1]->vtable);
  EXPECT_NE(dvt->bulk_write, nullptr);
  EXPECT_EQ(dvt->apply_changes, nullptr);
  // The entry point is side-effect free: the same static manifest every time.
  EXPECT_EQ(ferry_plugin_entry_v1(), m);
}

TEST(SdkLayer, CatalogSurvivesTheRoundTrip) {
  FakeHost host;
  auto src = host.create(ferry_plugin_entry_v1(), FERRY_KIND_SOURCE, "src", {{"limit", 5}});
  const ferry::Catalog c = src->source().discover();
  ASSERT_EQ(c.tables.size(), 1u);
  const auto& t = c.tables[0];
  EXPECT_EQ(t.columns[1].labels, (std::vector<std::string>{"happy", "sad", ""}));
  EXPECT_EQ(t.columns[1].charset, "utf8mb4");
  EXPECT_FALSE(t.columns[0].charset.has_value());
  EXPECT_EQ(t.columns[0].identity_sequence, "app.\"people_Id_seq\"");
  EXPECT_EQ(t.columns[0].identity_next, 42);
  EXPECT_FALSE(t.columns[1].identity_sequence.has_value());
  EXPECT_EQ(t.columns[1].identity_next, -1);
  EXPECT_EQ(t.indexes[0].definition, "PRIMARY KEY (id)");
  EXPECT_EQ(t.foreign_keys[0].ref_columns, (std::vector<std::string>{"oid"}));
  EXPECT_EQ(t.foreign_keys[0].on_delete, "RESTRICT");
  EXPECT_EQ(t.foreign_keys[0].flags, uint32_t{FERRY_FK_DEFERRABLE | FERRY_FK_INITIALLY_DEFERRED});
  EXPECT_EQ(t.checks[0].expression, "id > 0");
  EXPECT_EQ(c.views[0].comment, "a view");
  EXPECT_EQ(host.metric("discovers"), 1);
}

// ABI 1.2 appended identity_sequence and identity_next to ferry_column: a column from a 1.0/1.1
// producer ends at `labels`, and whatever lies past its struct_size is not the column's.
TEST(SdkLayer, ColumnIdentityRoundTripsAndAnOlderColumnHasNone) {
  const ferry::TableSchema t = people();
  const ferry::detail::ColumnViews views(t.columns);
  ASSERT_EQ(views.cols[0].struct_size, sizeof(ferry_column));
  EXPECT_STREQ(views.cols[0].identity_sequence, "app.\"people_Id_seq\"");
  EXPECT_EQ(views.cols[0].identity_next, 42);
  EXPECT_EQ(views.cols[1].identity_sequence, nullptr);
  EXPECT_EQ(views.cols[1].identity_next, -1);
  const ferry::Column back = ferry::copy_column(views.cols[0]);
  EXPECT_EQ(back.identity_sequence, "app.\"people_Id_seq\"");
  EXPECT_EQ(back.identity_next, 42);
  EXPECT_EQ(back.flags, t.columns[0].flags);

  constexpr size_t kSize11 = offsetof(ferry_column, labels) + sizeof(const char* const*);
  static_assert(kSize11 == 104, "a 1.0/1.1 ferry_column");
  alignas(ferry_column) unsigned char older[sizeof(ferry_column)];
  std::memset(older, 0x5a, sizeof(older));  // what follows a 1.1 column: not its members
  std::memcpy(older, &views.cols[0], kSize11);
  ferry_column* c11 = reinterpret_cast<ferry_column*>(older);
  c11->struct_size = kSize11;
  EXPECT_FALSE(FERRY_HAS_FIELD(c11, ferry_column, identity_sequence));
  const ferry::Column old_col = ferry::copy_column(*c11);
  EXPECT_EQ(old_col.name, "id");
  EXPECT_EQ(old_col.flags, t.columns[0].flags);
  EXPECT_FALSE(old_col.identity_sequence.has_value());
  EXPECT_EQ(old_col.identity_next, -1);
}

// ABI 1.3 appended flags to ferry_foreign_key: a 1.0-1.2 producer's foreign key ends at
// `on_delete`, and whatever lies past its struct_size is not the key's.
TEST(SdkLayer, ForeignKeyFlagsRoundTripAndAnOlderKeyHasNone) {
  ferry::Catalog c;
  ferry::Table t;
  t.schema = "app";
  t.name = "child";
  t.foreign_keys.push_back({"fk_a",
                            {"pid"},
                            "app",
                            "parent",
                            {"id"},
                            "CASCADE",
                            "NO ACTION",
                            FERRY_FK_DEFERRABLE | FERRY_FK_MATCH_FULL});
  t.foreign_keys.push_back(t.foreign_keys[0]);
  c.tables.push_back(t);
  ferry_catalog out{};
  ferry::export_catalog(c, &out);
  ASSERT_EQ(out.tables[0]->foreign_keys[0]->struct_size, sizeof(ferry_foreign_key));
  EXPECT_EQ(out.tables[0]->foreign_keys[0]->flags,
            uint32_t{FERRY_FK_DEFERRABLE | FERRY_FK_MATCH_FULL});
  constexpr size_t kSize12 = offsetof(ferry_foreign_key, on_delete) + sizeof(const char*);
  static_assert(kSize12 == 64, "a 1.0-1.2 ferry_foreign_key");
  auto* older = const_cast<ferry_foreign_key*>(out.tables[0]->foreign_keys[1]);
  older->struct_size = kSize12;
  older->flags = 0x5a5a5a5au;  // past a 1.2 key's end: not its member
  EXPECT_FALSE(FERRY_HAS_FIELD(older, ferry_foreign_key, flags));
  const ferry::Catalog back = ferry::adopt_catalog(&out);
  ASSERT_EQ(back.tables[0].foreign_keys.size(), 2u);
  EXPECT_EQ(back.tables[0].foreign_keys[0].flags,
            uint32_t{FERRY_FK_DEFERRABLE | FERRY_FK_MATCH_FULL});
  EXPECT_EQ(back.tables[0].foreign_keys[1].name, "fk_a");
  EXPECT_EQ(back.tables[0].foreign_keys[1].on_update, "CASCADE");
  EXPECT_EQ(back.tables[0].foreign_keys[1].flags, 0u);
}

TEST(SdkLayer, ExceptionsBecomeStatusAndLastError) {
  FakeHost host;
  auto src = host.create(ferry_plugin_entry_v1(), FERRY_KIND_SOURCE, "src", {{"limit", 5}});
  try {
    src->source().discover("explode");
    FAIL();
  } catch (const ferry::Error& e) {
    EXPECT_EQ(e.status(), FERRY_INTERNAL);
    EXPECT_EQ(std::string(e.what()), "source discover: unhandled exception: exploded");
  }
  EXPECT_EQ(src->last_error(), "unhandled exception: exploded");

  auto dst = host.create(ferry_plugin_entry_v1(), FERRY_KIND_DESTINATION, "dst");
  auto table = ferry::make_table(ferry::TableSchema{"app", "forbidden", people().columns});
  auto b = ferry::BatchBuilder::rows(table);
  b.add_row({"1", "x"});
  auto batch = ferry::OwnedBatch::from(std::move(b));
  try {
    dst->destination().bulk_write(*table->ref(), batch.get());
    FAIL();
  } catch (const ferry::Error& e) {
    EXPECT_EQ(e.status(), FERRY_DATA_LOSS);  // a ferry::Error keeps its status
    EXPECT_EQ(std::string(e.what()), "destination bulk_write: lost it");
  }
}

TEST(SdkLayer, CreateFailuresAndConfigChecks) {
  FakeHost host;
  try {
    host.create(ferry_plugin_entry_v1(), FERRY_KIND_SOURCE, "src",
                {{"limit", 1}, {"mode", "refuse"}});
    FAIL();
  } catch (const ferry::Error& e) {
    EXPECT_EQ(e.status(), FERRY_INVALID_ARGUMENT);
    EXPECT_EQ(std::string(e.what()), "create 'src' failed: mode 'refuse' refuses");
  }
  EXPECT_THROW(host.create(ferry_plugin_entry_v1(), FERRY_KIND_SOURCE, "src"), ferry::Error);
  EXPECT_THROW(host.create(ferry_plugin_entry_v1(), FERRY_KIND_SOURCE, "src", {{"limit", "x"}}),
               ferry::Error);
  EXPECT_THROW(host.create(ferry_plugin_entry_v1(), FERRY_KIND_SOURCE, "src", {{"nope", 1}}),
               ferry::Error);
}

TEST(SdkLayer, SnapshotStreamsRowsWithNullsAndEmptyStrings) {
  FakeHost host;
  auto src = host.create(ferry_plugin_entry_v1(), FERRY_KIND_SOURCE, "src",
                         {{"limit", 5}, {"password", ferry::testing::SecretValue{"s3cret"}}});
  auto table = ferry::make_table(people());
  const auto splits = src->source().plan_splits(*table->ref(), 10);
  ASSERT_EQ(splits.size(), 1u);
  EXPECT_EQ(std::string(ferry::as_text(splits[0].bounds)), "0:10");
  const std::vector<Row> rows =
      ferry::testing::read_all(src->source().open_snapshot(splits[0], 100));
  const std::vector<Row> one = {{"1", "happy"}, {"2", std::nullopt}, {"3", ""}};
  std::vector<Row> expected = one;
  expected.insert(expected.end(), one.begin(), one.end());
  EXPECT_EQ(rows, expected);
  const ferry::Position p = src->source().snapshot_position();
  EXPECT_EQ(p.bytes, (ferry::Bytes{1, 0, 2}));
  EXPECT_EQ(p.display, "p:1");
}

TEST(SdkLayer, ChangeBatchCarriesOpsImagesAndPositions) {
  auto table = ferry::make_table(people());
  auto b = ferry::BatchBuilder::changes({table});
  b.add_record(FERRY_OP_BEGIN, FERRY_NO_TABLE, FERRY_NO_ROW, FERRY_NO_ROW, 7, 1000);
  const uint64_t before = b.next_cell();
  b.add_cell("5");
  b.add_cell("sad");
  const uint64_t after = b.next_cell();
  b.add_cell("6");
  b.add_cell("", FERRY_CELL_UNCHANGED);
  const uint8_t pos[] = {0xAA, 0xBB};
  b.add_record(FERRY_OP_UPDATE, 0, before, after, 7, 1000, pos);
  b.add_record(FERRY_OP_COMMIT, FERRY_NO_TABLE, FERRY_NO_ROW, FERRY_NO_ROW, 7, 1000, pos);
  auto owned = ferry::OwnedBatch::from(std::move(b));
  ferry::BatchView v(owned.get());
  ASSERT_EQ(v.record_count(), 3u);
  EXPECT_FALSE(v.is_row_batch());
  EXPECT_EQ(v.op(1), FERRY_OP_UPDATE);
  EXPECT_EQ(v.table(0), nullptr);
  EXPECT_STREQ(v.table(1)->name, "people");
  EXPECT_EQ(v.cell(v.before(1), 1).data, "sad");
  EXPECT_TRUE(v.cell(v.after(1), 1).is_unchanged());
  EXPECT_EQ(v.txn_seq(2), 7u);
  ASSERT_EQ(v.position(1).size(), 2u);
  EXPECT_EQ(v.position(1)[1], 0xBB);
  EXPECT_TRUE(v.position(0).empty());

  FakeHost host;
  auto dst = host.create(ferry_plugin_entry_v1(), FERRY_KIND_DESTINATION, "dst");
  TestDestination::written.clear();
  TestDestination::updates.clear();
  dst->destination().bulk_write(*table->ref(), owned.get());
  EXPECT_EQ(TestDestination::updates, (std::vector<std::string>{"5"}));
}

TEST(SdkLayer, FakeHostPauseAndCancelDriveYield) {
  FakeHost host;
  ferry::Host h(host.services());
  EXPECT_NO_THROW(h.yield());
  host.pause();
  std::atomic<bool> passed{false};
  std::thread t([&] {
    h.yield();
    passed = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(passed.load());
  host.resume();
  t.join();
  EXPECT_TRUE(passed.load());
  host.cancel();
  EXPECT_TRUE(h.cancelled());
  try {
    h.yield();
    FAIL();
  } catch (const ferry::Error& e) {
    EXPECT_EQ(e.status(), FERRY_CANCELLED);
  }
  const ferry::Bytes with_nul = ferry::to_bytes(std::string_view("v\0w", 3));
  h.checkpoint_write("k", with_nul);
  EXPECT_EQ(host.checkpoint("k"), with_nul);
  EXPECT_EQ(h.checkpoint_read("k"), with_nul);
  EXPECT_EQ(h.checkpoint_read("missing"), std::nullopt);
}

}  // namespace

// The names table follows the enum: a new type appended to abi.h needs its name here too.
TEST(SdkTypeNames, EveryLogicalTypeHasItsName) {
  EXPECT_STREQ(ferry::type_name(FERRY_TYPE_UNKNOWN), "UNKNOWN");
  EXPECT_STREQ(ferry::type_name(FERRY_TYPE_INT64), "INT64");
  EXPECT_STREQ(ferry::type_name(FERRY_TYPE_TIMESTAMPTZ), "TIMESTAMPTZ");
  EXPECT_STREQ(ferry::type_name(FERRY_TYPE_YEAR), "YEAR");
  EXPECT_STREQ(ferry::type_name(FERRY_TYPE_GEOMETRY), "GEOMETRY");
  EXPECT_STREQ(ferry::type_name(FERRY_TYPE_OTHER), "OTHER");
  EXPECT_STREQ(ferry::type_name(FERRY_TYPE_OTHER + 1), "UNKNOWN");
}
