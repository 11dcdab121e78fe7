#include "pg_values.hpp"

#include "json_text.hpp"

#include <ferry/sdk/error.hpp>

#include <charconv>
#include <cstdio>
#include <optional>
#include <system_error>
#include <utility>

namespace ferry::pg {

namespace {

// ---- small helpers --------------------------------------------------------------------------

[[noreturn]] void bad_pg(const char* type, std::string_view text, const char* expected) {
  fail(FERRY_INVALID_ARGUMENT,
       std::string("PostgreSQL ") + type + " text '" + shown_value(text) + "' is not " + expected);
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr char kHex[] = "0123456789abcdef";

void append_hex_byte(std::string& out, unsigned char b) {
  out += kHex[b >> 4];
  out += kHex[b & 15];
}

// A cursor over one value's text.
struct Scan {
  std::string_view s;
  size_t i = 0;

  bool done() const { return i >= s.size(); }
  char peek() const { return done() ? '\0' : s[i]; }
  bool eat(char c) {
    if (done() || s[i] != c) return false;
    ++i;
    return true;
  }
  bool eat(std::string_view w) {
    if (s.substr(i, w.size()) != w) return false;
    i += w.size();
    return true;
  }
  // Between `min` and `max` decimal digits into `v` (max ≤ 18, so no overflow).
  bool digits(size_t min, size_t max, uint64_t& v) {
    const size_t start = i;
    v = 0;
    while (!done() && is_digit(s[i]) && i - start < max) {
      v = v * 10 + static_cast<uint64_t>(s[i] - '0');
      ++i;
    }
    return i - start >= min && (done() || !is_digit(s[i]));
  }
  // '.' and 1-6 digits, optional: the digits (without '.') in `frac`.
  bool fraction(std::string_view& frac) {
    frac = {};
    if (!eat('.')) return true;
    const size_t start = i;
    while (!done() && is_digit(s[i])) ++i;
    frac = s.substr(start, i - start);
    return !frac.empty() && frac.size() <= 6;
  }
};

}  // namespace

// ---- civil dates (proleptic Gregorian, astronomical years; H. Hinnant's algorithms) ---------

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2 ? 1 : 0;
}

bool is_leap(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned days_in_month(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

namespace {

struct DateParts {
  int64_t year = 0;  // astronomical: 0 = 1 BC
  unsigned month = 0, day = 0;
};

struct TimeParts {
  uint64_t hour = 0;
  unsigned minute = 0, second = 0;
  std::string_view fraction;  // digits after '.', maybe empty
};

void put_year(std::string& out, int64_t y) {
  char buf[32];
  if (y < 0) {
    out += '-';
    y = -y;
  }
  const int n = std::snprintf(buf, sizeof buf, "%04lld", static_cast<long long>(y));
  out.append(buf, static_cast<size_t>(n));
}

void put2(std::string& out, unsigned v) {
  out += static_cast<char>('0' + v / 10 % 10);
  out += static_cast<char>('0' + v % 10);
}

void put_uint(std::string& out, uint64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, static_cast<size_t>(r.ptr - buf));
}

void put_date(std::string& out, const DateParts& d) {
  put_year(out, d.year);
  out += '-';
  put2(out, d.month);
  out += '-';
  put2(out, d.day);
}

// HH:MM:SS[.f] with the hour as given (no padding).
void put_time(std::string& out, const TimeParts& t) {
  put_uint(out, t.hour);
  out += ':';
  put2(out, t.minute);
  out += ':';
  put2(out, t.second);
  if (!t.fraction.empty()) {
    out += '.';
    out += t.fraction;
  }
}

// ---- PostgreSQL output parsing --------------------------------------------------------------

// YYYY-MM-DD (year of 4+ digits, as DateStyle=ISO prints it); the BC suffix is read by callers.
bool scan_pg_date(Scan& sc, DateParts& d) {
  uint64_t y, m, dd;
  if (!sc.digits(4, 9, y) || !sc.eat('-') || !sc.digits(2, 2, m) || !sc.eat('-') ||
      !sc.digits(2, 2, dd)) {
    return false;
  }
  if (m < 1 || m > 12 || dd < 1 || dd > 31 || y < 1) return false;
  d.year = static_cast<int64_t>(y);
  d.month = static_cast<unsigned>(m);
  d.day = static_cast<unsigned>(dd);
  return true;
}

// HH:MM:SS[.ffffff] with hours of 2+ digits (up to `max_hour`).
bool scan_pg_time(Scan& sc, TimeParts& t, uint64_t max_hour) {
  uint64_t h, m, s;
  if (!sc.digits(2, 18, h) || !sc.eat(':') || !sc.digits(2, 2, m) || !sc.eat(':') ||
      !sc.digits(2, 2, s) || !sc.fraction(t.fraction)) {
    return false;
  }
  if (h > max_hour || m > 59 || s > 59) return false;
  t.hour = h;
  t.minute = static_cast<unsigned>(m);
  t.second = static_cast<unsigned>(s);
  return true;
}

// +HH[:MM[:SS]] → seconds east of UTC.
bool scan_pg_offset(Scan& sc, int64_t& seconds) {
  int sign;
  if (sc.eat('+')) {
    sign = 1;
  } else if (sc.eat('-')) {
    sign = -1;
  } else {
    return false;
  }
  uint64_t h, m = 0, s = 0;
  if (!sc.digits(2, 2, h)) return false;
  if (sc.eat(':')) {
    if (!sc.digits(2, 2, m)) return false;
    if (sc.eat(':') && !sc.digits(2, 2, s)) return false;
  }
  if (m > 59 || s > 59) return false;
  seconds = sign * static_cast<int64_t>(h * 3600 + m * 60 + s);
  return true;
}

// " BC" → the astronomical year; then whether the day exists in that year's month.
bool scan_bc(Scan& sc, DateParts& d) {
  if (sc.eat(" BC")) d.year = 1 - d.year;
  return d.day <= days_in_month(d.year, d.month);
}

bool is_infinity(std::string_view t) {
  return t == "infinity" || t == "-infinity";
}

void date_to_canonical(std::string_view text, std::string& out) {
  if (is_infinity(text)) {
    out += text;
    return;
  }
  Scan sc{text};
  DateParts d;
  if (!scan_pg_date(sc, d) || !scan_bc(sc, d) || !sc.done()) {
    bad_pg("date", text, "an ISO date (YYYY-MM-DD[ BC])");
  }
  if (d.year >= 1 && d.year <= 9999) {
    out += text;  // already canonical
    return;
  }
  put_date(out, d);
}

void timestamp_to_canonical(std::string_view text, std::string& out, bool with_tz) {
  if (is_infinity(text)) {
    out += text;
    return;
  }
  const char* type = with_tz ? "timestamp with time zone" : "timestamp";
  const char* expected = with_tz ? "an ISO timestamp (YYYY-MM-DD HH:MM:SS[.f]+HH[:MM[:SS]][ BC])"
                                 : "an ISO timestamp (YYYY-MM-DD HH:MM:SS[.f][ BC])";
  Scan sc{text};
  DateParts d;
  TimeParts t;
  int64_t offset = 0;
  if (!scan_pg_date(sc, d) || !sc.eat(' ') || !scan_pg_time(sc, t, 23)) {
    bad_pg(type, text, expected);
  }
  if (with_tz && !scan_pg_offset(sc, offset)) bad_pg(type, text, expected);
  if (!scan_bc(sc, d) || !sc.done()) bad_pg(type, text, expected);
  if (offset != 0) {
    const int64_t secs = days_from_civil(d.year, d.month, d.day) * 86400 +
                         static_cast<int64_t>(t.hour * 3600 + t.minute * 60 + t.second) - offset;
    int64_t days = secs / 86400, sod = secs % 86400;
    if (sod < 0) {
      sod += 86400;
      --days;
    }
    civil_from_days(days, d.year, d.month, d.day);
    t.hour = static_cast<uint64_t>(sod / 3600);
    t.minute = static_cast<unsigned>(sod / 60 % 60);
    t.second = static_cast<unsigned>(sod % 60);
  }
  put_date(out, d);
  out += 'T';
  put2(out, static_cast<unsigned>(t.hour));
  out += ':';
  put2(out, t.minute);
  out += ':';
  put2(out, t.second);
  if (!t.fraction.empty()) {
    out += '.';
    out += t.fraction;
  }
  if (with_tz) out += 'Z';
}

void time_to_canonical(std::string_view text, std::string& out) {
  Scan sc{text};
  TimeParts t;
  if (!scan_pg_time(sc, t, 24) || !sc.done() ||
      (t.hour == 24 &&
       (t.minute || t.second || t.fraction.find_first_not_of('0') != std::string_view::npos))) {
    bad_pg("time", text, "a time of day (HH:MM:SS[.f], up to 24:00:00)");
  }
  put_time(out, t);
}

void timetz_to_canonical(std::string_view text, std::string& out) {
  Scan sc{text};
  TimeParts t;
  int64_t offset = 0;
  if (!scan_pg_time(sc, t, 24) || !scan_pg_offset(sc, offset) || !sc.done()) {
    bad_pg("time with time zone", text, "a time with an offset (HH:MM:SS[.f]+HH[:MM[:SS]])");
  }
  put_time(out, t);
  const uint64_t a = static_cast<uint64_t>(offset < 0 ? -offset : offset);
  out += offset < 0 ? '-' : '+';
  put2(out, static_cast<unsigned>(a / 3600));
  out += ':';
  put2(out, static_cast<unsigned>(a / 60 % 60));
  if (a % 60 != 0) {
    out += ':';
    put2(out, static_cast<unsigned>(a % 60));
  }
}

bool interval_to_canonical(std::string_view text, std::string& out, std::string* why) {
  for (const char c : text) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      if (why) {
        *why = "the interval '" + shown_value(text) +
               "' has a year, month or day part, which the canonical INTERVAL form "
               "([-]H:MM:SS) cannot hold exactly (a day is not always 24 hours, a month has no "
               "fixed length)";
      }
      return false;
    }
  }
  Scan sc{text};
  const bool negative = sc.eat('-');
  if (!negative) sc.eat('+');
  TimeParts t;
  if (!scan_pg_time(sc, t, UINT64_MAX) || !sc.done()) {
    bad_pg("interval", text, "an interval in IntervalStyle postgres ([-]HH:MM:SS[.f])");
  }
  if (negative) out += '-';
  put_time(out, t);
  return true;
}

void put_int(std::string& out, int64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, static_cast<size_t>(r.ptr - buf));
}

