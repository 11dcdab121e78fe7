// The postgres plugin: the PostgreSQL source and destination. docs/connectors/postgres.md
// describes the config and the behaviour.
#include <ferry/sdk.hpp>

#include "destination.hpp"
#include "source.hpp"

namespace {

std::vector<ferry::FieldDecl> connection_fields() {
  using namespace ferry::field;
  return {
      string("host", "server host name or address").with_default("127.0.0.1"),
      integer("port", "server port").with_default("5432"),
      string("user", "login role").required(),
      secret("password", "login password"),
      string("database", "database to connect to").with_default("postgres"),
      integer("connect_timeout_s", "seconds to wait for a connection").with_default("10"),
      string("sslmode", "disable | allow | prefer | require | verify-ca | verify-full")
          .with_default("prefer"),
      string("sslrootcert", "CA certificate file for verify-ca / verify-full").with_default(""),
  };
}

std::vector<ferry::FieldDecl> source_fields() {
  using namespace ferry::field;
  auto f = connection_fields();
  f.push_back(string("slot", "logical replication slot of the task (default: ferry_<task id>)")
                  .with_default(""));
  f.push_back(string("publication", "publication of the task's tables (default: ferry_<task id>)")
                  .with_default(""));
  f.push_back(integer("batch_bytes", "cell bytes per batch, the memory bound of a reader")
                  .with_default("8388608"));
  f.push_back(string("copy_format",
                     "binary | text: the COPY format of snapshot reads (binary decodes each "
                     "column's send format; columns without a binary decoder are read as text)")
                  .with_default("binary"));
  f.push_back(integer("change_batch_rows", "row changes per change batch").with_default("1000"));
  f.push_back(integer("dead_after_s",
                      "seconds without a message from the server before the replication "
                      "connection is considered dead (status updates ask for one every second)")
                  .with_default("10"));
  f.push_back(integer("reconnect_attempts",
                      "reconnects of the change stream (with backoff) before it fails")
                  .with_default("10"));
  return f;
}

std::vector<ferry::FieldDecl> destination_fields() {
  using namespace ferry::field;
  auto f = connection_fields();
  f.push_back(string("checkpoint_table",
                     "table (schema.table) holding the apply checkpoint, written in the same "
                     "transaction as the data")
                  .with_default("ferry.apply_checkpoint"));
  f.push_back(string("copy_format",
                     "binary | text: the COPY format of bulk_write (binary for a table whose "
                     "every written column has a binary encoder, else text)")
                  .with_default("binary"));
  f.push_back(integer("max_statement_bytes", "largest INSERT statement of apply_changes")
                  .with_default("4194304"));
  return f;
}

}  // namespace

FERRY_PLUGIN("postgres", "0.1.0", "PostgreSQL connector",
             ferry::source<ferry::pg::PgSource>(
                 "postgres",
                 "catalog, key/ctid-range splits, exported-snapshot reads, pgoutput changes",
                 FERRY_CAP_SOURCE_CATALOG | FERRY_CAP_SOURCE_SNAPSHOT | FERRY_CAP_SOURCE_CHANGES |
                     FERRY_CAP_SOURCE_VERIFY_READ,
                 source_fields()),
             ferry::destination<ferry::pg::PgDestination>(
                 "postgres", "DDL, COPY bulk load, transactional apply, verify reads",
                 FERRY_CAP_DEST_DDL | FERRY_CAP_DEST_BULK | FERRY_CAP_DEST_APPLY |
                     FERRY_CAP_DEST_VERIFY_READ,
                 destination_fields()))
