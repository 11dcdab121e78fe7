// PostgreSQL logical replication: the CopyData framing of a replication stream and the messages
// of the pgoutput plugin (protocol version 1; the version 2+ messages ferry does not ask for are
// recognized and refused). Pure code: no network. The caller reads CopyData messages with
// PQgetCopyData and passes each one here.
//
// Layout (all integers big-endian, strings NUL-terminated):
//   server → client CopyData
//     'w' XLogData           Int64 start LSN, Int64 end LSN, Int64 server clock, payload
//     'k' primary keepalive  Int64 end LSN, Int64 server clock, Byte1 reply requested
//   client → server CopyData
//     'r' standby status     Int64 write, Int64 flush, Int64 apply LSN, Int64 clock, Byte1 reply
//   the XLogData payload: one pgoutput message (Begin, Commit, Origin, Relation, Type, Insert,
//   Update, Delete, Truncate, Message), see parse_message.
// Clocks and commit times are microseconds since 2000-01-01 00:00 UTC on the wire; every time
// this API returns or takes is microseconds since the Unix epoch.
//
// Errors (ferry::Error), every read bounds-checked, messages naming the message type and the
// byte offset in the message:
//   FERRY_DATA_LOSS         the bytes are not a valid message (truncated, a length that does not
//                           fit, an unknown tuple kind, trailing bytes): the stream cannot be
//                           trusted;
//   FERRY_NOT_SUPPORTED     a valid message ferry does not handle: streamed transactions
//                           ('S' 'E' 'c' 'A', protocol 2+, only sent when a client asks for
//                           streaming), two-phase commit messages (protocol 3+), an unknown
//                           message type;
//   FERRY_INVALID_ARGUMENT  a caller error: an LSN text that does not parse, a change for a
//                           relation never described, a tuple of the wrong width.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

