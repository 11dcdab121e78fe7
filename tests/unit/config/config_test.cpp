// Tests of ferry_config: load_config / load_server_only against config files written to a
// temporary directory. Expected positions are counted from the file text written here (by hand,
// or with pos(), which finds a marker in that text), never taken from the loader's output.
#include "config/config.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ferry::config {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

// "LINE:COL" (1-based) of the nth occurrence of `needle` in `text`.
std::string pos(const std::string& text, const std::string& needle, int nth = 0) {
  size_t at = text.find(needle);
  for (int i = 0; i < nth && at != std::string::npos; ++i) at = text.find(needle, at + 1);
  if (at == std::string::npos) return "<" + needle + " not found>";
  const size_t line_start =
      text.rfind('\n', at) == std::string::npos ? 0 : text.rfind('\n', at) + 1;
  const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<long>(at), '\n');
  return std::to_string(line) + ":" + std::to_string(at - line_start + 1);
}

std::vector<std::string> strs(const LoadResult& r) {
  std::vector<std::string> out;
  for (const ConfigError& e : r.errors) out.push_back(e.str());
  return out;
}

// Sets (or unsets, for nullptr) an environment variable for the life of the object.
class ScopedEnv {
 public:
  ScopedEnv(std::string name, const char* value) : name_(std::move(name)) {
    value ? ::setenv(name_.c_str(), value, 1) : ::unsetenv(name_.c_str());
  }
  ~ScopedEnv() { ::unsetenv(name_.c_str()); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
};

// A stand-in for the plugin registry: the fields of a few components.
class FakePlugins {
 public:
  FakePlugins() {
    std::vector<FieldSpec> db = {
        {"host", FieldType::String, false, "127.0.0.1", "server host"},
        {"port", FieldType::Int, false, "3306", "server port"},
        {"user", FieldType::String, true, std::nullopt, "login"},
        {"password", FieldType::Secret, true, std::nullopt, "login password"},
        {"database", FieldType::String, false, std::nullopt, "database"},
        {"ssl", FieldType::Bool, false, "false", "use TLS"},
        {"timeout", FieldType::Float, false, "1.5", "seconds"},
        {"schemas", FieldType::StringList, false, "a,b", "schemas"},
    };
    specs_[{ComponentRole::Source, "mysql"}] = db;
    db[1].default_value = "5432";
    specs_[{ComponentRole::Destination, "postgres"}] = db;
    specs_[{ComponentRole::Component, "checksum"}] = {
        {"workers", FieldType::Int, false, "4", "threads"},
        {"sample", FieldType::Float, false, std::nullopt, "fraction"},
        {"mode", FieldType::String, true, std::nullopt, "mode"},
    };
  }

  FieldLookup lookup() const {
    return [this](ComponentRole role, const std::string& name) -> const std::vector<FieldSpec>* {
      auto it = specs_.find({role, name});
      return it == specs_.end() ? nullptr : &it->second;
    };
  }

 private:
  std::map<std::pair<ComponentRole, std::string>, std::vector<FieldSpec>> specs_;
};

constexpr const char* kServer = R"([server]
data_dir = "/var/lib/ferry"
plugin_dir = "/usr/lib/ferry/plugins"
)";

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    dir_ = fs::temp_directory_path() / ("ferry_config_test_" + std::to_string(::getpid())) / name;
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_.parent_path()); }

  fs::path write(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }

  // The config file, written and loaded with the fake plugins' lookup.
  LoadResult load(const std::string& text) {
    file_ = write("ferryd.toml", text);
    return load_config(file_, plugins_.lookup());
  }
  // file_:LINE:COL: message
  std::string err(const std::string& line_col, const std::string& message) const {
    return file_.string() + ":" + line_col + ": " + message;
  }

  fs::path dir_;
  fs::path file_;
  FakePlugins plugins_;
  ScopedEnv src_pw_{"FERRY_CT_SRC_PW", "s3cret-src"};
};

// A task with valid endpoints, for tests about something else.
std::string task(const std::string& id, const std::string& extra = "") {
  return "[[task]]\nid = \"" + id + "\"\ntypes = [\"full\"]\n" + extra +
         "[task.source]\nplugin = \"mysql\"\nuser = \"u\"\npassword_env = \"FERRY_CT_SRC_PW\"\n"
         "[task.destination]\nplugin = \"postgres\"\nuser = \"u\"\n"
         "password_env = \"FERRY_CT_SRC_PW\"\n";
}

// ---------------------------------------------------------------------------------------------
// Valid files

constexpr const char* kFull = R"([server]
listen = "0.0.0.0:9000"
data_dir = "data"
plugin_dir = "/opt/ferry/plugins"
log_level = "debug"
task_dir = "tasks.d"

[[task]]
id = "orders-to-pg"
types = ["schema", "full", "incremental", "verify", "reverse"]
tags = ["prod", "eu"]
concurrency = "fast"
verify_concurrency = "smooth"
alert_level = "high"

[task.source]
plugin = "mysql"
host = "db1.example"
port = 3307
user = "ferry"
password_env = "FERRY_CT_SRC_PW"
ssl = true
timeout = 3
schemas = ["shop", "crm"]

[task.destination]
plugin = "postgres"
user = "ferry"
password_file = "secrets/dst.pw"
database = "shop"

[[task.objects]]
include = "shop.*"
exclude = ["shop.tmp_*", "shop.bak_*"]

[[task.objects]]
include = ["crm.a", "crm.b"]

[[task.stage]]
name = "verify2"
component = "checksum"
inputs = ["store"]
after = ["full-import"]
channel_capacity = 128
config = { mode = "fast", sample = 0.5 }
)";

