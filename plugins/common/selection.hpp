// Object selection shared by the in-tree connectors: the JSON a source's discover() receives,
//   {"include": ["shop.*", "crm"], "exclude": ["shop.tmp_*"]}
// of `schema.table` wildcard rules (`*` any run of characters, `?` one; a rule without a dot
// selects a whole schema / MySQL database). An empty include selects everything; exclude wins.
// System schemas are the connector's business (each engine has its own).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ferry::common {

bool glob_match(std::string_view pattern, std::string_view text);

struct Selection {
  std::vector<std::string> include, exclude;
  bool matches(std::string_view schema, std::string_view table) const;
  // False when no table of `schema` can match (the schema is excluded or never included).
  bool may_match_schema(std::string_view schema) const;
  // True when a rule without a dot includes the whole schema.
  bool includes_whole_schema(std::string_view schema) const;
};

// NULL / "" / "null" select everything; a malformed document is FERRY_INVALID_ARGUMENT naming
// what is wrong.
Selection parse_selection(const char* json);

}  // namespace ferry::common
