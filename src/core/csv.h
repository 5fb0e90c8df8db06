// CSV per RFC 4180, as CRM and ad-platform exports really are: quoted fields
// with embedded delimiters, quotes and newlines; UTF-8 with or without a BOM;
// LF, CRLF or (old spreadsheet exports) lone CR line ends; comma, semicolon,
// tab or pipe, detected from the header line.
//
// CsvReader parses a whole buffer (the caller owns it and keeps it alive) and
// hands out one record at a time as string_views into the buffer, or into
// storage owned by the reader when a field had doubled quotes. It makes no
// allocation per field, and parses well over 100 MB/s. Not thread-safe; one
// reader per buffer.
//
// Leniencies, each one found in real exports:
//   - a quote inside an unquoted field is kept literally (`5" screen`);
//   - empty lines are skipped anywhere (so a record is never a single empty
//     unquoted field; write `""` for that, as CsvWriter does);
//   - with trim_fields, blanks around a quoted field are dropped too
//     (`a, "b", c`).
#pragma once

#include <charconv>
#include <concepts>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "core/error.h"

namespace mops::core {

struct CsvOptions {
  char delimiter = 0;              // 0: detect from the first line (',', ';', '\t', '|')
  bool trim_fields = false;        // trim spaces and tabs around fields (outside quotes)
  bool require_same_width = true;  // a record with a field count other than the first's is an error
  std::string file_name;           // used in error messages
  // The line number of the data's first line: a reader over the rest of a
  // file (below a report's title lines) reports the file's own line numbers.
  int64_t first_line = 1;
};

class CsvReader {
 public:
  // `data` must outlive the reader. A leading UTF-8 BOM is skipped.
  CsvReader(std::string_view data, CsvOptions options);
  ~CsvReader();
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  // Reads the next record into `fields` (cleared first; reuse the vector to
  // avoid allocations). Returns false at the end of input. The views stay
  // valid until the next call to Next() or the reader's destruction.
  //
  // Errors (ErrorCode::kParse) carry the file name, a line and a column (the
  // 1-based field index):
  //   - invalid UTF-8: the line of the bad byte;
  //   - text after a closing quote: the line of that text;
  //   - wrong field count ("expected N fields, found M"): the line where the
  //     record starts, the column of the first missing or extra field;
  //   - unclosed quote: the line where the quoted field started.
  // After an error the bad record has been consumed and Next() may be called
  // again to go on with the following one (an importer can reject a row and
  // continue); an unclosed quote consumes the rest of the input, so the next
  // call returns false.
  Result<bool> Next(std::vector<std::string_view>& fields);

  // Line (1-based) where the last record returned by Next (or the record
  // that failed) started.
  int64_t record_line() const;
  char delimiter() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Reads a whole file into memory. Errors (kNotFound, kIo) name the file.
Result<std::string> ReadFile(const std::string& path);

// Detects the delimiter from the first line of `text` (a whole buffer may be
// passed: counting stops at the first line break outside quotes; a leading
// BOM is ignored): the most frequent of ',', ';', '\t', '|' outside quotes,
// earlier in that list on a tie; ',' when none occur.
char DetectDelimiter(std::string_view text);

// Lines of `text` as CsvReader counts them: LF, CRLF or a lone CR ends a
// line, and a last line without one counts too. No record of `text` starts
// on a later line.
int64_t CountLines(std::string_view text);

// True when `s` is valid UTF-8 (no overlongs, surrogates or code points above
// U+10FFFF). ASCII is checked 8 bytes at a time.
bool IsValidUtf8(std::string_view s);

// Integer types CsvWriter::Field writes as numbers, besides int64_t (which
// has its own overload); char and bool are not numbers.
template <typename T>
concept CsvIntegerField = std::integral<T> && !std::same_as<T, bool> && !std::same_as<T, char> &&
                          !std::same_as<T, int64_t>;

// Appends CSV rows to a string buffer. A field is quoted when it contains the
// delimiter, a quote, CR or LF, or starts or ends with a space or tab; quotes
// are doubled; rows end with "\n". A row made of one empty field is written
// as `""` so that it reads back as a record. Numbers are written in their
// shortest round-trip form (std::to_chars).
// With neutralize_formulas, text fields get NeutralizeFormula (CSV injection).
class CsvWriter {
 public:
  explicit CsvWriter(char delimiter = ',', bool neutralize_formulas = false)
      : delimiter_(delimiter), neutralize_(neutralize_formulas) {}

  void Field(std::string_view value);
  void Field(const char* value) { Field(std::string_view(value)); }
  void Field(const std::string& value) { Field(std::string_view(value)); }
  void Field(int64_t value);
  void Field(double value);
  // Any other integer type (int, size_t, ...), written as a number.
  template <CsvIntegerField T>
  void Field(T value) {
    Separator();
    last_empty_ = false;
    char buffer[24];
    const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
    out_.append(buffer, result.ptr);
  }
  void EmptyField();
  void EndRow();
  void Row(const std::vector<std::string>& values);

  const std::string& data() const { return out_; }
  std::string& mutable_data() { return out_; }
  void Clear() {
    out_.clear();
    fields_in_row_ = 0;
    last_empty_ = false;
  }

 private:
  void Separator();
  std::string out_;
  char delimiter_;
  bool neutralize_;
  int64_t fields_in_row_ = 0;
  bool last_empty_ = false;
};

// Formula neutralization for any exported cell (CSV, xlsx): a value starting
// with = + - @ tab or CR gets a leading apostrophe so spreadsheets do not run
// it. Plain numbers ("-12.5", "+3", "1e-3") are left alone.
std::string NeutralizeFormula(std::string_view value);

}  // namespace mops::core
