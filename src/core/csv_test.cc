#include "core/csv.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

namespace mops::core {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

using Records = std::vector<std::vector<std::string>>;

CsvOptions Options(char delimiter = 0, bool trim = false, bool same_width = true) {
  CsvOptions options;
  options.delimiter = delimiter;
  options.trim_fields = trim;
  options.require_same_width = same_width;
  options.file_name = "contacts.csv";
  return options;
}

// Reads all records; fails the test on an error.
Records ReadAll(std::string_view data, CsvOptions options = Options()) {
  CsvReader reader(data, std::move(options));
  Records records;
  std::vector<std::string_view> fields;
  while (true) {
    Result<bool> more = reader.Next(fields);
    if (!more) {
      ADD_FAILURE() << more.error().ToString();
      break;
    }
    if (!*more) break;
    records.emplace_back(fields.begin(), fields.end());
  }
  return records;
}

// Reads until the first error and returns it (or a kInternal "no error").
Error FirstError(std::string_view data, CsvOptions options = Options()) {
  CsvReader reader(data, std::move(options));
  std::vector<std::string_view> fields;
  while (true) {
    Result<bool> more = reader.Next(fields);
    if (!more) return more.error();
    if (!*more) return MakeError(ErrorCode::kInternal, "no error");
  }
}

TEST(CsvReaderTest, SimpleRecords) {
  EXPECT_EQ(ReadAll("a,b,c\n1,2,3\n"), (Records{{"a", "b", "c"}, {"1", "2", "3"}}));
}

TEST(CsvReaderTest, NoTrailingNewline) {
  EXPECT_EQ(ReadAll("a,b\n1,2"), (Records{{"a", "b"}, {"1", "2"}}));
}

TEST(CsvReaderTest, EmptyInputHasNoRecords) {
  EXPECT_TRUE(ReadAll("").empty());
  EXPECT_TRUE(ReadAll("\n\n").empty());
  EXPECT_TRUE(ReadAll("\xEF\xBB\xBF").empty());
}

TEST(CsvReaderTest, CrlfLineEnds) {
  EXPECT_EQ(ReadAll("a,b\r\n1,2\r\n"), (Records{{"a", "b"}, {"1", "2"}}));
}

TEST(CsvReaderTest, LoneCrLineEnds) {
  EXPECT_EQ(ReadAll("a,b\r1,2\r3,4"), (Records{{"a", "b"}, {"1", "2"}, {"3", "4"}}));
}

TEST(CsvReaderTest, EmptyFields) {
  EXPECT_EQ(ReadAll("a,b,c\n,,\n1,,3\n"), (Records{{"a", "b", "c"}, {"", "", ""}, {"1", "", "3"}}));
}

TEST(CsvReaderTest, TrailingDelimiterMakesEmptyLastField) {
  EXPECT_EQ(ReadAll("a,b,\n1,2,"), (Records{{"a", "b", ""}, {"1", "2", ""}}));
}

TEST(CsvReaderTest, QuotedFieldsWithDelimitersQuotesAndNewlines) {
  const std::string data =
      "name,note\n"
      "\"Acme, Inc.\",\"said \"\"hi\"\"\"\n"
      "\"multi\nline\",\"crlf\r\ninside\"\n"
      "\"\",\"\"\"\"\n";
  EXPECT_EQ(ReadAll(data), (Records{{"name", "note"},
                                    {"Acme, Inc.", "said \"hi\""},
                                    {"multi\nline", "crlf\r\ninside"},
                                    {"", "\""}}));
}

TEST(CsvReaderTest, QuotedFieldAtEndOfInput) {
  EXPECT_EQ(ReadAll("a,\"b\""), (Records{{"a", "b"}}));
  EXPECT_EQ(ReadAll("a,\"b\"\"\""), (Records{{"a", "b\""}}));
}

TEST(CsvReaderTest, QuotedFieldsThatNeedNoUnescapingPointIntoTheBuffer) {
  const std::string data = "\"plain\",x\n";
  CsvReader reader(data, Options());
  std::vector<std::string_view> fields;
  ASSERT_TRUE(reader.Next(fields).value());
  ASSERT_EQ(fields.size(), 2u);
  EXPECT_EQ(fields[0].data(), data.data() + 1);
  EXPECT_EQ(fields[1].data(), data.data() + 8);
}

TEST(CsvReaderTest, UnescapedFieldsStayValidForTheWholeRecord) {
  // Many escaped fields in one record: the storage they live in grows while
  // the record is read, and all views must still be right at the end.
  std::string data;
  std::vector<std::string> expected;
  for (int i = 0; i < 200; ++i) {
    if (i > 0) data += ',';
    std::string value = "v" + std::to_string(i) + std::string(static_cast<size_t>(i), 'x') + "\"q";
    expected.push_back(value);
    data += "\"v" + std::to_string(i) + std::string(static_cast<size_t>(i), 'x') + "\"\"q\"";
  }
  data += "\n";
  EXPECT_EQ(ReadAll(data), (Records{expected}));
}

TEST(CsvReaderTest, EscapedFieldsOfEarlierRecordsAreReplaced) {
  CsvReader reader("\"a\"\"1\",\"b\"\"1\"\n\"a\"\"2\",\"b\"\"2\"\n", Options());
  std::vector<std::string_view> fields;
  ASSERT_TRUE(reader.Next(fields).value());
  EXPECT_THAT(fields, ElementsAre("a\"1", "b\"1"));
  ASSERT_TRUE(reader.Next(fields).value());
  EXPECT_THAT(fields, ElementsAre("a\"2", "b\"2"));
  EXPECT_FALSE(reader.Next(fields).value());
}

TEST(CsvReaderTest, QuoteInsideUnquotedFieldIsKeptLiterally) {
  EXPECT_EQ(ReadAll("size,desc\n27,27\" monitor\n5,a\"b\"c\n"),
            (Records{{"size", "desc"}, {"27", "27\" monitor"}, {"5", "a\"b\"c"}}));
}

TEST(CsvReaderTest, BomIsSkipped) {
  EXPECT_EQ(ReadAll("\xEF\xBB\xBF"
                    "email,name\nx@y.com,X\n"),
            (Records{{"email", "name"}, {"x@y.com", "X"}}));
}

TEST(CsvReaderTest, BlankLinesAreSkippedAndLinesStillCounted) {
  CsvReader reader("a,b\n\n1,2\r\n\r\n\n3,4\n\n", Options());
  std::vector<std::string_view> fields;
  ASSERT_TRUE(reader.Next(fields).value());
  EXPECT_EQ(reader.record_line(), 1);
  ASSERT_TRUE(reader.Next(fields).value());
  EXPECT_EQ(reader.record_line(), 3);
  EXPECT_THAT(fields, ElementsAre("1", "2"));
  ASSERT_TRUE(reader.Next(fields).value());
  EXPECT_EQ(reader.record_line(), 6);
  EXPECT_THAT(fields, ElementsAre("3", "4"));
  EXPECT_FALSE(reader.Next(fields).value());
}

TEST(CsvReaderTest, RecordLineCountsNewlinesInsideQuotes) {
  CsvReader reader("h1,h2\n\"a\nb\nc\",x\ny,z\n", Options());
  std::vector<std::string_view> fields;
  ASSERT_TRUE(reader.Next(fields).value());
  ASSERT_TRUE(reader.Next(fields).value());
  EXPECT_EQ(reader.record_line(), 2);
  ASSERT_TRUE(reader.Next(fields).value());
  EXPECT_EQ(reader.record_line(), 5);
  EXPECT_THAT(fields, ElementsAre("y", "z"));
}

TEST(CountLinesTest, CountsLineEndsLikeTheReader) {
  EXPECT_EQ(CountLines(""), 1);
  EXPECT_EQ(CountLines("a"), 1);
  EXPECT_EQ(CountLines("a\n"), 1);
  EXPECT_EQ(CountLines("a\nb"), 2);
  EXPECT_EQ(CountLines("a\r\nb\r\n"), 2);
  EXPECT_EQ(CountLines("a\rb\rc\r"), 3);
  EXPECT_EQ(CountLines("a\r\rb\n\nc"), 5);
  const std::string_view text = "h\r\"x\ry\"\rlast";
  CsvReader reader(text, Options());
  std::vector<std::string_view> fields;
  while (reader.Next(fields).value()) {
  }
  EXPECT_EQ(reader.record_line(), 4);
  EXPECT_EQ(CountLines(text), 4);
}

TEST(CsvReaderTest, ASingleQuotedEmptyFieldIsARecord) {
  EXPECT_EQ(ReadAll("h\n\"\"\nx\n"), (Records{{"h"}, {""}, {"x"}}));
}

TEST(CsvReaderTest, DetectsDelimiterFromTheFirstLine) {
  CsvReader semicolon("a;b;c\n1;2;3\n", Options());
  EXPECT_EQ(semicolon.delimiter(), ';');
  CsvReader tab("a\tb\n1\t2\n", Options());
  EXPECT_EQ(tab.delimiter(), '\t');
  CsvReader pipe("a|b|c\n", Options());
  EXPECT_EQ(pipe.delimiter(), '|');
  EXPECT_EQ(ReadAll("a;b\n\"1,5\";2\n"), (Records{{"a", "b"}, {"1,5", "2"}}));
}

TEST(CsvReaderTest, ExplicitDelimiterWins) {
  EXPECT_EQ(ReadAll("a;b,c\n1;2,3\n", Options(',')), (Records{{"a;b", "c"}, {"1;2", "3"}}));
}

TEST(DetectDelimiterTest, CountsOutsideQuotesOnTheFirstLineOnly) {
  EXPECT_EQ(DetectDelimiter("a,b,c"), ',');
  EXPECT_EQ(DetectDelimiter("a;b;c"), ';');
  EXPECT_EQ(DetectDelimiter("\"a;b;c;d\",e,f"), ',');
  EXPECT_EQ(DetectDelimiter("a;b\nc,d,e,f,g"), ';');
  EXPECT_EQ(DetectDelimiter("a\tb\tc,d"), '\t');
  EXPECT_EQ(DetectDelimiter("a|b|c;d"), '|');
  EXPECT_EQ(DetectDelimiter("\xEF\xBB\xBF"
                            "a;b"),
            ';');
}

TEST(DetectDelimiterTest, CommaWhenNoneOrTie) {
  EXPECT_EQ(DetectDelimiter("email"), ',');
  EXPECT_EQ(DetectDelimiter(""), ',');
  EXPECT_EQ(DetectDelimiter("a,b;c"), ',');
  EXPECT_EQ(DetectDelimiter("a;b\tc"), ';');
}

TEST(CsvReaderTest, TrimUnquotedAndAroundQuotedFields) {
  EXPECT_EQ(ReadAll("a , b ,c\n 1,\t\"x, y\" , \" q \"\n", Options(0, true)),
            (Records{{"a", "b", "c"}, {"1", "x, y", " q "}}));
}

TEST(CsvReaderTest, WithoutTrimSpacesAreKept) {
  EXPECT_EQ(ReadAll("a, b\n1 , \"2\"\n"), (Records{{"a", " b"}, {"1 ", " \"2\""}}));
}

TEST(CsvReaderTest, TrimKeepsTabsWhenTabIsTheDelimiter) {
  EXPECT_EQ(ReadAll("a\t b \tc\n1\t\t3\n", Options('\t', true)),
            (Records{{"a", "b", "c"}, {"1", "", "3"}}));
}

TEST(CsvReaderTest, TrimSkipsLinesOfBlanks) {
  EXPECT_EQ(ReadAll("a,b\n   \n1,2\n  \t ", Options(0, true)), (Records{{"a", "b"}, {"1", "2"}}));
}

TEST(CsvReaderTest, Utf8IsAccepted) {
  EXPECT_EQ(
      ReadAll(
          "name,city\nJos\xC3\xA9,M\xC3\xBCnchen\n\"\xE6\x9D\xB1\xE4\xBA\xAC\",\xF0\x9F\x98\x80\n"),
      (Records{{"name", "city"},
               {"Jos\xC3\xA9", "M\xC3\xBCnchen"},
               {"\xE6\x9D\xB1\xE4\xBA\xAC", "\xF0\x9F\x98\x80"}}));
}

TEST(CsvReaderTest, InvalidUtf8InUnquotedFieldNamesFileLineAndColumn) {
  const Error error = FirstError("a,b,c\n1,2,3\n4,5,Jos\xE9\n");
  EXPECT_EQ(error.code, ErrorCode::kParse);
  EXPECT_EQ(error.file, "contacts.csv");
  EXPECT_EQ(error.line, 3);
  EXPECT_EQ(error.column, 3);
  EXPECT_THAT(error.message, HasSubstr("invalid UTF-8"));
  EXPECT_THAT(error.message, HasSubstr("0xE9"));
  EXPECT_EQ(error.ToString().substr(0, 17), "contacts.csv:3:3:");
}

TEST(CsvReaderTest, InvalidUtf8InQuotedFieldNamesTheLineOfTheByte) {
  const Error error = FirstError("a,b\n\"x\ny\nz\xFF\",2\n");
  EXPECT_EQ(error.line, 4);
  EXPECT_EQ(error.column, 1);
  EXPECT_THAT(error.message, HasSubstr("invalid UTF-8"));
}

TEST(CsvReaderTest, InvalidUtf8InEscapedQuotedField) {
  const Error error = FirstError("a,b\n1,\"\"\"\xC0\xAF\"\n");
  EXPECT_EQ(error.line, 2);
  EXPECT_EQ(error.column, 2);
  EXPECT_THAT(error.message, HasSubstr("0xC0"));
}

TEST(CsvReaderTest, TruncatedUtf8AtEndOfInput) {
  const Error error = FirstError("a,b\n1,\xE2\x82");
  EXPECT_EQ(error.line, 2);
  EXPECT_EQ(error.column, 2);
  EXPECT_THAT(error.message, HasSubstr("invalid UTF-8"));
}

TEST(CsvReaderTest, UnclosedQuoteNamesTheLineWhereItStarted) {
  const Error error = FirstError("a,b\n1,2\n3,\"never closed\n4,5\n6,7\n");
  EXPECT_EQ(error.code, ErrorCode::kParse);
  EXPECT_EQ(error.file, "contacts.csv");
  EXPECT_EQ(error.line, 3);
  EXPECT_EQ(error.column, 2);
  EXPECT_THAT(error.message, HasSubstr("unclosed quoted field"));
  EXPECT_THAT(error.message, HasSubstr("line 3"));
}

TEST(CsvReaderTest, UnclosedQuoteStartedLaterInAMultiLineRecord) {
  const Error error = FirstError("a,b,c\n\"x\ny\",\"open\nmore");
  EXPECT_EQ(error.line, 3);
  EXPECT_EQ(error.column, 2);
}

TEST(CsvReaderTest, UnclosedQuoteEndsTheInput) {
  CsvReader reader("a\n\"x\n", Options());
  std::vector<std::string_view> fields;
  ASSERT_TRUE(reader.Next(fields).value());
  EXPECT_FALSE(reader.Next(fields).has_value());
  Result<bool> after = reader.Next(fields);
  ASSERT_TRUE(after.has_value());
  EXPECT_FALSE(*after);
}

TEST(CsvReaderTest, TextAfterClosingQuoteIsAnError) {
  const Error error = FirstError("a,b\n1,\"x\"y\n");
  EXPECT_EQ(error.code, ErrorCode::kParse);
  EXPECT_EQ(error.line, 2);
  EXPECT_EQ(error.column, 2);
  EXPECT_THAT(error.message, HasSubstr("unexpected character 'y' after closing quote"));
}

TEST(CsvReaderTest, TextAfterClosingQuoteNamesTheDelimiter) {
  Error error = FirstError("a\tb\n\"x\"y\t2\n");
  EXPECT_EQ(error.message,
            "unexpected character 'y' after closing quote (expected '\\t' or end of line)");
  EXPECT_EQ(error.line, 2);
  EXPECT_EQ(error.column, 1);
  error = FirstError("a;b\n1;\"x\"\x01\n");
  EXPECT_EQ(error.message,
            "unexpected character after closing quote (expected ';' or end of line)");
  EXPECT_EQ(error.column, 2);
}

TEST(CsvReaderTest, SpaceAfterClosingQuoteIsAnErrorWithoutTrim) {
  const Error error = FirstError("\"a\" ,b\n");
  EXPECT_EQ(error.line, 1);
  EXPECT_EQ(error.column, 1);
  EXPECT_THAT(error.message, HasSubstr("after closing quote"));
}

TEST(CsvReaderTest, TextAfterClosingQuoteOnALaterLine) {
  const Error error = FirstError("a,b\n\"multi\nline\"oops,2\n");
  EXPECT_EQ(error.line, 3);
  EXPECT_EQ(error.column, 1);
}

TEST(CsvReaderTest, WrongFieldCount) {
  Error error = FirstError("a,b,c\n1,2,3\n4,5\n");
  EXPECT_EQ(error.code, ErrorCode::kParse);
  EXPECT_EQ(error.message, "expected 3 fields, found 2");
  EXPECT_EQ(error.file, "contacts.csv");
  EXPECT_EQ(error.line, 3);
  EXPECT_EQ(error.column, 3);

  error = FirstError("a,b\n1,2,3,4\n");
  EXPECT_EQ(error.message, "expected 2 fields, found 4");
  EXPECT_EQ(error.line, 2);
  EXPECT_EQ(error.column, 3);
}

TEST(CsvReaderTest, WrongFieldCountReportsTheRecordStartLine) {
  const Error error = FirstError("a,b\n\"x\ny\",2,3\n");
  EXPECT_EQ(error.line, 2);
  EXPECT_EQ(error.message, "expected 2 fields, found 3");
}

TEST(CsvReaderTest, RaggedRecordsAllowedWhenNotRequired) {
  EXPECT_EQ(ReadAll("a,b,c\n1\n2,3,4,5\n", Options(0, false, false)),
            (Records{{"a", "b", "c"}, {"1"}, {"2", "3", "4", "5"}}));
}

TEST(CsvReaderTest, ReadingContinuesAfterARecordError) {
  CsvReader reader("a,b\n1,2,3\n\"x\"y,2\n\xFF,3\n4,5\n", Options());
  std::vector<std::string_view> fields;
  ASSERT_TRUE(reader.Next(fields).value());
  Result<bool> r = reader.Next(fields);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().line, 2);
  EXPECT_EQ(reader.record_line(), 2);
  r = reader.Next(fields);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().line, 3);
  EXPECT_THAT(r.error().message, HasSubstr("after closing quote"));
  r = reader.Next(fields);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().line, 4);
  EXPECT_THAT(r.error().message, HasSubstr("invalid UTF-8"));
  ASSERT_TRUE(reader.Next(fields).value());
  EXPECT_THAT(fields, ElementsAre("4", "5"));
  EXPECT_EQ(reader.record_line(), 5);
  EXPECT_FALSE(reader.Next(fields).value());
}

