#include "pg_binary.hpp"

#include "json_text.hpp"

#include <ferry/sdk/error.hpp>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <system_error>

namespace ferry::pg {

namespace {

// ---- big-endian ---------------------------------------------------------------------------

uint16_t be16(const char* p) {
  const auto* b = reinterpret_cast<const unsigned char*>(p);
  return static_cast<uint16_t>(b[0] << 8 | b[1]);
}
uint32_t be32(const char* p) {
  const auto* b = reinterpret_cast<const unsigned char*>(p);
  return uint32_t{b[0]} << 24 | uint32_t{b[1]} << 16 | uint32_t{b[2]} << 8 | b[3];
}
uint64_t be64(const char* p) {
  return uint64_t{be32(p)} << 32 | be32(p + 4);
}

void put_be16(std::string& out, uint16_t v) {
  const char b[2] = {static_cast<char>(v >> 8), static_cast<char>(v)};
  out.append(b, 2);
}
void put_be32(std::string& out, uint32_t v) {
  const char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                     static_cast<char>(v >> 8), static_cast<char>(v)};
  out.append(b, 4);
}
void put_be64(std::string& out, uint64_t v) {
  put_be32(out, static_cast<uint32_t>(v >> 32));
  put_be32(out, static_cast<uint32_t>(v));
}

// ---- types --------------------------------------------------------------------------------

// Through domains to the base type.
uint32_t base_type(uint32_t type_oid, const TypeCatalog* catalog) {
  for (int depth = 0; catalog && depth < 16; ++depth) {
    const CatalogType* t = catalog->find(type_oid);
    if (!t || t->kind != 'd') break;
    type_oid = t->base_oid;
  }
  return type_oid;
}

bool is_enum(uint32_t type_oid, const TypeCatalog* catalog) {
  const CatalogType* t = catalog ? catalog->find(type_oid) : nullptr;
  return t && t->kind == 'e';
}

// The binary form of a scalar base type whose text decoder form is `form`; nullopt when the
// two would not give the same text.
std::optional<BinForm> scalar_form(uint32_t base, Form form, const TypeCatalog* catalog) {
  auto when = [&](Form expected, BinForm f) -> std::optional<BinForm> {
    if (form == expected) return f;
    return std::nullopt;
  };
  switch (base) {
    case oid::kInt2:
      return when(Form::AsIs, BinForm::Int2);
    case oid::kInt4:
      return when(Form::AsIs, BinForm::Int4);
    case oid::kInt8:
      return when(Form::AsIs, BinForm::Int8);
    case oid::kOid:
      return when(Form::AsIs, BinForm::Oid);
    case oid::kBool:
      return when(Form::Bool, BinForm::Bool);
    case oid::kFloat4:
      return when(Form::Float32, BinForm::Float4);
    case oid::kFloat8:
      return when(Form::Float64, BinForm::Float8);
    case oid::kNumeric:
      return when(Form::AsIs, BinForm::Numeric);
    case oid::kText:
    case oid::kVarchar:
    case oid::kName:
    case oid::kJson:
      return when(Form::AsIs, BinForm::Text);
    case oid::kBpchar:
      if (form == Form::AsIs) return BinForm::Text;
      return when(Form::CharTrim, BinForm::CharTrim);
    case oid::kBytea:
      if (form == Form::ByteaHex) return BinForm::ByteaHex;
      return when(Form::Bytea, BinForm::Bytea);
    case oid::kJsonb:
      return when(Form::AsIs, BinForm::Jsonb);
    case oid::kDate:
      return when(Form::Date, BinForm::Date);
    case oid::kTime:
      return when(Form::Time, BinForm::Time);
    case oid::kTimetz:
      return when(Form::TimeTz, BinForm::TimeTz);
    case oid::kTimestamp:
      return when(Form::Timestamp, BinForm::Timestamp);
    case oid::kTimestamptz:
      return when(Form::TimestampTz, BinForm::TimestampTz);
    case oid::kInterval:
      return when(Form::Interval, BinForm::Interval);
    case oid::kUuid:
      return when(Form::AsIs, BinForm::Uuid);
    case oid::kBit:
      if (form == Form::Bit) return BinForm::Bit;
      return when(Form::AsIs, BinForm::BitText);
    case oid::kVarbit:
      return when(Form::AsIs, BinForm::BitText);
    case oid::kMacaddr:
      return when(Form::AsIs, BinForm::Macaddr);
    case oid::kMacaddr8:
      return when(Form::AsIs, BinForm::Macaddr8);
    default:
      break;
  }
  if (is_enum(base, catalog)) return when(Form::AsIs, BinForm::Text);
  return std::nullopt;
}

// ---- binary → canonical -------------------------------------------------------------------

[[noreturn]] void bad_binary(const char* type, size_t size) {
  fail(FERRY_DATA_LOSS, std::string("binary COPY: a ") + type + " value of " +
                            std::to_string(size) + " bytes is malformed");
}

template <typename T>
void put_num(std::string& out, T v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, static_cast<size_t>(r.ptr - buf));
}

void put2(std::string& out, unsigned v) {
  const char b[2] = {static_cast<char>('0' + v / 10 % 10), static_cast<char>('0' + v % 10)};
  out.append(b, 2);
}

constexpr int64_t kPgEpochDays = 10957;  // 2000-01-01 - 1970-01-01, in days
constexpr int64_t kUsecPerDay = 86400000000;

// A year as the text decoder writes it: a sign for years ≤ 0 (astronomical), 4+ digits.
void put_year(std::string& out, int64_t y) {
  if (y < 0) {
    out += '-';
    y = -y;
  }
  char buf[24];
  const int n = std::snprintf(buf, sizeof buf, "%04lld", static_cast<long long>(y));
  out.append(buf, static_cast<size_t>(n));
}

void put_date_days(std::string& out, int64_t days_since_2000) {
  int64_t y;
  unsigned m, d;
  civil_from_days(days_since_2000 + kPgEpochDays, y, m, d);
  put_year(out, y);
  out += '-';
  put2(out, m);
  out += '-';
  put2(out, d);
}

