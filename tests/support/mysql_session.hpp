// A blocking MariaDB/MySQL connection for integration tests (libmariadb). Every failure throws
// std::runtime_error with the server's message, which GoogleTest reports as the test's failure.
// Not thread-safe: one session per thread.
#pragma once

#include <mysql.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "support/query_result.hpp"
#include "support/testbed.hpp"

namespace ferry::testing {

class MysqlSession {
 public:
  struct Options {
    bool local_infile = false;  // allow LOAD DATA LOCAL INFILE (MYSQL_OPT_LOCAL_INFILE)
    unsigned connect_timeout_s = 10;
    unsigned read_timeout_s = 120;  // without one, a frozen server blocks a read forever
  };

  explicit MysqlSession(const MysqlDsn& dsn) : MysqlSession(dsn, Options{}) {}

  MysqlSession(const MysqlDsn& dsn, const Options& options)
      : conn_(mysql_init(nullptr), &mysql_close) {
    if (!conn_) throw std::runtime_error("mysql_init: out of memory");
    const unsigned int connect_timeout = options.connect_timeout_s;
    const unsigned int io_timeout = options.read_timeout_s;
    const unsigned int local_infile = options.local_infile ? 1 : 0;
    mysql_options(conn_.get(), MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
    mysql_options(conn_.get(), MYSQL_OPT_READ_TIMEOUT, &io_timeout);
    mysql_options(conn_.get(), MYSQL_OPT_WRITE_TIMEOUT, &io_timeout);
    mysql_options(conn_.get(), MYSQL_OPT_LOCAL_INFILE, &local_infile);
    mysql_options(conn_.get(), MYSQL_SET_CHARSET_NAME, "utf8mb4");
    if (mysql_real_connect(conn_.get(), dsn.host.c_str(), dsn.user.c_str(), dsn.password.c_str(),
                           dsn.database.empty() ? nullptr : dsn.database.c_str(), dsn.port, nullptr,
                           0) == nullptr) {
      throw std::runtime_error("cannot connect to MariaDB at " + dsn.host + ":" +
                               std::to_string(dsn.port) + " as " + dsn.user + ": " +
                               mysql_error(conn_.get()));
    }
    exec("SET time_zone = '+00:00'");
  }

  MYSQL* get() const { return conn_.get(); }

  // Runs a statement and discards any result.
  void exec(std::string_view sql) {
    run(sql);
    MYSQL_RES* result = mysql_store_result(conn_.get());
    if (result != nullptr) mysql_free_result(result);
    if (mysql_errno(conn_.get()) != 0) fail(sql);
  }

  // Rows changed (or, for LOAD DATA, loaded) by the last statement.
  unsigned long long affected_rows() const { return mysql_affected_rows(conn_.get()); }

  QueryResult query(std::string_view sql) {
    run(sql);
    const std::unique_ptr<MYSQL_RES, decltype(&mysql_free_result)> result(
        mysql_store_result(conn_.get()), &mysql_free_result);
    if (!result) {
      if (mysql_field_count(conn_.get()) != 0) fail(sql);
      return {};
    }
    QueryResult out;
    const unsigned int n = mysql_num_fields(result.get());
    const MYSQL_FIELD* fields = mysql_fetch_fields(result.get());
    for (unsigned int i = 0; i < n; ++i) out.columns.emplace_back(fields[i].name);
    while (MYSQL_ROW row = mysql_fetch_row(result.get())) {
      const unsigned long* lengths = mysql_fetch_lengths(result.get());
      auto& cells = out.rows.emplace_back();
      for (unsigned int i = 0; i < n; ++i) {
        if (row[i] == nullptr) {
          cells.emplace_back(std::nullopt);
        } else {
          cells.emplace_back(std::string(row[i], lengths[i]));
        }
      }
    }
    return out;
  }

  // The first column of the single row `sql` returns; throws unless there is exactly one row
  // and the value is not NULL.
  std::string scalar(std::string_view sql) {
    const QueryResult result = query(sql);
    if (result.rows.size() != 1 || result.columns.empty() || !result.rows[0][0]) {
      throw std::runtime_error("expected one non-NULL value from: " + std::string(sql));
    }
    return *result.rows[0][0];
  }

  // `text` as a quoted SQL string literal for this connection's character set.
  std::string quote(std::string_view text) const {
    std::string escaped(text.size() * 2 + 1, '\0');
    const unsigned long n =
        mysql_real_escape_string(conn_.get(), escaped.data(), text.data(), text.size());
    escaped.resize(n);
    return "'" + escaped + "'";
  }

 private:
  void run(std::string_view sql) {
    if (mysql_real_query(conn_.get(), sql.data(), sql.size()) != 0) fail(sql);
  }

  [[noreturn]] void fail(std::string_view sql) const {
    throw std::runtime_error("MariaDB error " + std::to_string(mysql_errno(conn_.get())) + " (" +
                             mysql_error(conn_.get()) + ") in: " + std::string(sql));
  }

  std::unique_ptr<MYSQL, decltype(&mysql_close)> conn_;
};

}  // namespace ferry::testing
