// Captures real pgoutput replication messages from a PostgreSQL server and writes them as the
// fixture header tests/unit/postgres/pgoutput_fixture.hpp (hex CopyData payloads). Not part of
// the build: run it by hand against the test bed when the fixture must be regenerated.
//
//   g++ -std=c++20 -I"$(pg_config --includedir)" capture_pgoutput.cpp -lpq -o /tmp/capture
//   source <(scripts/testbed.sh env)
//   /tmp/capture "$FERRY_TEST_PG_DSN" > tests/unit/postgres/pgoutput_fixture.hpp
//   clang-format -i tests/unit/postgres/pgoutput_fixture.hpp
//
// It creates the schema ferry_cap, the publication ferry_cap_pub and two TEMPORARY logical slots
// (gone when their connection closes), runs the statements below, and drops what it created.
// The expected values in pgoutput_test.cpp are written by hand from these statements: if you
// change a statement, change the test by hand too.
#include <libpq-fe.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

PGconn* connect_or_die(const std::string& conninfo) {
  PGconn* c = PQconnectdb(conninfo.c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    std::fprintf(stderr, "connect: %s\n", PQerrorMessage(c));
    std::exit(1);
  }
  return c;
}

void exec(PGconn* c, const std::string& sql, ExecStatusType want = PGRES_COMMAND_OK) {
  PGresult* r = PQexec(c, sql.c_str());
  const ExecStatusType st = PQresultStatus(r);
  if (st != want && !(want == PGRES_COMMAND_OK && st == PGRES_TUPLES_OK)) {
    std::fprintf(stderr, "%s\n-> %s", sql.c_str(), PQerrorMessage(c));
    std::exit(1);
  }
  PQclear(r);
}

struct Captured {
  std::string name, comment, bytes;
};

std::string hex(const std::string& b) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (unsigned char ch : b) {
    s += d[ch >> 4];
    s += d[ch & 15];
  }
  return s;
}

std::string tag_name(char t) {
  switch (t) {
    case 'B':
      return "Begin";
    case 'C':
      return "Commit";
    case 'O':
      return "Origin";
    case 'R':
      return "Relation";
    case 'Y':
      return "Type";
    case 'I':
      return "Insert";
    case 'U':
      return "Update";
    case 'D':
      return "Delete";
    case 'T':
      return "Truncate";
    case 'M':
      return "Message";
    case 'S':
      return "StreamStart";
    case 'E':
      return "StreamStop";
    case 'c':
      return "StreamCommit";
    case 'A':
      return "StreamAbort";
    default:
      return std::string("Tag") + std::to_string(static_cast<int>(t));
  }
}

uint64_t be64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

void put64(std::string& s, uint64_t v) {
  for (int i = 7; i >= 0; --i) s += static_cast<char>((v >> (8 * i)) & 0xff);
}

// A standby status update asking for a reply (so the server answers with a keepalive).
void send_status(PGconn* repl, uint64_t lsn) {
  std::string m = "r";
  put64(m, lsn);
  put64(m, lsn);
  put64(m, 0);
  put64(m, 0);
  m += '\1';
  if (PQputCopyData(repl, m.data(), static_cast<int>(m.size())) != 1 || PQflush(repl) != 0) {
    std::fprintf(stderr, "status update: %s\n", PQerrorMessage(repl));
    std::exit(1);
  }
}

const char* kSteps[] = {"InsertTypes",  "UpdateTypes", "UpdateKey",   "DeleteKey",
                        "FullIdentity", "ToastInsert", "ToastUpdate", "TruncateTwo",
                        "TruncateOne",  "Message",     "Origin"};
