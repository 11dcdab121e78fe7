// Row image decoding (see rows.hpp for the canonical form of each type).
#include "binlog/rows.hpp"

#include "binlog/json_binary.hpp"
#include "binlog/reader.hpp"
#include "binlog/values.hpp"

#include <ferry/sdk/error.hpp>

#include <charconv>
#include <cstring>
#include <string>

namespace ferry::mysql::binlog {

namespace {

using detail::Malformed;
using detail::malformed;
using detail::Reader;
using detail::Tm;

// A valid input ferry cannot decode, or a caller error: becomes `status` with the context.
struct Unsupported {
  ferry_status status;
  std::string what;
};

// Reused for values that need converting (latin1, padded BINARY, SET, JSON): no allocation per
// cell once warm.
thread_local std::string tl_scratch;

constexpr int64_t kPow10[7] = {1, 10, 100, 1000, 10000, 100000, 1000000};

struct BatchOut {
  ferry::BatchBuilder& b;
  void value(std::string_view v) { b.add_cell(v); }
  void null() { b.add_null(); }
  void absent() { b.add_cell({}, FERRY_CELL_DEFAULT); }
};

struct SinkOut {
  CellSink& s;
  void value(std::string_view v) { s.value(v); }
  void null() { s.null(); }
  void absent() { s.absent(); }
};

std::string_view sv(const char* b, const char* e) {
  return {b, static_cast<size_t>(e - b)};
}

template <class Out>
void emit_text(const ColumnInfo& ci, std::string_view s, Out& out) {
  if (ci.json) {
    out.value(s);
    return;
  }
  switch (ci.charset) {
    case Charset::Utf8:
    case Charset::Ascii:
    case Charset::Binary:
      out.value(s);
      return;
    case Charset::Latin1:
      if (is_ascii(s)) {
        out.value(s);
      } else {
        tl_scratch.clear();
        latin1_to_utf8(s, tl_scratch);
        out.value(tl_scratch);
      }
      return;
    case Charset::Other:
      break;
  }
  const std::string_view name = charset_name_of_collation(ci.collation);
  throw Unsupported{
      FERRY_NOT_SUPPORTED,
      "the column's charset (" +
          (name.empty() ? "collation " + std::to_string(ci.collation) : std::string(name)) +
          ") cannot be converted to UTF-8 (supported: utf8mb3, utf8mb4, latin1, "
          "ascii, binary)"};
}

template <class Out>
void emit_enum(const ColumnInfo& ci, uint64_t idx, Out& out) {
  if (idx == 0) {
    out.value({});
    return;
  }
  if (idx <= ci.labels.size()) {
    out.value(ci.labels[static_cast<size_t>(idx - 1)]);
    return;
  }
  if (ci.labels.empty()) {
    throw Unsupported{FERRY_INVALID_ARGUMENT,
                      "ENUM value " + std::to_string(idx) +
                          " but no labels are known (give ColumnInfo::labels from the schema, "
                          "or set binlog_row_metadata=FULL)"};
  }
  malformed("ENUM index " + std::to_string(idx) + " beyond its " +
            std::to_string(ci.labels.size()) + " labels");
}

template <class Out>
void emit_set(const ColumnInfo& ci, uint64_t bits, Out& out) {
  if (bits == 0) {
    out.value({});
    return;
  }
  if (ci.labels.empty()) {
    throw Unsupported{FERRY_INVALID_ARGUMENT,
                      "SET value but no labels are known (give ColumnInfo::labels from the "
                      "schema, or set binlog_row_metadata=FULL)"};
  }
  if (ci.labels.size() < 64 && (bits >> ci.labels.size()) != 0) {
    malformed("SET bits beyond its " + std::to_string(ci.labels.size()) + " labels");
  }
  tl_scratch.clear();
  bool first = true;
  for (size_t b = 0; b < ci.labels.size() && b < 64; ++b) {
    if ((bits >> b) & 1) {
      if (!first) tl_scratch += ',';
      first = false;
      tl_scratch += ci.labels[b];
    }
  }
  out.value(tl_scratch);
}

// YYYY-MM-DDTHH:MM:SS[.f]
char* put_datetime(char* p, const Tm& t) {
  p = detail::put_date(p, t.year, t.month, t.day);
  *p++ = 'T';
  p = detail::put_hms(p, t.hour, t.minute, t.second, true);
  return detail::put_frac(p, t.micros);
}

// [-]H:MM:SS[.f]
char* put_time(char* p, const Tm& t) {
  if (t.neg) *p++ = '-';
  p = detail::put_hms(p, t.hour, t.minute, t.second, false);
  return detail::put_frac(p, t.micros);
}

// The fraction of DATETIME2 / TIMESTAMP2 / TIME2 (big-endian, (fsp + 1) / 2 bytes) as
// microseconds.
uint32_t read_frac(Reader& r, unsigned fsp) {
  switch (fsp) {
    case 0:
      return 0;
    case 1:
    case 2:
      return static_cast<uint32_t>(r.be(1) * 10000);
    case 3:
    case 4:
      return static_cast<uint32_t>(r.be(2) * 100);
    default:
      return static_cast<uint32_t>(r.be(3));
  }
}

unsigned checked_fsp(uint16_t meta) {
  if (meta > 6) malformed("fractional-second precision " + std::to_string(meta) + " > 6");
  return meta;
}

char* timestamp_text(char* p, uint64_t secs, uint32_t micros) {
  if (secs == 0 && micros == 0) {
    std::memcpy(p, "0000-00-00T00:00:00Z", 20);
    return p + 20;
  }
  if (micros > 999999) malformed("corrupt TIMESTAMP fraction " + std::to_string(micros));
  Tm t;
  int64_t y = 0;
  detail::civil_from_days(static_cast<int64_t>(secs / 86400), y, t.month, t.day);
  t.year = static_cast<uint32_t>(y);
  const auto s = static_cast<uint32_t>(secs % 86400);
  t.hour = s / 3600;
  t.minute = s / 60 % 60;
  t.second = s % 60;
  t.micros = micros;
  p = put_datetime(p, t);
  *p++ = 'Z';
  return p;
}

// MariaDB's pre-10.1 ("hires", mysql56_temporal_format=OFF) formats, for precision 1-6.
constexpr uint8_t kMariaDatetimeBytes[7] = {5, 6, 6, 7, 7, 7, 8};
constexpr uint8_t kMariaTimeBytes[7] = {3, 4, 4, 5, 5, 5, 6};
constexpr uint8_t kMariaSecPartBytes[7] = {0, 1, 1, 2, 2, 3, 3};

Tm maria_unpack(uint64_t x, bool is_time, bool neg) {
  Tm t;
  t.neg = neg;
  t.micros = static_cast<uint32_t>(x % 1000000);
  x /= 1000000;
  t.second = static_cast<uint32_t>(x % 60);
  x /= 60;
  t.minute = static_cast<uint32_t>(x % 60);
  x /= 60;
  if (is_time) {
    if (x > 0xffffffffu) malformed("corrupt TIME hours");
    t.hour = static_cast<uint32_t>(x);
    return t;
  }
  t.hour = static_cast<uint32_t>(x % 24);
  x /= 24;
  t.day = static_cast<uint32_t>(x % 32);
  x /= 32;
  t.month = static_cast<uint32_t>(x % 13);
  x /= 13;
  if (x > 9999) malformed("corrupt DATETIME year");
  t.year = static_cast<uint32_t>(x);
  return t;
}

uint32_t blob_length(Reader& r, uint16_t meta) {
  if (meta < 1 || meta > 4) malformed("length-prefix size " + std::to_string(meta));
  return static_cast<uint32_t>(r.le(meta));
}

template <class Out>
void decode_value(const TableMap& tm, size_t i, const ColumnInfo& ci, Reader& r, Out& out) {
  char buf[128];
  char* p = buf;
  const uint8_t type = tm.types[i];
  const uint16_t meta = tm.meta[i];
  switch (type) {
    case TYPE_TINY: {
      const uint64_t v = r.u8();
      p = ci.is_unsigned ? detail::put_u64(p, v) : detail::put_i64(p, static_cast<int8_t>(v));
      break;
    }
    case TYPE_SHORT: {
      const uint64_t v = r.u16();
      p = ci.is_unsigned ? detail::put_u64(p, v) : detail::put_i64(p, static_cast<int16_t>(v));
      break;
    }
    case TYPE_INT24: {
      const uint32_t v = r.u24();
      p = ci.is_unsigned ? detail::put_u64(p, v)
                         : detail::put_i64(p, static_cast<int32_t>(v ^ 0x800000u) - 0x800000);
      break;
    }
    case TYPE_LONG: {
      const uint64_t v = r.u32();
      p = ci.is_unsigned ? detail::put_u64(p, v) : detail::put_i64(p, static_cast<int32_t>(v));
      break;
    }
    case TYPE_LONGLONG: {
      const uint64_t v = r.u64();
      p = ci.is_unsigned ? detail::put_u64(p, v) : detail::put_i64(p, static_cast<int64_t>(v));
      break;
    }
    case TYPE_YEAR: {
      const uint8_t v = r.u8();
      p = detail::put_u64(p, v == 0 ? 0 : 1900u + v);
      break;
    }
    case TYPE_FLOAT: {
      const auto bits = static_cast<uint32_t>(r.u32());
      float f;
      std::memcpy(&f, &bits, sizeof f);
      p = std::to_chars(p, buf + sizeof buf, f).ptr;
      break;
    }
    case TYPE_DOUBLE: {
      const uint64_t bits = r.u64();
      double d;
      std::memcpy(&d, &bits, sizeof d);
      p = std::to_chars(p, buf + sizeof buf, d).ptr;
      break;
    }
    case TYPE_NEWDECIMAL: {
      const unsigned precision = meta >> 8, scale = meta & 0xff;
      const auto bytes = r.bytes(detail::decimal_bin_size(precision, scale));
      p += detail::format_decimal(bytes.data(), precision, scale, p);
      break;
    }
    case TYPE_BIT: {
      const unsigned bits = meta & 0xff, bytes = meta >> 8;
      const unsigned len = bytes + (bits ? 1 : 0);
      if (bits > 7 || len == 0 || len > 8)
        malformed("invalid BIT metadata " + std::to_string(meta));
      p = detail::put_u64(p, r.be(len));
      break;
    }
    case TYPE_VARCHAR:
    case TYPE_VAR_STRING: {
      const size_t len = meta < 256 ? r.u8() : r.u16();
      emit_text(ci, r.str(len), out);
      return;
    }
    case TYPE_STRING:
    case TYPE_ENUM:
    case TYPE_SET: {
      const uint8_t rt = tm.real_type(i);
      const uint32_t max_len = tm.string_length(i);
      if (rt == TYPE_ENUM) {
        if (max_len < 1 || max_len > 2) malformed("ENUM of " + std::to_string(max_len) + " bytes");
        emit_enum(ci, r.le(max_len), out);
        return;
      }
      if (rt == TYPE_SET) {
        if (max_len < 1 || max_len > 8) malformed("SET of " + std::to_string(max_len) + " bytes");
        emit_set(ci, r.le(max_len), out);
        return;
      }
      if (rt != TYPE_STRING) malformed("STRING column of real type " + std::to_string(rt));
      const size_t len = max_len > 255 ? r.u16() : r.u8();
      const std::string_view s = r.str(len);
      if (ci.charset == Charset::Binary && !ci.json && len < max_len) {
        tl_scratch.assign(s);
        tl_scratch.resize(max_len, '\0');
        out.value(tl_scratch);
        return;
      }
      emit_text(ci, s, out);
      return;
    }
    case TYPE_BLOB:
    case TYPE_TINY_BLOB:
    case TYPE_MEDIUM_BLOB:
    case TYPE_LONG_BLOB: {
      const uint32_t len = blob_length(r, meta);
      emit_text(ci, r.str(len), out);
      return;
    }
    case TYPE_GEOMETRY: {
      const uint32_t len = blob_length(r, meta);
      const std::string_view s = r.str(len);
      if (len < 4) malformed("GEOMETRY value of " + std::to_string(len) + " bytes has no SRID");
      out.value(s.substr(4));
      return;
    }
    case TYPE_JSON: {
      const uint32_t len = blob_length(r, meta);
      const auto doc = r.bytes(len);
      tl_scratch.clear();
      detail::json_binary_append(doc, tl_scratch);
      out.value(tl_scratch);
      return;
    }
    case TYPE_DATE:
    case TYPE_NEWDATE: {
      const uint32_t v = r.u24();
      Tm t;
      t.day = v & 31;
      t.month = (v >> 5) & 15;
      t.year = v >> 9;
      detail::check_date(t);
      p = detail::put_date(p, t.year, t.month, t.day);
      break;
    }
    case TYPE_DATETIME: {
      Tm t;
      if (const unsigned dec = ci.temporal_precision; dec > 0) {
        if (dec > 6) malformed("temporal_precision > 6");
        const uint64_t x = r.be(kMariaDatetimeBytes[dec]) * static_cast<uint64_t>(kPow10[6 - dec]);
        t = maria_unpack(x, false, false);
      } else {
        uint64_t v = r.u64();
        const auto hms = static_cast<uint32_t>(v % 1000000);
        v /= 1000000;
        if (v > 99991231) malformed("corrupt DATETIME " + std::to_string(v));
        const auto ymd = static_cast<uint32_t>(v);
        t.year = ymd / 10000;
        t.month = ymd / 100 % 100;
        t.day = ymd % 100;
        t.hour = hms / 10000;
        t.minute = hms / 100 % 100;
        t.second = hms % 100;
      }
      detail::check_date(t);
      detail::check_time(t, false);
      p = put_datetime(p, t);
      break;
    }
    case TYPE_DATETIME2: {
      const unsigned fsp = checked_fsp(meta);
      const uint64_t raw = r.be(5);
      if (raw < 0x8000000000ull) malformed("negative DATETIME");
      const uint64_t intpart = raw - 0x8000000000ull;
      Tm t;
      t.micros = read_frac(r, fsp);
      const uint64_t ymd = intpart >> 17;
      const uint64_t ym = ymd >> 5;
      const uint64_t hms = intpart % (1u << 17);
      t.day = static_cast<uint32_t>(ymd % (1u << 5));
      t.month = static_cast<uint32_t>(ym % 13);
      t.year = static_cast<uint32_t>(ym / 13);
      t.second = static_cast<uint32_t>(hms % (1u << 6));
      t.minute = static_cast<uint32_t>((hms >> 6) % (1u << 6));
      t.hour = static_cast<uint32_t>(hms >> 12);
      detail::check_date(t);
      detail::check_time(t, false);
      p = put_datetime(p, t);
      break;
    }
    case TYPE_TIMESTAMP: {
      if (const unsigned dec = ci.temporal_precision; dec > 0) {
        if (dec > 6) malformed("temporal_precision > 6");
        const uint64_t secs = r.be(4);
        const uint64_t frac =
            r.be(kMariaSecPartBytes[dec]) * static_cast<uint64_t>(kPow10[6 - dec]);
        p = timestamp_text(p, secs, static_cast<uint32_t>(frac));
      } else {
        p = timestamp_text(p, r.u32(), 0);
      }
      break;
    }
    case TYPE_TIMESTAMP2: {
      const unsigned fsp = checked_fsp(meta);
      const uint64_t secs = r.be(4);
      p = timestamp_text(p, secs, read_frac(r, fsp));
      break;
    }
    case TYPE_TIME: {
      Tm t;
      if (const unsigned dec = ci.temporal_precision; dec > 0) {
        if (dec > 6) malformed("temporal_precision > 6");
        // (TIME_MAX_VALUE_SECONDS + 1) * 10^6, at this precision.
        const int64_t zero = 3020400LL * 1000000 / kPow10[6 - dec];
        const int64_t x = static_cast<int64_t>(r.be(kMariaTimeBytes[dec])) - zero;
        const int64_t us = x * kPow10[6 - dec];
        t = maria_unpack(us < 0 ? 0 - static_cast<uint64_t>(us) : static_cast<uint64_t>(us), true,
                         us < 0);
      } else {
        const uint32_t raw = r.u24();
        const int32_t v = static_cast<int32_t>(raw ^ 0x800000u) - 0x800000;
        const uint32_t a = v < 0 ? static_cast<uint32_t>(-v) : static_cast<uint32_t>(v);
        t.neg = v < 0;
        t.hour = a / 10000;
        t.minute = a / 100 % 100;
        t.second = a % 100;
      }
      detail::check_time(t, true);
      p = put_time(p, t);
      break;
    }
    case TYPE_TIME2: {
      // MySQL's my_time_packed_from_binary: a "packed" value (int part << 24 | microseconds),
      // negative values stored with the fraction's complement.
      const unsigned fsp = checked_fsp(meta);
      int64_t packed = 0;
      if (fsp >= 5) {
        packed = static_cast<int64_t>(r.be(6)) - 0x800000000000LL;
      } else {
        int64_t intpart = static_cast<int64_t>(r.be(3)) - 0x800000;
        int64_t frac = 0;
        if (fsp >= 3) {
          frac = static_cast<int64_t>(r.be(2));
          if (intpart < 0 && frac) {
            ++intpart;
            frac -= 0x10000;
          }
          frac *= 100;
        } else if (fsp >= 1) {
          frac = static_cast<int64_t>(r.be(1));
          if (intpart < 0 && frac) {
            ++intpart;
            frac -= 0x100;
          }
          frac *= 10000;
        }
        packed = intpart * (int64_t{1} << 24) + frac;
      }
      Tm t;
      t.neg = packed < 0;
      const uint64_t a = t.neg ? 0 - static_cast<uint64_t>(packed) : static_cast<uint64_t>(packed);
      const uint64_t hms = a >> 24;
      t.micros = static_cast<uint32_t>(a % (1u << 24));
      t.hour = static_cast<uint32_t>((hms >> 12) % (1u << 10));
      t.minute = static_cast<uint32_t>((hms >> 6) % (1u << 6));
      t.second = static_cast<uint32_t>(hms % (1u << 6));
      detail::check_time(t, true);
      p = put_time(p, t);
      break;
    }
    case TYPE_DECIMAL:
      throw Unsupported{FERRY_NOT_SUPPORTED,
                        "the pre-MySQL-5.0 DECIMAL format is not supported (ALTER the table to "
                        "rebuild the column)"};
    default:
      throw Unsupported{FERRY_NOT_SUPPORTED, "this column type cannot be decoded"};
  }
  out.value(sv(buf, p));
}

std::string type_text(const TableMap& tm, size_t i) {
  const uint8_t rt = tm.real_type(i);
  std::string s = column_type_name(rt);
  switch (tm.types[i]) {
    case TYPE_NEWDECIMAL:
      return s + "(" + std::to_string(tm.meta[i] >> 8) + "," + std::to_string(tm.meta[i] & 0xff) +
             ")";
    case TYPE_TIME2:
    case TYPE_DATETIME2:
    case TYPE_TIMESTAMP2:
      return s + "(" + std::to_string(tm.meta[i]) + ")";
    case TYPE_STRING:
      return rt == TYPE_STRING ? s + "(" + std::to_string(tm.string_length(i)) + " bytes)" : s;
    default:
      return s;
  }
}

std::string context(const TableMap& tm, std::span<const ColumnInfo> cols, size_t col,
                    uint8_t event_type) {
  std::string c = "binlog ";
  c += event_type ? event_type_name(event_type) + " event" : std::string("row image");
  c += " for " + tm.name();
  if (col < tm.types.size()) {
    c += ", column #" + std::to_string(col + 1);
    if (col < cols.size() && !cols[col].name.empty()) c += " `" + cols[col].name + "`";
    c += " (" + type_text(tm, col) + ")";
  }
  return c;
}

template <class Out>
size_t decode_row_impl(const TableMap& tm, std::span<const ColumnInfo> cols,
                       std::span<const uint8_t> present, std::span<const uint8_t> data, Out& out,
                       uint8_t event_type) {
  const size_t n = tm.types.size();
  if (cols.size() != n) {
    fail(FERRY_INVALID_ARGUMENT, context(tm, cols, n, event_type) + ": " +
                                     std::to_string(cols.size()) + " ColumnInfo for " +
                                     std::to_string(n) + " columns");
  }
  if (present.size() * 8 < n) {
    fail(FERRY_DATA_LOSS, context(tm, cols, n, event_type) + ": a columns-present bitmap of " +
                              std::to_string(present.size()) + " byte(s) for " + std::to_string(n) +
                              " columns");
  }
  size_t npresent = 0;
  for (size_t i = 0; i < n; ++i) npresent += (present[i / 8] >> (i % 8)) & 1;
  Reader r(data);
  size_t col = n;
  try {
    const auto nulls = r.bytes((npresent + 7) / 8);
    size_t k = 0;
    for (col = 0; col < n; ++col) {
      if (!((present[col / 8] >> (col % 8)) & 1)) {
        out.absent();
        continue;
      }
      const bool is_null = (nulls[k / 8] >> (k % 8)) & 1;
      ++k;
      if (is_null) {
        out.null();
        continue;
      }
      decode_value(tm, col, cols[col], r, out);
    }
  } catch (const Malformed& m) {
    fail(FERRY_DATA_LOSS, context(tm, cols, col, event_type) + ": " + m.what);
  } catch (const Unsupported& u) {
    fail(u.status, context(tm, cols, col, event_type) + ": " + u.what);
  }
  return r.offset();
}

}  // namespace

size_t decode_row(const TableMap& tm, std::span<const ColumnInfo> columns,
                  std::span<const uint8_t> present, std::span<const uint8_t> data,
                  ferry::BatchBuilder& out, uint8_t event_type) {
  BatchOut o{out};
  return decode_row_impl(tm, columns, present, data, o, event_type);
}

size_t decode_row(const TableMap& tm, std::span<const ColumnInfo> columns,
                  std::span<const uint8_t> present, std::span<const uint8_t> data, CellSink& out,
                  uint8_t event_type) {
  SinkOut o{out};
  return decode_row_impl(tm, columns, present, data, o, event_type);
}

void check_rows_event(const RowsEvent& re, const TableMap& tm) {
  if (re.table_id != tm.table_id || re.column_count != tm.types.size()) {
    fail(FERRY_DATA_LOSS, "binlog rows event for table id " + std::to_string(re.table_id) +
                              " with " + std::to_string(re.column_count) +
                              " columns does not match the TABLE_MAP of " + tm.name() +
                              " (table id " + std::to_string(tm.table_id) + ", " +
                              std::to_string(tm.types.size()) + " columns)");
  }
}

std::vector<ColumnInfo> columns_from_metadata(const TableMap& tm) {
  const size_t n = tm.types.size();
  std::vector<ColumnInfo> cols(n);
  const auto collations = column_collations(tm);
  const auto uns = column_unsigned(tm);
  const auto& om = tm.optional;
  size_t enum_i = 0, set_i = 0;
  for (size_t i = 0; i < n; ++i) {
    ColumnInfo& c = cols[i];
    if (i < om.column_names.size()) c.name = om.column_names[i];
    c.is_unsigned = uns[i].value_or(false);
    c.collation = collations[i];
    if (c.collation != 0) c.charset = charset_of_collation(c.collation);
    const uint8_t rt = tm.real_type(i);
    const std::vector<std::string>* labels = nullptr;
    if (rt == TYPE_ENUM) {
      if (enum_i < om.enum_labels.size()) labels = &om.enum_labels[enum_i];
      ++enum_i;
    } else if (rt == TYPE_SET) {
      if (set_i < om.set_labels.size()) labels = &om.set_labels[set_i];
      ++set_i;
    }
    if (labels) {
      for (const auto& l : *labels) {
        if (c.charset == Charset::Latin1 && !is_ascii(l)) {
          std::string u;
          latin1_to_utf8(l, u);
          c.labels.push_back(std::move(u));
        } else {
          c.labels.push_back(l);
        }
      }
    }
  }
  return cols;
}

bool has_full_metadata(const TableMap& tm) {
  const auto& om = tm.optional;
  const size_t n = tm.types.size();
  if (om.column_names.size() != n) return false;
  size_t numeric = 0, character = 0, enums = 0, sets = 0;
  for (size_t i = 0; i < n; ++i) {
    const uint8_t rt = tm.real_type(i);
    numeric += is_numeric_column(rt, tm.mariadb) ? 1 : 0;
    character += is_character_column(rt, tm.mariadb) ? 1 : 0;
    enums += rt == TYPE_ENUM ? 1 : 0;
    sets += rt == TYPE_SET ? 1 : 0;
  }
  if (numeric && om.signedness.size() != numeric) return false;
  if (character && om.column_charsets.size() != character && !om.default_charset) return false;
  if ((enums || sets) && om.enum_set_column_charsets.size() != enums + sets &&
      !om.enum_set_default_charset) {
    return false;
  }
  return om.enum_labels.size() == enums && om.set_labels.size() == sets;
}

}  // namespace ferry::mysql::binlog
