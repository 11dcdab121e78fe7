// Row decoding on synthetic bytes: what MariaDB does not write (MySQL 8 ROWS v2 with extra data,
// MySQL's TABLE_MAP metadata and binary JSON column, MySQL's old temporal formats), TIME2 edge
// cases, and malformed input (truncated rows, corrupt values, wrong column info).
#include "binlog/event.hpp"
#include "binlog/rows.hpp"

#include "unit/mysql_binlog/binlog_test_support.hpp"
#include "unit/mysql_binlog/captured_events.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

namespace ferry_test {
namespace {

using namespace std::string_literals;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

// ---- a MySQL 8 table ---------------------------------------------------------------------------
//   CREATE TABLE db.t (id INT UNSIGNED NOT NULL, y YEAR, name VARCHAR(20) CHARACTER SET latin1,
//     doc JSON, e ENUM('x','é') CHARACTER SET latin1, g POINT, s VARCHAR(10) INVISIBLE,
//     PRIMARY KEY (id, name(5)))   -- default charset utf8mb4_0900_ai_ci, binlog_row_metadata=FULL

std::vector<uint8_t> mysql_table_map() {
  Bytes b;
  b.le(77, 6).le(1, 2);
  b.u8(2).str("db").u8(0).u8(1).str("t").u8(0);
  b.u8(7).u8(bl::TYPE_LONG).u8(bl::TYPE_YEAR).u8(bl::TYPE_VARCHAR).u8(bl::TYPE_JSON);
  b.u8(bl::TYPE_STRING).u8(bl::TYPE_GEOMETRY).u8(bl::TYPE_VARCHAR);
  b.u8(8).le(20, 2).u8(4).u8(0xF7).u8(1).u8(4).le(40, 2);  // column metadata
  b.u8(0x7E);                                              // nullable: all but id
  b.u8(1).u8(1).u8(0x80);                                  // SIGNEDNESS: id (YEAR not counted)
  b.u8(2).u8(5).u8(0xfc).le(255, 2).u8(0).u8(8);           // DEFAULT_CHARSET 255, name: 8
  Bytes names;
  for (const char* n : {"id", "y", "name", "doc", "e", "g", "s"}) {
    names.u8(std::strlen(n)).str(n);
  }
  b.u8(4).u8(names.b.size()).raw(names.b);               // COLUMN_NAME
  b.u8(6).u8(5).u8(2).u8(1).str("x").u8(1).str("\xE9");  // ENUM_STR_VALUE (latin1)
  b.u8(7).u8(1).u8(1);                                   // GEOMETRY_TYPE: point
  b.u8(9).u8(4).u8(0).u8(0).u8(2).u8(5);                 // PRIMARY_KEY_WITH_PREFIX
  b.u8(11).u8(1).u8(8);                                  // ENUM_AND_SET_COLUMN_CHARSET
  b.u8(12).u8(1).u8(0xFC);                               // COLUMN_VISIBILITY: s hidden
  return make_event(bl::TABLE_MAP_EVENT, b.b, true);
}

const std::string kDocA1 =
    "000100"
    "0c00"
    "0b000100"
    "050100"
    "61";  // {"a": 1}
const std::string kPointWkb =
    "0101000000"
    "000000000000f03f"
    "0000000000000040";

Bytes row1(std::string_view name = "caf\xE9") {
  Bytes r;
  r.u8(0x00).le(4294967295u, 4).u8(124).u8(name.size()).str(name);
  const auto doc = unhex(kDocA1);
  r.le(doc.size(), 4).raw(doc).u8(2);
  const auto wkb = unhex(kPointWkb);
  r.le(4 + wkb.size(), 4).le(0, 4).raw(wkb);
  r.u8(6).str("hidden");
  return r;
}
Bytes row2() {
  Bytes r;
  r.u8(0x2E).le(1, 4).u8(0).u8(0);  // y name doc g NULL; e = 0; s = ''
  return r;
}

std::vector<uint8_t> rows_v2(uint8_t type, std::string_view extra, uint8_t present,
                             const std::vector<Bytes>& rows, bool update = false) {
  Bytes b;
  b.le(77, 6).le(bl::ROWS_STMT_END_F, 2).le(2 + extra.size(), 2).str(extra);
  b.u8(7).u8(present);
  if (update) b.u8(present);
  for (const auto& r : rows) b.raw(r.b);
  return make_event(type, b.b, true);
}

const Row kMyRow1 = {
    V("4294967295"),
    V("2024"),
    V("caf\xC3\xA9"),
    V("{\"a\": 1}"),
    V("\xC3\xA9"),
    V(bytes_of({1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0, 0, 0, 0, 0, 0, 0, 0x40})),
    V("hidden")};
const Row kMyRow2 = {V("1"), N, N, N, V(""), N, V("")};

class BinlogMysqlRows : public ::testing::Test {
 protected:
  bl::FormatDescription fde = mysql8_fde();
  RawEvent map_ev{mysql_table_map(), &fde};
  bl::TableMap tm = bl::parse_table_map(map_ev.ev(), fde);
  std::vector<RawEvent> keep_;

