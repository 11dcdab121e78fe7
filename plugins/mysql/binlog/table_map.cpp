// TABLE_MAP (with its optional metadata) and ROWS event headers (see event.hpp).
#include "binlog/event.hpp"

#include "binlog/event_internal.hpp"
#include "binlog/reader.hpp"

#include <ferry/sdk/error.hpp>

#include <string>

namespace ferry::mysql::binlog {

using detail::expect_type;
using detail::guarded;
using detail::Malformed;
using detail::malformed;
using detail::Reader;
using detail::type_label;

namespace {

// MSB-first bitmap (optional metadata SIGNEDNESS, COLUMN_VISIBILITY).
std::vector<bool> msb_bits(std::span<const uint8_t> bytes) {
  std::vector<bool> out;
  out.reserve(bytes.size() * 8);
  for (uint8_t b : bytes) {
    for (uint8_t m = 0x80; m != 0; m >>= 1) out.push_back((b & m) != 0);
  }
  return out;
}

std::vector<std::string> str_list(Reader& r) {
  std::vector<std::string> out;
  while (!r.empty()) {
    const uint64_t n = r.packed();
    if (n > r.remaining()) detail::throw_truncated(n, r.remaining(), r.offset());
    out.emplace_back(r.str(static_cast<size_t>(n)));
  }
  return out;
}

std::vector<uint32_t> uint_list(Reader& r) {
  std::vector<uint32_t> out;
  while (!r.empty()) out.push_back(static_cast<uint32_t>(r.packed()));
  return out;
}

void default_charset(Reader& r, std::optional<uint32_t>& def,
                     std::vector<std::pair<uint32_t, uint32_t>>& exceptions) {
  def = static_cast<uint32_t>(r.packed());
  while (!r.empty()) {
    const auto idx = static_cast<uint32_t>(r.packed());
    const auto coll = static_cast<uint32_t>(r.packed());
    exceptions.emplace_back(idx, coll);
  }
}

void parse_optional_metadata(Reader& r, OptionalMetadata& om) {
  while (!r.empty()) {
    const uint8_t type = r.u8();
    const uint64_t len = r.packed();
    if (len > r.remaining()) detail::throw_truncated(len, r.remaining(), r.offset());
    const auto value = r.bytes(static_cast<size_t>(len));
    Reader v(value);
    switch (type) {
      case 1:  // SIGNEDNESS
        om.signedness = msb_bits(value);
        break;
      case 2:  // DEFAULT_CHARSET
        default_charset(v, om.default_charset, om.default_charset_exceptions);
        break;
      case 3:  // COLUMN_CHARSET
        om.column_charsets = uint_list(v);
        break;
      case 4:  // COLUMN_NAME
        om.column_names = str_list(v);
        break;
      case 5:    // SET_STR_VALUE
      case 6: {  // ENUM_STR_VALUE
        auto& dst = type == 5 ? om.set_labels : om.enum_labels;
        while (!v.empty()) {
          const uint64_t count = v.packed();
          if (count > v.remaining()) detail::throw_truncated(count, v.remaining(), v.offset());
          std::vector<std::string> labels;
          labels.reserve(static_cast<size_t>(count));
          for (uint64_t i = 0; i < count; ++i) {
            const uint64_t n = v.packed();
            if (n > v.remaining()) detail::throw_truncated(n, v.remaining(), v.offset());
            labels.emplace_back(v.str(static_cast<size_t>(n)));
          }
          dst.push_back(std::move(labels));
        }
        break;
      }
      case 7:  // GEOMETRY_TYPE
        om.geometry_types = uint_list(v);
        break;
      case 8:  // SIMPLE_PRIMARY_KEY
        om.primary_key = uint_list(v);
        break;
      case 9:  // PRIMARY_KEY_WITH_PREFIX
        while (!v.empty()) {
          const auto col = static_cast<uint32_t>(v.packed());
          const auto prefix = static_cast<uint32_t>(v.packed());
          om.primary_key_with_prefix.emplace_back(col, prefix);
        }
        break;
      case 10:  // ENUM_AND_SET_DEFAULT_CHARSET
        default_charset(v, om.enum_set_default_charset, om.enum_set_default_charset_exceptions);
        break;
      case 11:  // ENUM_AND_SET_COLUMN_CHARSET
        om.enum_set_column_charsets = uint_list(v);
        break;
      case 12:  // COLUMN_VISIBILITY
        om.column_visibility = msb_bits(value);
        break;
      default:
        om.unknown.emplace_back(type, std::vector<uint8_t>(value.begin(), value.end()));
        break;
    }
  }
}

uint16_t read_column_meta(Reader& m, uint8_t type) {
  switch (type) {
    case TYPE_FLOAT:
    case TYPE_DOUBLE:
    case TYPE_BLOB:
    case TYPE_TINY_BLOB:
    case TYPE_MEDIUM_BLOB:
    case TYPE_LONG_BLOB:
    case TYPE_GEOMETRY:
    case TYPE_JSON:
    case TYPE_TIMESTAMP2:
    case TYPE_DATETIME2:
    case TYPE_TIME2:
      return m.u8();
    case TYPE_BIT:  // bits % 8, then bytes: (bytes << 8) | bits
    case TYPE_VARCHAR:
    case TYPE_VAR_STRING:
      return m.u16();
    case TYPE_NEWDECIMAL:  // precision, scale
    case TYPE_STRING:      // real type (with length bits), length
    case TYPE_ENUM:
    case TYPE_SET: {
      const uint16_t hi = m.u8();
      return static_cast<uint16_t>((hi << 8) | m.u8());
    }
    case TYPE_DECIMAL:
    case TYPE_TINY:
    case TYPE_SHORT:
    case TYPE_LONG:
    case TYPE_NULL:
    case TYPE_TIMESTAMP:
    case TYPE_LONGLONG:
    case TYPE_INT24:
    case TYPE_DATE:
    case TYPE_TIME:
    case TYPE_DATETIME:
    case TYPE_YEAR:
    case TYPE_NEWDATE:
      return 0;
    default:
      throw Malformed{};  // replaced by the caller with a FERRY_NOT_SUPPORTED naming the column
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// TABLE_MAP

bool OptionalMetadata::empty() const {
  return signedness.empty() && !default_charset && default_charset_exceptions.empty() &&
         column_charsets.empty() && column_names.empty() && set_labels.empty() &&
         enum_labels.empty() && geometry_types.empty() && primary_key.empty() &&
         primary_key_with_prefix.empty() && !enum_set_default_charset &&
         enum_set_default_charset_exceptions.empty() && enum_set_column_charsets.empty() &&
         column_visibility.empty() && unknown.empty();
}

uint8_t TableMap::real_type(size_t i) const {
  const uint8_t t = types.at(i);
  if (t != TYPE_STRING && t != TYPE_ENUM && t != TYPE_SET) return t;
  const uint16_t m = meta.at(i);
  if (m < 256) return t;
  const uint8_t byte0 = static_cast<uint8_t>(m >> 8);
  return (byte0 & 0x30) != 0x30 ? static_cast<uint8_t>(byte0 | 0x30) : byte0;
}

uint32_t TableMap::string_length(size_t i) const {
  const uint16_t m = meta.at(i);
  if (m < 256) return m;
  const uint8_t byte0 = static_cast<uint8_t>(m >> 8);
  const uint8_t byte1 = static_cast<uint8_t>(m & 0xff);
  if ((byte0 & 0x30) != 0x30) return byte1 | ((uint32_t{byte0 & 0x30u} ^ 0x30u) << 4);
  return byte1;
}

bool is_numeric_column(uint8_t t, bool mariadb) {
  switch (t) {
    case TYPE_TINY:
    case TYPE_SHORT:
    case TYPE_INT24:
    case TYPE_LONG:
    case TYPE_LONGLONG:
    case TYPE_FLOAT:
    case TYPE_DOUBLE:
    case TYPE_NEWDECIMAL:
      return true;
    case TYPE_YEAR:
      return mariadb;
    default:
      return false;
  }
}

bool is_character_column(uint8_t t, bool mariadb) {
  switch (t) {
    case TYPE_GEOMETRY:  // MariaDB gives GEOMETRY its (binary) charset; MySQL skips it
      return mariadb;
    case TYPE_STRING:
    case TYPE_VAR_STRING:
    case TYPE_VARCHAR:
    case TYPE_BLOB:
    case TYPE_TINY_BLOB:
    case TYPE_MEDIUM_BLOB:
    case TYPE_LONG_BLOB:
      return true;
    default:
      return false;
  }
}

namespace {

uint32_t resolve_charset(uint32_t idx, const std::vector<uint32_t>& per_column,
                         const std::optional<uint32_t>& def,
                         const std::vector<std::pair<uint32_t, uint32_t>>& exceptions) {
  if (!per_column.empty()) return idx < per_column.size() ? per_column[idx] : 0;
  if (!def) return 0;
  for (const auto& [i, c] : exceptions) {
    if (i == idx) return c;
  }
  return *def;
}

}  // namespace

std::vector<uint32_t> column_collations(const TableMap& tm) {
  std::vector<uint32_t> out(tm.types.size(), 0);
  const auto& om = tm.optional;
  uint32_t ci = 0, ei = 0;
  for (size_t i = 0; i < tm.types.size(); ++i) {
    const uint8_t rt = tm.real_type(i);
    if (rt == TYPE_ENUM || rt == TYPE_SET) {
      out[i] = resolve_charset(ei++, om.enum_set_column_charsets, om.enum_set_default_charset,
                               om.enum_set_default_charset_exceptions);
    } else if (is_character_column(rt, tm.mariadb)) {
      out[i] = resolve_charset(ci++, om.column_charsets, om.default_charset,
                               om.default_charset_exceptions);
    }
  }
  return out;
}

std::vector<std::optional<bool>> column_unsigned(const TableMap& tm) {
  std::vector<std::optional<bool>> out(tm.types.size());
  const auto& bits = tm.optional.signedness;
  if (bits.empty()) return out;
  size_t k = 0;
  for (size_t i = 0; i < tm.types.size(); ++i) {
    if (!is_numeric_column(tm.real_type(i), tm.mariadb)) continue;
    if (k < bits.size()) out[i] = bits[k];
    ++k;
  }
  return out;
}

TableMap parse_table_map(const Event& ev, const FormatDescription& fde) {
  expect_type(ev, {TABLE_MAP_EVENT}, "parse_table_map");
  TableMap tm;
  tm.mariadb = fde.mariadb;
  std::string ctx;
  size_t col = 0;
  return guarded(ev.header.type, ctx, [&]() -> TableMap {
    Reader r(ev.body);
    const uint8_t phl = fde.post_header(TABLE_MAP_EVENT, 8);
    if (phl == 6) {
      tm.table_id = r.u32();
    } else if (phl >= 8) {
      tm.table_id = r.u48();
    } else {
      malformed("post-header length " + std::to_string(phl));
    }
    tm.flags = r.u16();
    r.skip(phl - (phl == 6 ? 6u : 8u));
    tm.schema = std::string(r.str(r.u8()));
    r.skip(1);
    tm.table = std::string(r.str(r.u8()));
    r.skip(1);
    ctx = tm.name();
    const uint64_t n = r.packed();
    if (n > r.remaining()) malformed(std::to_string(n) + " columns cannot fit");
    const auto types = r.bytes(static_cast<size_t>(n));
    tm.types.assign(types.begin(), types.end());
    const uint64_t meta_len = r.packed();
    if (meta_len > r.remaining()) detail::throw_truncated(meta_len, r.remaining(), r.offset());
    Reader m(r.bytes(static_cast<size_t>(meta_len)));
    tm.meta.resize(tm.types.size());
    for (col = 0; col < tm.types.size(); ++col) {
      try {
        tm.meta[col] = read_column_meta(m, tm.types[col]);
      } catch (const Malformed& e) {
        if (!e.what.empty()) throw;
        fail(FERRY_NOT_SUPPORTED, "binlog TABLE_MAP event (" + ctx + "): column " +
                                      std::to_string(col + 1) + " has column type " +
                                      std::to_string(tm.types[col]) +
                                      ", which this decoder does not know");
      }
    }
    if (!m.empty()) {
      malformed("the column metadata block has " + std::to_string(m.remaining()) +
                " byte(s) left over after " + std::to_string(tm.types.size()) + " columns");
    }
    const auto nulls = r.bytes((tm.types.size() + 7) / 8);
    tm.nullable.resize(tm.types.size());
    for (size_t i = 0; i < tm.types.size(); ++i) tm.nullable[i] = (nulls[i / 8] >> (i % 8)) & 1;
    parse_optional_metadata(r, tm.optional);
    // Trim the bitmaps to what they describe (their last byte is padded).
    auto& om = tm.optional;
    if (!om.signedness.empty()) {
      size_t numeric = 0;
      for (size_t i = 0; i < tm.types.size(); ++i) {
        numeric += is_numeric_column(tm.real_type(i), tm.mariadb) ? 1 : 0;
      }
      if (om.signedness.size() < numeric || om.signedness.size() >= numeric + 8) {
        malformed("the SIGNEDNESS metadata has " + std::to_string(om.signedness.size() / 8) +
                  " byte(s) for " + std::to_string(numeric) + " numeric column(s)");
      }
      om.signedness.resize(numeric);
    }
    if (!om.column_visibility.empty()) {
      if (om.column_visibility.size() < tm.types.size()) {
        malformed("the COLUMN_VISIBILITY metadata is shorter than the column count");
      }
      om.column_visibility.resize(tm.types.size());
    }
    if (!om.column_names.empty() && om.column_names.size() != tm.types.size()) {
      malformed("the COLUMN_NAME metadata has " + std::to_string(om.column_names.size()) +
                " names for " + std::to_string(tm.types.size()) + " columns");
    }
    return std::move(tm);
  });
}

// ---------------------------------------------------------------------------------------------
// ROWS

bool is_rows_event(uint8_t t) {
  return (t >= WRITE_ROWS_EVENT_V1 && t <= DELETE_ROWS_EVENT_V1) ||
         (t >= WRITE_ROWS_EVENT_V2 && t <= DELETE_ROWS_EVENT_V2);
}

bool RowsEvent::full_image() const {
  auto full = [&](const std::vector<uint8_t>& bm) {
    for (uint32_t i = 0; i < column_count; ++i) {
      if (!((bm[i / 8] >> (i % 8)) & 1)) return false;
    }
    return true;
  };
  return full(present) && (kind != RowsKind::Update || full(present_after));
}

RowsEvent parse_rows(const Event& ev, const FormatDescription& fde) {
  const uint8_t t = ev.header.type;
  if (t >= WRITE_ROWS_COMPRESSED_EVENT_V1 && t <= DELETE_ROWS_COMPRESSED_EVENT) {
    fail(FERRY_NOT_SUPPORTED,
         "binlog " + type_label(t) +
             ": compressed binlog events are not supported; turn off log_bin_compress on the "
             "MariaDB server (SET GLOBAL log_bin_compress=OFF)");
  }
  if (t == PARTIAL_UPDATE_ROWS_EVENT) {
    fail(FERRY_NOT_SUPPORTED,
         "binlog PARTIAL_UPDATE_ROWS event: partial JSON updates are not supported; set "
         "binlog_row_value_options='' on the MySQL server");
  }
  if (t >= PRE_GA_WRITE_ROWS_EVENT && t <= PRE_GA_DELETE_ROWS_EVENT) {
    fail(FERRY_NOT_SUPPORTED, "binlog " + type_label(t) + " (MySQL 5.1 beta) is not supported");
  }
  if (!is_rows_event(t)) {
    fail(FERRY_INVALID_ARGUMENT, "parse_rows called on a binlog " + type_label(t));
  }
  return guarded(t, "", [&] {
    RowsEvent re;
    re.event_type = t;
    re.version = t >= WRITE_ROWS_EVENT_V2 ? 2 : 1;
    const uint8_t base = re.version == 2 ? WRITE_ROWS_EVENT_V2 : WRITE_ROWS_EVENT_V1;
    re.kind = t == base ? RowsKind::Write : t == base + 1 ? RowsKind::Update : RowsKind::Delete;
    Reader r(ev.body);
    const uint8_t phl = fde.post_header(t, re.version == 2 ? 10 : 8);
    size_t used = 0;
    if (phl == 6) {
      re.table_id = r.u32();
      used = 4;
    } else if (phl >= 8) {
      re.table_id = r.u48();
      used = 6;
    } else {
      malformed("post-header length " + std::to_string(phl));
    }
    re.flags = r.u16();
    used += 2;
    size_t extra_len = 0;
    if (re.version == 2 && phl >= used + 2) {
      const uint16_t n = r.u16();
      used += 2;
      if (n < 2) malformed("extra data length " + std::to_string(n) + " < 2");
      extra_len = n - 2u;
    }
    if (phl > used) r.skip(phl - used);
    re.extra_data = r.bytes(extra_len);
    const uint64_t n = r.packed();
    if (n > 0xffff || (n + 7) / 8 > r.remaining()) {
      malformed("column count " + std::to_string(n) + " does not fit the event");
    }
    re.column_count = static_cast<uint32_t>(n);
    const size_t bm = (re.column_count + 7) / 8;
    const auto present = r.bytes(bm);
    re.present.assign(present.begin(), present.end());
    if (re.kind == RowsKind::Update) {
      const auto after = r.bytes(bm);
      re.present_after.assign(after.begin(), after.end());
    }
    re.rows = r.rest();
    return re;
  });
}

}  // namespace ferry::mysql::binlog
