// The plugin loader against deliberately broken plugins (tests/broken_plugins), asserting the
// exact refusal text, and against the real in-tree plugins.
#include "plugin/plugin_instance.hpp"
#include "plugin/plugin_registry.hpp"

#include <gtest/gtest.h>
#include <ferry/sdk.hpp>

#include <filesystem>
#include <string>

namespace fs = std::filesystem;
using ferry::host::PluginInstance;
using ferry::host::PluginRegistry;

namespace {

const fs::path kBroken = FERRY_BROKEN_PLUGIN_DIR;
const fs::path kBuiltins = FERRY_PLUGIN_BUILD_DIR;

// The path the loader names: the file inside the canonical plugin directory.
std::string file_in(const std::string& dir, const std::string& so) {
  return (fs::canonical(kBroken / dir) / so).string();
}

std::vector<std::string> load(const fs::path& dir, PluginRegistry& reg) {
  return reg.load_directory(dir);
}

const std::string kHostRange = std::to_string(FERRY_ABI_MAJOR) + ".0-" +
                               std::to_string(FERRY_ABI_MAJOR) + "." +
                               std::to_string(FERRY_ABI_MINOR);

TEST(Loader, RefusesALibraryWithoutTheEntrySymbol) {
  PluginRegistry reg;
  const auto refusals = load(kBroken / "no_entry", reg);
  ASSERT_EQ(refusals.size(), 1u);
  EXPECT_EQ(refusals[0],
            file_in("no_entry", "ferry-no-entry.so") +
                ": not a ferry plugin: it has no entry symbol 'ferry_plugin_entry_v1'");
  EXPECT_TRUE(reg.plugins().empty());
}

TEST(Loader, RefusesWrongMagic) {
  PluginRegistry reg;
  const auto refusals = load(kBroken / "bad_magic", reg);
  ASSERT_EQ(refusals.size(), 1u);
  EXPECT_EQ(refusals[0], file_in("bad_magic", "ferry-bad-magic.so") +
                             ": not a ferry plugin: manifest magic is 0x0123456789abcdef, "
                             "expected 0x474c505952524546");
  EXPECT_EQ(reg.find(FERRY_KIND_SOURCE, "bad-magic"), nullptr);
}

TEST(Loader, RefusesAnotherMajorNamingBothVersions) {
  PluginRegistry reg;
  const auto refusals = load(kBroken / "other_major", reg);
  ASSERT_EQ(refusals.size(), 1u);
  EXPECT_EQ(refusals[0], file_in("other_major", "ferry-other-major.so") +
                             ": plugin 'future' 1.4.0 was built for ferry ABI 2.1; this host "
                             "supports " +
                             kHostRange);
}

TEST(Loader, RefusesANewerMinorNamingBothVersions) {
  PluginRegistry reg;
  const auto refusals = load(kBroken / "newer_minor", reg);
  ASSERT_EQ(refusals.size(), 1u);
  EXPECT_EQ(refusals[0], file_in("newer_minor", "ferry-newer-minor.so") +
                             ": plugin 'newer' 0.9.0 was built for ferry ABI " +
                             std::to_string(FERRY_ABI_MAJOR) + "." +
                             std::to_string(FERRY_ABI_MINOR + 1) + "; this host supports " +
                             kHostRange);
}

TEST(Loader, RefusesACapabilityWithoutItsCallback) {
  PluginRegistry reg;
  const auto refusals = load(kBroken / "missing_callback", reg);
  ASSERT_EQ(refusals.size(), 1u);
  EXPECT_EQ(refusals[0], file_in("missing_callback", "ferry-missing-callback.so") +
                             ": plugin 'half' 1.0.0: component 'half' (source) declares "
                             "capability 'snapshot' but does not provide 'open_snapshot'");
  EXPECT_EQ(reg.find(FERRY_KIND_SOURCE, "half"), nullptr);
}

TEST(Loader, RefusesAComponentWithoutCreate) {
  PluginRegistry reg;
  const auto refusals = load(kBroken / "missing_create", reg);
  ASSERT_EQ(refusals.size(), 1u);
  EXPECT_EQ(refusals[0], file_in("missing_create", "ferry-missing-create.so") +
                             ": plugin 'nocreate' 1.0.0: component 'nocreate' (source) does not "
                             "provide 'create'");
}

TEST(Loader, RefusesADuplicateComponentNameAndKeepsTheFirst) {
  PluginRegistry reg;
  const auto refusals = load(kBroken / "duplicate", reg);
  ASSERT_EQ(refusals.size(), 1u);
  EXPECT_EQ(refusals[0], file_in("duplicate", "ferry-dup-b.so") +
                             ": plugin 'dup-b' 2.0.0: component 'dup' (source) is already "
                             "provided by plugin 'dup-a' 1.0.0 (" +
                             file_in("duplicate", "ferry-dup-a.so") + ")");
  ASSERT_EQ(reg.plugins().size(), 1u);
  const auto* dup = reg.find(FERRY_KIND_SOURCE, "dup");
  ASSERT_NE(dup, nullptr);
  EXPECT_EQ(dup->library->name, "dup-a");
}

TEST(Loader, CreateThatThrowsBecomesAnErrorNotACrash) {
  PluginRegistry reg;
  ASSERT_TRUE(load(kBroken / "throws", reg).empty());
  const auto* entry = reg.find(FERRY_KIND_SOURCE, "thrower");
  ASSERT_NE(entry, nullptr);
  try {
    PluginInstance::create(*entry, {}, nullptr, "t", "source");
    FAIL() << "create() should have failed";
  } catch (const ferry::Error& e) {
    EXPECT_EQ(e.status(), FERRY_INTERNAL);
    EXPECT_EQ(std::string(e.what()),
              "plugin 'throws' 1.0.0: creating source 'thrower' failed: unhandled exception: "
              "boom: cannot connect");
  }
}

TEST(Loader, RefusesASymlinkThatLeavesThePluginDirectory) {
  const fs::path dir = fs::temp_directory_path() / ("ferry-loader-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path target = fs::canonical(kBuiltins / "ferry-fake.so");
  fs::create_symlink(target, dir / "ferry-fake.so");
  PluginRegistry reg;
  const auto refusals = load(dir, reg);
  ASSERT_EQ(refusals.size(), 1u);
  const fs::path cdir = fs::canonical(dir);
  EXPECT_EQ(refusals[0], (cdir / "ferry-fake.so").string() + ": refused: it resolves to '" +
                             target.string() + "', outside the plugin directory '" + cdir.string() +
                             "'");
  EXPECT_TRUE(reg.plugins().empty());
  fs::remove_all(dir);
}

TEST(Loader, ReportsAMissingPluginDirectory) {
  PluginRegistry reg;
  const auto refusals = load("/nonexistent/ferry/plugins", reg);
  ASSERT_EQ(refusals.size(), 1u);
  EXPECT_EQ(
      refusals[0],
      "plugin directory '/nonexistent/ferry/plugins' cannot be read: No such file or directory");
}

TEST(Loader, LoadsTheBuiltInPluginsWithTheirDeclaredFields) {
  PluginRegistry reg;
  ASSERT_TRUE(load(kBuiltins, reg).empty());
  ASSERT_NE(reg.find(FERRY_KIND_SOURCE, "fake"), nullptr);
  ASSERT_NE(reg.find(FERRY_KIND_DESTINATION, "fake"), nullptr);
  ASSERT_NE(reg.find(FERRY_KIND_COMPONENT, "snapshot-reader"), nullptr);
  ASSERT_NE(reg.find(FERRY_KIND_COMPONENT, "bulk-writer"), nullptr);
  const auto lookup = reg.field_lookup();
  const auto* fields = lookup(ferry::config::ComponentRole::Source, "fake");
  ASSERT_NE(fields, nullptr);
  const auto rows =
      std::find_if(fields->begin(), fields->end(), [](const auto& f) { return f.name == "rows"; });
  ASSERT_NE(rows, fields->end());
  EXPECT_EQ(rows->type, ferry::config::FieldType::Int);
  EXPECT_EQ(rows->default_value, "1000");
  EXPECT_EQ(lookup(ferry::config::ComponentRole::Source, "nope"), nullptr);
}

TEST(Loader, AnInstanceKeepsItsLibraryLoadedAfterTheRegistryIsGone) {
  std::unique_ptr<PluginInstance> source;
  {
    PluginRegistry reg;
    ASSERT_TRUE(load(kBuiltins, reg).empty());
    ferry::config::FieldMap fields;
    fields["tables"] = ferry::config::Field{int64_t{2}, {}, false};
    fields["rows"] = ferry::config::Field{int64_t{10}, {}, false};
    source = PluginInstance::create(*reg.find(FERRY_KIND_SOURCE, "fake"), fields, nullptr, "t",
                                    "source");
  }
  // The registry (and its reference to ferry-fake.so) is gone; the instance's code must still
  // be mapped.
  ferry::SourceClient client(source->endpoint());
  const ferry::Catalog catalog = client.discover();
  ASSERT_EQ(catalog.tables.size(), 2u);
  EXPECT_EQ(catalog.tables[1].name, "t1");
  EXPECT_EQ(catalog.tables[1].row_estimate, 10);
  EXPECT_EQ(source->describe(), "plugin 'fake' 1.0.0 source 'fake'");
}

}  // namespace