constexpr const char* kSecondTask = R"([task]
id = "second"
types = ["full"]
source = { plugin = "mysql", user = "u", password_env = "FERRY_CT_SRC_PW" }
destination = { plugin = "postgres", user = "u", password_file = "../secrets/dst.pw" }
)";

TEST_F(ConfigTest, ValidFullConfigRoundTripsEveryField) {
  write("secrets/dst.pw", "dst-pw\n");
  write("tasks.d/b-second.toml", kSecondTask);
  write("tasks.d/notes.txt", "not a task file");
  const LoadResult r = load(kFull);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(strs(r));
  const DaemonConfig& c = *r.config;
  const std::string f = file_.string();

  EXPECT_EQ(c.file, file_);
  EXPECT_EQ(c.server.listen, "0.0.0.0:9000");
  EXPECT_EQ(c.server.data_dir, dir_ / "data");  // relative: against the file's directory
  EXPECT_EQ(c.server.plugin_dir, fs::path("/opt/ferry/plugins"));
  EXPECT_EQ(c.server.log_level, "debug");
  EXPECT_EQ(c.server.task_dir, dir_ / "tasks.d");
  EXPECT_EQ(c.server.where, (SourceLocation{f, 1, 1}));
  ASSERT_EQ(c.tasks.size(), 2u);

  const TaskConfig& t = c.tasks[0];
  EXPECT_EQ(t.id, "orders-to-pg");
  EXPECT_THAT(t.types,
              ElementsAre(MigrationType::Schema, MigrationType::Full, MigrationType::Incremental,
                          MigrationType::Verify, MigrationType::Reverse));
  EXPECT_TRUE(t.has(MigrationType::Reverse));
  EXPECT_THAT(t.tags, ElementsAre("prod", "eu"));
  EXPECT_EQ(t.concurrency, Concurrency::Fast);
  EXPECT_EQ(t.verify_concurrency, Concurrency::Smooth);
  EXPECT_EQ(t.alert_level, AlertLevel::High);
  EXPECT_EQ(t.where, (SourceLocation{f, 8, 1}));

  // Source: every field given (timeout = 3 is an integer where a float is declared).
  const FieldMap& src = t.source.fields;
  EXPECT_EQ(t.source.plugin, "mysql");
  EXPECT_EQ(t.source.where, (SourceLocation{f, 16, 1}));
  EXPECT_EQ(std::get<std::string>(src.at("host").value), "db1.example");
  EXPECT_EQ(std::get<int64_t>(src.at("port").value), 3307);
  EXPECT_EQ(src.at("port").where, (SourceLocation{f, 19, 8}));
  EXPECT_FALSE(src.at("port").defaulted);
  EXPECT_EQ(std::get<std::string>(src.at("user").value), "ferry");
  EXPECT_EQ(std::get<Secret>(src.at("password").value).reveal(), "s3cret-src");
  EXPECT_EQ(src.at("password").where, (SourceLocation{f, 21, 16}));
  EXPECT_EQ(src.count("password_env"), 0u);
  EXPECT_EQ(std::get<bool>(src.at("ssl").value), true);
  EXPECT_EQ(std::get<double>(src.at("timeout").value), 3.0);
  EXPECT_THAT(std::get<std::vector<std::string>>(src.at("schemas").value),
              ElementsAre("shop", "crm"));
  EXPECT_EQ(src.count("database"), 0u);  // optional, no default
  EXPECT_EQ(src.size(), 7u);

  // Destination: defaults fill what is not written, located at the table.
  const FieldMap& dst = t.destination.fields;
  EXPECT_EQ(t.destination.plugin, "postgres");
  EXPECT_EQ(std::get<std::string>(dst.at("host").value), "127.0.0.1");
  EXPECT_TRUE(dst.at("host").defaulted);
  EXPECT_EQ(dst.at("host").where, (SourceLocation{f, 26, 1}));
  EXPECT_EQ(std::get<int64_t>(dst.at("port").value), 5432);
  EXPECT_TRUE(dst.at("port").defaulted);
  EXPECT_EQ(std::get<bool>(dst.at("ssl").value), false);
  EXPECT_EQ(std::get<double>(dst.at("timeout").value), 1.5);
  EXPECT_THAT(std::get<std::vector<std::string>>(dst.at("schemas").value), ElementsAre("a", "b"));
  EXPECT_EQ(std::get<Secret>(dst.at("password").value).reveal(), "dst-pw");
  EXPECT_FALSE(dst.at("password").defaulted);
  EXPECT_EQ(std::get<std::string>(dst.at("database").value), "shop");

  ASSERT_EQ(t.objects.size(), 2u);
  EXPECT_THAT(t.objects[0].include, ElementsAre("shop.*"));
  EXPECT_THAT(t.objects[0].exclude, ElementsAre("shop.tmp_*", "shop.bak_*"));
  EXPECT_EQ(t.objects[0].where, (SourceLocation{f, 32, 1}));
  EXPECT_THAT(t.objects[1].include, ElementsAre("crm.a", "crm.b"));
  EXPECT_TRUE(t.objects[1].exclude.empty());

  ASSERT_EQ(t.stages.size(), 1u);
  const StageConfig& s = t.stages[0];
  EXPECT_EQ(s.name, "verify2");
  EXPECT_EQ(s.component, "checksum");
  EXPECT_THAT(s.inputs, ElementsAre("store"));
  EXPECT_THAT(s.after, ElementsAre("full-import"));
  EXPECT_EQ(s.channel_capacity, 128u);
  EXPECT_EQ(s.where, (SourceLocation{f, 39, 1}));
  EXPECT_EQ(std::get<std::string>(s.config.at("mode").value), "fast");
  EXPECT_EQ(std::get<double>(s.config.at("sample").value), 0.5);
  EXPECT_EQ(std::get<int64_t>(s.config.at("workers").value), 4);
  EXPECT_TRUE(s.config.at("workers").defaulted);

  // The task_dir file: task defaults, and its relative password_file resolved against the
  // directory of the file it is written in.
  const TaskConfig& t2 = c.tasks[1];
  EXPECT_EQ(t2.id, "second");
  EXPECT_EQ(t2.where, (SourceLocation{(dir_ / "tasks.d" / "b-second.toml").string(), 1, 1}));
  EXPECT_FALSE(t2.has(MigrationType::Schema));
  EXPECT_TRUE(t2.tags.empty());
  EXPECT_EQ(t2.concurrency, Concurrency::Normal);
  EXPECT_EQ(t2.verify_concurrency, Concurrency::Normal);
  EXPECT_EQ(t2.alert_level, AlertLevel::Low);
  EXPECT_TRUE(t2.objects.empty());
  EXPECT_TRUE(t2.stages.empty());
  EXPECT_EQ(std::get<Secret>(t2.destination.fields.at("password").value).reveal(), "dst-pw");

  EXPECT_EQ(c.find_task("second"), &c.tasks[1]);
  EXPECT_EQ(c.find_task("nope"), nullptr);
}

