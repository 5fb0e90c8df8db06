// Report exports (a Salesforce or HubSpot report, a data vendor's list, an ad
// platform's report) wrap their table in lines that are not records: a title,
// filters and blank lines above the header, a totals row (or a copyright
// line) below the data. The importers that read such files share these two
// decisions: which line is the header, and which row is a totals row.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mops::core {

// The header line of a report export, found below its title lines.
struct HeaderLine {
  int64_t line = 1;   // 1-based line number of the header in the whole text
  size_t offset = 0;  // byte offset where that line starts
  char delimiter = ',';
  std::vector<std::string> fields;     // the header's cells, trimmed
  std::vector<int64_t> skipped_lines;  // the non-blank lines above it
};

// The first of the first `max_lines` lines of `text` whose cells `is_header`
// accepts (each line read as one CSV record, its delimiter detected from the
// line itself unless `delimiter` is given; blank lines and lines that do not
// parse are passed over); nullopt when none is. A leading BOM is ignored.
std::optional<HeaderLine> FindHeaderLine(
    std::string_view text, int64_t max_lines,
    const std::function<bool(std::span<const std::string_view>)>& is_header, char delimiter = 0);

// A totals or footer label: "Total", "Totals", "Grand Total", "Grand Totals
// (25 records)", "Total: Account", "Subtotal", "Records: 12", "Count",
// "Copyright ..." / "(c) ..." / "© ...". The word must end where the cell's
// word ends: "Totally Bikes" and "Counter Ltd" are not labels.
bool IsTotalsLabel(std::string_view cell);

// Which rows count as totals rows. A row qualifies when one of its first
// `label_columns` cells holds a totals label (IsTotalsLabel) and every
// condition below holds.
struct TotalsRowRule {
  size_t label_columns = 1;
  // At most this many non-empty cells, the label's included (0: any number).
  size_t max_filled = 0;
  // Every non-empty cell but the label is a number, an amount or a count
  // ("1,250.00", "$3.5K", "(12)", "45%"): a row with names or emails in it is
  // a record, whatever its first cell says.
  bool numbers_only = false;
  // These cells (the file's key columns) are empty or hold the label.
  std::vector<int> key_columns;
  // A row of only empty cells counts too.
  bool blank_rows = false;
};

bool IsTotalsRow(std::span<const std::string_view> fields, const TotalsRowRule& rule);

}  // namespace mops::core
