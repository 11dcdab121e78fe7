// Shared setup for the task tests: the built-in plugins loaded from the build tree, a fresh
// data directory with a meta store, and task configs built in code.
#pragma once

#include "config/config.hpp"
#include "meta/meta_store.hpp"
#include "plugin/plugin_registry.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace ferry::test {

inline config::Field int_field(int64_t v) {
  return config::Field{v, {}, false};
}
inline config::Field str_field(std::string v) {
  return config::Field{std::move(v), {}, false};
}

inline config::StageConfig stage(std::string name, std::string component,
                                 std::vector<std::string> inputs = {},
                                 std::vector<std::string> after = {}) {
  config::StageConfig s;
  s.name = std::move(name);
  s.component = std::move(component);
  s.inputs = std::move(inputs);
  s.after = std::move(after);
  s.where = {"task.toml", 10, 1};
  return s;
}

class TaskFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           ("ferry-task-" + std::to_string(::getpid()) + "-" + info->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    const auto refusals = plugins_.load_directory(FERRY_PLUGIN_BUILD_DIR);
    ASSERT_TRUE(refusals.empty()) << refusals.front();
    std::filesystem::create_directories(dir_ / "data");
    store_ = meta::MetaStore::open(dir_ / "data");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // fake source (tables x rows) → snapshot-reader → channel → bulk-writer → fake destination
  config::TaskConfig copy_task(int64_t tables, int64_t rows) {
    config::TaskConfig t;
    t.id = "copy";
    t.types = {config::MigrationType::Full};
    t.where = {"task.toml", 1, 1};
    t.source.plugin = "fake";
    t.source.fields["tables"] = int_field(tables);
    t.source.fields["rows"] = int_field(rows);
    t.destination.plugin = "fake";
    t.destination.fields["output"] = str_field(output().string());
    auto reader = stage("full-import", "snapshot-reader");
    reader.config["batch_rows"] = int_field(100);
    reader.config["split_rows"] = int_field(1000);
    t.stages.push_back(reader);
    t.stages.push_back(stage("full-import-write", "bulk-writer", {"full-import"}));
    return t;
  }

  std::filesystem::path output() const { return dir_ / "out.tsv"; }

  std::filesystem::path dir_;
  host::PluginRegistry plugins_;
  std::unique_ptr<meta::MetaStore> store_;
};

}  // namespace ferry::test
