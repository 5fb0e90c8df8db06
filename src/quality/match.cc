// Lead-to-account matching: email domain first, then the company name.
#include <algorithm>
#include <set>
#include <unordered_map>

#include "core/strings.h"
#include "quality/engine.h"

namespace mops::quality {

double TokenSimilarity(std::string_view a, std::string_view b) {
  if (a.empty() || b.empty()) return 0;
  std::set<std::string_view> ta, tb;
  for (auto t : core::Split(a, ' ')) {
    if (!t.empty()) ta.insert(t);
  }
  for (auto t : core::Split(b, ' ')) {
    if (!t.empty()) tb.insert(t);
  }
  size_t common = 0;
  for (auto t : ta) common += tb.contains(t);
  const size_t all = ta.size() + tb.size() - common;
  return all == 0 ? 0 : static_cast<double>(common) / static_cast<double>(all);
}

std::vector<AccountMatch> MatchLeadsToAccounts(std::span<const LeadKey> leads,
                                               std::span<const AccountKey> accounts,
                                               double min_similarity) {
  std::unordered_map<std::string, std::vector<size_t>> by_domain, by_key, by_token;
  for (size_t i = 0; i < accounts.size(); ++i) {
    const AccountKey& a = accounts[i];
    if (!a.domain.empty()) by_domain[a.domain].push_back(i);
    if (!a.company_key.empty()) {
      by_key[a.company_key].push_back(i);
      for (auto t : core::Split(a.company_key, ' ')) {
        if (!t.empty()) by_token[std::string(t)].push_back(i);
      }
    }
  }
  auto country_ok = [](const LeadKey& l, const AccountKey& a) {
    return l.country.empty() || a.country.empty() || l.country == a.country;
  };
  std::vector<AccountMatch> out;
  out.reserve(leads.size());
  for (const LeadKey& lead : leads) {
    AccountMatch m;
    m.contact_id = lead.id;
    const std::string domain = CompanyDomainFromEmail(lead.email);
    if (!domain.empty()) {
      if (auto it = by_domain.find(domain); it != by_domain.end()) {
        if (it->second.size() == 1) {
          m.account_id = accounts[it->second[0]].id;
          m.method = "domain";
          out.push_back(std::move(m));
          continue;
        }
        m.method = "ambiguous_domain";
      }
    }
    const std::string key = CompanyKey(lead.company_name);
    if (!key.empty()) {
      std::vector<size_t> exact;
      if (auto it = by_key.find(key); it != by_key.end()) {
        for (size_t i : it->second) {
          if (country_ok(lead, accounts[i])) exact.push_back(i);
        }
      }
      if (exact.size() == 1) {
        m.account_id = accounts[exact[0]].id;
        m.method = "name";
        m.similarity = 1;
        out.push_back(std::move(m));
        continue;
      }
      if (exact.size() > 1) {
        m.method = "ambiguous_name";
        out.push_back(std::move(m));
        continue;
      }
      // Fuzzy: candidates share a token; best Jaccard above the threshold, unique.
      std::set<size_t> candidates;
      for (auto t : core::Split(key, ' ')) {
        if (auto it = by_token.find(std::string(t)); it != by_token.end()) {
          if (it->second.size() > 200) continue;  // a word every company has says nothing
          candidates.insert(it->second.begin(), it->second.end());
        }
      }
      double best = 0;
      size_t best_i = 0, best_n = 0;
      for (size_t i : candidates) {
        if (!country_ok(lead, accounts[i])) continue;
        const double s = TokenSimilarity(key, accounts[i].company_key);
        if (s > best + 1e-12) {
          best = s;
          best_i = i;
          best_n = 1;
        } else if (s > best - 1e-12) {
          ++best_n;
        }
      }
      if (best >= min_similarity && best_n == 1) {
        m.account_id = accounts[best_i].id;
        m.method = "name";
        m.similarity = best;
        out.push_back(std::move(m));
        continue;
      }
      if (best >= min_similarity) m.method = "ambiguous_name";
    }
    if (m.method.empty()) m.method = domain.empty() && key.empty() ? "no_company" : "no_match";
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace mops::quality
