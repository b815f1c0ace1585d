// A growable byte buffer for the encoding hot path: appends without the
// zero-filling of std::string::resize, and hands out raw write pointers.
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>

namespace timecast::encode {

class ByteBuffer {
 public:
  ByteBuffer() = default;
  ByteBuffer(ByteBuffer&&) noexcept = default;
  ByteBuffer& operator=(ByteBuffer&&) noexcept = default;

  // Returns a pointer where up to `n` bytes may be written; Commit() the count.
  char* Grow(size_t n) {
    if (size_ + n > capacity_) Reallocate(size_ + n);
    return data_.get() + size_;
  }
  void Commit(size_t n) { size_ += n; }

  void Append(const char* bytes, size_t n) {
    std::memcpy(Grow(n), bytes, n);
    size_ += n;
  }
  void Append(std::string_view text) { Append(text.data(), text.size()); }
  void Push(char c) {
    *Grow(1) = c;
    ++size_;
  }

  const char* data() const { return data_.get(); }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::string_view view() const { return {data_.get(), size_}; }
  // Keeps the allocation for reuse.
  void Clear() { size_ = 0; }
  void Truncate(size_t size) { size_ = size; }

 private:
  // Out of line so that Grow, on every hot path, stays small enough to inline.
  [[gnu::noinline]] void Reallocate(size_t needed) {
    size_t capacity = capacity_ == 0 ? 4096 : capacity_;
    while (capacity < needed) capacity *= 2;
    std::unique_ptr<char[]> data(new char[capacity]);
    if (size_ > 0) std::memcpy(data.get(), data_.get(), size_);
    data_ = std::move(data);
    capacity_ = capacity;
  }

  std::unique_ptr<char[]> data_;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

}  // namespace timecast::encode
