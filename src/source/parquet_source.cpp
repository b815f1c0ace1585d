#include "source/parquet_source.h"

#include <arrow/array/util.h>
#include <arrow/io/file.h>
#include <arrow/scalar.h>
#include <arrow/type.h>
#include <fmt/format.h>
#include <glob.h>
#include <parquet/arrow/reader.h>
#include <parquet/arrow/schema.h>
#include <parquet/file_reader.h>
#include <parquet/metadata.h>
#include <parquet/statistics.h>

#include <algorithm>
#include <filesystem>
#include <numeric>
#include <set>

#include "util/status.h"
#include "util/text.h"

namespace timecast::source {

std::string DescribePosition(const SourceBatch& batch, int64_t row) {
  const std::string& input = batch.file ? *batch.file : "<input>";
  if (batch.row_group < 0) return fmt::format("{}, row {}", input, batch.first_row + row);
  return fmt::format("{}, row group {}, row {}", input, batch.row_group, batch.first_row + row);
}

arrow::Result<SeekResult> BatchSource::Seek(const RowPosition& position) {
  if (position.file != 0 || position.row_group >= 0 || position.row < 0) {
    return util::InputError("cannot seek to file {}, row group {}, row {}: this input has one "
                            "file and no row groups",
                            position.file, position.row_group, position.row);
  }
  ARROW_RETURN_NOT_OK(Rewind());
  return SeekResult{position.row};
}

std::string ColumnNames(const arrow::Schema& schema) {
  std::string names;
  for (const auto& field : schema.fields()) {
    if (!names.empty()) names += ", ";
    names += field->name();
  }
  return names;
}

namespace {

bool IsHiddenName(const std::filesystem::path& path) {
  const std::string name = path.filename().string();
  return !name.empty() && (name[0] == '_' || name[0] == '.');
}

// The smallest and largest value of one column chunk, in dataset ns.
std::optional<std::pair<int64_t, int64_t>> ChunkTimeRange(const parquet::ColumnChunkMetaData& chunk,
                                                          const arrow::DataType& type,
                                                          const TimeConverter& converter) {
  const std::shared_ptr<parquet::Statistics> stats = chunk.statistics();
  if (!stats || !stats->HasMinMax()) return std::nullopt;
  // Unsigned columns sort differently in some writers' statistics: don't trust them.
  if (arrow::is_unsigned_integer(type.id())) return std::nullopt;
  std::shared_ptr<arrow::Scalar> min, max;
  auto make = [&](auto lo, auto hi) {
    auto lo_scalar = arrow::MakeScalar(type.GetSharedPtr(), lo);
    auto hi_scalar = arrow::MakeScalar(type.GetSharedPtr(), hi);
    if (lo_scalar.ok() && hi_scalar.ok()) {
      min = *lo_scalar;
      max = *hi_scalar;
    }
  };
  switch (stats->physical_type()) {
    case parquet::Type::DOUBLE: {
      const auto& s = static_cast<const parquet::DoubleStatistics&>(*stats);
      make(s.min(), s.max());
      break;
    }
    case parquet::Type::FLOAT: {
      const auto& s = static_cast<const parquet::FloatStatistics&>(*stats);
      make(s.min(), s.max());
      break;
    }
    case parquet::Type::INT32: {
      const auto& s = static_cast<const parquet::Int32Statistics&>(*stats);
      make(s.min(), s.max());
      break;
    }
    case parquet::Type::INT64: {
      const auto& s = static_cast<const parquet::Int64Statistics&>(*stats);
      make(s.min(), s.max());
      break;
    }
    default:
      return std::nullopt;  // e.g. INT96 timestamps: statistics are unreliable
  }
  if (!min || !max) return std::nullopt;
  std::vector<int64_t> nanos;
  for (const auto& scalar : {min, max}) {
    auto array = arrow::MakeArrayFromScalar(*scalar, 1);
    if (!array.ok() || converter.Convert(**array, &nanos)) return std::nullopt;
  }
  return std::make_pair(nanos[0], nanos[1]);
}

}  // namespace

arrow::Result<std::vector<std::string>> ExpandParquetInputs(const std::string& spec) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  std::error_code error;
  if (spec.find_first_of("*?[") != std::string::npos) {
    glob_t matches{};
    if (glob(spec.c_str(), 0, nullptr, &matches) == 0) {
      for (size_t i = 0; i < matches.gl_pathc; ++i) files.emplace_back(matches.gl_pathv[i]);
    }
    globfree(&matches);
  } else if (fs::is_directory(spec, error)) {
    for (auto it = fs::recursive_directory_iterator(spec, error);
         !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
      if (IsHiddenName(it->path())) {
        if (it->is_directory()) it.disable_recursion_pending();
        continue;
      }
      if (it->is_regular_file() && it->path().extension() == ".parquet") {
        files.push_back(it->path().string());
      }
    }
    if (error) return util::InputError("cannot list directory '{}': {}", spec, error.message());
    if (files.empty()) return util::InputError("no *.parquet files in directory '{}'", spec);
  } else {
    if (!fs::exists(spec, error)) return util::InputError("'{}': no such file or directory", spec);
    files.push_back(spec);
  }
  if (files.empty()) return util::InputError("no files match '{}'", spec);
  std::sort(files.begin(), files.end());
  return files;
}

