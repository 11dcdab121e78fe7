// A well-formed plugin (C++ layer) whose source constructor throws: the loader accepts it, and
// creating an instance fails with the exception's message instead of unwinding into the host.
#include <ferry/sdk.hpp>

#include <stdexcept>

namespace {
class Thrower : public ferry::Source {
 public:
  explicit Thrower(const ferry::CreateContext&) {
    throw std::runtime_error("boom: cannot connect");
  }
};
}  // namespace

FERRY_PLUGIN("throws", "1.0.0", "a source whose create() throws",
             ferry::source<Thrower>("thrower", "throws on create", FERRY_CAP_SOURCE_CATALOG))
