#include "zero_dates.hpp"

#include "type_map.hpp"

namespace ferry::full_import {

using schema::is_zero_date;

namespace {

std::string shown(std::string_view v) {
  constexpr size_t kMax = 64;
  if (v.size() <= kMax) return std::string(v);
  return std::string(v.substr(0, kMax)) + "...";
}

// "id=5, name='x'" from the key columns of row `first`; "" when the table has no key.
std::string row_key(const BatchView& v, const TableSchema& t, uint64_t first) {
  std::string out;
  for (uint32_t c = 0; c < t.columns.size(); ++c) {
    if ((t.columns[c].flags & FERRY_COLUMN_IN_PRIMARY_KEY) == 0) continue;
    const Cell cell = v.cell(first + c);
    if (!out.empty()) out += ", ";
    out += t.columns[c].name + "=" + (cell.is_null() ? "NULL" : "'" + shown(cell.data) + "'");
  }
  return out;
}

}  // namespace

OwnedBatch apply_zero_dates(const SharedTable& table, const std::vector<ZeroDateRule>& rules,
                            OwnedBatch batch) {
  if (rules.empty()) return batch;
  const BatchView v(batch.get());
  const uint64_t n = v.record_count();
  // First pass: refusals stop the copy before anything is rebuilt.
  bool any = false;
  for (uint64_t r = 0; r < n; ++r) {
    const uint64_t first = v.after(r);
    for (const auto& rule : rules) {
      const Cell cell = v.cell(first + rule.column);
      if (cell.is_null() || !is_zero_date(cell.data)) continue;
      if (rule.to_null) {
        any = true;
        continue;
      }
      const std::string key = row_key(v, table->table(), first);
      fail(FERRY_INVALID_ARGUMENT, "column " + rule.name + " holds the zero date '" +
                                       shown(cell.data) + "'" +
                                       (key.empty() ? std::string() : " (row " + key + ")") +
                                       ", which PostgreSQL cannot hold: " + rule.refusal);
    }
  }
  if (!any) return batch;
  const auto width = static_cast<uint32_t>(table->table().columns.size());
  std::vector<uint8_t> to_null(width, 0);
  for (const auto& rule : rules) to_null[rule.column] = 1;
  BatchBuilder out = BatchBuilder::rows(table);
  for (uint64_t r = 0; r < n; ++r) {
    const uint64_t first = v.after(r);
    for (uint32_t c = 0; c < width; ++c) {
      const Cell cell = v.cell(first + c);
      if (to_null[c] && !cell.is_null() && is_zero_date(cell.data)) {
        out.add_null();
      } else {
        out.add_cell(cell.data, cell.flags);
      }
    }
  }
  return OwnedBatch::from(std::move(out));
}

}  // namespace ferry::full_import