TEST_F(ConfigTest, ServerDefaultsApplyWhenKeysAreLeftOut) {
  const LoadResult r = load(kServer);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(strs(r));
  EXPECT_EQ(r.config->server.listen, "127.0.0.1:7480");
  EXPECT_EQ(r.config->server.log_level, "info");
  EXPECT_EQ(r.config->server.data_dir, fs::path("/var/lib/ferry"));
  EXPECT_FALSE(r.config->server.task_dir.has_value());
  EXPECT_TRUE(r.config->tasks.empty());
}

TEST_F(ConfigTest, WithoutLookupPluginKeysAreStoredAsWritten) {
  const std::string text = std::string(kServer) + task("a") + "port = 5433\nratio = 0.5\n";
  file_ = write("ferryd.toml", text);
  const LoadResult r = load_config(file_);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(strs(r));
  const FieldMap& dst = r.config->tasks[0].destination.fields;
  EXPECT_EQ(std::get<int64_t>(dst.at("port").value), 5433);
  EXPECT_EQ(std::get<double>(dst.at("ratio").value), 0.5);
  EXPECT_EQ(std::get<std::string>(dst.at("password_env").value), "FERRY_CT_SRC_PW");
  EXPECT_EQ(dst.count("plugin"), 0u);
  EXPECT_EQ(dst.count("host"), 0u);  // no defaults without the plugin's declaration
}

// ---------------------------------------------------------------------------------------------
// Errors: format, unknown keys, types, required keys

TEST_F(ConfigTest, UnknownKeysAreErrorsAtTheKeyWithAHint) {
  const LoadResult r = load(R"([server]
data_dir = "/d"
plugin_dir = "/p"
lissen = "1.2.3.4:5"
colour = 1
)");
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(r.config.has_value());
  const std::string f = file_.string();
  EXPECT_THAT(strs(r), ElementsAre(f + ":4:1: unknown key 'lissen' in [server]; did you mean "
                                       "'listen'?",
                                   f + ":5:1: unknown key 'colour' in [server]"));
}

TEST_F(ConfigTest, UnknownTopLevelAndTaskKeys) {
  const std::string text = "sever = 1\n" + std::string(kServer) + task("a", "typs = []\n");
  const LoadResult r = load(text);
  EXPECT_THAT(strs(r), ElementsAre(err(pos(text, "sever"),
                                       "unknown key 'sever' in the top-level table; "
                                       "did you mean 'server'?"),
                                   err(pos(text, "typs"),
                                       "unknown key 'typs' in [[task]]; did you mean 'types'?")));
}

TEST_F(ConfigTest, WrongTypesNameExpectedAndActualType) {
  const LoadResult r = load(R"([server]
data_dir = 1
plugin_dir = "/p"
log_level = true
task_dir = ["x"]
)");
  EXPECT_THAT(strs(r), ElementsAre(err("2:12", "'data_dir' must be a string, not an integer"),
                                   err("4:13", "'log_level' must be a string, not a boolean"),
                                   err("5:12", "'task_dir' must be a string, not an array")));
}

TEST_F(ConfigTest, WrongTypesInTasksAndTables) {
  const std::string text = std::string(kServer) + task("a", "tags = \"prod\"\nobjects = 3\n") +
                           "port = \"5432\"\n" + "[[task]]\nid = \"b\"\ntypes = [\"full\"]\n" +
                           "source = \"mysql\"\ndestination = { plugin = 7 }\n";
  const LoadResult r = load(text);
  EXPECT_THAT(strs(r),
              ElementsAre(err(pos(text, "\"prod\""), "'tags' must be an array, not a string"),
                          err(pos(text, "3\n"), "'objects' must be an array, not an integer"),
                          err(pos(text, "\"5432\""), "'port' must be an integer, not a string"),
                          err(pos(text, "\"mysql\"", 1), "'source' must be a table, not a string"),
                          err(pos(text, "7 }"), "'plugin' must be a string, not an integer")));
}

TEST_F(ConfigTest, ServerMustBeATableAndTaskAnArrayOfTables) {
  const LoadResult r = load("server = 5\ntask = [1]\n");
  EXPECT_THAT(strs(r), ElementsAre(err("1:10", "'server' must be a table, not an integer"),
                                   err("2:9", "'task[0]' must be a table, not an integer")));
}

TEST_F(ConfigTest, MissingRequiredKeysAreReportedAtTheTable) {
  ScopedEnv pw("FERRY_CT_SET", "x");
  const LoadResult r = load(R"([server]
plugin_dir = "/p"

[[task]]
types = ["full"]
[task.source]
user = "u"
[task.destination]
plugin = "postgres"
password_env = "FERRY_CT_SET"
)");
  EXPECT_THAT(strs(r), ElementsAre(err("1:1", "missing required key 'data_dir' in [server]"),
                                   err("4:1", "missing required key 'id' in [[task]]"),
                                   err("6:1", "missing required key 'plugin' in [task.source]"),
                                   err("8:1",
                                       "missing required key 'user' in [task.destination] "
                                       "(destination 'postgres')")));
}