// .ffffff without trailing zeros (nothing for 0), as PostgreSQL prints fractions.
void put_fraction(std::string& out, uint64_t us) {
  auto frac = static_cast<unsigned>(us % 1000000);
  if (frac == 0) return;
  char f[7];
  f[0] = '.';
  for (int i = 6; i >= 1; --i) {
    f[i] = static_cast<char>('0' + frac % 10);
    frac /= 10;
  }
  size_t n = 7;
  while (f[n - 1] == '0') --n;
  out.append(f, n);
}

// H:MM:SS[.f] of a non-negative count of microseconds (hours unpadded).
void put_time_of(std::string& out, uint64_t us) {
  const uint64_t secs = us / 1000000;
  put_num(out, secs / 3600);
  out += ':';
  put2(out, static_cast<unsigned>(secs / 60 % 60));
  out += ':';
  put2(out, static_cast<unsigned>(secs % 60));
  put_fraction(out, us);
}

void put_timestamp(std::string& out, int64_t us, bool tz) {
  if (us == std::numeric_limits<int64_t>::max()) {
    out += "infinity";
    return;
  }
  if (us == std::numeric_limits<int64_t>::min()) {
    out += "-infinity";
    return;
  }
  int64_t days = us / kUsecPerDay, rem = us % kUsecPerDay;
  if (rem < 0) {
    rem += kUsecPerDay;
    --days;
  }
  put_date_days(out, days);
  out += 'T';
  const auto secs = static_cast<unsigned>(rem / 1000000);
  put2(out, secs / 3600);
  out += ':';
  put2(out, secs / 60 % 60);
  out += ':';
  put2(out, secs % 60);
  put_fraction(out, static_cast<uint64_t>(rem));
  if (tz) out += 'Z';
}

template <typename F>
void put_float(std::string& out, F v) {
  if (std::isnan(v)) {
    out += "nan";
  } else if (std::isinf(v)) {
    out += v > 0 ? "inf" : "-inf";
  } else {
    put_num(out, v);
  }
}

// numeric_send's layout → numeric_out's text (get_str_from_var): dscale fraction digits.
void put_numeric(std::string& out, const char* p, size_t n) {
  if (n < 8) bad_binary("numeric", n);
  const auto ndigits = static_cast<int16_t>(be16(p));
  const auto weight = static_cast<int16_t>(be16(p + 2));
  const uint16_t sign = be16(p + 4), dscale = be16(p + 6);
  if (ndigits < 0 || n != 8 + 2 * static_cast<size_t>(ndigits)) bad_binary("numeric", n);
  switch (sign) {
    case 0x0000:
    case 0x4000:
      break;
    case 0xC000:
      out += "NaN";
      return;
    case 0xD000:
      out += "Infinity";
      return;
    case 0xF000:
      out += "-Infinity";
      return;
    default:
      bad_binary("numeric", n);
  }
  auto digit = [&](int i) -> unsigned {
    if (i < 0 || i >= ndigits) return 0;
    const unsigned d = be16(p + 8 + 2 * i);
    if (d > 9999) bad_binary("numeric", n);
    return d;
  };
  auto put4 = [&](unsigned v) {
    const char b[4] = {static_cast<char>('0' + v / 1000), static_cast<char>('0' + v / 100 % 10),
                       static_cast<char>('0' + v / 10 % 10), static_cast<char>('0' + v % 10)};
    out.append(b, 4);
  };
  if (sign == 0x4000) out += '-';
  if (weight < 0) {
    out += '0';
  } else {
    put_num(out, digit(0));
    for (int d = 1; d <= weight; ++d) put4(digit(d));
  }
  if (dscale > 0) {
    out += '.';
    const size_t start = out.size();
    for (int d = weight + 1; out.size() - start < dscale; ++d) put4(digit(d));
    out.resize(start + dscale);
  }
}

void put_hex_bytes(std::string& out, const char* p, size_t n, char sep) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < n; ++i) {
    if (sep && i) out += sep;
    const auto b = static_cast<unsigned char>(p[i]);
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
}

void put_uuid(std::string& out, const char* p) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    const auto b = static_cast<unsigned char>(p[i]);
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
}

// An interval for a message, close to IntervalStyle postgres ("1 year 2 mons 3 days 04:05:06").
std::string interval_text(int64_t us, int32_t days, int32_t months) {
  std::string s;
  auto part = [&](int64_t v, const char* one, const char* many) {
    if (v == 0) return;
    if (!s.empty()) s += ' ';
    s += std::to_string(v) + ' ' + (v == 1 || v == -1 ? one : many);
  };
  part(months / 12, "year", "years");
  part(months % 12, "mon", "mons");
  part(days, "day", "days");
  if (us != 0 || s.empty()) {
    if (!s.empty()) s += ' ';
    if (us < 0) s += '-';
    const uint64_t a = us < 0 ? 0 - static_cast<uint64_t>(us) : static_cast<uint64_t>(us);
    const uint64_t secs = a / 1000000;
    if (secs / 3600 < 10) s += '0';
    put_num(s, secs / 3600);
    s += ':';
    put2(s, static_cast<unsigned>(secs / 60 % 60));
    s += ':';
    put2(s, static_cast<unsigned>(secs % 60));
    put_fraction(s, a);
  }
  return s;
}

