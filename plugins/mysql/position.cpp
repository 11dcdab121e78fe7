#include "position.hpp"

#include <ferry/sdk/error.hpp>

#include <charconv>
#include <string_view>
#include <vector>

namespace ferry::mysql {

namespace {

constexpr std::string_view kMagic = "mysql-pos-v1\n";

std::pair<std::string_view, uint64_t> split_file(std::string_view file) {
  const auto dot = file.rfind('.');
  if (dot == std::string_view::npos) return {file, 0};
  uint64_t n = 0;
  const auto tail = file.substr(dot + 1);
  const auto r = std::from_chars(tail.data(), tail.data() + tail.size(), n);
  if (r.ec != std::errc() || r.ptr != tail.data() + tail.size()) return {file, 0};
  return {file.substr(0, dot), n};
}

}  // namespace

std::string BinlogPosition::display() const {
  std::string s = file.empty() ? std::string("(gtid)") : file + ":" + std::to_string(pos);
  if (index) s += "+" + std::to_string(index);
  if (!gtid.empty()) s += " gtid " + gtid;
  return s;
}

Bytes BinlogPosition::encode() const {
  // MySQL prints GTID sets with ",\n" between server UUIDs: no whitespace in a field.
  std::string g;
  for (char c : gtid) {
    if (c != '\n' && c != '\r' && c != ' ' && c != '\t') g += c;
  }
  std::string s(kMagic);
  s += file + "\n" + std::to_string(pos) + "\n" + g + "\n" + std::to_string(index);
  return to_bytes(s);
}

BinlogPosition BinlogPosition::decode(const uint8_t* data, size_t len) {
  std::string_view s(reinterpret_cast<const char*>(data), len);
  if (s.substr(0, kMagic.size()) != kMagic) {
    fail(FERRY_INVALID_ARGUMENT,
         "not a MySQL binlog position (was it saved by another connector?)");
  }
  s.remove_prefix(kMagic.size());
  std::vector<std::string_view> parts;
  for (size_t at = 0;;) {
    const auto nl = s.find('\n', at);
    parts.push_back(s.substr(at, nl == std::string_view::npos ? nl : nl - at));
    if (nl == std::string_view::npos) break;
    at = nl + 1;
  }
  if (parts.size() != 4) fail(FERRY_INVALID_ARGUMENT, "malformed MySQL binlog position");
  BinlogPosition p;
  p.file = std::string(parts[0]);
  p.gtid = std::string(parts[2]);
  auto num = [](std::string_view v) {
    uint64_t n = 0;
    const auto r = std::from_chars(v.data(), v.data() + v.size(), n);
    if (r.ec != std::errc() || r.ptr != v.data() + v.size()) {
      fail(FERRY_INVALID_ARGUMENT, "malformed MySQL binlog position: '" + std::string(v) + "'");
    }
    return n;
  };
  p.pos = num(parts[1]);
  p.index = num(parts[3]);
  return p;
}

int compare(const BinlogPosition& a, const BinlogPosition& b) {
  const auto [abase, an] = split_file(a.file);
  const auto [bbase, bn] = split_file(b.file);
  if (abase != bbase) {
    fail(FERRY_INVALID_ARGUMENT, "positions in binlogs '" + a.file + "' and '" + b.file +
                                     "' cannot be ordered (different log base names)");
  }
  if (an != bn) return an < bn ? -1 : 1;
  if (a.pos != b.pos) return a.pos < b.pos ? -1 : 1;
  if (a.index != b.index) return a.index < b.index ? -1 : 1;
  return 0;
}

}  // namespace ferry::mysql
