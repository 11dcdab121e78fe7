// The postgres destination against the test bed's PostgreSQL, through the plugin's C entry
// point: bulk_write of every logical type PostgreSQL holds (COPY, the idempotent temp-table
// path, the INSERT path for DEFAULT cells; read back exactly), identity and generated columns,
// apply_changes transactions and checkpoints, idempotent replay, divergence errors, UNCHANGED
// cells, DDL and TRUNCATE records, value and connection errors, precheck. Each test works in
// its own schema dst_<test>.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <ferry/sdk.hpp>
#include <ferry/testing/fake_host.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "db/postgres/destination_support.hpp"

namespace ferry::testing {
namespace {

using dst::Changes;
using dst::col;
using dst::Image;
using dst::key;
using dst::V;
using pgdst::Cells;

class PgDestinationTest : public pgdst::PgDestinationFixture {};

std::string all_bytes() {
  std::string s;
  for (int i = 0; i < 256; ++i) s += static_cast<char>(i);
  return s;
}

std::string hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (unsigned char c : bytes) {
    s += digits[c >> 4];
    s += digits[c & 15];
  }
  return s;
}

Column with_length(Column c, int64_t length) {
  c.length = length;
  return c;
}
Column array_of(std::string name, ferry_type element) {
  Column c = col(std::move(name), FERRY_TYPE_ARRAY);
  c.element_type = element;
  return c;
}

// ---- bulk_write: every type ---------------------------------------------------------------

const char* const kAllTypesDdl =
    " (id int PRIMARY KEY, b bool, i8 smallint, i16 smallint, i24 integer, i32 integer,"
    " i64 bigint, u64 numeric(20,0), d numeric(40,10), dn numeric, f real, g double precision,"
    " c char(10), v varchar(100), tx text, bl bytea, dt date, tm time(6), ts timestamp(6),"
    " tz timestamptz(6), ttz timetz, iv interval, y smallint, bt bit(64), b5 bit(5), e mood,"
    " j json, jb jsonb, u uuid, ip inet, cn cidr, mac macaddr, ai int[], at text[],"
    " gen bigint GENERATED ALWAYS AS (i64 / 2) STORED)";

SharedTable all_types_table(const std::string& schema) {
  const uint32_t n = FERRY_COLUMN_NULLABLE;
  return dst::table(schema, "all_types",
                    {key("id"),
                     col("b", FERRY_TYPE_BOOL),
                     col("i8", FERRY_TYPE_INT8),
                     col("i16", FERRY_TYPE_INT16),
                     col("i24", FERRY_TYPE_INT24),
                     col("i32", FERRY_TYPE_INT32),
                     col("i64", FERRY_TYPE_INT64),
                     col("u64", FERRY_TYPE_INT64, n | FERRY_COLUMN_UNSIGNED),
                     col("d", FERRY_TYPE_DECIMAL),
                     col("dn", FERRY_TYPE_DECIMAL),
                     col("f", FERRY_TYPE_FLOAT32),
                     col("g", FERRY_TYPE_FLOAT64),
                     col("c", FERRY_TYPE_CHAR),
                     col("v", FERRY_TYPE_VARCHAR),
                     col("tx", FERRY_TYPE_TEXT),
                     col("bl", FERRY_TYPE_BLOB),
                     col("dt", FERRY_TYPE_DATE),
                     col("tm", FERRY_TYPE_TIME),
                     col("ts", FERRY_TYPE_TIMESTAMP),
                     col("tz", FERRY_TYPE_TIMESTAMPTZ),
                     col("ttz", FERRY_TYPE_TIMETZ),
                     col("iv", FERRY_TYPE_INTERVAL),
                     col("y", FERRY_TYPE_YEAR),
                     with_length(col("bt", FERRY_TYPE_BIT), 64),
                     with_length(col("b5", FERRY_TYPE_BIT), 5),
                     col("e", FERRY_TYPE_ENUM),
                     col("j", FERRY_TYPE_JSON),
                     col("jb", FERRY_TYPE_JSON),
                     col("u", FERRY_TYPE_UUID),
                     col("ip", FERRY_TYPE_INET),
                     col("cn", FERRY_TYPE_CIDR),
                     col("mac", FERRY_TYPE_MACADDR),
                     array_of("ai", FERRY_TYPE_INT32),
                     array_of("at", FERRY_TYPE_TEXT),
                     col("gen", FERRY_TYPE_INT64, n | FERRY_COLUMN_GENERATED_STORED)});
}

const std::string kVarcharMix =
    "emoji \xF0\x9F\x98\x80 tab\there \"q\" 's' back\\slash \\N nl\nend";
const std::string kTextMix = "line1\nline2\r\n\\.\n\\end\t";
const std::string kDecimal = "-123456789012345678901234567890.1234567890";
const std::string kJson = R"({"a": [1, 2.50], "b":null})";
const std::string kJsonb = R"({"a": 1, "b": [true, null]})";

std::vector<Image> all_types_rows() {
  return {
      {"1",
       "1",
       "-128",
       "-32768",
       "-8388608",
       "-2147483648",
       "-9223372036854775808",
       "18446744073709551615",
       kDecimal,
       "0.000000000000000000000000000001",
       "3.4028235e+38",
       "1e+300",
       "ab",
       kVarcharMix,
       kTextMix,
       all_bytes(),
       "-0043-03-15",
       "24:00:00",
       "-0043-03-15T08:30:00.5",
       "2038-01-19T03:14:07.999999Z",
       "8:30:00+05:30",
       "-0:00:00.5",
       "2024",
       "18446744073709551615",
       "31",
       "big",
       kJson,
       kJsonb,
       "123e4567-e89b-12d3-a456-426614174000",
       "192.168.0.1/24",
       "10.0.0.0/8",
       "08:00:2b:01:02:03",
       R"(["1",null,"-3"])",
       R"(["a,b","\"q\"",null,"NULL",""])",
       std::nullopt},
      {"2",
       "0",
       "127",
       "32767",
       "8388607",
       "2147483647",
       "9223372036854775807",
       "0",
       "0.0000000001",
       "NaN",
       "-0",
       "nan",
       "",
       "",
       "",
       "",
       "infinity",
       "0:00:00.000001",
       "infinity",
       "-infinity",
       "0:00:00+00:00",
       "100000:00:00",
       "0",
       "0",
       "0",
       "small",
       "[]",
       "{}",
       "00000000-0000-0000-0000-000000000000",
       "::1",
       "2001:db8::/32",
       "ff:ff:ff:ff:ff:ff",
       "[]",
       "[]",
       std::nullopt},
      {"3",          std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt,
       std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt,
       std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt,
       std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt,
       std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt,
       std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt},
  };
}

