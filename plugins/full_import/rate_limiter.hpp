// A shared cap on rows/s and bytes/s (0 = none): each acquire() books its rows and bytes on a
// virtual clock that advances by max(rows / rows_per_s, bytes / bytes_per_s) and returns how
// long the caller must wait before going on. Thread-safe.
#pragma once

#include <algorithm>
#include <chrono>
#include <mutex>

namespace ferry::full_import {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  RateLimiter(double rows_per_second, double bytes_per_second)
      : rows_(rows_per_second), bytes_(bytes_per_second) {}

  bool active() const { return rows_ > 0 || bytes_ > 0; }

  // The time until which the caller should hold back what it booked.
  Clock::time_point acquire(double rows, double bytes) {
    if (!active()) return Clock::time_point{};
    double seconds = 0;
    if (rows_ > 0) seconds = std::max(seconds, rows / rows_);
    if (bytes_ > 0) seconds = std::max(seconds, bytes / bytes_);
    std::lock_guard lock(mu_);
    const auto now = Clock::now();
    // Idle time is not saved up beyond one second's worth of burst.
    next_ = std::max(next_, now - std::chrono::seconds(1));
    next_ += std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    return next_;
  }

 private:
  const double rows_, bytes_;
  std::mutex mu_;
  Clock::time_point next_{};
};

}  // namespace ferry::full_import
