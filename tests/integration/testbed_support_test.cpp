// tests/support/testbed.hpp on its own: the MySQL DSN parser and what a missing DSN does.
// No server needed.

#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include "support/testbed.hpp"

namespace ferry::testing {
namespace {

TEST(TestbedDsn, ParsesTheTestbedFormat) {
  const MysqlDsn dsn =
      parse_mysql_dsn("host=127.0.0.1 port=23189 user=ferry password=52b8de0e153492ea");
  EXPECT_EQ(dsn.host, "127.0.0.1");
  EXPECT_EQ(dsn.port, 23189u);
  EXPECT_EQ(dsn.user, "ferry");
  EXPECT_EQ(dsn.password, "52b8de0e153492ea");
  EXPECT_EQ(dsn.database, "");
}

TEST(TestbedDsn, DefaultsQuotesAndDatabase) {
  const MysqlDsn dsn = parse_mysql_dsn("  user = 'a b'  password='it\\'s \\\\ x' dbname=shop ");
  EXPECT_EQ(dsn.host, "127.0.0.1");
  EXPECT_EQ(dsn.port, 3306u);
  EXPECT_EQ(dsn.user, "a b");
  EXPECT_EQ(dsn.password, "it's \\ x");
  EXPECT_EQ(dsn.database, "shop");
  EXPECT_EQ(parse_mysql_dsn("").port, 3306u);
  EXPECT_EQ(parse_mysql_dsn("password=").password, "");
}

TEST(TestbedDsn, RejectsBadInputWithoutEchoingThePassword) {
  EXPECT_THROW(parse_mysql_dsn("port=0"), std::invalid_argument);
  EXPECT_THROW(parse_mysql_dsn("port=65536"), std::invalid_argument);
  EXPECT_THROW(parse_mysql_dsn("port=33x"), std::invalid_argument);
  EXPECT_THROW(parse_mysql_dsn("host"), std::invalid_argument);
  EXPECT_THROW(parse_mysql_dsn("=x"), std::invalid_argument);
  EXPECT_THROW(parse_mysql_dsn("password='open"), std::invalid_argument);
  try {
    parse_mysql_dsn("pasword=s3cret");
    FAIL() << "an unknown key must be rejected";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("unknown key 'pasword'"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("s3cret"), std::string::npos) << e.what();
  }
}

// Sets an environment variable for one scope, restoring it afterwards.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value != nullptr) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(TestbedDsn, ReturnsTheVariable) {
  const ScopedEnv dsn("FERRY_TEST_SUPPORT_DSN", "host=h port=1");
  EXPECT_EQ(testbed_dsn("FERRY_TEST_SUPPORT_DSN"), "host=h port=1");
}

void RequireUnsetDsn() {
  EXPECT_EQ(testbed_dsn("FERRY_TEST_SUPPORT_DSN"), "");
}

TEST(TestbedDsn, MissingUnderCiIsAFailure) {
  const ScopedEnv dsn("FERRY_TEST_SUPPORT_DSN", nullptr);
  const ScopedEnv ci("CI", "true");
  EXPECT_FATAL_FAILURE(RequireUnsetDsn(),
                       "FERRY_TEST_SUPPORT_DSN is not set: run the tests through "
                       "scripts/test.sh, which starts the test databases");
}

TEST(TestbedDsn, CiValues) {
  {
    const ScopedEnv ci("CI", nullptr);
    EXPECT_FALSE(running_in_ci());
  }
  for (const char* off : {"", "0", "false"}) {
    const ScopedEnv ci("CI", off);
    EXPECT_FALSE(running_in_ci()) << "CI=" << off;
  }
  for (const char* on : {"true", "1", "yes"}) {
    const ScopedEnv ci("CI", on);
    EXPECT_TRUE(running_in_ci()) << "CI=" << on;
  }
}

}  // namespace
}  // namespace ferry::testing
