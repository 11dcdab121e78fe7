// Full import's zero-date rules (plugins/full_import/zero_dates.hpp): a batch without zero
// dates passes untouched; zero dates become NULL where the rule says so, every other cell and
// flag kept; a refusing rule names the column and the row's key.
#include <gtest/gtest.h>

#include <ferry/sdk.hpp>

#include "zero_dates.hpp"

#include <optional>
#include <string>
#include <vector>

namespace ferry::full_import {
namespace {

Column column(const char* name, ferry_type type, uint32_t flags = FERRY_COLUMN_NULLABLE) {
  Column c;
  c.name = name;
  c.type = type;
  c.flags = flags;
  return c;
}

SharedTable table() {
  TableSchema t;
  t.schema = "db";
  t.name = "t";
  t.columns = {column("id", FERRY_TYPE_INT32, FERRY_COLUMN_IN_PRIMARY_KEY),
               column("d", FERRY_TYPE_DATE), column("ts", FERRY_TYPE_TIMESTAMP),
               column("s", FERRY_TYPE_TEXT)};
  return make_table(std::move(t));
}

OwnedBatch rows(const SharedTable& t,
                const std::vector<std::vector<std::optional<std::string>>>& r) {
  BatchBuilder b = BatchBuilder::rows(t);
  for (const auto& row : r) {
    for (const auto& c : row) c ? b.add_cell(*c) : b.add_null();
  }
  return OwnedBatch::from(std::move(b));
}

std::vector<std::vector<std::optional<std::string>>> cells(const OwnedBatch& batch) {
  const BatchView v(batch.get());
  std::vector<std::vector<std::optional<std::string>>> out;
  for (uint64_t r = 0; r < v.record_count(); ++r) {
    std::vector<std::optional<std::string>> row;
    for (uint32_t c = 0; c < 4; ++c) {
      const Cell cell = v.cell(v.after(r), c);
      row.push_back(cell.is_null() ? std::nullopt : std::optional<std::string>(cell.data));
    }
    out.push_back(row);
  }
  return out;
}

std::vector<ZeroDateRule> rules(bool to_null) {
  return {ZeroDateRule{1, "db.t.d", to_null, "set zero_dates"},
          ZeroDateRule{2, "db.t.ts", to_null, "set zero_dates"}};
}

TEST(FullImportZeroDates, ABatchWithoutZeroDatesIsPassedOnAsItIs) {
  const auto t = table();
  OwnedBatch in = rows(t, {{"1", "2024-02-29", "2024-02-29 00:00:00", "0000-00-00"},
                           {"2", std::nullopt, std::nullopt, "x"}});
  const void* before = in.get().cell_data;
  OwnedBatch out = apply_zero_dates(t, rules(false), std::move(in));
  EXPECT_EQ(static_cast<const void*>(out.get().cell_data), before);  // the same cells, no copy
}

TEST(FullImportZeroDates, ZeroMonthsAndDaysBecomeNullAndTheRestIsKept) {
  const auto t = table();
  OwnedBatch out =
      apply_zero_dates(t, rules(true),
                       rows(t, {{"1", "0000-00-00", "2024-05-00 01:02:03", "0000-00-00"},
                                {"2", "2024-00-10", "2024-05-06 01:02:03.5", "keep"},
                                {"3", std::nullopt, "1999-12-31 23:59:59", ""}}));
  using R = std::vector<std::optional<std::string>>;
  EXPECT_EQ(cells(out), (std::vector<R>{{"1", std::nullopt, std::nullopt, "0000-00-00"},
                                        {"2", std::nullopt, "2024-05-06 01:02:03.5", "keep"},
                                        {"3", std::nullopt, "1999-12-31 23:59:59", ""}}));
}

TEST(FullImportZeroDates, ARefusingRuleNamesTheColumnAndTheRow) {
  const auto t = table();
  try {
    apply_zero_dates(t, rules(false),
                     rows(t, {{"1", "2024-01-01", "2024-01-01 00:00:00", "a"},
                              {"9", "2024-01-01", "0000-00-00 00:00:00", "b"}}));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), FERRY_INVALID_ARGUMENT);
    EXPECT_EQ(std::string(e.what()),
              "column db.t.ts holds the zero date '0000-00-00 00:00:00' (row id='9'), which "
              "PostgreSQL cannot hold: set zero_dates");
  }
}

}  // namespace
}  // namespace ferry::full_import