// Any interval, as IntervalStyle postgres prints it: "[N year[s]] [N mon[s]] [N day[s]]
// [[+-]HH:MM:SS[.f]]", parts separated by one space, each number with its own sign ("-1 days
// +02:03:04"). Pure time → [-]H:MM:SS[.f]; otherwise the ISO 8601 form PostgreSQL's
// IntervalStyle iso_8601 prints (pg_values.hpp).
void interval_iso_to_canonical(std::string_view text, std::string& out) {
  auto bad = [&] {
    bad_pg("interval", text,
           "an interval in IntervalStyle postgres ([N years] [N mons] [N days] "
           "[[-]HH:MM:SS[.f]])");
  };
  Scan sc{text};
  int64_t months = 0, days = 0;
  bool first = true;
  for (;;) {
    const size_t mark = sc.i;
    if (!first && !sc.eat(' ')) break;
    const bool negative = sc.eat('-');
    if (!negative) sc.eat('+');
    uint64_t n;
    if (!sc.digits(1, 12, n) || !sc.eat(' ')) {
      sc.i = mark;  // the time part (or the end)
      break;
    }
    const auto v = static_cast<int64_t>(n) * (negative ? -1 : 1);
    if (sc.eat("year")) {
      months += v * 12;
    } else if (sc.eat("mon")) {
      months += v;
    } else if (sc.eat("day")) {
      days += v;
    } else {
      bad();
    }
    sc.eat('s');
    first = false;
  }
  bool time_part = first;  // no year, month or day: the time is the whole text
  if (!first && !sc.done()) {
    if (!sc.eat(' ')) bad();
    time_part = true;
  }
  bool time_negative = false;
  TimeParts t;
  if (time_part) {
    time_negative = sc.eat('-');
    if (!time_negative) sc.eat('+');
    if (!scan_pg_time(sc, t, UINT64_MAX)) bad();
  }
  if (!sc.done()) bad();
  std::string_view frac = t.fraction;
  while (!frac.empty() && frac.back() == '0') frac.remove_suffix(1);
  const bool time_zero = t.hour == 0 && t.minute == 0 && t.second == 0 && frac.empty();
  if (months == 0 && days == 0) {
    if (time_negative && !time_zero) out += '-';
    put_time(out, t);
    return;
  }
  out += 'P';
  auto part = [&](int64_t v, char unit) {
    if (v == 0) return;
    put_int(out, v);
    out += unit;
  };
  part(months / 12, 'Y');
  part(months % 12, 'M');
  part(days, 'D');
  if (time_zero) return;
  out += 'T';
  const char* sign = time_negative ? "-" : "";
  if (t.hour != 0) {
    out += sign;
    put_uint(out, t.hour);
    out += 'H';
  }
  if (t.minute != 0) {
    out += sign;
    put_uint(out, t.minute);
    out += 'M';
  }
  if (t.second != 0 || !frac.empty()) {
    out += sign;
    put_uint(out, t.second);
    if (!frac.empty()) {
      out += '.';
      out += frac;
    }
    out += 'S';
  }
}

