// The executor end to end with the built-in plugins: fake source → snapshot-reader → bounded
// channel → bulk-writer → fake destination (a file), with pause, resume, stop and failures.
#include "task/task_runner.hpp"
#include "task/stage_graph.hpp"
#include "task_fixture.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <thread>

namespace ferry::test {
namespace {

using namespace std::chrono_literals;
using meta::StageState;
using meta::TaskState;

class TaskRunnerTest : public TaskFixture {
 protected:
  std::unique_ptr<host::TaskRunner> runner_for(const config::TaskConfig& t) {
    task_ = t;
    auto graph = host::build_stage_graph(task_, plugins_);
    EXPECT_TRUE(graph.ok()) << graph.errors.at(0).str();
    host::RunnerOptions opts;
    opts.persist_interval = 50ms;
    return std::make_unique<host::TaskRunner>(task_, graph.graph, plugins_, *store_, opts);
  }

  // (table, id) → how many times the destination received it; checks each row's content.
  std::map<std::pair<std::string, int64_t>, int> received() {
    std::map<std::pair<std::string, int64_t>, int> out;
    std::ifstream in(output());
    std::string line;
    while (std::getline(in, line)) {
      std::vector<std::string> f;
      size_t start = 0;
      for (size_t tab; (tab = line.find('\t', start)) != std::string::npos; start = tab + 1) {
        f.push_back(line.substr(start, tab - start));
      }
      f.push_back(line.substr(start));
      EXPECT_EQ(f.size(), 6u) << line;
      if (f.size() != 6) continue;
      const int64_t id = std::stoll(f[1]);
      EXPECT_EQ(f[2], "name-" + f[1]);
      EXPECT_EQ(f[5], id % 7 == 0 ? "\\N" : "note for " + f[1]);
      ++out[{f[0], id}];
    }
    return out;
  }

  void expect_exactly_once(int64_t tables, int64_t rows) {
    const auto got = received();
    EXPECT_EQ(got.size(), static_cast<size_t>(tables * rows));
    for (int64_t t = 0; t < tables; ++t) {
      for (int64_t id = 1; id <= rows; ++id) {
        const auto it = got.find({"fake.t" + std::to_string(t), id});
        ASSERT_NE(it, got.end()) << "missing t" << t << " id " << id;
        ASSERT_EQ(it->second, 1) << "duplicate t" << t << " id " << id;
      }
    }
  }

  double written(const host::TaskRunner& r) {
    for (const auto& s : r.status().stages) {
      if (s.name == "full-import-write") {
        const auto it = s.metrics.find("rows_written");
        return it == s.metrics.end() ? 0 : it->second;
      }
    }
    return 0;
  }

  void wait_until_written(const host::TaskRunner& r, double at_least) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (written(r) < at_least && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(5ms);
    }
    ASSERT_GE(written(r), at_least);
  }

  config::TaskConfig task_;
};

TEST_F(TaskRunnerTest, MovesEveryRowExactlyOnceInBatches) {
  auto runner = runner_for(copy_task(3, 2500));
  runner->start();
  ASSERT_EQ(runner->wait(), TaskState::Completed);
  expect_exactly_once(3, 2500);
  const auto st = runner->status();
  for (const auto& s : st.stages) EXPECT_EQ(s.state, StageState::Completed) << s.name;
  EXPECT_EQ(st.stages[0].metrics.at("rows_read"), 7500);
  EXPECT_EQ(st.stages[1].metrics.at("rows_written"), 7500);
  EXPECT_EQ(st.stages[1].progress_json, "{\"rows_written\":7500}");
  // The meta store has the final states and the events.
  EXPECT_EQ(store_->task("copy")->state, TaskState::Completed);
  const auto stages = store_->stages("copy");
  ASSERT_EQ(stages.size(), 2u);
  EXPECT_EQ(stages[1].state, StageState::Completed);
  EXPECT_GT(stages[1].finished_at_ms, 0);
  const auto events = store_->events("copy");
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().message, "task completed");
  // The metrics' time series ends with the final values (sampled when each stage ended).
  const auto series = store_->metric_samples("copy", "full-import-write", "rows_written");
  ASSERT_FALSE(series.empty());
  EXPECT_EQ(series.back().value, 7500);
  for (size_t i = 1; i < series.size(); ++i) EXPECT_GE(series[i].value, series[i - 1].value);
}

