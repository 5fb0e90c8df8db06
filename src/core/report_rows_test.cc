#include "core/report_rows.h"

#include <gtest/gtest.h>

#include "core/csv.h"

namespace mops::core {
namespace {

bool HasId(std::span<const std::string_view> fields) {
  for (std::string_view f : fields) {
    if (f == "Id") return true;
  }
  return false;
}

TEST(ReportRowsTest, FindsTheHeaderBelowTitleAndBlankLines) {
  const std::string text =
      "\xEF\xBB\xBF\"Contacts with email\"\r\n\"Filtered by: Owner = me\"\r\n\r\nId;Email;Name\r\n"
      "1;a@x.com;A\r\n";
  auto h = FindHeaderLine(text, 20, HasId);
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->line, 4);
  EXPECT_EQ(h->delimiter, ';');
  EXPECT_EQ(h->skipped_lines, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(h->fields, (std::vector<std::string>{"Id", "Email", "Name"}));
  // A reader from the header's offset counts the file's lines.
  CsvOptions o;
  o.first_line = h->line;
  CsvReader reader(std::string_view(text).substr(h->offset), o);
  std::vector<std::string_view> f;
  ASSERT_TRUE(*reader.Next(f));
  EXPECT_EQ(reader.record_line(), 4);
  ASSERT_TRUE(*reader.Next(f));
  EXPECT_EQ(reader.record_line(), 5);
  EXPECT_EQ(f[1], "a@x.com");
}

TEST(ReportRowsTest, LoneCarriageReturnsAndNoHeader) {
  auto h = FindHeaderLine("Title\rId,Name\r1,A\r", 20, HasId);
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->line, 2);
  EXPECT_EQ(h->offset, 6u);
  EXPECT_FALSE(FindHeaderLine("a,b\n1,2\n", 20, HasId).has_value());
  EXPECT_FALSE(FindHeaderLine("t\nt\nId,b\n", 2, HasId).has_value());  // past max_lines
}

TEST(ReportRowsTest, TotalsLabels) {
  for (std::string_view s :
       {"Total", "TOTALS", "Grand Total", "Grand Totals (25 records)", "Total (3 records)",
        "Total: Account", "Subtotal", "Records: 12", "Count",
        "Copyright (c) 2000-2026 salesforce.com, inc.", "\xc2\xa9 2026 Microsoft"}) {
    EXPECT_TRUE(IsTotalsLabel(s)) << s;
  }
  for (std::string_view s : {"Totally Bikes", "Totalis", "Counter Ltd", "Countess", "Records Inc",
                             "", "Tom", "Grandview"}) {
    EXPECT_FALSE(IsTotalsLabel(s)) << s;
  }
}

TEST(ReportRowsTest, TotalsRowsAreRecognisedConservatively) {
  TotalsRowRule crm;
  crm.numbers_only = true;
  crm.label_columns = 3;
  crm.key_columns = {0};
  using V = std::vector<std::string_view>;
  EXPECT_TRUE(IsTotalsRow(V{"", "Total", "", ""}, crm));
  EXPECT_TRUE(IsTotalsRow(V{"Grand Totals (3 records)", "", "$1,250.00", "3"}, crm));
  // A record: a name or an email beside the label, or a key.
  EXPECT_FALSE(IsTotalsRow(V{"", "Total", "Smith", "total@example.com"}, crm));
  EXPECT_FALSE(IsTotalsRow(V{"0035e00000AbCdE", "Total", "", ""}, crm));
  EXPECT_FALSE(IsTotalsRow(V{"", "", "", ""}, crm));  // blank: no
  TotalsRowRule vendor;
  vendor.max_filled = 2;
  vendor.blank_rows = true;
  EXPECT_TRUE(IsTotalsRow(V{"", "", ""}, vendor));
  EXPECT_TRUE(IsTotalsRow(V{"Total", "12", ""}, vendor));
  EXPECT_FALSE(IsTotalsRow(V{"Total", "12", "x"}, vendor));
  EXPECT_FALSE(IsTotalsRow(V{"12", "Total", ""}, vendor));  // label in the first cell only
}

}  // namespace
}  // namespace mops::core