namespace ferry::pg {

// ---- LSNs and clocks ------------------------------------------------------------------------

using Lsn = uint64_t;

// "16/B374D848" (upper-case hex, as PostgreSQL prints pg_lsn).
std::string format_lsn(Lsn lsn);
// Parses "X/Y" (1-8 hex digits each, either case); FERRY_INVALID_ARGUMENT otherwise.
Lsn parse_lsn(std::string_view text);

// 2000-01-01 00:00:00 UTC in microseconds since the Unix epoch.
inline constexpr int64_t kPgEpochUnixUs = 946684800LL * 1000000LL;
inline constexpr int64_t pg_to_unix_us(int64_t pg_us) {
  return pg_us + kPgEpochUnixUs;
}
inline constexpr int64_t unix_to_pg_us(int64_t unix_us) {
  return unix_us - kPgEpochUnixUs;
}

// ---- CopyData framing -----------------------------------------------------------------------

// 'w': one chunk of WAL data; `payload` points into the buffer given to parse_copy_data.
struct XLogData {
  Lsn wal_start = 0;           // the WAL position of the start of this data
  Lsn wal_end = 0;             // the current end of WAL on the server
  int64_t server_time_us = 0;  // the server's clock when it sent this (Unix µs)
  std::string_view payload;
};

// 'k': the server's keepalive.
struct Keepalive {
  Lsn wal_end = 0;
  int64_t server_time_us = 0;
  bool reply_requested = false;  // answer with a standby status update now
};

using StreamMessage = std::variant<XLogData, Keepalive>;

// One CopyData message of a replication stream ('w' or 'k'); views point into `data`.
StreamMessage parse_copy_data(std::string_view data);

// The client's 'r' standby status update, ready for PQputCopyData. `client_time_us` is Unix µs.
std::string standby_status_update(Lsn written, Lsn flushed, Lsn applied, int64_t client_time_us,
                                  bool reply_requested);

// ---- pgoutput messages ----------------------------------------------------------------------

// 'B'
struct Begin {
  Lsn final_lsn = 0;           // the LSN of the transaction's commit record
  int64_t commit_time_us = 0;  // Unix µs
  uint32_t xid = 0;
};

// 'C'
struct Commit {
  uint8_t flags = 0;  // unused by the server so far (0)
  Lsn commit_lsn = 0;
  Lsn end_lsn = 0;  // the end of the commit record: confirm this one (flush) once it is durable
  int64_t commit_time_us = 0;  // Unix µs
};

// 'O': the transaction came from a replication origin (it was replayed by a subscriber).
struct Origin {
  Lsn commit_lsn = 0;  // the commit LSN on the origin server
  std::string name;
};

enum class ReplicaIdentity : char {
  Default = 'd',  // the primary key
  Nothing = 'n',
  Full = 'f',
  Index = 'i'  // a unique index
};

struct RelationColumn {
  bool key = false;  // part of the replica identity (flags bit 1)
  std::string name;
  uint32_t type_oid = 0;
  int32_t type_modifier = -1;  // atttypmod
};

// 'R': describes a relation before its first change in the session, and again after it changed
// (or after the server's cache of it was invalidated, e.g. by a TRUNCATE). Update the cache.
struct Relation {
  uint32_t oid = 0;
  std::string schema;  // "pg_catalog" when the server sends "" (its shorthand for pg_catalog)
  std::string name;
  ReplicaIdentity replica_identity = ReplicaIdentity::Default;
  std::vector<RelationColumn> columns;  // without dropped and generated columns
};

// 'Y': a non-built-in type (OID >= 10000) used by the relation described next. For a domain
// the server sends the domain's OID with its BASE type's namespace and name (a domain over
// integer arrives as "pg_catalog"."int4"): it does not say enum / domain / array; ask the
// catalog (TypeCatalog in pg_values.hpp).
struct TypeInfo {
  uint32_t oid = 0;
  std::string schema;  // "pg_catalog" when the server sends ""
  std::string name;    // typname ("_mood" for an array of mood)
};

// One column of a TupleData.
enum class ValueKind : uint8_t {
  Null,       // 'n'
  Unchanged,  // 'u': an unchanged TOASTed value that was not sent (keep the destination's)
  Text,       // 't': the type's text output
  Binary      // 'b': the type's binary send format (only when the client asked for binary)
};

struct TupleValue {
  ValueKind kind = ValueKind::Null;
  std::string_view data;  // Text / Binary; points into the payload
};

using Tuple = std::vector<TupleValue>;

// Which old row an Update / Delete carries.
enum class OldTuple : uint8_t {
  None,  // Update of a table whose key did not change (default / index identity)
  Key,   // 'K': the replica identity columns (others are Null)
  Full   // 'O': the whole old row (REPLICA IDENTITY FULL)
};

// 'I'
struct Insert {
  uint32_t relation = 0;
  Tuple row;
};

// 'U'
struct Update {
  uint32_t relation = 0;
  OldTuple old_kind = OldTuple::None;
  Tuple old_row;  // empty when old_kind is None
  Tuple row;
};

// 'D'
struct Delete {
  uint32_t relation = 0;
  OldTuple old_kind = OldTuple::Key;  // Key or Full
  Tuple old_row;
};

// 'T'
struct Truncate {
  uint8_t options = 0;  // raw option bits
  bool cascade = false;
  bool restart_identity = false;
  std::vector<uint32_t> relations;
};

// 'M': a message from pg_logical_emit_message (sent only with the `messages` option). ferry
// does not ask for them; the parser accepts them so a stream that has them still parses.
struct LogicalMessage {
  bool transactional = false;
  Lsn lsn = 0;
  std::string_view prefix;
  std::string_view content;
};

using Message = std::variant<Begin, Commit, Origin, Relation, TypeInfo, Insert, Update, Delete,
                             Truncate, LogicalMessage>;

// One pgoutput message (an XLogData payload). Views point into `payload`.
Message parse_message(std::string_view payload);

// "Insert ('I')" for messages.
std::string message_name(char tag);

// ---- The relation cache ---------------------------------------------------------------------

// relation OID → its latest 'R'. The caller updates it with every Relation message, then looks
// changes up by their relation OID.
class RelationCache {
 public:
  // Adds or replaces; returns the stored relation.
  const Relation& update(Relation relation);
  // nullptr when never described.
  const Relation* find(uint32_t oid) const;
  // FERRY_INVALID_ARGUMENT when never described (a change before its Relation message).
  const Relation& get(uint32_t oid) const;
  // get(), and checks that `row` has one value per column (FERRY_DATA_LOSS otherwise, naming the
  // relation and `what`, e.g. "Insert").
  const Relation& get_for(uint32_t oid, const Tuple& row, std::string_view what) const;
  void erase(uint32_t oid) { map_.erase(oid); }
  void clear() { map_.clear(); }
  size_t size() const { return map_.size(); }

 private:
  std::unordered_map<uint32_t, Relation> map_;
};

}  // namespace ferry::pg