TEST_F(TaskRunnerTest, PauseHoldsEveryStageAndResumeFinishesExactly) {
  auto t = copy_task(2, 3000);
  // The source holds after 1000 rows until the release file exists: the task is certainly
  // mid-copy when it is paused, whatever the machine's speed.
  t.source.fields["hold_after_rows"] = int_field(1000);
  t.source.fields["release_file"] = str_field((dir_ / "release").string());
  auto runner = runner_for(t);
  runner->start();
  wait_until_written(*runner, 1000);
  runner->pause();
  EXPECT_EQ(runner->status().state, TaskState::Paused);
  EXPECT_EQ(store_->task("copy")->state, TaskState::Paused);
  for (const auto& s : runner->status().stages) EXPECT_EQ(s.state, StageState::Paused) << s.name;
  std::ofstream(dir_ / "release").put('x');
  // Released but paused: each stage stops at its next yield; a batch already past its yield may
  // still land, so let that settle, then nothing may move.
  std::this_thread::sleep_for(100ms);
  const double held = written(*runner);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(written(*runner), held) << "rows moved while paused";
  EXPECT_LT(held, 6000);
  runner->resume();
  EXPECT_EQ(runner->status().state, TaskState::Running);
  ASSERT_EQ(runner->wait(), TaskState::Completed);
  expect_exactly_once(2, 3000);
}

TEST_F(TaskRunnerTest, StopEndsEveryStagePromptlyAndLeavesTheTaskResumable) {
  auto t = copy_task(2, 5000);
  t.source.fields["hold_after_rows"] = int_field(2000);
  t.source.fields["release_file"] = str_field((dir_ / "never").string());
  auto runner = runner_for(t);
  runner->start();
  wait_until_written(*runner, 2000);
  const auto asked = std::chrono::steady_clock::now();
  runner->stop();
  ASSERT_TRUE(runner->wait_for(5s));
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 2s);
  const auto st = runner->status();
  EXPECT_EQ(st.state, TaskState::Paused);
  for (const auto& s : st.stages) EXPECT_EQ(s.state, StageState::Stopped) << s.name;
  EXPECT_EQ(written(*runner), 2000);
  // What did land landed once.
  for (const auto& [key, n] : received()) EXPECT_EQ(n, 1) << key.first << " " << key.second;
  EXPECT_EQ(store_->task("copy")->state, TaskState::Paused);
}

TEST_F(TaskRunnerTest, StopWhilePausedStillStops) {
  auto t = copy_task(1, 5000);
  t.source.fields["hold_after_rows"] = int_field(100);
  t.source.fields["release_file"] = str_field((dir_ / "never").string());
  auto runner = runner_for(t);
  runner->start();
  wait_until_written(*runner, 100);
  runner->pause();
  runner->stop();
  ASSERT_TRUE(runner->wait_for(5s));
  EXPECT_EQ(runner->status().state, TaskState::Paused);
}

TEST_F(TaskRunnerTest, StopBeforeStartMeansItNeverStarts) {
  auto runner = runner_for(copy_task(1, 100));
  runner->stop();
  runner->start();
  EXPECT_EQ(runner->wait(), TaskState::NotStarted);
  EXPECT_FALSE(std::filesystem::exists(output()));
  EXPECT_FALSE(store_->task("copy").has_value());
}