TEST_F(ConfigTest, EmptyFileLacksServer) {
  const LoadResult r = load("");
  EXPECT_THAT(strs(r), ElementsAre(err("1:1",
                                       "missing required key 'server' in the top-level "
                                       "table")));
}

TEST_F(ConfigTest, AllErrorsAreCollectedInFileOrder) {
  const LoadResult r = load(R"([server]
data_dir = "/d"
plugin_dir = "/p"
log_level = "verbose"

[[task]]
id = "Bad Id"
types = []
concurrency = "quick"
[task.source]
plugin = "mysql"
[task.destination]
plugin = "postgres"
[[task.stage]]
name = "s"
component = "checksum"
channel_capacity = 0
)");
  ASSERT_EQ(r.errors.size(), 10u) << ::testing::PrintToString(strs(r));
  const std::vector<std::string> e = strs(r);
  EXPECT_EQ(e[0], err("4:13",
                      "'log_level' must be one of trace|debug|info|warn|error, not "
                      "'verbose'"));
  EXPECT_THAT(e[1], ::testing::StartsWith(err("7:6", "'id' must match [a-z0-9][a-z0-9_-]{0,62}")));
  EXPECT_THAT(e[1], ::testing::EndsWith("not 'Bad Id'"));
  EXPECT_EQ(e[2], err("8:9", "'types' must not be empty"));
  EXPECT_EQ(e[3], err("9:15", "'concurrency' must be one of smooth|normal|fast, not 'quick'"));
  EXPECT_EQ(e[4], err("10:1", "missing required key 'user' in [task.source] (source 'mysql')"));
  EXPECT_EQ(e[5], err("10:1",
                      "missing required secret 'password' in [task.source] (source "
                      "'mysql'): set password_env or password_file"));
  EXPECT_EQ(e[6], err("12:1",
                      "missing required key 'user' in [task.destination] (destination "
                      "'postgres')"));
  EXPECT_EQ(e[7], err("12:1",
                      "missing required secret 'password' in [task.destination] "
                      "(destination 'postgres'): set password_env or password_file"));
  EXPECT_EQ(e[8], err("14:1",
                      "missing required key 'mode' in [task.stage.config] (component "
                      "'checksum')"));
  EXPECT_EQ(e[9], err("17:20", "'channel_capacity' must be between 1 and 65536, not 0"));
}

TEST_F(ConfigTest, ChannelCapacityRange) {
  const std::string text = std::string(kServer) + task("a") +
                           "[[task.stage]]\nname = \"s\"\ncomponent = \"checksum\"\n"
                           "channel_capacity = 65537\nconfig = { mode = \"m\" }\n"
                           "[[task.stage]]\nname = \"t\"\ncomponent = \"checksum\"\n"
                           "channel_capacity = 65536\nconfig = { mode = \"m\" }\n";
  const LoadResult r = load(text);
  EXPECT_THAT(strs(r), ElementsAre(err(pos(text, "65537"),
                                       "'channel_capacity' must be between 1 and 65536, not "
                                       "65537")));
}

TEST_F(ConfigTest, TypesRejectUnknownAndDuplicateValues) {
  const LoadResult r = load(std::string(kServer) + R"([[task]]
id = "a"
types = ["schema", "ful", "schema", 3]
)");
  // The types line is line 6 (kServer is three lines); `types = [` is 9 characters.
  EXPECT_THAT(strs(r), ElementsAre(err("4:1", "missing required key 'source' in [[task]]"),
                                   err("4:1", "missing required key 'destination' in [[task]]"),
                                   err("6:20",
                                       "'types[1]' must be one of schema|full|incremental|verify|"
                                       "reverse, not 'ful'; did you mean 'full'?"),
                                   err("6:27", "'types' lists 'schema' more than once"),
                                   err("6:37", "'types[3]' must be a string, not an integer")));
}

TEST_F(ConfigTest, InvalidListenAndEnumsHint) {
  const LoadResult r =
      load(std::string(kServer) + "listen = \"localhost\"\nlog_level = \"eror\"\n");
  EXPECT_THAT(strs(r), ElementsAre(err("4:10", "'listen' must be \"host:port\", not 'localhost'"),
                                   err("5:13",
                                       "'log_level' must be one of trace|debug|info|warn|"
                                       "error, not 'eror'; did you mean 'error'?")));
}

TEST_F(ConfigTest, ObjectRules) {
  const std::string text = std::string(kServer) + task("a") +
                           "[[task.objects]]\nexclude = \"x\"\n"
                           "[[task.objects]]\ninclude = 5\n"
                           "[[task.objects]]\ninclude = []\nexlude = \"y\"\n";
  const LoadResult r = load(text);
  EXPECT_THAT(
      strs(r),
      ElementsAre(
          err(pos(text, "[[task.objects]]"), "missing required key 'include' in [[task.objects]]"),
          err(pos(text, "5\n"),
              "'include' must be a string or an array of strings, not "
              "an integer"),
          err(pos(text, "[]"), "'include' must not be empty"),
          err(pos(text, "exlude"),
              "unknown key 'exlude' in [[task.objects]]; did you mean 'exclude'?")));
}

