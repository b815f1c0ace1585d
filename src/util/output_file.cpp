#include "util/output_file.h"

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