TEST_F(TaskRunnerTest, AStageThatLeavesItsInputUnreadFailsTheTask) {
  auto t = copy_task(1, 20000);
  t.stages[1] = stage("full-import-write", "fake-take", {"full-import"});
  auto runner = runner_for(t);
  runner->start();
  ASSERT_TRUE(runner->wait_for(10s))
      << "the reader must not stay blocked on a channel nobody reads";
  const auto st = runner->status();
  EXPECT_EQ(st.state, TaskState::Failed);
  EXPECT_EQ(st.error.rfind("stage 'full-import-write' failed: the stage completed without reading "
                           "all of its input 'full-import->full-import-write' (",
                           0),
            0u)
      << st.error;
  EXPECT_EQ(st.stages[0].state, StageState::Stopped);
}

TEST_F(TaskRunnerTest, PauseAndResumeCallTheComponentsHooks) {
  auto t = copy_task(1, 3000);
  t.source.fields["hold_after_rows"] = int_field(500);
  t.source.fields["release_file"] = str_field((dir_ / "release").string());
  auto take_all = stage("full-import-write", "fake-take", {"full-import"});
  take_all.config["batches"] = int_field(1000000);  // reads everything
  t.stages[1] = take_all;
  auto runner = runner_for(t);
  runner->start();
  auto metric = [&](const char* name) {
    const auto st = runner->status();
    const auto it = st.stages[1].metrics.find(name);
    return it == st.stages[1].metrics.end() ? 0.0 : it->second;
  };
  // Once fake-take has read a batch it is inside run() (so the host can call its hooks), and the
  // reader holds after 500 rows, so both are still running when the task is paused.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (metric("batches_read") < 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(2ms);
  }
  ASSERT_GE(metric("batches_read"), 1);
  runner->pause();
  EXPECT_EQ(metric("pauses"), 1);
  EXPECT_EQ(metric("resumes"), 0);
  std::ofstream(dir_ / "release").put('x');
  runner->resume();
  EXPECT_EQ(metric("resumes"), 1);
  ASSERT_EQ(runner->wait(), TaskState::Completed) << runner->status().error;
}

TEST_F(TaskRunnerTest, EveryStageGetsItsOwnDirectory) {
  auto t = copy_task(1, 10);
  task_ = t;
  auto graph = host::build_stage_graph(task_, plugins_);
  host::RunnerOptions opts;
  opts.data_dir = dir_ / "data";
  host::TaskRunner runner(task_, graph.graph, plugins_, *store_, opts);
  runner.start();
  ASSERT_EQ(runner.wait(), TaskState::Completed);
  EXPECT_TRUE(std::filesystem::is_directory(dir_ / "data" / "tasks" / "copy" / "full-import"));
  EXPECT_TRUE(
      std::filesystem::is_directory(dir_ / "data" / "tasks" / "copy" / "full-import-write"));
}

TEST(TaskSettingsJson, CarriesTheTaskButNoSecrets) {
  config::TaskConfig t;
  t.id = "orders";
  t.types = {config::MigrationType::Full, config::MigrationType::Verify};
  t.tags = {"prod"};
  t.concurrency = config::Concurrency::Fast;
  t.objects.push_back({{"shop.*"}, {"shop.tmp_*"}, {}});
  t.source.plugin = "fake";
  t.source.fields["password"] = config::Field{config::Secret("s3cr3t"), {}, false};
  t.destination.plugin = "fake";
  t.rename.schemas["shop"] = "shop2";
  t.rename.columns["shop.orders.amt"] = "amount";
  EXPECT_EQ(
      host::task_settings_json(t),
      R"({"alert_level":"low","concurrency":"fast","destination_plugin":"fake","id":"orders",)"
      R"("objects":[{"exclude":["shop.tmp_*"],"include":["shop.*"]}],)"
      R"("rename":{"columns":{"shop.orders.amt":"amount"},"schemas":{"shop":"shop2"},)"
      R"("tables":{}},"source_plugin":"fake",)"
      R"("tags":["prod"],"types":["full","verify"],"verify_concurrency":"normal"})");
}

