// One precheck item as a source's or destination's precheck() reports it (abi.h):
//   {"item", "status": "passed|failed|warning", "detail", "fix"}. Header-only.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace ferry::common {

inline nlohmann::json precheck_item(const std::string& item, const std::string& status,
                                    const std::string& detail, const std::string& fix = "") {
  return {{"item", item}, {"status", status}, {"detail", detail}, {"fix", fix}};
}

}  // namespace ferry::common