TEST_F(ConfigTest, RenamesOfSchemasTablesAndColumns) {
  const std::string text = std::string(kServer) + task("a") +
                           "[task.rename]\n"
                           "schemas = { shop = \"shop_v2\" }\n"
                           "tables = { \"shop.orders\" = \"orders2\" }\n"
                           "columns = { \"shop.orders.amt\" = \"amount\" }\n";
  const LoadResult r = load(text);
  ASSERT_TRUE(r.ok()) << strs(r).at(0);
  const auto& rn = r.config->tasks.at(0).rename;
  EXPECT_EQ(rn.schemas.at("shop"), "shop_v2");
  EXPECT_EQ(rn.tables.at("shop.orders"), "orders2");
  EXPECT_EQ(rn.columns.at("shop.orders.amt"), "amount");
}

TEST_F(ConfigTest, BadRenamesNameTheEntry) {
  const std::string text = std::string(kServer) + task("a") +
                           "[task.rename]\n"
                           "schemas = { \"a.b\" = \"x\" }\n"
                           "tables = { \"shop.o\" = \"\", \"shop.p\" = \"q\", "
                           "\"shop.r\" = \"q\" }\n"
                           "columns = { \"shop.orders\" = \"c\" }\n"
                           "colums = 1\n";
  const LoadResult r = load(text);
  const auto errors = strs(r);
  ASSERT_EQ(errors.size(), 5u) << ::testing::PrintToString(errors);
  EXPECT_THAT(errors, ::testing::Contains(::testing::HasSubstr(
                          "rename.schemas: 'a.b' must be a schema (MySQL database) name")));
  EXPECT_THAT(errors, ::testing::Contains(::testing::HasSubstr(
                          "rename.tables: the new name of 'shop.o' must be one non-empty name")));
  EXPECT_THAT(errors, ::testing::Contains(
                          ::testing::HasSubstr("'shop.r' and 'shop.p' are both renamed to 'q'")));
  EXPECT_THAT(errors, ::testing::Contains(::testing::HasSubstr(
                          "rename.columns: 'shop.orders' must be \"schema.table.column\"")));
  EXPECT_THAT(errors, ::testing::Contains(::testing::HasSubstr(
                          "unknown key 'colums' in [task.rename]; did you mean 'columns'?")));
}

TEST_F(ConfigTest, StageNamesAreUniqueWithinATask) {
  const std::string text = std::string(kServer) + task("a") +
                           "[[task.stage]]\nname = \"v\"\ncomponent = \"checksum\"\n"
                           "config = { mode = \"m\", worker = 2 }\n"
                           "[[task.stage]]\nname = \"v\"\ncomponent = \"nope\"\n" +
                           task("b") +
                           "[[task.stage]]\nname = \"v\"\ncomponent = \"checksum\"\n"
                           "config = { mode = \"m\" }\n";
  const LoadResult r = load(text);
  EXPECT_THAT(
      strs(r),
      ElementsAre(err(pos(text, "worker"),
                      "unknown key 'worker' in [task.stage.config] "
                      "(component 'checksum'); did you mean "
                      "'workers'?"),
                  err(pos(text, "\"v\"", 1), "duplicate stage name 'v' (first defined at " +
                                                 file_.string() + ":" + pos(text, "\"v\"") + ")"),
                  err(pos(text, "\"nope\""), "no loaded plugin provides component 'nope'")));
}

// ---------------------------------------------------------------------------------------------
// Syntax and I/O

TEST_F(ConfigTest, SyntaxErrorIsOneErrorWithTomlPosition) {
  const LoadResult r = load("[server]\ndata_dir = \"/d\nplugin_dir = \"/p\"\n");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].where.file, file_.string());
  EXPECT_EQ(r.errors[0].where.line, 2u);  // the unterminated string
  EXPECT_GT(r.errors[0].where.column, 0u);
  EXPECT_THAT(r.errors[0].str(), HasSubstr("string"));
}

TEST_F(ConfigTest, MissingFileCannotBeRead) {
  const fs::path missing = dir_ / "nope.toml";
  const LoadResult r = load_config(missing);
  EXPECT_THAT(strs(r),
              ElementsAre(missing.string() + ": cannot read config: No such file or directory"));
  EXPECT_THAT(strs(load_config(dir_)),
              ElementsAre(dir_.string() + ": cannot read config: Is a directory"));
}

TEST_F(ConfigTest, ErrorStrFormat) {
  EXPECT_EQ((ConfigError{{"f.toml", 3, 7}, "m"}.str()), "f.toml:3:7: m");
  EXPECT_EQ((ConfigError{{"f.toml"}, "m"}.str()), "f.toml: m");
  EXPECT_EQ((ConfigError{{"f.toml", 1, 1}, "a\nb\r"}.str()), "f.toml:1:1: a\\nb\\r");
}

TEST_F(ConfigTest, ServerOnlyIgnoresTasks) {
  const std::string text = std::string(kServer) + "[[task]]\nbogus = 1\n";
  file_ = write("ferryd.toml", text);
  const LoadResult r = load_server_only(file_);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(strs(r));
  EXPECT_EQ(r.config->server.plugin_dir, fs::path("/usr/lib/ferry/plugins"));
  EXPECT_TRUE(r.config->tasks.empty());
  EXPECT_FALSE(load_config(file_).ok());

  write("ferryd.toml", "[server]\ndata_dir = \"/d\"\n");
  EXPECT_THAT(strs(load_server_only(file_)),
              ElementsAre(err("1:1", "missing required key 'plugin_dir' in [server]")));
}

// ---------------------------------------------------------------------------------------------
// Secrets

TEST_F(ConfigTest, PasswordEnvUnset) {
  ScopedEnv unset("FERRY_CT_UNSET", nullptr);
  const std::string text = std::string(kServer) + R"([[task]]
id = "a"
types = ["full"]
[task.source]
plugin = "mysql"
user = "u"
password_env = "FERRY_CT_UNSET"
[task.destination]
plugin = "postgres"
user = "u"
password_env = "FERRY_CT_SRC_PW"
)";
  const LoadResult r = load(text);
  EXPECT_THAT(strs(r), ElementsAre(err("10:16",
                                       "password_env: environment variable "
                                       "'FERRY_CT_UNSET' is not set")));
}

