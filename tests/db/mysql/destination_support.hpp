// Helpers for the mysql destination's database tests: table descriptions, row and change
// batches in a few lines, and the destination created through the plugin's entry point.
#pragma once

#include <ferry/sdk.hpp>
#include <ferry/testing/fake_host.hpp>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

extern "C" const ferry_plugin_manifest* ferry_plugin_entry_v1(void);

namespace ferry::testing::dst {

inline Column col(std::string name, ferry_type type, uint32_t flags = FERRY_COLUMN_NULLABLE) {
  Column c;
  c.name = std::move(name);
  c.type = type;
  c.flags = flags;
  return c;
}
inline Column key(std::string name, ferry_type type = FERRY_TYPE_INT32) {
  return col(std::move(name), type, FERRY_COLUMN_IN_PRIMARY_KEY);
}

inline SharedTable table(std::string schema, std::string name, std::vector<Column> columns) {
  return make_table(TableSchema{std::move(schema), std::move(name), std::move(columns)});
}

// One cell of an image: a value, NULL, UNCHANGED or DEFAULT.
struct V {
  std::optional<std::string> value;
  uint8_t flags = 0;
  V(const char* v) : value(v) {}             // NOLINT: implicit on purpose, images read like rows
  V(std::string v) : value(std::move(v)) {}  // NOLINT
  V(std::nullopt_t) : flags(FERRY_CELL_NULL) {}  // NOLINT
  static V unchanged() {
    V v(std::nullopt);
    v.flags = FERRY_CELL_UNCHANGED;
    return v;
  }
  static V default_value() {
    V v(std::nullopt);
    v.flags = FERRY_CELL_DEFAULT;
    return v;
  }
};
using Image = std::vector<V>;

inline void add_image(BatchBuilder& b, const Image& image) {
  for (const auto& v : image) {
    if (v.flags != 0) {
      b.add_cell({}, v.flags);
    } else {
      b.add_cell(*v.value);
    }
  }
}

inline OwnedBatch rows(const SharedTable& t, const std::vector<Image>& images) {
  auto b = BatchBuilder::rows(t);
  for (const auto& image : images) add_image(b, image);
  return OwnedBatch::from(std::move(b));
}

// A change batch, record by record.
class Changes {
 public:
  explicit Changes(std::vector<SharedTable> tables)
      : b_(BatchBuilder::changes(std::move(tables))) {}

  Changes& begin() { return record(FERRY_OP_BEGIN, FERRY_NO_TABLE, nullptr, nullptr); }
  Changes& commit() { return record(FERRY_OP_COMMIT, FERRY_NO_TABLE, nullptr, nullptr); }
  Changes& heartbeat() { return record(FERRY_OP_HEARTBEAT, FERRY_NO_TABLE, nullptr, nullptr); }
  Changes& insert(uint32_t t, const Image& after) {
    return record(FERRY_OP_INSERT, t, nullptr, &after);
  }
  Changes& update(uint32_t t, const Image& before, const Image& after) {
    return record(FERRY_OP_UPDATE, t, &before, &after);
  }
  // An update with only the new row (PostgreSQL, key unchanged).
  Changes& update_after_only(uint32_t t, const Image& after) {
    return record(FERRY_OP_UPDATE, t, nullptr, &after);
  }
  Changes& erase(uint32_t t, const Image& before) {
    return record(FERRY_OP_DELETE, t, &before, nullptr);
  }
  Changes& ddl(uint32_t t, const std::string& statement) {
    const Image one{statement};
    return record(FERRY_OP_DDL, t, nullptr, &one);
  }
  Changes& truncate(uint32_t t) { return record(FERRY_OP_TRUNCATE, t, nullptr, nullptr); }
  Changes& raw(ferry_op op) { return record(op, FERRY_NO_TABLE, nullptr, nullptr); }

  OwnedBatch done() { return OwnedBatch::from(std::move(b_)); }

 private:
  Changes& record(ferry_op op, uint32_t t, const Image* before, const Image* after) {
    uint64_t b = FERRY_NO_ROW, a = FERRY_NO_ROW;
    if (before) {
      b = b_.next_cell();
      add_image(b_, *before);
    }
    if (after) {
      a = b_.next_cell();
      add_image(b_, *after);
    }
    b_.add_record(op, t, b, a, seq_, 0);
    if (op == FERRY_OP_COMMIT) ++seq_;
    return *this;
  }
  BatchBuilder b_;
  uint64_t seq_ = 1;
};

inline Bytes cp(const std::string& s) {
  return to_bytes(s);
}

}  // namespace ferry::testing::dst
