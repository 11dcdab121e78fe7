#include "checkpoints.hpp"

#include <nlohmann/json.hpp>

#include <ferry/sdk/error.hpp>

#include <charconv>

namespace ferry::full_import {

namespace {

constexpr int kPlanVersion = 1;

std::string hex(std::string_view bytes) {
  static const char* const digits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::string unhex(const std::string& h) {
  auto nibble = [&](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    fail(FERRY_INVALID_ARGUMENT, "full-import plan: bad hex digit");
  };
  if (h.size() % 2 != 0) fail(FERRY_INVALID_ARGUMENT, "full-import plan: odd hex length");
  std::string out;
  out.reserve(h.size() / 2);
  for (size_t i = 0; i < h.size(); i += 2) {
    out += static_cast<char>(nibble(h[i]) * 16 + nibble(h[i + 1]));
  }
  return out;
}

nlohmann::json values_json(const std::optional<std::vector<std::string>>& v) {
  if (!v) return nullptr;
  nlohmann::json a = nlohmann::json::array();
  for (const auto& s : *v) a.push_back(hex(s));
  return a;
}

std::optional<std::vector<std::string>> values_of(const nlohmann::json& j) {
  if (j.is_null()) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& s : j) out.push_back(unhex(s.get<std::string>()));
  return out;
}

}  // namespace

std::string plan_key(std::string_view table_key) {
  return "plan/" + std::string(table_key);
}

std::string chunk_key(std::string_view table_key, size_t n) {
  return "chunk/" + std::string(table_key) + "/" + std::to_string(n);
}

Bytes encode_plan(const std::vector<Split>& splits) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& s : splits) {
    list.push_back({{"schema", hex(s.schema)},
                    {"table", hex(s.table)},
                    {"bounds", hex(as_text(s.bounds))},
                    {"display", hex(s.display)},
                    {"row_estimate", s.row_estimate},
                    {"key_columns", values_json(s.key_columns)},
                    {"lower", values_json(s.lower)},
                    {"upper", values_json(s.upper)}});
  }
  return to_bytes(nlohmann::json{{"v", kPlanVersion}, {"splits", list}}.dump());
}

std::vector<Split> decode_plan(const Bytes& bytes) {
  try {
    const auto doc = nlohmann::json::parse(as_text(bytes));
    if (doc.value("v", 0) != kPlanVersion) {
      fail(FERRY_INVALID_ARGUMENT, "full-import plan: unknown version");
    }
    std::vector<Split> out;
    for (const auto& j : doc.at("splits")) {
      Split s;
      s.schema = unhex(j.at("schema").get<std::string>());
      s.table = unhex(j.at("table").get<std::string>());
      s.bounds = to_bytes(unhex(j.at("bounds").get<std::string>()));
      s.display = unhex(j.at("display").get<std::string>());
      s.row_estimate = j.at("row_estimate").get<int64_t>();
      s.key_columns = values_of(j.at("key_columns")).value_or(std::vector<std::string>{});
      s.lower = values_of(j.at("lower"));
      s.upper = values_of(j.at("upper"));
      out.push_back(std::move(s));
    }
    return out;
  } catch (const nlohmann::json::exception& e) {
    fail(FERRY_INVALID_ARGUMENT, std::string("full-import plan is malformed: ") + e.what());
  }
}

Bytes encode_started() {
  return to_bytes("started");
}

Bytes encode_done(uint64_t rows) {
  return to_bytes("done " + std::to_string(rows));
}

ChunkState decode_chunk(const std::optional<Bytes>& bytes) {
  ChunkState st;
  if (!bytes) return st;
  const std::string_view v = as_text(*bytes);
  st.kind = ChunkState::Kind::Started;
  if (v.substr(0, 5) == "done ") {
    uint64_t rows = 0;
    const auto* end = v.data() + v.size();
    if (std::from_chars(v.data() + 5, end, rows).ptr == end) {
      st.kind = ChunkState::Kind::Done;
      st.rows = rows;
    }
  }
  return st;
}

}  // namespace ferry::full_import