TEST_F(ConfigTest, PasswordFileUnreadable) {
  fs::create_directories(dir_ / "pwdir");
  const std::string missing = (dir_ / "missing.pw").string();
  const std::string text = std::string(kServer) + R"([[task]]
id = "a"
types = ["full"]
[task.source]
plugin = "mysql"
user = "u"
password_file = "missing.pw"
[task.destination]
plugin = "postgres"
user = "u"
password_file = ")" + (dir_ / "pwdir").string() +
                           "\"\n";
  const LoadResult r = load(text);
  EXPECT_THAT(strs(r),
              ElementsAre(err("10:17", "password_file: cannot read '" + missing +
                                           "': No such file or directory"),
                          err("14:17", "password_file: cannot read '" + (dir_ / "pwdir").string() +
                                           "': Is a directory")));
}

TEST_F(ConfigTest, PasswordFileTrimsOneTrailingNewline) {
  write("crlf.pw", "pw1\r\n");
  write("two.pw", "pw2\n\n");
  const std::string text = std::string(kServer) +
                           "[[task]]\nid = \"a\"\ntypes = [\"full\"]\n"
                           "[task.source]\nplugin = \"mysql\"\nuser = \"u\"\n"
                           "password_file = \"crlf.pw\"\n"
                           "[task.destination]\nplugin = \"postgres\"\nuser = \"u\"\n"
                           "password_file = \"two.pw\"\n";
  const LoadResult r = load(text);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(strs(r));
  const TaskConfig& t = r.config->tasks[0];
  EXPECT_EQ(std::get<Secret>(t.source.fields.at("password").value).reveal(), "pw1");
  EXPECT_EQ(std::get<Secret>(t.destination.fields.at("password").value).reveal(), "pw2\n");
}

TEST_F(ConfigTest, InlinePasswordIsRejectedWithoutItsValue) {
  const std::string text = std::string(kServer) + R"([[task]]
id = "a"
types = ["full"]
[task.source]
plugin = "mysql"
user = "u"
password = "hunter2-inline"
password_env = "FERRY_CT_SRC_PW"
[task.destination]
plugin = "postgres"
user = "u"
password_env = "FERRY_CT_SRC_PW"
password_file = "/nonexistent"
)";
  const LoadResult r = load(text);
  EXPECT_THAT(strs(r), ElementsAre(err("10:1",
                                       "'password' must not be written in the config; use "
                                       "password_env or password_file"),
                                   err("16:17", "set only one of password_env and password_file")));
  for (const std::string& s : strs(r)) EXPECT_THAT(s, Not(HasSubstr("hunter2")));
}

TEST_F(ConfigTest, NoErrorEverContainsASecretValue) {
  const std::string value = "Zq9-secret-value";
  ScopedEnv pw("FERRY_CT_LEAK", value.c_str());
  write("leak.pw", value + "\n");
  // Error paths near a secret: an inline secret, a misspelt key, wrong types of its neighbours.
  const std::string text = std::string(kServer) +
                           "[[task]]\nid = \"a\"\ntypes = [\"full\"]\n"
                           "[task.source]\nplugin = \"mysql\"\nuser = 1\n"
                           "password = \"" +
                           value + "\"\n" + "password_env = \"FERRY_CT_LEAK\"\nport = \"" + value +
                           "\"\n"
                           "[task.destination]\nplugin = \"postgres\"\nuser = \"u\"\n"
                           "password_file = \"leak.pw\"\npasword = \"" +
                           value + "\"\n";
  const LoadResult r = load(text);
  ASSERT_EQ(r.errors.size(), 4u) << ::testing::PrintToString(strs(r));
  for (const ConfigError& e : r.errors) {
    EXPECT_THAT(e.str(), Not(HasSubstr(value)));
    EXPECT_THAT(e.message, Not(HasSubstr(value)));
  }
  // And a secret that does get resolved never prints.
  const std::string ok_text = std::string(kServer) + task("a") + "[[task]]\nid = \"b\"\n" +
                              "types = [\"full\"]\n[task.source]\nplugin = \"mysql\"\nuser = "
                              "\"u\"\npassword_env = \"FERRY_CT_LEAK\"\n"
                              "[task.destination]\nplugin = \"postgres\"\nuser = \"u\"\n"
                              "password_file = \"leak.pw\"\n";
  const LoadResult ok = load(ok_text);
  ASSERT_TRUE(ok.ok()) << ::testing::PrintToString(strs(ok));
  const Field& f = ok.config->tasks[1].source.fields.at("password");
  EXPECT_EQ(std::get<Secret>(f.value).reveal(), value);
  std::ostringstream os;
  os << std::get<Secret>(f.value);
  EXPECT_EQ(os.str(), "******");
  EXPECT_THAT(::testing::PrintToString(f.value), Not(HasSubstr(value)));
  EXPECT_THAT(::testing::PrintToString(f.value), HasSubstr("******"));
}

TEST_F(ConfigTest, SecretIsNeverPrintable) {
  const Secret s("abc");
  std::ostringstream os;
  os << s;
  EXPECT_EQ(os.str(), "******");
  EXPECT_EQ(s.masked(), "******");
  EXPECT_EQ(std::string(Secret::kMask), "******");
  EXPECT_EQ(s.reveal(), "abc");
  EXPECT_FALSE(s.empty());
  EXPECT_TRUE(Secret().empty());
}

