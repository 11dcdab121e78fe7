#pragma once

#include <filesystem>
#include <string>

#include "meta/meta_error.hpp"

namespace ferry::meta {

// Exclusive ownership of a data directory by one ferryd process.
//
// Two daemons on one data directory would interleave writes to the meta store and the change
// store, so acquire() refuses the second with a message naming the first. The lock is a flock(2)
// on data_dir/ferryd.lock and dies with its holder: a crashed ferryd never leaves a stale lock,
// and the pid and start time written into the file only serve to tell the operator who holds it.
//
// flock locks belong to an open file description, so a second acquire() in the same process is
// refused just like one from another process. The descriptor is O_CLOEXEC, so programs ferryd
// execs do not inherit the lock (a fork()ed child shares it until it execs or exits).
class DataDirLock {
 public:
  static constexpr const char* kLockFileName = "ferryd.lock";

  // Creates data_dir (mode 0750, and any missing parents) if needed, takes the lock and records
  // this process in the lock file. Throws MetaError when another holder has the lock, and when
  // the directory or the lock file cannot be created or opened.
  static DataDirLock acquire(const std::filesystem::path& data_dir);

  DataDirLock(DataDirLock&& other) noexcept;
  DataDirLock& operator=(DataDirLock&& other) noexcept;
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;
  ~DataDirLock();  // releases the lock

  const std::filesystem::path& data_dir() const { return data_dir_; }
  // When this holder took the lock, in UTC ("2026-11-24T20:52:00Z"), as written to the lock file.
  const std::string& started() const { return started_; }

 private:
  DataDirLock(std::filesystem::path data_dir, int fd, std::string started);
  void release() noexcept;

  std::filesystem::path data_dir_;
  int fd_ = -1;
  std::string started_;
};

}  // namespace ferry::meta
