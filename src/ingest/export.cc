// Export: a table in canonical columns as CSV, JSON or xlsx, read in pages
// by id so that memory stays flat whatever the table size.
#include <fmt/format.h>
#include <xlsxwriter.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

#include "core/csv.h"
#include "core/numbers.h"
#include "core/strings.h"
#include "ingest/ingest.h"
#include "ingest/internal.h"

namespace mops::ingest {
namespace {

using core::ErrorCode;
using internal::FieldSpec;
using internal::FieldType;
using internal::KindSpec;
using internal::Role;
using store::Value;

constexpr int64_t kPageRows = 5000;

// One exported column: its header and how to format its cells.
struct OutColumn {
  std::string name;
  FieldType type = FieldType::kText;
};

struct ExportQuery {
  std::string sql;  // last result column is the row id (the page cursor)
  std::vector<OutColumn> columns;
};

ExportQuery BuildQuery(const KindSpec& spec, bool include_merged) {
  ExportQuery q;
  std::vector<std::string> select;
  std::vector<std::string> joins;
  if (spec.kind == Kind::kLifecycleHistory) {
    // The contact's external id; the reference as imported while the
    // contact is not in the workspace.
    q.sql =
        "SELECT CASE WHEN c.id IS NULL THEN t.contact_ref ELSE c.external_id END, t.stage, "
        "t.entered_at, CASE WHEN c.id IS NULL THEN t.source_system ELSE c.source_system END, "
        "t.id FROM lifecycle_history t LEFT JOIN contacts c ON c.id = t.contact_id WHERE t.id > ? "
        "ORDER BY t.id LIMIT ?";
    q.columns = {{"contact_id", FieldType::kText},
                 {"stage", FieldType::kText},
                 {"entered_at", FieldType::kTime},
                 {"source_system", FieldType::kText}};
    return q;
  }
  int join_index = 0;
  for (const FieldSpec& f : spec.fields) {
    switch (f.role) {
      case Role::kKey:
      case Role::kSourceSystem:
      case Role::kColumn:
        select.push_back(fmt::format("t.{}", f.name));
        break;
      case Role::kRef: {
        // The referenced record's external id when it lives in the same
        // source (it re-imports to the same link); otherwise the reference
        // as imported.
        const std::string alias = fmt::format("r{}", join_index++);
        const std::string base(f.RefBase());
        joins.push_back(fmt::format("LEFT JOIN {0} {1} ON {1}.id = t.{2}_id",
                                    internal::TargetTable(f.target), alias, base));
        select.push_back(
            fmt::format("CASE WHEN {0}.id IS NOT NULL AND {0}.source_system = t.source_system THEN "
                        "{0}.external_id ELSE COALESCE(t.{1}_ref, {0}.external_id) END",
                        alias, base));
        break;
      }
      case Role::kOwner:
        joins.push_back("LEFT JOIN users u ON u.id = t.owner_id");
        select.push_back("COALESCE(u.external_id, t.owner_ref)");
        break;
      default:
        continue;
    }
    q.columns.push_back({std::string(f.name), f.type});
  }
  std::string where = "t.id > ?";
  if (spec.has_merged) {
    if (include_merged) {
      joins.push_back(fmt::format("LEFT JOIN {} m ON m.id = t.merged_into", spec.table));
      select.push_back("m.external_id");
      q.columns.push_back({"merged_into", FieldType::kText});
    } else {
      where += " AND t.merged_into IS NULL";
    }
  }
  select.push_back("t.id");
  q.sql = fmt::format("SELECT {} FROM {} t {} WHERE {} ORDER BY t.id LIMIT ?",
                      core::Join(select, ", "), spec.table, core::Join(joins, " "), where);
  return q;
}

// The canonical text of a cell; empty for NULL.
std::string CellText(const Value& v, FieldType type) {
  if (store::IsNull(v)) return {};
  switch (type) {
    case FieldType::kMoney:
      return core::FormatMoneyMinor(store::AsInt(v));
    case FieldType::kTime:
      return core::FormatTimestamp(store::AsInt(v));
    case FieldType::kDate: {
      const int64_t t = store::AsInt(v);
      return t % core::kSecondsPerDay == 0 ? core::FormatDate(t) : core::FormatTimestamp(t);
    }
    case FieldType::kBool:
      return store::AsInt(v) != 0 ? "true" : "false";
    case FieldType::kInt:
      return std::to_string(store::AsInt(v));
    case FieldType::kReal:
      return fmt::format("{}", store::AsDouble(v));
    case FieldType::kText:
      break;
  }
  return store::AsText(v);
}

nlohmann::json CellJson(const Value& v, FieldType type) {
  if (store::IsNull(v)) return nullptr;
  switch (type) {
    case FieldType::kMoney:
      return static_cast<double>(store::AsInt(v)) / 100.0;
    case FieldType::kBool:
      return store::AsInt(v) != 0;
    case FieldType::kInt:
      return store::AsInt(v);
    case FieldType::kReal:
      return store::AsDouble(v);
    default:
      return CellText(v, type);
  }
}

// Receives the rows of an export.
class Sink {
 public:
  virtual ~Sink() = default;
  virtual core::Status Header(const std::vector<OutColumn>& columns) = 0;
  virtual core::Status Row(const std::vector<Value>& row) = 0;  // one cell per column (+ id)
  virtual core::Status Finish() = 0;
};

class FileOut {
 public:
  core::Status Open(const std::string& path) {
    if (path == "-") {
      file_ = stdout;
      return {};
    }
    file_ = std::fopen(path.c_str(), "wb");
    owned_ = true;
    if (file_ == nullptr) {
      return core::Fail(ErrorCode::kIo, "cannot write '{}': {}", path, std::strerror(errno));
    }
    return {};
  }
  core::Status Write(std::string_view data) {
    if (std::fwrite(data.data(), 1, data.size(), file_) != data.size()) {
      return core::Fail(ErrorCode::kIo, "write failed: {}", std::strerror(errno));
    }
    return {};
  }
  core::Status Close() {
    if (file_ == nullptr) return {};
    const bool failed = owned_ ? std::fclose(file_) != 0 : std::fflush(file_) != 0;
    file_ = nullptr;
    if (failed) return core::Fail(ErrorCode::kIo, "write failed: {}", std::strerror(errno));
    return {};
  }
  ~FileOut() {
    if (file_ != nullptr && owned_) std::fclose(file_);
  }

