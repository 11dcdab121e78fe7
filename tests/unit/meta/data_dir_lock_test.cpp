#include "meta/data_dir_lock.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <string>

#include "unit/meta/temp_dir.hpp"

namespace ferry::meta {
namespace {

using test_support::TempDir;
using ::testing::HasSubstr;

std::string read_file(const std::filesystem::path& p) {
  std::string text(std::filesystem::file_size(p), '\0');
  std::ifstream(p, std::ios::binary).read(text.data(), static_cast<std::streamsize>(text.size()));
  return text;
}

std::string in_use_message(const std::filesystem::path& dir, const std::string& holder) {
  return "data directory '" + dir.string() + "' is in use by another ferryd (" + holder +
         "); stop it or give this one another data_dir";
}

// The MetaError message of acquire(dir), or nullopt when it succeeded.
std::optional<std::string> acquire_error(const std::filesystem::path& dir) {
  try {
    DataDirLock lock = DataDirLock::acquire(dir);
    return std::nullopt;
  } catch (const MetaError& e) {
    return std::string(e.what());
  }
}

// Blocks until one byte arrives on fd (or the writer closes it).
void wait_for_byte(int fd) {
  char c;
  while (::read(fd, &c, 1) < 0 && errno == EINTR) {
  }
}

TEST(DataDirLock, CreatesTheDirectoryAndRecordsTheHolder) {
  TempDir tmp;
  const auto dir = tmp.path() / "a" / "data";
  DataDirLock lock = DataDirLock::acquire(dir);

  struct stat st {};
  ASSERT_EQ(::stat(dir.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 0027, 0u) << "no group write, nothing for others";
  EXPECT_EQ(lock.data_dir(), dir);
  EXPECT_THAT(lock.started(), ::testing::MatchesRegex(R"(....-..-..T..:..:..Z)"));
  EXPECT_EQ(read_file(dir / "ferryd.lock"),
            "pid=" + std::to_string(::getpid()) + " started=" + lock.started() + "\n");
}

TEST(DataDirLock, SecondAcquireInTheSameProcessNamesTheHolder) {
  TempDir tmp;
  DataDirLock first = DataDirLock::acquire(tmp.path());
  const std::string holder = "pid " + std::to_string(::getpid()) + ", started " + first.started();
  EXPECT_EQ(acquire_error(tmp.path()), in_use_message(tmp.path(), holder));
}

TEST(DataDirLock, UnreadableHolderIsReportedAsUnknown) {
  TempDir tmp;
  DataDirLock first = DataDirLock::acquire(tmp.path());
  std::ofstream(tmp.path() / "ferryd.lock", std::ios::trunc) << "garbage";
  EXPECT_EQ(acquire_error(tmp.path()), in_use_message(tmp.path(), "holder unknown"));
}

TEST(DataDirLock, ReleasedOnDestructionAndMove) {
  TempDir tmp;
  {
    DataDirLock first = DataDirLock::acquire(tmp.path());
    DataDirLock moved = std::move(first);
    EXPECT_TRUE(acquire_error(tmp.path()).has_value()) << "the moved-to object holds the lock";
  }
  DataDirLock again = DataDirLock::acquire(tmp.path());
  EXPECT_EQ(read_file(tmp.path() / "ferryd.lock"),
            "pid=" + std::to_string(::getpid()) + " started=" + again.started() + "\n");

  DataDirLock other = DataDirLock::acquire(tmp.path() / "other");
  other = std::move(again);  // releases "other"'s lock, takes over this one
  EXPECT_FALSE(acquire_error(tmp.path() / "other").has_value());
  EXPECT_TRUE(acquire_error(tmp.path()).has_value());
}

TEST(DataDirLock, AnotherProcessIsRefusedWhileWeHoldIt) {
  TempDir tmp;
  DataDirLock lock = DataDirLock::acquire(tmp.path());
  const std::string expected = in_use_message(
      tmp.path(), "pid " + std::to_string(::getpid()) + ", started " + lock.started());

  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Exit codes: 0 refused with the expected message, 1 acquired, 2 refused otherwise.
    const auto error = acquire_error(tmp.path());
    ::_exit(!error ? 1 : *error == expected ? 0 : 2);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(DataDirLock, WeAreRefusedWhileAnotherProcessHoldsItAndSucceedAfterItExits) {
  TempDir tmp;
  int locked[2], finish[2];
  ASSERT_EQ(::pipe(locked), 0);
  ASSERT_EQ(::pipe(finish), 0);

  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(locked[0]);
    ::close(finish[1]);
    try {
      DataDirLock lock = DataDirLock::acquire(tmp.path());
      (void)!::write(locked[1], "L", 1);
      wait_for_byte(finish[0]);
    } catch (...) {
      ::_exit(1);
    }
    ::_exit(0);  // the lock dies with the process, destructor or not
  }
  ::close(locked[1]);
  ::close(finish[0]);
  wait_for_byte(locked[0]);

  const auto error = acquire_error(tmp.path());
  ASSERT_TRUE(error.has_value());
  EXPECT_THAT(*error, HasSubstr("is in use by another ferryd (pid " + std::to_string(child) +
                                ", started "));

  (void)!::write(finish[1], "F", 1);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  ::close(locked[0]);
  ::close(finish[1]);

  EXPECT_FALSE(acquire_error(tmp.path()).has_value());
}

TEST(DataDirLock, DataDirThatIsARegularFileIsAnErrorNamingIt) {
  TempDir tmp;
  const auto file = tmp.path() / "not-a-dir";
  std::ofstream(file) << "x";
  EXPECT_EQ(acquire_error(file),
            "cannot use data directory '" + file.string() + "': Not a directory");
  EXPECT_EQ(acquire_error(file / "below"),
            "cannot create data directory '" + (file / "below").string() + "': Not a directory");
}

TEST(DataDirLock, AnUncreatableDataDirIsAnErrorNamingThePath) {
  // A parent that is a regular file: creation fails for root too (unlike a permission check).
  TempDir tmp;
  const auto parent = tmp.path() / "not-a-dir";
  { std::ofstream(parent) << "x"; }
  EXPECT_EQ(acquire_error(parent / "data"),
            "cannot create data directory '" + (parent / "data").string() + "': Not a directory");
}

}  // namespace
}  // namespace ferry::meta
