// Helpers shared by the PostgreSQL unit tests.
#pragma once

#include <ferry/sdk/error.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::pg::testing {

inline std::string from_hex(std::string_view h) {
  auto v = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    throw std::invalid_argument("bad hex");
  };
  if (h.size() % 2) throw std::invalid_argument("odd hex");
  std::string out;
  for (size_t i = 0; i < h.size(); i += 2) out += static_cast<char>(v(h[i]) * 16 + v(h[i + 1]));
  return out;
}

// Bytes from a list of values 0-255 (synthetic messages).
inline std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (const int x : b) s += static_cast<char>(x);
  return s;
}

// Big-endian integers and C strings, to build synthetic messages.
inline void put_be(std::string& s, uint64_t v, int n) {
  for (int i = n - 1; i >= 0; --i) s += static_cast<char>((v >> (8 * i)) & 0xff);
}
inline void put_cstr(std::string& s, std::string_view v) {
  s += v;
  s += '\0';
}

// Runs `f`, expecting a ferry::Error with `status` whose message contains every one of `parts`.
template <typename F>
void expect_error(F&& f, ferry_status status, std::initializer_list<std::string_view> parts) {
  try {
    f();
    ADD_FAILURE() << "no error thrown";
  } catch (const ferry::Error& e) {
    EXPECT_EQ(e.status(), status) << e.what();
    for (const auto p : parts) {
      EXPECT_NE(std::string(e.what()).find(p), std::string::npos)
          << "'" << e.what() << "' does not mention '" << p << "'";
    }
  }
}

}  // namespace ferry::pg::testing
