// The COPY text-format row split of snapshot.hpp: fields without a backslash are views into the
// row, fields with one are unescaped into the splitter's buffer; parse_copy_row gives the same.
#include <gtest/gtest.h>

#include "pg_test_util.hpp"
#include "snapshot.hpp"

#include <optional>
#include <string>
#include <vector>

namespace ferry::pg {
namespace {

using testing::expect_error;

std::vector<std::optional<std::string>> split(std::string_view row) {
  CopyTextSplitter s;
  std::vector<CopyField> f;
  s.split(row, f);
  std::vector<std::optional<std::string>> out;
  for (const auto& x : f) {
    out.push_back(x.null ? std::nullopt : std::optional<std::string>(std::string(x.value)));
  }
  std::vector<std::optional<std::string>> slow;
  parse_copy_row(row, slow);
  EXPECT_EQ(out, slow);
  return out;
}

TEST(CopyTextSplit, FieldsNullsAndEscapes) {
  using V = std::vector<std::optional<std::string>>;
  EXPECT_EQ(split("1\tabc\t\\N\t\n"), (V{"1", "abc", std::nullopt, ""}));
  EXPECT_EQ(split(""), (V{""}));
  EXPECT_EQ(split("\\N"), (V{std::nullopt}));
  EXPECT_EQ(split("a\\tb\t\\\\N\tc\\nd\\r\\\\"), (V{"a\tb", "\\N", "c\nd\r\\"}));
  EXPECT_EQ(split("\\b\\f\\v\\x41\\x4a\\xg\\101\\0\\1x\t\\q"),
            (V{std::string("\b\f\vAJxgA\0\1x", 11), "q"}));
  // Several escaped fields among plain ones: each view points at its own text.
  EXPECT_EQ(split("\\\\1\tplain\t\\\\2\t\\N\t\\\\3"),
            (V{"\\1", "plain", "\\2", std::nullopt, "\\3"}));
}

TEST(CopyTextSplit, PlainFieldsAreViewsIntoTheRow) {
  const std::string row = "abc\tdef\tg\\th";
  CopyTextSplitter s;
  std::vector<CopyField> f;
  s.split(row, f);
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0].value.data(), row.data());
  EXPECT_EQ(f[1].value.data(), row.data() + 4);
  EXPECT_NE(f[2].value.data(), row.data() + 8);  // unescaped: a copy
  EXPECT_EQ(f[2].value, "g\th");
}

TEST(CopyTextSplit, MalformedRowsAreDataLoss) {
  std::vector<std::optional<std::string>> f;
  expect_error([&] { parse_copy_row("abc\\", f); }, FERRY_DATA_LOSS, {"lone backslash"});
  expect_error([&] { parse_copy_row("a\\Nb", f); }, FERRY_DATA_LOSS, {"\\N inside a field"});
}

}  // namespace
}  // namespace ferry::pg
