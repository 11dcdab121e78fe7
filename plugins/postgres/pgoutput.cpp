#include "pgoutput.hpp"

#include <ferry/sdk/error.hpp>

#include <cstdio>
#include <utility>

namespace ferry::pg {

namespace {

std::string tag_text(char tag) {
  const auto u = static_cast<unsigned char>(tag);
  char buf[16];
  if (u >= 0x20 && u < 0x7f) {
    std::snprintf(buf, sizeof buf, "'%c'", tag);
  } else {
    std::snprintf(buf, sizeof buf, "0x%02x", u);
  }
  return buf;
}

// Bounds-checked big-endian reads over one message; every failure names the message and the
// offset of the field that did not fit.
class Reader {
 public:
  Reader(std::string_view data, std::string what) : d_(data), what_(std::move(what)) {}

  size_t offset() const { return pos_; }
  size_t left() const { return d_.size() - pos_; }

  [[noreturn]] void bad(const std::string& msg) const { bad_at(pos_, msg); }
  [[noreturn]] void bad_at(size_t at, const std::string& msg) const {
    fail(FERRY_DATA_LOSS, what_ + ": " + msg + " (at offset " + std::to_string(at) + " of " +
                              std::to_string(d_.size()) + " bytes)");
  }

  void need(size_t n, const char* field) const {
    if (left() < n) {
      bad("truncated: " + std::string(field) + " needs " + std::to_string(n) + " byte" +
          (n == 1 ? "" : "s") + ", " + std::to_string(left()) + " left");
    }
  }
  uint64_t be(size_t n, const char* field) {
    need(n, field);
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(d_[pos_ + i]);
    pos_ += n;
    return v;
  }
  uint8_t u8(const char* field) { return static_cast<uint8_t>(be(1, field)); }
  char byte(const char* field) { return static_cast<char>(be(1, field)); }
  int16_t i16(const char* field) { return static_cast<int16_t>(be(2, field)); }
  uint32_t u32(const char* field) { return static_cast<uint32_t>(be(4, field)); }
  int32_t i32(const char* field) { return static_cast<int32_t>(be(4, field)); }
  uint64_t u64(const char* field) { return be(8, field); }
  int64_t i64(const char* field) { return static_cast<int64_t>(be(8, field)); }

  std::string_view bytes(size_t n, const char* field) {
    need(n, field);
    const std::string_view v = d_.substr(pos_, n);
    pos_ += n;
    return v;
  }
  // A NUL-terminated string; the NUL must be inside the message.
  std::string_view cstring(const char* field) {
    const size_t z = d_.find('\0', pos_);
    if (z == std::string_view::npos) {
      bad("truncated: " + std::string(field) + " has no terminating NUL");
    }
    const std::string_view v = d_.substr(pos_, z - pos_);
    pos_ = z + 1;
    return v;
  }
  // A count of items that each need at least `min_item_bytes`: refuses counts the rest of the
  // message cannot hold before anything is allocated for them.
  size_t count(int64_t n, size_t min_item_bytes, size_t at, const char* field) const {
    if (n < 0) bad_at(at, std::string(field) + " is negative (" + std::to_string(n) + ")");
    const auto u = static_cast<uint64_t>(n);
    if (u > left() / min_item_bytes) {
      bad_at(at, std::string(field) + " is " + std::to_string(n) + " but only " +
                     std::to_string(left()) + " bytes follow");
    }
    return static_cast<size_t>(u);
  }
  void end() const {
    if (left() != 0) bad(std::to_string(left()) + " unexpected bytes after the message");
  }