void bool_to_canonical(std::string_view text, std::string& out) {
  if (text == "t") {
    out += '1';
  } else if (text == "f") {
    out += '0';
  } else {
    bad_pg("boolean", text, "t or f");
  }
}

template <typename F>
void float_to_canonical(std::string_view text, std::string& out, const char* type) {
  if (text == "NaN") {
    out += "nan";
    return;
  }
  if (text == "Infinity") {
    out += "inf";
    return;
  }
  if (text == "-Infinity") {
    out += "-inf";
    return;
  }
  F v{};
  const char* end = text.data() + text.size();
  const auto r = std::from_chars(text.data(), end, v);
  // from_chars also reads "inf" / "nan", which PostgreSQL never prints: refuse them.
  if (r.ec != std::errc() || r.ptr != end || text.empty() ||
      !(is_digit(text.back()) || text.back() == '.')) {
    bad_pg(type, text, "a number");
  }
  char buf[64];
  const auto w = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, static_cast<size_t>(w.ptr - buf));
}

// bytea output: hex (\x0a0b) or escape format (\\ and \ooo).
void bytea_to_raw(std::string_view text, std::string& out) {
  if (text.size() >= 2 && text[0] == '\\' && text[1] == 'x') {
    if (text.size() % 2 != 0) bad_pg("bytea", text, "hex (\\x and pairs of hex digits)");
    out.reserve(out.size() + text.size() / 2 - 1);
    for (size_t i = 2; i < text.size(); i += 2) {
      const int hi = hex_value(text[i]), lo = hex_value(text[i + 1]);
      if (hi < 0 || lo < 0) bad_pg("bytea", text, "hex (\\x and pairs of hex digits)");
      out += static_cast<char>(hi * 16 + lo);
    }
    return;
  }
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out += text[i];
    } else if (i + 1 < text.size() && text[i + 1] == '\\') {
      out += '\\';
      ++i;
    } else if (i + 3 < text.size() && text[i + 1] >= '0' && text[i + 1] <= '3' &&
               text[i + 2] >= '0' && text[i + 2] <= '7' && text[i + 3] >= '0' &&
               text[i + 3] <= '7') {
      out += static_cast<char>((text[i + 1] - '0') * 64 + (text[i + 2] - '0') * 8 +
                               (text[i + 3] - '0'));
      i += 3;
    } else {
      bad_pg("bytea", text, "hex or escape format");
    }
  }
}

void bytea_to_hex_text(std::string_view text, std::string& out) {
  std::string raw;
  bytea_to_raw(text, raw);
  out += "\\x";
  for (const char c : raw) append_hex_byte(out, static_cast<unsigned char>(c));
}

void bit_to_canonical(std::string_view text, std::string& out) {
  if (text.empty() || text.size() > 64) bad_pg("bit", text, "1 to 64 binary digits");
  uint64_t v = 0;
  for (const char c : text) {
    if (c != '0' && c != '1') bad_pg("bit", text, "1 to 64 binary digits");
    v = (v << 1) | static_cast<uint64_t>(c - '0');
  }
  put_uint(out, v);
}

bool scalar_to_canonical(Form form, std::string_view text, std::string& out, std::string* why);

constexpr int kMaxArrayDepth = 6;  // PostgreSQL's MAXDIM

bool is_array_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// PostgreSQL array output → JSON array; elements converted by `element`.
class ArrayReader {
 public:
  ArrayReader(std::string_view text, Form element, char delimiter, std::string* why)
      : s_(text), element_(element), delim_(delimiter), why_(why) {}

  bool read(std::string& out) {
    if (!s_.empty() && s_[0] == '[') {
      if (why_) {
        *why_ = "the array '" + shown_value(s_) +
                "' has lower bounds other than 1, which a JSON array cannot express";
      }
      return false;
    }
    if (!level(out, 1)) return false;
    skip_space();
    if (i_ != s_.size()) bad("text after the closing }");
    return true;
  }

 private:
  [[noreturn]] void bad(const std::string& what) const {
    fail(FERRY_INVALID_ARGUMENT, "PostgreSQL array text '" + shown_value(s_) + "' is malformed: " +
                                     what + " at offset " + std::to_string(i_));
  }
  void skip_space() {
    while (i_ < s_.size() && is_array_space(s_[i_])) ++i_;
  }
  bool level(std::string& out, int depth) {
    if (depth > kMaxArrayDepth) bad("more than 6 dimensions");
    skip_space();
    if (i_ >= s_.size() || s_[i_] != '{') bad("expected {");
    ++i_;
    out += '[';
    skip_space();
    if (i_ < s_.size() && s_[i_] == '}') {
      ++i_;
      out += ']';
      return true;
    }
    while (true) {
      skip_space();
      if (i_ >= s_.size()) bad("unterminated array");
      if (s_[i_] == '{') {
        if (!level(out, depth + 1)) return false;
      } else if (!item(out)) {
        return false;
      }
      skip_space();
      if (i_ >= s_.size()) bad("unterminated array");
      if (s_[i_] == delim_) {
        ++i_;
        out += ',';
      } else if (s_[i_] == '}') {
        ++i_;
        out += ']';
        return true;
      } else {
        bad(std::string("expected '") + delim_ + "' or }");
      }
    }
  }
  bool item(std::string& out) {
    raw_.clear();
    bool quoted = false;
    if (s_[i_] == '"') {
      quoted = true;
      ++i_;
      while (true) {
        if (i_ >= s_.size()) bad("unterminated quoted element");
        const char c = s_[i_++];
        if (c == '"') break;
        if (c == '\\') {
          if (i_ >= s_.size()) bad("unterminated quoted element");
          raw_ += s_[i_++];
        } else {
          raw_ += c;
        }
      }
    } else {
      while (i_ < s_.size() && s_[i_] != delim_ && s_[i_] != '}') {
        const char c = s_[i_++];
        if (c == '"' || c == '{') bad("unexpected character in an unquoted element");
        if (c == '\\') {
          if (i_ >= s_.size()) bad("unterminated element");
          raw_ += s_[i_++];
        } else {
          raw_ += c;
        }
      }
      while (!raw_.empty() && is_array_space(raw_.back())) raw_.pop_back();
      if (raw_.empty()) bad("an empty unquoted element");
    }
    if (!quoted && raw_.size() == 4 && (raw_[0] | 0x20) == 'n' && (raw_[1] | 0x20) == 'u' &&
        (raw_[2] | 0x20) == 'l' && (raw_[3] | 0x20) == 'l') {
      out += "null";
      return true;
    }
    conv_.clear();
    if (!scalar_to_canonical(element_, raw_, conv_, why_)) return false;
    common::append_json_string(out, conv_);
    return true;
  }

