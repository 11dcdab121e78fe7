#include "connection.hpp"

#include <errmsg.h>
#include <mysqld_error.h>

#include <ferry/sdk/error.hpp>

#include <algorithm>
#include <cctype>
#include <utility>

namespace ferry::mysql {

ConnectOptions ConnectOptions::from_config(const Config& config, std::string role) {
  ConnectOptions o;
  o.role = std::move(role);
  o.host = config.get_string("host", "127.0.0.1");
  const int64_t port = config.get_int("port", 3306);
  if (port <= 0 || port > 65535) {
    fail(FERRY_INVALID_ARGUMENT, o.role + ": port must be 1-65535, got " + std::to_string(port));
  }
  o.port = static_cast<unsigned>(port);
  o.user = config.get_string("user");
  o.password = config.get_secret("password");
  o.database = config.get_string("database");
  auto seconds = [&](const char* name, unsigned fallback) {
    const int64_t v = config.get_int(name, fallback);
    if (v <= 0 || v > 86400) {
      fail(FERRY_INVALID_ARGUMENT,
           o.role + ": " + name + " must be 1-86400 seconds, got " + std::to_string(v));
    }
    return static_cast<unsigned>(v);
  };
  o.connect_timeout_s = seconds("connect_timeout_s", 10);
  o.read_timeout_s = seconds("read_timeout_s", 60);
  o.write_timeout_s = o.read_timeout_s;
  o.ssl_mode = config.get_string("ssl_mode", "preferred");
  o.ssl_ca = config.get_string("ssl_ca");
  static const char* modes[] = {"disabled", "preferred", "required", "verify_ca",
                                "verify_identity"};
  if (std::none_of(std::begin(modes), std::end(modes),
                   [&](const char* m) { return o.ssl_mode == m; })) {
    fail(FERRY_INVALID_ARGUMENT,
         o.role + ": ssl_mode '" + o.ssl_mode +
             "' is not one of disabled, preferred, required, verify_ca, verify_identity");
  }
  return o;
}

ferry_status status_of_mysql_error(unsigned code) {
  switch (code) {
    case CR_CONNECTION_ERROR:
    case CR_CONN_HOST_ERROR:
    case CR_SERVER_GONE_ERROR:
    case CR_SERVER_LOST:
    case CR_SERVER_LOST_EXTENDED:
    case ER_LOCK_DEADLOCK:
    case ER_LOCK_WAIT_TIMEOUT:
    case ER_CON_COUNT_ERROR:
    case ER_SERVER_SHUTDOWN:
    case ER_QUERY_INTERRUPTED:
      return FERRY_UNAVAILABLE;
    default:
      break;
  }
  if (code >= 2000 && code < 3000) return FERRY_UNAVAILABLE;  // client-side (network) errors
  return FERRY_INVALID_ARGUMENT;
}

namespace {

std::string hint_for(unsigned code) {
  switch (code) {
    case ER_ACCESS_DENIED_ERROR:
      return " — check the user and the password (password_env / password_file) in the task's "
             "config";
    case ER_DBACCESS_DENIED_ERROR:
    case ER_TABLEACCESS_DENIED_ERROR:
    case ER_SPECIFIC_ACCESS_DENIED_ERROR:
      return " — grant the privilege named above to the ferry user";
    case CR_CONN_HOST_ERROR:
    case CR_CONNECTION_ERROR:
      return " — is the server running and reachable at this host and port?";
    default:
      return "";
  }
}

}  // namespace

Connection::Connection(ConnectOptions options) : options_(std::move(options)) {
  mysql_ = mysql_init(nullptr);
  if (!mysql_) fail(FERRY_INTERNAL, options_.where() + ": mysql_init: out of memory");
  const unsigned int connect_timeout = options_.connect_timeout_s;
  const unsigned int read_timeout = options_.read_timeout_s;
  const unsigned int write_timeout = options_.write_timeout_s;
  const unsigned int local_infile = options_.local_infile ? 1 : 0;
  mysql_options(mysql_, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
  mysql_options(mysql_, MYSQL_OPT_READ_TIMEOUT, &read_timeout);
  mysql_options(mysql_, MYSQL_OPT_WRITE_TIMEOUT, &write_timeout);
  mysql_options(mysql_, MYSQL_OPT_LOCAL_INFILE, &local_infile);
  mysql_options(mysql_, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  const unsigned int protocol = MYSQL_PROTOCOL_TCP;
  mysql_options(mysql_, MYSQL_OPT_PROTOCOL, &protocol);
  if (options_.ssl_mode != "disabled") {
    const my_bool enforce = options_.ssl_mode != "preferred";
    const my_bool verify =
        options_.ssl_mode == "verify_ca" || options_.ssl_mode == "verify_identity";
    if (enforce) mysql_optionsv(mysql_, MYSQL_OPT_SSL_ENFORCE, &enforce);
    mysql_optionsv(mysql_, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify);
    if (!options_.ssl_ca.empty()) mysql_optionsv(mysql_, MYSQL_OPT_SSL_CA, options_.ssl_ca.c_str());
  } else {
    const my_bool off = 0;
    mysql_optionsv(mysql_, MYSQL_OPT_SSL_ENFORCE, &off);
  }
  // CLIENT_FOUND_ROWS: an UPDATE reports the rows it matched, not only those it changed, so
  // apply can tell "row missing" from "row already equal".
  if (!mysql_real_connect(mysql_, options_.host.c_str(), options_.user.c_str(),
                          options_.password.c_str(),
                          options_.database.empty() ? nullptr : options_.database.c_str(),
                          options_.port, nullptr, CLIENT_FOUND_ROWS)) {
    const unsigned code = mysql_errno(mysql_);
    std::string msg = options_.where() + ": cannot connect as '" + options_.user +
                      "': " + mysql_error(mysql_) + " (error " + std::to_string(code) + ")" +
                      hint_for(code);
    mysql_close(mysql_);
    mysql_ = nullptr;
    fail(status_of_mysql_error(code), msg);
  }
  server_version_ = mysql_get_server_info(mysql_);
  std::string lower = server_version_;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  is_mariadb_ = lower.find("mariadb") != std::string::npos;
  exec(std::string("SET time_zone = '+00:00', sql_mode = '") + kSessionSqlMode +
       "', net_write_timeout = " + std::to_string(options_.session_net_timeout_s) +
       ", net_read_timeout = " + std::to_string(options_.session_net_timeout_s));
}

Connection::~Connection() {
  if (mysql_) mysql_close(mysql_);
}

void Connection::cancel() {
  if (!broken_) mariadb_cancel(mysql_);
  broken_ = true;
}

void Connection::raise(std::string_view what) const {
  const unsigned code = mysql_errno(mysql_);
  if (code >= 2000 && code < 3000) broken_ = true;
  std::string msg = options_.where() + ": " + std::string(what) + ": " + mysql_error(mysql_) +
                    " (error " + std::to_string(code) + ")" + hint_for(code);
  fail(status_of_mysql_error(code), msg);
}

void Connection::run(std::string_view sql) {
  if (mysql_real_query(mysql_, sql.data(), static_cast<unsigned long>(sql.size())) != 0) {
    // The statement itself is in the message, cut short: DDL and queries never carry secrets,
    // but a data statement can be megabytes.
    std::string shown(sql.substr(0, 200));
    if (sql.size() > 200) shown += "...";
    raise(shown);
  }
}

void Connection::exec(std::string_view sql) {
  run(sql);
  // Drain every result (a statement may return several, e.g. a CALL) so the connection is
  // usable; mysql_next_result only when there are more, since it resets affected_rows().
  for (;;) {
    if (MYSQL_RES* res = mysql_store_result(mysql_)) {
      mysql_free_result(res);
    } else if (mysql_field_count(mysql_) != 0) {
      raise("reading the result");
    }
    if (!mysql_more_results(mysql_)) break;
    if (mysql_next_result(mysql_) > 0) raise("reading the result");
  }
}

Rows Connection::query(std::string_view sql) {
  run(sql);
  MYSQL_RES* res = mysql_store_result(mysql_);
  if (!res) {
    if (mysql_field_count(mysql_) != 0) raise("reading the result");
    return {};
  }
  Rows out;
  const unsigned n = mysql_num_fields(res);
  const MYSQL_FIELD* fields = mysql_fetch_fields(res);
  for (unsigned i = 0; i < n; ++i) out.columns.emplace_back(fields[i].name);
  while (MYSQL_ROW row = mysql_fetch_row(res)) {
    const unsigned long* len = mysql_fetch_lengths(res);
    Row& r = out.rows.emplace_back();
    r.reserve(n);
    for (unsigned i = 0; i < n; ++i) {
      if (row[i]) {
        r.emplace_back(std::string(row[i], len[i]));
      } else {
        r.emplace_back(std::nullopt);
      }
    }
  }
  mysql_free_result(res);
  return out;
}

std::optional<std::string> Connection::query_value(std::string_view sql) {
  Rows r = query(sql);
  if (r.rows.empty() || r.rows[0].empty()) return std::nullopt;
  return r.rows[0][0];
}

StreamingResult Connection::stream(std::string_view sql) {
  run(sql);
  MYSQL_RES* res = mysql_use_result(mysql_);
  if (!res) raise("opening the result");
  return StreamingResult(*this, res);
}

std::string Connection::quote(std::string_view value) const {
  std::string out;
  append_quoted(out, value);
  return out;
}

void Connection::append_quoted(std::string& out, std::string_view value) const {
  const size_t at = out.size();
  out.resize(at + value.size() * 2 + 2);
  out[at] = '\'';
  const unsigned long n = mysql_real_escape_string(mysql_, out.data() + at + 1, value.data(),
                                                   static_cast<unsigned long>(value.size()));
  out[at + 1 + n] = '\'';
  out.resize(at + n + 2);
}

StreamingResult::StreamingResult(Connection& conn, MYSQL_RES* res)
    : conn_(&conn), res_(res), fields_(mysql_num_fields(res)) {}

StreamingResult::StreamingResult(StreamingResult&& o) noexcept
    : conn_(o.conn_), res_(o.res_), fields_(o.fields_), lengths_(o.lengths_) {
  o.res_ = nullptr;
}

StreamingResult::~StreamingResult() {
  // mysql_free_result on an unfinished use_result reads (and discards) the rest of the rows;
  // a caller that stops early on a huge table should close the connection instead.
  if (res_) mysql_free_result(res_);
}

const MYSQL_FIELD* StreamingResult::fields() const {
  return mysql_fetch_fields(res_);
}

MYSQL_ROW StreamingResult::next() {
  MYSQL_ROW row = mysql_fetch_row(res_);
  if (!row) {
    if (mysql_errno(conn_->get()) != 0) conn_->raise("reading rows");
    lengths_ = nullptr;
    return nullptr;
  }
  lengths_ = mysql_fetch_lengths(res_);
  return row;
}

std::string quote_ident(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 2);
  out += '`';
  for (char c : name) {
    if (c == '`') out += '`';
    out += c;
  }
  out += '`';
  return out;
}

std::string qualified(std::string_view schema, std::string_view table) {
  return quote_ident(schema) + "." + quote_ident(table);
}

}  // namespace ferry::mysql
