// MySQL / MariaDB binlog events: splitting a raw event (header, body, CRC32 trailer) and parsing
// the event types a change-data-capture reader needs. Pure code: no network, no allocation
// beyond the returned values.
//
// Input: one raw event as the server sends it in the dump protocol, WITHOUT the leading OK byte
// (MariaDB Connector/C's MARIADB_RPL_EVENT::raw_data includes it: pass raw_data + 1,
// raw_data_size - 1), i.e. the 19-byte v4 header, the body and, when checksums are on, a 4-byte
// CRC32. The same bytes a binlog file holds after its 4-byte magic.
//
// Errors (ferry::Error): every read is bounds-checked.
//   FERRY_DATA_LOSS         the bytes are corrupt: a CRC32 mismatch, a truncated event, a length
//                           or value that does not fit (the stream cannot be trusted: stop);
//   FERRY_INVALID_ARGUMENT  the caller passed an event of another type to a parse_* function;
//   FERRY_NOT_SUPPORTED     a valid event ferry cannot decode (compressed events, partial JSON
//                           updates, a non-v4 format, an unknown column type).
// Messages name the event type and, where known, the table and column.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ferry::mysql::binlog {

// Event type codes (MySQL's and MariaDB's numbering; they agree below 160).
enum EventType : uint8_t {
  UNKNOWN_EVENT = 0,
  START_EVENT_V3 = 1,
  QUERY_EVENT = 2,
  STOP_EVENT = 3,
  ROTATE_EVENT = 4,
  INTVAR_EVENT = 5,
  SLAVE_EVENT = 7,
  APPEND_BLOCK_EVENT = 9,
  DELETE_FILE_EVENT = 11,
  RAND_EVENT = 13,
  USER_VAR_EVENT = 14,
  FORMAT_DESCRIPTION_EVENT = 15,
  XID_EVENT = 16,
  BEGIN_LOAD_QUERY_EVENT = 17,
  EXECUTE_LOAD_QUERY_EVENT = 18,
  TABLE_MAP_EVENT = 19,
  PRE_GA_WRITE_ROWS_EVENT = 20,
  PRE_GA_UPDATE_ROWS_EVENT = 21,
  PRE_GA_DELETE_ROWS_EVENT = 22,
  WRITE_ROWS_EVENT_V1 = 23,
  UPDATE_ROWS_EVENT_V1 = 24,
  DELETE_ROWS_EVENT_V1 = 25,
  INCIDENT_EVENT = 26,
  HEARTBEAT_LOG_EVENT = 27,
  IGNORABLE_LOG_EVENT = 28,
  ROWS_QUERY_LOG_EVENT = 29,
  WRITE_ROWS_EVENT_V2 = 30,
  UPDATE_ROWS_EVENT_V2 = 31,
  DELETE_ROWS_EVENT_V2 = 32,
  GTID_LOG_EVENT = 33,  // MySQL
  ANONYMOUS_GTID_LOG_EVENT = 34,
  PREVIOUS_GTIDS_LOG_EVENT = 35,
  TRANSACTION_CONTEXT_EVENT = 36,
  VIEW_CHANGE_EVENT = 37,
  XA_PREPARE_LOG_EVENT = 38,
  PARTIAL_UPDATE_ROWS_EVENT = 39,
  TRANSACTION_PAYLOAD_EVENT = 40,
  HEARTBEAT_LOG_EVENT_V2 = 41,
  GTID_TAGGED_LOG_EVENT = 42,
  // MariaDB
  ANNOTATE_ROWS_EVENT = 160,
  BINLOG_CHECKPOINT_EVENT = 161,
  MARIA_GTID_EVENT = 162,
  MARIA_GTID_LIST_EVENT = 163,
  START_ENCRYPTION_EVENT = 164,
  QUERY_COMPRESSED_EVENT = 165,
  WRITE_ROWS_COMPRESSED_EVENT_V1 = 166,
  UPDATE_ROWS_COMPRESSED_EVENT_V1 = 167,
  DELETE_ROWS_COMPRESSED_EVENT_V1 = 168,
  WRITE_ROWS_COMPRESSED_EVENT = 169,
  UPDATE_ROWS_COMPRESSED_EVENT = 170,
  DELETE_ROWS_COMPRESSED_EVENT = 171,
};

// "TABLE_MAP", "WRITE_ROWS_V1", ... or "type 200" for an unknown code.
std::string event_type_name(uint8_t type);