struct ParquetSource::File {
  std::shared_ptr<const std::string> path;
  std::unique_ptr<parquet::arrow::FileReader> reader;
  std::vector<int> read_columns;  // leaf indices, in file order
  std::vector<int> reorder;       // output column i = read column reorder[i]
  bool needs_reorder = false;
  std::shared_ptr<arrow::Schema> schema;  // the file's full Arrow schema
};

namespace {

// The leaf paths of the top-level string and binary columns that `metadata`
// stores dictionary-encoded in every row group: a dictionary page, and only
// dictionary-encoded data pages by the chunk's encoding statistics (a chunk
// without statistics does not count). Writers fall back to plain pages when a
// dictionary grows too big, as for IDs or free text; reading such a chunk as a
// dictionary would make Arrow build one, so those columns stay dense.
std::set<std::string> DictionaryEncodedStrings(const parquet::FileMetaData& metadata) {
  std::set<std::string> paths;
  const parquet::SchemaDescriptor& schema = *metadata.schema();
  for (int column = 0; column < schema.num_columns(); ++column) {
    const parquet::ColumnDescriptor& descr = *schema.Column(column);
    const auto& logical = *descr.logical_type();
    if (descr.physical_type() != parquet::Type::BYTE_ARRAY || descr.max_repetition_level() != 0 ||
        descr.path()->ToDotVector().size() != 1 ||
        !(logical.is_string() || logical.is_enum() || logical.is_none())) {
      continue;
    }
    bool dictionary_only = true;
    for (int group = 0; group < metadata.num_row_groups() && dictionary_only; ++group) {
      if (metadata.RowGroup(group)->num_rows() == 0) continue;
      const auto chunk = metadata.RowGroup(group)->ColumnChunk(column);
      dictionary_only = chunk->has_dictionary_page() && !chunk->encoding_stats().empty();
      for (const parquet::PageEncodingStats& pages : chunk->encoding_stats()) {
        const bool data = pages.page_type == parquet::PageType::DATA_PAGE ||
                          pages.page_type == parquet::PageType::DATA_PAGE_V2;
        if (data && pages.encoding != parquet::Encoding::RLE_DICTIONARY &&
            pages.encoding != parquet::Encoding::PLAIN_DICTIONARY) {
          dictionary_only = false;
        }
      }
    }
    if (dictionary_only) paths.insert(descr.path()->ToDotString());
  }
  return paths;
}

}  // namespace

ParquetSource::~ParquetSource() = default;

