// A blocking PostgreSQL connection for integration tests (libpq). Every failure throws
// std::runtime_error with the server's message, which GoogleTest reports as the test's failure.
// With "replication=database" in the conninfo it is a walsender connection that takes
// replication commands (IDENTIFY_SYSTEM, CREATE_REPLICATION_SLOT, ...) as well as simple SQL.
// Not thread-safe: one session per thread.
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "support/query_result.hpp"

namespace ferry::testing {

class PgSession {
 public:
  explicit PgSession(const std::string& conninfo)
      : conn_(PQconnectdb(conninfo.c_str()), &PQfinish) {
    if (!conn_) throw std::runtime_error("PQconnectdb: out of memory");
    if (PQstatus(conn_.get()) != CONNECTION_OK) {
      // libpq's message names host and port, never the password.
      throw std::runtime_error(std::string("cannot connect to PostgreSQL: ") +
                               PQerrorMessage(conn_.get()));
    }
  }

  PGconn* get() const { return conn_.get(); }

  // Runs a statement (or replication command) and discards any rows.
  void exec(const std::string& sql) { run(sql); }

  QueryResult query(const std::string& sql) {
    const Result result = run(sql);
    QueryResult out;
    const int columns = PQnfields(result.get());
    const int rows = PQntuples(result.get());
    for (int c = 0; c < columns; ++c) out.columns.emplace_back(PQfname(result.get(), c));
    for (int r = 0; r < rows; ++r) {
      auto& cells = out.rows.emplace_back();
      for (int c = 0; c < columns; ++c) {
        if (PQgetisnull(result.get(), r, c)) {
          cells.emplace_back(std::nullopt);
        } else {
          cells.emplace_back(
              std::string(PQgetvalue(result.get(), r, c),
                          static_cast<std::size_t>(PQgetlength(result.get(), r, c))));
        }
      }
    }
    return out;
  }

  // The first column of the single row `sql` returns; throws unless there is exactly one row
  // and the value is not NULL.
  std::string scalar(const std::string& sql) {
    const QueryResult result = query(sql);
    if (result.rows.size() != 1 || result.columns.empty() || !result.rows[0][0]) {
      throw std::runtime_error("expected one non-NULL value from: " + sql);
    }
    return *result.rows[0][0];
  }

  // `text` as a quoted SQL string literal.
  std::string quote(std::string_view text) const {
    const std::unique_ptr<char, decltype(&PQfreemem)> quoted(
        PQescapeLiteral(conn_.get(), text.data(), text.size()), &PQfreemem);
    if (!quoted) throw std::runtime_error(PQerrorMessage(conn_.get()));
    return quoted.get();
  }

 private:
  using Result = std::unique_ptr<PGresult, decltype(&PQclear)>;

  Result run(const std::string& sql) {
    Result result(PQexec(conn_.get(), sql.c_str()), &PQclear);
    const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      const char* message =
          result ? PQresultErrorMessage(result.get()) : PQerrorMessage(conn_.get());
      throw std::runtime_error(std::string("PostgreSQL error (") + message + ") in: " + sql);
    }
    return result;
  }

  std::unique_ptr<PGconn, decltype(&PQfinish)> conn_;
};

}  // namespace ferry::testing