// Header flags.
inline constexpr uint16_t LOG_EVENT_BINLOG_IN_USE_F = 0x01;  // FDE of a binlog file still open
inline constexpr uint16_t LOG_EVENT_ARTIFICIAL_F = 0x20;     // made up by the dump thread

inline constexpr size_t kHeaderLen = 19;
inline constexpr size_t kChecksumLen = 4;

struct Header {
  uint32_t timestamp = 0;
  uint8_t type = 0;
  uint32_t server_id = 0;
  uint32_t event_size = 0;
  uint32_t next_pos = 0;  // log_pos: where the next event starts in this file (0: artificial)
  uint16_t flags = 0;
};

struct FormatDescription {
  uint16_t binlog_version = 4;
  std::string server_version;  // "10.11.19-MariaDB-0+deb12u1-log", "8.0.36"
  uint32_t create_timestamp = 0;
  uint8_t header_len = 19;
  bool checksum_crc32 = false;           // the events that follow end with a CRC32
  uint8_t checksum_alg = 0;              // 0 off, 1 CRC32, 255 undefined (pre-5.6.1 server)
  std::vector<uint8_t> post_header_len;  // [type - 1]
  bool mariadb = false;  // server_version says MariaDB (dialect of TABLE_MAP metadata)

  // The post-header length the server declared for `type`, or `fallback` when it sent none.
  uint8_t post_header(uint8_t type, uint8_t fallback) const;
};

struct Event {
  Header header;
  std::span<const uint8_t> body;  // excludes the header and the checksum trailer
};

// The 19-byte header of `raw` (which must hold at least 19 bytes).
Header parse_header(std::span<const uint8_t> raw);

// How split_event treats a CRC32 trailer.
enum class Checksum {
  None,    // events carry no checksum
  Crc32,   // every event ends with a CRC32: strip and verify it
  Detect,  // strip the last 4 bytes when they are the CRC32 of the rest (see below)
};

// Splits a raw event. With `fde` (the current FORMAT_DESCRIPTION; nullptr before the first) the
// CRC32 trailer is stripped and VERIFIED when the FDE says checksums are on (a mismatch is
// FERRY_DATA_LOSS). A FORMAT_DESCRIPTION event carries its own checksum algorithm byte and is
// handled on its own: its body keeps that byte, parse_format_description reads it.
//
// Before the first FORMAT_DESCRIPTION (fde == nullptr) the dump thread sends an artificial
// ROTATE, with a CRC32 when the reader set @master_binlog_checksum. Nothing in the event says
// so: with nullptr, split_event uses Checksum::Detect (strips a trailer that verifies; a
// 4-byte suffix of a file name matching the CRC32 of the rest has odds of 2^-32). A caller that
// knows (it read @@global.binlog_checksum) can pass Checksum::Crc32 / None instead.
Event split_event(std::span<const uint8_t> raw, const FormatDescription* fde);
Event split_event(std::span<const uint8_t> raw, Checksum checksum);

// CRC32 (ISO-HDLC, the binlog's and zlib's), for tests and synthetic events.
uint32_t crc32(std::span<const uint8_t> data, uint32_t crc = 0);

FormatDescription parse_format_description(const Event&);

struct Rotate {
  uint64_t position = 0;
  std::string next_file;
};
Rotate parse_rotate(const Event&);

// The dump protocol's heartbeat (27): the reader is at `position` of `file`.
struct Heartbeat {
  std::string file;
  uint64_t position = 0;  // header.next_pos
};
Heartbeat parse_heartbeat(const Event&);

struct Query {
  uint32_t thread_id = 0;
  uint32_t exec_time = 0;
  uint16_t error_code = 0;
  std::string schema;  // the default database (USE), may be empty
  std::string sql;
  // Status variables (nullopt / empty when the event did not carry them).
  std::optional<uint32_t> flags2;
  std::optional<uint64_t> sql_mode;
  std::optional<std::string> catalog;
  std::optional<std::pair<uint16_t, uint16_t>> auto_increment;  // increment, offset
  // character_set_client, collation_connection, collation_server (collation ids)
  std::optional<std::array<uint16_t, 3>> charset;
  std::optional<std::string> time_zone;
  std::optional<uint16_t> lc_time_names;
  std::optional<uint16_t> charset_database;
  std::optional<uint64_t> table_map_for_update;
  std::optional<std::pair<std::string, std::string>> invoker;  // user, host
  std::vector<std::string> updated_db_names;
  std::optional<uint32_t> microseconds;
  std::optional<bool> explicit_defaults_for_timestamp;
  std::optional<uint64_t> ddl_xid;  // MySQL Q_DDL_LOGGED_WITH_XID, MariaDB Q_XID
  std::optional<uint16_t> default_collation_for_utf8mb4;
  std::optional<uint32_t> hrnow_us;  // MariaDB Q_HRNOW: microseconds of the statement time
  // Status variables after an unknown code are not parsed (their length is unknown); the
  // schema and statement are still read.
  bool status_vars_truncated = false;
};
Query parse_query(const Event&, const FormatDescription&);