  std::vector<Row> decode(std::vector<uint8_t> raw, std::vector<bl::ColumnInfo> cols = {}) {
    keep_.emplace_back(std::move(raw), &fde);
    if (cols.empty()) cols = bl::columns_from_metadata(tm);
    return decode_all(tm, cols, bl::parse_rows(keep_.back().ev(), fde));
  }
};

TEST_F(BinlogMysqlRows, TableMapOptionalMetadata) {
  EXPECT_FALSE(tm.mariadb);
  EXPECT_EQ(tm.table_id, 77u);
  EXPECT_EQ(tm.name(), "db.t");
  const auto& om = tm.optional;
  EXPECT_THAT(om.signedness, ElementsAre(true));
  EXPECT_EQ(om.default_charset, 255u);
  EXPECT_THAT(om.default_charset_exceptions, ElementsAre(std::make_pair(0u, 8u)));
  EXPECT_THAT(om.column_names, ElementsAre("id", "y", "name", "doc", "e", "g", "s"));
  ASSERT_EQ(om.enum_labels.size(), 1u);
  EXPECT_THAT(om.enum_labels[0], ElementsAre("x", "\xE9"));
  EXPECT_THAT(om.geometry_types, ElementsAre(1u));
  EXPECT_THAT(om.primary_key_with_prefix,
              ElementsAre(std::make_pair(0u, 0u), std::make_pair(2u, 5u)));
  EXPECT_THAT(om.enum_set_column_charsets, ElementsAre(8u));
  EXPECT_THAT(om.column_visibility, ElementsAre(true, true, true, true, true, true, false));
  EXPECT_TRUE(bl::has_full_metadata(tm));
  // Character columns for MySQL: name, s (not JSON, ENUM, GEOMETRY).
  EXPECT_THAT(bl::column_collations(tm), ElementsAre(0u, 0u, 8u, 0u, 8u, 0u, 255u));
  const auto unsig = bl::column_unsigned(tm);
  EXPECT_EQ(unsig[0], true);
  EXPECT_FALSE(unsig[1].has_value());  // MySQL does not count YEAR

  const auto cols = bl::columns_from_metadata(tm);
  EXPECT_TRUE(cols[0].is_unsigned);
  EXPECT_EQ(cols[2].charset, bl::Charset::Latin1);
  EXPECT_EQ(cols[4].labels, (std::vector<std::string>{"x", "\xC3\xA9"}));  // to UTF-8
  EXPECT_EQ(cols[6].charset, bl::Charset::Utf8);
  EXPECT_EQ(cols[6].name, "s");
}

TEST_F(BinlogMysqlRows, WriteUpdateDeleteV2WithExtraData) {
  keep_.emplace_back(
      rows_v2(bl::WRITE_ROWS_EVENT_V2, "\x00\x01\x02\x03\x04"s, 0x7f, {row1(), row2()}), &fde);
  const auto re = bl::parse_rows(keep_.back().ev(), fde);
  EXPECT_EQ(re.version, 2);
  EXPECT_EQ(re.kind, bl::RowsKind::Write);
  EXPECT_EQ(re.table_id, 77u);
  EXPECT_TRUE(re.end_of_statement());
  EXPECT_EQ(re.extra_data.size(), 5u);
  EXPECT_EQ(re.extra_data[4], 4);
  EXPECT_THAT(decode_all(tm, bl::columns_from_metadata(tm), re),
              ElementsAreArray({kMyRow1, kMyRow2}));

  Row after = kMyRow1;
  after[2] = V("x");
  EXPECT_THAT(decode(rows_v2(bl::UPDATE_ROWS_EVENT_V2, "", 0x7f, {row1(), row1("x")}, true)),
              ElementsAreArray({kMyRow1, after}));
  EXPECT_THAT(decode(rows_v2(bl::DELETE_ROWS_EVENT_V2, "", 0x7f, {row2()})),
              ElementsAreArray({kMyRow2}));
  // A key-only image (binlog_row_image=MINIMAL): id, the rest absent.
  EXPECT_THAT(decode(rows_v2(bl::DELETE_ROWS_EVENT_V2, "", 0x01, {Bytes().u8(0).le(5, 4)})),
              ElementsAre(Row{V("5"), A, A, A, A, A, A}));
}

TEST_F(BinlogMysqlRows, BadExtraDataLength) {
  Bytes b;
  b.le(77, 6).le(0, 2).le(1, 2).u8(7).u8(0x7f);  // extra length 1 < 2
  RawEvent e(make_event(bl::WRITE_ROWS_EVENT_V2, b.b, true), &fde);
  expect_error([&] { bl::parse_rows(e.ev(), fde); }, FERRY_DATA_LOSS);
  Bytes c;
  c.le(77, 6).le(0, 2).le(200, 2).u8(7);  // extra data beyond the event
  RawEvent f(make_event(bl::WRITE_ROWS_EVENT_V2, c.b, true), &fde);
  expect_error([&] { bl::parse_rows(f.ev(), fde); }, FERRY_DATA_LOSS);
}

// ---- single-column helpers -----------------------------------------------------------------

bl::TableMap one_column(uint8_t type, uint16_t meta) {
  bl::TableMap tm;
  tm.schema = "db";
  tm.table = "t";
  tm.types = {type};
  tm.meta = {meta};
  tm.nullable = {true};
  return tm;
}

// Decodes one non-NULL value of a one-column table.
std::string value_of(uint8_t type, uint16_t meta, std::string_view hex, bl::ColumnInfo ci = {}) {
  const auto tm = one_column(type, meta);
  Bytes data;
  data.u8(0).hex(hex);
  Collect c;
  const std::vector<bl::ColumnInfo> cols{ci};
  const uint8_t present = 1;
  const size_t n = bl::decode_row(tm, cols, std::span(&present, 1), data.b, c);
  EXPECT_EQ(n, data.b.size()) << hex;
  EXPECT_EQ(c.row.size(), 1u);
  return c.row.empty() || !c.row[0].v ? "<null>" : *c.row[0].v;
}

TEST(BinlogSyntheticValues, Time2EdgeCases) {
  // Bytes as MySQL's my_time_packed_to_binary writes them (negative fractions complemented).
  EXPECT_EQ(value_of(bl::TYPE_TIME2, 2, "7fffffff"), "-0:00:00.01");
  EXPECT_EQ(value_of(bl::TYPE_TIME2, 2, "4b91049d"), "-838:59:59.99");
  EXPECT_EQ(value_of(bl::TYPE_TIME2, 4, "7ffffeffff"), "-0:00:01.0001");
  EXPECT_EQ(value_of(bl::TYPE_TIME2, 4, "80c0001388"), "12:00:00.5");
  EXPECT_EQ(value_of(bl::TYPE_TIME2, 5, "7ffffffffff6"), "-0:00:00.00001");
  EXPECT_EQ(value_of(bl::TYPE_TIME2, 6, "4b9104f0bdc1"), "-838:59:59.999999");
  EXPECT_EQ(value_of(bl::TYPE_TIME2, 1, "7feffff6"), "-1:00:00.1");
  EXPECT_EQ(value_of(bl::TYPE_TIME2, 3, "7fffffd8fa"), "-0:00:00.999");
  EXPECT_EQ(value_of(bl::TYPE_TIME2, 3, "7fffc4fff6"), "-0:00:59.001");
  EXPECT_EQ(value_of(bl::TYPE_TIME2, 0, "7fffff"), "-0:00:01");
  EXPECT_EQ(value_of(bl::TYPE_TIME2, 6, "800000000000"), "0:00:00");
}

TEST(BinlogSyntheticValues, MysqlOldTemporalFormats) {
  // DATETIME (12): 8 bytes little-endian YYYYMMDDhhmmss.
  EXPECT_EQ(value_of(bl::TYPE_DATETIME, 0, "f8cad28568120000"), "2024-01-31T08:30:00");
  EXPECT_EQ(value_of(bl::TYPE_DATETIME, 0, "7787d105f15a0000"), "9999-12-31T23:59:59");
  EXPECT_EQ(value_of(bl::TYPE_DATETIME, 0, "0000000000000000"), "0000-00-00T00:00:00");
  // TIMESTAMP (7): 4 bytes little-endian seconds.
  EXPECT_EQ(value_of(bl::TYPE_TIMESTAMP, 0, "0805ba65"), "2024-01-31T08:30:00Z");
  EXPECT_EQ(value_of(bl::TYPE_TIMESTAMP, 0, "00000000"), "0000-00-00T00:00:00Z");
  // TIME (11): 3 bytes little-endian signed ±HHMMSS.
  EXPECT_EQ(value_of(bl::TYPE_TIME, 0, "590a80"), "-838:59:59");
  EXPECT_EQ(value_of(bl::TYPE_TIME, 0, "40e201"), "12:34:56");
  EXPECT_EQ(value_of(bl::TYPE_TIME, 0, "25d8ff"), "-1:02:03");
  EXPECT_EQ(value_of(bl::TYPE_TIME, 0, "000000"), "0:00:00");
  // DATE (10) and NEWDATE (14): day | month << 5 | year << 9.
  EXPECT_EQ(value_of(bl::TYPE_DATE, 0, "3f320f"), "1945-01-31");
  EXPECT_EQ(value_of(bl::TYPE_NEWDATE, 0, "000000"), "0000-00-00");
}

TEST(BinlogSyntheticValues, TimestampRange) {
  EXPECT_EQ(value_of(bl::TYPE_TIMESTAMP2, 0, "ffffffff"), "2106-02-07T06:28:15Z");
  EXPECT_EQ(value_of(bl::TYPE_TIMESTAMP2, 3,
                     "00000001"
                     "0064"),
            "1970-01-01T00:00:01.01Z");
  EXPECT_EQ(value_of(bl::TYPE_TIMESTAMP2, 6,
                     "00000000"
                     "000001"),
            "1970-01-01T00:00:00.000001Z");
}

TEST(BinlogSyntheticValues, Decimals) {
  // DECIMAL(10,0) -1234567890: 1 leading digit (1 byte) + 9 digits (4 bytes), inverted.
  EXPECT_EQ(value_of(bl::TYPE_NEWDECIMAL, (10 << 8) | 0, "7ef204c72d"), "-1234567890");
  EXPECT_EQ(value_of(bl::TYPE_NEWDECIMAL, (4 << 8) | 4, "9388"), "0.5000");
  EXPECT_EQ(value_of(bl::TYPE_NEWDECIMAL, (4 << 8) | 4, "6c77"), "-0.5000");
  EXPECT_EQ(value_of(bl::TYPE_NEWDECIMAL, (1 << 8) | 0, "89"), "9");
  // A "negative zero" prints without its sign.
  EXPECT_EQ(value_of(bl::TYPE_NEWDECIMAL, (3 << 8) | 1, "7fff"), "0.0");
}

TEST(BinlogSyntheticValues, FloatsAndBits) {
  EXPECT_EQ(value_of(bl::TYPE_FLOAT, 4, "00000080"), "-0");
  EXPECT_EQ(value_of(bl::TYPE_FLOAT, 4, "ffff7f7f"), "3.4028235e+38");
  EXPECT_EQ(value_of(bl::TYPE_FLOAT, 4, "01000000"), "1e-45");
  EXPECT_EQ(value_of(bl::TYPE_FLOAT, 4, "cdcccc3d"), "0.1");
  EXPECT_EQ(value_of(bl::TYPE_DOUBLE, 8, "9a9999999999b93f"), "0.1");
  EXPECT_EQ(value_of(bl::TYPE_DOUBLE, 8, "0000000000000000"), "0");
  // BIT(9): 1 byte + 1 bit = 2 bytes big-endian.
  EXPECT_EQ(value_of(bl::TYPE_BIT, (1 << 8) | 1, "01ff"), "511");
  EXPECT_EQ(value_of(bl::TYPE_BIT, 3, "05"), "5");  // BIT(3) b'101'
}

TEST(BinlogSyntheticValues, Strings) {
  bl::ColumnInfo latin1;
  latin1.charset = bl::Charset::Latin1;
  // VARCHAR with a 2-byte length (max length >= 256).
  EXPECT_EQ(value_of(bl::TYPE_VARCHAR, 300,
                     "0300"
                     "616263"),
            "abc");
  EXPECT_EQ(value_of(bl::TYPE_VAR_STRING, 20,
                     "03"
                     "e98081",
                     latin1),
            "\xC3\xA9\xE2\x82\xAC\xC2\x81");
  // CHAR(300) (bytes > 255): 2-byte length; meta packs the length's high bits: 0xFE ^ 0x10.
  EXPECT_EQ(value_of(bl::TYPE_STRING, 0xEE2C,
                     "0200"
                     "6869"),
            "hi");
  // BLOB with 3- and 4-byte lengths.
  EXPECT_EQ(value_of(bl::TYPE_BLOB, 3,
                     "020000"
                     "0001"),
            "\0\x01"s);
  EXPECT_EQ(value_of(bl::TYPE_BLOB, 4, "00000000"), "");
  // BINARY(6) sent as 2 bytes: padded back.
  bl::ColumnInfo bin;
  bin.charset = bl::Charset::Binary;
  EXPECT_EQ(value_of(bl::TYPE_STRING, 0xFE06,
                     "02"
                     "0102",
                     bin),
            "\x01\x02\0\0\0\0"s);
  // MySQL JSON, empty value = null.
  EXPECT_EQ(value_of(bl::TYPE_JSON, 4, "00000000"), "null");
}

TEST(BinlogSyntheticValues, EnumAndSetForms) {
  bl::ColumnInfo e;
  e.labels = {"a", "b", "c"};
  EXPECT_EQ(value_of(bl::TYPE_STRING, 0xF701, "03", e), "c");
  EXPECT_EQ(value_of(bl::TYPE_STRING, 0xF701, "00", e), "");
  EXPECT_EQ(value_of(bl::TYPE_ENUM, 0xF702, "0200", e), "b");  // ENUM (247) directly
  EXPECT_EQ(value_of(bl::TYPE_STRING, 0xF801, "07", e), "a,b,c");
  EXPECT_EQ(value_of(bl::TYPE_SET, 0xF801, "05", e), "a,c");  // SET (248) directly
  EXPECT_EQ(value_of(bl::TYPE_STRING, 0xF801, "00", e), "");
}

// ---- malformed input and caller errors ----------------------------------------------------------

ferry::Error decode_error(const bl::TableMap& tm, std::vector<bl::ColumnInfo> cols,
                          std::string_view hex, ferry_status status, uint8_t present = 0xff) {
  Collect c;
  const auto data = unhex(hex);
  return expect_error(
      [&] { bl::decode_row(tm, cols, std::span(&present, 1), data, c, bl::WRITE_ROWS_EVENT_V1); },
      status);
}

TEST(BinlogSyntheticErrors, CorruptValuesNameTableColumnAndType) {
  auto tm = one_column(bl::TYPE_NEWDECIMAL, (18 << 8) | 0);
  std::vector<bl::ColumnInfo> cols(1);
  cols[0].name = "amount";
  // A 9-digit group holding 0xFFFFFFFF - 0x80000000 ... > 999999999.
  auto e = decode_error(tm, cols,
                        "00"
                        "80ffffffffffffff",
                        FERRY_DATA_LOSS);
  EXPECT_THAT(e.what(), HasSubstr("binlog WRITE_ROWS_V1 event for db.t, column #1 `amount` "
                                  "(NEWDECIMAL(18,0))"));
  EXPECT_THAT(e.what(), HasSubstr("corrupt DECIMAL"));

  tm = one_column(bl::TYPE_DATETIME2, 0);
  e = decode_error(tm, cols,
                   "00"
                   "999999ffff",
                   FERRY_DATA_LOSS);  // hour 31
  EXPECT_THAT(e.what(), HasSubstr("DATETIME2(0)"));
  tm = one_column(bl::TYPE_DATE, 0);
  decode_error(tm, cols,
               "00"
               "ffffff",
               FERRY_DATA_LOSS);  // month 15
  tm = one_column(bl::TYPE_TIME2, 7);
  decode_error(tm, cols,
               "00"
               "800000",
               FERRY_DATA_LOSS);  // fsp 7
  tm = one_column(bl::TYPE_TIME2, 0);
  decode_error(tm, cols,
               "00"
               "80003f",
               FERRY_DATA_LOSS);  // 63 seconds
  tm = one_column(bl::TYPE_BLOB, 5);
  decode_error(tm, cols,
               "00"
               "0000000000",
               FERRY_DATA_LOSS);  // 5-byte length prefix
  tm = one_column(bl::TYPE_GEOMETRY, 4);
  decode_error(tm, cols,
               "00"
               "02000000"
               "0000",
               FERRY_DATA_LOSS);  // no room for the SRID
  tm = one_column(bl::TYPE_BIT, 8 << 8 | 1);
  decode_error(tm, cols,
               "00"
               "000000000000000000",
               FERRY_DATA_LOSS);  // 9 bytes
  tm = one_column(bl::TYPE_STRING, 0xF801);
  cols[0].labels = {"a"};
  decode_error(tm, cols,
               "00"
               "02",
               FERRY_DATA_LOSS);  // SET bit beyond its labels
  tm = one_column(bl::TYPE_STRING, 0xF701);
  decode_error(tm, cols,
               "00"
               "05",
               FERRY_DATA_LOSS);  // ENUM index beyond its labels
}

TEST(BinlogSyntheticErrors, CallerErrorsAndUnsupported) {
  auto tm = one_column(bl::TYPE_LONG, 0);
  auto e = decode_error(tm, {}, "0001000000", FERRY_INVALID_ARGUMENT);
  EXPECT_THAT(e.what(), HasSubstr("0 ColumnInfo for 1 columns"));

  tm = one_column(bl::TYPE_VARCHAR, 20);
  std::vector<bl::ColumnInfo> cols(1);
  cols[0].charset = bl::Charset::Other;
  cols[0].collation = 28;
  e = decode_error(tm, cols,
                   "00"
                   "01"
                   "41",
                   FERRY_NOT_SUPPORTED);
  EXPECT_THAT(e.what(), HasSubstr("gbk"));

  tm = one_column(bl::TYPE_DECIMAL, 0);
  decode_error(tm, {bl::ColumnInfo{}},
               "00"
               "00",
               FERRY_NOT_SUPPORTED);

  tm = one_column(bl::TYPE_STRING, 0xF801);
  e = decode_error(tm, {bl::ColumnInfo{}},
                   "00"
                   "01",
                   FERRY_INVALID_ARGUMENT);
  EXPECT_THAT(e.what(), HasSubstr("SET value but no labels"));

  // A present bitmap shorter than the columns.
  tm.types = std::vector<uint8_t>(9, bl::TYPE_TINY);
  tm.meta = std::vector<uint16_t>(9, 0);
  Collect c;
  const uint8_t present = 0xff;
  const auto data = unhex(
      "0000"
      "010203040506070809");
  expect_error(
      [&] { bl::decode_row(tm, std::vector<bl::ColumnInfo>(9), std::span(&present, 1), data, c); },
      FERRY_DATA_LOSS);
}

// Every truncation of captured row images: a clear DATA_LOSS naming the column, never a read
// past the end (the data is copied to an exact-size buffer so ASan sees any overrun).
TEST(BinlogSyntheticErrors, TruncatedRowImages) {
  using namespace captured;
  const auto fde = fde_of(kFullFde);
  const std::pair<const char*, const char*> tables[] = {{kFullIntMap, kFullIntWrite},
                                                        {kFullNumMap, kFullNumWrite},
                                                        {kFullStrMap, kFullStrWrite},
                                                        {kFullTimeMap, kFullTimeWrite},
                                                        {kFullExtMap, kFullExtWrite}};
  for (const auto& [map_hex, rows_hex] : tables) {
    RawEvent m(map_hex, &fde);
    const auto tm = bl::parse_table_map(m.ev(), fde);
    const auto cols = bl::columns_from_metadata(tm);
    RawEvent r(rows_hex, &fde);
    const auto re = bl::parse_rows(r.ev(), fde);
    // The first image's size.
    Collect whole;
    const size_t first = bl::decode_row(tm, cols, re.present, re.rows, whole);
    for (size_t n = 0; n < first; ++n) {
      std::vector<uint8_t> cut(re.rows.begin(), re.rows.begin() + static_cast<long>(n));
      Collect c;
      try {
        bl::decode_row(tm, cols, re.present, cut, c, re.event_type);
        ADD_FAILURE() << tm.name() << ": a " << n << "-byte prefix of a " << first
                      << "-byte image decoded";
      } catch (const ferry::Error& e) {
        EXPECT_EQ(e.status(), FERRY_DATA_LOSS);
        EXPECT_THAT(e.what(), HasSubstr("WRITE_ROWS_V1 event for " + tm.name()));
        EXPECT_THAT(e.what(), HasSubstr("truncated"));
      }
    }
  }
}

// Random byte flips in captured TABLE_MAP and ROWS events (re-framed with a valid CRC32): every
// outcome is a decoded row or a ferry::Error, never a crash or an out-of-bounds read (run under
// ASan by scripts/test.sh).
TEST(BinlogSyntheticErrors, MutatedEventsNeverCrash) {
  using namespace captured;
  const auto fde = fde_of(kFullFde);
  const std::pair<const char*, const char*> tables[] = {
      {kFullIntMap, kFullIntUpdate},  {kFullNumMap, kFullNumWrite}, {kFullStrMap, kFullStrUpdate},
      {kFullTimeMap, kFullTimeWrite}, {kFullExtMap, kFullExtWrite}, {kMinStrMap, kMinStrWrite}};
  std::mt19937 rng(20240131);
  size_t errors = 0, decoded = 0;
  const char* env = std::getenv("FERRY_BINLOG_FUZZ_ITERATIONS");  // a longer local run
  const int iterations = env ? std::atoi(env) : 600;
  for (const auto& [map_hex, rows_hex] : tables) {
    const RawEvent map0(map_hex, &fde), rows0(rows_hex, &fde);
    for (int iter = 0; iter < iterations; ++iter) {
      std::vector<uint8_t> mbody(map0->body.begin(), map0->body.end());
      std::vector<uint8_t> rbody(rows0->body.begin(), rows0->body.end());
      auto& target = iter % 3 == 0 ? mbody : rbody;
      const int flips = 1 + static_cast<int>(rng() % 3);
      for (int f = 0; f < flips; ++f) {
        target[rng() % target.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
      }
      if (iter % 7 == 0) target.resize(rng() % target.size());
      try {
        const RawEvent m(make_event(bl::TABLE_MAP_EVENT, mbody, true), &fde);
        const RawEvent r(make_event(rows0->header.type, rbody, true), &fde);
        const auto tm = bl::parse_table_map(m.ev(), fde);
        auto cols = bl::columns_from_metadata(tm);
        const auto re = bl::parse_rows(r.ev(), fde);
        size_t off = 0;
        for (size_t image = 0; off < re.rows.size(); ++image) {
          Collect c;
          const bool after = re.kind == bl::RowsKind::Update && image % 2 == 1;
          const auto& present = after ? re.present_after : re.present;
          if (present.size() * 8 < tm.types.size()) break;
          off += bl::decode_row(tm, cols, present, re.rows.subspan(off), c, re.event_type);
          ++decoded;
        }
      } catch (const ferry::Error&) {
        ++errors;
      }
    }
  }
  EXPECT_GT(errors, 0u);
  EXPECT_GT(decoded, 0u);
}

}  // namespace
}  // namespace ferry_test