// What read_range gives back: the rows as written, the generated column computed.
std::vector<Row> all_types_expected() {
  std::vector<Row> out;
  for (const auto& image : all_types_rows()) {
    Row r;
    for (const auto& v : image) r.push_back(v.value);
    out.push_back(std::move(r));
  }
  out[0].back() = "-4611686018427387904";
  out[1].back() = "4611686018427387903";
  return out;
}

void expect_all_types(pgdst::PgDestinationFixture& f, TestInstance& d) {
  const auto got = pgdst::read_range(d, f.split("all_types"));
  const auto want = all_types_expected();
  ASSERT_EQ(got.size(), want.size());
  const auto table = all_types_table(f.schema_);
  for (size_t r = 0; r < want.size(); ++r) {
    ASSERT_EQ(got[r].size(), want[r].size());
    for (size_t c = 0; c < want[r].size(); ++c) {
      EXPECT_EQ(got[r][c], want[r][c])
          << "row " << r << " column " << table->table().columns[c].name;
    }
  }
  // The same values as PostgreSQL sees them.
  EXPECT_EQ(f.scalar("SELECT encode(bl, 'hex') FROM all_types WHERE id = 1"), hex(all_bytes()));
  EXPECT_EQ(f.scalar("SELECT encode(bl, 'hex') FROM all_types WHERE id = 2"), "");
  EXPECT_EQ(f.scalar("SELECT tx = " + f.admin_->quote(kTextMix) +
                     " AND v = " + f.admin_->quote(kVarcharMix) + " FROM all_types WHERE id = 1"),
            "t");
  EXPECT_EQ(f.scalar("SELECT tx = '' AND v = '' FROM all_types WHERE id = 2"), "t");
  EXPECT_EQ(f.scalar("SELECT count(*) FROM all_types WHERE tx IS NULL"), "1");
  EXPECT_EQ(f.scalar("SELECT format('%s|', c) FROM all_types WHERE id = 1"), "ab        |");
  EXPECT_EQ(f.scalar("SELECT d::text FROM all_types WHERE id = 1"), kDecimal);
  EXPECT_EQ(f.scalar("SELECT u64::text FROM all_types WHERE id = 1"), "18446744073709551615");
  EXPECT_EQ(f.scalar("SELECT dt::text || '|' || ts::text FROM all_types WHERE id = 1"),
            "0044-03-15 BC|0044-03-15 08:30:00.5 BC");
  EXPECT_EQ(f.scalar("SELECT tz::text FROM all_types WHERE id = 1"),
            "2038-01-19 03:14:07.999999+00");
  EXPECT_EQ(f.scalar("SELECT tm::text || '|' || iv::text FROM all_types WHERE id = 1"),
            "24:00:00|-00:00:00.5");
  EXPECT_EQ(f.scalar("SELECT bt::text || '|' || b5::text FROM all_types WHERE id = 1"),
            std::string(64, '1') + "|11111");
  EXPECT_EQ(f.scalar("SELECT b::text || f::text || g::text FROM all_types WHERE id = 2"),
            "false-0NaN");
  EXPECT_EQ(f.scalar("SELECT ai::text || '|' || at::text FROM all_types WHERE id = 1"),
            R"({1,NULL,-3}|{"a,b","\"q\"",NULL,"NULL",""})");
  EXPECT_EQ(f.scalar("SELECT j::text FROM all_types WHERE id = 1"), kJson);
  EXPECT_EQ(f.scalar("SELECT gen::text FROM all_types WHERE id = 2"), "4611686018427387903");
}

TEST_F(PgDestinationTest, BulkWriteEveryTypeReadsBackExactly) {
  exec("CREATE TYPE mood AS ENUM ('small', 'big')");
  exec(std::string("CREATE TABLE all_types") + kAllTypesDdl);
  auto d = destination();
  const auto table = all_types_table(schema_);
  auto batch = dst::rows(table, all_types_rows());
  d->destination().bulk_write(*table->ref(), batch.get());
  expect_all_types(*this, *d);
}

TEST_F(PgDestinationTest, BulkWriteIdempotentEveryTypeReadsBackExactly) {
  exec("CREATE TYPE mood AS ENUM ('small', 'big')");
  exec(std::string("CREATE TABLE all_types") + kAllTypesDdl);
  auto d = destination();
  const auto table = all_types_table(schema_);
  auto batch = dst::rows(table, all_types_rows());
  d->destination().bulk_write(*table->ref(), batch.get(), FERRY_APPLY_IDEMPOTENT);
  d->destination().bulk_write(*table->ref(), batch.get(), FERRY_APPLY_IDEMPOTENT);
  expect_all_types(*this, *d);
}

TEST_F(PgDestinationTest, ApplyInsertsEveryTypeReadBackExactly) {
  exec("CREATE TYPE mood AS ENUM ('small', 'big')");
  exec(std::string("CREATE TABLE all_types") + kAllTypesDdl);
  auto d = destination();
  const auto table = all_types_table(schema_);
  Changes ch({table});
  ch.begin();
  for (const auto& image : all_types_rows()) ch.insert(0, image);
  ch.commit();
  auto batch = ch.done();
  d->destination().apply_changes(batch.get(), 0, dst::cp("p1"));
  expect_all_types(*this, *d);
  // The same rows again, idempotent: nothing changes.
  d->destination().apply_changes(batch.get(), FERRY_APPLY_IDEMPOTENT, dst::cp("p1"));
  expect_all_types(*this, *d);
}

