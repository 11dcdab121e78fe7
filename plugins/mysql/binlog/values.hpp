// Internal to the binlog decoder: formatting of numbers and temporal values into a caller's
// stack buffer (no allocation), shared by the row decoder and the binary JSON decoder.
// Malformed input throws detail::Malformed.
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>

namespace ferry::mysql::binlog::detail {

// Bytes of a NEWDECIMAL(precision, scale) in a row image; throws Malformed for a precision or
// scale MySQL cannot have (precision 1..65, scale 0..30, scale <= precision).
size_t decimal_bin_size(unsigned precision, unsigned scale);
// Decimal text ("-1234.50": exactly `scale` fraction digits) of the packed binary decimal at
// `p` (decimal_bin_size bytes). `out` needs 80 chars. Returns the length.
size_t format_decimal(const uint8_t* p, unsigned precision, unsigned scale, char* out);

inline char* put_u64(char* p, uint64_t v) {
  return std::to_chars(p, p + 20, v).ptr;
}
inline char* put_i64(char* p, int64_t v) {
  return std::to_chars(p, p + 21, v).ptr;
}
// Exactly `width` digits, zero-padded (v must fit).
inline char* put_digits(char* p, uint32_t v, int width) {
  for (int i = width - 1; i >= 0; --i) {
    p[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  return p + width;
}
// ".ffffff" with trailing zeros trimmed; nothing for 0.
inline char* put_frac(char* p, uint32_t micros) {
  if (micros == 0) return p;
  *p++ = '.';
  int width = 6;
  while (micros % 10 == 0) {
    micros /= 10;
    --width;
  }
  return put_digits(p, micros, width);
}
// "YYYY-MM-DD"
inline char* put_date(char* p, uint32_t y, uint32_t m, uint32_t d) {
  p = put_digits(p, y, 4);
  *p++ = '-';
  p = put_digits(p, m, 2);
  *p++ = '-';
  return put_digits(p, d, 2);
}
// "HH:MM:SS" (hours at least 2 digits when `pad_hours`, else as few as needed)
inline char* put_hms(char* p, uint32_t h, uint32_t m, uint32_t s, bool pad_hours) {
  if (pad_hours && h < 10) *p++ = '0';
  p = put_u64(p, h);
  *p++ = ':';
  p = put_digits(p, m, 2);
  *p++ = ':';
  return put_digits(p, s, 2);
}

// Days since 1970-01-01 → civil date (proleptic Gregorian).
void civil_from_days(int64_t days, int64_t& y, uint32_t& m, uint32_t& d);

// A broken-down temporal value, validated (month <= 12, day <= 31, hour <= 23 unless a TIME,
// minute and second <= 59, micros < 1e6).
struct Tm {
  bool neg = false;
  uint32_t year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, micros = 0;
};
void check_date(const Tm& t);
void check_time(const Tm& t, bool is_time);

// MySQL's in-memory "packed" temporal longlongs (binary JSON opaque values).
Tm unpack_datetime_packed(int64_t v);
Tm unpack_time_packed(int64_t v);

}  // namespace ferry::mysql::binlog::detail