arrow::Result<std::unique_ptr<ParquetSource>> ParquetSource::Open(std::vector<std::string> paths,
                                                                  ParquetSourceOptions options) {
  std::unique_ptr<ParquetSource> source(new ParquetSource());
  source->options_ = std::move(options);
  // Footers first: which columns are read as dictionaries must be the same
  // for every file, or their schemas would differ.
  std::vector<std::unique_ptr<parquet::arrow::FileReaderBuilder>> builders;
  std::optional<std::set<std::string>> dictionary_columns;
  for (const std::string& path : paths) {
    auto input = arrow::io::ReadableFile::Open(path);
    if (!input.ok()) return util::InputError("cannot open '{}': {}", path, input.status().message());
    auto builder = std::make_unique<parquet::arrow::FileReaderBuilder>();
    const arrow::Status opened = builder->Open(*input);
    if (!opened.ok()) {
      return util::InputError("'{}' is not a readable Parquet file: {}", path, opened.message());
    }
    if (source->options_.read_dictionaries) {
      std::set<std::string> here = DictionaryEncodedStrings(*builder->raw_reader()->metadata());
      if (dictionary_columns) {
        std::erase_if(*dictionary_columns, [&](const std::string& c) { return !here.count(c); });
      } else {
        dictionary_columns = std::move(here);
      }
    }
    builders.push_back(std::move(builder));
  }
  for (size_t position = 0; position < paths.size(); ++position) {
    const std::string& path = paths[position];
    parquet::arrow::FileReaderBuilder& builder = *builders[position];
    auto file = std::make_unique<File>();
    file->path = std::make_shared<const std::string>(path);
    parquet::ArrowReaderProperties properties;
    properties.set_batch_size(source->options_.batch_rows);
    properties.set_pre_buffer(true);
    properties.set_use_threads(false);
    const parquet::SchemaDescriptor& leaves = *builder.raw_reader()->metadata()->schema();
    for (int column = 0; column < leaves.num_columns() && dictionary_columns; ++column) {
      if (dictionary_columns->count(leaves.Column(column)->path()->ToDotString())) {
        properties.set_read_dictionary(column, true);
      }
    }
    const arrow::Status opened = builder.properties(properties)
                                     ->memory_pool(arrow::default_memory_pool())
                                     ->Build(&file->reader);
    if (!opened.ok()) {
      return util::InputError("'{}' is not a readable Parquet file: {}", path, opened.message());
    }
    ARROW_RETURN_NOT_OK(util::WithContext(file->reader->GetSchema(&file->schema), path));

    std::vector<int> wanted;  // top-level field indices, in requested order
    if (source->options_.columns.empty()) {
      wanted.resize(static_cast<size_t>(file->schema->num_fields()));
      std::iota(wanted.begin(), wanted.end(), 0);
    } else {
      for (const std::string& name : source->options_.columns) {
        const int index = file->schema->GetFieldIndex(name);
        if (index < 0) {
          return util::InputError("column '{}' not found in '{}'; its columns are: {}", name, path,
                                  ColumnNames(*file->schema));
        }
        wanted.push_back(index);
      }
    }
    std::vector<int> sorted = wanted;
    std::sort(sorted.begin(), sorted.end());
    ARROW_ASSIGN_OR_RAISE(file->read_columns, file->reader->manifest().GetFieldIndices(sorted));
    for (int index : wanted) {
      file->reorder.push_back(static_cast<int>(
          std::lower_bound(sorted.begin(), sorted.end(), index) - sorted.begin()));
    }
    file->needs_reorder = wanted != sorted;
    std::vector<std::shared_ptr<arrow::Field>> fields;
    for (int index : wanted) fields.push_back(file->schema->field(index));
    auto projected = arrow::schema(std::move(fields));
    if (!source->schema_) {
      source->schema_ = projected;
    } else if (!source->schema_->Equals(*projected, /*check_metadata=*/false)) {
      return util::InputError("'{}' does not have the schema of '{}': {} vs {}", path,
                              *source->files_[0]->path, projected->ToString(),
                              source->schema_->ToString());
    }
    source->files_.push_back(std::move(file));
  }
  if (source->files_.empty()) return util::InputError("no input files");
  return source;
}

std::shared_ptr<arrow::Schema> ParquetSource::schema() const { return schema_; }

int64_t ParquetSource::total_rows() const {
  int64_t rows = 0;
  for (const auto& file : files_) rows += file->reader->parquet_reader()->metadata()->num_rows();
  return rows;
}

arrow::Status ParquetSource::Rewind() {
  file_index_ = 0;
  row_group_ = -1;
  reader_.reset();
  return arrow::Status::OK();
}

arrow::Result<SeekResult> ParquetSource::Seek(const RowPosition& position) {
  const auto describe = [&] {
    return fmt::format("file {}, row group {}, row {}", position.file, position.row_group,
                       position.row);
  };
  if (position.file < 0 || static_cast<size_t>(position.file) >= files_.size()) {
    return util::InputError("cannot seek to {}: the input has {} file(s)", describe(), files_.size());
  }
  const File& file = *files_[static_cast<size_t>(position.file)];
  const auto metadata = file.reader->parquet_reader()->metadata();
  if (position.row_group < 0 || position.row_group > metadata->num_row_groups() ||
      position.row < 0 ||
      (position.row_group < metadata->num_row_groups() &&
       position.row > metadata->RowGroup(position.row_group)->num_rows())) {
    return util::InputError("cannot seek to {} in '{}': it has {} row group(s)", describe(),
                            *file.path, metadata->num_row_groups());
  }
  reader_.reset();
  file_index_ = static_cast<size_t>(position.file);
  // OpenRowGroup() opens the group after row_group_; the row groups that the
  // --from statistics skip are skipped from there on as from the start.
  row_group_ = position.row_group - 1;
  ARROW_RETURN_NOT_OK(OpenRowGroup());
  const bool landed = reader_ && file_index_ == static_cast<size_t>(position.file) &&
                      row_group_ == position.row_group;
  return SeekResult{landed ? position.row : 0};
}

