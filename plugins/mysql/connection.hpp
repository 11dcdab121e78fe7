// A MySQL-family connection (libmariadb / MariaDB Connector/C) with ferry's session rules:
// utf8mb4, time_zone '+00:00', an explicit sql_mode, read/write timeouts. Every failure throws
// ferry::Error with a status that says whether retrying can help, and a message that names the
// server and what was being done — never the password.
#pragma once

#include <mysql.h>

#include <ferry/sdk/host.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::mysql {

// The sql_mode every ferry session sets: strict (a value that does not fit is an error, never a
// silent truncation), zero dates allowed (they are data a source may hold), 0 stays 0 in an
// AUTO_INCREMENT column, no engine substitution.
inline constexpr const char* kSessionSqlMode =
    "STRICT_ALL_TABLES,NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION";

struct ConnectOptions {
  std::string role = "MySQL";  // names the endpoint in messages: "source", "destination"
  std::string host = "127.0.0.1";
  unsigned port = 3306;
  std::string user;
  std::string password;  // never printed
  std::string database;  // default database; empty = none
  unsigned connect_timeout_s = 10;
  unsigned read_timeout_s = 60;  // without one, a frozen server blocks a read forever
  unsigned write_timeout_s = 60;
  // The server drops a client that reads a streaming result slower than net_write_timeout; a
  // snapshot reader under backpressure can be slow, so its sessions raise it.
  unsigned session_net_timeout_s = 3600;
  bool local_infile = false;
  std::string ssl_mode =
      "preferred";  // disabled | preferred | required | verify_ca | verify_identity
  std::string ssl_ca;

  // From a source/destination config (fields declared by connection_fields()).
  static ConnectOptions from_config(const Config& config, std::string role);
  std::string where() const { return role + " " + host + ":" + std::to_string(port); }
};

using Row = std::vector<std::optional<std::string>>;

struct Rows {
  std::vector<std::string> columns;
  std::vector<Row> rows;
  bool empty() const { return rows.empty(); }
};

class Connection;

// A result read row by row from the server (mysql_use_result): memory stays one row, the
// connection is busy until the result is destroyed or read to the end.
class StreamingResult {
 public:
  StreamingResult(Connection& conn, MYSQL_RES* res);
  StreamingResult(StreamingResult&& o) noexcept;
  StreamingResult& operator=(StreamingResult&&) = delete;
  StreamingResult(const StreamingResult&) = delete;
  ~StreamingResult();

  unsigned field_count() const { return fields_; }
  const MYSQL_FIELD* fields() const;
  // The next row, or nullptr at the end (a read error throws). lengths() is valid with it.
  MYSQL_ROW next();
  const unsigned long* lengths() const { return lengths_; }

 private:
  Connection* conn_;
  MYSQL_RES* res_;
  unsigned fields_ = 0;
  const unsigned long* lengths_ = nullptr;
};

class Connection {
 public:
  // Connects and sets up the session; throws ferry::Error naming the server on failure.
  explicit Connection(ConnectOptions options);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  MYSQL* get() const { return mysql_; }
  const ConnectOptions& options() const { return options_; }
  // "10.11.6-MariaDB-0+deb12u1", and whether the server is MariaDB (binlog dialect, GTID form).
  const std::string& server_version() const { return server_version_; }
  bool is_mariadb() const { return is_mariadb_; }

  void exec(std::string_view sql);
  Rows query(std::string_view sql);
  // The first column of the first row (nullopt for no row or NULL).
  std::optional<std::string> query_value(std::string_view sql);
  StreamingResult stream(std::string_view sql);
  uint64_t affected_rows() const { return mysql_affected_rows(mysql_); }

  // Aborts the connection at once (a streaming result left unread is not drained); every later
  // call fails and broken() is true: the owner opens a new connection.
  void cancel();
  bool broken() const { return broken_; }

  // A string literal for this connection's charset: 'it''s' escaped by the client library.
  std::string quote(std::string_view value) const;
  // Appends the quoted literal to `out` (no temporary string on the hot path).
  void append_quoted(std::string& out, std::string_view value) const;

  // Throws the error of the last call on this connection, as a ferry::Error whose message is
  // "<where>: <what>: <server message> (error N)" and whose status says whether a retry can
  // help (lost connection, deadlock, lock wait timeout → FERRY_UNAVAILABLE).
  [[noreturn]] void raise(std::string_view what) const;

 private:
  void run(std::string_view sql);

  ConnectOptions options_;
  MYSQL* mysql_ = nullptr;
  std::string server_version_;
  bool is_mariadb_ = false;
  mutable bool broken_ = false;  // set by raise() when the connection itself is lost
};

// `name` as a quoted identifier: `a``b`.
std::string quote_ident(std::string_view name);
// `schema`.`table`
std::string qualified(std::string_view schema, std::string_view table);

// The status a MySQL error number maps to: connection-level and lock errors are retryable
// (FERRY_UNAVAILABLE); anything the server refused is FERRY_INVALID_ARGUMENT.
ferry_status status_of_mysql_error(unsigned code);

}  // namespace ferry::mysql
