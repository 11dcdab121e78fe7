#pragma once

#include <stdexcept>

namespace ferry::meta {

// Every failure of the meta store or of the data-directory lock. The message is complete and
// written for the operator: it names the file, what was being done, and the system's reason.
class MetaError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace ferry::meta
