// ferry SDK C++ layer: owned value types that cross the boundary as C structs — buffers,
// positions, splits — with the export (C++ → C, producer side) and adopt (C → C++, consumer
// side) of each in one place.
#pragma once

#include <ferry/abi.h>

#include <cstdint>
#include <cstring>
#include <memory>
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

struct Split {
  std::string schema;
  std::string table;
  Bytes bounds;
  std::string display;
  int64_t row_estimate = -1;
};

inline ferry_split view_of(const Split& s) {
  ferry_split v{};
  v.struct_size = sizeof(v);
  v.schema = s.schema.c_str();
  v.table = s.table.c_str();
  v.bounds = s.bounds.data();
  v.bounds_len = s.bounds.size();
  v.display = s.display.c_str();
  v.row_estimate = s.row_estimate;
  return v;
}

inline Split copy_split(const ferry_split& s) {
  Split out;
  out.schema = s.schema ? s.schema : "";
  out.table = s.table ? s.table : "";
  out.bounds.assign(s.bounds, s.bounds + s.bounds_len);
  out.display = s.display ? s.display : "";
  out.row_estimate = s.row_estimate;
  return out;
}

inline void export_splits(std::vector<Split> splits, ferry_split_list* out) {
  struct Owned {
    std::vector<Split> splits;
    std::vector<ferry_split> views;
    std::vector<const ferry_split*> ptrs;
  };
  auto* owned = new Owned{std::move(splits), {}, {}};
  owned->views.reserve(owned->splits.size());
  for (const auto& s : owned->splits) owned->views.push_back(view_of(s));
  for (const auto& v : owned->views) owned->ptrs.push_back(&v);
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
