// Helpers for the binlog decoder tests: hex fixtures → events, a cell collector, and a tiny
// builder for synthetic events.
#pragma once

#include "binlog/event.hpp"
#include "binlog/rows.hpp"

#include <ferry/sdk/error.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ferry_test {

namespace bl = ferry::mysql::binlog;

inline std::vector<uint8_t> unhex(std::string_view hex) {
  auto nibble = [](char c) -> uint8_t {
    if (c >= '0' && c <= '9') return static_cast<uint8_t>(c - '0');
    if (c >= 'a' && c <= 'f') return static_cast<uint8_t>(c - 'a' + 10);
    if (c >= 'A' && c <= 'F') return static_cast<uint8_t>(c - 'A' + 10);
    ADD_FAILURE() << "bad hex digit " << c;
    return 0;
  };
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(nibble(hex[i]) << 4 | nibble(hex[i + 1])));
  }
  return out;
}

inline std::string bytes_of(std::initializer_list<int> b) {
  std::string s;
  for (int c : b) s += static_cast<char>(c);
  return s;
}

// One raw event kept alive with its split view.
class RawEvent {
 public:
  RawEvent(std::string_view hex, const bl::FormatDescription* fde)
      : raw_(unhex(hex)), ev_(bl::split_event(raw_, fde)) {}
  RawEvent(std::vector<uint8_t> raw, const bl::FormatDescription* fde)
      : raw_(std::move(raw)), ev_(bl::split_event(raw_, fde)) {}
  const bl::Event& ev() const { return ev_; }
  const bl::Event* operator->() const { return &ev_; }
  const std::vector<uint8_t>& raw() const { return raw_; }

 private:
  std::vector<uint8_t> raw_;
  bl::Event ev_;
};

inline bl::FormatDescription fde_of(std::string_view hex) {
  RawEvent e(hex, nullptr);
  return bl::parse_format_description(e.ev());
}

// A decoded cell: nullopt = NULL; `absent` = not in the image (FERRY_CELL_DEFAULT).
struct Cell {
  std::optional<std::string> v;
  bool absent = false;
  bool operator==(const Cell&) const = default;
};
inline Cell V(std::string s) {
  return Cell{std::move(s), false};
}
inline const Cell N{std::nullopt, false};
inline const Cell A{std::nullopt, true};
using Row = std::vector<Cell>;

inline std::string printable(const std::string& s) {
  std::string o;
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) {
      static const char* h = "0123456789abcdef";
      o += "\\x";
      o += h[c >> 4];
      o += h[c & 15];
    } else {
      o += static_cast<char>(c);
    }
  }
  return o;
}

inline void PrintTo(const Cell& c, std::ostream* os) {
  if (c.absent)
    *os << "<absent>";
  else if (!c.v)
    *os << "NULL";
  else
    *os << '"' << printable(*c.v) << '"';
}

class Collect : public bl::CellSink {
 public:
  void value(std::string_view b) override { row.push_back(V(std::string(b))); }
  void null() override { row.push_back(N); }
  void absent() override { row.push_back(A); }
  Row row;
};

// Every image of a rows event: WRITE/DELETE one per row, UPDATE before then after.
inline std::vector<Row> decode_all(const bl::TableMap& tm, const std::vector<bl::ColumnInfo>& cols,
                                   const bl::RowsEvent& re) {
  bl::check_rows_event(re, tm);
  std::vector<Row> out;
  size_t off = 0;
  while (off < re.rows.size()) {
    Collect c;
    off += bl::decode_row(tm, cols, re.present, re.rows.subspan(off), c);
    out.push_back(std::move(c.row));
    if (re.kind == bl::RowsKind::Update) {
      Collect a;
      off += bl::decode_row(tm, cols, re.present_after, re.rows.subspan(off), a);
      out.push_back(std::move(a.row));
    }
  }
  EXPECT_EQ(off, re.rows.size());
  return out;
}

// Little-endian / raw byte appenders for synthetic events.
struct Bytes {
  std::vector<uint8_t> b;
  Bytes& u8(uint64_t v) {
    b.push_back(static_cast<uint8_t>(v));
    return *this;
  }
  Bytes& le(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
    return *this;
  }
  Bytes& be(uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
    return *this;
  }
  Bytes& str(std::string_view s) {
    b.insert(b.end(), s.begin(), s.end());
    return *this;
  }
  Bytes& raw(std::span<const uint8_t> s) {
    b.insert(b.end(), s.begin(), s.end());
    return *this;
  }
  Bytes& hex(std::string_view h) { return raw(unhex(h)); }
};

// A whole event: header (next_pos, flags) + body [+ CRC32].
inline std::vector<uint8_t> make_event(uint8_t type, std::span<const uint8_t> body, bool crc,
                                       uint32_t next_pos = 1000, uint16_t flags = 0) {
  Bytes e;
  const size_t size = bl::kHeaderLen + body.size() + (crc ? 4 : 0);
  e.le(1700000000, 4).u8(type).le(1, 4).le(size, 4).le(next_pos, 4).le(flags, 2).raw(body);
  if (crc) e.le(bl::crc32(e.b), 4);
  return e.b;
}

// A MySQL 8 FORMAT_DESCRIPTION with CRC32 and the standard post-header lengths.
inline bl::FormatDescription mysql8_fde() {
  bl::FormatDescription f;
  f.server_version = "8.0.36";
  f.checksum_crc32 = true;
  f.checksum_alg = 1;
  f.post_header_len = {0, 13, 0, 8, 0, 0, 0, 0, 4,  0,  0,  0,  0,  0, 95, 0, 0, 0, 8, 0, 0,
                       0, 8,  8, 8, 2, 0, 0, 0, 10, 10, 10, 42, 42, 0, 0,  0, 0, 0, 0, 0};
  return f;
}

template <class F>
ferry::Error expect_error(F&& f, ferry_status status) {
  try {
    f();
  } catch (const ferry::Error& e) {
    EXPECT_EQ(e.status(), status) << e.what();
    return e;
  }
  ADD_FAILURE() << "no ferry::Error thrown";
  return ferry::Error(FERRY_OK, "");
}

}  // namespace ferry_test