TEST(CsvReaderTest, FirstErrorInARecordWins) {
  const Error error = FirstError("a,b,c\n\xFF,\"x\"y\n");
  EXPECT_EQ(error.column, 1);
  EXPECT_THAT(error.message, HasSubstr("invalid UTF-8"));
}

TEST(CsvReaderTest, ErrorWithoutFileName) {
  CsvOptions options;
  const Error error = FirstError("a,b\n1\n", options);
  EXPECT_EQ(error.ToString(), "line 2, column 2: expected 2 fields, found 1");
}

// About 1 MB with quoted fields, doubled quotes, embedded CRLF/LF, empty and
// UTF-8 fields; checks the record count and a sample of the values.
TEST(CsvReaderTest, LargeGeneratedFile) {
  std::mt19937 rng(42);
  std::string data = "id,email,company,note,amount\r\n";
  int64_t expected_records = 0;
  std::vector<std::string> notes;
  while (data.size() < (1u << 20)) {
    const int64_t id = expected_records + 1;
    std::string note;
    switch (rng() % 5) {
      case 0:
        note = "plain note";
        break;
      case 1:
        note = "line one\nline two";
        break;
      case 2:
        note = "she said \"yes\", twice";
        break;
      case 3:
        note = "crlf\r\ninside";
        break;
      default:
        note = "";
        break;
    }
    notes.push_back(note);
    CsvWriter w;
    w.Field(id);
    w.Field("user" + std::to_string(id) + "@example.com");
    w.Field(id % 7 == 0 ? std::string("Acme, Inc.") : std::string("Caf\xC3\xA9 Ltd"));
    w.Field(note);
    w.Field(static_cast<double>(id) / 4);
    w.EndRow();
    data += w.data();
    if (rng() % 50 == 0) data += "\n";  // stray blank line
    ++expected_records;
  }
  CsvReader reader(data, Options());
  std::vector<std::string_view> fields;
  ASSERT_TRUE(reader.Next(fields).value());
  int64_t records = 0;
  while (true) {
    Result<bool> more = reader.Next(fields);
    ASSERT_TRUE(more.has_value()) << more.error().ToString();
    if (!*more) break;
    ASSERT_EQ(fields.size(), 5u);
    ASSERT_EQ(fields[0], std::to_string(records + 1));
    ASSERT_EQ(fields[3], notes[static_cast<size_t>(records)]);
    ++records;
  }
  EXPECT_EQ(records, expected_records);
  EXPECT_GT(records, 10000);
}

