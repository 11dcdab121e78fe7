// A split's key range (canonical key values, docs/sdk.md) as a MySQL predicate:
//   lower <= (k1, k2, ...) < upper
// written as nested comparisons ((k1 > a) OR (k1 = a AND k2 >= b)) so the range optimizer uses
// the key's index on every server version.
#pragma once

#include <ferry/sdk/catalog.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connection.hpp"

namespace ferry::mysql {

// The SQL literal of a canonical key value for a column of this type.
std::string key_literal(const Connection& conn, const Column& column, std::string_view canonical);

// "TRUE" when both bounds are open.
std::string key_range_predicate(const Connection& conn, const std::vector<const Column*>& key,
                                const std::optional<std::vector<std::string>>& lower,
                                const std::optional<std::vector<std::string>>& upper);

// "`a`,`b`"
std::string key_list(const std::vector<const Column*>& key);

// The key's columns in `table`, in key order; FERRY_INVALID_ARGUMENT naming a missing one.
std::vector<const Column*> key_columns(const Table& table, const std::vector<std::string>& names);

}  // namespace ferry::mysql