  std::string_view s_;
  Form element_;
  char delim_;
  std::string* why_;
  size_t i_ = 0;
  std::string raw_, conv_;
};

bool scalar_to_canonical(Form form, std::string_view text, std::string& out, std::string* why) {
  switch (form) {
    case Form::AsIs:
      out += text;
      return true;
    case Form::CharTrim: {
      size_t n = text.size();
      while (n > 0 && text[n - 1] == ' ') --n;
      out += text.substr(0, n);
      return true;
    }
    case Form::Bool:
      bool_to_canonical(text, out);
      return true;
    case Form::Float32:
      float_to_canonical<float>(text, out, "real");
      return true;
    case Form::Float64:
      float_to_canonical<double>(text, out, "double precision");
      return true;
    case Form::Bytea:
      bytea_to_raw(text, out);
      return true;
    case Form::ByteaHex:
      bytea_to_hex_text(text, out);
      return true;
    case Form::Date:
      date_to_canonical(text, out);
      return true;
    case Form::Timestamp:
      timestamp_to_canonical(text, out, false);
      return true;
    case Form::TimestampTz:
      timestamp_to_canonical(text, out, true);
      return true;
    case Form::Time:
      time_to_canonical(text, out);
      return true;
    case Form::TimeTz:
      timetz_to_canonical(text, out);
      return true;
    case Form::Interval:
      return interval_to_canonical(text, out, why);
    case Form::IntervalIso:
      interval_iso_to_canonical(text, out);
      return true;
    case Form::Bit:
      bit_to_canonical(text, out);
      return true;
    case Form::Array:
      break;
  }
  fail(FERRY_INTERNAL, "an array element decoder cannot be an array");
}

// ---- decoders -------------------------------------------------------------------------------

struct Builtin {
  uint32_t oid;
  Form form;
  ferry_type type;
};

constexpr Builtin kBuiltins[] = {
    {oid::kBool, Form::Bool, FERRY_TYPE_BOOL},
    {oid::kBytea, Form::Bytea, FERRY_TYPE_BLOB},
    {oid::kName, Form::AsIs, FERRY_TYPE_VARCHAR},
    {oid::kInt8, Form::AsIs, FERRY_TYPE_INT64},
    {oid::kInt2, Form::AsIs, FERRY_TYPE_INT16},
    {oid::kInt4, Form::AsIs, FERRY_TYPE_INT32},
    {oid::kText, Form::AsIs, FERRY_TYPE_TEXT},
    {oid::kOid, Form::AsIs, FERRY_TYPE_INT64},
    {oid::kJson, Form::AsIs, FERRY_TYPE_JSON},
    {oid::kFloat4, Form::Float32, FERRY_TYPE_FLOAT32},
    {oid::kFloat8, Form::Float64, FERRY_TYPE_FLOAT64},
    {oid::kMacaddr, Form::AsIs, FERRY_TYPE_MACADDR},
    {oid::kCidr, Form::AsIs, FERRY_TYPE_CIDR},
    {oid::kInet, Form::AsIs, FERRY_TYPE_INET},
    {oid::kBpchar, Form::CharTrim, FERRY_TYPE_CHAR},
    {oid::kVarchar, Form::AsIs, FERRY_TYPE_VARCHAR},
    {oid::kDate, Form::Date, FERRY_TYPE_DATE},
    {oid::kTime, Form::Time, FERRY_TYPE_TIME},
    {oid::kTimestamp, Form::Timestamp, FERRY_TYPE_TIMESTAMP},
    {oid::kTimestamptz, Form::TimestampTz, FERRY_TYPE_TIMESTAMPTZ},
    {oid::kInterval, Form::IntervalIso, FERRY_TYPE_INTERVAL},
    {oid::kTimetz, Form::TimeTz, FERRY_TYPE_TIMETZ},
    {oid::kNumeric, Form::AsIs, FERRY_TYPE_DECIMAL},
    {oid::kUuid, Form::AsIs, FERRY_TYPE_UUID},
    {oid::kJsonb, Form::AsIs, FERRY_TYPE_JSON},
};

// Built-in array types → their element type (pg_type.dat). int2vector and oidvector are left
// out: their text is space-separated, not an array literal.
constexpr std::pair<uint32_t, uint32_t> kBuiltinArrays[] = {
    {1000, 16},   {1001, 17},   {1002, 18},   {1003, 19},   {1016, 20},   {1005, 21},
    {1006, 22},   {1007, 23},   {1008, 24},   {1009, 25},   {1028, 26},   {1010, 27},
    {1011, 28},   {1012, 29},   {1013, 30},   {199, 114},   {143, 142},   {1017, 600},
    {1018, 601},  {1019, 602},  {1020, 603},  {1027, 604},  {629, 628},   {651, 650},
    {1021, 700},  {1022, 701},  {719, 718},   {775, 774},   {791, 790},   {1040, 829},
    {1041, 869},  {1034, 1033}, {1014, 1042}, {1015, 1043}, {1182, 1082}, {1183, 1083},
    {1115, 1114}, {1185, 1184}, {1187, 1186}, {1270, 1266}, {1561, 1560}, {1563, 1562},
    {1231, 1700}, {2201, 1790}, {2207, 2202}, {2208, 2203}, {2209, 2204}, {2210, 2205},
    {2211, 2206}, {1263, 2275}, {2951, 2950}, {2949, 2970}, {3221, 3220}, {3643, 3614},
    {3645, 3615}, {3644, 3642}, {3735, 3734}, {3770, 3769}, {3807, 3802}, {3905, 3904},
    {3907, 3906}, {3909, 3908}, {3911, 3910}, {3913, 3912}, {3927, 3926}, {4073, 4072},
    {4090, 4089}, {4097, 4096}, {4192, 4191}, {6150, 4451}, {6151, 4532}, {6152, 4533},
    {6153, 4534}, {6155, 4535}, {6157, 4536}, {5039, 5038}, {271, 5069},
};

}  // namespace

