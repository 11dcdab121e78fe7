// Number and temporal formatting for the binlog decoder (see values.hpp).
#include "binlog/values.hpp"

#include "binlog/reader.hpp"

#include <cstring>
#include <string>

namespace ferry::mysql::binlog::detail {

namespace {

constexpr uint8_t kDig2Bytes[10] = {0, 1, 1, 2, 2, 3, 3, 4, 4, 4};
constexpr uint32_t kPow10[10] = {1,      10,      100,      1000,      10000,
                                 100000, 1000000, 10000000, 100000000, 1000000000};

}  // namespace

size_t decimal_bin_size(unsigned precision, unsigned scale) {
  if (precision < 1 || precision > 65 || scale > 30 || scale > precision) {
    malformed("invalid DECIMAL(" + std::to_string(precision) + "," + std::to_string(scale) + ")");
  }
  const unsigned intg = precision - scale;
  return (intg / 9) * 4 + kDig2Bytes[intg % 9] + (scale / 9) * 4 + kDig2Bytes[scale % 9];
}

size_t format_decimal(const uint8_t* src, unsigned precision, unsigned scale, char* out) {
  const size_t size = decimal_bin_size(precision, scale);
  uint8_t d[40];
  std::memcpy(d, src, size);
  const bool negative = (d[0] & 0x80) == 0;
  d[0] ^= 0x80;
  if (negative) {
    for (size_t i = 0; i < size; ++i) d[i] = static_cast<uint8_t>(~d[i]);
  }
  const unsigned intg = precision - scale;
  const unsigned intg0 = intg / 9, intg0x = intg % 9, frac0 = scale / 9, frac0x = scale % 9;
  size_t pos = 0;
  auto group = [&](unsigned digits) -> uint32_t {
    const size_t n = digits == 9 ? 4 : kDig2Bytes[digits];
    const auto v = static_cast<uint32_t>(load_be(d + pos, n));
    pos += n;
    if (v >= kPow10[digits]) {
      malformed("corrupt DECIMAL(" + std::to_string(precision) + "," + std::to_string(scale) +
                ") value: a " + std::to_string(digits) + "-digit group holds " + std::to_string(v));
    }
    return v;
  };
  // Integer digits, then strip the leading zeros.
  char digits[80];
  char* p = digits;
  if (intg0x) p = put_digits(p, group(intg0x), static_cast<int>(intg0x));
  for (unsigned i = 0; i < intg0; ++i) p = put_digits(p, group(9), 9);
  char* first = digits;
  while (first < p && *first == '0') ++first;
  char* frac = p;
  for (unsigned i = 0; i < frac0; ++i) p = put_digits(p, group(9), 9);
  if (frac0x) p = put_digits(p, group(frac0x), static_cast<int>(frac0x));
  bool zero = first == frac;
  for (const char* c = frac; zero && c < p; ++c) zero = *c == '0';
  char* o = out;
  if (negative && !zero) *o++ = '-';
  if (first == frac) {
    *o++ = '0';
  } else {
    std::memcpy(o, first, static_cast<size_t>(frac - first));
    o += frac - first;
  }
  if (scale) {
    *o++ = '.';
    std::memcpy(o, frac, scale);
    o += scale;
  }
  return static_cast<size_t>(o - out);
}

void civil_from_days(int64_t z, int64_t& y, uint32_t& m, uint32_t& d) {
  // Howard Hinnant's days_from_civil inverse.
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<uint32_t>(z - era * 146097);
  const uint32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const uint32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const uint32_t mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0);
}

void check_date(const Tm& t) {
  if (t.year > 9999 || t.month > 12 || t.day > 31) {
    malformed("corrupt date " + std::to_string(t.year) + "-" + std::to_string(t.month) + "-" +
              std::to_string(t.day));
  }
}

void check_time(const Tm& t, bool is_time) {
  if ((!is_time && t.hour > 23) || t.minute > 59 || t.second > 59 || t.micros > 999999) {
    malformed("corrupt time " + std::to_string(t.hour) + ":" + std::to_string(t.minute) + ":" +
              std::to_string(t.second) + "." + std::to_string(t.micros));
  }
}

Tm unpack_datetime_packed(int64_t v) {
  Tm t;
  t.neg = v < 0;
  const uint64_t u = t.neg ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  t.micros = static_cast<uint32_t>(u % (1u << 24));
  const uint64_t ymdhms = u >> 24;
  const uint64_t ymd = ymdhms >> 17;
  const uint64_t ym = ymd >> 5;
  const uint64_t hms = ymdhms % (1u << 17);
  t.day = static_cast<uint32_t>(ymd % (1u << 5));
  t.month = static_cast<uint32_t>(ym % 13);
  t.year = static_cast<uint32_t>(ym / 13);
  t.second = static_cast<uint32_t>(hms % (1u << 6));
  t.minute = static_cast<uint32_t>((hms >> 6) % (1u << 6));
  t.hour = static_cast<uint32_t>(hms >> 12);
  check_date(t);
  check_time(t, false);
  return t;
}

Tm unpack_time_packed(int64_t v) {
  Tm t;
  t.neg = v < 0;
  const uint64_t u = t.neg ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  t.micros = static_cast<uint32_t>(u % (1u << 24));
  const uint64_t hms = u >> 24;
  t.hour = static_cast<uint32_t>((hms >> 12) % (1u << 10));
  t.minute = static_cast<uint32_t>((hms >> 6) % (1u << 6));
  t.second = static_cast<uint32_t>(hms % (1u << 6));
  check_time(t, true);
  return t;
}

}  // namespace ferry::mysql::binlog::detail
