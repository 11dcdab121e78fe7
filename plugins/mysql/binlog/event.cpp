// Binlog event splitting and parsing (see event.hpp).
#include "binlog/event.hpp"

#include "binlog/event_internal.hpp"
#include "binlog/reader.hpp"

#include <ferry/sdk/error.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <iterator>
#include <string>

namespace ferry::mysql::binlog {

namespace detail {

void throw_truncated(size_t need, size_t have, size_t offset) {
  malformed("truncated: needs " + std::to_string(need) + " byte(s) at offset " +
            std::to_string(offset) + ", " + std::to_string(have) + " left");
}

}  // namespace detail

using detail::expect_type;
using detail::guarded;
using detail::Malformed;
using detail::malformed;
using detail::Reader;
using detail::type_label;

namespace {

// CRC32 (reflected 0xEDB88320), slicing by 8.
struct CrcTables {
  uint32_t t[8][256];
  constexpr CrcTables() : t{} {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; ++i) {
      for (int s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xff];
    }
  }
};
constexpr CrcTables kCrc;

std::string trim_nul(std::string_view s) {
  const auto z = s.find('\0');
  return std::string(z == std::string_view::npos ? s : s.substr(0, z));
}

// (major, minor, patch) from "10.11.19-MariaDB-log" / "8.0.36"; missing parts are 0.
std::array<int, 3> version_triplet(std::string_view v) {
  std::array<int, 3> out{0, 0, 0};
  size_t i = 0;
  for (int part = 0; part < 3 && i < v.size(); ++part) {
    int n = 0;
    bool any = false;
    while (i < v.size() && v[i] >= '0' && v[i] <= '9' && n < 100000) {
      n = n * 10 + (v[i] - '0');
      ++i;
      any = true;
    }
    if (!any) break;
    out[part] = n;
    if (i < v.size() && v[i] == '.')
      ++i;
    else
      break;
  }
  return out;
}

bool is_mariadb_version(std::string_view v) {
  return v.find("MariaDB") != std::string_view::npos;
}

// Does a server of this version write the checksum algorithm byte (and a 4-byte checksum) into
// its FORMAT_DESCRIPTION events? MySQL 5.6.1+, MariaDB 5.3+.
bool checksum_aware(std::string_view version) {
  const auto v = version_triplet(version);
  const std::array<int, 3> min =
      is_mariadb_version(version) ? std::array<int, 3>{5, 3, 0} : std::array<int, 3>{5, 6, 1};
  return v >= min;
}

constexpr size_t kFdeVersionOffset = 2;  // in the body: binlog_version(2), server_version(50)
constexpr size_t kFdeVersionLen = 50;

void verify_crc(std::span<const uint8_t> raw, uint8_t type) {
  const size_t n = raw.size() - kChecksumLen;
  const uint32_t want = static_cast<uint32_t>(detail::load_le(raw.data() + n, 4));
  uint32_t got = 0;
  if (type == FORMAT_DESCRIPTION_EVENT) {
    // The server computes an FDE's checksum without LOG_EVENT_BINLOG_IN_USE_F, which it sets
    // in the file's FDE while the file is open and clears when it closes it.
    std::array<uint8_t, kHeaderLen> head;
    std::copy(raw.begin(), raw.begin() + kHeaderLen, head.begin());
    head[17] &= static_cast<uint8_t>(~LOG_EVENT_BINLOG_IN_USE_F);
    got = crc32(raw.subspan(kHeaderLen, n - kHeaderLen), crc32(head));
  } else {
    got = crc32(raw.first(n));
  }
  if (want != got) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "CRC32 mismatch (event says %08x, bytes give %08x)", want, got);
    const Header h = parse_header(raw);
    fail(FERRY_DATA_LOSS, "binlog " + type_label(type) + " ending at position " +
                              std::to_string(h.next_pos) + ": " + buf + ": the event is corrupt");
  }
}