std::optional<uint32_t> builtin_array_element(uint32_t type_oid) {
  for (const auto& [array, element] : kBuiltinArrays) {
    if (array == type_oid) return element;
  }
  return std::nullopt;
}

namespace {

char delimiter_of(uint32_t element_oid, const TypeCatalog* catalog) {
  if (element_oid == oid::kBox) return ';';
  if (catalog) {
    if (const CatalogType* t = catalog->find(element_oid)) return t->delimiter;
  }
  return ',';
}

Decoder resolve(uint32_t type_oid, int32_t typmod, const TypeCatalog* catalog, int depth);

Decoder array_of(uint32_t element_oid, int32_t typmod, const TypeCatalog* catalog, int depth) {
  const Decoder e = resolve(element_oid, typmod, catalog, depth + 1);
  Decoder d;
  d.form = Form::Array;
  d.type = FERRY_TYPE_ARRAY;
  d.delimiter = delimiter_of(element_oid, catalog);
  if (e.form == Form::Array) {  // an array of a domain over an array: elements as text
    d.element_form = Form::AsIs;
    d.element_type = FERRY_TYPE_OTHER;
  } else {
    d.element_form = e.form == Form::Bytea ? Form::ByteaHex : e.form;
    d.element_type = e.type;
  }
  return d;
}

Decoder resolve(uint32_t type_oid, int32_t typmod, const TypeCatalog* catalog, int depth) {
  if (depth > 16) return Decoder{};  // a cycle in a broken catalog
  if (type_oid == oid::kBit) {
    if (typmod >= 1 && typmod <= 64) return Decoder{Form::Bit, FERRY_TYPE_BIT};
    return Decoder{};
  }
  for (const auto& b : kBuiltins) {
    if (b.oid == type_oid) return Decoder{b.form, b.type};
  }
  if (const auto e = builtin_array_element(type_oid)) {
    return array_of(*e, typmod, catalog, depth);
  }
  const CatalogType* t = catalog ? catalog->find(type_oid) : nullptr;
  if (!t) return Decoder{};
  switch (t->kind) {
    case 'e':
      return Decoder{Form::AsIs, FERRY_TYPE_ENUM};
    case 'd':
      return resolve(t->base_oid, typmod >= 0 ? typmod : t->base_typmod, catalog, depth + 1);
    default:
      if (t->element_oid != 0) return array_of(t->element_oid, typmod, catalog, depth);
      return Decoder{};
  }
}

// ---- canonical → PostgreSQL -----------------------------------------------------------------

[[noreturn]] void bad_canonical(const Encoder& e, std::string_view value, const std::string& why) {
  fail(FERRY_INVALID_ARGUMENT, (e.site.empty() ? std::string() : e.site + ": ") + "value '" +
                                   shown_value(value) + "' " + why);
}

[[noreturn]] void not_canonical(const Encoder& e, std::string_view value, const char* form) {
  bad_canonical(e, value,
                std::string("is not a canonical ") + type_name(e.type) + " (" + form + ")");
}

void check_no_nul(const Encoder& e, std::string_view value) {
  if (value.find('\0') != std::string_view::npos) {
    bad_canonical(e, value, "contains a NUL byte, which PostgreSQL text cannot hold");
  }
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s) {
    if (!is_digit(c)) return false;
  }
  return true;
}

// Canonical [-]YYYY-MM-DD (year of 4+ digits).
bool scan_canonical_date(Scan& sc, DateParts& d) {
  const bool negative = sc.eat('-');
  uint64_t y, m, dd;
  if (!sc.digits(4, 9, y) || !sc.eat('-') || !sc.digits(2, 2, m) || !sc.eat('-') ||
      !sc.digits(2, 2, dd)) {
    return false;
  }
  d.year = negative ? -static_cast<int64_t>(y) : static_cast<int64_t>(y);
  d.month = static_cast<unsigned>(m);
  d.day = static_cast<unsigned>(dd);
  return true;
}

// The date checks shared by DATE / TIMESTAMP / TIMESTAMPTZ: zero dates and impossible days.
void check_date(const Encoder& e, std::string_view value, const DateParts& d) {
  if (d.month == 0 || d.day == 0) {
    bad_canonical(e, value,
                  "is a MySQL zero date, which PostgreSQL cannot store (map it in the task, e.g. "
                  "to NULL)");
  }
  if (d.month > 12 || d.day > days_in_month(d.year, d.month)) {
    bad_canonical(e, value, "is not a valid date");
  }
}

void put_bc_date(std::string& out, const DateParts& d) {
  char buf[48];
  const int n = std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u",
                              static_cast<long long>(1 - d.year), d.month, d.day);
  out.append(buf, static_cast<size_t>(n));
}

void date_to_pg(std::string& out, const Encoder& e, std::string_view v) {
  if (is_infinity(v)) {
    out += v;
    return;
  }
  Scan sc{v};
  DateParts d;
  if (!scan_canonical_date(sc, d) || !sc.done()) not_canonical(e, v, "YYYY-MM-DD");
  check_date(e, v, d);
  if (d.year >= 1) {
    out += v;
  } else {
    put_bc_date(out, d);
    out += " BC";
  }
}