 private:
  std::string_view d_;
  std::string what_;
  size_t pos_ = 0;
};

std::string schema_name(std::string_view s) {
  return s.empty() ? std::string("pg_catalog") : std::string(s);
}

Tuple read_tuple(Reader& r) {
  const size_t at = r.offset();
  const int16_t n = r.i16("the tuple's column count");
  const size_t count = r.count(n, 1, at, "the tuple's column count");
  Tuple t;
  t.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    const size_t kind_at = r.offset();
    const char kind = r.byte("a column's kind");
    switch (kind) {
      case 'n':
        t.push_back({ValueKind::Null, {}});
        break;
      case 'u':
        t.push_back({ValueKind::Unchanged, {}});
        break;
      case 't':
      case 'b': {
        const size_t len_at = r.offset();
        const int32_t len = r.i32("a column's length");
        if (len < 0) {
          r.bad_at(len_at, "column " + std::to_string(i + 1) + " has a negative length (" +
                               std::to_string(len) + ")");
        }
        if (static_cast<size_t>(len) > r.left()) {
          r.bad_at(len_at, "truncated: column " + std::to_string(i + 1) + " has " +
                               std::to_string(len) + " bytes, " + std::to_string(r.left()) +
                               " left");
        }
        t.push_back({kind == 't' ? ValueKind::Text : ValueKind::Binary,
                     r.bytes(static_cast<size_t>(len), "a column's value")});
        break;
      }
      default:
        r.bad_at(kind_at, "column " + std::to_string(i + 1) + " has the unknown kind " +
                              tag_text(kind) + " (expected 'n', 'u', 't' or 'b')");
    }
  }
  return t;
}

Begin read_begin(Reader& r) {
  Begin b;
  b.final_lsn = r.u64("the final LSN");
  b.commit_time_us = pg_to_unix_us(r.i64("the commit time"));
  b.xid = r.u32("the transaction id");
  return b;
}

Commit read_commit(Reader& r) {
  Commit c;
  c.flags = r.u8("the flags");
  c.commit_lsn = r.u64("the commit LSN");
  c.end_lsn = r.u64("the end LSN");
  c.commit_time_us = pg_to_unix_us(r.i64("the commit time"));
  return c;
}

Origin read_origin(Reader& r) {
  Origin o;
  o.commit_lsn = r.u64("the origin's commit LSN");
  o.name = std::string(r.cstring("the origin name"));
  return o;
}

Relation read_relation(Reader& r) {
  Relation rel;
  rel.oid = r.u32("the relation OID");
  rel.schema = schema_name(r.cstring("the namespace"));
  rel.name = std::string(r.cstring("the relation name"));
  const size_t ident_at = r.offset();
  const char ident = r.byte("the replica identity");
  switch (ident) {
    case 'd':
    case 'n':
    case 'f':
    case 'i':
      rel.replica_identity = static_cast<ReplicaIdentity>(ident);
      break;
    default:
      r.bad_at(ident_at, "unknown replica identity " + tag_text(ident));
  }
  const size_t n_at = r.offset();
  const int16_t n = r.i16("the column count");
  // flags (1) + name (>= 1, its NUL) + type OID (4) + typmod (4)
  const size_t count = r.count(n, 10, n_at, "the column count");
  rel.columns.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    RelationColumn c;
    c.key = (r.u8("a column's flags") & 1u) != 0;
    c.name = std::string(r.cstring("a column name"));
    c.type_oid = r.u32("a column's type OID");
    c.type_modifier = r.i32("a column's type modifier");
    rel.columns.push_back(std::move(c));
  }
  return rel;
}

TypeInfo read_type(Reader& r) {
  TypeInfo t;
  t.oid = r.u32("the type OID");
  t.schema = schema_name(r.cstring("the namespace"));
  t.name = std::string(r.cstring("the type name"));
  return t;
}

char expect_tuple_tag(Reader& r, const char* allowed, const char* field) {
  const size_t at = r.offset();
  const char c = r.byte(field);
  for (const char* a = allowed; *a; ++a) {
    if (*a == c) return c;
  }
  std::string want;
  for (const char* a = allowed; *a; ++a) {
    if (!want.empty()) want += a[1] ? ", " : " or ";
    want += tag_text(*a);
  }
  r.bad_at(at, std::string(field) + " is " + tag_text(c) + " (expected " + want + ")");
}

Insert read_insert(Reader& r) {
  Insert m;
  m.relation = r.u32("the relation OID");
  expect_tuple_tag(r, "N", "the new tuple marker");
  m.row = read_tuple(r);
  return m;
}

Update read_update(Reader& r) {
  Update m;
  m.relation = r.u32("the relation OID");
  const char c = expect_tuple_tag(r, "KON", "the tuple marker");
  if (c != 'N') {
    m.old_kind = c == 'K' ? OldTuple::Key : OldTuple::Full;
    m.old_row = read_tuple(r);
    expect_tuple_tag(r, "N", "the new tuple marker");
  }
  m.row = read_tuple(r);
  return m;
}