uint64_t parse_xid(const Event&);

// MariaDB ANNOTATE_ROWS (160): the statement that produced the following rows events.
std::string parse_annotate_rows(const Event&);
// MariaDB BINLOG_CHECKPOINT (161): the oldest binlog file still needed for crash recovery.
std::string parse_binlog_checkpoint(const Event&);

// MariaDB GTID flags.
inline constexpr uint8_t MARIA_FL_STANDALONE = 0x01;
inline constexpr uint8_t MARIA_FL_GROUP_COMMIT_ID = 0x02;
inline constexpr uint8_t MARIA_FL_TRANSACTIONAL = 0x04;
inline constexpr uint8_t MARIA_FL_ALLOW_PARALLEL = 0x08;
inline constexpr uint8_t MARIA_FL_WAITED = 0x10;
inline constexpr uint8_t MARIA_FL_DDL = 0x20;
inline constexpr uint8_t MARIA_FL_PREPARED_XA = 0x40;
inline constexpr uint8_t MARIA_FL_COMPLETED_XA = 0x80;

// MariaDB GTID (162): starts an event group. The GTID is domain_id-server_id-seq_no; the
// server id is the event header's (copied here).
struct MariaGtid {
  uint64_t seq_no = 0;
  uint32_t domain_id = 0;
  uint32_t server_id = 0;
  uint8_t flags = 0;
  bool standalone = false;            // FL_STANDALONE: no BEGIN/COMMIT (XID) follows, e.g. DDL
  std::optional<uint64_t> commit_id;  // FL_GROUP_COMMIT_ID
  bool ddl() const { return (flags & MARIA_FL_DDL) != 0; }
  bool transactional() const { return (flags & MARIA_FL_TRANSACTIONAL) != 0; }
  // "0-1-42"
  std::string gtid_string() const {
    return std::to_string(domain_id) + "-" + std::to_string(server_id) + "-" +
           std::to_string(seq_no);
  }
};
MariaGtid parse_maria_gtid(const Event&);

struct MariaGtidList {
  struct Item {
    uint32_t domain = 0, server = 0;
    uint64_t seq = 0;
    bool operator==(const Item&) const = default;
  };
  std::vector<Item> items;
  uint8_t flags = 0;  // the 4 high bits of the count
};
MariaGtidList parse_maria_gtid_list(const Event&);

// MySQL GTID_LOG_EVENT (33) and ANONYMOUS_GTID_LOG_EVENT (34).
struct MysqlGtid {
  bool anonymous = false;
  uint8_t flags = 0;  // bit 0: may commit in parallel (commit flag)
  std::array<uint8_t, 16> sid{};
  int64_t gno = 0;
  // Logical clock (MySQL 5.7+), nullopt when absent.
  std::optional<int64_t> last_committed, sequence_number;
  // Microseconds since the epoch (MySQL 8.0.1+).
  std::optional<uint64_t> immediate_commit_timestamp, original_commit_timestamp;
  std::optional<uint64_t> transaction_length;                                 // MySQL 8.0.2+
  std::optional<uint32_t> immediate_server_version, original_server_version;  // 8.0.14+

  std::string sid_string() const;  // "3e11fa47-71ca-11e1-9e33-c80aa9429562"
  std::string gtid_string() const { return sid_string() + ":" + std::to_string(gno); }
};
MysqlGtid parse_mysql_gtid(const Event&);

// MySQL PREVIOUS_GTIDS_LOG_EVENT (35): the GTID set of earlier binlogs.
struct PreviousGtids {
  struct Interval {
    int64_t start = 0, end = 0;  // [start, end)
  };
  struct Sid {
    std::array<uint8_t, 16> sid{};
    std::vector<Interval> intervals;
  };
  std::vector<Sid> sids;
};
PreviousGtids parse_previous_gtids(const Event&);