Header checked_header(std::span<const uint8_t> raw) {
  if (raw.size() < kHeaderLen) {
    fail(FERRY_DATA_LOSS, "binlog event of " + std::to_string(raw.size()) +
                              " bytes is shorter than the 19-byte event header");
  }
  Header h = parse_header(raw);
  if (h.event_size != raw.size()) {
    fail(FERRY_DATA_LOSS, "binlog " + type_label(h.type) + ": the header says " +
                              std::to_string(h.event_size) + " bytes but the event has " +
                              std::to_string(raw.size()) +
                              " (truncated event, or the leading OK byte was not removed)");
  }
  return h;
}

Event split_fde(std::span<const uint8_t> raw, const Header& h) {
  const size_t body_len = raw.size() - kHeaderLen;
  if (body_len < kFdeVersionOffset + kFdeVersionLen) {
    fail(FERRY_DATA_LOSS, "binlog FORMAT_DESCRIPTION event: truncated (" +
                              std::to_string(body_len) + " body bytes)");
  }
  const std::string version = trim_nul(std::string_view(
      reinterpret_cast<const char*>(raw.data() + kHeaderLen + kFdeVersionOffset), kFdeVersionLen));
  if (!checksum_aware(version)) return Event{h, raw.subspan(kHeaderLen)};
  // binlog_version(2) server_version(50) timestamp(4) header_len(1) + alg(1) + checksum(4)
  if (body_len < kFdeVersionOffset + kFdeVersionLen + 4 + 1 + 1 + kChecksumLen) {
    fail(FERRY_DATA_LOSS, "binlog FORMAT_DESCRIPTION event of " + version + ": truncated (" +
                              std::to_string(body_len) + " body bytes)");
  }
  const uint8_t alg = raw[raw.size() - kChecksumLen - 1];
  if (alg == 1) {
    verify_crc(raw, h.type);
  } else if (alg != 0) {
    fail(FERRY_NOT_SUPPORTED, "binlog FORMAT_DESCRIPTION event of " + version +
                                  ": checksum algorithm " + std::to_string(alg) +
                                  " is not supported (only NONE and CRC32 are)");
  }
  return Event{h, raw.subspan(kHeaderLen, body_len - kChecksumLen)};
}

