// MySQL binary JSON → JSON text (see json_binary.hpp for the output form).
//
// Format (MySQL sql-common/json_binary.h): a document is a type byte and a value.
//   0x00/0x01 small/large object, 0x02/0x03 small/large array: element count, byte size
//     (2 or 4 bytes each), key entries (objects: offset 2|4 + length 2), value entries
//     (type 1 + offset 2|4, or the value itself when it fits: literals, int16, uint16, and in the
//     large forms int32, uint32), then the keys and values. Offsets count from the container's
//     first byte (after its type byte).
//   0x04 literal (0 null, 1 true, 2 false); 0x05/0x06 int16/uint16; 0x07/0x08 int32/uint32;
//   0x09/0x0a int64/uint64; 0x0b double; 0x0c string (variable-length length, UTF-8 bytes);
//   0x0f opaque (MySQL field type byte, variable-length length, bytes).
//   Variable-length lengths: 7 bits per byte, low group first, high bit = more (max 5 bytes).
#include "binlog/json_binary.hpp"

#include "binlog/reader.hpp"
#include "binlog/values.hpp"
#include "json_text.hpp"

#include <ferry/sdk/error.hpp>

#include <charconv>
#include <cstring>
#include <string_view>
#include <system_error>

namespace ferry::mysql::binlog {

namespace {

using detail::load_le;
using detail::malformed;
using detail::Malformed;

constexpr uint8_t kSmallObject = 0x00, kLargeObject = 0x01, kSmallArray = 0x02, kLargeArray = 0x03,
                  kLiteral = 0x04, kInt16 = 0x05, kUint16 = 0x06, kInt32 = 0x07, kUint32 = 0x08,
                  kInt64 = 0x09, kUint64 = 0x0a, kDouble = 0x0b, kString = 0x0c, kOpaque = 0x0f;
constexpr int kMaxDepth = 150;

void need(std::span<const uint8_t> s, size_t n, const char* what) {
  if (s.size() < n) {
    malformed(std::string("binary JSON: truncated ") + what + " (needs " + std::to_string(n) +
              " bytes, " + std::to_string(s.size()) + " left)");
  }
}

// Variable-length length; advances `s`.
uint32_t varlen(std::span<const uint8_t>& s) {
  uint64_t v = 0;
  for (int i = 0; i < 5; ++i) {
    need(s, 1, "length");
    const uint8_t b = s[0];
    s = s.subspan(1);
    v |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
    if ((b & 0x80) == 0) {
      if (v > 0xffffffffull) break;
      return static_cast<uint32_t>(v);
    }
  }
  malformed("binary JSON: invalid variable-length length");
}

void append_base64(std::string& out, std::span<const uint8_t> b) {
  static const char* kB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t i = 0;
  for (; i + 3 <= b.size(); i += 3) {
    const uint32_t v = (uint32_t{b[i]} << 16) | (uint32_t{b[i + 1]} << 8) | b[i + 2];
    out += kB64[v >> 18];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += kB64[v & 63];
  }
  if (const size_t rest = b.size() - i; rest) {
    uint32_t v = uint32_t{b[i]} << 16;
    if (rest == 2) v |= uint32_t{b[i + 1]} << 8;
    out += kB64[v >> 18];
    out += kB64[(v >> 12) & 63];
    out += rest == 2 ? kB64[(v >> 6) & 63] : '=';
    out += '=';
  }
}

// A double the way MySQL prints it in JSON: my_gcvt(d, MY_GCVT_ARG_DOUBLE,
// MY_GCVT_MAX_FIELD_WIDTH) -- the shortest round-trip digits (dtoa mode 4), fixed notation when
// the decimal point position decpt (value = 0.DIGITS * 10^decpt) is in [-14, 15] or falls inside
// the digits, else d[.ddd]e[-]x -- then ".0" when there is neither '.' nor 'e'.
void append_double(std::string& out, double v) {
  char sci[40];
  const auto r = std::to_chars(sci, sci + sizeof sci, v, std::chars_format::scientific);
  const std::string_view s(sci, static_cast<size_t>(r.ptr - sci));
  // s = [-]d[.ddd]e(+|-)xx
  const size_t e = s.find('e');
  std::string_view mant = s.substr(0, e);
  int exp = 0;
  std::from_chars(s.data() + e + (s[e + 1] == '+' ? 2 : 1), s.data() + s.size(), exp);
  if (!mant.empty() && mant[0] == '-') {
    out += '-';
    mant.remove_prefix(1);
  }
  char digits[24];
  size_t len = 0;
  for (const char c : mant) {
    if (c != '.' && len < sizeof digits) digits[len++] = c;
  }
  const int decpt = exp + 1;
  const int n = static_cast<int>(len);
  if (decpt >= -14 && (decpt <= 15 || n > decpt)) {
    if (decpt <= 0) {
      out += "0.";
      out.append(static_cast<size_t>(-decpt), '0');
      out.append(digits, len);
    } else if (n > decpt) {
      out.append(digits, static_cast<size_t>(decpt));
      out += '.';
      out.append(digits + decpt, static_cast<size_t>(n - decpt));
    } else {
      out.append(digits, len);
      out.append(static_cast<size_t>(decpt - n), '0');
      out += ".0";
    }
    return;
  }
  out += digits[0];
  if (len > 1) {
    out += '.';
    out.append(digits + 1, len - 1);
  }
  out += 'e';
  out += std::to_string(exp);
}

void append_opaque(std::string& out, uint8_t field_type, std::span<const uint8_t> data) {
  char buf[96];
  char* p = buf;
  switch (field_type) {
    case 246: {  // NEWDECIMAL: precision, scale, binary decimal
      need(data, 2, "opaque DECIMAL");
      const unsigned precision = data[0], scale = data[1];
      need(data.subspan(2), detail::decimal_bin_size(precision, scale), "opaque DECIMAL");
      out.append(buf, detail::format_decimal(data.data() + 2, precision, scale, buf));
      return;
    }
    case 10:    // DATE
    case 12:    // DATETIME
    case 7:     // TIMESTAMP
    case 18:    // DATETIME2
    case 17: {  // TIMESTAMP2
      need(data, 8, "opaque temporal");
      const detail::Tm t =
          detail::unpack_datetime_packed(static_cast<int64_t>(load_le(data.data(), 8)));
      *p++ = '"';
      p = detail::put_date(p, t.year, t.month, t.day);
      if (field_type != 10) {
        *p++ = ' ';
        p = detail::put_hms(p, t.hour, t.minute, t.second, true);
        *p++ = '.';
        p = detail::put_digits(p, t.micros, 6);
      }
      *p++ = '"';
      out.append(buf, static_cast<size_t>(p - buf));
      return;
    }
    case 11:    // TIME
    case 19: {  // TIME2
      need(data, 8, "opaque TIME");
      const detail::Tm t =
          detail::unpack_time_packed(static_cast<int64_t>(load_le(data.data(), 8)));
      *p++ = '"';
      if (t.neg) *p++ = '-';
      p = detail::put_hms(p, t.hour, t.minute, t.second, true);
      *p++ = '.';
      p = detail::put_digits(p, t.micros, 6);
      *p++ = '"';
      out.append(buf, static_cast<size_t>(p - buf));
      return;
    }
    default:
      out += "\"base64:type";
      out += std::to_string(field_type);
      out += ':';
      append_base64(out, data);
      out += '"';
  }
}

void append_value(std::string& out, uint8_t type, std::span<const uint8_t> data, int depth);

void append_container(std::string& out, bool object, bool large, std::span<const uint8_t> data,
                      int depth) {
  if (depth > kMaxDepth) malformed("binary JSON: nested deeper than 150 levels");
  const size_t os = large ? 4 : 2;  // offset / count size
  need(data, 2 * os, object ? "object header" : "array header");
  const uint64_t count = load_le(data.data(), os);
  const uint64_t size = load_le(data.data() + os, os);
  if (size > data.size()) {
    malformed("binary JSON: " + std::string(object ? "object" : "array") + " of " +
              std::to_string(size) + " bytes in " + std::to_string(data.size()));
  }
  const auto region = data.first(static_cast<size_t>(size));
  const size_t key_entry = os + 2, value_entry = 1 + os;
  const uint64_t header = 2 * os + count * ((object ? key_entry : 0) + value_entry);
  if (count > size || header > size) {
    malformed("binary JSON: " + std::to_string(count) + " elements cannot fit in " +
              std::to_string(size) + " bytes");
  }
  const size_t values_at = 2 * os + (object ? static_cast<size_t>(count) * key_entry : 0);
  out += object ? '{' : '[';
  for (size_t i = 0; i < count; ++i) {
    if (i) out += ", ";
    if (object) {
      const uint8_t* k = region.data() + 2 * os + i * key_entry;
      const uint64_t key_off = load_le(k, os);
      const uint64_t key_len = load_le(k + os, 2);
      if (key_off + key_len > size) malformed("binary JSON: key outside its object");
      common::append_json_string(
          out, std::string_view(reinterpret_cast<const char*>(region.data() + key_off),
                                static_cast<size_t>(key_len)));
      out += ": ";
    }
    const uint8_t* v = region.data() + values_at + i * value_entry;
    const uint8_t t = v[0];
    switch (t) {
      case kLiteral:
        append_value(out, t, std::span<const uint8_t>(v + 1, 1), depth + 1);
        continue;
      case kInt16:
      case kUint16:
        append_value(out, t, std::span<const uint8_t>(v + 1, 2), depth + 1);
        continue;
      case kInt32:
      case kUint32:
        if (large) {
          append_value(out, t, std::span<const uint8_t>(v + 1, 4), depth + 1);
          continue;
        }
        break;
      default:
        break;
    }
    const uint64_t off = load_le(v + 1, os);
    if (off >= size) malformed("binary JSON: value offset outside its container");
    append_value(out, t, region.subspan(static_cast<size_t>(off)), depth + 1);
  }
  out += object ? '}' : ']';
}

void append_value(std::string& out, uint8_t type, std::span<const uint8_t> data, int depth) {
  char buf[32];
  switch (type) {
    case kSmallObject:
    case kLargeObject:
      append_container(out, true, type == kLargeObject, data, depth);
      return;
    case kSmallArray:
    case kLargeArray:
      append_container(out, false, type == kLargeArray, data, depth);
      return;
    case kLiteral:
      need(data, 1, "literal");
      switch (data[0]) {
        case 0:
          out += "null";
          return;
        case 1:
          out += "true";
          return;
        case 2:
          out += "false";
          return;
        default:
          malformed("binary JSON: literal " + std::to_string(data[0]));
      }
    case kInt16:
      need(data, 2, "int16");
      out.append(buf, detail::put_i64(buf, static_cast<int16_t>(load_le(data.data(), 2))));
      return;
    case kUint16:
      need(data, 2, "uint16");
      out.append(buf, detail::put_u64(buf, load_le(data.data(), 2)));
      return;
    case kInt32:
      need(data, 4, "int32");
      out.append(buf, detail::put_i64(buf, static_cast<int32_t>(load_le(data.data(), 4))));
      return;
    case kUint32:
      need(data, 4, "uint32");
      out.append(buf, detail::put_u64(buf, load_le(data.data(), 4)));
      return;
    case kInt64:
      need(data, 8, "int64");
      out.append(buf, detail::put_i64(buf, static_cast<int64_t>(load_le(data.data(), 8))));
      return;
    case kUint64:
      need(data, 8, "uint64");
      out.append(buf, detail::put_u64(buf, load_le(data.data(), 8)));
      return;
    case kDouble: {
      need(data, 8, "double");
      const uint64_t bits = load_le(data.data(), 8);
      double d;
      std::memcpy(&d, &bits, sizeof d);
      append_double(out, d);
      return;
    }
    case kString: {
      auto s = data;
      const uint32_t n = varlen(s);
      need(s, n, "string");
      common::append_json_string(out, std::string_view(reinterpret_cast<const char*>(s.data()), n));
      return;
    }
    case kOpaque: {
      need(data, 1, "opaque");
      const uint8_t field_type = data[0];
      auto s = data.subspan(1);
      const uint32_t n = varlen(s);
      need(s, n, "opaque value");
      append_opaque(out, field_type, s.first(n));
      return;
    }
    default:
      malformed("binary JSON: unknown value type " + std::to_string(type));
  }
}

}  // namespace

namespace detail {

void json_binary_append(std::span<const uint8_t> doc, std::string& out) {
  if (doc.empty()) {
    out += "null";
    return;
  }
  append_value(out, doc[0], doc.subspan(1), 0);
}

}  // namespace detail

void json_binary_to_text(std::span<const uint8_t> doc, std::string& out) {
  try {
    detail::json_binary_append(doc, out);
  } catch (const Malformed& m) {
    fail(FERRY_DATA_LOSS, m.what);
  }
}

}  // namespace ferry::mysql::binlog