arrow::Result<std::vector<InputFile>> ParquetSource::Identity() const {
  std::vector<InputFile> identity;
  for (const auto& file : files_) {
    InputFile one;
    one.path = *file->path;
    std::error_code error;
    one.bytes = static_cast<int64_t>(std::filesystem::file_size(one.path, error));
    if (error) return util::InputError("cannot stat '{}': {}", one.path, error.message());
    one.fingerprint = util::Fingerprint(file->reader->parquet_reader()->metadata()->SerializeToString());
    identity.push_back(std::move(one));
  }
  return identity;
}

arrow::Status ParquetSource::OpenRowGroup() {
  while (file_index_ < files_.size()) {
    File& file = *files_[file_index_];
    const auto metadata = file.reader->parquet_reader()->metadata();
    if (++row_group_ >= metadata->num_row_groups()) {
      ++file_index_;
      row_group_ = -1;
      continue;
    }
    if (options_.skip_before && options_.time) {
      const int time_field = file.schema->GetFieldIndex(options_.time->name);
      if (time_field >= 0) {
        ARROW_ASSIGN_OR_RAISE(auto leaves, file.reader->manifest().GetFieldIndices({time_field}));
        ARROW_ASSIGN_OR_RAISE(auto converter, TimeConverter::Make(*file.schema->field(time_field)->type(),
                                                                  *options_.time));
        auto range = ChunkTimeRange(*metadata->RowGroup(row_group_)->ColumnChunk(leaves[0]),
                                    *file.schema->field(time_field)->type(), converter);
        if (range && range->second < *options_.skip_before) continue;
      }
    }
    auto reader = file.reader->GetRecordBatchReader({row_group_}, file.read_columns);
    if (!reader.ok()) {
      return util::InputError("{}, row group {}: {}", *file.path, row_group_,
                              reader.status().message());
    }
    reader_ = std::move(*reader);
    row_in_group_ = 0;
    return arrow::Status::OK();
  }
  return arrow::Status::OK();
}

arrow::Result<std::optional<SourceBatch>> ParquetSource::Next() {
  for (;;) {
    if (!reader_) {
      ARROW_RETURN_NOT_OK(OpenRowGroup());
      if (!reader_) return std::nullopt;
    }
    const File& file = *files_[file_index_];
    std::shared_ptr<arrow::RecordBatch> batch;
    const arrow::Status read = reader_->ReadNext(&batch);
    if (!read.ok()) {
      return util::InputError("{}, row group {}, after row {}: {}", *file.path, row_group_,
                              row_in_group_, read.message());
    }
    if (!batch) {
      reader_.reset();
      continue;
    }
    if (file.needs_reorder) {
      ARROW_ASSIGN_OR_RAISE(batch, batch->SelectColumns(file.reorder));
    }
    SourceBatch out{std::move(batch), file.path, row_group_, row_in_group_,
                    static_cast<int>(file_index_)};
    row_in_group_ += out.batch->num_rows();
    if (out.batch->num_rows() == 0) continue;
    return out;
  }
}

arrow::Result<std::optional<std::pair<int64_t, int64_t>>> ParquetSource::TimeRangeFromStatistics(
    const TimeColumnSpec& time) const {
  std::optional<std::pair<int64_t, int64_t>> range;
  for (const auto& file : files_) {
    const int field = file->schema->GetFieldIndex(time.name);
    if (field < 0) return std::nullopt;
    const auto& type = *file->schema->field(field)->type();
    ARROW_ASSIGN_OR_RAISE(auto converter, TimeConverter::Make(type, time));
    ARROW_ASSIGN_OR_RAISE(auto leaves, file->reader->manifest().GetFieldIndices({field}));
    const auto metadata = file->reader->parquet_reader()->metadata();
    for (int rg = 0; rg < metadata->num_row_groups(); ++rg) {
      if (metadata->RowGroup(rg)->num_rows() == 0) continue;
      auto chunk = ChunkTimeRange(*metadata->RowGroup(rg)->ColumnChunk(leaves[0]), type, converter);
      if (!chunk) return std::nullopt;
      if (!range) {
        range = chunk;
      } else {
        range->first = std::min(range->first, chunk->first);
        range->second = std::max(range->second, chunk->second);
      }
    }
  }
  return range;
}

}  // namespace timecast::source
