#include <gtest/gtest.h>

#include "quality/engine.h"

namespace mops::quality {
namespace {

TEST(EmailTest, CleansAndClassifies) {
  EmailInfo e = StandardizeEmail("  Jane.Doe@Example.COM ");
  EXPECT_EQ(e.email, "jane.doe@example.com");
  EXPECT_EQ(e.status, "ok");
  EXPECT_EQ(e.domain, "example.com");
  EXPECT_FALSE(e.free_mail);

  EXPECT_EQ(StandardizeEmail("mailto:<Bob@acme.io>").email, "bob@acme.io");
  EXPECT_EQ(StandardizeEmail("").status, "empty");
  EXPECT_EQ(StandardizeEmail("   ").status, "empty");
  for (const char* bad : {"plainaddress", "@acme.com", "a@b", "a..b@acme.com", ".a@acme.com",
                          "a@acme..com", "a@-acme.com", "a b@acme.com", "a@acme.c0m", "a@acme.c"}) {
    EXPECT_EQ(StandardizeEmail(bad).status, "invalid") << bad;
  }
  EXPECT_EQ(StandardizeEmail("info@acme.com").status, "role");
  EXPECT_EQ(StandardizeEmail("Sales+EMEA@acme.com").status, "role");
  EXPECT_EQ(StandardizeEmail("someone@mailinator.com").status, "disposable");
  // Disposable wins over role.
  EXPECT_EQ(StandardizeEmail("info@yopmail.com").status, "disposable");
  // A trailing dot on the domain is dropped.
  EXPECT_EQ(StandardizeEmail("x@acme.com.").email, "x@acme.com");
}

TEST(EmailTest, SuggestsPopularDomainForTypos) {
  EmailInfo e = StandardizeEmail("jane@gmial.com");
  EXPECT_EQ(e.status, "typo");
  EXPECT_EQ(e.suggestion, "jane@gmail.com");
  EXPECT_EQ(StandardizeEmail("jane@hotmial.com").suggestion, "jane@hotmail.com");
  EXPECT_EQ(StandardizeEmail("jane@yahoo.con").suggestion, "jane@yahoo.com");
  EXPECT_EQ(StandardizeEmail("jane@gmail.co").suggestion, "jane@gmail.com");
  // The real domains, and company domains far from any, are fine.
  EXPECT_EQ(StandardizeEmail("jane@gmail.com").status, "ok");
  EXPECT_TRUE(StandardizeEmail("jane@gmail.com").free_mail);
  EXPECT_EQ(StandardizeEmail("jane@acme.com").status, "ok");
  EXPECT_EQ(StandardizeEmail("jane@globex.de").status, "ok");
}

TEST(PhoneTest, E164WithRegionFromCountry) {
  PhoneInfo p = StandardizePhone("(650) 253-0000", "US");
  EXPECT_EQ(p.phone, "+16502530000");
  EXPECT_TRUE(p.valid);
  EXPECT_EQ(p.type, "fixed_line_or_mobile");
  EXPECT_EQ(StandardizePhone("020 7946 0958", "GB").phone, "+442079460958");
  EXPECT_EQ(StandardizePhone("030 1234567", "DE").phone, "+49301234567");
  PhoneInfo mobile = StandardizePhone("07400 123456", "GB");
  EXPECT_EQ(mobile.phone, "+447400123456");
  EXPECT_EQ(mobile.type, "mobile");
  // International forms ignore the default region.
  EXPECT_EQ(StandardizePhone("+44 20 7946 0958", "US").phone, "+442079460958");
  EXPECT_EQ(StandardizePhone("0049 30 1234567", "US").phone, "+49301234567");
  EXPECT_EQ(StandardizePhone("(650) 253-0000 x123", "US").phone, "+16502530000;ext=123");
  EXPECT_EQ(StandardizePhone("1-800-555-0199", "").type, "toll_free");
}

TEST(PhoneTest, BadNumbersKeepTheirTextAndAreFlagged) {
  for (const char* bad : {"12", "not a number", "+1 (000) 000", "555"}) {
    PhoneInfo p = StandardizePhone(bad, "US");
    EXPECT_FALSE(p.valid) << bad;
    EXPECT_EQ(p.type, "") << bad;
  }
  EXPECT_EQ(StandardizePhone("  not a number ", "US").phone, "not a number");
  // Possible (right length) but not a real range: E.164, flagged invalid.
  PhoneInfo p = StandardizePhone("(123) 456-7890", "US");
  EXPECT_FALSE(p.valid);
  EXPECT_EQ(StandardizePhone("", "US").phone, "");
}

TEST(CountryTest, CodesNamesAndAliases) {
  struct Case {
    const char* in;
    const char* out;
  };
  for (Case c : {Case{"USA", "US"},
                 {"U.S.", "US"},
                 {"u.s.a.", "US"},
                 {"us", "US"},
                 {"United States of America", "US"},
                 {"united states", "US"},
                 {"UK", "GB"},
                 {"England", "GB"},
                 {"Great Britain", "GB"},
                 {"GBR", "GB"},
                 {"Holland", "NL"},
                 {"The Netherlands", "NL"},
                 {"Deutschland", "DE"},
                 {"GER", "DE"},
                 {"germany", "DE"},
                 {"España", "ES"},
                 {"ESPAÑA", "ES"},
                 {"Sverige", "SE"},
                 {"South Korea", "KR"},
                 {"Korea, Republic of", "KR"},
                 {"Vietnam", "VN"},
                 {"Türkiye", "TR"},
                 {"Turkey", "TR"},
                 {"  france  ", "FR"},
                 {"CA", "CA"},
                 {"Republic of Ireland", "IE"},
                 {"Aus", "AU"}}) {
    auto code = CountryCode(c.in);
    ASSERT_TRUE(code.has_value()) << c.in;
    EXPECT_EQ(*code, c.out) << c.in;
  }
  EXPECT_FALSE(CountryCode("Atlantis").has_value());
  EXPECT_FALSE(CountryCode("").has_value());
  EXPECT_EQ(CountryName("DE"), "Germany");
  EXPECT_EQ(CountryName("XX"), "");
}

TEST(CountryTest, Subdivisions) {
  EXPECT_EQ(SubdivisionCode("California", "US").value_or(""), "US-CA");
  EXPECT_EQ(SubdivisionCode("ca", "US").value_or(""), "US-CA");
  EXPECT_EQ(SubdivisionCode("US-NY", "US").value_or(""), "US-NY");
  EXPECT_EQ(SubdivisionCode("Ontario", "CA").value_or(""), "CA-ON");
  EXPECT_EQ(SubdivisionCode("Bayern", "DE").value_or(""), "DE-BY");
  EXPECT_EQ(SubdivisionCode("england", "GB").value_or(""), "GB-ENG");
  EXPECT_EQ(SubdivisionCode("New South Wales", "AU").value_or(""), "AU-NSW");
  EXPECT_FALSE(SubdivisionCode("Narnia", "US").has_value());
  EXPECT_FALSE(SubdivisionCode("California", "").has_value());
}

TEST(NameTest, ProperCase) {
  struct Case {
    const char* in;
    const char* out;
  };
  for (Case c : {Case{"  jOHN   smith ", "John Smith"},
                 {"JANE", "Jane"},
                 {"mcdonald", "McDonald"},
                 {"MCDONALD", "McDonald"},
                 {"o'brien", "O'Brien"},
                 {"D'ANGELO", "D'Angelo"},
                 {"smith-jones", "Smith-Jones"},
                 {"ludwig van beethoven", "Ludwig van Beethoven"},
                 {"van der berg", "van der Berg"},
                 {"VAN", "Van"},
                 {"macdonald", "MacDonald"},
                 {"mack", "Mack"},
                 {"machado", "Machado"},
                 {"DeShawn", "DeShawn"},
                 {"henry ford iii", "Henry Ford III"},
                 {"josé ÁLVAREZ", "José Álvarez"},
                 {"ÉMILE", "Émile"},
                 {"", ""},
                 {"   ", ""}}) {
    EXPECT_EQ(ProperCaseName(c.in), c.out) << c.in;
  }
}

TEST(TitleTest, SeniorityAndDepartment) {
  struct Case {
    const char* title;
    const char* seniority;
    const char* department;
  };
  for (Case c : {Case{"Chief Marketing Officer (CMO)", "c_level", "marketing"},
                 {"CEO & Co-Founder", "c_level", "executive"},
                 {"CFO", "c_level", "finance"},
                 {"Vice President, Marketing", "vp", "marketing"},
                 {"V.P. Marketing", "vp", "marketing"},
                 {"SVP Sales", "vp", "sales"},
                 {"Director of Marketing Operations", "director", "marketing"},
                 {"Dir. Marketing Ops", "director", "marketing"},
                 {"Head of Growth", "director", "marketing"},
                 {"Mktg Ops Mgr", "manager", "marketing"},
                 {"Revenue Operations Manager", "manager", "operations"},
                 {"Sales Ops Director", "director", "sales"},
                 {"Sr. Software Engineer", "senior", "engineering"},
                 {"Principal Product Designer", "senior", "product"},
                 {"Marketing Coordinator", "entry", "marketing"},
                 {"Account Executive", "entry", "sales"},
                 {"HR Business Partner", "entry", "hr"},
                 {"IT Support Specialist", "entry", "it"},
                 {"Controller", "entry", "finance"},
                 {"CSM", "manager", "sales"},
                 {"Sr. Product Manager", "manager", "product"},
                 {"Data Analyst II", "entry", "engineering"},
                 {"SWE II", "entry", "engineering"},
                 {"Barista", "entry", "other"}}) {
    TitleInfo t = ClassifyTitle(c.title);
    EXPECT_EQ(t.seniority, c.seniority) << c.title;
    EXPECT_EQ(t.department, c.department) << c.title;
  }
  EXPECT_EQ(ClassifyTitle("").seniority, "");
  EXPECT_EQ(ClassifyTitle("  ").department, "");
}

TEST(CompanyKeyTest, StripsLegalFormsAndPunctuation) {
  struct Case {
    const char* in;
    const char* out;
  };
  for (Case c : {Case{"Acme, Inc.", "acme"},
                 {"The Acme Corp., Inc.", "acme"},
                 {"ACME LLC", "acme"},
                 {"Acme GmbH", "acme"},
                 {"Acme Pty Ltd", "acme"},
                 {"Acme S.A.", "acme"},
                 {"Johnson & Johnson", "johnson and johnson"},
                 {"Smith & Co.", "smith"},
                 {"The Company", "company"},
                 {"Inc", "inc"},
                 {"  Globex   Corporation ", "globex"},
                 {"O'Reilly Media", "oreilly media"},
                 {"", ""}}) {
    EXPECT_EQ(CompanyKey(c.in), c.out) << c.in;
  }
}

TEST(DomainTest, FromWebsiteAndEmail) {
  EXPECT_EQ(DomainFromWebsite("https://www.Acme.com/about?x=1"), "acme.com");
  EXPECT_EQ(DomainFromWebsite("acme.co.uk"), "acme.co.uk");
  EXPECT_EQ(DomainFromWebsite("http://shop.acme.com:8080"), "shop.acme.com");
  EXPECT_EQ(DomainFromWebsite("WWW.ACME.IO."), "acme.io");
  EXPECT_EQ(DomainFromWebsite("not a site"), "");
  EXPECT_EQ(DomainFromWebsite(""), "");
  EXPECT_EQ(CompanyDomainFromEmail("jane@acme.com"), "acme.com");
  EXPECT_EQ(CompanyDomainFromEmail("jane@gmail.com"), "");
  EXPECT_EQ(CompanyDomainFromEmail("jane@mailinator.com"), "");
  EXPECT_EQ(CompanyDomainFromEmail("nobody"), "");
}

TEST(RecordTest, StandardizeContactRecordsEveryChange) {
  ContactFields c;
  c.id = 7;
  c.email = " Jane@Acme.COM";
  c.first_name = "jane";
  c.last_name = "o'neil";
  c.title = "VP  Marketing";
  c.phone = "(650) 253-0000";
  c.country = "U.S.A.";
  c.state = "california";
  c.company_name = " Acme  Inc ";
  std::vector<FieldChange> changes;
  const size_t n = StandardizeContact(c, changes);
  EXPECT_EQ(n, changes.size());
  EXPECT_EQ(c.email, "jane@acme.com");
  EXPECT_EQ(c.email_status, "ok");
  EXPECT_EQ(c.first_name, "Jane");
  EXPECT_EQ(c.last_name, "O'Neil");
  EXPECT_EQ(c.title, "VP Marketing");
  EXPECT_EQ(c.seniority, "vp");
  EXPECT_EQ(c.department, "marketing");
  EXPECT_EQ(c.country, "US");
  EXPECT_EQ(c.state, "US-CA");
  EXPECT_EQ(c.phone, "+16502530000");
  EXPECT_EQ(c.phone_valid, std::optional<int64_t>(1));
  EXPECT_EQ(c.company_name, "Acme Inc");
  bool saw_country = false;
  for (const FieldChange& ch : changes) {
    EXPECT_EQ(ch.id, 7);
    if (ch.field == "country") {
      saw_country = true;
      EXPECT_EQ(ch.before, "U.S.A.");
      EXPECT_EQ(ch.after, "US");
    }
  }
  EXPECT_TRUE(saw_country);
  // Idempotent: a second pass changes nothing.
  changes.clear();
  EXPECT_EQ(StandardizeContact(c, changes), 0u);
  EXPECT_TRUE(changes.empty());
}

TEST(RecordTest, SenioritySetByAHumanIsKept) {
  ContactFields c;
  c.title = "Marketing Manager";
  c.seniority = "Director";  // not what the title says: kept, in the taxonomy's words
  std::vector<FieldChange> changes;
  StandardizeContact(c, changes);
  EXPECT_EQ(c.seniority, "director");
  EXPECT_EQ(c.department, "marketing");
  ContactFields odd;
  odd.title = "CEO";
  odd.seniority = "Galactic Overlord";  // unknown: kept as typed
  odd.department = "Human Resources";
  changes.clear();
  StandardizeContact(odd, changes);
  EXPECT_EQ(odd.seniority, "Galactic Overlord");
  EXPECT_EQ(odd.department, "hr");
}

TEST(TitleTest, NormalizeCrmValues) {
  EXPECT_EQ(NormalizeSeniority("C-Level"), "c_level");
  EXPECT_EQ(NormalizeSeniority("Individual Contributor"), "entry");
  EXPECT_EQ(NormalizeSeniority("Vice President"), "vp");
  EXPECT_EQ(NormalizeSeniority("c_level"), "c_level");
  EXPECT_EQ(NormalizeSeniority("Wizard"), "");
  EXPECT_EQ(NormalizeDepartment("Marketing"), "marketing");
  EXPECT_EQ(NormalizeDepartment("Information Technology"), "it");
  EXPECT_EQ(NormalizeDepartment("Executive"), "executive");
  EXPECT_EQ(NormalizeDepartment("Basket weaving"), "");
}

TEST(RecordTest, StandardizeAccount) {
  AccountFields a;
  a.id = 3;
  a.name = "The  Acme Corp.";
  a.website = "https://www.acme.com/";
  a.country = "Holland";
  a.state = "Noord-Holland";
  std::vector<FieldChange> changes;
  StandardizeAccount(a, changes);
  EXPECT_EQ(a.name, "The Acme Corp.");
  EXPECT_EQ(a.domain, "acme.com");
  EXPECT_EQ(a.company_key, "acme");
  EXPECT_EQ(a.country, "NL");
  EXPECT_EQ(a.state, "NL-NH");
  changes.clear();
  EXPECT_EQ(StandardizeAccount(a, changes), 0u);
}

}  // namespace
}  // namespace mops::quality