TEST_F(ConfigTest, MissingRequiredSecretNamesBothKeys) {
  const std::string text = std::string(kServer) +
                           "[[task]]\nid = \"a\"\ntypes = [\"full\"]\n"
                           "[task.source]\nplugin = \"mysql\"\nuser = \"u\"\n"
                           "[task.destination]\nplugin = \"postgres\"\nuser = \"u\"\n"
                           "password_env = \"FERRY_CT_SRC_PW\"\n";
  const LoadResult r = load(text);
  EXPECT_THAT(strs(r), ElementsAre(err("7:1",
                                       "missing required secret 'password' in "
                                       "[task.source] (source 'mysql'): set password_env "
                                       "or password_file")));
}

// ---------------------------------------------------------------------------------------------
// ${env:NAME}

TEST_F(ConfigTest, EnvReferencesAreExpandedInEveryString) {
  ScopedEnv host("FERRY_CT_HOST", "db.internal");
  ScopedEnv base("FERRY_CT_BASE", "/srv/ferry");
  const std::string text = R"([server]
data_dir = "${env:FERRY_CT_BASE}/data"
plugin_dir = "$${env:FERRY_CT_BASE}"
)" + task("a", "tags = [\"${env:FERRY_CT_HOST}\"]\n") +
                           "host = \"${env:FERRY_CT_HOST}:${env:FERRY_CT_HOST}\"\n";
  const LoadResult r = load(text);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(strs(r));
  EXPECT_EQ(r.config->server.data_dir, fs::path("/srv/ferry/data"));
  EXPECT_EQ(r.config->server.plugin_dir, dir_ / "${env:FERRY_CT_BASE}");  // $${ is a literal ${
  EXPECT_THAT(r.config->tasks[0].tags, ElementsAre("db.internal"));
  EXPECT_EQ(std::get<std::string>(r.config->tasks[0].destination.fields.at("host").value),
            "db.internal:db.internal");
}

TEST_F(ConfigTest, UnsetEnvReferenceIsAnErrorAtTheValue) {
  ScopedEnv unset("FERRY_CT_NOPE", nullptr);
  const std::string text = R"([server]
data_dir = "/d"
plugin_dir = "${env:FERRY_CT_NOPE}/p"
listen = "${oops}"
)" + task("a") + "database = \"x${env:FERRY_CT_NOPE}\"\n";
  const LoadResult r = load(text);
  EXPECT_THAT(strs(r), ElementsAre(err("3:14",
                                       "environment variable 'FERRY_CT_NOPE' (in "
                                       "${env:FERRY_CT_NOPE}) is not set"),
                                   err("4:10",
                                       "unsupported substitution '${oops}' (only ${env:NAME} is "
                                       "supported; write $${ for a literal ${)"),
                                   err(pos(text, "\"x${"),
                                       "environment variable 'FERRY_CT_NOPE' (in "
                                       "${env:FERRY_CT_NOPE}) is not set")));
  // Also without a lookup (phase 1 stores plugin keys as written, expanded).
  EXPECT_EQ(load_config(file_).errors.size(), 3u);
}

// ---------------------------------------------------------------------------------------------
// task_dir and task ids

TEST_F(ConfigTest, TaskDirErrorsNameTheTaskFile) {
  write("tasks/a.toml",
        "[task]\nid = \"from-a\"\ntypes = [\"full\"]\n"
        "source = { plugin = \"mysql\", user = \"u\", password_env = "
        "\"FERRY_CT_SRC_PW\" }\n"
        "destination = { plugin = \"postgres\", user = \"u\", password_env = "
        "\"FERRY_CT_SRC_PW\" }\n");
  const std::string b = "[task]\nid = \"from-b\"\ntypes = [\"full\"]\nconcurrency = \"fsat\"\n";
  const fs::path b_file = write("tasks/b.toml", b);
  write("tasks/c.toml", "[[task]]\nid = \"x\"\n");
  write("tasks/sub/d.toml", "not even toml [");  // not recursive
  const LoadResult r =
      load(std::string(kServer) + "task_dir = \"tasks\"\n" + task("inline") + "port = \"x\"\n");
  const std::string bf = b_file.string();
  const std::string cf = (dir_ / "tasks" / "c.toml").string();
  EXPECT_THAT(strs(r),
              ElementsAre(err("16:8", "'port' must be an integer, not a string"),
                          bf + ":1:1: missing required key 'source' in [task]",
                          bf + ":1:1: missing required key 'destination' in [task]",
                          bf + ":4:15: 'concurrency' must be one of smooth|normal|fast, not "
                               "'fsat'; did you mean 'fast'?",
                          cf + ":1:1: 'task' must be a table, not an array"));
}

TEST_F(ConfigTest, TaskDirFilesLoadInNameOrder) {
  write("tasks/2.toml",
        "[task]\nid = \"two\"\ntypes = [\"full\"]\n"
        "source = { plugin = \"mysql\", user = \"u\", password_env = "
        "\"FERRY_CT_SRC_PW\" }\n"
        "destination = { plugin = \"postgres\", user = \"u\", password_env = "
        "\"FERRY_CT_SRC_PW\" }\n");
  write("tasks/1.toml",
        "[task]\nid = \"one\"\ntypes = [\"full\"]\n"
        "source = { plugin = \"mysql\", user = \"u\", password_env = "
        "\"FERRY_CT_SRC_PW\" }\n"
        "destination = { plugin = \"postgres\", user = \"u\", password_env = "
        "\"FERRY_CT_SRC_PW\" }\n");
  const LoadResult r = load(std::string(kServer) + "task_dir = \"tasks\"\n" + task("zero"));
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(strs(r));
  ASSERT_EQ(r.config->tasks.size(), 3u);
  EXPECT_EQ(r.config->tasks[0].id, "zero");
  EXPECT_EQ(r.config->tasks[1].id, "one");
  EXPECT_EQ(r.config->tasks[2].id, "two");
}