 private:
  std::FILE* file_ = nullptr;
  bool owned_ = false;
};

class CsvSink final : public Sink {
 public:
  explicit CsvSink(const std::string& path) : path_(path) {}
  core::Status Header(const std::vector<OutColumn>& columns) override {
    MOPS_TRY(out_.Open(path_));
    columns_ = columns;
    for (const OutColumn& c : columns) writer_.Field(c.name);
    writer_.EndRow();
    return {};
  }
  core::Status Row(const std::vector<Value>& row) override {
    for (size_t i = 0; i < columns_.size(); ++i) {
      writer_.Field(CellText(row[i], columns_[i].type));
    }
    writer_.EndRow();
    if (writer_.data().size() > (1 << 20)) {
      MOPS_TRY(out_.Write(writer_.data()));
      writer_.Clear();
    }
    return {};
  }
  core::Status Finish() override {
    MOPS_TRY(out_.Write(writer_.data()));
    writer_.Clear();
    return out_.Close();
  }

 private:
  std::string path_;
  FileOut out_;
  std::vector<OutColumn> columns_;
  core::CsvWriter writer_{',', /*neutralize_formulas=*/true};
};

class JsonSink final : public Sink {
 public:
  explicit JsonSink(const std::string& path) : path_(path) {}
  core::Status Header(const std::vector<OutColumn>& columns) override {
    MOPS_TRY(out_.Open(path_));
    columns_ = columns;
    buffer_ = "[";
    return {};
  }
  core::Status Row(const std::vector<Value>& row) override {
    nlohmann::json obj = nlohmann::json::object();
    for (size_t i = 0; i < columns_.size(); ++i) {
      obj[columns_[i].name] = CellJson(row[i], columns_[i].type);
    }
    buffer_ += first_ ? "\n" : ",\n";
    first_ = false;
    buffer_ += obj.dump();
    if (buffer_.size() > (1 << 20)) {
      MOPS_TRY(out_.Write(buffer_));
      buffer_.clear();
    }
    return {};
  }
  core::Status Finish() override {
    buffer_ += first_ ? "]\n" : "\n]\n";
    MOPS_TRY(out_.Write(buffer_));
    return out_.Close();
  }

 private:
  std::string path_;
  FileOut out_;
  std::vector<OutColumn> columns_;
  std::string buffer_;
  bool first_ = true;
};

struct WorkbookCloser {
  void operator()(lxw_workbook* wb) const {
    if (wb != nullptr) workbook_close(wb);
  }
};

class XlsxSink final : public Sink {
 public:
  XlsxSink(std::string path, std::string sheet)
      : path_(std::move(path)), sheet_(std::move(sheet)) {}
  core::Status Header(const std::vector<OutColumn>& columns) override {
    lxw_workbook_options options{};
    options.constant_memory = LXW_TRUE;
    workbook_.reset(workbook_new_opt(path_.c_str(), &options));
    if (!workbook_) return core::Fail(ErrorCode::kIo, "cannot create workbook '{}'", path_);
    sheet_ptr_ = workbook_add_worksheet(workbook_.get(), sheet_.c_str());
    bold_ = workbook_add_format(workbook_.get());
    format_set_bold(bold_);
    money_ = workbook_add_format(workbook_.get());
    format_set_num_format(money_, "0.00");
    columns_ = columns;
    for (size_t c = 0; c < columns.size(); ++c) {
      MOPS_TRY(Check(worksheet_write_string(sheet_ptr_, 0, static_cast<lxw_col_t>(c),
                                            columns[c].name.c_str(), bold_)));
    }
    return {};
  }
  core::Status Row(const std::vector<Value>& row) override {
    if (++row_ >= LXW_ROW_MAX) {
      return core::Fail(ErrorCode::kInvalidArgument,
                        "xlsx holds at most {} rows; export as csv instead", LXW_ROW_MAX - 1);
    }
    for (size_t c = 0; c < columns_.size(); ++c) {
      const Value& v = row[c];
      if (store::IsNull(v)) continue;
      const auto col = static_cast<lxw_col_t>(c);
      switch (columns_[c].type) {
        case FieldType::kInt:
        case FieldType::kReal:
          MOPS_TRY(
              Check(worksheet_write_number(sheet_ptr_, row_, col, store::AsDouble(v), nullptr)));
          break;
        case FieldType::kMoney:
          MOPS_TRY(Check(worksheet_write_number(
              sheet_ptr_, row_, col, static_cast<double>(store::AsInt(v)) / 100.0, money_)));
          break;
        default: {
          const std::string text = core::NeutralizeFormula(CellText(v, columns_[c].type));
          MOPS_TRY(Check(worksheet_write_string(sheet_ptr_, row_, col, text.c_str(), nullptr)));
          break;
        }
      }
    }
    return {};
  }
  core::Status Finish() override {
    const lxw_error err = workbook_close(workbook_.release());
    if (err != LXW_NO_ERROR) {
      return core::Fail(ErrorCode::kIo, "cannot write workbook '{}': {}", path_, lxw_strerror(err));
    }
    return {};
  }

