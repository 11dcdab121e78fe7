// Charset ids and latin1 → UTF-8 (see charset.hpp).
#include "binlog/charset.hpp"

#include <mysql.h>

#include <cstring>

namespace ferry::mysql::binlog {

namespace {

// MySQL's latin1 0x80-0x9F (cp1252, with 0x81 0x8D 0x8F 0x90 0x9D kept as C1 controls).
constexpr char16_t kCp1252High[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

}  // namespace

std::string_view charset_name_of_collation(uint32_t id) {
  if (id == 0) return {};
  if (const MARIADB_CHARSET_INFO* cs = mariadb_get_charset_by_nr(id); cs && cs->csname) {
    return cs->csname;
  }
  // MySQL 8's utf8mb4 collations (utf8mb4_0900_ai_ci is 255) that Connector/C may not list.
  if (id >= 255 && id <= 323) return "utf8mb4";
  return {};
}

Charset charset_of_collation(uint32_t id) {
  const std::string_view name = charset_name_of_collation(id);
  if (name == "utf8mb4" || name == "utf8mb3" || name == "utf8") return Charset::Utf8;
  if (name == "latin1") return Charset::Latin1;
  if (name == "binary") return Charset::Binary;
  if (name == "ascii") return Charset::Ascii;
  return Charset::Other;
}

char32_t latin1_code_point(uint8_t b) {
  return (b >= 0x80 && b <= 0x9F) ? kCp1252High[b - 0x80] : b;
}

bool is_ascii(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    if (w & 0x8080808080808080ull) return false;
  }
  for (; i < n; ++i) {
    if (p[i] & 0x80) return false;
  }
  return true;
}

void latin1_to_utf8(std::string_view in, std::string& out) {
  for (const char ch : in) {
    const char32_t c = latin1_code_point(static_cast<uint8_t>(ch));
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (c < 0x800) {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
      out += static_cast<char>(0xE0 | (c >> 12));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
}

}  // namespace ferry::mysql::binlog
