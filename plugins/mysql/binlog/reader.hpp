// Internal to the binlog decoder: a bounds-checked little-endian byte reader.
//
// Every read checks the remaining length first and throws detail::Malformed (never reads past
// the end). The public parse functions catch Malformed and rethrow it as a ferry::Error whose
// message names the event type, the table and the column.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

namespace ferry::mysql::binlog::detail {

// A malformed or truncated input; `what` says what was wrong, without the context.
struct Malformed {
  std::string what;
};

[[noreturn]] void throw_truncated(size_t need, size_t have, size_t offset);
[[noreturn]] inline void malformed(std::string what) {
  throw Malformed{std::move(what)};
}

class Reader {
 public:
  Reader() = default;
  explicit Reader(std::span<const uint8_t> s)
      : begin_(s.data()), p_(s.data()), end_(s.data() + s.size()) {}

  size_t remaining() const { return static_cast<size_t>(end_ - p_); }
  bool empty() const { return p_ == end_; }
  size_t offset() const { return static_cast<size_t>(p_ - begin_); }
  const uint8_t* pos() const { return p_; }

  void need(size_t n) const {
    if (remaining() < n) throw_truncated(n, remaining(), offset());
  }
  void skip(size_t n) {
    need(n);
    p_ += n;
  }
  uint8_t u8() {
    need(1);
    return *p_++;
  }
  uint16_t u16() { return static_cast<uint16_t>(le(2)); }
  uint32_t u24() { return static_cast<uint32_t>(le(3)); }
  uint32_t u32() { return static_cast<uint32_t>(le(4)); }
  uint64_t u48() { return le(6); }
  uint64_t u56() { return le(7); }
  uint64_t u64() { return le(8); }
  // n (0..8) bytes little-endian.
  uint64_t le(size_t n) {
    need(n);
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(p_[i]) << (8 * i);
    p_ += n;
    return v;
  }
  // n (0..8) bytes big-endian.
  uint64_t be(size_t n) {
    need(n);
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v = (v << 8) | p_[i];
    p_ += n;
    return v;
  }
  // The protocol's length-encoded integer (1, 3, 4 or 9 bytes). 251 (NULL) is malformed here.
  uint64_t packed() {
    const uint8_t first = u8();
    if (first < 251) return first;
    if (first == 252) return le(2);
    if (first == 253) return le(3);
    if (first == 254) return le(8);
    malformed("invalid length-encoded integer (first byte " + std::to_string(first) + ")");
  }
  std::span<const uint8_t> bytes(size_t n) {
    need(n);
    std::span<const uint8_t> s(p_, n);
    p_ += n;
    return s;
  }
  std::string_view str(size_t n) {
    auto b = bytes(n);
    return {reinterpret_cast<const char*>(b.data()), b.size()};
  }
  std::span<const uint8_t> rest() { return bytes(remaining()); }

 private:
  const uint8_t* begin_ = nullptr;
  const uint8_t* p_ = nullptr;
  const uint8_t* end_ = nullptr;
};

inline uint64_t load_le(const uint8_t* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}
inline uint64_t load_be(const uint8_t* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}

}  // namespace ferry::mysql::binlog::detail
