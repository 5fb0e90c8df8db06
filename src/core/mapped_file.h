// A read-only mapping of a whole regular file: a large export costs page
// cache, not a heap copy of itself.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mops::core {

class MappedFile {
 public:
  // How the file will be read, passed on to the kernel's read-ahead.
  enum class Access { kSequential, kRandom };

  MappedFile() = default;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  // False when the file cannot be mapped (a pipe, an empty file, an error):
  // the caller then reads it the ordinary way, which reports any error.
  // kRandom suits readers that split the file over threads: each faults its
  // own chunk in, in parallel.
  bool Open(const std::string& path, Access access = Access::kSequential);
  std::string_view text() const { return {static_cast<const char*>(data_), size_}; }

 private:
  void* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace mops::core
