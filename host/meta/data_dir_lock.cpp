#include "meta/data_dir_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <optional>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>

namespace ferry::meta {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void fail(std::string_view what, const fs::path& path, int err) {
  throw MetaError(std::string(what) + " '" + path.string() + "': " + std::strerror(err));
}

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  const size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string(buf, n);
}

void ensure_directory(const fs::path& dir) {
  if (::mkdir(dir.c_str(), 0750) == 0) return;
  int err = errno;
  if (err == ENOENT && dir.has_parent_path()) {
    // Parents get the default mode: they are the operator's layout, not ferry's.
    std::error_code ec;
    fs::create_directories(dir.parent_path(), ec);
    if (ec) fail("cannot create data directory", dir, ec.value());
    if (::mkdir(dir.c_str(), 0750) == 0) return;
    err = errno;
  }
  if (err != EEXIST) fail("cannot create data directory", dir, err);
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) fail("cannot use data directory", dir, errno);
  if (!S_ISDIR(st.st_mode)) fail("cannot use data directory", dir, ENOTDIR);
}

std::string read_from_start(int fd) {
  std::string text;
  char buf[256];
  for (off_t off = 0;;) {
    const ssize_t n = ::pread(fd, buf, sizeof buf, off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return text;
    text.append(buf, static_cast<size_t>(n));
    off += n;
    if (text.size() > 4096) return text;  // not ours; the parse below rejects it
  }
}

// "pid=1234 started=2026-11-24T20:52:00Z" -> "pid 1234, started 2026-11-24T20:52:00Z".
std::optional<std::string> parse_holder(std::string_view text) {
  constexpr std::string_view kPid = "pid=", kStarted = " started=";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  if (!text.starts_with(kPid)) return std::nullopt;
  text.remove_prefix(kPid.size());
  const size_t digits = text.find_first_not_of("0123456789");
  if (digits == 0 || digits == std::string_view::npos) return std::nullopt;
  const std::string_view pid = text.substr(0, digits);
  text.remove_prefix(digits);
  if (!text.starts_with(kStarted)) return std::nullopt;
  text.remove_prefix(kStarted.size());
  if (text.empty() || text.find_first_of(" \n") != std::string_view::npos) return std::nullopt;
  return "pid " + std::string(pid) + ", started " + std::string(text);
}

// The holder truncates the file before writing itself into it, so a reader racing a fresh
// holder can see it empty; a short wait lets the message name the holder in that case too.
std::string describe_holder(int fd) {
  for (int attempt = 0; attempt < 20; ++attempt) {
    if (auto holder = parse_holder(read_from_start(fd))) return *holder;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return "holder unknown";
}

void write_holder(int fd, const fs::path& path, const std::string& text) {
  if (::ftruncate(fd, 0) != 0) fail("cannot write lock file", path, errno);
  for (size_t done = 0; done < text.size();) {
    const ssize_t n =
        ::pwrite(fd, text.data() + done, text.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("cannot write lock file", path, errno);
    done += static_cast<size_t>(n);
  }
}

}  // namespace

DataDirLock DataDirLock::acquire(const fs::path& data_dir) {
  ensure_directory(data_dir);
  const fs::path lock_path = data_dir / kLockFileName;
  int fd;
  do {
    fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) fail("cannot open lock file", lock_path, errno);
  // From here the descriptor belongs to the lock object, which closes it on every exit path.
  DataDirLock lock(data_dir, fd, utc_now());

  int rc;
  do {
    rc = ::flock(fd, LOCK_EX | LOCK_NB);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    if (errno != EWOULDBLOCK) fail("cannot lock", lock_path, errno);
    throw MetaError("data directory '" + data_dir.string() + "' is in use by another ferryd (" +
                    describe_holder(fd) + "); stop it or give this one another data_dir");
  }
  write_holder(fd, lock_path,
               "pid=" + std::to_string(::getpid()) + " started=" + lock.started_ + "\n");
  return lock;
}

DataDirLock::DataDirLock(fs::path data_dir, int fd, std::string started)
    : data_dir_(std::move(data_dir)), fd_(fd), started_(std::move(started)) {}

DataDirLock::DataDirLock(DataDirLock&& other) noexcept
    : data_dir_(std::move(other.data_dir_)),
      fd_(std::exchange(other.fd_, -1)),
      started_(std::move(other.started_)) {}

DataDirLock& DataDirLock::operator=(DataDirLock&& other) noexcept {
  if (this != &other) {
    release();
    data_dir_ = std::move(other.data_dir_);
    fd_ = std::exchange(other.fd_, -1);
    started_ = std::move(other.started_);
  }
  return *this;
}

DataDirLock::~DataDirLock() {
  release();
}

// Closing the only descriptor of the open file description drops the flock. The file itself
// stays: removing it would race a new holder that has opened but not yet locked it.
void DataDirLock::release() noexcept {
  if (fd_ >= 0) ::close(std::exchange(fd_, -1));
}

}  // namespace ferry::meta