TEST_F(PgDestinationTest, BulkWriteStreamsLargeBatchesInChunks) {
  exec("CREATE TABLE big (id int PRIMARY KEY, payload text)");
  auto d = destination();
  const auto table = dst::table(schema_, "big", {key("id"), col("payload", FERRY_TYPE_TEXT)});
  auto b = BatchBuilder::rows(table);
  const std::string payload(1000, 'x');
  for (int i = 0; i < 5000; ++i) {  // ~5 MB: several COPY chunks
    b.add_cell(std::to_string(i));
    b.add_cell(payload + std::to_string(i));
  }
  auto batch = OwnedBatch::from(std::move(b));
  d->destination().bulk_write(*table->ref(), batch.get());
  EXPECT_EQ(scalar("SELECT count(*) || ':' || sum(length(payload)) FROM big"),
            "5000:" + std::to_string(5000 * 1000 + 10 + 90 * 2 + 900 * 3 + 4000 * 4));
}

TEST_F(PgDestinationTest, BulkWriteIdempotentTwiceKeepsOneRowPerKey) {
  exec("CREATE TABLE t (a int, b text, v text, PRIMARY KEY (a, b))");
  auto d = destination();
  const auto table =
      dst::table(schema_, "t", {key("a"), key("b", FERRY_TYPE_VARCHAR), col("v", FERRY_TYPE_TEXT)});
  auto first = dst::rows(table, {{"1", "x", "one"}, {"2", "x", "two"}, {"2", "y", "three"}});
  d->destination().bulk_write(*table->ref(), first.get(), FERRY_APPLY_IDEMPOTENT);
  auto again = dst::rows(table, {{"1", "x", "one"}, {"2", "x", "TWO"}, {"3", "z", std::nullopt}});
  d->destination().bulk_write(*table->ref(), again.get(), FERRY_APPLY_IDEMPOTENT);
  d->destination().bulk_write(*table->ref(), again.get(), FERRY_APPLY_IDEMPOTENT);
  EXPECT_EQ(
      rows("SELECT a::text, b, v FROM t ORDER BY a, b"),
      (std::vector<Cells>{
          {"1", "x", "one"}, {"2", "x", "TWO"}, {"2", "y", "three"}, {"3", "z", std::nullopt}}));
  // Ordinary mode refuses a key that exists, and keeps nothing of that batch.
  auto dup = dst::rows(table, {{"9", "q", "new"}, {"1", "x", "dup"}});
  const Error e = error_of([&] { d->destination().bulk_write(*table->ref(), dup.get()); });
  EXPECT_NE(std::string(e.what()).find("duplicate key"), std::string::npos) << e.what();
  EXPECT_EQ(scalar("SELECT count(*) FROM t"), "4");
  // The session is usable after the failed COPY.
  auto more = dst::rows(table, {{"9", "q", "new"}});
  d->destination().bulk_write(*table->ref(), more.get());
  EXPECT_EQ(scalar("SELECT count(*) FROM t"), "5");
}

TEST_F(PgDestinationTest, BulkWriteIdempotentWithoutKeyAppendsAndSaysSo) {
  exec("CREATE TABLE nokey (a int, v text)");
  auto d = destination();
  const auto table =
      dst::table(schema_, "nokey", {col("a", FERRY_TYPE_INT32), col("v", FERRY_TYPE_TEXT)});
  auto batch = dst::rows(table, {{"1", "x"}, {"2", "y"}});
  d->destination().bulk_write(*table->ref(), batch.get(), FERRY_APPLY_IDEMPOTENT);
  d->destination().bulk_write(*table->ref(), batch.get(), FERRY_APPLY_IDEMPOTENT);
  EXPECT_EQ(scalar("SELECT count(*) FROM nokey"), "4");
  EXPECT_TRUE(logged("has no primary key"));
}

TEST_F(PgDestinationTest, BulkWriteDefaultCellsTakeTheInsertPath) {
  exec("CREATE TABLE t (id int PRIMARY KEY, v text DEFAULT 'dflt', n int)");
  auto d = destination();
  const auto table =
      dst::table(schema_, "t", {key("id"), col("v", FERRY_TYPE_TEXT), col("n", FERRY_TYPE_INT32)});
  auto batch = dst::rows(table, {{"1", V::default_value(), "5"}, {"2", "given", std::nullopt}});
  d->destination().bulk_write(*table->ref(), batch.get());
  EXPECT_EQ(rows("SELECT id::text, v, n::text FROM t ORDER BY id"),
            (std::vector<Cells>{{"1", "dflt", "5"}, {"2", "given", std::nullopt}}));
  auto again = dst::rows(table, {{"1", V::default_value(), "6"}});
  d->destination().bulk_write(*table->ref(), again.get(), FERRY_APPLY_IDEMPOTENT);
  EXPECT_EQ(scalar("SELECT n::text FROM t WHERE id = 1"), "6");
}

