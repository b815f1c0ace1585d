#include "util/status.h"

#include <memory>

namespace timecast::util {
namespace {

class ExitCodeDetail : public arrow::StatusDetail {
 public:
  static constexpr const char* kTypeId = "timecast::ExitCodeDetail";

  explicit ExitCodeDetail(ExitCode code) : code_(code) {}
  const char* type_id() const override { return kTypeId; }
  std::string ToString() const override { return ""; }
  ExitCode code() const { return code_; }

 private:
  ExitCode code_;
};

}  // namespace

arrow::Status MakeError(arrow::StatusCode code, ExitCode exit_code, std::string message) {
  return arrow::Status(code, std::move(message), std::make_shared<ExitCodeDetail>(exit_code));
}

ExitCode ExitCodeOf(const arrow::Status& status) {
  if (status.ok()) return ExitCode::kOk;
  if (const auto& detail = status.detail();
      detail != nullptr && std::string_view(detail->type_id()) == ExitCodeDetail::kTypeId) {
    return static_cast<const ExitCodeDetail&>(*detail).code();
  }
  switch (status.code()) {
    case arrow::StatusCode::IOError:
    case arrow::StatusCode::Invalid:
    case arrow::StatusCode::TypeError:
    case arrow::StatusCode::KeyError:
    case arrow::StatusCode::IndexError:
    case arrow::StatusCode::SerializationError:
    case arrow::StatusCode::NotImplemented:
      // Arrow and Parquet report bad files with these codes.
      return ExitCode::kInput;
    case arrow::StatusCode::Cancelled:
      return ExitCode::kInterrupted;
    default:
      return ExitCode::kInternal;
  }
}

arrow::Status Interrupted(std::string message) {
  return MakeError(arrow::StatusCode::Cancelled, ExitCode::kInterrupted, std::move(message));
}

arrow::Status WithContext(const arrow::Status& status, std::string_view context) {
  if (status.ok()) return status;
  return arrow::Status(status.code(), fmt::format("{}: {}", context, status.message()),
                       status.detail());
}

}  // namespace timecast::util
