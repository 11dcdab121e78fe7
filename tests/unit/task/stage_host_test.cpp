// A stage's host services: checkpoints namespaced by stage in the meta store, and extra
// endpoint instances handed out through ferry_host.open_endpoint.
#include "task/stage_host.hpp"
#include "plugin/plugin_instance.hpp"
#include "task_fixture.hpp"

#include <gtest/gtest.h>
#include <ferry/sdk.hpp>

namespace ferry::test {
namespace {

class StageHostTest : public TaskFixture {};

TEST_F(StageHostTest, CheckpointsLiveUnderTheStageName) {
  store_->register_task("t", "");
  host::TaskControl control;
  host::StageHost stage("t", "full-import", control, *store_);
  const ferry::Host h(stage.services());
  h.checkpoint_write("chunk/7", ferry::to_bytes("done"));
  EXPECT_EQ(store_->checkpoint("t", "full-import/chunk/7"), ferry::to_bytes("done"));
  EXPECT_EQ(h.checkpoint_read("chunk/7"), ferry::to_bytes("done"));
  EXPECT_EQ(h.checkpoint_read("chunk/8"), std::nullopt);
}

TEST_F(StageHostTest, OpensExtraEndpointsAndClosesWhatTheStageLeftOpen) {
  host::TaskControl control;
  host::StageHost stage("t", "copy", control, *store_);
  const ferry::Host h(stage.services());
  EXPECT_THROW(h.open_endpoint(FERRY_KIND_SOURCE), ferry::Error) << "no factory yet";

  int made = 0;
  stage.set_endpoint_factory([&](ferry_kind kind) {
    ++made;
    config::FieldMap fields;
    fields["rows"] = int_field(5);
    return host::PluginInstance::create(*plugins_.find(kind, "fake"), fields, stage.services(), "t",
                                        "source");
  });
  {
    auto lease = h.open_endpoint(FERRY_KIND_SOURCE);
    ferry::SourceClient source(lease.endpoint());
    EXPECT_EQ(source.discover().tables.at(0).row_estimate, 5);
  }  // given back here
  auto kept = h.open_endpoint(FERRY_KIND_SOURCE);
  EXPECT_EQ(made, 2);
  stage.close_endpoints();  // the stage ended with `kept` still open: the host destroys it
  EXPECT_THROW(h.open_endpoint(FERRY_KIND_SOURCE), ferry::Error) << "the factory is gone too";
}

}  // namespace
}  // namespace ferry::test