TEST(IsValidUtf8Test, AcceptsAndRejects) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii that is longer than eight bytes"));
  EXPECT_TRUE(IsValidUtf8("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"));
  EXPECT_TRUE(IsValidUtf8("\xED\x9F\xBF"));      // U+D7FF
  EXPECT_TRUE(IsValidUtf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF
  EXPECT_TRUE(IsValidUtf8(std::string_view("a\0b", 3)));
  EXPECT_FALSE(IsValidUtf8("\x80"));              // lone continuation
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong
  EXPECT_FALSE(IsValidUtf8("\xE0\x80\xAF"));      // overlong
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xF5\x80\x80\x80"));
  EXPECT_FALSE(IsValidUtf8("abcdefgh\xC3"));  // truncated
  EXPECT_FALSE(
      IsValidUtf8("\xE2\x82"
                  "abcdefgh"));  // truncated
  EXPECT_FALSE(IsValidUtf8("abcdefghijklmnop\xFF"));
}

TEST(CsvWriterTest, QuotesOnlyWhenNeeded) {
  CsvWriter w;
  w.Field("plain");
  w.Field("a,b");
  w.Field("say \"hi\"");
  w.Field("two\nlines");
  w.Field("cr\rhere");
  w.Field(" lead");
  w.Field("trail ");
  w.Field("in side");
  w.EndRow();
  EXPECT_EQ(w.data(),
            "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\rhere\",\" lead\",\"trail \","
            "in side\n");
}