constexpr int kStepCount = sizeof(kSteps) / sizeof(kSteps[0]);

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CONNINFO\n", argv[0]);
    return 2;
  }
  const std::string base = argv[1];
  const std::string session =
      " options='-c TimeZone=UTC -c DateStyle=ISO -c IntervalStyle=postgres'";
  PGconn* db = connect_or_die(base + session);
  exec(db, "DROP PUBLICATION IF EXISTS ferry_cap_pub");
  exec(db, "DROP SCHEMA IF EXISTS ferry_cap CASCADE");
  exec(db, "CREATE SCHEMA ferry_cap");
  exec(db, "CREATE TYPE ferry_cap.mood AS ENUM ('sad', 'ok', 'happy ☺')");
  exec(db, "CREATE DOMAIN ferry_cap.posint AS integer CHECK (VALUE > 0)");
  exec(db, R"(CREATE TABLE ferry_cap.types (
    id int PRIMARY KEY,
    c_int2 smallint, c_int4 integer, c_int8 bigint, c_num numeric, c_num_p numeric(12,3),
    c_real real, c_double double precision, c_bool boolean,
    c_char char(5), c_varchar varchar(20), c_text text, c_bytea bytea,
    c_date date, c_time time, c_timetz timetz, c_ts timestamp, c_tstz timestamptz,
    c_interval interval, c_uuid uuid, c_json json, c_jsonb jsonb,
    c_inet inet, c_cidr cidr, c_macaddr macaddr, c_bit bit(8), c_varbit varbit(16),
    c_mood ferry_cap.mood, c_posint ferry_cap.posint,
    c_int_arr int[], c_text_arr text[], c_int_arr2 int[], c_bool_arr boolean[],
    c_bytea_arr bytea[], c_mood_arr ferry_cap.mood[], c_money money, c_point point, c_xml xml))");
  exec(db, "CREATE TABLE ferry_cap.full_t (id int, v text, n numeric)");
  exec(db, "ALTER TABLE ferry_cap.full_t REPLICA IDENTITY FULL");
  exec(db, "CREATE TABLE ferry_cap.toast_t (id serial PRIMARY KEY, big text, small int)");
  exec(db,
       "CREATE PUBLICATION ferry_cap_pub FOR TABLE ferry_cap.types, ferry_cap.full_t, "
       "ferry_cap.toast_t");

  PGconn* repl = connect_or_die(base + " replication=database" + session);
  exec(repl, "CREATE_REPLICATION_SLOT ferry_cap_slot TEMPORARY LOGICAL pgoutput", PGRES_TUPLES_OK);

  // T1: every type with its edge values, one row per edge, and a row of NULLs.
  exec(db, R"(INSERT INTO ferry_cap.types VALUES
    (1, 32767, 2147483647, 9223372036854775807,
     123456789012345678901234567890.123456789012345678901234567890, 123456789.125,
     'Infinity', 1.7976931348623157e308, true,
     'ab', 'héllo 😀', E'line1\nline2\ttab \\ "q" ''s', '\x00ff0a5c'::bytea,
     'infinity', '24:00:00', '08:30:00.5+02', 'infinity', 'infinity',
     '1 year 2 mons 3 days 04:05:06.5', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11',
     '{"b": 1,  "a": [1, 2]}', '{"b": 1,  "a": [1, 2]}',
     '192.168.0.1/24', '10.0.0.0/8', '08:00:2B:01:02:03', B'10100101', B'0101',
     'happy ☺', 42,
     '{1,2,NULL}', ARRAY['a b', 'c"d', NULL, 'NULL', '', 'x\y', '{}'], '{{1,2},{3,4}}',
     '{t,f,NULL}', ARRAY['\x0a0b'::bytea, '\x'::bytea, NULL], '{sad,"happy ☺"}',
     12.34, '(1.5,-2)', '<a>x</a>'),
    (2, -32768, -2147483648, -9223372036854775808, 'NaN', -0.001,
     'NaN', '-0', false, '', '', '', '\x'::bytea,
     '-infinity', '00:00:00', '23:59:59.999999-03:30', '-infinity', '-infinity',
     '-1 days +02:03:04.5', NULL, '[]', '"s"', '::1', '::/0', '00:00:00:00:00:00',
     B'00000000', B'', 'sad', 1, '{}', '{}', '{}', '{}', '{}', '{}', -1, '(0,0)', ''),
    (3, 0, 0, 0, '-Infinity', 0,
     '-0', 'NaN', NULL, 'abcde', NULL, NULL, NULL,
     '0044-03-15 BC', '08:30:00.25', '08:30:00+00', '0044-03-15 08:30:00 BC',
     '0044-03-15 07:30:00+00 BC', '04:05:06.789', NULL, NULL, NULL,
     NULL, NULL, NULL, B'11111111', NULL, NULL, NULL,
     NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
    (4, NULL, NULL, NULL, 'Infinity', NULL,
     '1.4e-45', '4.9406564584124654e-324', NULL, NULL, NULL, NULL, NULL,
     '2024-01-31', '23:59:59.999999', NULL, '2024-01-31 08:30:00.25',
     '2024-01-31 08:30:00.25+01', '-00:00:00.5', NULL, NULL, NULL,
     NULL, NULL, NULL, NULL, NULL, NULL, NULL,
     NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
    (5, NULL, NULL, NULL, NULL, NULL, '3.4028235e38', '0.1', NULL, NULL, NULL, NULL, NULL,
     '0001-01-01 BC', NULL, NULL, '10000-01-01 00:00:00', '1999-12-31 23:59:59.999999-00:30',
     '100000:00:00', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
     NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
    (6, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
     NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
     NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL))");
  // T2: an update of a non-key column (default replica identity: the new row only).
  exec(db, "UPDATE ferry_cap.types SET c_text = 'updated' WHERE id = 1");
  // T3: an update of the key (old key 'K', then the new row).
  exec(db, "UPDATE ferry_cap.types SET id = 10 WHERE id = 2");
  // T4: a delete (old key only).
  exec(db, "DELETE FROM ferry_cap.types WHERE id = 3");
  // T5: REPLICA IDENTITY FULL: whole old rows ('O').
  exec(db, "BEGIN");
  exec(db, "INSERT INTO ferry_cap.full_t VALUES (1, 'a', 1.5), (2, NULL, NULL)");
  exec(db, "UPDATE ferry_cap.full_t SET v = 'b' WHERE id = 1");
  exec(db, "DELETE FROM ferry_cap.full_t WHERE id = 2");
  exec(db, "COMMIT");
  // T6, T7: a TOASTed value, then an update that leaves it unchanged ('u').
  exec(db,
       "INSERT INTO ferry_cap.toast_t (big, small) SELECT string_agg(md5(i::text), '' "
       "ORDER BY i), 1 FROM generate_series(1, 320) i");
  exec(db, "UPDATE ferry_cap.toast_t SET small = 2 WHERE id = 1");
  // T8, T9: truncates with and without options.
  exec(db, "TRUNCATE ferry_cap.full_t, ferry_cap.toast_t RESTART IDENTITY CASCADE");
  exec(db, "TRUNCATE ferry_cap.full_t");
  // T10: a transactional logical decoding message.
  exec(db, "SELECT pg_logical_emit_message(true, 'ferry', 'hello')");
  // T11: a transaction replayed from a replication origin.
  exec(db, "SELECT pg_replication_origin_create('ferry_cap_origin')");
  exec(db, "SELECT pg_replication_origin_session_setup('ferry_cap_origin')");
  exec(db, "BEGIN");
  exec(db, "SELECT pg_replication_origin_xact_setup('0/12345678', '2024-01-31 07:30:00+00')");
  exec(db, "INSERT INTO ferry_cap.full_t VALUES (3, 'from origin', 3)");
  exec(db, "COMMIT");
  exec(db, "SELECT pg_replication_origin_session_reset()");
  exec(db, "SELECT pg_replication_origin_drop('ferry_cap_origin')");

  exec(repl,
       "START_REPLICATION SLOT ferry_cap_slot LOGICAL 0/0 (proto_version '1', "
       "publication_names 'ferry_cap_pub', messages 'true')",
       PGRES_COPY_BOTH);

  std::vector<Captured> out;
  int step = 0, keepalives = 0;
  int count[256] = {};
  uint64_t last_end = 0;
  bool asked = false;
  while (true) {
    char* buf = nullptr;
    const int n = PQgetCopyData(repl, &buf, 0);
    if (n < 0) {
      std::fprintf(stderr, "copy ended: %s\n", PQerrorMessage(repl));
      return 1;
    }
    std::string msg(buf, static_cast<size_t>(n));
    PQfreemem(buf);
    if (msg[0] == 'k') {
      ++keepalives;
      out.push_back({"kKeepalive" + std::to_string(keepalives),
                     std::string("primary keepalive, reply requested = ") +
                         (msg.back() ? "1" : "0") + (asked ? " (after our status update)" : ""),
                     msg});
      if (asked) break;
      continue;
    }
    const char tag = msg[25];
    last_end = be64(msg.data() + 9);
    const std::string stepname = step < kStepCount ? kSteps[step] : "Extra";
    const int k = ++count[static_cast<unsigned char>(tag)];
    std::string name = "k" + stepname + tag_name(tag);
    if (tag != 'B' && tag != 'C') name += std::to_string(k);
    out.push_back({name, "XLogData, pgoutput '" + std::string(1, tag) + "'", msg});
    if (tag == 'C') {
      ++step;
      std::memset(count, 0, sizeof count);
      if (step == kStepCount) {
        send_status(repl, last_end);
        asked = true;
      }
    }
  }
  PQfinish(repl);

  // A second session: protocol 2 with streaming, and a transaction larger than
  // logical_decoding_work_mem (64 kB) so that it is streamed before it commits.
  repl = connect_or_die(base + " replication=database" +
                        " options='-c TimeZone=UTC -c logical_decoding_work_mem=64'");
  exec(repl, "CREATE_REPLICATION_SLOT ferry_cap_slot2 TEMPORARY LOGICAL pgoutput", PGRES_TUPLES_OK);
  exec(db,
       "INSERT INTO ferry_cap.full_t SELECT g, repeat('x', 100), g FROM "
       "generate_series(1, 5000) g");
  exec(repl,
       "START_REPLICATION SLOT ferry_cap_slot2 LOGICAL 0/0 (proto_version '2', "
       "publication_names 'ferry_cap_pub', streaming 'on')",
       PGRES_COPY_BOTH);
  int streamed = 0;
  bool stop_seen = false;
  while (true) {
    char* buf = nullptr;
    const int n = PQgetCopyData(repl, &buf, 0);
    if (n < 0) {
      std::fprintf(stderr, "copy ended: %s\n", PQerrorMessage(repl));
      return 1;
    }
    std::string msg(buf, static_cast<size_t>(n));
    PQfreemem(buf);
    if (msg[0] != 'w') continue;
    const char tag = msg[25];
    ++streamed;
    // Keep the first three messages of the stream, the first stream stop and the commit.
    if (streamed <= 3 || (tag == 'E' && !stop_seen) || tag == 'c') {
      const std::string name = streamed == 1   ? "kStreamStart"
                               : streamed == 2 ? "kStreamFirst" + tag_name(tag)
                               : streamed == 3 ? "kStreamSecond" + tag_name(tag)
                                               : "k" + tag_name(tag);
      out.push_back(
          {name, "XLogData, pgoutput '" + std::string(1, tag) + "' (proto_version 2)", msg});
    }
    if (tag == 'E') stop_seen = true;
    if (tag == 'c') break;
  }
  PQfinish(repl);

  exec(db, "DROP PUBLICATION ferry_cap_pub");
  exec(db, "DROP SCHEMA ferry_cap CASCADE");
  const std::string version = PQparameterStatus(db, "server_version");
  PQfinish(db);

  std::printf(
      "// GENERATED by tests/unit/postgres/tools/capture_pgoutput.cpp (then clang-format -i) "
      "from\n// PostgreSQL %s: real replication CopyData messages (hex), in the order the "
      "server\n// sent them. Do not edit.\n#pragma once\n\n#include <string_view>\n\n"
      "namespace ferry::pg::fixture {\n\n",
      version.c_str());
  for (const auto& c : out) {
    std::printf("// %s, %zu bytes\ninline constexpr std::string_view %s =\n", c.comment.c_str(),
                c.bytes.size(), c.name.c_str());
    const std::string h = hex(c.bytes);
    for (size_t i = 0; i < h.size(); i += 92) {
      std::printf("    \"%s\"%s\n", h.substr(i, 92).c_str(), i + 92 >= h.size() ? ";" : "");
    }
    std::printf("\n");
  }
  std::printf("}  // namespace ferry::pg::fixture\n");
  return 0;
}
