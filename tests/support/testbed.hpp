// The integration tests' way to the test bed that scripts/testbed.sh starts.
//
// scripts/test.sh starts a throwaway MariaDB and PostgreSQL and exports their DSNs:
//   FERRY_TEST_MYSQL_DSN  "host=127.0.0.1 port=P user=ferry password=X"
//   FERRY_TEST_PG_DSN     "host=127.0.0.1 port=P user=ferry password=X dbname=ferry" (libpq)
//
// A test that needs a server starts with FERRY_REQUIRE_MYSQL(dsn) or FERRY_REQUIRE_PG(dsn).
// When the variable is missing the test is skipped on a developer's machine, and FAILS when
// the environment variable CI is set (CI=true): a CI run that silently skipped every database
// test would prove nothing.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

namespace ferry::testing {

// True when the environment says this is a CI run: CI is set to anything but "", "0", "false".
inline bool running_in_ci() {
  const char* ci = std::getenv("CI");
  if (ci == nullptr) return false;
  const std::string_view value(ci);
  return !value.empty() && value != "0" && value != "false" && value != "FALSE" && value != "False";
}

// Returns the DSN in environment variable `env_var`. When it is unset or empty, records a
// fatal failure (under CI) or a skip (otherwise) on the running test, naming the fix, and
// returns "". Callers must return at once on "": FERRY_REQUIRE_MYSQL/PG do that.
inline std::string testbed_dsn(const char* env_var) {
  if (const char* value = std::getenv(env_var); value != nullptr && *value != '\0') {
    return value;
  }
  const std::string message = std::string(env_var) +
                              " is not set: run the tests through scripts/test.sh, which starts "
                              "the test databases";
  // GTEST_FAIL/GTEST_SKIP return from the enclosing function, hence the lambdas; the result
  // is recorded on the running test all the same.
  if (running_in_ci()) {
    [&] { GTEST_FAIL() << message << " (CI is set, so this is a failure, not a skip)"; }();
  } else {
    [&] { GTEST_SKIP() << message; }();
  }
  return {};
}

// A MariaDB/MySQL DSN in the test bed's format: space-separated key=value pairs, as libpq
// conninfo strings are. A value may be single-quoted ('a b'), with \' and \\ escapes inside.
// Keys: host, port, user, password, database (or dbname).
struct MysqlDsn {
  std::string host = "127.0.0.1";
  unsigned port = 3306;
  std::string user;
  std::string password;
  std::string database;  // empty: no default database
};

// Throws std::invalid_argument naming the problem (never the password).
inline MysqlDsn parse_mysql_dsn(std::string_view text) {
  MysqlDsn dsn;
  std::size_t i = 0;
  const auto skip_spaces = [&] {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n')) ++i;
  };
  for (skip_spaces(); i < text.size(); skip_spaces()) {
    const std::size_t key_begin = i;
    while (i < text.size() && text[i] != '=' && text[i] != ' ' && text[i] != '\t') ++i;
    const std::string key(text.substr(key_begin, i - key_begin));
    skip_spaces();
    if (key.empty() || i >= text.size() || text[i] != '=') {
      throw std::invalid_argument("MySQL DSN: expected key=value at offset " +
                                  std::to_string(key_begin));
    }
    ++i;  // '='
    skip_spaces();
    std::string value;
    if (i < text.size() && text[i] == '\'') {
      ++i;
      bool closed = false;
      while (i < text.size()) {
        const char c = text[i++];
        if (c == '\'') {
          closed = true;
          break;
        }
        if (c == '\\' && i < text.size()) {
          value += text[i++];
        } else {
          value += c;
        }
      }
      if (!closed) {
        throw std::invalid_argument("MySQL DSN: unterminated quoted value for '" + key + "'");
      }
    } else {
      while (i < text.size() && text[i] != ' ' && text[i] != '\t' && text[i] != '\n') {
        value += text[i++];
      }
    }

    if (key == "host") {
      dsn.host = value;
    } else if (key == "port") {
      unsigned long port = 0;
      std::size_t used = 0;
      try {
        port = std::stoul(value, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used == 0 || used != value.size() || port == 0 || port > 65535) {
        throw std::invalid_argument("MySQL DSN: port must be 1-65535, got '" + value + "'");
      }
      dsn.port = static_cast<unsigned>(port);
    } else if (key == "user") {
      dsn.user = value;
    } else if (key == "password") {
      dsn.password = value;
    } else if (key == "database" || key == "dbname") {
      dsn.database = value;
    } else {
      throw std::invalid_argument("MySQL DSN: unknown key '" + key +
                                  "' (known: host, port, user, password, database)");
    }
  }
  return dsn;
}

}  // namespace ferry::testing

// Binds `std::string dsn_var` to the test bed's MariaDB DSN, or returns from the calling
// function (a TEST body or SetUp) after recording a skip, or a failure under CI.
#define FERRY_REQUIRE_MYSQL(dsn_var)                                                 \
  const std::string dsn_var = ::ferry::testing::testbed_dsn("FERRY_TEST_MYSQL_DSN"); \
  if (dsn_var.empty()) return

// Same for the test bed's PostgreSQL DSN (a libpq conninfo string).
#define FERRY_REQUIRE_PG(dsn_var)                                                 \
  const std::string dsn_var = ::ferry::testing::testbed_dsn("FERRY_TEST_PG_DSN"); \
  if (dsn_var.empty()) return