void timestamp_to_pg(std::string& out, const Encoder& e, std::string_view v, bool with_tz) {
  if (is_infinity(v)) {
    out += v;
    return;
  }
  const char* form = with_tz ? "YYYY-MM-DDTHH:MM:SS[.f]Z" : "YYYY-MM-DDTHH:MM:SS[.f]";
  Scan sc{v};
  DateParts d;
  TimeParts t;
  uint64_t h, m, s;
  if (!scan_canonical_date(sc, d) || !sc.eat('T') || !sc.digits(2, 2, h) || !sc.eat(':') ||
      !sc.digits(2, 2, m) || !sc.eat(':') || !sc.digits(2, 2, s) || !sc.fraction(t.fraction) ||
      (with_tz && !sc.eat('Z')) || !sc.done()) {
    not_canonical(e, v, form);
  }
  check_date(e, v, d);
  if (h > 23 || m > 59 || s > 59) bad_canonical(e, v, "is not a valid time of day");
  if (d.year >= 1) {
    out += v;
    return;
  }
  t.hour = h;
  t.minute = static_cast<unsigned>(m);
  t.second = static_cast<unsigned>(s);
  put_bc_date(out, d);
  out += ' ';
  put2(out, static_cast<unsigned>(t.hour));
  out += ':';
  put2(out, t.minute);
  out += ':';
  put2(out, t.second);
  if (!t.fraction.empty()) {
    out += '.';
    out += t.fraction;
  }
  out += with_tz ? "+00 BC" : " BC";
}

// [-]H:MM:SS[.f]; returns whether negative.
bool scan_canonical_time(const Encoder& e, std::string_view v, TimeParts& t) {
  Scan sc{v};
  const bool negative = sc.eat('-');
  uint64_t h, m, s;
  if (!sc.digits(1, 18, h) || !sc.eat(':') || !sc.digits(2, 2, m) || !sc.eat(':') ||
      !sc.digits(2, 2, s) || !sc.fraction(t.fraction) || !sc.done() || m > 59 || s > 59) {
    not_canonical(e, v, "[-]H:MM:SS[.f]");
  }
  t.hour = h;
  t.minute = static_cast<unsigned>(m);
  t.second = static_cast<unsigned>(s);
  return negative;
}

void time_to_pg(std::string& out, const Encoder& e, std::string_view v) {
  TimeParts t;
  const bool negative = scan_canonical_time(e, v, t);
  const bool frac = t.fraction.find_first_not_of('0') != std::string_view::npos;
  const bool zero = t.hour == 0 && t.minute == 0 && t.second == 0 && !frac;
  if ((negative && !zero) || t.hour > 24 || (t.hour == 24 && (t.minute || t.second || frac))) {
    bad_canonical(e, v,
                  "is out of range for PostgreSQL time (0:00:00 to 24:00:00); map the column to "
                  "interval to keep it");
  }
  if (negative) {
    out += v.substr(1);
  } else {
    out += v;
  }
}

void timetz_to_pg(std::string& out, const Encoder& e, std::string_view v) {
  const size_t z = v.find_last_of("+-");
  if (z == std::string_view::npos || z == 0) not_canonical(e, v, "H:MM:SS[.f]+HH:MM");
  TimeParts t;
  if (scan_canonical_time(e, v.substr(0, z), t) || t.hour > 24) {
    bad_canonical(e, v, "is out of range for PostgreSQL time with time zone");
  }
  Scan sc{v.substr(z)};
  int64_t offset = 0;
  if (!scan_pg_offset(sc, offset) || !sc.done()) not_canonical(e, v, "H:MM:SS[.f]+HH:MM");
  out += v;
}

// The ISO 8601 form of an interval with a year, month or day part (pg_values.hpp):
// P[nY][nM][nD][T[nH][nM][n[.f]S]], each number signed on its own, at least one part.
bool is_canonical_iso_interval(std::string_view v) {
  Scan sc{v};
  if (!sc.eat('P')) return false;
  bool any = false;
  auto part = [&](char unit, bool fraction) {
    const size_t mark = sc.i;
    sc.eat('-');
    uint64_t n;
    std::string_view frac;
    if (!sc.digits(1, 18, n) || (fraction && !sc.fraction(frac)) || !sc.eat(unit)) {
      sc.i = mark;
      return false;
    }
    any = true;
    return true;
  };
  part('Y', false);
  part('M', false);
  part('D', false);
  if (!any) return false;  // a time-only interval has the H:MM:SS form
  if (sc.eat('T')) {
    const bool h = part('H', false), m = part('M', false), sec = part('S', true);
    if (!h && !m && !sec) return false;
  }
  return sc.done();
}

void interval_to_pg(std::string& out, const Encoder& e, std::string_view v) {
  if (!v.empty() && v[0] == 'P') {
    if (!is_canonical_iso_interval(v)) {
      not_canonical(e, v, "[-]H:MM:SS[.f], or P[nY][nM][nD][T[nH][nM][n[.f]S]]");
    }
    out += v;  // interval_in reads ISO 8601 exactly, whatever the IntervalStyle
    return;
  }
  TimeParts t;
  scan_canonical_time(e, v, t);
  out += v;
}

void bit_to_pg(std::string& out, const Encoder& e, std::string_view v, int64_t length) {
  uint64_t n = 0;
  const auto r = std::from_chars(v.data(), v.data() + v.size(), n);
  if (v.empty() || r.ec != std::errc() || r.ptr != v.data() + v.size() || v[0] == '+') {
    not_canonical(e, v, "an unsigned integer up to 18446744073709551615");
  }
  int width = 0;
  if (length >= 1 && length <= 64) {
    width = static_cast<int>(length);
    if (width < 64 && (n >> width) != 0) {
      bad_canonical(e, v, "does not fit in bit(" + std::to_string(width) + ")");
    }
  } else {
    width = 1;
    while (width < 64 && (n >> width) != 0) ++width;
  }
  for (int i = width - 1; i >= 0; --i) out += ((n >> i) & 1u) ? '1' : '0';
}

void decimal_to_pg(std::string& out, const Encoder& e, std::string_view v) {
  if (v == "NaN" || v == "Infinity" || v == "-Infinity") {
    out += v;
    return;
  }
  std::string_view s = v;
  if (!s.empty() && s[0] == '-') s.remove_prefix(1);
  const size_t dot = s.find('.');
  const std::string_view ip = s.substr(0, dot);
  const std::string_view fp =
      dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
  if ((ip.empty() && fp.empty()) || (!ip.empty() && !all_digits(ip)) ||
      (dot != std::string_view::npos && !fp.empty() && !all_digits(fp)) ||
      (dot != std::string_view::npos && fp.empty() && ip.empty())) {
    not_canonical(e, v, "plain decimal text");
  }
  out += v;
}

void float_to_pg(std::string& out, const Encoder& e, std::string_view v) {
  if (v == "nan") {
    out += "NaN";
    return;
  }
  if (v == "inf") {
    out += "Infinity";
    return;
  }
  if (v == "-inf") {
    out += "-Infinity";
    return;
  }
  double d = 0;
  const auto r = std::from_chars(v.data(), v.data() + v.size(), d);
  if (v.empty() || r.ec != std::errc() || r.ptr != v.data() + v.size() ||
      !(is_digit(v.back()) || v.back() == '.')) {
    not_canonical(e, v, "a number, nan, inf or -inf");
  }
  out += v;
}

