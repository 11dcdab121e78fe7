#include "connection.hpp"

#include <ferry/sdk/error.hpp>

#include <algorithm>
#include <utility>

namespace ferry::pg {

ConnectOptions ConnectOptions::from_config(const Config& config, std::string role) {
  ConnectOptions o;
  o.role = std::move(role);
  o.host = config.get_string("host", "127.0.0.1");
  const int64_t port = config.get_int("port", 5432);
  if (port <= 0 || port > 65535) {
    fail(FERRY_INVALID_ARGUMENT, o.role + ": port must be 1-65535, got " + std::to_string(port));
  }
  o.port = static_cast<unsigned>(port);
  o.user = config.get_string("user");
  o.password = config.get_secret("password");
  o.database = config.get_string("database", "postgres");
  const int64_t t = config.get_int("connect_timeout_s", 10);
  if (t <= 0 || t > 3600) {
    fail(FERRY_INVALID_ARGUMENT,
         o.role + ": connect_timeout_s must be 1-3600, got " + std::to_string(t));
  }
  o.connect_timeout_s = static_cast<unsigned>(t);
  o.sslmode = config.get_string("sslmode", "prefer");
  static const char* modes[] = {"disable", "allow",     "prefer",
                                "require", "verify-ca", "verify-full"};
  if (std::none_of(std::begin(modes), std::end(modes),
                   [&](const char* m) { return o.sslmode == m; })) {
    fail(FERRY_INVALID_ARGUMENT, o.role + ": sslmode '" + o.sslmode +
                                     "' is not one of disable, allow, prefer, require, "
                                     "verify-ca, verify-full");
  }
  o.sslrootcert = config.get_string("sslrootcert");
  return o;
}

ferry_status status_of_sqlstate(std::string_view s) {
  if (s.size() != 5) return FERRY_UNAVAILABLE;  // no SQLSTATE: the connection itself failed
  const std::string_view cls = s.substr(0, 2);
  if (cls == "08" || cls == "53" || cls == "57" || s == "40001" || s == "40P01" || s == "55P03") {
    return FERRY_UNAVAILABLE;
  }
  return FERRY_INVALID_ARGUMENT;
}

namespace {

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string hint_for(std::string_view sqlstate, std::string_view message) {
  if (sqlstate.substr(0, 2) == "28" || message.find("password authentication") != message.npos) {
    return " — check the user and the password (password_env / password_file) in the task's "
           "config";
  }
  if (sqlstate == "42501") return " — grant the privilege named above to the ferry role";
  if (message.find("Connection refused") != message.npos ||
      message.find("could not connect") != message.npos) {
    return " — is the server running and reachable at this host and port?";
  }
  return "";
}

}  // namespace

Connection::Connection(ConnectOptions options, bool replication) : options_(std::move(options)) {
  const std::string port = std::to_string(options_.port);
  const std::string timeout = std::to_string(options_.connect_timeout_s);
  // Session settings in the startup packet: they hold for walsender connections as well.
  // standard_conforming_strings: the literals ferry writes ('...', a backslash as itself) mean
  // what they say whatever the server's or the role's default is.
  const char* session =
      "-c TimeZone=UTC -c DateStyle=ISO,YMD -c IntervalStyle=postgres -c extra_float_digits=1 "
      "-c standard_conforming_strings=on";
  std::vector<const char*> keys = {"host",
                                   "port",
                                   "user",
                                   "password",
                                   "dbname",
                                   "connect_timeout",
                                   "sslmode",
                                   "client_encoding",
                                   "application_name",
                                   "options",
                                   "keepalives",
                                   "keepalives_idle",
                                   "keepalives_interval",
                                   "keepalives_count"};
  std::vector<const char*> values = {options_.host.c_str(),
                                     port.c_str(),
                                     options_.user.c_str(),
                                     options_.password.c_str(),
                                     options_.database.c_str(),
                                     timeout.c_str(),
                                     options_.sslmode.c_str(),
                                     "UTF8",
                                     "ferry",
                                     session,
                                     "1",
                                     "10",
                                     "5",
                                     "3"};
  if (!options_.sslrootcert.empty()) {
    keys.push_back("sslrootcert");
    values.push_back(options_.sslrootcert.c_str());
  }
  if (replication) {
    keys.push_back("replication");
    values.push_back("database");
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  conn_ = PQconnectdbParams(keys.data(), values.data(), 0);
  if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
    const std::string msg = conn_ ? trim(PQerrorMessage(conn_)) : "out of memory";
    if (conn_) PQfinish(conn_);
    conn_ = nullptr;
    const bool auth = msg.find("password authentication failed") != std::string::npos ||
                      msg.find("no pg_hba.conf entry") != std::string::npos ||
                      msg.find("does not exist") != std::string::npos;
    fail(auth ? FERRY_INVALID_ARGUMENT : FERRY_UNAVAILABLE,
         options_.where() + ": cannot connect as '" + options_.user + "': " + msg +
             hint_for("", msg));
  }
}

Connection::~Connection() {
  if (copy_buf_) PQfreemem(copy_buf_);
  if (conn_) PQfinish(conn_);
}

void Connection::cancel() {
  if (!broken_ && conn_) {
    if (PGcancel* c = PQgetCancel(conn_)) {
      char err[256];
      PQcancel(c, err, sizeof(err));
      PQfreeCancel(c);
    }
  }
  broken_ = true;
}

void Connection::raise(std::string_view what, PGresult* res) const {
  std::string sqlstate;
  std::string message;
  if (res) {
    if (const char* s = PQresultErrorField(res, PG_DIAG_SQLSTATE)) sqlstate = s;
    message = trim(PQresultErrorMessage(res));
  }
  if (message.empty()) message = trim(PQerrorMessage(conn_));
  if (PQstatus(conn_) != CONNECTION_OK) broken_ = true;
  const ferry_status st = status_of_sqlstate(sqlstate);
  if (st == FERRY_UNAVAILABLE && sqlstate.empty()) broken_ = true;
  std::string msg = options_.where() + ": " + std::string(what) + ": " + message;
  if (!sqlstate.empty()) msg += " (SQLSTATE " + sqlstate + ")";
  fail(st, msg + hint_for(sqlstate, message));
}

PGresult* Connection::run(std::string_view sql,
                          const std::vector<std::optional<std::string>>* params) {
  const std::string text(sql);
  PGresult* res = nullptr;
  if (params) {
    std::vector<const char*> values;
    for (const auto& p : *params) values.push_back(p ? p->c_str() : nullptr);
    res = PQexecParams(conn_, text.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                       nullptr, nullptr, 0);
  } else {
    res = PQexec(conn_, text.c_str());
  }
  const ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_COPY_OUT ||
      st == PGRES_COPY_IN || st == PGRES_COPY_BOTH || st == PGRES_EMPTY_QUERY) {
    return res;
  }
  std::string shown = text.substr(0, 200);
  if (text.size() > 200) shown += "...";
  struct Guard {
    PGresult* r;
    ~Guard() { PQclear(r); }
  } guard{res};
  raise(shown, res);
}

