// pgoutput and replication framing on hand-built messages: exact field values, every message
// kind, and malformed / truncated input (a clear ferry::Error, never an out-of-bounds read).
#include <gtest/gtest.h>

#include "pg_test_util.hpp"
#include "pg_values.hpp"
#include "pgoutput.hpp"
#include "pgoutput_fixture.hpp"

#include <random>
#include <string>
#include <variant>

namespace ferry::pg {
namespace {

using testing::bytes;
using testing::expect_error;
using testing::from_hex;
using testing::put_be;
using testing::put_cstr;

// ---- LSNs, clocks -----------------------------------------------------------------------------

TEST(PgLsn, FormatsAndParses) {
  EXPECT_EQ(format_lsn(0), "0/0");
  EXPECT_EQ(format_lsn(0x16B374D848ull), "16/B374D848");
  EXPECT_EQ(format_lsn(0xFFFFFFFFFFFFFFFFull), "FFFFFFFF/FFFFFFFF");
  EXPECT_EQ(parse_lsn("16/B374D848"), 0x16B374D848ull);
  EXPECT_EQ(parse_lsn("16/b374d848"), 0x16B374D848ull);
  EXPECT_EQ(parse_lsn("0/0"), 0u);
  EXPECT_EQ(parse_lsn("00000001/00000002"), 0x100000002ull);
  EXPECT_EQ(parse_lsn("FFFFFFFF/FFFFFFFF"), 0xFFFFFFFFFFFFFFFFull);
  for (const Lsn l : {0ull, 1ull, 0x12345678ull, 0xABCDEF0012345678ull}) {
    EXPECT_EQ(parse_lsn(format_lsn(l)), l);
  }
  for (const char* bad : {"", "16", "/1", "1/", "123456789/0", "0/123456789", "g/0", "1/2/3",
                          " 1/2", "1/2 ", "-1/2", "0x1/2"}) {
    expect_error([&] { parse_lsn(bad); }, FERRY_INVALID_ARGUMENT, {"not a PostgreSQL LSN"});
  }
}

TEST(PgLsn, ClockEpochs) {
  EXPECT_EQ(pg_to_unix_us(0), 946684800LL * 1000000);
  EXPECT_EQ(unix_to_pg_us(946684800LL * 1000000), 0);
  EXPECT_EQ(pg_to_unix_us(-946684800LL * 1000000), 0);  // 1970 is before the PostgreSQL epoch
}

// ---- CopyData ---------------------------------------------------------------------------------

TEST(PgCopyData, XLogDataCarriesPositionsClockAndPayload) {
  std::string m = "w";
  put_be(m, 0x0102030405060708ull, 8);
  put_be(m, 0x1112131415161718ull, 8);
  put_be(m, 1000000, 8);  // 2000-01-01 00:00:01
  m += "payload";
  const auto sm = parse_copy_data(m);
  ASSERT_TRUE(std::holds_alternative<XLogData>(sm));
  const auto& x = std::get<XLogData>(sm);
  EXPECT_EQ(x.wal_start, 0x0102030405060708ull);
  EXPECT_EQ(x.wal_end, 0x1112131415161718ull);
  EXPECT_EQ(x.server_time_us, 946684801LL * 1000000);
  EXPECT_EQ(x.payload, "payload");
  // An empty payload parses here; parse_message refuses it.
  const auto empty = std::get<XLogData>(parse_copy_data(m.substr(0, 25)));
  EXPECT_EQ(empty.payload, "");
  expect_error([&] { parse_message(empty.payload); }, FERRY_DATA_LOSS, {"empty"});
}

TEST(PgCopyData, KeepaliveAndReplyFlag) {
  std::string m = "k";
  put_be(m, 0xABCDEFull, 8);
  put_be(m, static_cast<uint64_t>(-1000000LL), 8);  // 1999-12-31 23:59:59
  m += '\1';
  const auto k = std::get<Keepalive>(parse_copy_data(m));
  EXPECT_EQ(k.wal_end, 0xABCDEFu);
  EXPECT_EQ(k.server_time_us, 946684799LL * 1000000);
  EXPECT_TRUE(k.reply_requested);
  m.back() = '\0';
  EXPECT_FALSE(std::get<Keepalive>(parse_copy_data(m)).reply_requested);
}

TEST(PgCopyData, MalformedFramesAreClearErrors) {
  expect_error([] { parse_copy_data(""); }, FERRY_DATA_LOSS, {"empty CopyData"});
  expect_error([] { parse_copy_data("x123"); }, FERRY_DATA_LOSS,
               {"unknown CopyData message type 'x'", "offset 0"});
  expect_error([] { parse_copy_data(bytes({0x01})); }, FERRY_DATA_LOSS, {"0x01"});
  // Every truncation of a keepalive and of an XLogData header.
  std::string k = "k";
  put_be(k, 1, 8);
  put_be(k, 2, 8);
  k += '\0';
  for (size_t n = 1; n < k.size(); ++n) {
    expect_error([&] { parse_copy_data(k.substr(0, n)); }, FERRY_DATA_LOSS,
                 {"keepalive ('k')", "truncated", "offset"});
  }
  expect_error([&] { parse_copy_data(k + "x"); }, FERRY_DATA_LOSS,
               {"1 unexpected bytes", "offset 18"});
  std::string w = "w";
  put_be(w, 1, 8);
  put_be(w, 2, 8);
  put_be(w, 3, 8);
  for (size_t n = 1; n < w.size(); ++n) {
    expect_error([&] { parse_copy_data(w.substr(0, n)); }, FERRY_DATA_LOSS,
                 {"XLogData ('w')", "truncated"});
  }
  expect_error([&] { parse_copy_data(w.substr(0, 20)); }, FERRY_DATA_LOSS,
               {"the server clock needs 8 bytes, 3 left", "offset 17"});
}

TEST(PgCopyData, StandbyStatusUpdateBytes) {
  const std::string m = standby_status_update(0x1122334455667788ull, 0x10, 0x0F,
                                              946684800LL * 1000000 + 0x0102, true);
  EXPECT_EQ(m, from_hex("72"
                        "1122334455667788"
                        "0000000000000010"
                        "000000000000000f"
                        "0000000000000102"
                        "01"));
  const std::string n = standby_status_update(0, 0, 0, 0, false);
  ASSERT_EQ(n.size(), 34u);
  EXPECT_EQ(n.back(), '\0');
  // 1970-01-01 is -946684800 s on the PostgreSQL clock.
  EXPECT_EQ(n.substr(25, 8), from_hex("fffca2fec4c82000"));
}

// ---- pgoutput messages ------------------------------------------------------------------------

TEST(PgoutputMessages, BeginAndCommit) {
  std::string b = "B";
  put_be(b, 0x0000000100000020ull, 8);
  put_be(b, 86400LL * 1000000, 8);  // 2000-01-02
  put_be(b, 4000000000u, 4);        // an xid above 2^31
  const Begin begin = std::get<Begin>(parse_message(b));
  EXPECT_EQ(begin.final_lsn, 0x100000020ull);
  EXPECT_EQ(begin.commit_time_us, (946684800LL + 86400) * 1000000);
  EXPECT_EQ(begin.xid, 4000000000u);

  std::string c = "C";
  c += '\0';
  put_be(c, 0x100000020ull, 8);
  put_be(c, 0x100000050ull, 8);
  put_be(c, 5, 8);
  const Commit commit = std::get<Commit>(parse_message(c));
  EXPECT_EQ(commit.flags, 0);
  EXPECT_EQ(commit.commit_lsn, 0x100000020ull);
  EXPECT_EQ(commit.end_lsn, 0x100000050ull);
  EXPECT_EQ(commit.commit_time_us, 946684800LL * 1000000 + 5);
  for (size_t n = 1; n < c.size(); ++n) {
    expect_error([&] { parse_message(c.substr(0, n)); }, FERRY_DATA_LOSS,
                 {"Commit ('C')", "truncated"});
  }
  expect_error([&] { parse_message(b + "!"); }, FERRY_DATA_LOSS,
               {"Begin ('B')", "1 unexpected bytes after the message", "offset 21"});
}

TEST(PgoutputMessages, OriginAndType) {
  std::string o = "O";
  put_be(o, 0xAB, 8);
  put_cstr(o, "node_a");
  const Origin origin = std::get<Origin>(parse_message(o));
  EXPECT_EQ(origin.commit_lsn, 0xABu);
  EXPECT_EQ(origin.name, "node_a");
  expect_error([&] { parse_message(o.substr(0, o.size() - 1)); }, FERRY_DATA_LOSS,
               {"Origin ('O')", "the origin name has no terminating NUL", "offset 9"});

  std::string y = "Y";
  put_be(y, 16390, 4);
  put_cstr(y, "");  // pg_catalog is sent as an empty namespace
  put_cstr(y, "mytype");
  const TypeInfo t = std::get<TypeInfo>(parse_message(y));
  EXPECT_EQ(t.oid, 16390u);
  EXPECT_EQ(t.schema, "pg_catalog");
  EXPECT_EQ(t.name, "mytype");
  expect_error([&] { parse_message(y.substr(0, 7)); }, FERRY_DATA_LOSS, {"Type ('Y')"});
}

std::string relation_message(char identity, int16_t ncols) {
  std::string r = "R";
  put_be(r, 16400, 4);
  put_cstr(r, "shop");
  put_cstr(r, "orders");
  r += identity;
  put_be(r, static_cast<uint16_t>(ncols), 2);
  return r;
}

TEST(PgoutputMessages, RelationColumnsAndIdentity) {
  std::string r = relation_message('i', 2);
  r += '\1';
  put_cstr(r, "id");
  put_be(r, 20, 4);
  put_be(r, static_cast<uint32_t>(-1), 4);
  r += '\0';
  put_cstr(r, "price");
  put_be(r, 1700, 4);
  put_be(r, (10 << 16 | 2) + 4, 4);
  const Relation rel = std::get<Relation>(parse_message(r));
  EXPECT_EQ(rel.oid, 16400u);
  EXPECT_EQ(rel.schema, "shop");
  EXPECT_EQ(rel.name, "orders");
  EXPECT_EQ(rel.replica_identity, ReplicaIdentity::Index);
  ASSERT_EQ(rel.columns.size(), 2u);
  EXPECT_TRUE(rel.columns[0].key);
  EXPECT_EQ(rel.columns[0].name, "id");
  EXPECT_EQ(rel.columns[0].type_oid, 20u);
  EXPECT_EQ(rel.columns[0].type_modifier, -1);
  EXPECT_FALSE(rel.columns[1].key);
  EXPECT_EQ(rel.columns[1].type_modifier, (10 << 16 | 2) + 4);
  for (const char id : {'d', 'n', 'f'}) {
    EXPECT_EQ(static_cast<char>(
                  std::get<Relation>(parse_message(relation_message(id, 0))).replica_identity),
              id);
  }
  // Every truncation is an error naming the message.
  for (size_t n = 1; n < r.size(); ++n) {
    expect_error([&] { parse_message(r.substr(0, n)); }, FERRY_DATA_LOSS,
                 {"Relation ('R')", "offset"});
  }
  expect_error([] { parse_message(relation_message('x', 0)); }, FERRY_DATA_LOSS,
               {"unknown replica identity 'x'", "offset 17"});
  expect_error([] { parse_message(relation_message('d', -1)); }, FERRY_DATA_LOSS,
               {"column count is negative (-1)", "offset 18"});
  // A count the message cannot hold is refused before anything is allocated for it.
  expect_error([] { parse_message(relation_message('d', 32767)); }, FERRY_DATA_LOSS,
               {"column count is 32767 but only 0 bytes follow"});
}

std::string insert_message(const std::string& tuple) {
  std::string m = "I";
  put_be(m, 16400, 4);
  m += 'N';
  return m + tuple;
}

TEST(PgoutputMessages, TupleDataKinds) {
  std::string t;
  put_be(t, 5, 2);
  t += 'n';
  t += 'u';
  t += 't';
  put_be(t, 3, 4);
  t += "abc";
  t += 'b';
  put_be(t, 2, 4);
  t += bytes({0x00, 0xff});
  t += 't';
  put_be(t, 0, 4);                            // an empty text value, not NULL
  const std::string msg = insert_message(t);  // the values point into it
  const Insert ins = std::get<Insert>(parse_message(msg));
  EXPECT_EQ(ins.relation, 16400u);
  ASSERT_EQ(ins.row.size(), 5u);
  EXPECT_EQ(ins.row[0].kind, ValueKind::Null);
  EXPECT_EQ(ins.row[1].kind, ValueKind::Unchanged);
  EXPECT_EQ(ins.row[2].kind, ValueKind::Text);
  EXPECT_EQ(ins.row[2].data, "abc");
  EXPECT_EQ(ins.row[3].kind, ValueKind::Binary);
  EXPECT_EQ(ins.row[3].data, bytes({0x00, 0xff}));
  EXPECT_EQ(ins.row[4].kind, ValueKind::Text);
  EXPECT_EQ(ins.row[4].data, "");

  // Into a batch: NULL, unchanged, text; binary is refused (ferry asks for text).
  BatchBuilder b = BatchBuilder::changes({make_table(TableSchema{"s", "t", {}})});
  const Decoder text{};
  EXPECT_TRUE(append_value(b, text, ins.row[0]));
  EXPECT_TRUE(append_value(b, text, ins.row[1]));
  EXPECT_TRUE(append_value(b, text, ins.row[2]));
  EXPECT_TRUE(append_value(b, text, ins.row[4]));
  expect_error([&] { append_value(b, text, ins.row[3]); }, FERRY_NOT_SUPPORTED, {"binary"});
  b.add_record(FERRY_OP_INSERT, 0, FERRY_NO_ROW, 0, 1, 0);
  const OwnedBatch batch = OwnedBatch::from(std::move(b));
  const BatchView v(batch.get());
  EXPECT_TRUE(v.cell(0).is_null());
  EXPECT_TRUE(v.cell(1).is_unchanged());
  EXPECT_EQ(v.cell(2).data, "abc");
  EXPECT_FALSE(v.cell(3).is_null());
  EXPECT_EQ(v.cell(3).data, "");
}

TEST(PgoutputMessages, MalformedTuples) {
  std::string unknown;
  put_be(unknown, 2, 2);
  unknown += 'n';
  unknown += 'x';
  expect_error([&] { parse_message(insert_message(unknown)); }, FERRY_DATA_LOSS,
               {"Insert ('I')", "column 2 has the unknown kind 'x'", "offset 9"});

  std::string negative;
  put_be(negative, 1, 2);
  negative += 't';
  put_be(negative, static_cast<uint32_t>(-5), 4);
  expect_error([&] { parse_message(insert_message(negative)); }, FERRY_DATA_LOSS,
               {"column 1 has a negative length (-5)"});

  std::string too_long;
  put_be(too_long, 1, 2);
  too_long += 't';
  put_be(too_long, 0x7fffffff, 4);
  too_long += "abc";
  expect_error([&] { parse_message(insert_message(too_long)); }, FERRY_DATA_LOSS,
               {"truncated: column 1 has 2147483647 bytes, 3 left"});

  std::string count;
  put_be(count, static_cast<uint16_t>(-3), 2);
  expect_error([&] { parse_message(insert_message(count)); }, FERRY_DATA_LOSS,
               {"column count is negative"});
  std::string many;
  put_be(many, 1000, 2);
  many += "nnn";
  expect_error([&] { parse_message(insert_message(many)); }, FERRY_DATA_LOSS,
               {"column count is 1000 but only 3 bytes follow"});

  // The markers before tuples.
  std::string tuple;
  put_be(tuple, 1, 2);
  tuple += 'n';
  std::string bad_insert = "I";
  put_be(bad_insert, 1, 4);
  bad_insert += 'K';
  expect_error([&] { parse_message(bad_insert + tuple); }, FERRY_DATA_LOSS,
               {"the new tuple marker is 'K' (expected 'N')", "offset 5"});
  std::string upd = "U";
  put_be(upd, 1, 4);
  expect_error([&] { parse_message(upd + "X" + tuple); }, FERRY_DATA_LOSS,
               {"Update ('U')", "expected 'K', 'O' or 'N'"});
  expect_error([&] { parse_message(upd + "O" + tuple + "O" + tuple); }, FERRY_DATA_LOSS,
               {"the new tuple marker is 'O' (expected 'N')"});
  std::string del = "D";
  put_be(del, 1, 4);
  expect_error([&] { parse_message(del + "N" + tuple); }, FERRY_DATA_LOSS,
               {"Delete ('D')", "expected 'K' or 'O'"});
}

TEST(PgoutputMessages, UpdateAndDeleteShapes) {
  std::string tuple;
  put_be(tuple, 2, 2);
  tuple += 't';
  put_be(tuple, 1, 4);
  tuple += '7';
  tuple += 'n';
  std::string upd = "U";
  put_be(upd, 42, 4);
  const std::string m1 = upd + "N" + tuple, m2 = upd + "K" + tuple + "N" + tuple,
                    m3 = upd + "O" + tuple + "N" + tuple;
  const Update plain = std::get<Update>(parse_message(m1));
  EXPECT_EQ(plain.relation, 42u);
  EXPECT_EQ(plain.old_kind, OldTuple::None);
  EXPECT_TRUE(plain.old_row.empty());
  ASSERT_EQ(plain.row.size(), 2u);
  EXPECT_EQ(plain.row[0].data, "7");
  EXPECT_EQ(plain.row[1].kind, ValueKind::Null);
  const Update keyed = std::get<Update>(parse_message(m2));
  EXPECT_EQ(keyed.old_kind, OldTuple::Key);
  ASSERT_EQ(keyed.old_row.size(), 2u);
  EXPECT_EQ(keyed.old_row[0].data, "7");
  const Update full = std::get<Update>(parse_message(m3));
  EXPECT_EQ(full.old_kind, OldTuple::Full);
  std::string del = "D";
  put_be(del, 42, 4);
  EXPECT_EQ(std::get<Delete>(parse_message(del + "K" + tuple)).old_kind, OldTuple::Key);
  EXPECT_EQ(std::get<Delete>(parse_message(del + "O" + tuple)).old_kind, OldTuple::Full);
}

TEST(PgoutputMessages, TruncateAndMessage) {
  std::string t = "T";
  put_be(t, 2, 4);
  t += '\2';  // restart identity only
  put_be(t, 100, 4);
  put_be(t, 200, 4);
  const Truncate tr = std::get<Truncate>(parse_message(t));
  EXPECT_FALSE(tr.cascade);
  EXPECT_TRUE(tr.restart_identity);
  EXPECT_EQ(tr.relations, (std::vector<uint32_t>{100, 200}));
  std::string huge = "T";
  put_be(huge, 0x7fffffff, 4);
  huge += '\0';
  expect_error([&] { parse_message(huge); }, FERRY_DATA_LOSS,
               {"Truncate ('T')", "relation count is 2147483647 but only 0 bytes follow"});
  std::string neg = "T";
  put_be(neg, static_cast<uint32_t>(-1), 4);
  neg += '\0';
  expect_error([&] { parse_message(neg); }, FERRY_DATA_LOSS, {"relation count is negative"});

  std::string m = "M";
  m += '\0';  // not transactional
  put_be(m, 0x99, 8);
  put_cstr(m, "pfx");
  put_be(m, 3, 4);
  m += bytes({0, 1, 2});
  const LogicalMessage lm = std::get<LogicalMessage>(parse_message(m));
  EXPECT_FALSE(lm.transactional);
  EXPECT_EQ(lm.lsn, 0x99u);
  EXPECT_EQ(lm.prefix, "pfx");
  EXPECT_EQ(lm.content, bytes({0, 1, 2}));
  for (size_t n = 1; n < m.size(); ++n) {
    expect_error([&] { parse_message(m.substr(0, n)); }, FERRY_DATA_LOSS,
                 {"Message ('M')", "truncated"});
  }
}

TEST(PgoutputMessages, StreamingTwoPhaseAndUnknownAreNotSupported) {
  for (const char tag : {'S', 'E', 'c', 'A'}) {
    expect_error([&] { parse_message(std::string(1, tag) + "xxxxxxxx"); }, FERRY_NOT_SUPPORTED,
                 {"Stream", "streamed in-progress transactions are not supported"});
  }
  for (const char tag : {'b', 'P', 'K', 'r', 'p'}) {
    expect_error([&] { parse_message(std::string(1, tag)); }, FERRY_NOT_SUPPORTED, {"two-phase"});
  }
  expect_error([] { parse_message("Z"); }, FERRY_NOT_SUPPORTED,
               {"unknown message type 'Z'", "offset 0"});
  expect_error([] { parse_message(bytes({0xfe, 1})); }, FERRY_NOT_SUPPORTED, {"0xfe"});
  EXPECT_EQ(message_name('I'), "Insert ('I')");
  EXPECT_EQ(message_name('c'), "Stream Commit ('c')");
  EXPECT_EQ(message_name('\n'), "message type 0x0a");
}

// Every prefix of every captured message is refused with DATA_LOSS (never read past the end),
// and so is every captured message with a byte appended.
TEST(PgoutputMessages, EveryTruncationOfRealMessagesIsRefused) {
  using namespace fixture;
  for (const auto hex :
       {kInsertTypesBegin, kInsertTypesType1, kInsertTypesRelation1, kInsertTypesInsert1,
        kInsertTypesInsert2, kUpdateKeyUpdate1, kDeleteKeyDelete1, kFullIdentityUpdate1,
        kToastUpdateUpdate1, kTruncateTwoTruncate1, kMessageMessage1, kOriginOrigin1,
        kInsertTypesCommit}) {
    const std::string raw = from_hex(hex);
    const std::string payload = raw.substr(25);
    EXPECT_NO_THROW(parse_message(payload));
    for (size_t n = 1; n < payload.size(); ++n) {
      try {
        parse_message(std::string_view(payload).substr(0, n));
        ADD_FAILURE() << "a prefix of " << n << " bytes of " << message_name(payload[0])
                      << " parsed";
      } catch (const ferry::Error& e) {
        EXPECT_EQ(e.status(), FERRY_DATA_LOSS) << e.what();
      }
    }
    EXPECT_THROW(parse_message(payload + "\x01"), ferry::Error);
  }
}

// Random bytes behind each message type: parsed or refused with a ferry::Error, nothing else.
TEST(PgoutputMessages, RandomBytesNeverCrash) {
  std::mt19937 rng(12345);
  const std::string tags = "BCORYIUDTM";
  for (int round = 0; round < 20000; ++round) {
    std::string m(1, tags[static_cast<size_t>(round) % tags.size()]);
    const size_t len = rng() % 48;
    for (size_t i = 0; i < len; ++i) {
      // Mostly small bytes, so that counts and lengths are often plausible.
      const uint32_t r = rng();
      m += static_cast<char>(r % 4 == 0 ? r >> 24 : (r >> 8) % 8);
    }
    try {
      parse_message(m);
    } catch (const ferry::Error&) {
    }
  }
}

}  // namespace
}  // namespace ferry::pg