TEST_F(TaskRunnerTest, AFailingStageFailsTheTaskNamingItAndStopsTheOthers) {
  auto t = copy_task(1, 5000);
  t.source.fields["fail_after_rows"] = int_field(1234);
  auto runner = runner_for(t);
  runner->start();
  ASSERT_EQ(runner->wait(), TaskState::Failed);
  const auto st = runner->status();
  EXPECT_EQ(st.error,
            "stage 'full-import' failed: snapshot fake.t0: fake source: injected failure after "
            "1234 rows");
  EXPECT_EQ(st.stages[0].state, StageState::Failed);
  EXPECT_EQ(st.stages[1].state, StageState::Stopped);
  EXPECT_LE(received().size(), 1234u);
  const auto task = store_->task("copy");
  EXPECT_EQ(task->state, TaskState::Failed);
  EXPECT_EQ(task->error, st.error);
}

TEST_F(TaskRunnerTest, ADestinationFailureStopsTheReaderBlockedOnAFullChannel) {
  auto t = copy_task(1, 20000);
  t.destination.fields["fail_after_rows"] = int_field(500);
  auto runner = runner_for(t);
  runner->start();
  ASSERT_TRUE(runner->wait_for(10s)) << "the reader must not stay blocked on the full channel";
  const auto st = runner->status();
  EXPECT_EQ(st.state, TaskState::Failed);
  EXPECT_EQ(st.error,
            "stage 'full-import-write' failed: destination bulk_write: fake destination: "
            "injected failure after 500 rows");
  EXPECT_EQ(st.stages[0].state, StageState::Stopped);
}

TEST_F(TaskRunnerTest, AfterEdgesStartAStageOnlyWhenItsDependencyCompleted) {
  auto t = copy_task(1, 2000);
  auto second = stage("second-read", "snapshot-reader", {}, {"full-import-write"});
  t.stages.push_back(second);
  t.stages.push_back(stage("second-write", "bulk-writer", {"second-read"}));
  auto runner = runner_for(t);
  runner->start();
  ASSERT_EQ(runner->wait(), TaskState::Completed);
  const auto st = runner->status();
  ASSERT_EQ(st.stages.size(), 4u);
  EXPECT_EQ(st.stages[2].name, "second-read");
  EXPECT_GE(st.stages[2].started_at_ms, st.stages[1].finished_at_ms);
  EXPECT_EQ(received().size(), 2000u);  // each row twice now, once per pair
  for (const auto& [key, n] : received()) EXPECT_EQ(n, 2);
}

TEST_F(TaskRunnerTest, AComponentCreateFailureFailsTheTask) {
  auto t = copy_task(1, 10);
  t.stages[0].config["batch_rows"] = int_field(0);
  auto runner = runner_for(t);
  runner->start();
  ASSERT_EQ(runner->wait(), TaskState::Failed);
  EXPECT_EQ(runner->status().error,
            "stage 'full-import' failed: plugin 'pipeline' 1.0.0: creating component "
            "'snapshot-reader' failed: snapshot-reader: batch_rows and split_rows must be > 0");
}

TEST_F(TaskRunnerTest, ATransformStageFiltersBetweenTwoStages) {
  auto t = copy_task(2, 1000);
  auto filter = stage("drop-fifths", "fake-filter", {"full-import"});
  filter.config["drop_every"] = int_field(5);
  t.stages.push_back(filter);
  t.stages[1].inputs = {"drop-fifths"};
  auto runner = runner_for(t);
  runner->start();
  ASSERT_EQ(runner->wait(), TaskState::Completed) << runner->status().error;
  const auto got = received();
  EXPECT_EQ(got.size(), 2u * 800u);
  for (const auto& [key, n] : got) {
    EXPECT_NE(key.second % 5, 0) << key.second;
    EXPECT_EQ(n, 1);
  }
  const auto st = runner->status();
  const auto& f = *std::find_if(st.stages.begin(), st.stages.end(),
                                [](const auto& s) { return s.name == "drop-fifths"; });
  EXPECT_EQ(f.metrics.at("rows_in"), 2000);
  EXPECT_EQ(f.metrics.at("rows_out"), 1600);
}

}  // namespace
}  // namespace ferry::test