Delete read_delete(Reader& r) {
  Delete m;
  m.relation = r.u32("the relation OID");
  const char c = expect_tuple_tag(r, "KO", "the old tuple marker");
  m.old_kind = c == 'K' ? OldTuple::Key : OldTuple::Full;
  m.old_row = read_tuple(r);
  return m;
}

Truncate read_truncate(Reader& r) {
  Truncate m;
  const size_t n_at = r.offset();
  const int32_t n = r.i32("the relation count");
  m.options = r.u8("the options");
  m.cascade = (m.options & 1u) != 0;
  m.restart_identity = (m.options & 2u) != 0;
  const size_t count = r.count(n, 4, n_at, "the relation count");
  m.relations.reserve(count);
  for (size_t i = 0; i < count; ++i) m.relations.push_back(r.u32("a relation OID"));
  return m;
}

LogicalMessage read_logical_message(Reader& r) {
  LogicalMessage m;
  m.transactional = (r.u8("the flags") & 1u) != 0;
  m.lsn = r.u64("the message LSN");
  m.prefix = r.cstring("the prefix");
  const size_t len_at = r.offset();
  const int32_t len = r.i32("the content length");
  if (len < 0) r.bad_at(len_at, "the content length is negative (" + std::to_string(len) + ")");
  m.content = r.bytes(static_cast<size_t>(len), "the content");
  return m;
}

}  // namespace

// ---- LSNs -----------------------------------------------------------------------------------

std::string format_lsn(Lsn lsn) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%X/%X", static_cast<unsigned>(lsn >> 32),
                static_cast<unsigned>(lsn & 0xffffffffu));
  return buf;
}

Lsn parse_lsn(std::string_view text) {
  auto bad = [&]() -> Lsn {
    fail(FERRY_INVALID_ARGUMENT,
         "'" + std::string(text.substr(0, 64)) + "' is not a PostgreSQL LSN (X/Y, hex)");
  };
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) return bad();
  auto half = [&](std::string_view h) -> uint64_t {
    if (h.empty() || h.size() > 8) return bad();
    uint64_t v = 0;
    for (const char c : h) {
      int d;
      if (c >= '0' && c <= '9') {
        d = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        d = c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        d = c - 'A' + 10;
      } else {
        return bad();
      }
      v = (v << 4) | static_cast<uint64_t>(d);
    }
    return v;
  };
  const uint64_t hi = half(text.substr(0, slash));
  const uint64_t lo = half(text.substr(slash + 1));
  return (hi << 32) | lo;
}

// ---- CopyData -------------------------------------------------------------------------------

StreamMessage parse_copy_data(std::string_view data) {
  if (data.empty()) {
    fail(FERRY_DATA_LOSS, "replication stream: an empty CopyData message");
  }
  switch (data[0]) {
    case 'w': {
      Reader r(data, "replication XLogData ('w') message");
      r.byte("the type");
      XLogData x;
      x.wal_start = r.u64("the start LSN");
      x.wal_end = r.u64("the end LSN");
      x.server_time_us = pg_to_unix_us(r.i64("the server clock"));
      x.payload = data.substr(r.offset());
      return x;
    }
    case 'k': {
      Reader r(data, "replication primary keepalive ('k') message");
      r.byte("the type");
      Keepalive k;
      k.wal_end = r.u64("the end LSN");
      k.server_time_us = pg_to_unix_us(r.i64("the server clock"));
      k.reply_requested = r.u8("the reply flag") != 0;
      r.end();
      return k;
    }
    default:
      fail(FERRY_DATA_LOSS, "replication stream: unknown CopyData message type " +
                                tag_text(data[0]) + " (expected 'w' or 'k') at offset 0");
  }
}

std::string standby_status_update(Lsn written, Lsn flushed, Lsn applied, int64_t client_time_us,
                                  bool reply_requested) {
  std::string m;
  m.reserve(34);
  m += 'r';
  auto put = [&](uint64_t v) {
    for (int i = 7; i >= 0; --i) m += static_cast<char>((v >> (8 * i)) & 0xffu);
  };
  put(written);
  put(flushed);
  put(applied);
  put(static_cast<uint64_t>(unix_to_pg_us(client_time_us)));
  m += reply_requested ? '\1' : '\0';
  return m;
}