// Column type codes (MYSQL_TYPE_*) as TABLE_MAP events carry them.
enum ColumnType : uint8_t {
  TYPE_DECIMAL = 0,
  TYPE_TINY = 1,
  TYPE_SHORT = 2,
  TYPE_LONG = 3,
  TYPE_FLOAT = 4,
  TYPE_DOUBLE = 5,
  TYPE_NULL = 6,
  TYPE_TIMESTAMP = 7,
  TYPE_LONGLONG = 8,
  TYPE_INT24 = 9,
  TYPE_DATE = 10,
  TYPE_TIME = 11,
  TYPE_DATETIME = 12,
  TYPE_YEAR = 13,
  TYPE_NEWDATE = 14,
  TYPE_VARCHAR = 15,
  TYPE_BIT = 16,
  TYPE_TIMESTAMP2 = 17,
  TYPE_DATETIME2 = 18,
  TYPE_TIME2 = 19,
  TYPE_TYPED_ARRAY = 244,
  TYPE_JSON = 245,
  TYPE_NEWDECIMAL = 246,
  TYPE_ENUM = 247,
  TYPE_SET = 248,
  TYPE_TINY_BLOB = 249,
  TYPE_MEDIUM_BLOB = 250,
  TYPE_LONG_BLOB = 251,
  TYPE_BLOB = 252,
  TYPE_VAR_STRING = 253,
  TYPE_STRING = 254,
  TYPE_GEOMETRY = 255,
};

// "LONGLONG", "NEWDECIMAL", ... or "type 200".
std::string column_type_name(uint8_t type);

// The TABLE_MAP's optional metadata (MySQL 8 / MariaDB 10.5+ binlog_row_metadata = MINIMAL or
// FULL), as sent; each part the event did not carry is empty / nullopt. Column lists refer to
// subsets of the columns, in column order (see the comments): use the resolved per-column
// helpers below (column_collations, columns_from_metadata in rows.hpp) rather than indexing
// these directly.
struct OptionalMetadata {
  // SIGNEDNESS: one flag per numeric column (true = UNSIGNED). Numeric = TINY, SHORT, INT24,
  // LONG, LONGLONG, FLOAT, DOUBLE, NEWDECIMAL; MariaDB also counts YEAR.
  std::vector<bool> signedness;
  // DEFAULT_CHARSET: the most common collation id of the character columns, and the exceptions
  // as (index among the character columns, collation id). Character columns = CHAR, BINARY,
  // VARCHAR, VARBINARY, TEXT, BLOB, and for MariaDB also JSON (a LONGTEXT) and GEOMETRY
  // (binary); never ENUM, SET, MySQL's JSON.
  std::optional<uint32_t> default_charset;
  std::vector<std::pair<uint32_t, uint32_t>> default_charset_exceptions;
  // COLUMN_CHARSET: one collation id per character column (instead of DEFAULT_CHARSET).
  std::vector<uint32_t> column_charsets;
  // COLUMN_NAME: one per column.
  std::vector<std::string> column_names;
  // SET_STR_VALUE / ENUM_STR_VALUE: the labels of each SET / ENUM column (in the column's
  // enum/set charset, as stored), in declaration order.
  std::vector<std::vector<std::string>> set_labels;
  std::vector<std::vector<std::string>> enum_labels;
  // GEOMETRY_TYPE: one per GEOMETRY column (0 geometry, 1 point, 2 linestring, 3 polygon,
  // 4 multipoint, 5 multilinestring, 6 multipolygon, 7 geometrycollection).
  std::vector<uint32_t> geometry_types;
  // SIMPLE_PRIMARY_KEY: column indexes of the primary key.
  std::vector<uint32_t> primary_key;
  // PRIMARY_KEY_WITH_PREFIX: (column index, prefix length; 0 = the whole column).
  std::vector<std::pair<uint32_t, uint32_t>> primary_key_with_prefix;
  // ENUM_AND_SET_DEFAULT_CHARSET / ENUM_AND_SET_COLUMN_CHARSET: as above, over the ENUM and SET
  // columns.
  std::optional<uint32_t> enum_set_default_charset;
  std::vector<std::pair<uint32_t, uint32_t>> enum_set_default_charset_exceptions;
  std::vector<uint32_t> enum_set_column_charsets;
  // COLUMN_VISIBILITY (MySQL 8.0.23+): one flag per column, true = visible.
  std::vector<bool> column_visibility;
  // Fields of a type this decoder does not know: (type, bytes), kept so nothing is lost.
  std::vector<std::pair<uint8_t, std::vector<uint8_t>>> unknown;