void integer_to_pg(std::string& out, const Encoder& e, std::string_view v) {
  const std::string_view d = !v.empty() && v[0] == '-' ? v.substr(1) : v;
  if (!all_digits(d)) not_canonical(e, v, "plain decimal text");
  out += v;
}

void bytes_to_pg(std::string& out, std::string_view v) {
  out.reserve(out.size() + 2 + v.size() * 2);
  out += "\\x";
  for (const char c : v) append_hex_byte(out, static_cast<unsigned char>(c));
}

// Canonical ARRAY (JSON) → an array literal, every element quoted.
class ArrayWriter {
 public:
  ArrayWriter(const Encoder& array, std::string_view text)
      : e_(array),
        s_(text),
        element_{array.element_type, FERRY_TYPE_UNKNOWN, array.length,
                 array.site.empty() ? std::string("an array element")
                                    : array.site + " (an array element)"},
        binary_elements_(
            array.element_type == FERRY_TYPE_BINARY || array.element_type == FERRY_TYPE_VARBINARY ||
            array.element_type == FERRY_TYPE_BLOB || array.element_type == FERRY_TYPE_GEOMETRY) {}

  void write(std::string& out) {
    skip_space();
    if (i_ >= s_.size() || s_[i_] != '[') bad("expected [");
    array(out, 1);
    skip_space();
    if (i_ != s_.size()) bad("text after the closing ]");
  }

 private:
  [[noreturn]] void bad(const std::string& what) const {
    bad_canonical(e_, s_,
                  "is not a canonical ARRAY (a JSON array of strings and nulls): " + what +
                      " at offset " + std::to_string(i_));
  }
  void skip_space() {
    while (i_ < s_.size() &&
           (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) {
      ++i_;
    }
  }
  void array(std::string& out, int depth) {
    if (depth > kMaxArrayDepth) bad("more than 6 dimensions");
    ++i_;  // '['
    out += '{';
    skip_space();
    if (i_ < s_.size() && s_[i_] == ']') {
      ++i_;
      out += '}';
      return;
    }
    while (true) {
      skip_space();
      if (i_ >= s_.size()) bad("unterminated array");
      const char c = s_[i_];
      if (c == '[') {
        array(out, depth + 1);
      } else if (c == '"') {
        string(str_);
        element(out, str_);
      } else if (s_.substr(i_, 4) == "null") {
        i_ += 4;
        out += "NULL";
      } else if (c == '-' || is_digit(c)) {
        const size_t start = i_;
        while (i_ < s_.size() && (is_digit(s_[i_]) || s_[i_] == '-' || s_[i_] == '+' ||
                                  s_[i_] == '.' || s_[i_] == 'e' || s_[i_] == 'E')) {
          ++i_;
        }
        element(out, s_.substr(start, i_ - start));
      } else {
        bad("expected a string, null or an array");
      }
      skip_space();
      if (i_ >= s_.size()) bad("unterminated array");
      if (s_[i_] == ',') {
        ++i_;
        out += ',';
      } else if (s_[i_] == ']') {
        ++i_;
        out += '}';
        return;
      } else {
        bad("expected , or ]");
      }
    }
  }
  void element(std::string& out, std::string_view value) {
    conv_.clear();
    if (binary_elements_) {
      // Raw bytes cannot live in JSON text: binary elements are PostgreSQL hex text already.
      bool ok = value.size() >= 2 && value[0] == '\\' && value[1] == 'x' && value.size() % 2 == 0;
      for (size_t k = 2; ok && k < value.size(); ++k) ok = hex_value(value[k]) >= 0;
      if (!ok) bad("a binary element that is not \\x hex text");
      conv_ = value;
    } else {
      append_pg_text(conv_, element_, value);
    }
    out += '"';
    for (const char c : conv_) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  uint32_t hex4() {
    if (i_ + 4 > s_.size()) bad("a short \\u escape");
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      const int h = hex_value(s_[i_++]);
      if (h < 0) bad("a bad \\u escape");
      v = v * 16 + static_cast<uint32_t>(h);
    }
    return v;
  }
  void put_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xc0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xe0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      out += static_cast<char>(0xf0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    }
  }
  void string(std::string& out) {
    out.clear();
    ++i_;  // '"'
    while (true) {
      if (i_ >= s_.size()) bad("an unterminated string");
      const char c = s_[i_++];
      if (c == '"') return;
      if (static_cast<unsigned char>(c) < 0x20) bad("a control character in a string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i_ >= s_.size()) bad("an unterminated string");
      const char x = s_[i_++];
      switch (x) {
        case '"':
        case '\\':
        case '/':
          out += x;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          uint32_t cp = hex4();
          if (cp >= 0xd800 && cp < 0xdc00) {
            if (s_.substr(i_, 2) != "\\u") bad("a lone surrogate");
            i_ += 2;
            const uint32_t lo = hex4();
            if (lo < 0xdc00 || lo >= 0xe000) bad("a lone surrogate");
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          } else if (cp >= 0xdc00 && cp < 0xe000) {
            bad("a lone surrogate");
          }
          put_utf8(out, cp);
          break;
        }
        default:
          bad("an unknown escape");
      }
    }
  }

  const Encoder& e_;
  std::string_view s_;
  Encoder element_;
  bool binary_elements_;
  size_t i_ = 0;
  std::string str_, conv_;
};

}  // namespace

// ---- public: source side --------------------------------------------------------------------

Decoder decoder_for(uint32_t type_oid, int32_t typmod, const TypeCatalog* catalog) {
  return resolve(type_oid, typmod, catalog, 0);
}

std::vector<Decoder> decoders_for(const Relation& relation, const TypeCatalog* catalog) {
  std::vector<Decoder> out;
  out.reserve(relation.columns.size());
  for (const auto& c : relation.columns) {
    out.push_back(decoder_for(c.type_oid, c.type_modifier, catalog));
  }
  return out;
}

bool to_canonical(const Decoder& decoder, std::string_view pg_text, std::string& out,
                  std::string* why) {
  const size_t mark = out.size();
  bool ok;
  if (decoder.form == Form::Array) {
    ArrayReader r(pg_text, decoder.element_form, decoder.delimiter, why);
    ok = r.read(out);
  } else {
    ok = scalar_to_canonical(decoder.form, pg_text, out, why);
  }
  if (!ok) out.resize(mark);
  return ok;
}