bool scalar_to_canonical(BinForm form, const char* p, size_t n, std::string& out,
                         std::string* why) {
  auto need = [&](size_t want, const char* type) {
    if (n != want) bad_binary(type, n);
  };
  switch (form) {
    case BinForm::Text:
    case BinForm::Bytea:
      out.append(p, n);
      return true;
    case BinForm::CharTrim:
      while (n > 0 && p[n - 1] == ' ') --n;
      out.append(p, n);
      return true;
    case BinForm::ByteaHex:
      out += "\\x";
      put_hex_bytes(out, p, n, 0);
      return true;
    case BinForm::Jsonb:
      if (n < 1 || p[0] != 1) bad_binary("jsonb (version 1)", n);
      out.append(p + 1, n - 1);
      return true;
    case BinForm::Bool:
      need(1, "boolean");
      out += p[0] ? '1' : '0';
      return true;
    case BinForm::Int2:
      need(2, "smallint");
      put_num(out, static_cast<int16_t>(be16(p)));
      return true;
    case BinForm::Int4:
      need(4, "integer");
      put_num(out, static_cast<int32_t>(be32(p)));
      return true;
    case BinForm::Int8:
      need(8, "bigint");
      put_num(out, static_cast<int64_t>(be64(p)));
      return true;
    case BinForm::Oid:
      need(4, "oid");
      put_num(out, be32(p));
      return true;
    case BinForm::Float4: {
      need(4, "real");
      const uint32_t u = be32(p);
      float f;
      std::memcpy(&f, &u, sizeof f);
      put_float(out, f);
      return true;
    }
    case BinForm::Float8: {
      need(8, "double precision");
      const uint64_t u = be64(p);
      double d;
      std::memcpy(&d, &u, sizeof d);
      put_float(out, d);
      return true;
    }
    case BinForm::Numeric:
      put_numeric(out, p, n);
      return true;
    case BinForm::Date: {
      need(4, "date");
      const auto d = static_cast<int32_t>(be32(p));
      if (d == std::numeric_limits<int32_t>::max()) {
        out += "infinity";
      } else if (d == std::numeric_limits<int32_t>::min()) {
        out += "-infinity";
      } else {
        put_date_days(out, d);
      }
      return true;
    }
    case BinForm::Time: {
      need(8, "time");
      const auto us = static_cast<int64_t>(be64(p));
      if (us < 0) bad_binary("time", n);
      put_time_of(out, static_cast<uint64_t>(us));
      return true;
    }
    case BinForm::TimeTz: {
      need(12, "time with time zone");
      const auto us = static_cast<int64_t>(be64(p));
      if (us < 0) bad_binary("time with time zone", n);
      put_time_of(out, static_cast<uint64_t>(us));
      // The zone is sent in seconds WEST of UTC: +02:00 is -7200.
      const int64_t offset = -static_cast<int64_t>(static_cast<int32_t>(be32(p + 8)));
      const uint64_t a = static_cast<uint64_t>(offset < 0 ? -offset : offset);
      out += offset < 0 ? '-' : '+';
      put2(out, static_cast<unsigned>(a / 3600));
      out += ':';
      put2(out, static_cast<unsigned>(a / 60 % 60));
      if (a % 60 != 0) {
        out += ':';
        put2(out, static_cast<unsigned>(a % 60));
      }
      return true;
    }
    case BinForm::Timestamp:
    case BinForm::TimestampTz:
      need(8, "timestamp");
      put_timestamp(out, static_cast<int64_t>(be64(p)), form == BinForm::TimestampTz);
      return true;
    case BinForm::Interval: {
      need(16, "interval");
      const auto us = static_cast<int64_t>(be64(p));
      const auto days = static_cast<int32_t>(be32(p + 8));
      const auto months = static_cast<int32_t>(be32(p + 12));
      if (days != 0 || months != 0) {
        if (why) {
          *why = "the interval '" + interval_text(us, days, months) +
                 "' has a year, month or day part, which the canonical INTERVAL form "
                 "([-]H:MM:SS) cannot hold exactly (a day is not always 24 hours, a month has "
                 "no fixed length)";
        }
        return false;
      }
      if (us < 0) out += '-';
      put_time_of(out, us < 0 ? 0 - static_cast<uint64_t>(us) : static_cast<uint64_t>(us));
      return true;
    }
    case BinForm::Uuid:
      need(16, "uuid");
      put_uuid(out, p);
      return true;
    case BinForm::Bit:
    case BinForm::BitText: {
      if (n < 4) bad_binary("bit", n);
      const auto bits = static_cast<int32_t>(be32(p));
      if (bits < 0 || n != 4 + (static_cast<size_t>(bits) + 7) / 8) bad_binary("bit", n);
      if (form == BinForm::Bit) {
        if (bits < 1 || bits > 64) bad_binary("bit(n <= 64)", n);
        uint64_t v = 0;
        for (int32_t i = 0; i < bits; ++i) {
          v = (v << 1) | ((static_cast<unsigned char>(p[4 + i / 8]) >> (7 - i % 8)) & 1u);
        }
        put_num(out, v);
      } else {
        for (int32_t i = 0; i < bits; ++i) {
          out += (static_cast<unsigned char>(p[4 + i / 8]) >> (7 - i % 8)) & 1u ? '1' : '0';
        }
      }
      return true;
    }
    case BinForm::Macaddr:
      need(6, "macaddr");
      put_hex_bytes(out, p, 6, ':');
      return true;
    case BinForm::Macaddr8:
      need(8, "macaddr8");
      put_hex_bytes(out, p, 8, ':');
      return true;
    case BinForm::Array:
      break;
  }
  fail(FERRY_INTERNAL, "an array element decoder cannot be an array");
}

constexpr int kMaxArrayDepth = 6;  // PostgreSQL's MAXDIM

// array_send's layout → a JSON array, as the text decoder's ArrayReader writes it.
class ArrayDecoder {
 public:
  ArrayDecoder(BinForm element, const char* p, size_t n, std::string* why)
      : element_(element), p_(p), n_(n), why_(why) {}

  bool read(std::string& out) {
    if (n_ < 12) bad();
    const auto ndim = static_cast<int32_t>(be32(p_));
    // be32(p_ + 4): has-nulls flag; be32(p_ + 8): the element type (a domain's own OID)
    if (ndim < 0 || ndim > kMaxArrayDepth) bad();
    if (ndim == 0) {
      if (n_ != 12) bad();
      out += "[]";
      return true;
    }
    pos_ = 12 + 8 * static_cast<size_t>(ndim);
    if (n_ < pos_) bad();
    for (int32_t d = 0; d < ndim; ++d) {
      const auto size = static_cast<int32_t>(be32(p_ + 12 + 8 * d));
      const auto lower = static_cast<int32_t>(be32(p_ + 16 + 8 * d));
      if (size < 0) bad();
      dims_[d] = size;
      if (lower != 1) {
        if (why_) {
          *why_ = "an array with lower bounds other than 1 (dimension " + std::to_string(d + 1) +
                  " starts at " + std::to_string(lower) + "), which a JSON array cannot express";
        }
        return false;
      }
    }
    ndim_ = ndim;
    if (!level(out, 0)) return false;
    if (pos_ != n_) bad();
    return true;
  }