  bool empty() const;
};

struct TableMap {
  uint64_t table_id = 0;
  uint16_t flags = 0;
  std::string schema, table;
  std::vector<uint8_t> types;  // ColumnType per column (STRING for CHAR/BINARY/ENUM/SET)
  std::vector<uint16_t> meta;  // per column, as the server encodes it (see below)
  std::vector<bool> nullable;
  OptionalMetadata optional;
  bool mariadb = false;  // written by MariaDB (the FDE's server): how to read `optional`

  // meta: FLOAT/DOUBLE pack length; BIT (bytes << 8) | bits; VARCHAR/VAR_STRING max bytes;
  // NEWDECIMAL (precision << 8) | scale; BLOB/GEOMETRY/JSON length-prefix bytes;
  // STRING/ENUM/SET (byte0 << 8) | byte1 with the real type and length packed (real_type());
  // TIMESTAMP2/DATETIME2/TIME2 fractional digits; 0 for the rest.

  std::string name() const { return schema + "." + table; }
  // The real type of column i: ENUM / SET / STRING for a STRING column, else types[i].
  uint8_t real_type(size_t i) const;
  // Max bytes of a STRING (CHAR/BINARY) column, ENUM/SET storage bytes (1-2 / 1-8).
  uint32_t string_length(size_t i) const;
};
TableMap parse_table_map(const Event&, const FormatDescription&);

// Is column `type` (a real type) numeric for the SIGNEDNESS metadata of this server flavour?
bool is_numeric_column(uint8_t real_type, bool mariadb);
// Is it a character column (DEFAULT_CHARSET / COLUMN_CHARSET)?
bool is_character_column(uint8_t real_type, bool mariadb);
// Per column: the collation id from the optional metadata (character columns from the
// (DEFAULT_)COLUMN_CHARSET, ENUM/SET from ENUM_AND_SET_*), or 0 when not known / applicable.
std::vector<uint32_t> column_collations(const TableMap&);
// Per column: UNSIGNED from the SIGNEDNESS metadata; nullopt when not numeric or not sent.
std::vector<std::optional<bool>> column_unsigned(const TableMap&);

enum class RowsKind { Write, Update, Delete };

// ROWS event flags.
inline constexpr uint16_t ROWS_STMT_END_F = 0x0001;
inline constexpr uint16_t ROWS_NO_FOREIGN_KEY_CHECKS_F = 0x0002;
inline constexpr uint16_t ROWS_RELAXED_UNIQUE_KEY_CHECKS_F = 0x0004;
inline constexpr uint16_t ROWS_COMPLETE_ROWS_F = 0x0008;

struct RowsEvent {
  uint8_t event_type = 0;  // the EventType (for messages: pass it to decode_row)
  RowsKind kind = RowsKind::Write;
  int version = 1;  // 1: types 23-25 (MariaDB, MySQL 5.1-5.5); 2: 30-32 (MySQL 5.6+)
  uint64_t table_id = 0;
  uint16_t flags = 0;
  uint32_t column_count = 0;
  std::vector<uint8_t> present;         // columns-present bitmap, (column_count + 7) / 8 bytes
  std::vector<uint8_t> present_after;   // UPDATE only: the after image's bitmap
  std::span<const uint8_t> extra_data;  // v2 extra row info (e.g. MySQL 8 partition info)
  std::span<const uint8_t> rows;        // the row images (into the event's bytes)

  bool end_of_statement() const { return (flags & ROWS_STMT_END_F) != 0; }
  // Every column present in the image(s): a full row image (binlog_row_image = FULL).
  bool full_image() const;
};
// Types 23-25 and 30-32. MariaDB compressed rows (166-171) and MySQL partial JSON updates (39)
// are FERRY_NOT_SUPPORTED with a message naming the server setting to change.
RowsEvent parse_rows(const Event&, const FormatDescription&);
bool is_rows_event(uint8_t type);

}  // namespace ferry::mysql::binlog
