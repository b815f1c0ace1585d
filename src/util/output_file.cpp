#include "util/output_file.h"

#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "util/status.h"

namespace timecast::util {

arrow::Status WriteTextFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return UsageError("cannot write '{}': {}", path, std::strerror(errno));
  return arrow::Status::OK();
}

arrow::Status CheckWritable(const std::string& path, std::string_view option) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(path, ec)) {
    if (fs::is_directory(path, ec)) return UsageError("{} '{}' is a directory", option, path);
    if (access(path.c_str(), W_OK) != 0) {
      return UsageError("{} '{}' cannot be written: {}", option, path, std::strerror(errno));
    }
    return arrow::Status::OK();
  }
  fs::path parent = fs::path(path).parent_path();
  if (parent.empty()) parent = ".";
  if (!fs::is_directory(parent, ec)) {
    return UsageError("{} '{}' cannot be written: directory '{}' does not exist", option, path,
                      parent.string());
  }
  if (access(parent.c_str(), W_OK) != 0) {
    return UsageError("{} '{}' cannot be written: {}", option, path, std::strerror(errno));
  }
  return arrow::Status::OK();
}

arrow::Status CommitTemporaryFile(arrow::io::OutputStream& file, const std::string& temporary,
                                  const std::string& output, arrow::Status written) {
  namespace fs = std::filesystem;
  std::error_code ec;
  arrow::Status status = std::move(written);
  const arrow::Status closed = file.Close();
  if (status.ok()) status = closed;
  if (status.ok()) {
    fs::rename(temporary, output, ec);
    if (ec) status = UsageError("cannot write '{}': {}", output, ec.message());
  }
  if (status.ok()) return status;
  fs::remove(temporary, ec);
  if (status.code() == arrow::StatusCode::Cancelled) return status;
  return WithContext(status, fmt::format("writing '{}'", output));
}

}  // namespace timecast::util