 private:
  [[noreturn]] void bad() const { bad_binary("array", n_); }

  bool level(std::string& out, int d) {
    out += '[';
    for (int32_t i = 0; i < dims_[d]; ++i) {
      if (i) out += ',';
      if (d + 1 < ndim_) {
        if (!level(out, d + 1)) return false;
        continue;
      }
      if (n_ - pos_ < 4) bad();
      const auto len = static_cast<int32_t>(be32(p_ + pos_));
      pos_ += 4;
      if (len < 0) {
        out += "null";
        continue;
      }
      if (n_ - pos_ < static_cast<size_t>(len)) bad();
      conv_.clear();
      if (!scalar_to_canonical(element_, p_ + pos_, static_cast<size_t>(len), conv_, why_)) {
        return false;
      }
      pos_ += static_cast<size_t>(len);
      common::append_json_string(out, conv_);
    }
    out += ']';
    return true;
  }

  BinForm element_;
  const char* p_;
  size_t n_;
  std::string* why_;
  size_t pos_ = 0;
  int ndim_ = 0;
  int32_t dims_[kMaxArrayDepth] = {};
  std::string conv_;
};

}  // namespace

std::optional<BinaryDecoder> binary_decoder_for(uint32_t type_oid, const Decoder& text,
                                                const TypeCatalog* catalog) {
  const uint32_t base = base_type(type_oid, catalog);
  if (text.form != Form::Array) {
    const auto f = scalar_form(base, text.form, catalog);
    if (!f) return std::nullopt;
    return BinaryDecoder{*f, BinForm::Text};
  }
  std::optional<uint32_t> element = builtin_array_element(base);
  if (!element && catalog) {
    const CatalogType* t = catalog->find(base);
    if (t && t->kind != 'd' && t->element_oid != 0) element = t->element_oid;
  }
  if (!element) return std::nullopt;
  const auto f = scalar_form(base_type(*element, catalog), text.element_form, catalog);
  if (!f) return std::nullopt;
  return BinaryDecoder{BinForm::Array, *f};
}

bool binary_to_canonical(const BinaryDecoder& decoder, std::string_view value, std::string& out,
                         std::string* why) {
  const size_t mark = out.size();
  bool ok;
  if (decoder.form == BinForm::Array) {
    ArrayDecoder a(decoder.element, value.data(), value.size(), why);
    ok = a.read(out);
  } else {
    ok = scalar_to_canonical(decoder.form, value.data(), value.size(), out, why);
  }
  if (!ok) out.resize(mark);
  return ok;
}

// ---- BinaryCopyReader -----------------------------------------------------------------------

void BinaryCopyReader::feed(std::string_view message) {
  if (!carry_.empty()) {
    carry_.append(message);
    data_ = carry_;
  } else {
    data_ = message;
  }
  pos_ = 0;
}

void BinaryCopyReader::keep_rest(size_t from) {
  if (!carry_.empty() && data_.data() == carry_.data()) {
    carry_.erase(0, from);
  } else {
    carry_.assign(data_.substr(from));
  }
  data_ = {};
  pos_ = 0;
}

bool BinaryCopyReader::next(std::vector<BinaryField>& fields) {
  if (ended_) return false;
  // Once a tuple is complete, carry_ may still back data_: it is cleared when fully consumed.
  if (pos_ >= data_.size()) {
    if (!carry_.empty() && data_.data() == carry_.data()) carry_.clear();
    data_ = {};
    pos_ = 0;
    return false;
  }
  const char* p = data_.data();
  const size_t n = data_.size();
  size_t at = pos_;
  if (!header_) {
    static constexpr char kSignature[11] = {'P',  'G',    'C',  'O',  'P', 'Y',
                                            '\n', '\377', '\r', '\n', '\0'};
    if (n - at < 19) {
      keep_rest(at);
      return false;
    }
    if (std::memcmp(p + at, kSignature, 11) != 0) {
      fail(FERRY_DATA_LOSS, "binary COPY data without its signature");
    }
    const uint32_t flags = be32(p + at + 11);
    if ((flags & 0xFFFF0000u) != 0) {
      fail(FERRY_DATA_LOSS, "binary COPY data with unknown critical flags");
    }
    const uint32_t ext = be32(p + at + 15);
    if (n - at - 19 < ext) {
      keep_rest(at);
      return false;
    }
    at += 19 + ext;
    header_ = true;
    pos_ = at;
  }
  if (n - at < 2) {
    keep_rest(at);
    return false;
  }
  const auto count = static_cast<int16_t>(be16(p + at));
  if (count == -1) {
    ended_ = true;
    pos_ = at + 2;
    if (pos_ != n) fail(FERRY_DATA_LOSS, "binary COPY data after its trailer");
    carry_.clear();
    data_ = {};
    pos_ = 0;
    return false;
  }
  if (count < 0 || static_cast<size_t>(count) != width_) {
    fail(FERRY_DATA_LOSS, "binary COPY tuple of " + std::to_string(count) + " fields for " +
                              std::to_string(width_) + " columns");
  }
  fields.resize(width_);
  size_t q = at + 2;
  for (size_t i = 0; i < width_; ++i) {
    if (n - q < 4) {
      keep_rest(at);
      return false;
    }
    const auto len = static_cast<int32_t>(be32(p + q));
    q += 4;
    if (len < -1) fail(FERRY_DATA_LOSS, "binary COPY field of a negative length");
    fields[i].len = len;
    fields[i].data = p + q;
    if (len > 0) {
      if (n - q < static_cast<size_t>(len)) {
        keep_rest(at);
        return false;
      }
      q += static_cast<size_t>(len);
    }
  }
  pos_ = q;
  return true;
}

// ---- destination: canonical → binary ----------------------------------------------------------

