// ferry SDK C++ layer: owned value types that cross the boundary as C structs — buffers,
// positions, splits — with the export (C++ → C, producer side) and adopt (C → C++, consumer
// side) of each in one place.
#pragma once

#include <ferry/abi.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ferry {

using Bytes = std::vector<uint8_t>;

inline Bytes to_bytes(std::string_view s) {
  return Bytes(s.begin(), s.end());
}
inline std::string_view as_text(const Bytes& b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// Producer side: hand `bytes` to a C consumer through `out`.
inline void export_buffer(Bytes bytes, ferry_buffer* out) {
  auto* owned = new Bytes(std::move(bytes));
  *out = ferry_buffer{};
  out->struct_size = sizeof(ferry_buffer);
  out->data = owned->data();
  out->len = owned->size();
  out->private_data = owned;
  out->release = [](ferry_buffer* self) {
    delete static_cast<Bytes*>(self->private_data);
    self->release = nullptr;
  };
}
inline void export_buffer(std::string_view text, ferry_buffer* out) {
  export_buffer(to_bytes(text), out);
}

// Consumer side: copy the bytes out and release the producer's buffer.
inline Bytes adopt_buffer(ferry_buffer* in) {
  Bytes b(in->data, in->data + in->len);
  if (in->release) in->release(in);
  return b;
}

struct Position {
  Bytes bytes;
  std::string display;
  bool empty() const { return bytes.empty(); }
};

inline void export_position(Position p, ferry_position* out) {
  auto* owned = new Position(std::move(p));
  *out = ferry_position{};
  out->struct_size = sizeof(ferry_position);
  out->data = owned->bytes.data();
  out->len = owned->bytes.size();
  out->display = owned->display.c_str();
  out->private_data = owned;
  out->release = [](ferry_position* self) {
    delete static_cast<Position*>(self->private_data);
    self->release = nullptr;
  };
}

inline Position adopt_position(ferry_position* in) {
  Position p{Bytes(in->data, in->data + in->len), in->display ? in->display : ""};
  if (in->release) in->release(in);
  return p;
}

// A borrowed C view of a Position, valid while `p` lives.
inline ferry_position view_of(const Position& p) {
  ferry_position v{};
  v.struct_size = sizeof(v);
  v.data = p.bytes.data();
  v.len = p.bytes.size();
  v.display = p.display.c_str();
  return v;
}

// A split (see ferry_split): the source's opaque bounds plus the engine-neutral key range.
struct Split {
  std::string schema;
  std::string table;
  Bytes bounds;
  std::string display;
  int64_t row_estimate = -1;
  std::vector<std::string> key_columns{};
  // Canonical text per key column (any bytes); nullopt = unbounded on that side.
  std::optional<std::vector<std::string>> lower{};  // inclusive
  std::optional<std::vector<std::string>> upper{};  // exclusive
};

// A borrowed C view of a Split, valid while the Split lives (the view owns its pointer arrays).
class SplitView {
 public:
  explicit SplitView(const Split& s) {
    for (const auto& k : s.key_columns) keys_.push_back(k.c_str());
    fill(s.lower, lower_, lower_len_);
    fill(s.upper, upper_, upper_len_);
    c_.struct_size = sizeof(c_);
    c_.key_count = static_cast<uint32_t>(keys_.size());
    c_.schema = s.schema.c_str();
    c_.table = s.table.c_str();
    c_.bounds = s.bounds.data();
    c_.bounds_len = s.bounds.size();
    c_.display = s.display.c_str();
    c_.row_estimate = s.row_estimate;
    c_.key_columns = keys_.data();
    c_.lower = s.lower ? lower_.data() : nullptr;
    c_.lower_len = s.lower ? lower_len_.data() : nullptr;
    c_.upper = s.upper ? upper_.data() : nullptr;
    c_.upper_len = s.upper ? upper_len_.data() : nullptr;
  }
  SplitView(const SplitView&) = delete;
  SplitView& operator=(const SplitView&) = delete;
  SplitView(SplitView&&) = default;  // the arrays' buffers move with them
  const ferry_split* get() const { return &c_; }

 private:
  static void fill(const std::optional<std::vector<std::string>>& values,
                   std::vector<const uint8_t*>& ptrs, std::vector<uint64_t>& lens) {
    if (!values) return;
    for (const auto& v : *values) {
      ptrs.push_back(reinterpret_cast<const uint8_t*>(v.data()));
      lens.push_back(v.size());
    }
  }
  std::vector<const char*> keys_;
  std::vector<const uint8_t*> lower_, upper_;
  std::vector<uint64_t> lower_len_, upper_len_;
  ferry_split c_{};
};

inline Split copy_split(const ferry_split& s) {
  Split out;
  out.schema = s.schema ? s.schema : "";
  out.table = s.table ? s.table : "";
  out.bounds.assign(s.bounds, s.bounds + s.bounds_len);
  out.display = s.display ? s.display : "";
  out.row_estimate = s.row_estimate;
  if (s.struct_size < offsetof(ferry_split, upper_len) + sizeof(s.upper_len)) return out;
  for (uint32_t i = 0; i < s.key_count; ++i) out.key_columns.emplace_back(s.key_columns[i]);
  auto values = [&](const uint8_t* const* v, const uint64_t* len) {
    std::vector<std::string> vals;
    for (uint32_t i = 0; i < s.key_count; ++i) {
      vals.emplace_back(reinterpret_cast<const char*>(v[i]), static_cast<size_t>(len[i]));
    }
    return vals;
  };
  if (s.lower) out.lower = values(s.lower, s.lower_len);
  if (s.upper) out.upper = values(s.upper, s.upper_len);
  return out;
}

inline void export_splits(std::vector<Split> splits, ferry_split_list* out) {
  struct Owned {
    std::vector<Split> splits;
    std::vector<SplitView> views;
    std::vector<const ferry_split*> ptrs;
  };
  auto* owned = new Owned{std::move(splits), {}, {}};
  owned->views.reserve(owned->splits.size());
  for (const auto& s : owned->splits) owned->views.emplace_back(s);
  for (const auto& v : owned->views) owned->ptrs.push_back(v.get());
  *out = ferry_split_list{};
  out->struct_size = sizeof(ferry_split_list);
  out->count = static_cast<uint32_t>(owned->ptrs.size());
  out->splits = owned->ptrs.data();
  out->private_data = owned;
  out->release = [](ferry_split_list* self) {
    delete static_cast<Owned*>(self->private_data);
    self->release = nullptr;
  };
}

inline std::vector<Split> adopt_splits(ferry_split_list* in) {
  std::vector<Split> out;
  out.reserve(in->count);
  for (uint32_t i = 0; i < in->count; ++i) out.push_back(copy_split(*in->splits[i]));
  if (in->release) in->release(in);
  return out;
}

}  // namespace ferry