// ---- pgoutput -------------------------------------------------------------------------------

std::string message_name(char tag) {
  const char* n = nullptr;
  switch (tag) {
    case 'B':
      n = "Begin";
      break;
    case 'C':
      n = "Commit";
      break;
    case 'O':
      n = "Origin";
      break;
    case 'R':
      n = "Relation";
      break;
    case 'Y':
      n = "Type";
      break;
    case 'I':
      n = "Insert";
      break;
    case 'U':
      n = "Update";
      break;
    case 'D':
      n = "Delete";
      break;
    case 'T':
      n = "Truncate";
      break;
    case 'M':
      n = "Message";
      break;
    case 'S':
      n = "Stream Start";
      break;
    case 'E':
      n = "Stream Stop";
      break;
    case 'c':
      n = "Stream Commit";
      break;
    case 'A':
      n = "Stream Abort";
      break;
    case 'b':
      n = "Begin Prepare";
      break;
    case 'P':
      n = "Prepare";
      break;
    case 'K':
      n = "Commit Prepared";
      break;
    case 'r':
      n = "Rollback Prepared";
      break;
    case 'p':
      n = "Stream Prepare";
      break;
    default:
      return "message type " + tag_text(tag);
  }
  return std::string(n) + " (" + tag_text(tag) + ")";
}

Message parse_message(std::string_view payload) {
  if (payload.empty()) fail(FERRY_DATA_LOSS, "pgoutput: an empty message (at offset 0)");
  const char tag = payload[0];
  Reader r(payload, "pgoutput " + message_name(tag) + " message");
  r.byte("the type");
  auto done = [&](auto&& m) -> Message {
    r.end();
    return Message(std::forward<decltype(m)>(m));
  };
  switch (tag) {
    case 'B':
      return done(read_begin(r));
    case 'C':
      return done(read_commit(r));
    case 'O':
      return done(read_origin(r));
    case 'R':
      return done(read_relation(r));
    case 'Y':
      return done(read_type(r));
    case 'I':
      return done(read_insert(r));
    case 'U':
      return done(read_update(r));
    case 'D':
      return done(read_delete(r));
    case 'T':
      return done(read_truncate(r));
    case 'M':
      return done(read_logical_message(r));
    case 'S':
    case 'E':
    case 'c':
    case 'A':
      fail(FERRY_NOT_SUPPORTED,
           "pgoutput " + message_name(tag) +
               " message: streamed in-progress transactions are not supported (ferry does not "
               "ask for the 'streaming' option; was the slot started by another client?)");
    case 'b':
    case 'P':
    case 'K':
    case 'r':
    case 'p':
      fail(FERRY_NOT_SUPPORTED,
           "pgoutput " + message_name(tag) +
               " message: two-phase commit decoding is not supported (ferry does not ask for "
               "the 'two_phase' option)");
    default:
      fail(FERRY_NOT_SUPPORTED, "pgoutput: unknown " + message_name(tag) +
                                    " at offset 0 (a newer protocol version than ferry asked "
                                    "for?)");
  }
}

// ---- RelationCache --------------------------------------------------------------------------

const Relation& RelationCache::update(Relation relation) {
  const uint32_t oid = relation.oid;
  auto& slot = map_[oid];
  slot = std::move(relation);
  return slot;
}

const Relation* RelationCache::find(uint32_t oid) const {
  const auto it = map_.find(oid);
  return it == map_.end() ? nullptr : &it->second;
}

const Relation& RelationCache::get(uint32_t oid) const {
  const Relation* r = find(oid);
  if (!r) {
    fail(FERRY_INVALID_ARGUMENT, "pgoutput: a change of relation " + std::to_string(oid) +
                                     " before any Relation ('R') message described it");
  }
  return *r;
}

const Relation& RelationCache::get_for(uint32_t oid, const Tuple& row,
                                       std::string_view what) const {
  const Relation& r = get(oid);
  if (row.size() != r.columns.size()) {
    fail(FERRY_DATA_LOSS, "pgoutput " + std::string(what) + " of " + r.schema + "." + r.name +
                              " (relation " + std::to_string(oid) + "): a tuple of " +
                              std::to_string(row.size()) + " columns, but the relation has " +
                              std::to_string(r.columns.size()));
  }
  return r;
}

}  // namespace ferry::pg
