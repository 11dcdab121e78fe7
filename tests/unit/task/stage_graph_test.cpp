// Stage graphs: defaults per migration type, TOML overrides, and validation errors that name
// the task, the stage and the place.
#include "task/stage_graph.hpp"
#include "task_fixture.hpp"

#include <gtest/gtest.h>

namespace ferry::test {
namespace {

using config::MigrationType;
using host::build_stage_graph;

std::vector<std::string> names(const host::StageGraph& g) {
  std::vector<std::string> out;
  for (const auto& s : g.stages) out.push_back(s.name);
  return out;
}

class StageGraphTest : public TaskFixture {};

TEST_F(StageGraphTest, DefaultsFollowTheMigrationTypes) {
  config::TaskConfig t;
  t.id = "t";
  t.types = {MigrationType::Schema, MigrationType::Full, MigrationType::Incremental,
             MigrationType::Verify, MigrationType::Reverse};
  const auto stages = host::default_stages(t);
  std::vector<std::pair<std::string, std::vector<std::string>>> got;
  for (const auto& s : stages) got.emplace_back(s.name, s.after);
  const std::vector<std::pair<std::string, std::vector<std::string>>> expected = {
      {"store", {}},
      {"schema", {}},
      {"full-import", {"schema"}},
      {"incr-sync", {"full-import"}},
      {"full-verification", {"full-import"}},
      {"switchover", {"incr-sync"}},
      {"reverse-incr-sync", {"switchover"}}};
  EXPECT_EQ(got, expected);

  config::TaskConfig full_only;
  full_only.types = {MigrationType::Full};
  const auto one = host::default_stages(full_only);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_TRUE(one[0].after.empty());
}

TEST_F(StageGraphTest, AStageOfTheSameNameReplacesTheDefault) {
  const auto result = build_stage_graph(copy_task(1, 10), plugins_);
  ASSERT_TRUE(result.ok()) << result.errors[0].str();
  EXPECT_EQ(names(result.graph), (std::vector<std::string>{"full-import", "full-import-write"}));
  EXPECT_EQ(result.graph.find("full-import")->component, "snapshot-reader");
  EXPECT_EQ(result.graph.find("full-import")->config.at("batch_rows").value,
            config::FieldValue{int64_t{100}});
}

TEST_F(StageGraphTest, OrdersByDependenciesNotDeclaration) {
  auto t = copy_task(1, 10);
  t.stages = {stage("w", "bulk-writer", {"r"}), stage("r", "snapshot-reader", {}, {"full-import"}),
              stage("full-import", "snapshot-reader")};
  t.stages.push_back(stage("w2", "bulk-writer", {"full-import"}));
  const auto result = build_stage_graph(t, plugins_);
  ASSERT_TRUE(result.ok()) << result.errors[0].str();
  EXPECT_EQ(names(result.graph), (std::vector<std::string>{"full-import", "r", "w", "w2"}));
}

TEST_F(StageGraphTest, UnknownComponentNamesTheStageAndThePlace) {
  config::TaskConfig t = copy_task(1, 10);
  t.stages.push_back(stage("extra", "no-such-component"));
  const auto result = build_stage_graph(t, plugins_);
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].str(),
            "task.toml:10:1: task 'copy': stage 'extra': unknown component 'no-such-component' "
            "(no loaded plugin provides it)");
}

TEST_F(StageGraphTest, MissingInputAndAfterAreErrors) {
  auto t = copy_task(1, 10);
  t.stages.push_back(stage("extra", "bulk-writer", {"nowhere"}, {"never"}));
  const auto result = build_stage_graph(t, plugins_);
  ASSERT_EQ(result.errors.size(), 2u);
  EXPECT_EQ(
      result.errors[0].str(),
      "task.toml:10:1: task 'copy': stage 'extra': input 'nowhere' is not a stage of this task");
  EXPECT_EQ(result.errors[1].str(),
            "task.toml:10:1: task 'copy': stage 'extra': 'after' names 'never', which is not a "
            "stage of this task");
}

TEST_F(StageGraphTest, ACycleIsReportedAlongItsPath) {
  auto t = copy_task(1, 10);
  t.stages = {stage("full-import", "snapshot-reader"), stage("a", "bulk-writer", {"b"}),
              stage("b", "snapshot-reader", {}, {"c"}), stage("c", "bulk-writer", {"a"})};
  const auto result = build_stage_graph(t, plugins_);
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(
      result.errors[0].str(),
      "task.toml:10:1: task 'copy': stage 'a': the stage graph has a cycle: a -> b -> c -> a");
  EXPECT_TRUE(result.graph.stages.empty());
}

TEST_F(StageGraphTest, ASelfLoopIsACycle) {
  auto t = copy_task(1, 10);
  t.stages = {stage("full-import", "bulk-writer", {"full-import"})};
  const auto result = build_stage_graph(t, plugins_);
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(
      result.errors[0].message,
      "task 'copy': stage 'full-import': the stage graph has a cycle: full-import -> full-import");
}

TEST_F(StageGraphTest, ATransformNeedsOneInputAndOneReader) {
  auto t = copy_task(1, 10);
  t.stages.push_back(stage("filter", "fake-filter", {"full-import", "full-import-write"}));
  const auto result = build_stage_graph(t, plugins_);
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].message,
            "task 'copy': stage 'filter': transform 'fake-filter' needs exactly one input and one "
            "stage reading its output (it has 2 and 0)");
}

TEST_F(StageGraphTest, ReadingFromAStageItMustWaitForIsADeadlock) {
  auto t = copy_task(1, 10);
  t.stages[1].after = {"full-import"};  // the writer reads full-import and waits for it
  auto result = build_stage_graph(t, plugins_);
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].message,
            "task 'copy': stage 'full-import-write': it reads from 'full-import' but can only "
            "start after 'full-import' has completed (through 'after'): 'full-import' would fill "
            "the channel and wait forever");

  // The same through a third stage: the writer waits for `gate`, which waits for the reader.
  t = copy_task(1, 10);
  t.stages.push_back(stage("gate", "snapshot-reader", {}, {"full-import"}));
  t.stages.push_back(stage("gate-write", "bulk-writer", {"gate"}));
  t.stages[1].after = {"gate"};
  result = build_stage_graph(t, plugins_);
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_NE(result.errors[0].message.find("stage 'full-import-write': it reads from 'full-import'"),
            std::string::npos);
}

}  // namespace
}  // namespace ferry::test
