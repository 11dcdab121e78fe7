// Zero dates on the way from MySQL to PostgreSQL (docs/type-mapping.md, `zero_dates`).
//
// MySQL can store dates with a zero month or day ('0000-00-00', '2024-00-10 12:00:00');
// PostgreSQL cannot. For every DATE / DATETIME / TIMESTAMP column of a MySQL table copied to
// PostgreSQL, full import applies one rule per column:
//   to_null — the value is loaded as NULL (zero_dates = "null" and the destination column
//             accepts NULL);
//   refuse  — the copy of the table stops at the first zero date, naming the column, the row's
//             key and what to change. Nothing is silently altered.
#pragma once

#include <ferry/sdk.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::full_import {

struct ZeroDateRule {
  uint32_t column = 0;  // index in the batch's (destination) columns
  std::string name;     // db.table.column, source names, for messages
  bool to_null = false;
  // Why a zero date is refused here (the operator's next step); unused when to_null.
  std::string refusal;
};

// `batch` with the rules applied: returned unchanged (no copy) when no cell of a ruled column
// holds a zero date; otherwise rebuilt under `table` with those cells NULL. A zero date in a
// refusing column throws FERRY_INVALID_ARGUMENT naming the column and the row's key (the
// columns of `table` flagged FERRY_COLUMN_IN_PRIMARY_KEY).
OwnedBatch apply_zero_dates(const SharedTable& table, const std::vector<ZeroDateRule>& rules,
                            OwnedBatch batch);

}  // namespace ferry::full_import