void Connection::exec(std::string_view sql) {
  PQclear(run(sql, nullptr));
}

namespace {

Rows rows_of(PGresult* res) {
  Rows out;
  const int n = PQnfields(res);
  for (int i = 0; i < n; ++i) out.columns.emplace_back(PQfname(res, i));
  const int nrows = PQntuples(res);
  out.rows.reserve(static_cast<size_t>(nrows));
  for (int r = 0; r < nrows; ++r) {
    Row& row = out.rows.emplace_back();
    row.reserve(static_cast<size_t>(n));
    for (int c = 0; c < n; ++c) {
      if (PQgetisnull(res, r, c)) {
        row.emplace_back(std::nullopt);
      } else {
        row.emplace_back(
            std::string(PQgetvalue(res, r, c), static_cast<size_t>(PQgetlength(res, r, c))));
      }
    }
  }
  PQclear(res);
  return out;
}

}  // namespace

Rows Connection::query(std::string_view sql) {
  return rows_of(run(sql, nullptr));
}

Rows Connection::query(std::string_view sql,
                       const std::vector<std::optional<std::string>>& params) {
  return rows_of(run(sql, &params));
}

std::optional<std::string> Connection::query_value(std::string_view sql) {
  Rows r = query(sql);
  if (r.rows.empty() || r.rows[0].empty()) return std::nullopt;
  return r.rows[0][0];
}

