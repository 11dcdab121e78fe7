// COPY in binary and in text format against the test bed, side by side. Source: every type
// (those decoded from binary, those read as their output function's text) gives identical
// canonical values both ways, refusals name the column both ways, batches stay bounded.
// Destination: the same batches written in binary and in text give identical tables, values are
// refused in binary as in text (naming the row and column), a table with a type without a
// binary encoder falls back to text, a value the encoder does not write sends its batch as text.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <ferry/testing/fake_host.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "db/postgres/destination_support.hpp"
#include "pg_fixture.hpp"

namespace ferry::testing {
namespace {

// ---- source ------------------------------------------------------------------------------------

class PgCopyFormatSourceTest : public PgSourceTest {
 protected:
  // Every row of `table` read through a source with copy_format `format`, sorted by the first
  // column (an integer key).
  std::vector<Row> read(const std::string& table, const std::string& format,
                        uint32_t batch_rows = 7) {
    auto src = source({{"copy_format", format}});
    const Catalog cat =
        src->source().discover(R"({"include":[")" + schema + "." + table + R"("]})");
    EXPECT_EQ(cat.tables.size(), 1u);
    const TableRefHolder ref(schema_of(cat.tables.at(0)));
    std::vector<Row> rows;
    for (const auto& s : src->source().plan_splits(*ref.ref(), 1000)) {
      for (auto& r : read_all(src->source().open_snapshot(s, batch_rows))) {
        rows.push_back(std::move(r));
      }
    }
    std::sort(rows.begin(), rows.end(),
              [](const Row& a, const Row& b) { return std::stoll(*a[0]) < std::stoll(*b[0]); });
    return rows;
  }
  Table describe(const std::string& table) {
    auto src = source();
    return src->source()
        .discover(R"({"include":[")" + schema + "." + table + R"("]})")
        .tables.at(0);
  }
  void expect_same(const std::string& table, size_t rows) {
    const auto bin = read(table, "binary");
    const auto txt = read(table, "text");
    const Table t = describe(table);
    ASSERT_EQ(bin.size(), rows);
    ASSERT_EQ(txt.size(), rows);
    for (size_t r = 0; r < rows; ++r) {
      ASSERT_EQ(bin[r].size(), t.columns.size());
      ASSERT_EQ(txt[r].size(), t.columns.size());
      for (size_t c = 0; c < t.columns.size(); ++c) {
        EXPECT_EQ(bin[r][c], txt[r][c]) << "row " << r << " column " << t.columns[c].name;
      }
    }
  }
  Error read_error(const std::string& table, const std::string& format) {
    try {
      read(table, format);
    } catch (const Error& e) {
      return e;
    }
    ADD_FAILURE() << "reading " << table << " in " << format << " did not fail";
    return Error(FERRY_OK, "");
  }
};

TEST_F(PgCopyFormatSourceTest, TypeMatrixReadsTheSameInBinaryAndText) {
  create_pg_type_matrix(*admin);
  const Table t = describe("types");
  for (const char* format : {"binary", "text"}) {
    SCOPED_TRACE(format);
    check_pg_type_matrix(read("types", format), t);
  }
  expect_same("types", 3);
}

TEST_F(PgCopyFormatSourceTest, EveryTypeAndEdgeValueReadsTheSameInBinaryAndText) {
  admin->exec("CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')");
  admin->exec("CREATE DOMAIN posint AS int CHECK (VALUE > 0)");
  admin->exec("CREATE DOMAIN addr AS inet");
  admin->exec("CREATE DOMAIN day AS date");
  admin->exec("CREATE TYPE pair AS (a int, b text)");
  admin->exec(
      "CREATE TABLE edge (id int PRIMARY KEY, i2 smallint, i4 int, i8 bigint, o oid, b bool, "
      "f4 real, f8 double precision, n numeric, n2 numeric(12,4), t text, vc varchar(5), "
      "c char(5), nm name, js json, jb jsonb, by bytea, d date, tm time(3), ttz timetz, "
      "ts timestamp(3), tstz timestamptz, iv interval, u uuid, b8 bit(8), b70 bit(70), "
      "vb varbit, mac macaddr, mac8 macaddr8, e mood, pi posint, dd day, ad addr, ip inet, "
      "cn cidr, mo money, x xml, pt point, r int4range, ch \"char\", lsn pg_lsn, comp pair, "
      "ai int[], at text[], aby bytea[], ac char(3)[], an numeric[], af float8[], adt date[], "
      "atz timestamptz[], aiv interval[], au uuid[], ajb jsonb[], ae mood[], api posint[], "
      "aip inet[], a2 int[][], ab bool[], abit bit(3)[], attz timetz[], af4 real[], "
      "avb varbit[])");
  const std::string b70_one = "B'1" + std::string(68, '0') + "1'";
  const std::string b70_all = "B'" + std::string(70, '1') + "'";
  admin->exec(
      "INSERT INTO edge VALUES (1, -32768, -2147483648, -9223372036854775808, 4294967295, "
      "true, 'NaN', 'NaN', 'NaN', 0, E'tab\\there\\nnl\\\\bs\\r', '', 'a', 'pg_class', "
      "'{\"b\":1,  \"a\":2}', '{\"b\": 1, \"a\": [1, 2.50]}', '\\x00090a5c0d', "
      "'0044-03-15 BC', '00:00:00', '08:30:00+02', '0044-03-15 08:30:00.5 BC', "
      "'4713-01-01 00:00:00+00 BC', '-00:00:00.5', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', "
      "B'00000101', " +
      b70_one +
      ", B'101', '08:00:2b:01:02:03', '08:00:2b:01:02:03:04:05', 'sad', 1, '2024-02-29', "
      "'10.0.0.1', '192.168.0.1', '10.0.0.0/8', 12.34, '<a>x</a>', '(1,2)', '[1,3)', 'x', "
      "'16/B374D848', ROW(1, 'a b'), "
      "ARRAY[1, NULL, 3], ARRAY['a b', 'c\"d', NULL, 'NULL', '', E'tab\\t\\\\'], "
      "ARRAY['\\x0a0b'::bytea, NULL, ''::bytea], ARRAY['ab'::char(3), 'x'], "
      "ARRAY[1.50, 'NaN', -0.001, 'Infinity']::numeric[], ARRAY['NaN', '-0', 'Infinity', "
      "1e-300]::float8[], ARRAY['2024-01-01', '0044-03-15 BC', 'infinity']::date[], "
      "ARRAY['2024-06-30 23:59:59.5+05:30', '-infinity']::timestamptz[], "
      "ARRAY['00:00:01', '-838:59:59']::interval[], "
      "ARRAY['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11']::uuid[], "
      "ARRAY['{\"k\": null}', NULL, '\"s\"']::jsonb[], ARRAY['sad', 'happy']::mood[], "
      "ARRAY[1, 2]::posint[], ARRAY['10.0.0.1', '::1']::inet[], '{{1,2},{3,4}}', "
      "ARRAY[true, false, NULL], ARRAY[B'101', B'000'], "
      "ARRAY['08:30:00+02', '23:59:59.999999-15:59:59']::timetz[], "
      "ARRAY['-0', '1e-45', 'NaN']::real[], ARRAY[B'', B'1']::varbit[])");
  admin->exec(
      "INSERT INTO edge VALUES (2, 32767, 2147483647, 9223372036854775807, 0, false, "
      "'-Infinity', 'Infinity', 'Infinity', -99999999.9999, '名前-ü', 'abcde', 'abcde', 'x', "
      "'null', '[]', '\\x', '-infinity', '24:00:00', '00:00:00.5-05:30:15', '-infinity', "
      "'infinity', '838:59:59.000001', '00000000-0000-0000-0000-000000000000', B'11111111', " +
      b70_all +
      ", B'', 'ff:ff:ff:ff:ff:ff', 'ff:ff:ff:ff:ff:ff:ff:ff', 'happy', 2147483647, "
      "'infinity', '::1', '2001:db8::1/64', '2001:db8::/32', -92233720368547758.08, "
      "'<?xml version=\"1.0\"?><r/>', '(1.5,-2)', 'empty', '\\303', '0/0', ROW(NULL, "
      "'x\"y'), '{}', '{}', NULL, NULL, '{}', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
      "NULL, NULL, NULL, NULL, NULL, NULL, NULL)");
  admin->exec(
      "INSERT INTO edge (id, f4, f8, n, n2, d, tm, ttz, ts, tstz, iv, vb, dd) VALUES (3, '-0', "
      "'-0', '-Infinity', 0.0001, '10000-01-01', '23:59:59.999', '24:00:00+15:59', "
      "'294276-12-31 23:59:59.999', '1999-12-31 19:00:00-05', '100000:00:00', "
      "B'0000000000', '5874897-12-31')");
  admin->exec(
      "INSERT INTO edge (id, f4, f8, n, n2, d, ts, tstz, iv) VALUES (4, 1.4e-45, 5e-324, "
      "123456789012345678901234567890.123456789012345678901234567890, -0.0005, "
      "'4714-11-24 BC', '4713-11-24 00:00:00 BC', '0001-01-01 00:00:00+00 BC', "
      "'-2562047788:00:54.775807')");
  admin->exec(
      "INSERT INTO edge (id, f4, f8, n, n2, iv) VALUES (5, 3.4028235e38, "
      "1.7976931348623157e308, 1e-20, 10000, '2562047788:00:54.775807'), (6, 1.1, 0.1, "
      "0.000, 12345678.9, '00:00:00'), (7, NULL, NULL, 10000, -0.0001, NULL), (8, NULL, NULL, "
      "-0.00000001, 1, NULL)");
  admin->exec("INSERT INTO edge (id) SELECT g FROM generate_series(9, 40) g");
  expect_same("edge", 40);
  // The columns read as their output function's text print as COPY text prints them (an inet
  // cast to text would keep a /32), and some decoded ones, exactly.
  const auto rows = read("edge", "binary");
  const Table t = describe("edge");
  auto at = [&](size_t row, const std::string& column) {
    for (size_t c = 0; c < t.columns.size(); ++c) {
      if (t.columns[c].name == column) return rows.at(row).at(c);
    }
    ADD_FAILURE() << "no column " << column;
    return std::optional<std::string>();
  };
  EXPECT_EQ(at(0, "ad"), "10.0.0.1");
  EXPECT_EQ(at(0, "ip"), "192.168.0.1");
  EXPECT_EQ(at(1, "ch"), "\\303");
  EXPECT_EQ(at(0, "ttz"), "8:30:00+02:00");
  EXPECT_EQ(at(1, "ttz"), "0:00:00.5-05:30:15");
  EXPECT_EQ(at(0, "b70"), "1" + std::string(68, '0') + "1");
  EXPECT_EQ(at(0, "c"), "a");
  EXPECT_EQ(at(0, "aby"), R"(["\\x0a0b",null,"\\x"])");
  EXPECT_EQ(at(0, "ac"), R"(["ab","x"])");
  EXPECT_EQ(at(0, "aip"), R"(["10.0.0.1","::1"])");
  EXPECT_EQ(at(3, "d"), "-4713-11-24");
  EXPECT_EQ(at(3, "n"), "123456789012345678901234567890.123456789012345678901234567890");
  EXPECT_EQ(at(6, "n2"), "-0.0001");
}

TEST_F(PgCopyFormatSourceTest, ValuesWithoutACanonicalFormAreRefusedByColumnInBothFormats) {
  // An interval with a day part has one (ISO 8601), in both formats.
  admin->exec("CREATE TABLE iv (id int PRIMARY KEY, v interval)");
  admin->exec("INSERT INTO iv VALUES (1, '00:00:01'), (2, '1 day 02:00:00')");
  admin->exec("CREATE TABLE lb (id int PRIMARY KEY, a int[])");
  admin->exec("INSERT INTO lb VALUES (1, '{1}'), (2, '[0:1]={1,2}')");
  for (const char* format : {"binary", "text"}) {
    SCOPED_TRACE(format);
    EXPECT_EQ(read("iv", format), (std::vector<Row>{{"1", "0:00:01"}, {"2", "P1DT2H"}}));
    Error e = read_error("lb", format);
    EXPECT_EQ(e.status(), FERRY_NOT_SUPPORTED) << e.what();
    EXPECT_NE(std::string(e.what()).find(schema + ".lb.a"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("lower bounds"), std::string::npos) << e.what();
  }
}

TEST_F(PgCopyFormatSourceTest, BatchesStayWithinBatchBytesInBothFormats) {
  admin->exec("CREATE TABLE wide (id int PRIMARY KEY, v text, w bytea)");
  admin->exec(
      "INSERT INTO wide SELECT g, repeat(E'x\\t', 50), decode(repeat('00ff', 50), 'hex') FROM "
      "generate_series(1, 3000) g");
  std::string payload;
  for (int i = 0; i < 50; ++i) payload += "x\t";
  for (const char* format : {"binary", "text"}) {
    SCOPED_TRACE(format);
    auto src = source({{"copy_format", std::string(format)}, {"batch_bytes", int64_t{4096}}});
    const Catalog cat = src->source().discover(only_this_schema());
    const TableRefHolder ref(schema_of(cat.tables.at(0)));
    size_t rows = 0, batches = 0, largest = 0;
    for (const auto& s : src->source().plan_splits(*ref.ref(), 100000)) {
      auto stream = src->source().open_snapshot(s, 100000);
      for (auto b = stream.next(); !b.is_end(); b = stream.next()) {
        const BatchView v(b.get());
        rows += v.record_count();
        ++batches;
        largest = std::max<size_t>(largest, v.data_bytes());
        for (uint64_t r = 0; r < v.record_count(); ++r) {
          ASSERT_EQ(v.cell(r * 3 + 1).data, payload);
        }
      }
    }
    EXPECT_EQ(rows, 3000u);
    EXPECT_GT(batches, 3000u * 160 / 4096);
    EXPECT_LT(largest, 4096u + 200);  // the bound plus the row that crossed it
  }
  expect_same("wide", 3000);
}

TEST_F(PgCopyFormatSourceTest, CopyFormatIsChecked) {
  try {
    source({{"copy_format", std::string("csv")}});
    ADD_FAILURE() << "copy_format csv was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), FERRY_INVALID_ARGUMENT);
    EXPECT_NE(std::string(e.what()).find("copy_format"), std::string::npos) << e.what();
  }
}

// ---- destination -------------------------------------------------------------------------------

using dst::col;
using dst::Image;
using dst::key;
using pgdst::Cells;

class PgCopyFormatDestinationTest : public pgdst::PgDestinationFixture {
 protected:
  std::unique_ptr<TestInstance> destination_in(const std::string& format) {
    ConfigMap c = config();
    c["copy_format"] = format;
    return destination(c, "copy-" + format);
  }
  // Each table's rows as PostgreSQL prints them, in key order.
  std::vector<Cells> table_text(const std::string& table) {
    return rows("SELECT id::text, t::text FROM " + table + " t ORDER BY id");
  }
  // `ddl` (the columns) for tables bin and txt; `table_cols` the incoming columns; the batch
  // written into each, in each format (and idempotent twice); the tables compared.
  void expect_same_tables(const std::string& ddl, const std::vector<Column>& table_cols,
                          const std::vector<Image>& images, bool expect_binary = true) {
    for (const char* name : {"bin", "txt", "bin_i", "txt_i"}) {
      exec(std::string("CREATE TABLE ") + name + " " + ddl);
    }
    auto bin = destination_in("binary");
    auto txt = destination_in("text");
    for (const char* name : {"bin", "txt", "bin_i", "txt_i"}) {
      const std::string n = name;
      const auto table = dst::table(schema_, n, table_cols);
      auto batch = dst::rows(table, images);
      auto& d = n[0] == 'b' ? *bin : *txt;
      if (n.size() == 3) {
        d.destination().bulk_write(*table->ref(), batch.get());
      } else {
        d.destination().bulk_write(*table->ref(), batch.get(), FERRY_APPLY_IDEMPOTENT);
        d.destination().bulk_write(*table->ref(), batch.get(), FERRY_APPLY_IDEMPOTENT);
      }
    }
    EXPECT_EQ(logged("bulk_write into " + schema_ + ".bin uses COPY binary format"), expect_binary);
    EXPECT_TRUE(logged("bulk_write into " + schema_ + ".txt uses COPY text format"));
    const auto want = table_text("txt");
    EXPECT_EQ(want.size(), images.size());
    EXPECT_EQ(table_text("bin"), want);
    EXPECT_EQ(table_text("bin_i"), want);
    EXPECT_EQ(table_text("txt_i"), want);
  }
  // A batch of one row, written in each format into table `name` (created by `ddl`): the error
  // of each, nothing kept.
  std::pair<Error, Error> refused(const std::string& ddl, const std::vector<Column>& table_cols,
                                  const Image& image) {
    exec("DROP TABLE IF EXISTS r");
    exec("CREATE TABLE r " + ddl);
    const auto table = dst::table(schema_, "r", table_cols);
    // A good row first: the error is in the batch's second row.
    Image good;
    for (size_t i = 0; i < image.size(); ++i)
      good.push_back(i == 0 ? dst::V("0") : dst::V(std::nullopt));
    auto batch = dst::rows(table, {good, image});
    std::vector<Error> errors;
    for (const char* format : {"binary", "text"}) {
      auto d = destination_in(format);
      errors.push_back(error_of([&] { d->destination().bulk_write(*table->ref(), batch.get()); }));
      EXPECT_EQ(scalar("SELECT count(*) FROM r"), "0") << format;
      // The session is usable afterwards.
      auto ok = dst::rows(table, {good});
      d->destination().bulk_write(*table->ref(), ok.get());
      exec("TRUNCATE r");
    }
    return {errors[0], errors[1]};
  }
};

Column with_length(Column c, int64_t length) {
  c.length = length;
  return c;
}

TEST_F(PgCopyFormatDestinationTest, EveryBinaryTypeWritesTheSameTableAsText) {
  exec("CREATE TYPE mood AS ENUM ('small', 'big')");
  exec("CREATE DOMAIN posint AS int CHECK (VALUE > 0)");
  const std::string ddl =
      "(id int PRIMARY KEY, b bool, bi bool, i2 smallint, i4 int, i8 bigint, y smallint, "
      "u64 numeric(20,0), d numeric(40,10), dn numeric, di numeric, f real, g double precision, "
      "gd double precision, gi double precision, fd real, c char(10), v varchar(100), tx text, "
      "tb text, bl bytea, dt date, tm time(6), ts timestamp(6), tz timestamptz(6), "
      "tzl timestamptz, tsz timestamp, ttz timetz, iv interval, bt bit(64), b5 bit(5), "
      "vb varbit(10), e mood, j json, jb jsonb, u uuid, uc uuid, pi posint)";
  const uint32_t n = FERRY_COLUMN_NULLABLE;
  const std::vector<Column> cols = {key("id"),
                                    col("b", FERRY_TYPE_BOOL),
                                    col("bi", FERRY_TYPE_INT8),
                                    col("i2", FERRY_TYPE_INT16),
                                    col("i4", FERRY_TYPE_INT32),
                                    col("i8", FERRY_TYPE_INT64),
                                    col("y", FERRY_TYPE_YEAR),
                                    col("u64", FERRY_TYPE_INT64, n | FERRY_COLUMN_UNSIGNED),
                                    col("d", FERRY_TYPE_DECIMAL),
                                    col("dn", FERRY_TYPE_DECIMAL),
                                    col("di", FERRY_TYPE_INT64),
                                    col("f", FERRY_TYPE_FLOAT32),
                                    col("g", FERRY_TYPE_FLOAT64),
                                    col("gd", FERRY_TYPE_DECIMAL),
                                    col("gi", FERRY_TYPE_INT64),
                                    col("fd", FERRY_TYPE_FLOAT64),
                                    col("c", FERRY_TYPE_CHAR),
                                    col("v", FERRY_TYPE_VARCHAR),
                                    col("tx", FERRY_TYPE_TEXT),
                                    col("tb", FERRY_TYPE_BOOL),
                                    col("bl", FERRY_TYPE_BLOB),
                                    col("dt", FERRY_TYPE_DATE),
                                    col("tm", FERRY_TYPE_TIME),
                                    col("ts", FERRY_TYPE_TIMESTAMP),
                                    col("tz", FERRY_TYPE_TIMESTAMPTZ),
                                    col("tzl", FERRY_TYPE_TIMESTAMP),
                                    col("tsz", FERRY_TYPE_TIMESTAMPTZ),
                                    col("ttz", FERRY_TYPE_TIMETZ),
                                    col("iv", FERRY_TYPE_INTERVAL),
                                    with_length(col("bt", FERRY_TYPE_BIT), 64),
                                    with_length(col("b5", FERRY_TYPE_BIT), 5),
                                    col("vb", FERRY_TYPE_BIT),
                                    col("e", FERRY_TYPE_ENUM),
                                    col("j", FERRY_TYPE_JSON),
                                    col("jb", FERRY_TYPE_JSON),
                                    col("u", FERRY_TYPE_UUID),
                                    col("uc", FERRY_TYPE_CHAR),
                                    col("pi", FERRY_TYPE_INT32)};
  std::string all_bytes;
  for (int i = 0; i < 256; ++i) all_bytes += static_cast<char>(i);
  const std::vector<Image> images = {
      {"1",
       "1",
       "1",
       "-32768",
       "-2147483648",
       "-9223372036854775808",
       "2024",
       "18446744073709551615",
       "-123456789012345678901234567890.1234567890",
       "0.000000000000000000000000000001",
       "-9223372036854775808",
       "3.4028235e+38",
       "1e+300",
       "123456789.123456789123456789",
       "9007199254740993",
       "0.1",
       "ab",
       "emoji \xF0\x9F\x98\x80 tab\there \"q\" back\\slash \\N nl\nend",
       "line1\nline2\r\n\\.\n\\end\t",
       "1",
       all_bytes,
       "-0043-03-15",
       "24:00:00",
       "-0043-03-15T08:30:00.5",
       "2038-01-19T03:14:07.999999Z",
       "-4713-11-24T00:00:00",
       "2024-06-30T18:29:59.5Z",
       "8:30:00+05:30",
       "-0:00:00.5",
       "18446744073709551615",
       "31",
       "5",
       "big",
       R"({"a": [1, 2.50], "b":null})",
       R"({"b": [true, null], "a": 1})",
       "123e4567-e89b-12d3-a456-426614174000",
       "{A0EEBC99-9C0B4EF8-BB6D6BB9-BD380A11}",
       "1"},
      {"2",
       "0",
       "0",
       "32767",
       "2147483647",
       "9223372036854775807",
       "0",
       "0",
       "0.0000000001",
       "NaN",
       "0",
       "-0",
       "nan",
       "-Infinity",
       "-0",
       "-inf",
       "",
       "",
       "",
       "0",
       "",
       "infinity",
       "0:00:00.000001",
       "infinity",
       "-infinity",
       "294276-12-31T23:59:59.999999",
       "-infinity",
       "0:00:00-15:59:59",
       "2562047788:00:54.775807",
       "0",
       "0",
       "0",
       "small",
       "[]",
       "{}",
       "00000000-0000-0000-0000-000000000000",
       "a0eebc999c0b4ef8bb6d6bb9bd380a11",
       "2147483647"},
      {"3",
       "1",
       "0",
       "-1",
       "-1",
       "-1",
       "1999",
       "1",
       "1.500",
       "-Infinity",
       "7",
       "1e-45",
       "5e-324",
       "NaN",
       "-9223372036854775808",
       "3.4028235e+38",
       "a b",
       "ab",
       "x",
       "1",
       std::string("\0", 1),
       "1999-12-31",
       "23:59:59.5",
       "1999-12-31T23:59:59",
       "1999-12-31T23:59:59Z",
       "1999-12-31T23:59:59",
       "1999-12-31T23:59:59Z",
       "24:00:00+00:00",
       "-2562047788:00:54.775807",
       "1",
       "16",
       "1023",
       "big",
       "1",
       "null",
       "ffffffff-ffff-ffff-ffff-ffffffffffff",
       "ffffffff-ffff-ffff-ffff-ffffffffffff",
       "3"},
      {"4"},  // every column NULL
  };
  std::vector<Image> padded = images;
  padded[3].resize(cols.size(), dst::V(std::nullopt));
  expect_same_tables(ddl, cols, padded);
  // Spot checks of what the binary table holds.
  EXPECT_EQ(scalar("SELECT format('%s|%s|%s|%s', f, g, fd, gi) FROM bin WHERE id = 2"),
            "-0|NaN|-Infinity|-0");
  EXPECT_EQ(scalar("SELECT format('%s|%s|%s', d, dn, di) FROM bin WHERE id = 3"),
            "1.5000000000|-Infinity|7");
  EXPECT_EQ(scalar("SELECT encode(bl, 'hex') FROM bin WHERE id = 1"),
            scalar("SELECT encode(bl, 'hex') FROM txt WHERE id = 1"));
  EXPECT_EQ(scalar("SELECT format('%s|%s|%s', tz, tzl, tsz) FROM bin WHERE id = 1"),
            "2038-01-19 03:14:07.999999+00|4714-11-24 00:00:00+00 BC|2024-06-30 18:29:59.5");
  EXPECT_EQ(scalar("SELECT format('%s|%s|%s', ttz, vb, uc) FROM bin WHERE id = 3"),
            "24:00:00+00|1111111111|ffffffff-ffff-ffff-ffff-ffffffffffff");
}

TEST_F(PgCopyFormatDestinationTest, BinaryRefusesWhatTextRefusesNamingRowAndColumn) {
  exec("CREATE TYPE mood AS ENUM ('small', 'big')");
  struct Case {
    std::string ddl;
    Column column;
    std::string value;
    std::string binary_says;  // in the binary error (besides the column)
    std::string text_says;
  };
  const std::vector<Case> cases = {
      {"numeric(10,2)", col("v", FERRY_TYPE_DECIMAL), "1.005", "would round", "would round"},
      {"timestamp(0)", col("v", FERRY_TYPE_TIMESTAMP), "2024-01-01T00:00:00.5", "would round",
       "would round"},
      {"int", col("v", FERRY_TYPE_INT64), "3000000000", "out of range for type integer",
       "out of range for type integer"},
      {"smallint", col("v", FERRY_TYPE_INT32), "-32769", "out of range for type smallint",
       "out of range for type smallint"},
      {"int", col("v", FERRY_TYPE_INT32), "abc", "is not a canonical INT32",
       "is not a canonical INT32"},
      {"bool", col("v", FERRY_TYPE_INT8), "2", "is not a boolean", "boolean"},
      {"real", col("v", FERRY_TYPE_FLOAT64), "1e39", "out of range for type real",
       "out of range for type real"},
      {"double precision", col("v", FERRY_TYPE_DECIMAL), "1" + std::string(400, '0'),
       "out of range for type double precision", "out of range for type double precision"},
      {"date", col("v", FERRY_TYPE_DATE), "0000-00-00", "zero date", "zero date"},
      {"date", col("v", FERRY_TYPE_DATE), "-4713-11-23", "out of range for type date",
       "out of range"},
      {"timestamp", col("v", FERRY_TYPE_TIMESTAMP), "294277-01-01T00:00:00",
       "out of range for type timestamp", "out of range"},
      {"time", col("v", FERRY_TYPE_TIME), "-838:59:59", "out of range", "out of range"},
      {"timetz", col("v", FERRY_TYPE_TIMETZ), "8:00:00+16:00", "offset", "out of range"},
      {"timetz", col("v", FERRY_TYPE_TIMETZ), "24:00:01+00:00", "out of range", "out of range"},
      {"interval", col("v", FERRY_TYPE_INTERVAL), "2562047788:00:54.775808",
       "out of range for type interval", "out of range"},
      {"text", col("v", FERRY_TYPE_TEXT), std::string("a\0b", 3), "NUL", "NUL"},
      {"text", col("v", FERRY_TYPE_TEXT), "\xff\xfe", "UTF8", "UTF8"},
      {"uuid", col("v", FERRY_TYPE_UUID), "not-a-uuid", "is not a uuid", "uuid"},
      {"bit(5)", with_length(col("v", FERRY_TYPE_BIT), 5), "32", "does not fit in bit(5)",
       "does not fit in bit(5)"},
      // Checked by the server in both formats.
      {"varchar(3)", col("v", FERRY_TYPE_VARCHAR), "abcd", "too long", "too long"},
      {"char(3)", col("v", FERRY_TYPE_CHAR), "abcd", "too long", "too long"},
      {"numeric(3,1)", col("v", FERRY_TYPE_DECIMAL), "123.4", "numeric field overflow",
       "numeric field overflow"},
      {"numeric(5,0)", col("v", FERRY_TYPE_DECIMAL), "Infinity", "infinite", "infinite"},
      {"mood", col("v", FERRY_TYPE_ENUM), "huge", "invalid input value for enum",
       "invalid input value for enum"},
      {"jsonb", col("v", FERRY_TYPE_JSON), "{oops", "json", "json"},
      {"json", col("v", FERRY_TYPE_JSON), "[1,", "json", "json"},
      {"bit(6)", with_length(col("v", FERRY_TYPE_BIT), 5), "3", "does not match", "does not match"},
      {"varbit(3)", col("v", FERRY_TYPE_BIT), "15", "too long", "too long"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.ddl + " <- '" + c.value.substr(0, 40) + "'");
    const auto [bin, txt] =
        refused("(id int PRIMARY KEY, v " + c.ddl + ")", {key("id"), c.column}, {"1", c.value});
    const std::string b = bin.what(), t = txt.what();
    EXPECT_EQ(bin.status(), FERRY_INVALID_ARGUMENT) << b;
    EXPECT_EQ(txt.status(), FERRY_INVALID_ARGUMENT) << t;
    EXPECT_NE(b.find(c.binary_says), std::string::npos) << b;
    EXPECT_NE(t.find(c.text_says), std::string::npos) << t;
    // The row and the column: ferry's own refusals say "row 1 of the batch" and
    // schema.table.column; the server's say "line 2, column v".
    const bool ours = b.find("row 1 of the batch") != std::string::npos &&
                      b.find(schema_ + ".r.v") != std::string::npos;
    const bool servers = b.find("line 2, column v") != std::string::npos;
    EXPECT_TRUE(ours || servers) << b;
  }
}

TEST_F(PgCopyFormatDestinationTest, ATableWithATypeWithoutABinaryEncoderIsWrittenAsText) {
  const std::string ddl = "(id int PRIMARY KEY, ip inet, a int[], m macaddr, n numeric(6,2))";
  const std::vector<Column> cols = {key("id"), col("ip", FERRY_TYPE_INET),
                                    dst::col("a", FERRY_TYPE_ARRAY), col("m", FERRY_TYPE_MACADDR),
                                    col("n", FERRY_TYPE_DECIMAL)};
  std::vector<Column> c2 = cols;
  c2[2].element_type = FERRY_TYPE_INT32;
  expect_same_tables(ddl, c2,
                     {{"1", "192.168.0.1/24", R"(["1",null])", "08:00:2b:01:02:03", "1.5"},
                      {"2", "::1", "[]", "ff:ff:ff:ff:ff:ff", "-9999.99"}},
                     false);
  EXPECT_TRUE(
      logged("bulk_write into " + schema_ +
             ".bin uses COPY text format: column ip (inet) has no binary encoder for INET"));
  EXPECT_EQ(scalar("SELECT ip::text FROM bin WHERE id = 1"), "192.168.0.1/24");
  // A type other than the destination's own (a DECIMAL into an integer column) goes as text too.
  exec("CREATE TABLE conv (id int PRIMARY KEY, v int)");
  const auto conv = dst::table(schema_, "conv", {key("id"), col("v", FERRY_TYPE_DECIMAL)});
  auto d = destination_in("binary");
  auto batch = dst::rows(conv, {{"1", "42"}});
  d->destination().bulk_write(*conv->ref(), batch.get());
  EXPECT_EQ(scalar("SELECT v FROM conv"), "42");
  EXPECT_TRUE(logged("column v (integer) has no binary encoder for DECIMAL values"));
}

TEST_F(PgCopyFormatDestinationTest, AValueTheBinaryEncoderDoesNotWriteSendsItsBatchAsText) {
  exec("CREATE TABLE big (id int PRIMARY KEY, n numeric)");
  const auto table = dst::table(schema_, "big", {key("id"), col("n", FERRY_TYPE_DECIMAL)});
  // More significant digits than numeric_recv takes; numeric_in reads them.
  const std::string huge = "1." + std::string(12100, '7');
  auto d = destination_in("binary");
  auto batch = dst::rows(table, {{"1", "2.5"}, {"2", huge}});
  d->destination().bulk_write(*table->ref(), batch.get());
  EXPECT_EQ(scalar("SELECT n::text FROM big WHERE id = 2"), huge);
  EXPECT_EQ(scalar("SELECT count(*) FROM big"), "2");
  EXPECT_TRUE(logged("is not written in binary COPY format: this batch goes in text format"));
  // The next batch is binary again.
  auto next = dst::rows(table, {{"3", "3.5"}});
  d->destination().bulk_write(*table->ref(), next.get(), FERRY_APPLY_IDEMPOTENT);
  EXPECT_EQ(scalar("SELECT n::text FROM big WHERE id = 3"), "3.5");
}

TEST_F(PgCopyFormatDestinationTest, LargeBinaryBatchesAreSentInChunks) {
  exec("CREATE TABLE big (id int PRIMARY KEY, payload text, n numeric(12,2), ts timestamptz)");
  const auto table = dst::table(schema_, "big",
                                {key("id"), col("payload", FERRY_TYPE_TEXT),
                                 col("n", FERRY_TYPE_DECIMAL), col("ts", FERRY_TYPE_TIMESTAMPTZ)});
  auto b = BatchBuilder::rows(table);
  const std::string payload(1000, 'x');
  for (int i = 0; i < 5000; ++i) {  // ~5 MB: several COPY chunks
    b.add_cell(std::to_string(i));
    b.add_cell(payload + std::to_string(i));
    b.add_cell(std::to_string(i) + ".25");
    b.add_cell("2024-01-01T00:00:00Z");
  }
  auto batch = OwnedBatch::from(std::move(b));
  auto d = destination_in("binary");
  d->destination().bulk_write(*table->ref(), batch.get());
  EXPECT_TRUE(logged("bulk_write into " + schema_ + ".big uses COPY binary format"));
  EXPECT_EQ(scalar("SELECT count(*) || ':' || sum(length(payload)) || ':' || sum(n) FROM big"),
            "5000:" + std::to_string(5000 * 1000 + 10 + 90 * 2 + 900 * 3 + 4000 * 4) + ":" +
                "12498750.00");
}

}  // namespace
}  // namespace ferry::testing