TEST_F(PgDestinationTest, IdentityAndGeneratedColumns) {
  exec(
      "CREATE TABLE t (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v text,"
      " twice int GENERATED ALWAYS AS (id * 2) STORED,"
      " seq bigint GENERATED ALWAYS AS IDENTITY)");
  auto d = destination();
  // The source's table does not know `twice` is generated here: the destination's catalog
  // says so and it is not written.
  const auto table = dst::table(schema_, "t",
                                {key("id"), col("v", FERRY_TYPE_TEXT),
                                 col("twice", FERRY_TYPE_INT32), col("seq", FERRY_TYPE_INT64)});
  auto batch = dst::rows(table, {{"5", "a", "0", "50"}, {"6", "b", "0", "60"}});
  d->destination().bulk_write(*table->ref(), batch.get());  // COPY writes identity values
  auto again = dst::rows(table, {{"5", "A", "0", "50"}, {"7", "c", "0", "70"}});
  d->destination().bulk_write(*table->ref(), again.get(), FERRY_APPLY_IDEMPOTENT);
  EXPECT_EQ(
      rows("SELECT id::text, v, twice::text, seq::text FROM t ORDER BY id::int"),
      (std::vector<Cells>{{"5", "A", "10", "50"}, {"6", "b", "12", "60"}, {"7", "c", "14", "70"}}));

  // apply: INSERT with OVERRIDING SYSTEM VALUE, UPDATE leaving the identity columns alone, a
  // key change as DELETE + INSERT.
  auto ch = Changes({table})
                .begin()
                .insert(0, {"8", "d", "0", "80"})
                .update(0, {"6", "b", "0", "60"}, {"6", "B", "0", "60"})
                .update(0, {"7", "c", "0", "70"}, {"17", "c", "0", "70"})
                .commit()
                .done();
  d->destination().apply_changes(ch.get(), 0, dst::cp("p1"));
  EXPECT_EQ(rows("SELECT id::text, v, twice::text, seq::text FROM t ORDER BY id::int"),
            (std::vector<Cells>{{"5", "A", "10", "50"},
                                {"6", "B", "12", "60"},
                                {"8", "d", "16", "80"},
                                {"17", "c", "34", "70"}}));
  d->destination().apply_changes(ch.get(), FERRY_APPLY_IDEMPOTENT, dst::cp("p1"));
  EXPECT_EQ(scalar("SELECT count(*) FROM t"), "4");

  // A new value of a GENERATED ALWAYS identity column cannot be applied: an error naming it.
  auto bad = Changes({table})
                 .begin()
                 .update(0, {"6", "B", "0", "60"}, {"6", "B", "0", "61"})
                 .commit()
                 .done();
  const Error e = error_of([&] { d->destination().apply_changes(bad.get(), 0, dst::cp("p2")); });
  EXPECT_EQ(e.status(), FERRY_NOT_SUPPORTED) << e.what();
  EXPECT_NE(std::string(e.what()).find("seq"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("GENERATED BY DEFAULT"), std::string::npos) << e.what();
  const Error e2 = error_of(
      [&] { d->destination().apply_changes(bad.get(), FERRY_APPLY_IDEMPOTENT, dst::cp("p2")); });
  EXPECT_EQ(e2.status(), FERRY_NOT_SUPPORTED) << e2.what();
  EXPECT_EQ(scalar("SELECT seq::text FROM t WHERE id = 6"), "60");
}

// ---- apply_changes --------------------------------------------------------------------------

SharedTable items_table(const std::string& schema) {
  return dst::table(schema, "items",
                    {key("id"), col("name", FERRY_TYPE_VARCHAR), col("qty", FERRY_TYPE_INT32)});
}

TEST_F(PgDestinationTest, TransactionSpansTwoBatchesWithItsCheckpoint) {
  exec("CREATE TABLE items (id int PRIMARY KEY, name varchar(50), qty int)");
  auto d = destination();
  const auto table = items_table(schema_);
  auto first =
      Changes({table}).begin().insert(0, {"1", "apple", "3"}).insert(0, {"2", "pear", "5"}).done();
  d->destination().apply_changes(first.get(), 0, dst::cp("pos-1"));
  // Not committed yet: invisible, and no checkpoint.
  EXPECT_EQ(scalar("SELECT count(*) FROM items"), "0");
  EXPECT_EQ(scalar("SELECT count(*) FROM apply_checkpoint"), "0");
  EXPECT_FALSE(d->destination().flush().has_value());

  auto second = Changes({table})
                    .update(0, {"1", "apple", "3"}, {"1", "apple", "4"})
                    .commit()
                    .begin()
                    .erase(0, {"2", "pear", "5"})
                    .commit()
                    .done();
  d->destination().apply_changes(second.get(), 0, dst::cp("pos-2"));
  EXPECT_EQ(rows("SELECT id::text, name, qty::text FROM items ORDER BY id::int"),
            (std::vector<Cells>{{"1", "apple", "4"}}));
  const auto cp = d->destination().flush();
  ASSERT_TRUE(cp.has_value());
  EXPECT_EQ(as_text(*cp), "pos-2");
  EXPECT_EQ(scalar("SELECT encode(position, 'escape') || '|' || task_id || '|' || instance FROM "
                   "apply_checkpoint"),
            "pos-2|test-task|test");
  // Another instance of the same task and stage reads it back; another stage has none.
  auto again = destination();
  EXPECT_EQ(as_text(again->destination().flush().value()), "pos-2");
  auto other = destination("other-stage");
  EXPECT_FALSE(other->destination().flush().has_value());
}

TEST_F(PgDestinationTest, CheckpointCommitsWithTheLastCommitOnly) {
  exec("CREATE TABLE items (id int PRIMARY KEY, name varchar(50), qty int)");
  auto d = destination();
  const auto table = items_table(schema_);
  // The batch ends inside a transaction: the checkpoint goes with its last COMMIT, and the open
  // transaction's rows stay invisible.
  auto batch = Changes({table})
                   .begin()
                   .insert(0, {"1", "a", "1"})
                   .commit()
                   .begin()
                   .insert(0, {"2", "b", "2"})
                   .done();
  d->destination().apply_changes(batch.get(), 0, dst::cp("after-1"));
  EXPECT_EQ(scalar("SELECT count(*) FROM items"), "1");
  EXPECT_EQ(scalar("SELECT encode(position, 'escape') FROM apply_checkpoint"), "after-1");
  // A failure inside the open transaction rolls it back; the checkpoint stays where it was.
  auto bad = Changes({table}).erase(0, {"42", "x", "0"}).commit().done();
  EXPECT_EQ(
      error_of([&] { d->destination().apply_changes(bad.get(), 0, dst::cp("after-2")); }).status(),
      FERRY_DATA_LOSS);
  EXPECT_EQ(scalar("SELECT count(*) FROM items"), "1");
  EXPECT_EQ(as_text(d->destination().flush().value()), "after-1");
  // A heartbeat-only batch advances the checkpoint on its own.
  auto hb = Changes({table}).heartbeat().done();
  d->destination().apply_changes(hb.get(), 0, dst::cp("hb-3"));
  EXPECT_EQ(as_text(d->destination().flush().value()), "hb-3");
}

Changes mixed_changes(const SharedTable& table) {
  Changes ch({table});
  ch.begin()
      .insert(0, {"1", "apple", "3"})
      .insert(0, {"2", "pear", "5"})
      .insert(0, {"3", "plum", "7"})
      .commit()
      .begin()
      .update(0, {"1", "apple", "3"}, {"1", "apple", "30"})
      .update(0, {"2", "pear", "5"}, {"20", "pear", "5"})  // key change
      .erase(0, {"3", "plum", "7"})
      .insert(0, {"3", "plum again", "8"})
      .update_after_only(0, {"3", "plum again", "9"})
      .insert(0, {"4", "fig", "1"})
      .commit();
  return ch;
}

TEST_F(PgDestinationTest, IdempotentReplayGivesTheSameState) {
  exec("CREATE TABLE items (id int PRIMARY KEY, name varchar(50), qty int)");
  auto d = destination();
  const auto table = items_table(schema_);
  auto batch = mixed_changes(table).done();
  d->destination().apply_changes(batch.get(), 0, dst::cp("p"));
  const auto state = rows("SELECT id::text, name, qty::text FROM items ORDER BY id::int");
  EXPECT_EQ(
      state,
      (std::vector<Cells>{
          {"1", "apple", "30"}, {"3", "plum again", "9"}, {"4", "fig", "1"}, {"20", "pear", "5"}}));
  // Replayed (twice) in idempotent mode: the same rows.
  d->destination().apply_changes(batch.get(), FERRY_APPLY_IDEMPOTENT, dst::cp("p"));
  d->destination().apply_changes(batch.get(), FERRY_APPLY_IDEMPOTENT, dst::cp("p"));
  EXPECT_EQ(rows("SELECT id::text, name, qty::text FROM items ORDER BY id::int"), state);
  // From an empty table as well (a chunk copied after some of the changes).
  exec("TRUNCATE items");
  d->destination().apply_changes(batch.get(), FERRY_APPLY_IDEMPOTENT, dst::cp("p"));
  EXPECT_EQ(rows("SELECT id::text, name, qty::text FROM items ORDER BY id::int"), state);
  // Ordinary mode on the applied state: the first INSERT finds its key — divergence.
  const Error e = error_of([&] { d->destination().apply_changes(batch.get(), 0, dst::cp("p")); });
  EXPECT_EQ(e.status(), FERRY_DATA_LOSS) << e.what();
  EXPECT_NE(std::string(e.what()).find("already exists"), std::string::npos) << e.what();
}

TEST_F(PgDestinationTest, OrdinaryChangeOfAMissingRowIsDataLossNamingTheKey) {
  exec("CREATE TABLE items (id int PRIMARY KEY, name varchar(50), qty int)");
  exec("INSERT INTO items VALUES (1, 'apple', 3)");
  auto d = destination();
  const auto table = items_table(schema_);
  auto update = Changes({table})
                    .begin()
                    .update(0, {"42", "ghost", "1"}, {"42", "ghost", "2"})
                    .commit()
                    .done();
  Error e = error_of([&] { d->destination().apply_changes(update.get(), 0, dst::cp("x")); });
  EXPECT_EQ(e.status(), FERRY_DATA_LOSS);
  EXPECT_NE(std::string(e.what()).find(schema_ + ".items"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("id='42'"), std::string::npos) << e.what();
  auto erase = Changes({table}).begin().erase(0, {"43", "ghost", "1"}).commit().done();
  e = error_of([&] { d->destination().apply_changes(erase.get(), 0, dst::cp("x")); });
  EXPECT_EQ(e.status(), FERRY_DATA_LOSS);
  EXPECT_NE(std::string(e.what()).find("id='43'"), std::string::npos) << e.what();
  EXPECT_FALSE(d->destination().flush().has_value());
  // Idempotent: deleting a missing row is fine, updating one inserts it.
  d->destination().apply_changes(erase.get(), FERRY_APPLY_IDEMPOTENT, dst::cp("y"));
  d->destination().apply_changes(update.get(), FERRY_APPLY_IDEMPOTENT, dst::cp("y"));
  EXPECT_EQ(scalar("SELECT name || qty FROM items WHERE id = 42"), "ghost2");
}

TEST_F(PgDestinationTest, KeyChangingUpdate) {
  exec("CREATE TABLE t (a int, b int, v text, PRIMARY KEY (a, b))");
  exec("INSERT INTO t VALUES (1, 1, 'x'), (2, 2, 'y')");
  auto d = destination();
  const auto table = dst::table(schema_, "t", {key("a"), key("b"), col("v", FERRY_TYPE_TEXT)});
  auto batch = Changes({table})
                   .begin()
                   .update(0, {"1", "1", "x"}, {"1", "5", "x2"})
                   .update(0, {"2", "2", "y"}, {"3", "3", "y"})
                   .commit()
                   .done();
  d->destination().apply_changes(batch.get(), 0, dst::cp("k"));
  const auto want = std::vector<Cells>{{"1", "5", "x2"}, {"3", "3", "y"}};
  EXPECT_EQ(rows("SELECT a::text, b::text, v FROM t ORDER BY a"), want);
  d->destination().apply_changes(batch.get(), FERRY_APPLY_IDEMPOTENT, dst::cp("k"));
  EXPECT_EQ(rows("SELECT a::text, b::text, v FROM t ORDER BY a"), want);
}

TEST_F(PgDestinationTest, UnchangedCellsKeepTheDestinationsValue) {
  exec("CREATE TABLE docs (id int PRIMARY KEY, body text, n int)");
  const std::string body(100000, 'b');  // a TOASTed value
  exec("INSERT INTO docs VALUES (1, '" + body + "', 1), (2, '" + body + "', 2)");
  auto d = destination();
  const auto table = dst::table(
      schema_, "docs", {key("id"), col("body", FERRY_TYPE_TEXT), col("n", FERRY_TYPE_INT32)});
  auto batch = Changes({table})
                   .begin()
                   .update_after_only(0, {"1", V::unchanged(), "10"})
                   .update(0, {"2", V::unchanged(), "2"}, {"22", V::unchanged(), "20"})
                   .commit()
                   .done();
  d->destination().apply_changes(batch.get(), 0, dst::cp("u"));
  EXPECT_EQ(rows("SELECT id::text, length(body)::text, n::text FROM docs ORDER BY id"),
            (std::vector<Cells>{{"1", "100000", "10"}, {"22", "100000", "20"}}));
  d->destination().apply_changes(batch.get(), FERRY_APPLY_IDEMPOTENT, dst::cp("u"));
  EXPECT_EQ(rows("SELECT id::text, length(body)::text, n::text FROM docs ORDER BY id"),
            (std::vector<Cells>{{"1", "100000", "10"}, {"22", "100000", "20"}}));
  // A missing row cannot be upserted without the unchanged value.
  auto missing = Changes({table}).update_after_only(0, {"9", V::unchanged(), "1"}).commit().done();
  const Error e = error_of([&] {
    d->destination().apply_changes(missing.get(), FERRY_APPLY_IDEMPOTENT, dst::cp("u2"));
  });
  EXPECT_EQ(e.status(), FERRY_DATA_LOSS);
  EXPECT_NE(std::string(e.what()).find("unchanged"), std::string::npos) << e.what();
}

TEST_F(PgDestinationTest, TableWithoutKeyIsAddressedByItsValues) {
  exec("CREATE TABLE nokey (a int, v text, j json, f real)");
  auto d = destination();
  const auto table = dst::table(schema_, "nokey",
                                {col("a", FERRY_TYPE_INT32), col("v", FERRY_TYPE_TEXT),
                                 col("j", FERRY_TYPE_JSON), col("f", FERRY_TYPE_FLOAT32)});
  auto batch = Changes({table})
                   .begin()
                   .insert(0, {"1", "x", R"({"k": 1})", "0.1"})
                   .insert(0, {"1", "x", R"({"k": 1})", "0.1"})
                   .insert(0, {"2", std::nullopt, std::nullopt, "1.5"})
                   .commit()
                   .begin()
                   .update(0, {"1", "x", R"({"k": 1})", "0.1"}, {"1", "y", R"({"k": 1})", "0.1"})
                   .erase(0, {"2", std::nullopt, std::nullopt, "1.5"})
                   .commit()
                   .done();
  d->destination().apply_changes(batch.get(), 0, dst::cp("n"));
  EXPECT_EQ(rows("SELECT a::text, v FROM nokey ORDER BY v"),
            (std::vector<Cells>{{"1", "x"}, {"1", "y"}}));
  auto again = Changes({table})
                   .begin()
                   .insert(0, {"1", "y", R"({"k": 1})", "0.1"})  // exists: not inserted again
                   .insert(0, {"3", "z", std::nullopt, std::nullopt})
                   .commit()
                   .done();
  d->destination().apply_changes(again.get(), FERRY_APPLY_IDEMPOTENT, dst::cp("n2"));
  EXPECT_EQ(rows("SELECT a::text, v FROM nokey ORDER BY a, v"),
            (std::vector<Cells>{{"1", "x"}, {"1", "y"}, {"3", "z"}}));
}

TEST_F(PgDestinationTest, DdlAndTruncateRecords) {
  exec("CREATE TABLE items (id int PRIMARY KEY, name varchar(50), qty int)");
  auto d = destination();
  const auto items = items_table(schema_);
  // DDL relative to the record's schema; then rows of the new shape in the same batch.
  const auto wide = dst::table(schema_, "items",
                               {key("id"), col("name", FERRY_TYPE_VARCHAR),
                                col("qty", FERRY_TYPE_INT32), col("note", FERRY_TYPE_TEXT)});
  auto batch = Changes({items, wide})
                   .ddl(0, "CREATE TABLE extra (id int PRIMARY KEY)")
                   .begin()
                   .insert(0, {"1", "a", "1"})
                   .commit()
                   .ddl(0, "ALTER TABLE items ADD COLUMN note text")
                   .begin()
                   .insert(1, {"2", "b", "2", "noted"})
                   .commit()
                   .done();
  d->destination().apply_changes(batch.get(), 0, dst::cp("d1"));
  EXPECT_EQ(scalar("SELECT to_regclass('" + schema_ + ".extra') IS NOT NULL"), "t");
  EXPECT_EQ(scalar("SELECT to_regclass('public.extra') IS NULL"), "t");
  EXPECT_EQ(rows("SELECT id::text, note FROM items ORDER BY id"),
            (std::vector<Cells>{{"1", std::nullopt}, {"2", "noted"}}));
  EXPECT_EQ(as_text(d->destination().flush().value()), "d1");

  // TRUNCATE inside a source transaction is part of it; outside one it runs on its own and the
  // checkpoint follows.
  auto trunc = Changes({wide})
                   .begin()
                   .insert(0, {"3", "c", "3", std::nullopt})
                   .truncate(0)
                   .insert(0, {"4", "d", "4", std::nullopt})
                   .commit()
                   .done();
  d->destination().apply_changes(trunc.get(), 0, dst::cp("d2"));
  EXPECT_EQ(scalar("SELECT string_agg(id::text, ',') FROM items"), "4");
  auto alone = Changes({wide}).truncate(0).done();
  d->destination().apply_changes(alone.get(), 0, dst::cp("d3"));
  EXPECT_EQ(scalar("SELECT count(*) FROM items"), "0");
  EXPECT_EQ(as_text(d->destination().flush().value()), "d3");

  // A failing DDL inside a transaction rolls the transaction back.
  auto bad = Changes({wide})
                 .begin()
                 .insert(0, {"5", "e", "5", std::nullopt})
                 .ddl(0, "ALTER TABLE no_such_table ADD COLUMN x int")
                 .commit()
                 .done();
  const Error e = error_of([&] { d->destination().apply_changes(bad.get(), 0, dst::cp("d4")); });
  EXPECT_NE(std::string(e.what()).find("no_such_table"), std::string::npos) << e.what();
  EXPECT_EQ(scalar("SELECT count(*) FROM items"), "0");
  EXPECT_EQ(as_text(d->destination().flush().value()), "d3");
  // apply_ddl runs a statement as is.
  d->destination().apply_ddl("CREATE TABLE " + schema_ + ".made_by_apply_ddl (x int)");
  EXPECT_EQ(scalar("SELECT to_regclass('" + schema_ + ".made_by_apply_ddl') IS NOT NULL"), "t");
}

TEST_F(PgDestinationTest, ATableChangedByAnotherSessionIsReadAgain) {
  exec("CREATE TABLE items (id int PRIMARY KEY, name varchar(50), qty int)");
  auto d = destination();
  const auto items = items_table(schema_);
  auto first = dst::rows(items, {{"1", "a", "1"}});
  d->destination().bulk_write(*items->ref(), first.get());
  // The schema stage (another instance) adds a column; this instance learns it on first use.
  exec("ALTER TABLE items ADD COLUMN note text");
  const auto wide = dst::table(schema_, "items",
                               {key("id"), col("name", FERRY_TYPE_VARCHAR),
                                col("qty", FERRY_TYPE_INT32), col("note", FERRY_TYPE_TEXT)});
  auto second = Changes({wide}).begin().insert(0, {"2", "b", "2", "hello"}).commit().done();
  d->destination().apply_changes(second.get(), 0, dst::cp("c"));
  EXPECT_EQ(scalar("SELECT note FROM items WHERE id = 2"), "hello");
  // A column dropped elsewhere: the statement fails, and the next call reads the table again.
  exec("ALTER TABLE items DROP COLUMN qty");
  auto third = dst::rows(items, {{"3", "c", "3"}});
  const Error e = error_of([&] { d->destination().bulk_write(*items->ref(), third.get()); });
  EXPECT_NE(std::string(e.what()).find("qty"), std::string::npos) << e.what();
  exec("ALTER TABLE items ADD COLUMN qty int");
  d->destination().bulk_write(*items->ref(), third.get());
  EXPECT_EQ(scalar("SELECT count(*) FROM items"), "3");
}

// ---- errors -----------------------------------------------------------------------------------

TEST_F(PgDestinationTest, NulByteInTextIsAClearErrorAndNothingIsWritten) {
  exec("CREATE TABLE t (id int PRIMARY KEY, v text)");
  auto d = destination();
  const auto table = dst::table(schema_, "t", {key("id"), col("v", FERRY_TYPE_TEXT)});
  const std::string nul = std::string("a") + '\0' + "b";
  auto batch = dst::rows(table, {{"1", "fine"}, {"2", nul}});
  for (uint32_t flags : {0u, static_cast<uint32_t>(FERRY_APPLY_IDEMPOTENT)}) {
    const Error e =
        error_of([&] { d->destination().bulk_write(*table->ref(), batch.get(), flags); });
    EXPECT_EQ(e.status(), FERRY_INVALID_ARGUMENT);
    EXPECT_NE(std::string(e.what()).find(schema_ + ".t.v"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("NUL"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("a\\x00b"), std::string::npos) << e.what();
    EXPECT_EQ(scalar("SELECT count(*) FROM t"), "0");
  }
  auto ch = Changes({table}).begin().insert(0, {"3", nul}).commit().done();
  const Error e = error_of([&] { d->destination().apply_changes(ch.get(), 0, dst::cp("n")); });
  EXPECT_EQ(e.status(), FERRY_INVALID_ARGUMENT);
  EXPECT_NE(std::string(e.what()).find(schema_ + ".t.v"), std::string::npos) << e.what();
  // Still usable.
  auto ok = dst::rows(table, {{"1", "fine"}});
  d->destination().bulk_write(*table->ref(), ok.get());
  EXPECT_EQ(scalar("SELECT count(*) FROM t"), "1");
}

TEST_F(PgDestinationTest, ValuesPostgresCannotHoldAreErrorsNamingTheColumn) {
  exec("CREATE TABLE t (id int PRIMARY KEY, dt date, tm time, v varchar(3))");
  auto d = destination();
  const auto table = dst::table(schema_, "t",
                                {key("id"), col("dt", FERRY_TYPE_DATE), col("tm", FERRY_TYPE_TIME),
                                 col("v", FERRY_TYPE_VARCHAR)});
  auto zero = dst::rows(table, {{"1", "0000-00-00", "1:00:00", "a"}});
  Error e = error_of([&] { d->destination().bulk_write(*table->ref(), zero.get()); });
  EXPECT_NE(std::string(e.what()).find(schema_ + ".t.dt"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("zero date"), std::string::npos) << e.what();
  auto time = dst::rows(table, {{"1", "2024-01-01", "-838:59:59", "a"}});
  e = error_of([&] { d->destination().bulk_write(*table->ref(), time.get()); });
  EXPECT_NE(std::string(e.what()).find(schema_ + ".t.tm"), std::string::npos) << e.what();
  auto too_long = dst::rows(table, {{"1", "2024-01-01", "1:00:00", "abcd"}});
  e = error_of([&] { d->destination().bulk_write(*table->ref(), too_long.get()); });
  EXPECT_NE(std::string(e.what()).find("too long"), std::string::npos) << e.what();
  EXPECT_EQ(scalar("SELECT count(*) FROM t"), "0");
  // A fraction the column would round.
  exec("CREATE TABLE fr (id int PRIMARY KEY, n numeric(10,2), ts timestamp(0), tm time(3))");
  const auto fr = dst::table(schema_, "fr",
                             {key("id"), col("n", FERRY_TYPE_DECIMAL),
                              col("ts", FERRY_TYPE_TIMESTAMP), col("tm", FERRY_TYPE_TIME)});
  auto fits = dst::rows(fr, {{"1", "1.500", "2024-01-01T00:00:00.000", "1:00:00.120"}});
  d->destination().bulk_write(*fr->ref(), fits.get());
  EXPECT_EQ(scalar("SELECT n || ' ' || ts || ' ' || tm FROM fr"),
            "1.50 2024-01-01 00:00:00 01:00:00.12");
  for (const Image& bad :
       std::vector<Image>{{"2", "1.005", std::nullopt, std::nullopt},
                          {"2", std::nullopt, "2024-01-01T00:00:00.5", std::nullopt},
                          {"2", std::nullopt, std::nullopt, "1:00:00.1234"}}) {
    auto b = dst::rows(fr, {bad});
    e = error_of([&] { d->destination().bulk_write(*fr->ref(), b.get()); });
    EXPECT_NE(std::string(e.what()).find("would round"), std::string::npos) << e.what();
    auto ch = Changes({fr}).begin().insert(0, bad).commit().done();
    e = error_of([&] { d->destination().apply_changes(ch.get(), 0, dst::cp("f")); });
    EXPECT_NE(std::string(e.what()).find("would round"), std::string::npos) << e.what();
  }
  EXPECT_EQ(scalar("SELECT count(*) FROM fr"), "1");
  // A column the destination table lacks.
  const auto extra = dst::table(schema_, "t", {key("id"), col("nope", FERRY_TYPE_TEXT)});
  auto r = dst::rows(extra, {{"1", "x"}});
  e = error_of([&] { d->destination().bulk_write(*extra->ref(), r.get()); });
  EXPECT_NE(std::string(e.what()).find("\"nope\""), std::string::npos) << e.what();
}

TEST_F(PgDestinationTest, WrongPasswordIsAClearErrorWithoutThePassword) {
  auto cfg = config();
  const std::string secret = "not-the-password-4711";
  cfg["password"] = SecretValue{secret};
  auto d = destination(cfg);
  const auto report = nlohmann::json::parse(d->destination().precheck());
  ASSERT_FALSE(report.empty());
  EXPECT_EQ(report[0]["item"], "connectivity");
  EXPECT_EQ(report[0]["status"], "failed");
  const std::string detail = report[0]["detail"];
  EXPECT_NE(detail.find("password authentication failed"), std::string::npos) << detail;
  EXPECT_EQ(report.dump().find(secret), std::string::npos);
  const auto table = dst::table(schema_, "t", {key("id")});
  auto batch = dst::rows(table, {{"1"}});
  const Error e = error_of([&] { d->destination().bulk_write(*table->ref(), batch.get()); });
  EXPECT_EQ(e.status(), FERRY_INVALID_ARGUMENT);
  EXPECT_NE(std::string(e.what()).find("password"), std::string::npos) << e.what();
  EXPECT_EQ(std::string(e.what()).find(secret), std::string::npos) << e.what();
  for (const auto& [level, line] : host_.logs()) EXPECT_EQ(line.find(secret), std::string::npos);
}

TEST_F(PgDestinationTest, ConfigIsChecked) {
  auto cfg = config();
  cfg["copy_format"] = "binary";
  destination(cfg);
  cfg["copy_format"] = "text";
  destination(cfg);
  cfg["copy_format"] = "csv";
  Error e = error_of([&] { destination(cfg); });
  EXPECT_EQ(e.status(), FERRY_INVALID_ARGUMENT);
  EXPECT_NE(std::string(e.what()).find("copy_format"), std::string::npos) << e.what();
  cfg = config();
  cfg["max_statement_bytes"] = int64_t{10};
  EXPECT_EQ(error_of([&] { destination(cfg); }).status(), FERRY_INVALID_ARGUMENT);
}

TEST_F(PgDestinationTest, SmallStatementsStillApplyEveryRow) {
  exec("CREATE TABLE items (id int PRIMARY KEY, name varchar(50), qty int)");
  auto cfg = config();
  cfg["max_statement_bytes"] = int64_t{1024};
  auto d = destination(cfg);
  const auto table = items_table(schema_);
  Changes ch({table});
  ch.begin();
  for (int i = 0; i < 500; ++i) ch.insert(0, {std::to_string(i), "name-" + std::to_string(i), "1"});
  ch.commit();
  auto batch = ch.done();
  d->destination().apply_changes(batch.get(), 0, dst::cp("s"));
  EXPECT_EQ(scalar("SELECT count(*) || ':' || sum(id) FROM items"), "500:124750");
  d->destination().apply_changes(batch.get(), FERRY_APPLY_IDEMPOTENT, dst::cp("s"));
  EXPECT_EQ(scalar("SELECT count(*) FROM items"), "500");
}

TEST_F(PgDestinationTest, PrecheckPassesOnTheTestBed) {
  auto d = destination();
  const auto report = nlohmann::json::parse(d->destination().precheck());
  std::map<std::string, std::string> status;
  for (const auto& item : report) status[item["item"]] = item["status"];
  EXPECT_EQ(status["connectivity"], "passed") << report.dump(2);
  EXPECT_EQ(status["version"], "passed") << report.dump(2);
  EXPECT_EQ(status["writable"], "passed") << report.dump(2);
  EXPECT_EQ(status["privileges"], "passed") << report.dump(2);
  EXPECT_EQ(status["copy_format"], "passed") << report.dump(2);
  EXPECT_EQ(status["checkpoint_table"], "passed") << report.dump(2);
  EXPECT_EQ(scalar("SELECT to_regclass('" + schema_ + ".apply_checkpoint') IS NOT NULL"), "t");
}

TEST_F(PgDestinationTest, PrecheckNamesMissingPrivileges) {
  exec("DROP ROLE IF EXISTS ferry_dst_weak");
  exec("CREATE ROLE ferry_dst_weak LOGIN PASSWORD 'weak-pw'");
  exec("CREATE TABLE locked (id int)");
  auto cfg = config();
  cfg["user"] = "ferry_dst_weak";
  cfg["password"] = SecretValue{"weak-pw"};
  auto d = destination(cfg);
  const auto report = nlohmann::json::parse(d->destination().precheck());
  std::map<std::string, nlohmann::json> items;
  for (const auto& item : report) items[item["item"]] = item;
  EXPECT_EQ(items["connectivity"]["status"], "passed") << report.dump(2);
  EXPECT_EQ(items["privileges"]["status"], "failed") << report.dump(2);
  const std::string detail = items["privileges"]["detail"];
  EXPECT_NE(detail.find("no CREATE or USAGE on schema(s) "), std::string::npos) << detail;
  EXPECT_EQ(items["checkpoint_table"]["status"], "failed") << report.dump(2);
  d.reset();
  exec("DROP OWNED BY ferry_dst_weak");
  exec("DROP ROLE ferry_dst_weak");
}

}  // namespace
}  // namespace ferry::testing
