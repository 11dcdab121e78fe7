// The mysql plugin: the MySQL-family source and destination (MySQL, MariaDB, OceanBase MySQL
// mode). docs/connectors/mysql.md describes the config and the behaviour.
#include <ferry/sdk.hpp>

#include "destination.hpp"
#include "source.hpp"

namespace {

std::vector<ferry::FieldDecl> connection_fields() {
  using namespace ferry::field;
  return {
      string("host", "server host name or address").with_default("127.0.0.1"),
      integer("port", "server port").with_default("3306"),
      string("user", "login user").required(),
      secret("password", "login password"),
      string("database", "default database (optional)").with_default(""),
      integer("connect_timeout_s", "seconds to wait for a connection").with_default("10"),
      integer("read_timeout_s", "seconds without an answer before the server is considered dead")
          .with_default("60"),
      string("ssl_mode", "disabled | preferred | required | verify_ca | verify_identity")
          .with_default("preferred"),
      string("ssl_ca", "CA certificate file for verify_ca / verify_identity").with_default(""),
  };
}

std::vector<ferry::FieldDecl> source_fields() {
  using namespace ferry::field;
  auto f = connection_fields();
  f.push_back(integer("server_id",
                      "replica server_id of this task's binlog reader; unique among the "
                      "source's replicas (0 = derived from the task id)")
                  .with_default("0"));
  f.push_back(integer("batch_bytes", "cell bytes per batch, the memory bound of a reader")
                  .with_default("8388608"));
  f.push_back(integer("change_batch_rows", "row changes per change batch").with_default("1000"));
  f.push_back(
      string("resume_by", "file | gtid: how the change stream resumes").with_default("file"));
  f.push_back(integer("reconnect_attempts",
                      "reconnects of the change stream (with backoff) before it fails")
                  .with_default("10"));
  return f;
}

std::vector<ferry::FieldDecl> destination_fields() {
  using namespace ferry::field;
  auto f = connection_fields();
  f.push_back(string("checkpoint_table",
                     "table (database.table) holding the apply checkpoint, written in the same "
                     "transaction as the data")
                  .with_default("ferry.apply_checkpoint"));
  f.push_back(
      boolean("local_infile", "bulk load with LOAD DATA LOCAL INFILE (false: multi-row INSERT)")
          .with_default("true"));
  f.push_back(
      integer("max_statement_bytes", "largest INSERT statement (also capped by max_allowed_packet)")
          .with_default("4194304"));
  return f;
}

}  // namespace

FERRY_PLUGIN("mysql", "0.1.0", "MySQL-family connector: MySQL, MariaDB, OceanBase (MySQL mode)",
             ferry::source<ferry::mysql::MysqlSource>(
                 "mysql", "catalog, key-range splits, consistent snapshot, binlog change stream",
                 FERRY_CAP_SOURCE_CATALOG | FERRY_CAP_SOURCE_SNAPSHOT | FERRY_CAP_SOURCE_CHANGES |
                     FERRY_CAP_SOURCE_VERIFY_READ,
                 source_fields()),
             ferry::destination<ferry::mysql::MysqlDestination>(
                 "mysql", "DDL, LOAD DATA LOCAL bulk load, transactional apply, verify reads",
                 FERRY_CAP_DEST_DDL | FERRY_CAP_DEST_BULK | FERRY_CAP_DEST_APPLY |
                     FERRY_CAP_DEST_VERIFY_READ,
                 destination_fields()))
