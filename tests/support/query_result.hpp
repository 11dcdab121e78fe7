// A whole query result held in memory, for tests: column names and rows of nullable text.
#pragma once

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::testing {

struct QueryResult {
  using Cell = std::optional<std::string>;  // std::nullopt is SQL NULL

  std::vector<std::string> columns;
  std::vector<std::vector<Cell>> rows;

  std::size_t column(std::string_view name) const {
    for (std::size_t i = 0; i < columns.size(); ++i) {
      if (columns[i] == name) return i;
    }
    throw std::out_of_range("no column '" + std::string(name) + "' in the result");
  }

  // The cell of `row` in column `name`; throws when either does not exist.
  const Cell& at(std::size_t row, std::string_view name) const {
    if (row >= rows.size()) {
      throw std::out_of_range("row " + std::to_string(row) + " of a result with " +
                              std::to_string(rows.size()) + " rows");
    }
    return rows[row][column(name)];
  }
};

}  // namespace ferry::testing