TEST_F(ConfigTest, MissingTaskDirIsAnErrorAtItsValue) {
  const LoadResult r = load(std::string(kServer) + "task_dir = \"nowhere\"\n");
  EXPECT_THAT(strs(r), ElementsAre(err("4:12", "task_dir: cannot read directory '" +
                                                   (dir_ / "nowhere").string() +
                                                   "': No such file or directory")));
}

TEST_F(ConfigTest, DuplicateTaskIdsNameTheFirst) {
  const fs::path dup = write("tasks/dup.toml",
                             "[task]\nid = \"a\"\ntypes = [\"full\"]\n"
                             "source = { plugin = \"mysql\", user = \"u\", "
                             "password_env = \"FERRY_CT_SRC_PW\" }\n"
                             "destination = { plugin = \"postgres\", user = "
                             "\"u\", password_env = \"FERRY_CT_SRC_PW\" }\n");
  const std::string text =
      std::string(kServer) + "task_dir = \"tasks\"\n" + task("a") + task("b") + task("a");
  const LoadResult r = load(text);
  const std::string first = file_.string() + ":" + pos(text, "\"a\"");
  EXPECT_THAT(strs(r), ElementsAre(err(pos(text, "\"a\"", 1),
                                       "duplicate task id 'a' (first defined at " + first + ")"),
                                   dup.string() + ":2:6: duplicate task id 'a' (first defined at " +
                                       first + ")"));
}

TEST_F(ConfigTest, InvalidTaskId) {
  const std::string text = std::string(kServer) + task("-a") + task(std::string(64, 'a')) +
                           task(std::string(63, 'b')) + task("ok_1-x");
  const LoadResult r = load(text);
  ASSERT_EQ(r.errors.size(), 2u) << ::testing::PrintToString(strs(r));
  EXPECT_THAT(r.errors[0].str(),
              ::testing::StartsWith(err(pos(text, "\"-a\""), "'id' must match")));
  EXPECT_THAT(r.errors[1].str(),
              ::testing::StartsWith(err(pos(text, "\"aaaa"), "'id' must match")));
}

// ---------------------------------------------------------------------------------------------
// Phase 2: plugin fields

TEST_F(ConfigTest, UnknownPluginIsAnErrorAtThePluginValue) {
  const std::string text = std::string(kServer) +
                           "[[task]]\nid = \"a\"\ntypes = [\"full\"]\n"
                           "[task.source]\nplugin = \"oracle\"\nwhatever = 1\n"
                           "[task.destination]\nplugin = \"mysql\"\n";
  const LoadResult r = load(text);
  EXPECT_THAT(strs(r), ElementsAre(err("8:10", "no loaded plugin provides source 'oracle'"),
                                   err("11:10", "no loaded plugin provides destination 'mysql'")));
  EXPECT_TRUE(load_config(file_).ok());  // phase 1 alone does not know plugins
}

TEST_F(ConfigTest, UnknownPluginFieldHasAHint) {
  const std::string text = std::string(kServer) + task("a") + "hots = \"h\"\nfoo = 1\n";
  const LoadResult r = load(text);
  EXPECT_THAT(strs(r), ElementsAre(err(pos(text, "hots"),
                                       "unknown key 'hots' in "
                                       "[task.destination] (destination "
                                       "'postgres'); did you mean 'host'?"),
                                   err(pos(text, "foo"),
                                       "unknown key 'foo' in [task.destination] "
                                       "(destination 'postgres')")));
}

TEST_F(ConfigTest, PluginFieldTypes) {
  const std::string text = std::string(kServer) + task("a") +
                           "port = 5432.0\nssl = \"yes\"\ntimeout = \"1\"\nschemas = [1]\n";
  const LoadResult r = load(text);
  EXPECT_THAT(strs(r),
              ElementsAre(err(pos(text, "5432.0"), "'port' must be an integer, not a float"),
                          err(pos(text, "\"yes\""), "'ssl' must be a boolean, not a string"),
                          err(pos(text, "\"1\""), "'timeout' must be a number, not a string"),
                          err(pos(text, "1]"), "'schemas[0]' must be a string, not an integer")));
}

TEST_F(ConfigTest, InvalidDeclaredDefaultIsReported) {
  FakePlugins plugins;
  std::vector<FieldSpec> bad = {{"n", FieldType::Int, false, "12x", ""},
                                {"b", FieldType::Bool, false, "yes", ""}};
  const FieldLookup lookup = [&](ComponentRole role,
                                 const std::string& name) -> const std::vector<FieldSpec>* {
    if (role == ComponentRole::Component && name == "bad") return &bad;
    return plugins.lookup()(role, name);
  };
  const std::string text =
      std::string(kServer) + task("a") + "[[task.stage]]\nname = \"s\"\ncomponent = \"bad\"\n";
  file_ = write("ferryd.toml", text);
  const LoadResult r = load_config(file_, lookup);
  const std::string at = pos(text, "[[task.stage]]");
  EXPECT_THAT(strs(r), ElementsAre(err(at,
                                       "field 'n' of [task.stage.config] (component 'bad') "
                                       "declares a default that is not a valid int (a "
                                       "plugin bug)"),
                                   err(at,
                                       "field 'b' of [task.stage.config] (component 'bad') "
                                       "declares a default that is not a valid bool (a "
                                       "plugin bug)")));
}

TEST(ConfigNames, ToString) {
  EXPECT_EQ(to_string(MigrationType::Incremental), "incremental");
  EXPECT_EQ(to_string(MigrationType::Reverse), "reverse");
  EXPECT_EQ(to_string(Concurrency::Smooth), "smooth");
  EXPECT_EQ(to_string(AlertLevel::None), "none");
  EXPECT_EQ(to_string(FieldType::StringList), "string-list");
  EXPECT_EQ(to_string(FieldType::Secret), "secret");
}

}  // namespace
}  // namespace ferry::config
