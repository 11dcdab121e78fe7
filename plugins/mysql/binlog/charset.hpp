// Character sets of binlog column values: which collation ids are which charset, and MySQL's
// latin1 (Windows-1252 with the 5 undefined bytes mapped to C1 controls) to UTF-8.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ferry::mysql::binlog {

// What a column's bytes are, as far as the canonical form cares.
enum class Charset {
  Utf8,    // utf8mb3 / utf8mb4: passed through (not re-validated)
  Latin1,  // MySQL latin1 = cp1252: converted to UTF-8 exactly as MySQL converts it
  Binary,  // the binary charset (BINARY, VARBINARY, BLOB): raw bytes
  Ascii,   // passed through
  Other,   // any other charset: decoding such a text column is FERRY_NOT_SUPPORTED
};

// The charset of a collation id (MySQL's and MariaDB's numbering, via Connector/C's table
// plus MySQL 8's utf8mb4_0900 range); Other for an unknown id.
Charset charset_of_collation(uint32_t collation_id);
// "utf8mb4", "latin1", ... or "" for an unknown id.
std::string_view charset_name_of_collation(uint32_t collation_id);

// Appends the UTF-8 form of MySQL latin1 bytes to `out`.
void latin1_to_utf8(std::string_view in, std::string& out);
// The code point MySQL maps latin1 byte `b` to.
char32_t latin1_code_point(uint8_t b);

// True when every byte is < 0x80.
bool is_ascii(std::string_view s);

}  // namespace ferry::mysql::binlog
