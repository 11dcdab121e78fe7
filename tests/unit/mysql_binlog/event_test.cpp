// Binlog event splitting and parsing: captured MariaDB events and synthetic MySQL 8 ones.
#include "binlog/event.hpp"
#include "binlog/rows.hpp"

#include "unit/mysql_binlog/binlog_test_support.hpp"
#include "unit/mysql_binlog/captured_events.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ferry_test {
namespace {

using namespace captured;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class BinlogCapturedEvents : public ::testing::Test {
 protected:
  bl::FormatDescription fde = fde_of(kMinFde);
};

TEST_F(BinlogCapturedEvents, FormatDescription) {
  RawEvent e(kMinFde, nullptr);
  EXPECT_EQ(e->header.type, bl::FORMAT_DESCRIPTION_EVENT);
  EXPECT_EQ(e->header.server_id, 1u);
  EXPECT_EQ(e->header.event_size, 252u);
  EXPECT_EQ(e->header.next_pos, 0u);  // the dump thread's copy of the file's FDE
  // The body keeps the checksum-algorithm byte and drops the CRC32.
  EXPECT_EQ(e->body.size(), 252u - 19 - 4);
  EXPECT_EQ(fde.binlog_version, 4);
  EXPECT_EQ(fde.server_version, "10.11.19-MariaDB-0+deb12u1-log");
  EXPECT_EQ(fde.header_len, 19);
  EXPECT_TRUE(fde.checksum_crc32);
  EXPECT_EQ(fde.checksum_alg, 1);
  EXPECT_TRUE(fde.mariadb);
  EXPECT_EQ(fde.post_header_len.size(), 171u);  // every type up to 171
  EXPECT_EQ(fde.post_header(bl::QUERY_EVENT, 0), 13);
  EXPECT_EQ(fde.post_header(bl::ROTATE_EVENT, 0), 8);
  EXPECT_EQ(fde.post_header(bl::TABLE_MAP_EVENT, 0), 8);
  EXPECT_EQ(fde.post_header(bl::WRITE_ROWS_EVENT_V1, 0), 8);
  EXPECT_EQ(fde.post_header(bl::MARIA_GTID_EVENT, 0), 19);
  EXPECT_EQ(fde.post_header(200, 77), 77);  // beyond the array: the fallback
}

TEST_F(BinlogCapturedEvents, FormatDescriptionOfAnOpenBinlogFileVerifies) {
  // Read from the file of a running server: LOG_EVENT_BINLOG_IN_USE_F is set, and the CRC32 was
  // computed without it.
  RawEvent e(kOldFde, nullptr);
  EXPECT_EQ(e->header.flags & bl::LOG_EVENT_BINLOG_IN_USE_F, bl::LOG_EVENT_BINLOG_IN_USE_F);
  const auto f = bl::parse_format_description(e.ev());
  EXPECT_TRUE(f.checksum_crc32);
  EXPECT_EQ(e->header.next_pos, 256u);
}

TEST_F(BinlogCapturedEvents, ArtificialRotateBeforeTheFirstFde) {
  // nullptr: the trailer is detected (it verifies) and stripped.
  RawEvent e(kMinFakeRotate, nullptr);
  EXPECT_EQ(e->header.type, bl::ROTATE_EVENT);
  EXPECT_EQ(e->header.timestamp, 0u);
  EXPECT_EQ(e->header.next_pos, 0u);
  EXPECT_EQ(e->header.flags, bl::LOG_EVENT_ARTIFICIAL_F);
  const auto r = bl::parse_rotate(e.ev());
  EXPECT_EQ(r.next_file, "binlog.000001");
  EXPECT_EQ(r.position, 1733u);
  // The caller who knows the server checksums says so: same result, verified.
  const auto raw = unhex(kMinFakeRotate);
  EXPECT_EQ(bl::parse_rotate(bl::split_event(raw, bl::Checksum::Crc32)).next_file, "binlog.000001");
  // Told "no checksum", the CRC32 stays in the body: the file name would end in 4 junk bytes.
  EXPECT_EQ(bl::parse_rotate(bl::split_event(raw, bl::Checksum::None)).next_file.size(), 17u);
}

TEST_F(BinlogCapturedEvents, RealRotateAndTheNextFile) {
  RawEvent rot(kMinRotate, &fde);
  EXPECT_EQ(rot->header.flags, 0);
  EXPECT_EQ(rot->header.next_pos, 19030u);
  const auto r = bl::parse_rotate(rot.ev());
  EXPECT_EQ(r.next_file, "binlog.000002");
  EXPECT_EQ(r.position, 4u);

  RawEvent fake(kMinFakeRotate2, &fde);
  EXPECT_EQ(bl::parse_rotate(fake.ev()).next_file, "binlog.000002");
  const auto fde2 = fde_of(kMinFde2);
  EXPECT_EQ(fde2.server_version, fde.server_version);

  RawEvent list(kMinGtidList, &fde2);
  const auto l = bl::parse_maria_gtid_list(list.ev());
  ASSERT_EQ(l.items.size(), 1u);
  EXPECT_EQ(l.items[0], (bl::MariaGtidList::Item{0, 1, 29}));
  EXPECT_EQ(l.flags, 0);

  RawEvent cp(kMinCheckpoint, &fde2);
  EXPECT_EQ(bl::parse_binlog_checkpoint(cp.ev()), "binlog.000001");
}

TEST_F(BinlogCapturedEvents, Heartbeat) {
  RawEvent e(kMinHeartbeat, &fde);
  EXPECT_EQ(e->header.type, bl::HEARTBEAT_LOG_EVENT);
  const auto hb = bl::parse_heartbeat(e.ev());
  EXPECT_EQ(hb.file, "binlog.000002");
  EXPECT_EQ(hb.position, 379u);
}

TEST_F(BinlogCapturedEvents, MariaGtids) {
  RawEvent ddl(kMinGtidDdl, &fde);
  const auto g = bl::parse_maria_gtid(ddl.ev());
  EXPECT_EQ(g.seq_no, 8u);
  EXPECT_EQ(g.domain_id, 0u);
  EXPECT_EQ(g.server_id, 1u);
  EXPECT_EQ(g.gtid_string(), "0-1-8");
  EXPECT_TRUE(g.standalone);
  EXPECT_TRUE(g.ddl());
  EXPECT_FALSE(g.commit_id);

  RawEvent trx(kMinGtidTrx, &fde);
  const auto t = bl::parse_maria_gtid(trx.ev());
  EXPECT_EQ(t.seq_no, 10u);
  EXPECT_FALSE(t.standalone);
  EXPECT_TRUE(t.transactional());
  EXPECT_FALSE(t.ddl());

  RawEvent aria(kMinAriaGtid, &fde);
  const auto a = bl::parse_maria_gtid(aria.ev());
  EXPECT_EQ(a.seq_no, 29u);
  EXPECT_FALSE(a.standalone);
  EXPECT_FALSE(a.transactional());  // Aria: the group ends with a COMMIT query, not an XID
}

TEST_F(BinlogCapturedEvents, Query) {
  RawEvent e(kMinQueryCreateDb, &fde);
  const auto q = bl::parse_query(e.ev(), fde);
  EXPECT_EQ(q.schema, "ferry_binlog_capture");
  EXPECT_EQ(q.sql,
            "CREATE DATABASE ferry_binlog_capture CHARACTER SET utf8mb4 COLLATE "
            "utf8mb4_general_ci");
  EXPECT_EQ(q.error_code, 0);
  EXPECT_EQ(q.exec_time, 0u);
  EXPECT_NE(q.thread_id, 0u);
  EXPECT_EQ(q.sql_mode, 0u);  // sql_mode=''
  EXPECT_EQ(q.catalog, "std");
  ASSERT_TRUE(q.charset);
  EXPECT_EQ((*q.charset)[0], 45);  // SET NAMES utf8mb4: utf8mb4_general_ci
  EXPECT_EQ((*q.charset)[1], 45);
  EXPECT_FALSE(q.status_vars_truncated);

  RawEvent commit(kMinAriaCommit, &fde);
  const auto c = bl::parse_query(commit.ev(), fde);
  EXPECT_EQ(c.sql, "COMMIT");
}

TEST_F(BinlogCapturedEvents, XidAndAnnotate) {
  RawEvent x(kMinIntXid, &fde);
  EXPECT_EQ(bl::parse_xid(x.ev()), 32u);
  RawEvent a(kMinAnnotateIntInsert, &fde);
  EXPECT_THAT(bl::parse_annotate_rows(a.ev()), ::testing::StartsWith("INSERT INTO t_int VALUES "
                                                                     "(1,-128,0,-32768,"));
}

TEST_F(BinlogCapturedEvents, WrongParserIsInvalidArgument) {
  RawEvent w(kMinIntWrite, &fde);
  const auto e = expect_error([&] { bl::parse_xid(w.ev()); }, FERRY_INVALID_ARGUMENT);
  EXPECT_THAT(e.what(), HasSubstr("WRITE_ROWS_V1"));
  expect_error([&] { bl::parse_table_map(w.ev(), fde); }, FERRY_INVALID_ARGUMENT);
  RawEvent m(kMinIntMap, &fde);
  expect_error([&] { bl::parse_rows(m.ev(), fde); }, FERRY_INVALID_ARGUMENT);
}

TEST_F(BinlogCapturedEvents, CorruptedCrcIsDataLoss) {
  auto raw = unhex(kMinIntWrite);
  raw[40] ^= 0x01;
  const auto e = expect_error([&] { bl::split_event(raw, &fde); }, FERRY_DATA_LOSS);
  EXPECT_THAT(e.what(), HasSubstr("WRITE_ROWS_V1"));
  EXPECT_THAT(e.what(), HasSubstr("CRC32 mismatch"));
  // ... and in the CRC32 itself.
  raw = unhex(kMinIntWrite);
  raw.back() ^= 0x80;
  expect_error([&] { bl::split_event(raw, &fde); }, FERRY_DATA_LOSS);
  // A corrupted FORMAT_DESCRIPTION carries its own algorithm byte and is verified too.
  auto f = unhex(kMinFde);
  f[30] ^= 0x10;
  expect_error([&] { bl::split_event(f, nullptr); }, FERRY_DATA_LOSS);
  // Detect mode never strips a trailer that does not verify.
  auto rot = unhex(kMinFakeRotate);
  rot.back() ^= 1;
  EXPECT_EQ(bl::split_event(rot, nullptr).body.size(), rot.size() - 19);
}

TEST_F(BinlogCapturedEvents, TruncatedOrOverlongEvents) {
  auto raw = unhex(kMinIntWrite);
  const std::span<const uint8_t> all(raw);
  auto e = expect_error([&] { bl::split_event(all.first(raw.size() - 1), &fde); }, FERRY_DATA_LOSS);
  EXPECT_THAT(e.what(), HasSubstr("the header says 168 bytes but the event has 167"));
  expect_error([&] { bl::split_event(all.first(10), &fde); }, FERRY_DATA_LOSS);
  expect_error([&] { bl::split_event(all.first(0), &fde); }, FERRY_DATA_LOSS);
  // Connector/C's raw_data with its OK byte: a clear message.
  std::vector<uint8_t> with_ok{0};
  with_ok.insert(with_ok.end(), raw.begin(), raw.end());
  e = expect_error([&] { bl::split_event(with_ok, &fde); }, FERRY_DATA_LOSS);
  EXPECT_THAT(e.what(), HasSubstr("OK byte"));
}

TEST_F(BinlogCapturedEvents, TruncatedBodiesNeverReadOutOfBounds) {
  // Every prefix of every body of these events, re-framed as a valid event (correct size and
  // CRC), must parse or throw ferry::Error: never crash or read past the end (ASan checks).
  for (const char* hex : {kMinQueryCreateDb, kMinGtidDdl, kMinIntMap, kMinStrMap, kMinGtidList,
                          kMinRotate, kMinCheckpoint, kMinIntXid}) {
    RawEvent full(hex, &fde);
    const auto body = full->body;
    for (size_t n = 0; n < body.size(); ++n) {
      const auto raw = make_event(full->header.type, body.first(n), true);
      try {
        RawEvent e(raw, &fde);
        switch (e->header.type) {
          case bl::QUERY_EVENT:
            bl::parse_query(e.ev(), fde);
            break;
          case bl::MARIA_GTID_EVENT:
            bl::parse_maria_gtid(e.ev());
            break;
          case bl::TABLE_MAP_EVENT:
            bl::parse_table_map(e.ev(), fde);
            break;
          case bl::MARIA_GTID_LIST_EVENT:
            bl::parse_maria_gtid_list(e.ev());
            break;
          case bl::ROTATE_EVENT:
            bl::parse_rotate(e.ev());
            break;
          case bl::BINLOG_CHECKPOINT_EVENT:
            bl::parse_binlog_checkpoint(e.ev());
            break;
          case bl::XID_EVENT:
            bl::parse_xid(e.ev());
            break;
          default:
            FAIL();
        }
      } catch (const ferry::Error& err) {
        EXPECT_EQ(err.status(), FERRY_DATA_LOSS) << err.what();
        EXPECT_THAT(err.what(), HasSubstr(bl::event_type_name(full->header.type)));
      }
    }
  }
}

TEST_F(BinlogCapturedEvents, TruncatedTableMapNamesTheEvent) {
  RawEvent full(kMinStrMap, &fde);
  const auto raw = make_event(bl::TABLE_MAP_EVENT, full->body.first(60), true);
  RawEvent cut(raw, &fde);
  const auto e = expect_error([&] { bl::parse_table_map(cut.ev(), fde); }, FERRY_DATA_LOSS);
  EXPECT_THAT(e.what(), HasSubstr("binlog TABLE_MAP event (ferry_binlog_capture.t_str): 25 "
                                  "columns cannot fit"));
  const auto raw2 = make_event(bl::TABLE_MAP_EVENT, full->body.first(80), true);
  RawEvent cut2(raw2, &fde);
  const auto e2 = expect_error([&] { bl::parse_table_map(cut2.ev(), fde); }, FERRY_DATA_LOSS);
  EXPECT_THAT(e2.what(), HasSubstr("binlog TABLE_MAP event (ferry_binlog_capture.t_str): "
                                   "truncated: needs"));
}

TEST_F(BinlogCapturedEvents, CompressedEventsAreNotSupported) {
  for (uint8_t type : {166, 167, 168, 169, 170, 171}) {
    RawEvent orig(kMinIntWrite, &fde);
    const auto raw = make_event(type, orig->body, true);
    RawEvent e(raw, &fde);
    const auto err = expect_error([&] { bl::parse_rows(e.ev(), fde); }, FERRY_NOT_SUPPORTED);
    EXPECT_THAT(err.what(), HasSubstr("log_bin_compress"));
  }
  RawEvent q(kMinQueryCreateDb, &fde);
  const auto raw = make_event(bl::QUERY_COMPRESSED_EVENT, q->body, true);
  RawEvent e(raw, &fde);
  const auto err = expect_error([&] { bl::parse_query(e.ev(), fde); }, FERRY_NOT_SUPPORTED);
  EXPECT_THAT(err.what(), HasSubstr("log_bin_compress"));
}

TEST_F(BinlogCapturedEvents, TableMapWithoutMetadata) {
  RawEvent e(kMinIntMap, &fde);
  const auto tm = bl::parse_table_map(e.ev(), fde);
  EXPECT_EQ(tm.table_id, 23u);
  EXPECT_EQ(tm.schema, "ferry_binlog_capture");
  EXPECT_EQ(tm.table, "t_int");
  EXPECT_TRUE(tm.mariadb);
  EXPECT_THAT(tm.types,
              ElementsAre(bl::TYPE_LONG, bl::TYPE_TINY, bl::TYPE_TINY, bl::TYPE_SHORT,
                          bl::TYPE_SHORT, bl::TYPE_INT24, bl::TYPE_INT24, bl::TYPE_LONG,
                          bl::TYPE_LONG, bl::TYPE_LONGLONG, bl::TYPE_LONGLONG, bl::TYPE_TINY));
  EXPECT_THAT(tm.nullable,
              ElementsAre(false, true, true, true, true, true, true, true, true, true, true, true));
  EXPECT_TRUE(tm.optional.empty());
  EXPECT_FALSE(bl::has_full_metadata(tm));

  RawEvent n(kMinNumMap, &fde);
  const auto num = bl::parse_table_map(n.ev(), fde);
  EXPECT_EQ(num.types[1], bl::TYPE_NEWDECIMAL);
  EXPECT_EQ(num.meta[1], (65 << 8) | 30);
  EXPECT_EQ(num.meta[2], (10 << 8) | 2);
  EXPECT_EQ(num.meta[6], 4);            // FLOAT pack length
  EXPECT_EQ(num.meta[7], 8);            // DOUBLE
  EXPECT_EQ(num.meta[8], 1);            // BIT(1): 0 bytes, 1 bit
  EXPECT_EQ(num.meta[9], 8 << 8);       // BIT(64): 8 bytes
  EXPECT_EQ(num.meta[10], 1 << 8 | 2);  // BIT(10): 1 byte, 2 bits

  RawEvent s(kMinStrMap, &fde);
  const auto str = bl::parse_table_map(s.ev(), fde);
  // CHAR(10) utf8mb4 = 40 bytes; CHAR(100) utf8mb4 = 400 bytes: the length's high bits are
  // packed into the real-type byte (0xFE ^ 0x10).
  EXPECT_EQ(str.real_type(1), bl::TYPE_STRING);
  EXPECT_EQ(str.string_length(1), 40u);
  EXPECT_EQ(str.meta[2], 0xEE90);
  EXPECT_EQ(str.real_type(2), bl::TYPE_STRING);
  EXPECT_EQ(str.string_length(2), 400u);
  EXPECT_EQ(str.meta[3], 400);           // VARCHAR(100) utf8mb4
  EXPECT_EQ(str.meta[4], 1200);          // VARCHAR(300) utf8mb4: 2-byte length prefix
  EXPECT_EQ(str.meta[5], 2);             // TEXT
  EXPECT_EQ(str.meta[6], 4);             // LONGTEXT
  EXPECT_EQ(str.meta[7], 1);             // TINYTEXT
  EXPECT_EQ(str.meta[8], 3);             // MEDIUMTEXT
  EXPECT_EQ(str.string_length(9), 10u);  // CHAR(10) latin1
  EXPECT_EQ(str.string_length(13), 4u);  // BINARY(4)
  EXPECT_EQ(str.real_type(19), bl::TYPE_ENUM);
  EXPECT_EQ(str.string_length(19), 1u);
  EXPECT_EQ(str.real_type(20), bl::TYPE_SET);
  EXPECT_EQ(str.string_length(20), 1u);
  EXPECT_EQ(str.string_length(21), 2u);  // SET of 10
  EXPECT_EQ(str.real_type(22), bl::TYPE_ENUM);
  EXPECT_EQ(str.string_length(22), 2u);     // ENUM of 300
  EXPECT_EQ(str.string_length(23), 8u);     // SET of 64
  EXPECT_EQ(str.types[24], bl::TYPE_BLOB);  // MariaDB JSON is a LONGTEXT
  EXPECT_EQ(str.meta[24], 4);

  RawEvent t(kMinTimeMap, &fde);
  const auto tim = bl::parse_table_map(t.ev(), fde);
  EXPECT_EQ(tim.types[1], bl::TYPE_DATE);
  for (int i = 0; i <= 6; ++i) {
    EXPECT_EQ(tim.types[2 + i], bl::TYPE_DATETIME2);
    EXPECT_EQ(tim.meta[2 + i], i);
    EXPECT_EQ(tim.types[9 + i], bl::TYPE_TIMESTAMP2);
    EXPECT_EQ(tim.meta[9 + i], i);
    EXPECT_EQ(tim.types[16 + i], bl::TYPE_TIME2);
    EXPECT_EQ(tim.meta[16 + i], i);
  }
  EXPECT_EQ(tim.types[23], bl::TYPE_YEAR);

  RawEvent x(kMinExtMap, &fde);
  const auto ext = bl::parse_table_map(x.ev(), fde);
  // MariaDB's UUID and INET6 travel as BINARY(16).
  EXPECT_EQ(ext.real_type(1), bl::TYPE_STRING);
  EXPECT_EQ(ext.string_length(1), 16u);
  EXPECT_EQ(ext.real_type(2), bl::TYPE_STRING);
  EXPECT_EQ(ext.string_length(2), 16u);
  EXPECT_EQ(ext.types[3], bl::TYPE_GEOMETRY);
  EXPECT_EQ(ext.types[4], bl::TYPE_GEOMETRY);
}

TEST_F(BinlogCapturedEvents, TableMapFullMetadata) {
  const auto ffde = fde_of(kFullFde);
  RawEvent s(kFullStrMap, &ffde);
  const auto tm = bl::parse_table_map(s.ev(), ffde);
  const auto& om = tm.optional;
  EXPECT_THAT(om.column_names, ElementsAre("id", "c", "cw", "vc", "vcl", "tx", "lt", "tt", "mt",
                                           "cl", "vcl1", "txl", "ca", "bn", "vb", "bl", "tb", "mb",
                                           "lb", "e", "s", "s10", "e300", "s64", "j"));
  EXPECT_THAT(om.signedness, ElementsAre(false));  // id only
  // One collation per character column (CHAR..BLOB, JSON): utf8mb4_general_ci 45,
  // latin1_swedish_ci 8, ascii_general_ci 11, binary 63, utf8mb4_bin 46 (JSON).
  EXPECT_THAT(om.column_charsets,
              ElementsAre(45, 45, 45, 45, 45, 45, 45, 45, 8, 8, 8, 11, 63, 63, 63, 63, 63, 63, 46));
  EXPECT_EQ(om.enum_set_default_charset, 45u);
  ASSERT_EQ(om.enum_labels.size(), 2u);
  EXPECT_THAT(om.enum_labels[0], ElementsAre("small", "medium", "large"));
  ASSERT_EQ(om.enum_labels[1].size(), 300u);
  EXPECT_EQ(om.enum_labels[1][0], "v1");
  EXPECT_EQ(om.enum_labels[1][299], "v300");
  ASSERT_EQ(om.set_labels.size(), 3u);
  EXPECT_THAT(om.set_labels[0], ElementsAre("a", "b", "c", "d"));
  EXPECT_EQ(om.set_labels[1].size(), 10u);
  EXPECT_EQ(om.set_labels[2].size(), 64u);
  EXPECT_EQ(om.set_labels[2][63], "x64");
  EXPECT_THAT(om.primary_key, ElementsAre(0));
  EXPECT_TRUE(om.unknown.empty());
  EXPECT_TRUE(bl::has_full_metadata(tm));

  const auto colls = bl::column_collations(tm);
  EXPECT_EQ(colls[0], 0u);
  EXPECT_EQ(colls[9], 8u);    // cl latin1
  EXPECT_EQ(colls[13], 63u);  // bn binary
  EXPECT_EQ(colls[19], 45u);  // e: ENUM_AND_SET_DEFAULT_CHARSET
  EXPECT_EQ(colls[24], 46u);

  RawEvent n(kFullNumMap, &ffde);
  const auto num = bl::parse_table_map(n.ev(), ffde);
  // Numeric: id d65 d10 d18 d9 du f dbl (BIT is not numeric here); du is UNSIGNED.
  EXPECT_THAT(num.optional.signedness,
              ElementsAre(false, false, false, false, false, true, false, false));
  const auto uns = bl::column_unsigned(num);
  EXPECT_EQ(uns[5], true);
  EXPECT_EQ(uns[4], false);
  EXPECT_FALSE(uns[8].has_value());  // BIT

  RawEvent t(kFullTimeMap, &ffde);
  const auto tim = bl::parse_table_map(t.ev(), ffde);
  // MariaDB counts YEAR as numeric (unsigned).
  EXPECT_THAT(tim.optional.signedness, ElementsAre(false, true));
  EXPECT_EQ(bl::column_unsigned(tim)[23], true);

  RawEvent x(kFullExtMap, &ffde);
  const auto ext = bl::parse_table_map(x.ev(), ffde);
  EXPECT_THAT(ext.optional.geometry_types, ElementsAre(0, 1));  // GEOMETRY, POINT
  EXPECT_EQ(ext.optional.default_charset, 63u);
  EXPECT_THAT(ext.optional.column_names, ElementsAre("id", "u", "ip", "g", "p"));
  EXPECT_TRUE(bl::has_full_metadata(ext));
}

TEST_F(BinlogCapturedEvents, MariaDbCountsGeometryAsACharacterColumn) {
  RawEvent g(kGeoMap, nullptr);
  const auto tm = bl::parse_table_map(g.ev(), fde);
  // id INT, g GEOMETRY, c latin1, d utf8mb4, e utf8mb4, j JSON, f utf8mb4
  EXPECT_THAT(tm.optional.column_charsets, ElementsAre(63, 8, 45, 45, 46, 45));
  EXPECT_THAT(bl::column_collations(tm), ElementsAre(0, 63, 8, 45, 45, 46, 45));
  const auto cols = bl::columns_from_metadata(tm);
  EXPECT_EQ(cols[2].charset, bl::Charset::Latin1);
  EXPECT_EQ(cols[6].charset, bl::Charset::Utf8);
  EXPECT_EQ(cols[6].name, "f");
}

TEST_F(BinlogCapturedEvents, RowsEventHeaders) {
  const bl::TableMap tm = [&] {
    RawEvent m(kMinIntMap, &fde);
    return bl::parse_table_map(m.ev(), fde);
  }();
  RawEvent w(kMinIntWrite, &fde);
  const auto re = bl::parse_rows(w.ev(), fde);
  EXPECT_EQ(re.kind, bl::RowsKind::Write);
  EXPECT_EQ(re.version, 1);
  EXPECT_EQ(re.table_id, 23u);
  EXPECT_EQ(re.column_count, 12u);
  EXPECT_TRUE(re.end_of_statement());
  EXPECT_TRUE(re.full_image());
  EXPECT_THAT(re.present, ElementsAre(0xff, 0x0f));
  EXPECT_TRUE(re.present_after.empty());
  EXPECT_TRUE(re.extra_data.empty());
  bl::check_rows_event(re, tm);

  RawEvent u(kMinIntUpdate, &fde);
  const auto up = bl::parse_rows(u.ev(), fde);
  EXPECT_EQ(up.kind, bl::RowsKind::Update);
  EXPECT_THAT(up.present_after, ElementsAre(0xff, 0x0f));

  RawEvent d(kMinIntDelete, &fde);
  EXPECT_EQ(bl::parse_rows(d.ev(), fde).kind, bl::RowsKind::Delete);

  RawEvent mu(kMinIntUpdateMinimal, &fde);
  const auto min = bl::parse_rows(mu.ev(), fde);
  EXPECT_FALSE(min.full_image());

  // A rows event of another table: refused.
  RawEvent nw(kMinNumWrite, &fde);
  expect_error([&] { bl::check_rows_event(bl::parse_rows(nw.ev(), fde), tm); }, FERRY_DATA_LOSS);
}

// ---- MySQL 8 (synthetic) ----------------------------------------------------------------------

std::vector<uint8_t> mysql8_fde_event() {
  Bytes body;
  body.le(4, 2);
  std::string version = "8.0.36";
  version.resize(50, '\0');
  body.str(version).le(1700000000, 4).u8(19);
  for (uint8_t l : mysql8_fde().post_header_len) body.u8(l);
  body.u8(1);  // CRC32
  return make_event(bl::FORMAT_DESCRIPTION_EVENT, body.b, true, 0, 0);
}

TEST(BinlogMysqlEvents, FormatDescription) {
  RawEvent e(mysql8_fde_event(), nullptr);
  const auto f = bl::parse_format_description(e.ev());
  EXPECT_EQ(f.server_version, "8.0.36");
  EXPECT_FALSE(f.mariadb);
  EXPECT_TRUE(f.checksum_crc32);
  EXPECT_EQ(f.post_header_len, mysql8_fde().post_header_len);
  EXPECT_EQ(f.post_header(bl::WRITE_ROWS_EVENT_V2, 0), 10);
  EXPECT_EQ(f.post_header(bl::GTID_LOG_EVENT, 0), 42);
}

TEST(BinlogMysqlEvents, FormatDescriptionWithChecksumsOff) {
  Bytes body;
  body.le(4, 2);
  std::string version = "8.0.36";
  version.resize(50, '\0');
  body.str(version).le(0, 4).u8(19);
  for (uint8_t l : mysql8_fde().post_header_len) body.u8(l);
  body.u8(0).le(0, 4);  // alg OFF: the FDE still ends with 4 (unused) checksum bytes
  const auto raw = make_event(bl::FORMAT_DESCRIPTION_EVENT, body.b, false, 0, 0);
  RawEvent e(raw, nullptr);
  const auto f = bl::parse_format_description(e.ev());
  EXPECT_FALSE(f.checksum_crc32);
  EXPECT_EQ(f.checksum_alg, 0);
  EXPECT_EQ(f.post_header_len, mysql8_fde().post_header_len);
  // Then events carry no checksum.
  const auto x = make_event(bl::XID_EVENT, Bytes().le(77, 8).b, false);
  EXPECT_EQ(bl::parse_xid(bl::split_event(x, &f)), 77u);
}

TEST(BinlogMysqlEvents, Gtid) {
  const auto fde = mysql8_fde();
  const auto sid = unhex("3e11fa4771ca11e19e33c80aa9429562");
  Bytes b;
  b.u8(1).raw(sid).le(42, 8);
  b.u8(2).le(7, 8).le(8, 8);  // logical clock
  const uint64_t imm = 1700000000123456ull, orig = 1690000000654321ull;
  b.le(imm | (uint64_t{1} << 55), 7).le(orig, 7);  // immediate, with the original following
  b.u8(252).le(1234, 2);                           // transaction length 1234 (3-byte packed)
  b.le(80036u | (1u << 31), 4).le(50744, 4);       // server versions
  const auto raw = make_event(bl::GTID_LOG_EVENT, b.b, true);
  const auto g = bl::parse_mysql_gtid(bl::split_event(raw, &fde));
  EXPECT_FALSE(g.anonymous);
  EXPECT_EQ(g.flags, 1);
  EXPECT_EQ(g.sid_string(), "3e11fa47-71ca-11e1-9e33-c80aa9429562");
  EXPECT_EQ(g.gno, 42);
  EXPECT_EQ(g.gtid_string(), "3e11fa47-71ca-11e1-9e33-c80aa9429562:42");
  EXPECT_EQ(g.last_committed, 7);
  EXPECT_EQ(g.sequence_number, 8);
  EXPECT_EQ(g.immediate_commit_timestamp, imm);
  EXPECT_EQ(g.original_commit_timestamp, orig);
  EXPECT_EQ(g.transaction_length, 1234u);
  EXPECT_EQ(g.immediate_server_version, 80036u);
  EXPECT_EQ(g.original_server_version, 50744u);

  // MySQL 5.7: no timestamps; the anonymous form.
  Bytes c;
  c.u8(0).raw(std::vector<uint8_t>(16, 0)).le(0, 8).u8(2).le(3, 8).le(4, 8);
  const auto raw2 = make_event(bl::ANONYMOUS_GTID_LOG_EVENT, c.b, true);
  const auto a = bl::parse_mysql_gtid(bl::split_event(raw2, &fde));
  EXPECT_TRUE(a.anonymous);
  EXPECT_EQ(a.sequence_number, 4);
  EXPECT_FALSE(a.immediate_commit_timestamp);
  EXPECT_FALSE(a.transaction_length);

  // Immediate == original when the high bit is clear; truncated bodies are DATA_LOSS.
  Bytes d;
  d.u8(0).raw(sid).le(5, 8).u8(2).le(1, 8).le(2, 8).le(imm, 7).u8(10);
  const auto raw3 = make_event(bl::GTID_LOG_EVENT, d.b, true);
  const auto same = bl::parse_mysql_gtid(bl::split_event(raw3, &fde));
  EXPECT_EQ(same.original_commit_timestamp, imm);
  EXPECT_EQ(same.transaction_length, 10u);
  EXPECT_FALSE(same.immediate_server_version);
  for (size_t n : {0, 5, 20}) {
    const auto cut = make_event(bl::GTID_LOG_EVENT, std::span(d.b).first(n), true);
    expect_error([&] { bl::parse_mysql_gtid(bl::split_event(cut, &fde)); }, FERRY_DATA_LOSS);
  }
}

TEST(BinlogMysqlEvents, PreviousGtids) {
  const auto fde = mysql8_fde();
  Bytes b;
  b.le(1, 8)
      .hex("3e11fa4771ca11e19e33c80aa9429562")
      .le(2, 8)
      .le(1, 8)
      .le(10, 8)
      .le(20, 8)
      .le(31, 8);
  const auto raw = make_event(bl::PREVIOUS_GTIDS_LOG_EVENT, b.b, true);
  const auto p = bl::parse_previous_gtids(bl::split_event(raw, &fde));
  ASSERT_EQ(p.sids.size(), 1u);
  ASSERT_EQ(p.sids[0].intervals.size(), 2u);
  EXPECT_EQ(p.sids[0].intervals[1].start, 20);
  EXPECT_EQ(p.sids[0].intervals[1].end, 31);
  // A count that cannot fit is refused before anything is allocated.
  Bytes bad;
  bad.le(1ull << 40, 8);
  const auto raw2 = make_event(bl::PREVIOUS_GTIDS_LOG_EVENT, bad.b, true);
  expect_error([&] { bl::parse_previous_gtids(bl::split_event(raw2, &fde)); }, FERRY_DATA_LOSS);
}

TEST(BinlogMysqlEvents, PartialJsonUpdatesAreNotSupported) {
  const auto fde = mysql8_fde();
  const auto raw = make_event(bl::PARTIAL_UPDATE_ROWS_EVENT, Bytes().le(1, 6).le(0, 2).b, true);
  const auto e =
      expect_error([&] { bl::parse_rows(bl::split_event(raw, &fde), fde); }, FERRY_NOT_SUPPORTED);
  EXPECT_THAT(e.what(), HasSubstr("binlog_row_value_options"));
}

TEST(BinlogMysqlEvents, UnknownColumnTypeIsNotSupported) {
  const auto fde = mysql8_fde();
  Bytes b;
  b.le(9, 6).le(1, 2).u8(2).str("db").u8(0).u8(1).str("t").u8(0).u8(2).u8(bl::TYPE_LONG).u8(242);
  b.u8(0).u8(0);
  const auto raw = make_event(bl::TABLE_MAP_EVENT, b.b, true);
  const auto e = expect_error([&] { bl::parse_table_map(bl::split_event(raw, &fde), fde); },
                              FERRY_NOT_SUPPORTED);
  EXPECT_THAT(e.what(), HasSubstr("db.t"));
  EXPECT_THAT(e.what(), HasSubstr("column 2 has column type 242"));
}

TEST(BinlogCrc32, KnownValues) {
  const std::string s = "123456789";
  EXPECT_EQ(bl::crc32({reinterpret_cast<const uint8_t*>(s.data()), s.size()}), 0xCBF43926u);
  EXPECT_EQ(bl::crc32({}), 0u);
  // Incremental == one shot, across the 8-byte stride.
  std::vector<uint8_t> v(1000);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<uint8_t>(i * 7 + 3);
  const auto all = bl::crc32(v);
  EXPECT_EQ(bl::crc32(std::span(v).subspan(13), bl::crc32(std::span(v).first(13))), all);
}

TEST(BinlogEventNames, Names) {
  EXPECT_EQ(bl::event_type_name(bl::TABLE_MAP_EVENT), "TABLE_MAP");
  EXPECT_EQ(bl::event_type_name(bl::MARIA_GTID_EVENT), "MARIADB_GTID");
  EXPECT_EQ(bl::event_type_name(250), "type 250");
  EXPECT_EQ(bl::column_type_name(bl::TYPE_TIME2), "TIME2");
}

}  // namespace
}  // namespace ferry_test
