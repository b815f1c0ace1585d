// A blocking queue of bounded capacity between one producer thread and one
// consumer thread, closed with a final Status (the producer's end or error).
#pragma once

#include <arrow/status.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>

namespace timecast::util {

template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(size_t capacity) : capacity_(capacity) {}

  // Blocks while full. Returns false (dropping `item`) once the queue is closed.
  bool Push(T item) {
    std::unique_lock lock(mutex_);
    not_full_.wait(lock, [&] { return closed_ || items_.size() < capacity_; });
    if (closed_) return false;
    items_.push_back(std::move(item));
    not_empty_.notify_one();
    return true;
  }

  // Blocks while empty and open. nullopt once closed and drained: then
  // final_status() tells whether the producer ended well.
  std::optional<T> Pop() {
    std::unique_lock lock(mutex_);
    not_empty_.wait(lock, [&] { return closed_ || !items_.empty(); });
    if (items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    not_full_.notify_one();
    return item;
  }

  // Ends the queue: Pop() drains what is queued, Push() fails from now on.
  // The first status given is kept.
  void Close(arrow::Status status = arrow::Status::OK()) {
    std::lock_guard lock(mutex_);
    if (!closed_) final_status_ = std::move(status);
    closed_ = true;
    not_empty_.notify_all();
    not_full_.notify_all();
  }

  arrow::Status final_status() const {
    std::lock_guard lock(mutex_);
    return final_status_;
  }

 private:
  const size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable not_empty_, not_full_;
  std::deque<T> items_;
  bool closed_ = false;
  arrow::Status final_status_;
};

}  // namespace timecast::util
