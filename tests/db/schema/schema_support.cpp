#include "db/schema/schema_support.hpp"

#include "mysql/destination.hpp"
#include "mysql/source.hpp"
#include "postgres/destination.hpp"
#include "postgres/source.hpp"

namespace ferry::schema::testing {

namespace {

std::vector<FieldDecl> connection_fields(const char* port) {
  using namespace ferry::field;
  return {string("host", "host").with_default("127.0.0.1"),
          integer("port", "port").with_default(port), string("user", "user").required(),
          secret("password", "password"), string("database", "database").with_default("")};
}

std::vector<FieldDecl> with(std::vector<FieldDecl> f, std::vector<FieldDecl> more) {
  f.insert(f.end(), more.begin(), more.end());
  return f;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

const ferry_plugin_manifest* connectors() {
  using namespace ferry::field;
  static const PluginDef def(
      "schema-test-connectors", "0", "the mysql and postgres connectors, compiled in",
      {ferry::source<ferry::mysql::MysqlSource>(
           "mysql", "mysql source", FERRY_CAP_SOURCE_CATALOG | FERRY_CAP_SOURCE_VERIFY_READ,
           connection_fields("3306")),
       ferry::destination<ferry::mysql::MysqlDestination>(
           "mysql", "mysql destination", FERRY_CAP_DEST_DDL | FERRY_CAP_DEST_BULK,
           with(connection_fields("3306"),
                {boolean("local_infile", "LOAD DATA LOCAL").with_default("true")})),
       ferry::source<ferry::pg::PgSource>("postgres", "postgres source",
                                          FERRY_CAP_SOURCE_CATALOG | FERRY_CAP_SOURCE_VERIFY_READ,
                                          connection_fields("5432")),
       ferry::destination<ferry::pg::PgDestination>(
           "postgres", "postgres destination", FERRY_CAP_DEST_DDL | FERRY_CAP_DEST_BULK,
           with(connection_fields("5432"),
                {string("copy_format", "text | binary").with_default("text")}))});
  return def.manifest();
}

void SchemaDbTest::SetUp() {
  const char* m = std::getenv("FERRY_TEST_MYSQL_DSN");
  const char* p = std::getenv("FERRY_TEST_PG_DSN");
  if (!m || !*m || !p || !*p) {
    if (ferry::testing::running_in_ci()) {
      FAIL() << "FERRY_TEST_MYSQL_DSN / FERRY_TEST_PG_DSN are not set: run through "
                "scripts/test.sh";
    }
    GTEST_SKIP() << "FERRY_TEST_MYSQL_DSN / FERRY_TEST_PG_DSN are not set (scripts/test.sh "
                    "starts the test bed)";
  }
  mysql_dsn_ = ferry::testing::parse_mysql_dsn(m);
  pg_dsn_ = p;
  mysql_ = std::make_unique<MysqlSession>(mysql_dsn_);
  pg_src_ = std::make_unique<PgSession>(pg_dsn_);
  pg_src_->exec("SET client_min_messages = warning");
  if (pg_src_->query("SELECT 1 FROM pg_database WHERE datname = 'ferry_dst'").rows.empty()) {
    try {
      pg_src_->exec("CREATE DATABASE ferry_dst");
    } catch (const std::exception&) {
      // another suite created it at the same moment
    }
  }
  pg_dst_ = std::make_unique<PgSession>(pg_dsn_ + " dbname=ferry_dst");
  pg_dst_->exec("SET client_min_messages = warning");
  have_mysql_ = have_pg_ = true;
}

void SchemaDbTest::TearDown() {
  if (HasFailure()) return;  // keep the objects for a look
  for (const auto& db : mysql_dbs_) mysql_->exec("DROP DATABASE IF EXISTS `" + db + "`");
  for (const auto& s : pg_src_schemas_)
    pg_src_->exec("DROP SCHEMA IF EXISTS \"" + s + "\" CASCADE");
  for (const auto& s : pg_dst_schemas_)
    pg_dst_->exec("DROP SCHEMA IF EXISTS \"" + s + "\" CASCADE");
}

std::string SchemaDbTest::mysql_db(const std::string& suffix) {
  const std::string db = "ferry_sch_" + suffix;
  mysql_->exec("DROP DATABASE IF EXISTS `" + db + "`");
  mysql_dbs_.push_back(db);
  return db;
}

std::string SchemaDbTest::pg_schema(const std::string& suffix, bool destination_db) {
  const std::string s = "ferry_sch_" + suffix;
  (destination_db ? pg_dst_ : pg_src_)->exec("DROP SCHEMA IF EXISTS \"" + s + "\" CASCADE");
  (destination_db ? pg_dst_schemas_ : pg_src_schemas_).push_back(s);
  return s;
}

Endpoint SchemaDbTest::mysql_endpoint() {
  ConfigMap c{{"host", mysql_dsn_.host},
              {"port", int64_t{mysql_dsn_.port}},
              {"user", mysql_dsn_.user},
              {"password", SecretValue{mysql_dsn_.password}}};
  Endpoint e{Dialect::MySQL, host_.create(connectors(), FERRY_KIND_SOURCE, "mysql", c),
             host_.create(connectors(), FERRY_KIND_DESTINATION, "mysql", c)};
  return e;
}

Endpoint SchemaDbTest::pg_endpoint(bool destination_db) {
  ConfigMap c = ferry::testing::pg_connection_config(pg_dsn_);
  if (destination_db) c["database"] = std::string("ferry_dst");
  Endpoint e{Dialect::PostgreSQL, host_.create(connectors(), FERRY_KIND_SOURCE, "postgres", c),
             host_.create(connectors(), FERRY_KIND_DESTINATION, "postgres", c)};
  return e;
}

std::vector<Row> SchemaDbTest::rows_of(Endpoint& e, const std::string& schema,
                                       const std::string& table,
                                       const std::vector<std::string>& key) {
  Split s;
  s.schema = schema;
  s.table = table;
  s.key_columns = key;
  return ferry::testing::read_all(e.source->source().read_range(s, 1000));
}

std::vector<std::string> SchemaDbTest::run_plan(const SchemaPlan& plan, Endpoint& src,
                                                Endpoint& dst, const Catalog& source_catalog) {
  std::vector<std::string> failed_alone;
  DestinationClient d = dst.destination->destination();
  auto run = [&](const std::string& what, const std::string& sql) {
    try {
      d.apply_ddl(sql);
    } catch (const std::exception& e) {
      ADD_FAILURE() << what << " failed: " << e.what() << "\n" << sql;
    }
  };
  for (const auto& s : plan.create_schemas) run("create schema", s);
  for (const auto& t : plan.tables) {
    for (const auto& r : t.refusals) ADD_FAILURE() << "refused " << r.column << ": " << r.reason;
    for (const auto& s : t.create) run("create " + t.src_table, s);
  }
  // The rows, as full import copies them: read from the source, written under the
  // destination's names.
  for (const auto& t : plan.tables) {
    const Table& st = table_of(source_catalog, t.src_table);
    std::vector<std::string> key;
    for (const auto& x : st.indexes) {
      if (x.kind == FERRY_INDEX_PRIMARY) key = x.columns;
    }
    Split s;
    s.schema = st.schema;
    s.table = st.name;
    s.key_columns = key;
    StreamReader rows = src.source->source().read_range(s, 500);
    TableSchema ts = schema_of(st);
    ts.schema = t.dst_schema;
    ts.name = t.dst_table;
    for (size_t i = 0; i < ts.columns.size(); ++i) ts.columns[i].name = t.columns[i].dest_name;
    const SharedTable out_table = make_table(ts);
    for (;;) {
      OwnedBatch in = rows.next();
      if (in.is_end()) break;
      const BatchView v(in.get());
      BatchBuilder out = BatchBuilder::rows(out_table);
      for (uint64_t c = 0; c < v.cell_count(); ++c) {
        const Cell cell = v.cell(c);
        out.add_cell(cell.data, cell.flags);
      }
      OwnedBatch b = OwnedBatch::from(std::move(out));
      try {
        d.bulk_write(*out_table->ref(), b.get());
      } catch (const std::exception& e) {
        ADD_FAILURE() << "copying " << t.src_table << " failed: " << e.what();
      }
    }
  }
  for (const auto& t : plan.tables) {
    for (const auto& x : t.indexes) {
      if (!x.error.empty()) {
        failed_alone.push_back(x.key);
        continue;
      }
      run(x.key, x.ddl);
    }
  }
  for (const auto& t : plan.tables) {
    for (const auto& x : t.constraints) {
      if (!x.error.empty()) {
        failed_alone.push_back(x.key);
        continue;
      }
      run(x.key, x.ddl);
    }
  }
  for (const auto& v : plan.views) {
    if (!v.error.empty()) {
      failed_alone.push_back(v.key);
      continue;
    }
    run(v.key, v.ddl);
    for (const auto& a : v.after) run(v.key, a);
  }
  for (const auto& t : plan.tables) {
    for (const auto& s : t.identity_sync) run("identity sync " + t.src_table, s);
  }
  return failed_alone;
}

const Table& SchemaDbTest::table_of(const Catalog& c, const std::string& name) {
  for (const auto& t : c.tables) {
    if (t.name == name) return t;
  }
  static const Table none;
  ADD_FAILURE() << "no table " << name << " in the catalog";
  return none;
}

const Column& SchemaDbTest::column_of(const Table& t, const std::string& name) {
  for (const auto& c : t.columns) {
    if (lower(c.name) == lower(name)) return c;
  }
  static const Column none;
  ADD_FAILURE() << "no column " << name << " in " << t.name;
  return none;
}

const Index* SchemaDbTest::index_of(const Table& t, const std::string& name) {
  for (const auto& x : t.indexes) {
    if (x.name == name) return &x;
  }
  return nullptr;
}

}  // namespace ferry::schema::testing