bool append_canonical(BatchBuilder& out, const Decoder& decoder, std::string_view pg_text,
                      std::string* why) {
  if (decoder.form == Form::AsIs) {
    out.add_cell(pg_text);
    return true;
  }
  thread_local std::string scratch;
  scratch.clear();
  if (!to_canonical(decoder, pg_text, scratch, why)) return false;
  out.add_cell(scratch);
  return true;
}

bool append_value(BatchBuilder& out, const Decoder& decoder, const TupleValue& value,
                  std::string* why) {
  switch (value.kind) {
    case ValueKind::Null:
      out.add_null();
      return true;
    case ValueKind::Unchanged:
      out.add_cell({}, FERRY_CELL_UNCHANGED);
      return true;
    case ValueKind::Text:
      return append_canonical(out, decoder, value.data, why);
    case ValueKind::Binary:
      break;
  }
  fail(FERRY_NOT_SUPPORTED,
       "pgoutput sent a value in binary format; ferry reads text (do not start the slot with "
       "binary 'true')");
}

// ---- public: destination side ---------------------------------------------------------------

Encoder encoder_for(const ferry_column& column, std::string site) {
  return Encoder{column.type, column.element_type, column.length, std::move(site)};
}

Encoder encoder_for(const Column& column, std::string site) {
  return Encoder{column.type, column.element_type, column.length, std::move(site)};
}

void append_pg_text(std::string& out, const Encoder& e, std::string_view v) {
  switch (e.type) {
    case FERRY_TYPE_BOOL:
      if (v == "1") {
        out += 't';
      } else if (v == "0") {
        out += 'f';
      } else {
        not_canonical(e, v, "0 or 1");
      }
      return;
    case FERRY_TYPE_INT8:
    case FERRY_TYPE_INT16:
    case FERRY_TYPE_INT24:
    case FERRY_TYPE_INT32:
    case FERRY_TYPE_INT64:
    case FERRY_TYPE_YEAR:
      integer_to_pg(out, e, v);
      return;
    case FERRY_TYPE_DECIMAL:
      decimal_to_pg(out, e, v);
      return;
    case FERRY_TYPE_FLOAT32:
    case FERRY_TYPE_FLOAT64:
      float_to_pg(out, e, v);
      return;
    case FERRY_TYPE_BINARY:
    case FERRY_TYPE_VARBINARY:
    case FERRY_TYPE_BLOB:
    case FERRY_TYPE_GEOMETRY:
      bytes_to_pg(out, v);
      return;
    case FERRY_TYPE_DATE:
      date_to_pg(out, e, v);
      return;
    case FERRY_TYPE_TIMESTAMP:
      timestamp_to_pg(out, e, v, false);
      return;
    case FERRY_TYPE_TIMESTAMPTZ:
      timestamp_to_pg(out, e, v, true);
      return;
    case FERRY_TYPE_TIME:
      time_to_pg(out, e, v);
      return;
    case FERRY_TYPE_TIMETZ:
      timetz_to_pg(out, e, v);
      return;
    case FERRY_TYPE_INTERVAL:
      interval_to_pg(out, e, v);
      return;
    case FERRY_TYPE_BIT:
      bit_to_pg(out, e, v, e.length);
      return;
    case FERRY_TYPE_ARRAY: {
      ArrayWriter w(e, v);
      w.write(out);
      return;
    }
    default:  // text, JSON, ENUM, SET, UUID, INET, CIDR, MACADDR, OTHER
      check_no_nul(e, v);
      out += v;
      return;
  }
}

std::string to_pg_text(const Encoder& encoder, std::string_view canonical) {
  std::string out;
  append_pg_text(out, encoder, canonical);
  return out;
}

void append_copy_escaped(std::string& out, std::string_view text) {
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const char* rep = nullptr;
    switch (c) {
      case '\\':
        rep = "\\\\";
        break;
      case '\t':
        rep = "\\t";
        break;
      case '\n':
        rep = "\\n";
        break;
      case '\r':
        rep = "\\r";
        break;
      default:
        continue;
    }
    out.append(text.substr(start, i - start));
    out += rep;
    start = i + 1;
  }
  out.append(text.substr(start));
}

void append_copy_field(std::string& out, const Encoder& encoder, const Cell& cell) {
  if (cell.is_null()) {
    out += "\\N";
    return;
  }
  if (cell.flags & (FERRY_CELL_UNCHANGED | FERRY_CELL_DEFAULT)) {
    fail(FERRY_INVALID_ARGUMENT,
         (encoder.site.empty() ? std::string() : encoder.site + ": ") +
             (cell.is_unchanged() ? "an unchanged (TOAST) cell" : "a DEFAULT cell") +
             " cannot be written with COPY");
  }
  thread_local std::string scratch;
  scratch.clear();
  append_pg_text(scratch, encoder, cell.data);
  append_copy_escaped(out, scratch);
}

void append_sql_literal(std::string& out, std::string_view text) {
  if (text.find('\0') != std::string_view::npos) {
    fail(FERRY_INVALID_ARGUMENT, "value '" + shown_value(text) +
                                     "' contains a NUL byte, which PostgreSQL text cannot hold");
  }
  out += '\'';
  size_t start = 0;
  for (size_t q = text.find('\''); q != std::string_view::npos; q = text.find('\'', start)) {
    out.append(text.substr(start, q + 1 - start));
    out += '\'';
    start = q + 1;
  }
  out.append(text.substr(start));
  out += '\'';
}

std::string shown_value(std::string_view v) {
  std::string out;
  size_t i = 0;
  while (i < v.size() && out.size() < 64) {
    const auto c = static_cast<unsigned char>(v[i]);
    size_t len = 0;
    if (c >= 0x20 && c < 0x7f) {
      len = 1;
    } else if (c >= 0xc2 && c <= 0xdf) {
      len = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
      len = 3;
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4;
    }
    bool ok = len != 0 && i + len <= v.size();
    for (size_t k = 1; ok && k < len; ++k) {
      ok = (static_cast<unsigned char>(v[i + k]) & 0xc0) == 0x80;
    }
    if (ok) {
      out.append(v.substr(i, len));
      i += len;
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
      ++i;
    }
  }
  if (i < v.size()) out += "...";
  return out;
}

}  // namespace ferry::pg