namespace {

bool is_integer_type(ferry_type t) {
  switch (t) {
    case FERRY_TYPE_INT8:
    case FERRY_TYPE_INT16:
    case FERRY_TYPE_INT24:
    case FERRY_TYPE_INT32:
    case FERRY_TYPE_INT64:
    case FERRY_TYPE_YEAR:
      return true;
    default:
      return false;
  }
}

bool is_binary_type(ferry_type t) {
  return t == FERRY_TYPE_BINARY || t == FERRY_TYPE_VARBINARY || t == FERRY_TYPE_BLOB ||
         t == FERRY_TYPE_GEOMETRY;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// The text path's own verdict on a value this encoder cannot parse: append_pg_text throws the
// error the text path gives; when it accepts the value, the batch must go in text format.
[[noreturn]] void not_parsed(const Encoder& e, std::string_view v) {
  std::string scratch;
  append_pg_text(scratch, e, v);
  throw NeedsTextFormat{};
}

// The text path's checks first (they refuse what is not canonical), then a refusal of a value
// PostgreSQL's input function would refuse.
[[noreturn]] void refuse(const Encoder& e, std::string_view v, const std::string& why) {
  std::string scratch;
  append_pg_text(scratch, e, v);
  fail(FERRY_INVALID_ARGUMENT,
       (e.site.empty() ? std::string() : e.site + ": ") + "value '" + shown_value(v) + "' " + why);
}

// int32 length placeholder; end_field() writes the length of what follows.
size_t begin_field(std::string& out) {
  out.append(4, '\0');
  return out.size();
}
void end_field(std::string& out, size_t start) {
  const auto len = static_cast<uint32_t>(out.size() - start);
  char* p = out.data() + start - 4;
  p[0] = static_cast<char>(len >> 24);
  p[1] = static_cast<char>(len >> 16);
  p[2] = static_cast<char>(len >> 8);
  p[3] = static_cast<char>(len);
}

// ---- a cursor over canonical text ----

struct Cur {
  std::string_view s;
  size_t i = 0;
  bool done() const { return i >= s.size(); }
  bool eat(char c) {
    if (done() || s[i] != c) return false;
    ++i;
    return true;
  }
  // min..max digits, not followed by another digit.
  bool digits(size_t min, size_t max, uint64_t& v) {
    const size_t start = i;
    v = 0;
    while (!done() && is_digit(s[i]) && i - start < max)
      v = v * 10 + static_cast<uint64_t>(s[i++] - '0');
    return i - start >= min && (done() || !is_digit(s[i]));
  }
  // Optional '.' and 1-6 digits → microseconds.
  bool fraction(uint64_t& us) {
    us = 0;
    if (!eat('.')) return true;
    const size_t start = i;
    while (!done() && is_digit(s[i])) ++i;
    const size_t n = i - start;
    if (n == 0 || n > 6) return false;
    for (size_t k = 0; k < 6; ++k)
      us = us * 10 + (k < n ? static_cast<uint64_t>(s[start + k] - '0') : 0);
    return true;
  }
};

// [-]YYYY-MM-DD (year of 4-9 digits); month and day checked by the caller.
bool parse_date(Cur& c, int64_t& y, unsigned& m, unsigned& d) {
  const bool neg = c.eat('-');
  uint64_t yy, mm, dd;
  if (!c.digits(4, 9, yy) || !c.eat('-') || !c.digits(2, 2, mm) || !c.eat('-') ||
      !c.digits(2, 2, dd)) {
    return false;
  }
  y = neg ? -static_cast<int64_t>(yy) : static_cast<int64_t>(yy);
  m = static_cast<unsigned>(mm);
  d = static_cast<unsigned>(dd);
  return true;
}

bool valid_date(int64_t y, unsigned m, unsigned d) {
  return m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
}

// [-]H:MM:SS[.f] (hours of 1-18 digits) → microseconds (unsigned), hours, negative.
bool parse_time(Cur& c, bool& negative, uint64_t& hours, uint64_t& rest_us) {
  negative = c.eat('-');
  uint64_t m, s, f;
  if (!c.digits(1, 18, hours) || !c.eat(':') || !c.digits(2, 2, m) || !c.eat(':') ||
      !c.digits(2, 2, s) || !c.fraction(f) || m > 59 || s > 59) {
    return false;
  }
  rest_us = (m * 60 + s) * 1000000 + f;
  return true;
}

// PostgreSQL's range of dates: 4714-11-24 BC (Julian day 0) to 5874897-12-31.
constexpr int64_t kMinDays = -2451545;              // JD 0 - 2000-01-01
constexpr int64_t kEndDays = 2147483494 - 2451545;  // DATE_END_JULIAN - 2000-01-01
// Timestamps: MIN_TIMESTAMP and END_TIMESTAMP (294277-01-01 00:00:00).
constexpr int64_t kMinTimestamp = -211813488000000000;
constexpr int64_t kEndTimestamp = 9223371331200000000;

void encode_int(std::string& out, BinEnc k, const Encoder& e, std::string_view v) {
  const bool neg = !v.empty() && v[0] == '-';
  const size_t start = neg ? 1 : 0;
  if (v.size() == start) not_parsed(e, v);
  uint64_t mag = 0;
  bool overflow = false;
  for (size_t i = start; i < v.size(); ++i) {
    if (!is_digit(v[i])) not_parsed(e, v);
    const auto d = static_cast<uint64_t>(v[i] - '0');
    if (mag > (std::numeric_limits<uint64_t>::max() - d) / 10) overflow = true;
    mag = mag * 10 + d;
  }
  const int bytes = k == BinEnc::Int2 ? 2 : k == BinEnc::Int4 ? 4 : 8;
  const uint64_t limit = (uint64_t{1} << (8 * bytes - 1)) - (neg ? 0 : 1);
  if (overflow || mag > limit) {
    refuse(e, v, std::string("is out of range for type ") + binary_encoder_type(k));
  }
  const uint64_t u = neg ? 0 - mag : mag;
  if (bytes == 2) {
    put_be32(out, 2);
    put_be16(out, static_cast<uint16_t>(u));
  } else if (bytes == 4) {
    put_be32(out, 4);
    put_be32(out, static_cast<uint32_t>(u));
  } else {
    put_be32(out, 8);
    put_be64(out, u);
  }
}

void encode_bool(std::string& out, const Encoder& e, std::string_view v) {
  if (v == "1" || v == "0") {
    put_be32(out, 1);
    out += v == "1" ? '\1' : '\0';
    return;
  }
  if (e.type == FERRY_TYPE_BOOL) not_parsed(e, v);
  refuse(e, v, "is not a boolean (PostgreSQL reads 1 and 0 of an integer type only)");
}

template <typename F>
void encode_float(std::string& out, BinEnc k, const Encoder& e, std::string_view v) {
  F x{};
  bool special = false;
  if (e.type == FERRY_TYPE_FLOAT32 || e.type == FERRY_TYPE_FLOAT64) {
    special = v == "nan" || v == "inf" || v == "-inf";
  } else if (e.type == FERRY_TYPE_DECIMAL) {
    special = v == "NaN" || v == "Infinity" || v == "-Infinity";
  }
  if (special) {
    if (v[0] == 'n' || v[0] == 'N') {
      x = std::numeric_limits<F>::quiet_NaN();
    } else {
      x = v[0] == '-' ? -std::numeric_limits<F>::infinity() : std::numeric_limits<F>::infinity();
    }
  } else {
    const char* end = v.data() + v.size();
    const auto r = std::from_chars(v.data(), end, x);
    if (v.empty() || r.ptr != end || r.ec == std::errc::invalid_argument ||
        !(is_digit(v.back()) || v.back() == '.')) {
      not_parsed(e, v);
    }
    if (r.ec == std::errc::result_out_of_range) {
      refuse(e, v, std::string("is out of range for type ") + binary_encoder_type(k));
    }
  }
  if constexpr (sizeof(F) == 4) {
    uint32_t u;
    std::memcpy(&u, &x, 4);
    put_be32(out, 4);
    put_be32(out, u);
  } else {
    uint64_t u;
    std::memcpy(&u, &x, 8);
    put_be32(out, 8);
    put_be64(out, u);
  }
}

// Canonical decimal → numeric_recv's layout (what numeric_in would store before the column's
// typmod, which numeric_recv applies the same way).
void encode_numeric(std::string& out, const Encoder& e, std::string_view v) {
  uint16_t special = 0;
  if (e.type == FERRY_TYPE_DECIMAL) {
    if (v == "NaN") special = 0xC000;
    if (v == "Infinity") special = 0xD000;
    if (v == "-Infinity") special = 0xF000;
  }
  if (special) {
    put_be32(out, 8);
    put_be16(out, 0);
    put_be16(out, 0);
    put_be16(out, special);
    put_be16(out, 0);
    return;
  }
  const bool neg = !v.empty() && v[0] == '-';
  std::string_view s = neg ? v.substr(1) : v;
  const size_t dot = s.find('.');
  std::string_view ip = s.substr(0, dot);
  const std::string_view fp =
      dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
  if (ip.empty() && fp.empty()) not_parsed(e, v);
  for (const char c : ip) {
    if (!is_digit(c)) not_parsed(e, v);
  }
  for (const char c : fp) {
    if (!is_digit(c)) not_parsed(e, v);
  }
  if (dot != std::string_view::npos && e.type != FERRY_TYPE_DECIMAL) not_parsed(e, v);
  if (fp.size() > 0x3FFF)
    throw NeedsTextFormat{};  // beyond numeric's display scale: let the server say
  while (!ip.empty() && ip[0] == '0') ip.remove_prefix(1);
  // Base-10000 digits aligned on the decimal point.
  const size_t ip_groups = (ip.size() + 3) / 4;
  const size_t fp_groups = (fp.size() + 3) / 4;
  const size_t lead = ip_groups * 4 - ip.size();  // zeros before the first integer digit
  auto dec = [&](size_t k) -> unsigned {          // k-th decimal digit of the padded string
    if (k < lead) return 0;
    k -= lead;
    if (k < ip.size()) return static_cast<unsigned>(ip[k] - '0');
    k -= ip.size();
    return k < fp.size() ? static_cast<unsigned>(fp[k] - '0') : 0;
  };
  size_t first = 0, last = ip_groups + fp_groups;  // groups [first, last)
  auto group = [&](size_t g) {
    return dec(4 * g) * 1000 + dec(4 * g + 1) * 100 + dec(4 * g + 2) * 10 + dec(4 * g + 3);
  };
  while (first < last && group(first) == 0) ++first;
  while (last > first && group(last - 1) == 0) --last;
  const size_t ndigits = last - first;
  const int64_t weight =
      ndigits == 0 ? 0 : static_cast<int64_t>(ip_groups) - 1 - static_cast<int64_t>(first);
  // numeric_recv takes at most 3000 digits (NUMERIC_MAX_PRECISION + NUMERIC_MAX_RESULT_SCALE);
  // numeric_in takes more: such a value goes as text.
  if (ndigits > 3000 || weight > 32767 || weight < -32768) throw NeedsTextFormat{};
  put_be32(out, static_cast<uint32_t>(8 + 2 * ndigits));
  put_be16(out, static_cast<uint16_t>(ndigits));
  put_be16(out, static_cast<uint16_t>(static_cast<int16_t>(weight)));
  put_be16(out, neg && ndigits > 0 ? 0x4000 : 0x0000);
  put_be16(out, static_cast<uint16_t>(fp.size()));
  for (size_t g = first; g < last; ++g) put_be16(out, static_cast<uint16_t>(group(g)));
}

void encode_date(std::string& out, const Encoder& e, std::string_view v) {
  int32_t days;
  if (v == "infinity") {
    days = std::numeric_limits<int32_t>::max();
  } else if (v == "-infinity") {
    days = std::numeric_limits<int32_t>::min();
  } else {
    Cur c{v};
    int64_t y;
    unsigned m, d;
    if (!parse_date(c, y, m, d) || !c.done() || !valid_date(y, m, d)) not_parsed(e, v);
    const int64_t dd = days_from_civil(y, m, d) - kPgEpochDays;
    if (dd < kMinDays || dd >= kEndDays) refuse(e, v, "is out of range for type date");
    days = static_cast<int32_t>(dd);
  }
  put_be32(out, 4);
  put_be32(out, static_cast<uint32_t>(days));
}

void encode_timestamp(std::string& out, BinEnc k, const Encoder& e, std::string_view v) {
  int64_t us;
  if (v == "infinity") {
    us = std::numeric_limits<int64_t>::max();
  } else if (v == "-infinity") {
    us = std::numeric_limits<int64_t>::min();
  } else {
    Cur c{v};
    int64_t y;
    unsigned m, d;
    uint64_t hh, mi, ss, frac;
    const bool zone = e.type == FERRY_TYPE_TIMESTAMPTZ;
    if (!parse_date(c, y, m, d) || !c.eat('T') || !c.digits(2, 2, hh) || !c.eat(':') ||
        !c.digits(2, 2, mi) || !c.eat(':') || !c.digits(2, 2, ss) || !c.fraction(frac) ||
        (zone && !c.eat('Z')) || !c.done() || !valid_date(y, m, d) || hh > 23 || mi > 59 ||
        ss > 59) {
      not_parsed(e, v);
    }
    const int64_t days = days_from_civil(y, m, d) - kPgEpochDays;
    const char* type = k == BinEnc::Timestamp ? "is out of range for type timestamp"
                                              : "is out of range for type timestamp with time zone";
    // END_TIMESTAMP is a midnight: the day check keeps the arithmetic below from overflowing.
    if (days < kMinDays || days >= kEndTimestamp / kUsecPerDay) refuse(e, v, type);
    us = days * kUsecPerDay + static_cast<int64_t>(((hh * 60 + mi) * 60 + ss) * 1000000 + frac);
    if (us < kMinTimestamp || us >= kEndTimestamp) refuse(e, v, type);
  }
  put_be32(out, 8);
  put_be64(out, static_cast<uint64_t>(us));
}

void encode_time(std::string& out, const Encoder& e, std::string_view v) {
  Cur c{v};
  bool neg;
  uint64_t h, rest;
  if (!parse_time(c, neg, h, rest) || !c.done() || h > 24 || (neg && (h || rest)) ||
      (h == 24 && rest)) {
    not_parsed(e, v);
  }
  put_be32(out, 8);
  put_be64(out, h * 3600000000 + rest);
}

void encode_timetz(std::string& out, const Encoder& e, std::string_view v) {
  const size_t z = v.find_last_of("+-");
  if (z == std::string_view::npos || z == 0) not_parsed(e, v);
  Cur c{v.substr(0, z)};
  bool neg;
  uint64_t h, rest;
  if (!parse_time(c, neg, h, rest) || !c.done() || neg || h > 24) not_parsed(e, v);
  Cur o{v.substr(z)};
  const bool west = o.eat('-');
  if (!west) o.eat('+');
  uint64_t oh, om = 0, os = 0;
  if (!o.digits(2, 2, oh)) not_parsed(e, v);
  if (o.eat(':')) {
    if (!o.digits(2, 2, om)) not_parsed(e, v);
    if (o.eat(':') && !o.digits(2, 2, os)) not_parsed(e, v);
  }
  if (!o.done() || om > 59 || os > 59) not_parsed(e, v);
  const uint64_t us = h * 3600000000 + rest;
  if (us > 86400000000) refuse(e, v, "is out of range for type time with time zone");
  if (oh > 15) refuse(e, v, "has a time zone offset out of range (at most 15:59:59)");
  const auto offset = static_cast<int64_t>(oh * 3600 + om * 60 + os) * (west ? -1 : 1);
  put_be32(out, 12);
  put_be64(out, us);
  put_be32(out, static_cast<uint32_t>(static_cast<int32_t>(-offset)));  // seconds WEST of UTC
}

void encode_interval(std::string& out, const Encoder& e, std::string_view v) {
  Cur c{v};
  bool neg;
  uint64_t h, rest;
  if (!parse_time(c, neg, h, rest) || !c.done()) not_parsed(e, v);
  constexpr uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (h > (kMax - rest) / 3600000000) refuse(e, v, "is out of range for type interval");
  const uint64_t mag = h * 3600000000 + rest;
  put_be32(out, 16);
  put_be64(out, neg ? 0 - mag : mag);
  put_be32(out, 0);  // days
  put_be32(out, 0);  // months
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// uuid_in's spellings (string_to_uuid): an optional {...}, 32 hex digits, a '-' allowed after
// any pair of bytes but the last.
void encode_uuid(std::string& out, const Encoder& e, std::string_view v) {
  unsigned char u[16];
  size_t i = 0;
  const bool braces = !v.empty() && v[0] == '{';
  if (braces) ++i;
  bool ok = true;
  for (int k = 0; ok && k < 16; ++k) {
    if (v.size() - i < 2 || hex_value(v[i]) < 0 || hex_value(v[i + 1]) < 0) {
      ok = false;
      break;
    }
    u[k] = static_cast<unsigned char>(hex_value(v[i]) * 16 + hex_value(v[i + 1]));
    i += 2;
    if (i < v.size() && v[i] == '-' && k % 2 == 1 && k < 15) ++i;
  }
  if (ok && braces) ok = i < v.size() && v[i++] == '}';
  if (!ok || i != v.size()) refuse(e, v, "is not a uuid (invalid input syntax for type uuid)");
  put_be32(out, 16);
  out.append(reinterpret_cast<const char*>(u), 16);
}

void encode_bit(std::string& out, const Encoder& e, std::string_view v) {
  std::string digits;
  append_pg_text(digits, e, v);  // the text path's 0/1 digits (and its checks)
  for (const char c : digits) {
    if (c != '0' && c != '1') not_parsed(e, v);
  }
  const size_t at = begin_field(out);
  put_be32(out, static_cast<uint32_t>(digits.size()));
  unsigned char byte = 0;
  for (size_t i = 0; i < digits.size(); ++i) {
    byte = static_cast<unsigned char>(byte << 1 | (digits[i] == '1'));
    if (i % 8 == 7) {
      out += static_cast<char>(byte);
      byte = 0;
    }
  }
  if (digits.size() % 8 != 0) out += static_cast<char>(byte << (8 - digits.size() % 8));
  end_field(out, at);
}

}  // namespace

std::optional<BinEnc> binary_encoder_for(uint32_t dest_oid, ferry_type incoming,
                                         const TypeCatalog* catalog) {
  const uint32_t base = base_type(dest_oid, catalog);
  const bool integer = is_integer_type(incoming);
  auto when = [](bool ok, BinEnc k) -> std::optional<BinEnc> {
    if (ok) return k;
    return std::nullopt;
  };
  switch (base) {
    case oid::kBool:
      return when(incoming == FERRY_TYPE_BOOL || integer, BinEnc::Bool);
    case oid::kInt2:
      return when(integer, BinEnc::Int2);
    case oid::kInt4:
      return when(integer, BinEnc::Int4);
    case oid::kInt8:
      return when(integer, BinEnc::Int8);
    case oid::kFloat4:
    case oid::kFloat8:
      return when(integer || incoming == FERRY_TYPE_FLOAT32 || incoming == FERRY_TYPE_FLOAT64 ||
                      incoming == FERRY_TYPE_DECIMAL,
                  base == oid::kFloat4 ? BinEnc::Float4 : BinEnc::Float8);
    case oid::kNumeric:
      return when(integer || incoming == FERRY_TYPE_DECIMAL, BinEnc::Numeric);
    case oid::kText:
    case oid::kVarchar:
    case oid::kBpchar:
    case oid::kJson:
      return BinEnc::Text;
    case oid::kJsonb:
      return BinEnc::Jsonb;
    case oid::kBytea:
      return when(is_binary_type(incoming), BinEnc::Bytea);
    case oid::kDate:
      return when(incoming == FERRY_TYPE_DATE, BinEnc::Date);
    case oid::kTime:
      return when(incoming == FERRY_TYPE_TIME, BinEnc::Time);
    case oid::kTimetz:
      return when(incoming == FERRY_TYPE_TIMETZ, BinEnc::TimeTz);
    case oid::kTimestamp:
    case oid::kTimestamptz:
      return when(incoming == FERRY_TYPE_TIMESTAMP || incoming == FERRY_TYPE_TIMESTAMPTZ,
                  base == oid::kTimestamp ? BinEnc::Timestamp : BinEnc::TimestampTz);
    case oid::kInterval:
      return when(incoming == FERRY_TYPE_INTERVAL, BinEnc::Interval);
    case oid::kUuid:
      return when(incoming == FERRY_TYPE_UUID || incoming == FERRY_TYPE_CHAR ||
                      incoming == FERRY_TYPE_VARCHAR || incoming == FERRY_TYPE_TEXT,
                  BinEnc::Uuid);
    case oid::kBit:
    case oid::kVarbit:
      return when(incoming == FERRY_TYPE_BIT, BinEnc::Bit);
    default:
      break;
  }
  if (is_enum(base, catalog)) return BinEnc::Text;
  return std::nullopt;
}

const char* binary_encoder_type(BinEnc encoder) {
  switch (encoder) {
    case BinEnc::Bool:
      return "boolean";
    case BinEnc::Int2:
      return "smallint";
    case BinEnc::Int4:
      return "integer";
    case BinEnc::Int8:
      return "bigint";
    case BinEnc::Float4:
      return "real";
    case BinEnc::Float8:
      return "double precision";
    case BinEnc::Numeric:
      return "numeric";
    case BinEnc::Text:
      return "text";
    case BinEnc::Jsonb:
      return "jsonb";
    case BinEnc::Bytea:
      return "bytea";
    case BinEnc::Date:
      return "date";
    case BinEnc::Time:
      return "time";
    case BinEnc::TimeTz:
      return "time with time zone";
    case BinEnc::Timestamp:
      return "timestamp";
    case BinEnc::TimestampTz:
      return "timestamp with time zone";
    case BinEnc::Interval:
      return "interval";
    case BinEnc::Uuid:
      return "uuid";
    case BinEnc::Bit:
      return "bit";
  }
  return "?";
}

void append_binary_value(std::string& out, BinEnc kind, const Encoder& encoder,
                         std::string_view value) {
  // Whatever was appended before a refusal is cut off again by the caller (the COPY is aborted).
  switch (kind) {
    case BinEnc::Bool:
      encode_bool(out, encoder, value);
      return;
    case BinEnc::Int2:
    case BinEnc::Int4:
    case BinEnc::Int8:
      encode_int(out, kind, encoder, value);
      return;
    case BinEnc::Float4:
      encode_float<float>(out, kind, encoder, value);
      return;
    case BinEnc::Float8:
      encode_float<double>(out, kind, encoder, value);
      return;
    case BinEnc::Numeric:
      encode_numeric(out, encoder, value);
      return;
    case BinEnc::Text: {
      const size_t at = begin_field(out);
      append_pg_text(out, encoder, value);
      end_field(out, at);
      return;
    }
    case BinEnc::Jsonb: {
      const size_t at = begin_field(out);
      out += '\1';
      append_pg_text(out, encoder, value);
      end_field(out, at);
      return;
    }
    case BinEnc::Bytea:
      put_be32(out, static_cast<uint32_t>(value.size()));
      out.append(value);
      return;
    case BinEnc::Date:
      encode_date(out, encoder, value);
      return;
    case BinEnc::Time:
      encode_time(out, encoder, value);
      return;
    case BinEnc::TimeTz:
      encode_timetz(out, encoder, value);
      return;
    case BinEnc::Timestamp:
    case BinEnc::TimestampTz:
      encode_timestamp(out, kind, encoder, value);
      return;
    case BinEnc::Interval:
      encode_interval(out, encoder, value);
      return;
    case BinEnc::Uuid:
      encode_uuid(out, encoder, value);
      return;
    case BinEnc::Bit:
      encode_bit(out, encoder, value);
      return;
  }
}

void append_binary_copy_header(std::string& out) {
  static constexpr char kSignature[11] = {'P',  'G',    'C',  'O',  'P', 'Y',
                                          '\n', '\377', '\r', '\n', '\0'};
  out.append(kSignature, 11);
  put_be32(out, 0);  // flags
  put_be32(out, 0);  // header extension length
}

void append_binary_tuple_start(std::string& out, uint16_t fields) {
  put_be16(out, fields);
}

void append_binary_copy_trailer(std::string& out) {
  put_be16(out, 0xFFFF);
}

}  // namespace ferry::pg
