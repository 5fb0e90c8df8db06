// The word lists the generator draws from: names, places, job titles,
// industries, web pages. Internal to src/demo. Every entry is fictional
// except well-known platforms (search engines, social networks, review
// sites) that channel classification needs to recognise.
#pragma once

#include <array>
#include <span>
#include <string_view>

namespace mops::demo::vocab {

struct Weighted {
  std::string_view text;
  double weight;
};

struct Place {
  std::string_view state;       // code as CRMs store it (CA, NSW); may be empty
  std::string_view state_name;  // full name, a dirty variant of the code
  std::string_view city;
  std::string_view area;       // phone area code
  std::string_view territory;  // NA-East, NA-West, EMEA, APAC
  double weight;
};

// How a country writes phone numbers: NANP (US, CA) or +CC AREA GROUPS.
struct Country {
  std::string_view name;  // canonical English name, as accounts store it
  std::string_view iso;
  double weight;
  std::span<const Weighted> spellings;  // how contacts type it
  std::string_view calling_code;
  std::string_view trunk;         // national prefix ("0"), empty if none
  std::string_view fixed_digits;  // subscriber prefix of fictional ranges
  int random_digits;              // subscriber digits after fixed_digits
  std::string_view grouping;      // subscriber digit groups, e.g. "4 4"
  std::span<const Place> places;
  std::string_view tld;  // domain ending for local companies
  std::string_view legal_suffix;
};

inline constexpr Weighted kUsSpellings[] = {
    {"United States", 40},           {"USA", 20},   {"US", 12}, {"U.S.", 6}, {"us", 4},
    {"United States of America", 8}, {"U.S.A.", 3}, {"usa", 3}};
inline constexpr Weighted kUkSpellings[] = {{"United Kingdom", 40},
                                            {"UK", 25},
                                            {"England", 12},
                                            {"Great Britain", 5},
                                            {"GB", 5},
                                            {"U.K.", 5},
                                            {"uk", 3}};
inline constexpr Weighted kDeSpellings[] = {
    {"Germany", 55}, {"Deutschland", 20}, {"DE", 15}, {"germany", 5}, {"GER", 5}};
inline constexpr Weighted kFrSpellings[] = {{"France", 75}, {"FR", 15}, {"france", 10}};
inline constexpr Weighted kCaSpellings[] = {{"Canada", 80}, {"CA", 12}, {"canada", 8}};
inline constexpr Weighted kAuSpellings[] = {{"Australia", 75}, {"AU", 15}, {"Aus", 10}};
inline constexpr Weighted kNlSpellings[] = {
    {"Netherlands", 45}, {"The Netherlands", 25}, {"Holland", 10}, {"NL", 15}, {"Nederland", 5}};
inline constexpr Weighted kInSpellings[] = {{"India", 85}, {"IN", 15}};
inline constexpr Weighted kEsSpellings[] = {{"Spain", 70}, {"España", 15}, {"ES", 15}};
inline constexpr Weighted kSeSpellings[] = {{"Sweden", 80}, {"Sverige", 10}, {"SE", 10}};
inline constexpr Weighted kIeSpellings[] = {
    {"Ireland", 85}, {"IE", 10}, {"Republic of Ireland", 5}};
inline constexpr Weighted kSgSpellings[] = {{"Singapore", 90}, {"SG", 10}};
inline constexpr Weighted kJpSpellings[] = {{"Japan", 90}, {"JP", 10}};

inline constexpr Place kUsPlaces[] = {
    {"CA", "California", "San Francisco", "415", "NA-West", 10},
    {"CA", "California", "San Jose", "408", "NA-West", 5},
    {"CA", "California", "Los Angeles", "213", "NA-West", 6},
    {"CA", "California", "San Diego", "619", "NA-West", 3},
    {"WA", "Washington", "Seattle", "206", "NA-West", 5},
    {"OR", "Oregon", "Portland", "503", "NA-West", 2},
    {"CO", "Colorado", "Denver", "303", "NA-West", 3},
    {"TX", "Texas", "Austin", "512", "NA-West", 5},
    {"TX", "Texas", "Dallas", "214", "NA-West", 4},
    {"AZ", "Arizona", "Phoenix", "602", "NA-West", 2},
    {"UT", "Utah", "Salt Lake City", "801", "NA-West", 2},
    {"NY", "New York", "New York", "212", "NA-East", 12},
    {"MA", "Massachusetts", "Boston", "617", "NA-East", 7},
    {"IL", "Illinois", "Chicago", "312", "NA-East", 6},
    {"GA", "Georgia", "Atlanta", "404", "NA-East", 4},
    {"FL", "Florida", "Miami", "305", "NA-East", 3},
    {"PA", "Pennsylvania", "Philadelphia", "215", "NA-East", 3},
    {"NC", "North Carolina", "Raleigh", "919", "NA-East", 2},
    {"VA", "Virginia", "Arlington", "703", "NA-East", 2},
    {"NJ", "New Jersey", "Newark", "973", "NA-East", 2},
    {"OH", "Ohio", "Columbus", "614", "NA-East", 2},
    {"MN", "Minnesota", "Minneapolis", "612", "NA-East", 2},
    {"DC", "District of Columbia", "Washington", "202", "NA-East", 2},
};
inline constexpr Place kCaPlaces[] = {
    {"ON", "Ontario", "Toronto", "416", "NA-East", 5},
    {"QC", "Quebec", "Montreal", "514", "NA-East", 2},
    {"BC", "British Columbia", "Vancouver", "604", "NA-West", 3},
    {"AB", "Alberta", "Calgary", "403", "NA-West", 1},
};
inline constexpr Place kUkPlaces[] = {
    {"", "England", "London", "20", "EMEA", 7},
    {"", "England", "Manchester", "161", "EMEA", 2},
    {"", "Scotland", "Edinburgh", "131", "EMEA", 1},
};
inline constexpr Place kDePlaces[] = {
    {"BE", "Berlin", "Berlin", "30", "EMEA", 4},
    {"BY", "Bayern", "Munich", "89", "EMEA", 3},
    {"HH", "Hamburg", "Hamburg", "40", "EMEA", 2},
    {"HE", "Hessen", "Frankfurt", "69", "EMEA", 2},
};
inline constexpr Place kFrPlaces[] = {
    {"", "Île-de-France", "Paris", "1", "EMEA", 5},
    {"", "Auvergne-Rhône-Alpes", "Lyon", "4", "EMEA", 1},
};
inline constexpr Place kNlPlaces[] = {
    {"NH", "Noord-Holland", "Amsterdam", "20", "EMEA", 3},
    {"ZH", "Zuid-Holland", "Rotterdam", "10", "EMEA", 1},
};
inline constexpr Place kAuPlaces[] = {
    {"NSW", "New South Wales", "Sydney", "2", "APAC", 4},
    {"VIC", "Victoria", "Melbourne", "3", "APAC", 3},
    {"QLD", "Queensland", "Brisbane", "7", "APAC", 1},
};
inline constexpr Place kInPlaces[] = {
    {"KA", "Karnataka", "Bengaluru", "80", "APAC", 4},
    {"MH", "Maharashtra", "Mumbai", "22", "APAC", 3},
    {"DL", "Delhi", "New Delhi", "11", "APAC", 2},
};
inline constexpr Place kEsPlaces[] = {{"", "Madrid", "Madrid", "91", "EMEA", 1}};
inline constexpr Place kSePlaces[] = {{"", "Stockholm", "Stockholm", "8", "EMEA", 1}};
inline constexpr Place kIePlaces[] = {{"", "Dublin", "Dublin", "1", "EMEA", 1}};
inline constexpr Place kSgPlaces[] = {{"", "", "Singapore", "", "APAC", 1}};
inline constexpr Place kJpPlaces[] = {{"", "Tokyo", "Tokyo", "3", "APAC", 1}};

// UK numbers use Ofcom's ranges reserved for drama (020 7946 0xxx, ...); US
// and Canadian ones the 555 exchange.
inline constexpr Country kCountries[] = {
    {"United States", "US", 52, kUsSpellings, "1", "", "555", 4, "", kUsPlaces, ".com", "Inc."},
    {"United Kingdom", "GB", 10, kUkSpellings, "44", "0", "", 0, "", kUkPlaces, ".co.uk", "Ltd"},
    {"Germany", "DE", 7, kDeSpellings, "49", "0", "", 8, "4 4", kDePlaces, ".de", "GmbH"},
    {"France", "FR", 5, kFrSpellings, "33", "0", "", 8, "2 2 2 2", kFrPlaces, ".fr", "SAS"},
    {"Canada", "CA", 6, kCaSpellings, "1", "", "555", 4, "", kCaPlaces, ".ca", "Inc."},
    {"Australia", "AU", 5, kAuSpellings, "61", "0", "", 8, "4 4", kAuPlaces, ".com.au", "Pty Ltd"},
    {"Netherlands", "NL", 3, kNlSpellings, "31", "0", "", 7, "3 4", kNlPlaces, ".nl", "B.V."},
    {"India", "IN", 5, kInSpellings, "91", "0", "", 8, "4 4", kInPlaces, ".in", "Pvt Ltd"},
    {"Spain", "ES", 1.5, kEsSpellings, "34", "", "", 7, "3 2 2", kEsPlaces, ".es", "S.L."},
    {"Sweden", "SE", 1.5, kSeSpellings, "46", "0", "", 7, "3 2 2", kSePlaces, ".se", "AB"},
    {"Ireland", "IE", 1.5, kIeSpellings, "353", "0", "", 7, "3 4", kIePlaces, ".ie", "Ltd"},
    {"Singapore", "SG", 1, kSgSpellings, "65", "", "6", 7, "4 4", kSgPlaces, ".sg", "Pte Ltd"},
    {"Japan", "JP", 1, kJpSpellings, "81", "0", "", 8, "4 4", kJpPlaces, ".jp", "K.K."},
};
inline constexpr size_t kUnitedKingdom = 1;

// UK places: subscriber part from the drama ranges, keyed by area.
inline constexpr std::string_view UkFixedDigits(std::string_view area) {
  return area == "20" ? "79460" : "4960";
}

struct Name {
  std::string_view name;
  std::array<std::string_view, 2> nicknames;  // empty when none
};

inline constexpr Name kFirstNames[] = {
    {"Robert", {"Bob", "Rob"}},
    {"William", {"Bill", "Will"}},
    {"James", {"Jim", "Jamie"}},
    {"Michael", {"Mike", ""}},
    {"Richard", {"Rick", "Rich"}},
    {"Thomas", {"Tom", ""}},
    {"Christopher", {"Chris", ""}},
    {"Daniel", {"Dan", "Danny"}},
    {"Matthew", {"Matt", ""}},
    {"Anthony", {"Tony", ""}},
    {"Joseph", {"Joe", ""}},
    {"Steven", {"Steve", ""}},
    {"Andrew", {"Andy", "Drew"}},
    {"Jonathan", {"Jon", ""}},
    {"Nicholas", {"Nick", ""}},
    {"Alexander", {"Alex", ""}},
    {"Benjamin", {"Ben", ""}},
    {"Timothy", {"Tim", ""}},
    {"Kenneth", {"Ken", ""}},
    {"Edward", {"Ed", "Ted"}},
    {"Charles", {"Charlie", "Chuck"}},
    {"Samuel", {"Sam", ""}},
    {"Patrick", {"Pat", ""}},
    {"Gregory", {"Greg", ""}},
    {"Jeffrey", {"Jeff", ""}},
    {"David", {"Dave", ""}},
    {"Kevin", {"", ""}},
    {"Brian", {"", ""}},
    {"Jason", {"", ""}},
    {"Ryan", {"", ""}},
    {"Eric", {"", ""}},
    {"Mark", {"", ""}},
    {"Paul", {"", ""}},
    {"Scott", {"", ""}},
    {"Elizabeth", {"Liz", "Beth"}},
    {"Katherine", {"Kate", "Katie"}},
    {"Jennifer", {"Jen", "Jenny"}},
    {"Margaret", {"Maggie", "Peggy"}},
    {"Patricia", {"Pat", "Trish"}},
    {"Susan", {"Sue", ""}},
    {"Rebecca", {"Becky", ""}},
    {"Deborah", {"Deb", ""}},
    {"Samantha", {"Sam", ""}},
    {"Victoria", {"Vicky", "Tori"}},
    {"Christine", {"Chris", ""}},
    {"Jessica", {"Jess", ""}},
    {"Alexandra", {"Alex", ""}},
    {"Kimberly", {"Kim", ""}},
    {"Stephanie", {"Steph", ""}},
    {"Abigail", {"Abby", ""}},
    {"Emily", {"", ""}},
    {"Sarah", {"", ""}},
    {"Laura", {"", ""}},
    {"Rachel", {"", ""}},
    {"Megan", {"", ""}},
    {"Olivia", {"", ""}},
    {"Emma", {"", ""}},
    {"Hannah", {"", ""}},
    {"Grace", {"", ""}},
    {"Chloe", {"", ""}},
    {"Priya", {"", ""}},
    {"Rahul", {"", ""}},
    {"Ananya", {"", ""}},
    {"Vikram", {"Vik", ""}},
    {"Arjun", {"", ""}},
    {"Wei", {"", ""}},
    {"Mei", {"", ""}},
    {"Hiroshi", {"", ""}},
    {"Yuki", {"", ""}},
    {"Lukas", {"", ""}},
    {"Jürgen", {"", ""}},
    {"Anna", {"", ""}},
    {"Sophie", {"", ""}},
    {"Léa", {"", ""}},
    {"François", {"", ""}},
    {"José", {"", ""}},
    {"María", {"", ""}},
    {"Lars", {"", ""}},
    {"Sanne", {"", ""}},
    {"Niamh", {"", ""}},
    {"Oliver", {"Ollie", ""}},
    {"Harry", {"", ""}},
    {"Isabella", {"Bella", "Izzy"}},
    {"Zoë", {"", ""}},
};

inline constexpr std::string_view kLastNames[] = {
    "Smith",    "Johnson",    "Williams",  "Brown",      "Jones",     "Garcia",
    "Miller",   "Davis",      "Rodriguez", "Martinez",   "Hernandez", "Lopez",
    "Wilson",   "Anderson",   "Thomas",    "Taylor",     "Moore",     "Jackson",
    "Martin",   "Lee",        "Thompson",  "White",      "Harris",    "Clark",
    "Lewis",    "Robinson",   "Walker",    "Young",      "Allen",     "King",
    "Wright",   "Scott",      "Torres",    "Nguyen",     "Hill",      "Flores",
    "Green",    "Adams",      "Nelson",    "Baker",      "Hall",      "Rivera",
    "Campbell", "Mitchell",   "Carter",    "Roberts",    "Phillips",  "Evans",
    "Turner",   "Parker",     "Collins",   "Edwards",    "Stewart",   "Morris",
    "Murphy",   "Cook",       "Rogers",    "Morgan",     "Cooper",    "Peterson",
    "Reed",     "Bailey",     "Bell",      "Kelly",      "Howard",    "Ward",
    "Cox",      "Richardson", "Wood",      "Watson",     "Brooks",    "Bennett",
    "Gray",     "Hughes",     "Price",     "Sanders",    "Myers",     "Long",
    "Ross",     "Foster",     "Powell",    "Jenkins",    "Perry",     "Russell",
    "Sullivan", "Fisher",     "Henderson", "Coleman",    "Patterson", "Jordan",
    "Reynolds", "Hamilton",   "Graham",    "Wallace",    "Fletcher",  "O'Brien",
    "O'Connor", "McDonald",   "MacLeod",   "Patel",      "Shah",      "Sharma",
    "Gupta",    "Iyer",       "Reddy",     "Chen",       "Wang",      "Zhang",
    "Liu",      "Tanaka",     "Sato",      "Suzuki",     "Kim",       "Park",
    "Müller",   "Schmidt",    "Schneider", "Fischer",    "Weber",     "Becker",
    "Dubois",   "Lefèvre",    "Moreau",    "Laurent",    "de Vries",  "van der Berg",
    "Jansen",   "Bakker",     "Andersson", "Johansson",  "Lindqvist", "Fernández",
    "González", "Sánchez",    "Romero",    "Kowalski",   "Nowak",     "Novak",
    "Rossi",    "Bianchi",    "Costa",     "Silva",      "Santos",    "Byrne",
    "Walsh",    "Doyle",      "Quinn",     "Fitzgerald", "Abernathy", "Castellanos",
    "Whitaker", "Okafor",     "Mensah",    "Haddad",
};

// A buying role and the ways people write it as a job title.
struct Role {
  std::string_view seniority;  // C-Level, VP, Director, Manager, Individual Contributor
  std::string_view department;
  double weight;
  double fit;                              // 0..1: how well the role matches the product's buyer
  std::array<std::string_view, 4> titles;  // the first is canonical; empty at the end
};

inline constexpr Role kRoles[] = {
    {"C-Level",
     "Marketing",
     2,
     0.9,
     {"Chief Marketing Officer", "CMO", "Chief Marketing Officer (CMO)", ""}},
    {"VP",
     "Marketing",
     3,
     0.95,
     {"VP Marketing", "Vice President, Marketing", "VP of Marketing", "V.P. Marketing"}},
    {"VP", "Marketing", 1.5, 0.95, {"VP Demand Generation", "VP, Demand Gen", "", ""}},
    {"Director",
     "Marketing",
     3,
     1.0,
     {"Director of Marketing Operations", "Dir. Marketing Ops", "Marketing Operations Director",
      ""}},
    {"Manager",
     "Marketing",
     6,
     1.0,
     {"Marketing Operations Manager", "Marketing Ops Manager", "Mktg Ops Mgr", "MOPs Manager"}},
    {"Manager", "Marketing", 6, 0.8, {"Marketing Manager", "Mktg Mgr", "Mgr, Marketing", ""}},
    {"Manager", "Marketing", 4, 0.85, {"Demand Generation Manager", "Demand Gen Mgr", "", ""}},
    {"Manager", "Marketing", 3, 0.6, {"Content Marketing Manager", "Content Mktg Manager", "", ""}},
    {"Individual Contributor",
     "Marketing",
     4,
     0.5,
     {"Marketing Coordinator", "Mktg Coordinator", "Marketing Specialist", ""}},
    {"Individual Contributor",
     "Marketing",
     2,
     0.6,
     {"Marketing Analyst", "Sr. Marketing Analyst", "Marketing Data Analyst", ""}},
    {"Manager",
     "Operations",
     3,
     0.8,
     {"Revenue Operations Manager", "RevOps Manager", "Mgr, Revenue Ops", ""}},
    {"Director", "Sales", 2, 0.6, {"Director of Sales Operations", "Sales Ops Director", "", ""}},
    {"VP", "Sales", 2, 0.5, {"VP Sales", "Vice President of Sales", "VP, Sales", ""}},
    {"C-Level", "Sales", 1, 0.6, {"Chief Revenue Officer", "CRO", "", ""}},
    {"C-Level",
     "Executive",
     2,
     0.5,
     {"Chief Executive Officer", "CEO", "Founder & CEO", "Co-Founder and CEO"}},
    {"C-Level", "Finance", 1, 0.3, {"Chief Financial Officer", "CFO", "", ""}},
    {"C-Level", "Engineering", 1, 0.3, {"Chief Technology Officer", "CTO", "", ""}},
    {"Director",
     "IT",
     2,
     0.35,
     {"IT Director", "Director of IT", "Dir. Information Technology", ""}},
    {"Individual Contributor",
     "Engineering",
     4,
     0.15,
     {"Software Engineer", "Sr. Software Engineer", "Senior Software Engineer", "SWE II"}},
    {"Individual Contributor",
     "Engineering",
     2,
     0.25,
     {"Data Analyst", "Sr. Data Analyst", "Data Analyst II", ""}},
    {"Manager", "Product", 2, 0.3, {"Product Manager", "Sr. Product Manager", "PM", ""}},
    {"Individual Contributor",
     "Sales",
     3,
     0.2,
     {"Account Executive", "Sr. Account Executive", "AE", ""}},
    {"Individual Contributor",
     "Sales",
     2,
     0.25,
     {"Sales Development Representative", "SDR", "BDR", ""}},
    {"Manager", "Customer Success", 2, 0.2, {"Customer Success Manager", "CSM", "", ""}},
    {"Manager", "HR", 1, 0.05, {"HR Manager", "People Ops Manager", "", ""}},
    {"Manager", "Operations", 2, 0.3, {"Operations Manager", "Ops Mgr", "", ""}},
    {"Individual Contributor",
     "Other",
     1.5,
     0.02,
     {"Independent Consultant", "Consultant", "Student", ""}},
};

struct Industry {
  std::string_view name;
  std::string_view dirty;  // a variant some CRM rows carry
  double weight;
  double revenue_per_employee;  // USD
  double fit;
};

inline constexpr Industry kIndustries[] = {
    {"Software", "Computer Software", 18, 250000, 1.0},
    {"Financial Services", "Financial Svcs", 9, 400000, 0.8},
    {"Healthcare", "Health Care", 8, 180000, 0.6},
    {"Manufacturing", "Mfg", 9, 220000, 0.5},
    {"Retail", "Retail & Ecommerce", 6, 200000, 0.6},
    {"Education", "Higher Education", 4, 120000, 0.4},
    {"Media", "Media & Entertainment", 4, 230000, 0.7},
    {"Telecommunications", "Telecom", 3, 350000, 0.6},
    {"Professional Services", "Consulting", 8, 170000, 0.7},
    {"Logistics", "Transportation & Logistics", 4, 190000, 0.4},
    {"Energy", "Oil & Energy", 2, 500000, 0.3},
    {"Insurance", "Insurance Services", 3, 380000, 0.7},
    {"Biotech", "Biotechnology", 3, 300000, 0.5},
    {"Real Estate", "Commercial Real Estate", 2, 260000, 0.4},
    {"Government", "Public Sector", 1.5, 150000, 0.2},
    {"Nonprofit", "Non-Profit", 1.5, 90000, 0.3},
    {"Hospitality", "Hospitality & Travel", 2, 110000, 0.4},
    {"Marketing & Advertising", "Advertising", 4, 160000, 0.9},
};

inline constexpr std::string_view kCompanyStems[] = {
    "Blue",   "North",    "Bright",   "Silver",  "Green",     "Iron",    "Cloud",  "Summit",
    "Red",    "Quantum",  "Atlas",    "Nova",    "Pioneer",   "Vertex",  "Apex",   "Harbor",
    "River",  "Stone",    "Pine",     "Cedar",   "Falcon",    "Orbit",   "Lumen",  "Zen",
    "Core",   "Prime",    "Clear",    "Swift",   "Bold",      "True",    "Sun",    "Star",
    "Wave",   "Maple",    "Oak",      "Granite", "Crystal",   "Echo",    "Delta",  "Sigma",
    "Vector", "Polar",    "Terra",    "Aero",    "Nimbus",    "Cobalt",  "Amber",  "Coral",
    "Indigo", "Jade",     "Onyx",     "Ruby",    "Scarlet",   "Willow",  "Birch",  "Aspen",
    "Sierra", "Canyon",   "Meadow",   "Harvest", "Beacon",    "Compass", "Anchor", "Bridge",
    "Forge",  "Keystone", "Pinnacle", "Horizon", "Evergreen", "Crest",   "Fox",    "Wolf",
    "Bear",   "Hawk",     "Raven",    "Lark",    "Tide",      "Glacier", "Ember",  "Spark",
    "Kite",
};
inline constexpr std::string_view kCompanyTails[] = {
    "peak",  "line", "field", "stone", "point",  "bay",   "wave", "bridge", "gate",  "path",
    "works", "leaf", "ridge", "light", "spring", "mark",  "wind", "well",   "view",  "dale",
    "star",  "sky",  "port",  "rock",  "crest",  "forge", "grid", "loop",   "shift", "scale",
};
inline constexpr std::string_view kCompanyWords[] = {
    "Analytics",     "Systems",    "Labs",      "Health",       "Logistics",    "Capital",
    "Software",      "Networks",   "Foods",     "Energy",       "Robotics",     "Media",
    "Partners",      "Dynamics",   "Solutions", "Technologies", "Financial",    "Insurance",
    "Retail",        "Learning",   "Bio",       "Security",     "Cloud",        "Group",
    "Industries",    "Consulting", "Ventures",  "Studios",      "Data",         "Commerce",
    "Manufacturing", "Mobility",   "Digital",   "Freight",      "Therapeutics",
};

inline constexpr std::string_view kFreeMailDomains[] = {"gmail.com", "yahoo.com", "outlook.com",
                                                        "hotmail.com", "icloud.com"};

// Pages of the company's own site (https://www.example.com).
inline constexpr std::string_view kSitePages[] = {
    "/",
    "/pricing",
    "/product",
    "/product/attribution",
    "/product/data-quality",
    "/product/lead-scoring",
    "/product/campaign-ops",
    "/customers",
    "/customers/case-study-bluepeak",
    "/blog/utm-naming-conventions",
    "/blog/b2b-attribution-models",
    "/blog/marketing-ops-stack-audit",
    "/blog/lead-scoring-guide",
    "/blog/crm-data-hygiene-checklist",
    "/blog/markov-attribution-explained",
    "/integrations/salesforce",
    "/integrations/hubspot",
    "/about",
    "/careers",
    "/contact",
};
inline constexpr size_t kPricingPage = 1;

inline constexpr std::string_view kKeywords[] = {
    "marketing attribution software",
    "b2b attribution",
    "marketing operations platform",
    "lead scoring tool",
    "crm data cleanup",
    "utm builder",
    "multi touch attribution",
    "marketing analytics dashboard",
    "salesforce duplicate contacts",
    "marketing ops audit",
};
inline constexpr std::string_view kBrandKeyword = "example marketing ops";
inline constexpr std::string_view kCompetitorKeyword = "attribution tool alternatives";

inline constexpr std::string_view kAdContents[] = {
    "video-15s",     "carousel-roi",   "static-demo-cta", "text-ad-a",      "text-ad-b",
    "lead-gen-form", "banner-300x250", "banner-728x90",   "customer-quote", "ebook-playbook",
};

inline constexpr std::string_view kContentAssets[] = {
    "eBook: The Marketing Ops Playbook", "Report: State of B2B Attribution 2025",
    "Checklist: CRM Data Hygiene",       "Guide: Lead Scoring 101",
    "Template: UTM Naming Convention",   "Benchmark: B2B Funnel Conversion Rates",
};

inline constexpr std::string_view kSyndicationVendors[] = {"leadsmith", "b2bsyndicate",
                                                           "contentreach"};
inline constexpr std::string_view kPartners[] = {"crestline-consulting", "orbit-digital",
                                                 "revalign-partners"};
inline constexpr std::string_view kPartnerNames[] = {"Crestline Consulting", "Orbit Digital",
                                                     "RevAlign Partners"};
inline constexpr std::string_view kAffiliates[] = {"martech-deals", "saas-reviews-weekly"};
// Third-party publishers use the reserved .example top-level domain.
inline constexpr std::string_view kReferrers[] = {
    "https://martechdigest.example/top-attribution-tools",
    "https://opsnewsletter.example/issue-42",
    "https://growthforum.example/t/best-marketing-ops-stack",
    "https://saasweekly.example/reviews/marketing-ops",
};
inline constexpr std::string_view kPublishers[] = {
    "https://news.businessdaily.example/", "https://techpulse.example/",
    "https://financewire.example/", "https://marketingweek.example/"};

}  // namespace mops::demo::vocab