TEST(CsvWriterTest, OtherDelimiter) {
  CsvWriter w(';');
  w.Field("a,b");
  w.Field("c;d");
  w.EndRow();
  EXPECT_EQ(w.data(), "a,b;\"c;d\"\n");
}

TEST(CsvWriterTest, NumbersAndEmptyFields) {
  CsvWriter w;
  w.Field(int64_t{-42});
  w.Field(0.1);
  w.Field(1e21);
  w.Field(2.5);
  w.EmptyField();
  w.Field(7);
  w.Field(size_t{8});
  w.EndRow();
  EXPECT_EQ(w.data(), "-42,0.1,1e+21,2.5,,7,8\n");
}

TEST(CsvWriterTest, LoneEmptyFieldIsQuotedSoItReadsBack) {
  CsvWriter w;
  w.Field("h");
  w.EndRow();
  w.EmptyField();
  w.EndRow();
  w.Field("");
  w.Field("");
  w.EndRow();
  EXPECT_EQ(w.data(), "h\n\"\"\n,\n");
  EXPECT_EQ(ReadAll(w.data(), Options(0, false, false)), (Records{{"h"}, {""}, {"", ""}}));
}

TEST(CsvWriterTest, RowHelperAndClear) {
  CsvWriter w;
  w.Row({"a", "b"});
  w.Row({"1", "x\"y"});
  EXPECT_EQ(w.data(), "a,b\n1,\"x\"\"y\"\n");
  w.Clear();
  EXPECT_EQ(w.data(), "");
}

