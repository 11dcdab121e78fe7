// A PostgreSQL connection (libpq) with ferry's session rules: client_encoding UTF8, TimeZone
// UTC, DateStyle ISO, IntervalStyle postgres, extra_float_digits 1 (shortest exact floats),
// standard_conforming_strings on (a backslash in '...' is itself), set in the startup packet so
// they hold for replication connections too. Every failure throws ferry::Error with a status that
// says whether retrying can help and a message that names the server and what was being done —
// never the password.
#pragma once

#include <libpq-fe.h>

#include <ferry/sdk/host.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::pg {

struct ConnectOptions {
  std::string role = "PostgreSQL";  // "source" / "destination", for messages
  std::string host = "127.0.0.1";
  unsigned port = 5432;
  std::string user;
  std::string password;  // never printed
  std::string database = "postgres";
  unsigned connect_timeout_s = 10;
  std::string sslmode = "prefer";  // disable | allow | prefer | require | verify-ca | verify-full
  std::string sslrootcert;

  static ConnectOptions from_config(const Config& config, std::string role);
  std::string where() const {
    return role + " " + host + ":" + std::to_string(port) + "/" + database;
  }
};

using Row = std::vector<std::optional<std::string>>;
struct Rows {
  std::vector<std::string> columns;
  std::vector<Row> rows;
  bool empty() const { return rows.empty(); }
};

class Connection {
 public:
  // replication = true opens a walsender connection (replication=database) for slot commands
  // and START_REPLICATION.
  explicit Connection(ConnectOptions options, bool replication = false);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  PGconn* get() const { return conn_; }
  const ConnectOptions& options() const { return options_; }
  int server_version() const { return PQserverVersion(conn_); }

  void exec(std::string_view sql);
  Rows query(std::string_view sql);
  // With text parameters ($1, $2, ...; nullopt = NULL).
  Rows query(std::string_view sql, const std::vector<std::optional<std::string>>& params);
  std::optional<std::string> query_value(std::string_view sql);

  // COPY ... TO STDOUT: start, then next_copy_row() until it returns false. A row is valid
  // until the next call.
  void copy_out_start(std::string_view sql);
  bool next_copy_row(std::string_view& row);
  // COPY ... FROM STDIN: start, put data (whole rows), end (returns the rows copied).
  void copy_in_start(std::string_view sql);
  void copy_in_put(std::string_view data);
  uint64_t copy_in_end();
  void copy_in_abort(const std::string& why);
  bool in_copy() const { return copy_ != Copy::None; }

  std::string literal(std::string_view value) const;  // 'it''s' (E'' when needed)

  // Throws the last error on this connection (or of `res`) as a ferry::Error:
  // "<where>: <what>: <server message>" with a status from the SQLSTATE class.
  [[noreturn]] void raise(std::string_view what, PGresult* res = nullptr) const;
  bool broken() const { return broken_ || PQstatus(conn_) != CONNECTION_OK; }
  // Aborts the connection (a COPY left unread is not drained).
  void cancel();

 private:
  PGresult* run(std::string_view sql, const std::vector<std::optional<std::string>>* params);
  enum class Copy { None, Out, In };

  ConnectOptions options_;
  PGconn* conn_ = nullptr;
  Copy copy_ = Copy::None;
  char* copy_buf_ = nullptr;
  mutable bool broken_ = false;
};

// "name" as a quoted identifier ("a""b").
std::string quote_ident(std::string_view name);
std::string qualified(std::string_view schema, std::string_view table);

// The status an SQLSTATE maps to: connection problems, serialization failures, deadlocks and
// shutdowns are retryable (FERRY_UNAVAILABLE); anything the server refused is
// FERRY_INVALID_ARGUMENT.
ferry_status status_of_sqlstate(std::string_view sqlstate);

}  // namespace ferry::pg