std::string hex_uuid(const std::array<uint8_t, 16>& b) {
  static const char* kHex = "0123456789abcdef";
  std::string s;
  s.reserve(36);
  for (size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s += '-';
    s += kHex[b[i] >> 4];
    s += kHex[b[i] & 0xf];
  }
  return s;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

namespace {

struct TypeName {
  uint8_t type;
  const char* name;
};

constexpr TypeName kEventNames[] = {
    {UNKNOWN_EVENT, "UNKNOWN"},
    {START_EVENT_V3, "START_V3"},
    {QUERY_EVENT, "QUERY"},
    {STOP_EVENT, "STOP"},
    {ROTATE_EVENT, "ROTATE"},
    {INTVAR_EVENT, "INTVAR"},
    {SLAVE_EVENT, "SLAVE"},
    {APPEND_BLOCK_EVENT, "APPEND_BLOCK"},
    {DELETE_FILE_EVENT, "DELETE_FILE"},
    {RAND_EVENT, "RAND"},
    {USER_VAR_EVENT, "USER_VAR"},
    {FORMAT_DESCRIPTION_EVENT, "FORMAT_DESCRIPTION"},
    {XID_EVENT, "XID"},
    {BEGIN_LOAD_QUERY_EVENT, "BEGIN_LOAD_QUERY"},
    {EXECUTE_LOAD_QUERY_EVENT, "EXECUTE_LOAD_QUERY"},
    {TABLE_MAP_EVENT, "TABLE_MAP"},
    {PRE_GA_WRITE_ROWS_EVENT, "PRE_GA_WRITE_ROWS"},
    {PRE_GA_UPDATE_ROWS_EVENT, "PRE_GA_UPDATE_ROWS"},
    {PRE_GA_DELETE_ROWS_EVENT, "PRE_GA_DELETE_ROWS"},
    {WRITE_ROWS_EVENT_V1, "WRITE_ROWS_V1"},
    {UPDATE_ROWS_EVENT_V1, "UPDATE_ROWS_V1"},
    {DELETE_ROWS_EVENT_V1, "DELETE_ROWS_V1"},
    {INCIDENT_EVENT, "INCIDENT"},
    {HEARTBEAT_LOG_EVENT, "HEARTBEAT"},
    {IGNORABLE_LOG_EVENT, "IGNORABLE"},
    {ROWS_QUERY_LOG_EVENT, "ROWS_QUERY"},
    {WRITE_ROWS_EVENT_V2, "WRITE_ROWS_V2"},
    {UPDATE_ROWS_EVENT_V2, "UPDATE_ROWS_V2"},
    {DELETE_ROWS_EVENT_V2, "DELETE_ROWS_V2"},
    {GTID_LOG_EVENT, "GTID"},
    {ANONYMOUS_GTID_LOG_EVENT, "ANONYMOUS_GTID"},
    {PREVIOUS_GTIDS_LOG_EVENT, "PREVIOUS_GTIDS"},
    {TRANSACTION_CONTEXT_EVENT, "TRANSACTION_CONTEXT"},
    {VIEW_CHANGE_EVENT, "VIEW_CHANGE"},
    {XA_PREPARE_LOG_EVENT, "XA_PREPARE"},
    {PARTIAL_UPDATE_ROWS_EVENT, "PARTIAL_UPDATE_ROWS"},
    {TRANSACTION_PAYLOAD_EVENT, "TRANSACTION_PAYLOAD"},
    {HEARTBEAT_LOG_EVENT_V2, "HEARTBEAT_V2"},
    {GTID_TAGGED_LOG_EVENT, "GTID_TAGGED"},
    {ANNOTATE_ROWS_EVENT, "ANNOTATE_ROWS"},
    {BINLOG_CHECKPOINT_EVENT, "BINLOG_CHECKPOINT"},
    {MARIA_GTID_EVENT, "MARIADB_GTID"},
    {MARIA_GTID_LIST_EVENT, "MARIADB_GTID_LIST"},
    {START_ENCRYPTION_EVENT, "START_ENCRYPTION"},
    {QUERY_COMPRESSED_EVENT, "QUERY_COMPRESSED"},
    {WRITE_ROWS_COMPRESSED_EVENT_V1, "WRITE_ROWS_COMPRESSED_V1"},
    {UPDATE_ROWS_COMPRESSED_EVENT_V1, "UPDATE_ROWS_COMPRESSED_V1"},
    {DELETE_ROWS_COMPRESSED_EVENT_V1, "DELETE_ROWS_COMPRESSED_V1"},
    {WRITE_ROWS_COMPRESSED_EVENT, "WRITE_ROWS_COMPRESSED"},
    {UPDATE_ROWS_COMPRESSED_EVENT, "UPDATE_ROWS_COMPRESSED"},
    {DELETE_ROWS_COMPRESSED_EVENT, "DELETE_ROWS_COMPRESSED"},
};

constexpr TypeName kColumnTypeNames[] = {
    {TYPE_DECIMAL, "DECIMAL"},
    {TYPE_TINY, "TINY"},
    {TYPE_SHORT, "SHORT"},
    {TYPE_LONG, "LONG"},
    {TYPE_FLOAT, "FLOAT"},
    {TYPE_DOUBLE, "DOUBLE"},
    {TYPE_NULL, "NULL"},
    {TYPE_TIMESTAMP, "TIMESTAMP"},
    {TYPE_LONGLONG, "LONGLONG"},
    {TYPE_INT24, "INT24"},
    {TYPE_DATE, "DATE"},
    {TYPE_TIME, "TIME"},
    {TYPE_DATETIME, "DATETIME"},
    {TYPE_YEAR, "YEAR"},
    {TYPE_NEWDATE, "NEWDATE"},
    {TYPE_VARCHAR, "VARCHAR"},
    {TYPE_BIT, "BIT"},
    {TYPE_TIMESTAMP2, "TIMESTAMP2"},
    {TYPE_DATETIME2, "DATETIME2"},
    {TYPE_TIME2, "TIME2"},
    {TYPE_TYPED_ARRAY, "TYPED_ARRAY"},
    {TYPE_JSON, "JSON"},
    {TYPE_NEWDECIMAL, "NEWDECIMAL"},
    {TYPE_ENUM, "ENUM"},
    {TYPE_SET, "SET"},
    {TYPE_TINY_BLOB, "TINY_BLOB"},
    {TYPE_MEDIUM_BLOB, "MEDIUM_BLOB"},
    {TYPE_LONG_BLOB, "LONG_BLOB"},
    {TYPE_BLOB, "BLOB"},
    {TYPE_VAR_STRING, "VAR_STRING"},
    {TYPE_STRING, "STRING"},
    {TYPE_GEOMETRY, "GEOMETRY"},
};

std::string name_of(const TypeName* begin, const TypeName* end, uint8_t type) {
  for (const TypeName* n = begin; n != end; ++n) {
    if (n->type == type) return n->name;
  }
  return "type " + std::to_string(type);
}

}  // namespace

std::string event_type_name(uint8_t type) {
  return name_of(std::begin(kEventNames), std::end(kEventNames), type);
}

std::string column_type_name(uint8_t type) {
  return name_of(std::begin(kColumnTypeNames), std::end(kColumnTypeNames), type);
}

uint8_t FormatDescription::post_header(uint8_t type, uint8_t fallback) const {
  if (type == 0 || type > post_header_len.size()) return fallback;
  return post_header_len[type - 1];
}

uint32_t crc32(std::span<const uint8_t> data, uint32_t crc) {
  crc = ~crc;
  const uint8_t* p = data.data();
  size_t n = data.size();
  while (n >= 8) {
    const uint32_t a =
        crc ^ (uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24);
    crc = kCrc.t[7][a & 0xff] ^ kCrc.t[6][(a >> 8) & 0xff] ^ kCrc.t[5][(a >> 16) & 0xff] ^
          kCrc.t[4][a >> 24] ^ kCrc.t[3][p[4]] ^ kCrc.t[2][p[5]] ^ kCrc.t[1][p[6]] ^
          kCrc.t[0][p[7]];
    p += 8;
    n -= 8;
  }
  while (n--) crc = kCrc.t[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
  return ~crc;
}

Header parse_header(std::span<const uint8_t> raw) {
  if (raw.size() < kHeaderLen) {
    fail(FERRY_DATA_LOSS, "binlog event of " + std::to_string(raw.size()) +
                              " bytes is shorter than the 19-byte event header");
  }
  Reader r(raw);
  Header h;
  h.timestamp = r.u32();
  h.type = r.u8();
  h.server_id = r.u32();
  h.event_size = r.u32();
  h.next_pos = r.u32();
  h.flags = r.u16();
  return h;
}

Event split_event(std::span<const uint8_t> raw, Checksum checksum) {
  const Header h = checked_header(raw);
  if (h.type == FORMAT_DESCRIPTION_EVENT) return split_fde(raw, h);
  const size_t body_len = raw.size() - kHeaderLen;
  switch (checksum) {
    case Checksum::None:
      return Event{h, raw.subspan(kHeaderLen)};
    case Checksum::Crc32:
      if (body_len < kChecksumLen) {
        fail(FERRY_DATA_LOSS, "binlog " + type_label(h.type) + ": " + std::to_string(body_len) +
                                  " body bytes cannot hold the CRC32 trailer");
      }
      verify_crc(raw, h.type);
      return Event{h, raw.subspan(kHeaderLen, body_len - kChecksumLen)};
    case Checksum::Detect:
      if (body_len >= kChecksumLen) {
        const size_t n = raw.size() - kChecksumLen;
        if (crc32(raw.first(n)) == static_cast<uint32_t>(detail::load_le(raw.data() + n, 4))) {
          return Event{h, raw.subspan(kHeaderLen, body_len - kChecksumLen)};
        }
      }
      return Event{h, raw.subspan(kHeaderLen)};
  }
  return Event{h, raw.subspan(kHeaderLen)};
}

Event split_event(std::span<const uint8_t> raw, const FormatDescription* fde) {
  if (fde == nullptr) return split_event(raw, Checksum::Detect);
  return split_event(raw, fde->checksum_crc32 ? Checksum::Crc32 : Checksum::None);
}

FormatDescription parse_format_description(const Event& ev) {
  expect_type(ev, {FORMAT_DESCRIPTION_EVENT}, "parse_format_description");
  return guarded(ev.header.type, "", [&] {
    Reader r(ev.body);
    FormatDescription f;
    f.binlog_version = r.u16();
    f.server_version = trim_nul(r.str(kFdeVersionLen));
    f.create_timestamp = r.u32();
    f.header_len = r.u8();
    f.mariadb = is_mariadb_version(f.server_version);
    if (f.binlog_version != 4) {
      fail(FERRY_NOT_SUPPORTED, "binlog FORMAT_DESCRIPTION event: binlog version " +
                                    std::to_string(f.binlog_version) + " of server " +
                                    f.server_version + " is not supported (only v4 is)");
    }
    if (f.header_len != kHeaderLen) {
      fail(FERRY_NOT_SUPPORTED, "binlog FORMAT_DESCRIPTION event: event header length " +
                                    std::to_string(f.header_len) + " of server " +
                                    f.server_version + " is not supported (only 19 is)");
    }
    auto rest = r.rest();
    if (checksum_aware(f.server_version)) {
      if (rest.empty()) malformed("no checksum algorithm byte");
      f.checksum_alg = rest.back();
      rest = rest.first(rest.size() - 1);
    } else {
      f.checksum_alg = 255;
    }
    f.checksum_crc32 = f.checksum_alg == 1;
    f.post_header_len.assign(rest.begin(), rest.end());
    return f;
  });
}

Rotate parse_rotate(const Event& ev) {
  expect_type(ev, {ROTATE_EVENT}, "parse_rotate");
  return guarded(ev.header.type, "", [&] {
    Reader r(ev.body);
    Rotate out;
    out.position = r.u64();
    const auto name = r.rest();
    out.next_file.assign(reinterpret_cast<const char*>(name.data()), name.size());
    if (out.next_file.empty()) malformed("empty file name");
    return out;
  });
}

Heartbeat parse_heartbeat(const Event& ev) {
  expect_type(ev, {HEARTBEAT_LOG_EVENT}, "parse_heartbeat");
  Heartbeat hb;
  hb.file.assign(reinterpret_cast<const char*>(ev.body.data()), ev.body.size());
  hb.position = ev.header.next_pos;
  return hb;
}

Query parse_query(const Event& ev, const FormatDescription& fde) {
  if (ev.header.type == QUERY_COMPRESSED_EVENT) {
    fail(FERRY_NOT_SUPPORTED,
         "binlog QUERY_COMPRESSED event: compressed binlog events are not supported; turn off "
         "log_bin_compress on the MariaDB server");
  }
  expect_type(ev, {QUERY_EVENT}, "parse_query");
  return guarded(ev.header.type, "", [&] {
    Reader r(ev.body);
    Query q;
    const uint8_t phl = fde.post_header(QUERY_EVENT, 13);
    if (phl < 11) malformed("post-header length " + std::to_string(phl) + " < 11");
    q.thread_id = r.u32();
    q.exec_time = r.u32();
    const uint8_t schema_len = r.u8();
    q.error_code = r.u16();
    uint16_t status_len = 0;
    if (phl >= 13) {
      status_len = r.u16();
      r.skip(phl - 13u);
    }
    Reader s(r.bytes(status_len));
    while (!s.empty() && !q.status_vars_truncated) {
      const uint8_t code = s.u8();
      switch (code) {
        case 0:
          q.flags2 = s.u32();
          break;
        case 1:
          q.sql_mode = s.u64();
          break;
        case 2: {  // Q_CATALOG_CODE (pre-5.0.4): length, name, NUL
          const uint8_t n = s.u8();
          q.catalog = std::string(s.str(n));
          s.skip(1);
          break;
        }
        case 3: {
          const uint16_t inc = s.u16();
          q.auto_increment = std::make_pair(inc, s.u16());
          break;
        }
        case 4: {
          std::array<uint16_t, 3> cs{};
          for (auto& c : cs) c = s.u16();
          q.charset = cs;
          break;
        }
        case 5:
          q.time_zone = std::string(s.str(s.u8()));
          break;
        case 6:
          q.catalog = std::string(s.str(s.u8()));
          break;
        case 7:
          q.lc_time_names = s.u16();
          break;
        case 8:
          q.charset_database = s.u16();
          break;
        case 9:
          q.table_map_for_update = s.u64();
          break;
        case 10:
          s.skip(4);
          break;  // Q_MASTER_DATA_WRITTEN_CODE
        case 11: {
          std::string user(s.str(s.u8()));
          std::string host(s.str(s.u8()));
          q.invoker = std::make_pair(std::move(user), std::move(host));
          break;
        }
        case 12: {
          const uint8_t count = s.u8();
          if (count == 254) break;  // OVER_MAX_DBS_IN_EVENT_MTS: no names
          for (uint8_t i = 0; i < count; ++i) {
            std::string name;
            for (uint8_t c = s.u8(); c != 0; c = s.u8()) name += static_cast<char>(c);
            q.updated_db_names.push_back(std::move(name));
          }
          break;
        }
        case 13:
          q.microseconds = s.u24();
          break;
        case 16:
          q.explicit_defaults_for_timestamp = s.u8() != 0;
          break;
        case 17:
          q.ddl_xid = s.u64();
          break;
        case 18:
          q.default_collation_for_utf8mb4 = s.u16();
          break;
        case 19:
          s.skip(1);
          break;  // Q_SQL_REQUIRE_PRIMARY_KEY
        case 20:
          s.skip(1);
          break;  // Q_DEFAULT_TABLE_ENCRYPTION
        case 128:
          q.hrnow_us = s.u24();
          break;  // MariaDB Q_HRNOW
        case 129:
          q.ddl_xid = s.u64();
          break;  // MariaDB Q_XID
        case 130:
          s.skip(1);
          break;  // MariaDB Q_GTID_FLAGS3
        default:
          q.status_vars_truncated = true;
          break;
      }
    }
    q.schema = std::string(r.str(schema_len));
    r.skip(1);  // NUL
    const auto sql = r.rest();
    q.sql.assign(reinterpret_cast<const char*>(sql.data()), sql.size());
    return q;
  });
}

uint64_t parse_xid(const Event& ev) {
  expect_type(ev, {XID_EVENT}, "parse_xid");
  return guarded(ev.header.type, "", [&] {
    Reader r(ev.body);
    return r.u64();
  });
}

std::string parse_annotate_rows(const Event& ev) {
  expect_type(ev, {ANNOTATE_ROWS_EVENT}, "parse_annotate_rows");
  return std::string(reinterpret_cast<const char*>(ev.body.data()), ev.body.size());
}

std::string parse_binlog_checkpoint(const Event& ev) {
  expect_type(ev, {BINLOG_CHECKPOINT_EVENT}, "parse_binlog_checkpoint");
  return guarded(ev.header.type, "", [&] {
    Reader r(ev.body);
    const uint32_t n = r.u32();
    return std::string(r.str(n));
  });
}

MariaGtid parse_maria_gtid(const Event& ev) {
  expect_type(ev, {MARIA_GTID_EVENT}, "parse_maria_gtid");
  return guarded(ev.header.type, "", [&] {
    Reader r(ev.body);
    MariaGtid g;
    g.seq_no = r.u64();
    g.domain_id = r.u32();
    g.server_id = ev.header.server_id;
    g.flags = r.u8();
    g.standalone = (g.flags & MARIA_FL_STANDALONE) != 0;
    if (g.flags & MARIA_FL_GROUP_COMMIT_ID) g.commit_id = r.u64();
    return g;
  });
}

MariaGtidList parse_maria_gtid_list(const Event& ev) {
  expect_type(ev, {MARIA_GTID_LIST_EVENT}, "parse_maria_gtid_list");
  return guarded(ev.header.type, "", [&] {
    Reader r(ev.body);
    MariaGtidList l;
    const uint32_t v = r.u32();
    const uint32_t count = v & 0x0fffffffu;
    l.flags = static_cast<uint8_t>(v >> 28);
    r.need(static_cast<size_t>(count) * 16);
    l.items.reserve(count);
    for (uint32_t i = 0; i < count; ++i) {
      MariaGtidList::Item it;
      it.domain = r.u32();
      it.server = r.u32();
      it.seq = r.u64();
      l.items.push_back(it);
    }
    return l;
  });
}

std::string MysqlGtid::sid_string() const {
  return hex_uuid(sid);
}

MysqlGtid parse_mysql_gtid(const Event& ev) {
  if (ev.header.type == GTID_TAGGED_LOG_EVENT) {
    fail(FERRY_NOT_SUPPORTED,
         "binlog GTID_TAGGED event: tagged GTIDs (MySQL 8.3+) are not supported");
  }
  expect_type(ev, {GTID_LOG_EVENT, ANONYMOUS_GTID_LOG_EVENT}, "parse_mysql_gtid");
  return guarded(ev.header.type, "", [&] {
    Reader r(ev.body);
    MysqlGtid g;
    g.anonymous = ev.header.type == ANONYMOUS_GTID_LOG_EVENT;
    g.flags = r.u8();
    const auto sid = r.bytes(16);
    std::copy(sid.begin(), sid.end(), g.sid.begin());
    g.gno = static_cast<int64_t>(r.u64());
    if (r.empty()) return g;
    const uint8_t lt_type = r.u8();
    if (lt_type == 2) {  // LOGICAL_TIMESTAMP_TYPECODE
      g.last_committed = static_cast<int64_t>(r.u64());
      g.sequence_number = static_cast<int64_t>(r.u64());
    } else {
      return g;  // an older format: nothing else we know follows
    }
    if (r.remaining() >= 7) {
      uint64_t imm = r.u56();
      if (imm & (uint64_t{1} << 55)) {
        imm &= ~(uint64_t{1} << 55);
        g.immediate_commit_timestamp = imm;
        g.original_commit_timestamp = r.u56();
      } else {
        g.immediate_commit_timestamp = imm;
        g.original_commit_timestamp = imm;
      }
    }
    if (!r.empty()) g.transaction_length = r.packed();
    if (r.remaining() >= 4) {
      uint32_t imm = r.u32();
      if (imm & (uint32_t{1} << 31)) {
        imm &= ~(uint32_t{1} << 31);
        g.immediate_server_version = imm;
        g.original_server_version = r.u32();
      } else {
        g.immediate_server_version = imm;
        g.original_server_version = imm;
      }
    }
    return g;
  });
}

PreviousGtids parse_previous_gtids(const Event& ev) {
  expect_type(ev, {PREVIOUS_GTIDS_LOG_EVENT}, "parse_previous_gtids");
  return guarded(ev.header.type, "", [&] {
    Reader r(ev.body);
    PreviousGtids p;
    const uint64_t n = r.u64();
    if ((n >> 56) != 0) {
      fail(FERRY_NOT_SUPPORTED,
           "binlog PREVIOUS_GTIDS event: the tagged GTID format (MySQL 8.3+) is not supported");
    }
    if (n > r.remaining() / 24) malformed(std::to_string(n) + " SIDs cannot fit");
    for (uint64_t i = 0; i < n; ++i) {
      PreviousGtids::Sid s;
      const auto sid = r.bytes(16);
      std::copy(sid.begin(), sid.end(), s.sid.begin());
      const uint64_t k = r.u64();
      if (k > r.remaining() / 16) malformed(std::to_string(k) + " intervals cannot fit");
      for (uint64_t j = 0; j < k; ++j) {
        PreviousGtids::Interval iv;
        iv.start = static_cast<int64_t>(r.u64());
        iv.end = static_cast<int64_t>(r.u64());
        s.intervals.push_back(iv);
      }
      p.sids.push_back(std::move(s));
    }
    return p;
  });
}

}  // namespace ferry::mysql::binlog