TEST(CsvWriterTest, NeutralizesFormulas) {
  CsvWriter w(',', true);
  w.Field("=HYPERLINK(\"http://x\")");
  w.Field("+1+1");
  w.Field("-12.5");
  w.Field("@SUM(A1)");
  w.Field("\tx");
  w.Field("ok");
  w.Field(int64_t{-3});
  w.EndRow();
  EXPECT_EQ(w.data(), "\"'=HYPERLINK(\"\"http://x\"\")\",'+1+1,-12.5,'@SUM(A1),\"'\tx\",ok,-3\n");
}

TEST(CsvWriterTest, RoundTripsThroughTheReader) {
  const Records rows = {{"id", "text"},
                        {"1", "a,b"},
                        {"2", "\"quoted\""},
                        {"3", "multi\r\nline"},
                        {"4", "  spaced  "},
                        {"5", ""},
                        {"6",
                         "\xEF\xBB\xBF"
                         "bom-like"}};
  CsvWriter w;
  for (const auto& row : rows) w.Row(row);
  EXPECT_EQ(ReadAll(w.data()), rows);
}

TEST(NeutralizeFormulaTest, Cases) {
  EXPECT_EQ(NeutralizeFormula("=1+2"), "'=1+2");
  EXPECT_EQ(NeutralizeFormula("+cmd"), "'+cmd");
  EXPECT_EQ(NeutralizeFormula("-cmd"), "'-cmd");
  EXPECT_EQ(NeutralizeFormula("@foo"), "'@foo");
  EXPECT_EQ(NeutralizeFormula("\t=1"), "'\t=1");
  EXPECT_EQ(NeutralizeFormula("\r=1"), "'\r=1");
  EXPECT_EQ(NeutralizeFormula("-"), "'-");
  EXPECT_EQ(NeutralizeFormula("-2+3"), "'-2+3");
  EXPECT_EQ(NeutralizeFormula("-12.5"), "-12.5");
  EXPECT_EQ(NeutralizeFormula("+44"), "+44");
  EXPECT_EQ(NeutralizeFormula("-1e-3"), "-1e-3");
  EXPECT_EQ(NeutralizeFormula("-.5"), "-.5");
  EXPECT_EQ(NeutralizeFormula("-1e"), "'-1e");
  EXPECT_EQ(NeutralizeFormula("hello"), "hello");
  EXPECT_EQ(NeutralizeFormula(""), "");
  EXPECT_EQ(NeutralizeFormula("a=b"), "a=b");
}

TEST(ReadFileTest, ReadsAndNamesMissingFiles) {
  const std::string path = ::testing::TempDir() + "core_csv_test_read_file.csv";
  std::string content = "a,b\n";
  content += std::string(200000, 'x');
  {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    ASSERT_EQ(std::fwrite(content.data(), 1, content.size(), f), content.size());
    std::fclose(f);
  }
  Result<std::string> read = ReadFile(path);
  ASSERT_TRUE(read.has_value()) << read.error().ToString();
  EXPECT_EQ(*read, content);
  std::remove(path.c_str());

  Result<std::string> missing = ReadFile(path);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(missing.error().file, path);
  EXPECT_THAT(missing.error().message, HasSubstr("cannot open file"));
}

}  // namespace
}  // namespace mops::core
