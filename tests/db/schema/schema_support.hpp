// The schema step against the test bed's servers: the real connectors (compiled in, reached
// through FakeHost) discover a source, ferry_schema_core plans, the destination connector runs
// the plan, and the connectors read back the rows and the destination's catalog.
//
// Names: every database / schema a test makes starts with ferry_sch_ (dropped before the test,
// and after it when it passed). PostgreSQL sources live in the test bed's database, PostgreSQL
// destinations in the second database ferry_dst (as the postgres destination tests).
#pragma once

#include <gtest/gtest.h>
#include <ferry/sdk.hpp>
#include <ferry/testing/fake_host.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "db/postgres/pg_config.hpp"
#include "ddl.hpp"
#include "support/mysql_session.hpp"
#include "support/pg_session.hpp"
#include "support/testbed.hpp"

namespace ferry::schema::testing {

using ferry::testing::ConfigMap;
using ferry::testing::FakeHost;
using ferry::testing::MysqlDsn;
using ferry::testing::MysqlSession;
using ferry::testing::PgSession;
using ferry::testing::Row;
using ferry::testing::SecretValue;
using ferry::testing::TestInstance;

// The four connector components, declared with the fields these tests set.
const ferry_plugin_manifest* connectors();

struct Endpoint {
  Dialect dialect;
  std::unique_ptr<TestInstance> source;       // reads (discover, read_range)
  std::unique_ptr<TestInstance> destination;  // writes (apply_ddl, bulk_write)
};

class SchemaDbTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // A MySQL database / PostgreSQL schema for this test, dropped first (and at the end).
  std::string mysql_db(const std::string& suffix);
  std::string pg_schema(const std::string& suffix, bool destination_db);

  Endpoint mysql_endpoint();
  Endpoint pg_endpoint(bool destination_db);

  // Runs a whole plan on `dst` in a migration's order, copying the rows of every table from
  // `src` after the tables are created and before the indexes (as full import does). Every
  // statement of an object without an error must succeed; the keys of the objects that carry
  // an error (and so are not run) are returned.
  std::vector<std::string> run_plan(const SchemaPlan& plan, Endpoint& src, Endpoint& dst,
                                    const Catalog& source_catalog);

  // The rows of a table, in key order, read by `e`'s source component.
  std::vector<Row> rows_of(Endpoint& e, const std::string& schema, const std::string& table,
                           const std::vector<std::string>& key);

  static const Table& table_of(const Catalog& c, const std::string& name);
  static const Column& column_of(const Table& t, const std::string& name);
  static const Index* index_of(const Table& t, const std::string& name);

  MysqlDsn mysql_dsn_;
  std::string pg_dsn_;
  std::unique_ptr<MysqlSession> mysql_;
  std::unique_ptr<PgSession> pg_src_, pg_dst_;
  FakeHost host_;
  std::vector<std::string> mysql_dbs_, pg_src_schemas_, pg_dst_schemas_;
  bool have_mysql_ = false, have_pg_ = false;
};

}  // namespace ferry::schema::testing