 private:
  core::Status Check(lxw_error err) {
    if (err == LXW_NO_ERROR) return {};
    return core::Fail(ErrorCode::kIo, "xlsx row {}: {}", row_ + 1, lxw_strerror(err));
  }

  std::string path_;
  std::string sheet_;
  std::unique_ptr<lxw_workbook, WorkbookCloser> workbook_;
  lxw_worksheet* sheet_ptr_ = nullptr;
  lxw_format* bold_ = nullptr;
  lxw_format* money_ = nullptr;
  std::vector<OutColumn> columns_;
  lxw_row_t row_ = 0;
};

core::Result<int64_t> Stream(store::Database& db, const ExportQuery& q, Sink& sink) {
  MOPS_TRY(sink.Header(q.columns));
  MOPS_ASSIGN_OR_RETURN(auto stmt, db.Prepare(q.sql));
  int64_t after = 0;
  int64_t rows = 0;
  while (true) {
    MOPS_ASSIGN_OR_RETURN(store::Rows page, stmt->Query(std::vector<Value>{after, kPageRows}));
    for (const auto& row : page.rows) {
      MOPS_TRY(sink.Row(row));
      ++rows;
    }
    if (static_cast<int64_t>(page.size()) < kPageRows) break;
    after = store::AsInt(page.rows.back().back());
  }
  MOPS_TRY(sink.Finish());
  return rows;
}

}  // namespace

core::Result<ExportFormat> ParseExportFormat(std::string_view name) {
  const std::string key = core::ToLower(core::Trim(name));
  if (key == "csv") return ExportFormat::kCsv;
  if (key == "json") return ExportFormat::kJson;
  if (key == "xlsx") return ExportFormat::kXlsx;
  return core::Fail(ErrorCode::kInvalidArgument,
                    "unknown export format '{}' (expected csv, json or xlsx)", name);
}

core::Result<ExportSummary> ExportTable(store::Database& db, Kind kind, const std::string& path,
                                        const ExportOptions& options) {
  const KindSpec& spec = internal::SpecFor(kind);
  if (path.empty()) return core::Fail(ErrorCode::kInvalidArgument, "no output file");
  const bool to_stdout = path == "-";
  if (to_stdout && options.format == ExportFormat::kXlsx) {
    return core::Fail(ErrorCode::kInvalidArgument, "xlsx needs an output file (--out FILE)");
  }
  // Written beside the target and renamed at the end: a failed export leaves
  // no partial file, and never a half-overwritten old one.
  const std::string temp = to_stdout ? path : path + ".partial";
  std::unique_ptr<Sink> sink;
  switch (options.format) {
    case ExportFormat::kCsv:
      sink = std::make_unique<CsvSink>(temp);
      break;
    case ExportFormat::kJson:
      sink = std::make_unique<JsonSink>(temp);
      break;
    case ExportFormat::kXlsx:
      sink = std::make_unique<XlsxSink>(temp, std::string(spec.table));
      break;
  }
  const ExportQuery query = BuildQuery(spec, options.include_merged);
  auto rows = Stream(db, query, *sink);
  if (!rows) {
    sink.reset();
    if (!to_stdout) std::remove(temp.c_str());
    core::Error e = std::move(rows).error();
    if (e.file.empty()) e.file = path;
    return core::Fail(std::move(e));
  }
  if (!to_stdout) {
    std::error_code ec;
    std::filesystem::rename(temp, path, ec);
    if (ec) {
      std::remove(temp.c_str());
      core::Error e = core::MakeError(ErrorCode::kIo, "cannot write: " + ec.message());
      return core::Fail(std::move(e).At(path));
    }
  }
  return ExportSummary{.rows = *rows, .path = path};
}

}  // namespace mops::ingest