void Connection::copy_out_start(std::string_view sql) {
  PGresult* res = run(sql, nullptr);
  const bool ok = PQresultStatus(res) == PGRES_COPY_OUT;
  PQclear(res);
  if (!ok) fail(FERRY_INTERNAL, options_.where() + ": COPY did not start: " + std::string(sql));
  copy_ = Copy::Out;
}

bool Connection::next_copy_row(std::string_view& row) {
  if (copy_buf_) {
    PQfreemem(copy_buf_);
    copy_buf_ = nullptr;
  }
  const int n = PQgetCopyData(conn_, &copy_buf_, 0);
  if (n > 0) {
    row = std::string_view(copy_buf_, static_cast<size_t>(n));
    return true;
  }
  copy_ = Copy::None;
  if (n == -2) raise("reading COPY data");
  // -1: done; the command's own result follows.
  PGresult* res = PQgetResult(conn_);
  const bool ok = res && PQresultStatus(res) == PGRES_COMMAND_OK;
  if (!ok) {
    struct Guard {
      PGresult* r;
      ~Guard() { PQclear(r); }
    } guard{res};
    raise("COPY TO STDOUT", res);
  }
  PQclear(res);
  while (PGresult* more = PQgetResult(conn_)) PQclear(more);
  return false;
}

void Connection::copy_in_start(std::string_view sql) {
  PGresult* res = run(sql, nullptr);
  const bool ok = PQresultStatus(res) == PGRES_COPY_IN;
  PQclear(res);
  if (!ok) fail(FERRY_INTERNAL, options_.where() + ": COPY did not start: " + std::string(sql));
  copy_ = Copy::In;
}

void Connection::copy_in_put(std::string_view data) {
  if (PQputCopyData(conn_, data.data(), static_cast<int>(data.size())) != 1) {
    raise("sending COPY data");
  }
}

uint64_t Connection::copy_in_end() {
  copy_ = Copy::None;
  if (PQputCopyEnd(conn_, nullptr) != 1) raise("ending COPY");
  PGresult* res = PQgetResult(conn_);
  struct Guard {
    PGresult* r;
    ~Guard() { PQclear(r); }
  } guard{res};
  if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) raise("COPY FROM STDIN", res);
  const char* tuples = PQcmdTuples(res);
  const uint64_t n = tuples && *tuples ? std::stoull(tuples) : 0;
  while (PGresult* more = PQgetResult(conn_)) PQclear(more);
  return n;
}

void Connection::copy_in_abort(const std::string& why) {
  if (copy_ != Copy::In) return;
  copy_ = Copy::None;
  PQputCopyEnd(conn_, why.c_str());
  while (PGresult* res = PQgetResult(conn_)) PQclear(res);
}

std::string Connection::literal(std::string_view value) const {
  char* s = PQescapeLiteral(conn_, value.data(), value.size());
  if (!s) raise("quoting a literal");
  std::string out(s);
  PQfreemem(s);
  return out;
}

std::string quote_ident(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 2);
  out += '"';
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string qualified(std::string_view schema, std::string_view table) {
  return quote_ident(schema) + "." + quote_ident(table);
}

}  // namespace ferry::pg
