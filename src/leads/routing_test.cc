// Routing: first match wins; weighted round robin 2:1:1 over 400 leads gives
// exactly 200/100/100; capacity, out-of-office and the fallback queue.
#include <gtest/gtest.h>

#include "leads/leads.h"

namespace mops::leads {
namespace {

constexpr Timestamp kNow = 1780000000;

std::vector<Rep> Reps() {
  std::vector<Rep> reps(4);
  const char* names[] = {"Ana", "Ben", "Cho", "Dee"};
  for (int i = 0; i < 4; ++i) {
    reps[i].id = 10 + i;
    reps[i].name = names[i];
    reps[i].email = std::string(names[i]) + "@example.com";
    reps[i].external_id = "U" + std::to_string(i);
  }
  return reps;
}

std::vector<Lead> Leads(int n) {
  std::vector<Lead> leads(n);
  for (int i = 0; i < n; ++i) {
    leads[i].contact_id = i + 1;
    leads[i].country = "US";
  }
  return leads;
}

constexpr std::string_view kPool = R"(pools:
  - name: inbound
    members: [{user: ana@example.com, weight: 2}, {user: Ben}, {user: U2}]
rules:
  - {name: all, to: {pool: inbound}}
fallback_queue: triage
)";

std::map<int64_t, int> Count(const std::vector<Assignment>& a) {
  std::map<int64_t, int> n;
  for (const Assignment& x : a) ++n[x.user_id];
  return n;
}

TEST(Routing, WeightedRoundRobinIsExact) {
  auto config = ParseRoutingConfig(kPool);
  ASSERT_TRUE(config) << config.error().ToString();
  auto reps = Reps();
  PoolState state;
  auto a = Route(*config, Leads(400), reps, state, kNow);
  ASSERT_TRUE(a) << a.error().ToString();
  auto n = Count(*a);
  EXPECT_EQ(n[10], 200);
  EXPECT_EQ(n[11], 100);
  EXPECT_EQ(n[12], 100);
  EXPECT_EQ(n[0], 0);
  EXPECT_EQ((*a)[0].rule, "all");
  // Smooth: never two leads in a row to the weight-1 members.
  EXPECT_EQ((*a)[0].user_id, 10);
  EXPECT_NE((*a)[1].user_id, (*a)[2].user_id);
  // The state carries over: 4 more leads after a restart give 2/1/1 again.
  auto more = Route(*config, Leads(4), reps, state, kNow);
  ASSERT_TRUE(more);
  auto m = Count(*more);
  EXPECT_EQ(m[10], 2);
  EXPECT_EQ(m[11], 1);
  EXPECT_EQ(m[12], 1);
}

TEST(Routing, CapacityOutOfOfficeAndFallback) {
  auto config = ParseRoutingConfig(kPool);
  ASSERT_TRUE(config);
  auto reps = Reps();
  reps[1].capacity = 60;
  reps[1].open = 10;                       // Ben takes 50 more
  reps[2].out_of_office_until = kNow + 1;  // Cho is away
  reps[0].capacity = 300;                  // Ana stops at 300
  PoolState state;
  auto a = Route(*config, Leads(400), reps, state, kNow);
  ASSERT_TRUE(a);
  auto n = Count(*a);
  EXPECT_EQ(n[11], 50);
  EXPECT_EQ(n[12], 0);
  EXPECT_EQ(n[10], 300);
  EXPECT_EQ(n[0], 50);  // the rest waits in the fallback queue
  const Assignment& last = a->back();
  EXPECT_EQ(last.user_id, 0);
  EXPECT_EQ(last.queue, "triage");
  EXPECT_EQ(last.rule, "all");
  EXPECT_EQ(last.reason, "no member of pool 'inbound' available");
  // Back from holiday: Cho takes leads again.
  auto back = Route(*config, Leads(3), reps, state, kNow + 1);
  ASSERT_TRUE(back);
  EXPECT_EQ(Count(*back)[12], 3);
}

TEST(Routing, FirstMatchWinsAndActions) {
  auto config = ParseRoutingConfig(R"(pools:
  - {name: smb, method: fewest_open, members: [Ana, Ben]}
rules:
  - {name: big, when: {min_employees: 1000}, to: {account_owner: true}}
  - {name: west, when: {countries: [US], states: [CA, WA], grades: [A1, A2]}, to: {user: Dee}}
  - {name: hot, when: {min_score: 80}, to: {user: Cho}}
  - {name: smb, when: {max_employees: 200, industries: [software]}, to: {pool: smb}}
)");
  ASSERT_TRUE(config) << config.error().ToString();
  auto reps = Reps();
  reps[0].open = 5;
  reps[1].open = 3;
  std::vector<Lead> leads(6);
  leads[0] = {1, "US", "NY", "software", "web", "B1", 5000, 9000, 13};  // owner Dee
  leads[1] = {2, "US", "ca", "software", "web", "a2", 50, 9000, 0};     // west, lower-case
  leads[2] = {3, "DE", "", "retail", "web", "A1", -1, 8000, 0};         // hot
  leads[3] = {4, "DE", "", "Software", "web", "C3", 150, 0, 0};         // smb: Ben (3 < 5)
  leads[4] = {5, "DE", "", "retail", "web", "C3", -1, 0, 0};            // nothing matches
  leads[5] = {6, "US", "TX", "retail", "web", "C3", 2000, 0, 0};        // big, no owner
  PoolState state;
  auto a = Route(*config, leads, reps, state, kNow);
  ASSERT_TRUE(a);
  EXPECT_EQ((*a)[0].user_id, 13);
  EXPECT_EQ((*a)[0].rule, "big");
  EXPECT_EQ((*a)[1].user_id, 13);
  EXPECT_EQ((*a)[1].rule, "west");
  EXPECT_EQ((*a)[2].user_id, 12);
  EXPECT_EQ((*a)[3].user_id, 11);
  EXPECT_EQ((*a)[4].user_id, 0);
  EXPECT_EQ((*a)[4].reason, "no rule matched");
  EXPECT_EQ((*a)[4].queue, "unassigned");
  EXPECT_EQ((*a)[5].user_id, 0);
  EXPECT_EQ((*a)[5].reason, "no account owner");
}

TEST(Routing, UnknownUserIsAnError) {
  auto config = ParseRoutingConfig("rules:\n  - {name: r, to: {user: nobody}}\n");
  ASSERT_TRUE(config);
  auto reps = Reps();
  PoolState state;
  auto a = Route(*config, Leads(1), reps, state, kNow);
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().ToString(), "routing:2: rule 'r': no user 'nobody'");
}

}  // namespace
}  // namespace mops::leads
